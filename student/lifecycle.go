package student

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/scope"
)

// lock takes the student's row for the rest of tx on PostgreSQL (two changes
// of one student then happen one after the other); SQLite's write
// transactions are serial already.
func (r *Registry) lock(ctx context.Context, tx db.Tx, id int64) error {
	if r.DB.Dialect != db.Postgres {
		return nil
	}
	var v int
	err := tx.QueryRowContext(ctx, `SELECT version FROM student WHERE id = $1 FOR UPDATE`, id).Scan(&v)
	if err != nil && !db.IsNoRows(err) {
		return fmt.Errorf("lock student %d: %w", id, err)
	}
	return nil
}

// current reads a student in sc for a change, locked, with personal data in clear.
func (r *Registry) current(ctx context.Context, tx db.Tx, sc scope.Scope, id int64) (Student, error) {
	if err := r.lock(ctx, tx, id); err != nil {
		return Student{}, err
	}
	s, _, err := r.load(ctx, tx, sc, id)
	return s, err
}

// setState writes the registry-kept fields of s (placement and state) over
// the version old had, and moves its guardians with it.
func setState(ctx context.Context, tx db.Tx, s *Student, oldVersion int, now time.Time) error {
	s.Version, s.UpdatedAt = oldVersion+1, now
	res, err := tx.ExecContext(ctx, `UPDATE student SET status = $2, school_code = $3, county_code = $4, level = $5, grade = $6,
		class_id = $7, absent_since = $8, repeat_marked = $9, merged_into = $10, version = $11, updated_at = $12
		WHERE id = $1 AND version = $13`, s.ID, string(s.Status), s.School, s.County, string(s.Level), int(s.Grade),
		nullInt(s.ClassID), nullText(s.AbsentSince), s.RepeatMarked, nullInt(s.MergedInto), s.Version, now, oldVersion)
	if err != nil {
		return fmt.Errorf("update student %d: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return changedMeanwhile()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE student_guardian SET school_code = $2, county_code = $3
		WHERE student_id = $1 AND (school_code <> $2 OR county_code <> $3)`, s.ID, s.School, s.County); err != nil {
		return fmt.Errorf("move the guardians of student %d: %w", s.ID, err)
	}
	return nil
}

// stateView is what the audit log shows of a change of state.
type stateView struct {
	Status      Status `json:"status"`
	School      string `json:"school"`
	Grade       string `json:"grade"`
	ClassID     int64  `json:"class_id"`
	AbsentSince string `json:"absent_since"`
	Repeat      bool   `json:"repeat_marked"`
	MergedInto  int64  `json:"merged_into"`
}

func viewOf(s Student) stateView {
	return stateView{s.Status, s.School, s.Grade.String(), s.ClassID, s.AbsentSince, s.RepeatMarked, s.MergedInto}
}

func (r *Registry) auditState(ctx context.Context, tx db.Tx, action string, old, new Student, detail string, by Actor) error {
	e := audit.Entry{Action: "student." + action, RecordType: "student", RecordID: fmt.Sprint(new.ID),
		Changes: audit.Diff(viewOf(old), viewOf(new), nil)}.ByActor(by)
	if detail != "" {
		e.Detail = detail
	}
	return r.Audit.Record(ctx, tx, e)
}

// effective checks the date a change takes effect ("" is today): a real
// date, not in the future, not before the student's birth nor before the
// start of their current enrolment.
func (r *Registry) effective(ctx context.Context, tx db.Tx, s Student, on string, now time.Time) (string, error) {
	if on == "" {
		return today(now), nil
	}
	d, ok := parseDate(on)
	switch {
	case !ok:
		return "", invalid("on", "日期“%s”不是有效日期（YYYY-MM-DD）", "date %q is not a valid date (YYYY-MM-DD)", on)
	case on > today(now):
		return "", invalid("on", "日期 %s 晚于今天", "date %s is in the future", on)
	case on < s.BirthDate:
		return "", invalid("on", "日期 %s 早于学生的出生日期", "date %s is before the student's birth", on)
	}
	var entered string
	err := tx.QueryRowContext(ctx, `SELECT entered_on FROM student_enrolment WHERE student_id = $1 AND left_on IS NULL`, s.ID).Scan(&entered)
	if err != nil && !db.IsNoRows(err) {
		return "", fmt.Errorf("read the enrolment of student %d: %w", s.ID, err)
	}
	if entered != "" && on < entered {
		return "", invalid("on", "日期 %s 早于本次入校日期 %s", "date %s is before the student entered this school (%s)", on, entered)
	}
	// The timeline stays in order: nothing takes effect before the last event.
	var last string
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(effective_on), '') FROM student_event WHERE student_id = $1`, s.ID).Scan(&last); err != nil {
		return "", fmt.Errorf("read the events of student %d: %w", s.ID, err)
	}
	if on < last {
		return "", invalid("on", "日期 %s 早于该学生最近一次学籍变动（%s）", "date %s is before the student's latest change (%s)", on, last)
	}
	return d.Format(time.DateOnly), nil
}

func needReason(field, reason string) error {
	if utf8.RuneCountInString(strings.TrimSpace(reason)) < 2 {
		return invalid(field, "请填写原因", "a reason is required")
	}
	if utf8.RuneCountInString(reason) > 500 {
		return invalid(field, "原因不能超过 500 个字", "the reason must be at most 500 characters")
	}
	return nil
}

func wrongState(s Student, zh, en string) error {
	st := StatusName(s.Status)
	return &fault.Error{Kind: fault.Conflict, Msg: i18n.Text{ZH: zh + "（该学生现为“" + st.ZH + "”）", EN: en + " (the student is now " + strings.ToLower(st.EN) + ")"}}
}

// pendingTransfer returns the id of the student's transfer in progress, or 0.
func pendingTransfer(ctx context.Context, tx db.Tx, id int64) (int64, error) {
	var t int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM student_transfer WHERE student_id = $1 AND status = 'pending'`, id).Scan(&t)
	if db.IsNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read transfers of student %d: %w", id, err)
	}
	return t, nil
}

func (r *Registry) noPendingTransfer(ctx context.Context, tx db.Tx, id int64) error {
	t, err := pendingTransfer(ctx, tx, id)
	if err != nil {
		return err
	}
	if t != 0 {
		return fault.New(fault.Conflict, "该学生有一项转学申请（编号 %d）正在办理，请先办结或撤回", "the student has a transfer in progress (no. %d); decide or withdraw it first", t)
	}
	return nil
}

// change runs one change of a student's state in a transaction: fn gets the
// student as stored (in clear, locked) and a copy to change, and returns
// the audit action and detail; the state is written, then audited.
func (r *Registry) change(ctx context.Context, sc scope.Scope, id int64, by Actor,
	fn func(tx db.Tx, old Student, s *Student, now time.Time) (action, detail string, err error)) (Student, error) {
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		old, err := r.current(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if old.Status == Merged {
			return fault.New(fault.Conflict, "该学籍已合并到学生 %d", "this record was merged into student %d", old.MergedInto)
		}
		s := old
		now := r.now()
		action, detail, err := fn(tx, old, &s, now)
		if err != nil {
			return err
		}
		if err := setState(ctx, tx, &s, old.Version, now); err != nil {
			return err
		}
		return r.auditState(ctx, tx, action, old, s, detail, by)
	})
	if err != nil {
		return Student{}, err
	}
	return r.Get(ctx, scope.Everything, id)
}

// Suspend records a suspension (休学): the student stays on the school's roll
// but does not attend, until Resume.
func (r *Registry) Suspend(ctx context.Context, sc scope.Scope, id int64, on, reason string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if old.Status != Enrolled {
			return "", "", wrongState(old, "只有在读学生可以休学", "only an enrolled student can be suspended")
		}
		if err := needReason("reason", reason); err != nil {
			return "", "", err
		}
		if err := r.noPendingTransfer(ctx, tx, id); err != nil {
			return "", "", err
		}
		on, err := r.effective(ctx, tx, old, on, now)
		if err != nil {
			return "", "", err
		}
		s.Status = Suspended
		ev := Event{StudentID: id, Kind: EvSuspend, On: on, School: s.School, County: s.County, Reason: reason}
		return "suspend", reason, addEvent(ctx, tx, &ev, now, by)
	})
}

// Resume ends a suspension (复学); the student comes back in their grade and
// class (Place moves them when they rejoin another).
func (r *Registry) Resume(ctx context.Context, sc scope.Scope, id int64, on, reason string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if old.Status != Suspended {
			return "", "", wrongState(old, "只有休学的学生可以复学", "only a suspended student can resume")
		}
		on, err := r.effective(ctx, tx, old, on, now)
		if err != nil {
			return "", "", err
		}
		s.Status = Enrolled
		ev := Event{StudentID: id, Kind: EvResume, On: on, School: s.School, County: s.County, Reason: reason}
		return "resume", reason, addEvent(ctx, tx, &ev, now, by)
	})
}

// Place moves a student on a school's roll to another grade or class of
// the same school (调班, or a correction), as an event.
func (r *Registry) Place(ctx context.Context, sc scope.Scope, id int64, g Grade, classID int64, on, reason string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if !old.Status.AtSchool() {
			return "", "", wrongState(old, "学生不在校，不能调整年级或班级", "the student is not on a school's roll")
		}
		if g == old.Grade && classID == old.ClassID {
			return "", "", invalid("class_id", "年级和班级都没有变化", "neither the grade nor the class changes")
		}
		p, err := r.checkPlacement(ctx, tx, scope.Everything, old.School, g, classID)
		if err != nil {
			return "", "", err
		}
		on, err := r.effective(ctx, tx, old, on, now)
		if err != nil {
			return "", "", err
		}
		s.Grade, s.ClassID, s.Level = g, classID, p.Level
		ev := Event{StudentID: id, Kind: EvPlacement, On: on, School: s.School, County: s.County, GradeBefore: gradePtr(old.Grade),
			GradeAfter: gradePtr(g), ClassBefore: old.ClassID, ClassAfter: classID, Reason: reason}
		return "place", reason, addEvent(ctx, tx, &ev, now, by)
	})
}

// MarkRepeat marks (or unmarks) a student on a school's roll to stay in their
// grade at the next year-end promotion (留级). The promotion records the
// repeat event.
func (r *Registry) MarkRepeat(ctx context.Context, sc scope.Scope, id int64, repeat bool, reason string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if !old.Status.AtSchool() {
			return "", "", wrongState(old, "学生不在校", "the student is not on a school's roll")
		}
		if repeat {
			if err := needReason("reason", reason); err != nil {
				return "", "", err
			}
		}
		s.RepeatMarked = repeat
		return "mark_repeat", reason, nil
	})
}

// age is the age in full years on date on of someone born on birth.
func age(birth, on string) int {
	b, ok1 := parseDate(birth)
	d, ok2 := parseDate(on)
	if !ok1 || !ok2 {
		return -1
	}
	a := d.Year() - b.Year()
	if d.Month() < b.Month() || d.Month() == b.Month() && d.Day() < b.Day() {
		a--
	}
	return a
}

func (r *Registry) compulsory(birth, on string) bool {
	a := age(birth, on)
	return a >= r.Rules.CompulsoryFrom && a <= r.Rules.CompulsoryTo
}

// MarkAbsent records a long-term absence (长期缺课) since a date: the student
// stays enrolled, and a child of compulsory-education age goes on the
// county's follow-up list until EndAbsence.
func (r *Registry) MarkAbsent(ctx context.Context, sc scope.Scope, id int64, since, reason string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if old.Status != Enrolled {
			return "", "", wrongState(old, "只有在读学生可以登记长期缺课", "only an enrolled student can be marked absent")
		}
		if old.AbsentSince != "" {
			return "", "", fault.New(fault.Conflict, "该学生自 %s 起已登记为长期缺课", "the student is already marked absent since %s", old.AbsentSince)
		}
		if err := needReason("reason", reason); err != nil {
			return "", "", err
		}
		since, err := r.effective(ctx, tx, old, since, now)
		if err != nil {
			return "", "", err
		}
		s.AbsentSince = since
		ev := Event{StudentID: id, Kind: EvAbsence, On: since, School: s.School, County: s.County, Reason: reason}
		if err := addEvent(ctx, tx, &ev, now, by); err != nil {
			return "", "", err
		}
		if r.compulsory(s.BirthDate, since) {
			if err := r.openFollowUp(ctx, tx, *s, "absence", since, reason, now, by); err != nil {
				return "", "", err
			}
		}
		return "mark_absent", reason, nil
	})
}

// EndAbsence records that an absent student is back at lessons; their
// follow-up case closes as returned.
func (r *Registry) EndAbsence(ctx context.Context, sc scope.Scope, id int64, on, note string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if old.AbsentSince == "" || old.Status != Enrolled {
			return "", "", fault.New(fault.Conflict, "该学生没有登记长期缺课", "the student is not marked absent")
		}
		on, err := r.effective(ctx, tx, old, on, now)
		if err != nil {
			return "", "", err
		}
		if on < old.AbsentSince {
			return "", "", invalid("on", "返校日期早于缺课开始日期 %s", "the return is before the absence began (%s)", old.AbsentSince)
		}
		s.AbsentSince = ""
		ev := Event{StudentID: id, Kind: EvAbsenceEnd, On: on, School: s.School, County: s.County, Note: note}
		if err := addEvent(ctx, tx, &ev, now, by); err != nil {
			return "", "", err
		}
		return "end_absence", note, r.closeFollowUp(ctx, tx, id, "returned", on, note, now, by)
	})
}

// Dropout records that a student left school without a transfer (辍学),
// with one of DropoutReasons and a note: the enrolment ends; a child of
// compulsory-education age goes on (or stays on) the county's follow-up list.
func (r *Registry) Dropout(ctx context.Context, sc scope.Scope, id int64, on, reason, note string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if !old.Status.AtSchool() {
			return "", "", wrongState(old, "学生不在校，不能登记辍学", "the student is not on a school's roll")
		}
		if _, ok := lookup(DropoutReasons, reason); !ok {
			return "", "", invalid("reason", "辍学原因“%s”无效", "unknown dropout reason %q", reason)
		}
		if reason == "other" {
			if err := needReason("note", note); err != nil {
				return "", "", err
			}
		}
		if err := r.noPendingTransfer(ctx, tx, id); err != nil {
			return "", "", err
		}
		on, err := r.effective(ctx, tx, old, on, now)
		if err != nil {
			return "", "", err
		}
		if err := leave(ctx, tx, id, "dropout", on); err != nil {
			return "", "", err
		}
		s.Status, s.ClassID, s.AbsentSince, s.RepeatMarked = DroppedOut, 0, "", false
		ev := Event{StudentID: id, Kind: EvDropout, On: on, School: s.School, County: s.County, GradeBefore: gradePtr(old.Grade),
			ClassBefore: old.ClassID, Reason: reason, Note: note}
		if err := addEvent(ctx, tx, &ev, now, by); err != nil {
			return "", "", err
		}
		if r.compulsory(s.BirthDate, on) {
			if err := r.openFollowUp(ctx, tx, *s, "dropout", on, reason, now, by); err != nil {
				return "", "", err
			}
		}
		return "dropout", reason + " " + note, nil
	})
}

// MoveAway records that a student left for a school outside the
// jurisdiction (destination says where): the enrolment ends; a follow-up
// case closes as moved away.
func (r *Registry) MoveAway(ctx context.Context, sc scope.Scope, id int64, on, destination string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if !old.Status.AtSchool() && old.Status != DroppedOut {
			return "", "", wrongState(old, "学生不在校", "the student is not on a school's roll")
		}
		if err := needReason("destination", destination); err != nil {
			return "", "", invalid("destination", "请填写转入的学校或去向", "say where the student went")
		}
		if err := r.noPendingTransfer(ctx, tx, id); err != nil {
			return "", "", err
		}
		on, err := r.effective(ctx, tx, old, on, now)
		if err != nil {
			return "", "", err
		}
		if old.Status.AtSchool() {
			if err := leave(ctx, tx, id, "move_away", on); err != nil {
				return "", "", err
			}
		}
		s.Status, s.ClassID, s.AbsentSince, s.RepeatMarked = MovedAway, 0, "", false
		ev := Event{StudentID: id, Kind: EvMoveAway, On: on, School: s.School, County: s.County, GradeBefore: gradePtr(old.Grade),
			ClassBefore: old.ClassID, Note: destination}
		if err := addEvent(ctx, tx, &ev, now, by); err != nil {
			return "", "", err
		}
		return "move_away", destination, r.closeFollowUp(ctx, tx, id, "moved_away", on, destination, now, by)
	})
}

// Death records a student's death: the enrolment (if any) ends, a transfer
// in progress is withdrawn, a follow-up case closes.
func (r *Registry) Death(ctx context.Context, sc scope.Scope, id int64, on, note string, by Actor) (Student, error) {
	return r.change(ctx, sc, id, by, func(tx db.Tx, old Student, s *Student, now time.Time) (string, string, error) {
		if old.Status == Deceased {
			return "", "", wrongState(old, "已登记死亡", "the death is already recorded")
		}
		on, err := r.effective(ctx, tx, old, on, now)
		if err != nil {
			return "", "", err
		}
		if t, err := pendingTransfer(ctx, tx, id); err != nil {
			return "", "", err
		} else if t != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE student_transfer SET status = 'withdrawn', decided_at = $2, decided_by = $3,
				decision_note = $4, version = version + 1 WHERE id = $1`, t, now, by.Username, "学生死亡 / the student died"); err != nil {
				return "", "", fmt.Errorf("withdraw transfer %d: %w", t, err)
			}
		}
		if old.Status.AtSchool() {
			if err := leave(ctx, tx, id, "death", on); err != nil {
				return "", "", err
			}
		}
		s.Status, s.ClassID, s.AbsentSince, s.RepeatMarked = Deceased, 0, "", false
		ev := Event{StudentID: id, Kind: EvDeath, On: on, School: s.School, County: s.County, Note: note}
		if err := addEvent(ctx, tx, &ev, now, by); err != nil {
			return "", "", err
		}
		return "death", note, r.closeFollowUp(ctx, tx, id, "deceased", on, note, now, by)
	})
}

// Placement says where a student is enrolled: a school, a grade, a class (0 for none yet).
type Placement struct {
	School  string `json:"school"`
	Grade   Grade  `json:"grade"`
	ClassID int64  `json:"class_id,string,omitempty"`
}

// Readmit enrols again a student of sc who is not at school now (dropped
// out, moved away, or graduated and going on to the next level) at a school
// of sc: a new enrolment and an event (returned to school, or enrol for a
// graduate). An open follow-up case closes as returned.
func (r *Registry) Readmit(ctx context.Context, sc scope.Scope, id int64, p Placement, on, reason string, by Actor) (Student, error) {
	var out Student
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		var err error
		out, err = r.readmit(ctx, tx, sc, sc, id, p, on, reason, by)
		return err
	})
	if err != nil {
		return Student{}, err
	}
	return r.Get(ctx, scope.Everything, out.ID)
}

// AdmitByNumber is Readmit for a school receiving a child registered
// elsewhere in the jurisdiction (outside its scope): the child is found by
// ID number or national student number, and the name must match, so that a
// number alone reveals nothing. The child must not be on another school's
// roll: that is a transfer.
func (r *Registry) AdmitByNumber(ctx context.Context, sc scope.Scope, number, name string, p Placement, on, reason string, by Actor) (Student, error) {
	var out Student
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		id, stored, _, err := r.lookupIndex(ctx, tx, number)
		if err != nil {
			return err
		}
		if id == 0 || NameKey(stored) != NameKey(name) {
			return noSuchChild()
		}
		out, err = r.readmit(ctx, tx, scope.Everything, sc, id, p, on, reason, by)
		return err
	})
	if err != nil {
		return Student{}, err
	}
	return r.Get(ctx, sc, out.ID)
}

func noSuchChild() error {
	return fieldFault(fault.NotFound, "number", i18n.T("本辖区没有该证件号（或学籍号）与姓名相符的学生",
		"no student of the jurisdiction has this ID number (or student number) and name"))
}

func (r *Registry) readmit(ctx context.Context, tx db.Tx, studentScope, schoolScope scope.Scope, id int64, p Placement, on, reason string, by Actor) (Student, error) {
	old, err := r.current(ctx, tx, studentScope, id)
	if err != nil {
		return Student{}, err
	}
	switch old.Status {
	case DroppedOut, MovedAway, Graduated:
	case Enrolled, Suspended:
		return Student{}, fault.New(fault.Conflict, "该学生目前在本辖区一所学校就读：请办理转学", "the student is on the roll of a school of the jurisdiction: ask for a transfer")
	default:
		return Student{}, wrongState(old, "该学生不能再入学", "the student cannot be enrolled again")
	}
	pl, err := r.checkPlacement(ctx, tx, schoolScope, p.School, p.Grade, p.ClassID)
	if err != nil {
		return Student{}, err
	}
	now := r.now()
	if on == "" {
		on = today(now)
	} else if d, ok := parseDate(on); !ok || on > today(now) || on < old.BirthDate {
		return Student{}, invalid("on", "入学日期“%s”无效", "enrolment date %q is not valid", on)
	} else {
		on = d.Format(time.DateOnly)
	}
	var last string
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(effective_on), '') FROM student_event WHERE student_id = $1`, id).Scan(&last); err != nil {
		return Student{}, fmt.Errorf("read the events of student %d: %w", id, err)
	}
	if on < last {
		return Student{}, invalid("on", "入学日期 %s 早于该学生最近一次学籍变动（%s）", "enrolment date %s is before the student's latest change (%s)", on, last)
	}
	kind, entry := EvReenrol, "reenrol"
	if old.Status == Graduated {
		kind, entry = EvEnrol, "enrol"
	}
	if _, err := enter(ctx, tx, id, pl, entry, on, 0); err != nil {
		return Student{}, err
	}
	s := old
	s.Status, s.School, s.County, s.Grade, s.ClassID, s.Level = Enrolled, pl.School.Code, pl.School.County, pl.Grade, pl.Class, pl.Level
	s.AbsentSince, s.RepeatMarked = "", false
	ev := Event{StudentID: id, Kind: kind, On: on, School: s.School, County: s.County, GradeBefore: gradePtr(old.Grade),
		GradeAfter: gradePtr(s.Grade), ClassAfter: s.ClassID, OtherSchool: old.School, Reason: reason}
	if err := addEvent(ctx, tx, &ev, now, by); err != nil {
		return Student{}, err
	}
	if err := setState(ctx, tx, &s, old.Version, now); err != nil {
		return Student{}, err
	}
	if err := r.closeFollowUp(ctx, tx, id, "returned", on, reason, now, by); err != nil {
		return Student{}, err
	}
	return s, r.auditState(ctx, tx, "readmit", old, s, reason, by)
}
