package student

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/year"
)

// EventKind is what happened to a student.
type EventKind string

const (
	EvEnrol           EventKind = "enrol"            // 入学: first enrolment
	EvTransferOut     EventKind = "transfer_out"     // 转出 (to a school of the jurisdiction)
	EvTransferIn      EventKind = "transfer_in"      // 转入
	EvSuspend         EventKind = "suspend"          // 休学
	EvResume          EventKind = "resume"           // 复学 (after a suspension)
	EvRepeat          EventKind = "repeat"           // 留级: stayed in the grade at promotion
	EvPromote         EventKind = "promote"          // 升级
	EvGraduate        EventKind = "graduate"         // 毕业
	EvDropout         EventKind = "dropout"          // 辍学
	EvReenrol         EventKind = "reenrol"          // 返校复学: back after a dropout or a move
	EvDeath           EventKind = "death"            // 死亡
	EvMoveAway        EventKind = "move_away"        // 转出辖区 (to a school outside the jurisdiction)
	EvAbsence         EventKind = "absence"          // 长期缺课 begins
	EvAbsenceEnd      EventKind = "absence_end"      // back at lessons
	EvPlacement       EventKind = "placement"        // 调班: grade or class changed within the school
	EvMerge           EventKind = "merge"            // a duplicate record merged (on both records)
	EvPromotionUndone EventKind = "promotion_undone" // a promotion run was undone
)

// EventKinds lists the kinds with their names.
var EventKinds = []struct {
	Kind EventKind
	Name i18n.Text
}{
	{EvEnrol, i18n.T("入学", "Enrolled")},
	{EvTransferOut, i18n.T("转出", "Transferred out")},
	{EvTransferIn, i18n.T("转入", "Transferred in")},
	{EvSuspend, i18n.T("休学", "Suspended")},
	{EvResume, i18n.T("复学", "Resumed")},
	{EvRepeat, i18n.T("留级", "Repeating the grade")},
	{EvPromote, i18n.T("升级", "Promoted")},
	{EvGraduate, i18n.T("毕业", "Graduated")},
	{EvDropout, i18n.T("辍学", "Dropped out")},
	{EvReenrol, i18n.T("返校复学", "Returned to school")},
	{EvDeath, i18n.T("死亡", "Died")},
	{EvMoveAway, i18n.T("转出辖区", "Moved out of the jurisdiction")},
	{EvAbsence, i18n.T("长期缺课", "Long-term absence")},
	{EvAbsenceEnd, i18n.T("恢复到校", "Back at school")},
	{EvPlacement, i18n.T("调整年级或班级", "Grade or class changed")},
	{EvMerge, i18n.T("合并重复学籍", "Duplicate record merged")},
	{EvPromotionUndone, i18n.T("撤销升级", "Promotion undone")},
}

// EventName is the kind's name.
func EventName(k EventKind) i18n.Text {
	for _, x := range EventKinds {
		if x.Kind == k {
			return x.Name
		}
	}
	return i18n.Text{ZH: string(k), EN: string(k)}
}

// Event is one immutable record of what happened to a student.
type Event struct {
	ID           int64     `json:"id,string"`
	StudentID    int64     `json:"student_id,string"`
	Kind         EventKind `json:"kind"`
	On           string    `json:"on"` // the date it took effect
	AcademicYear string    `json:"academic_year"`
	School       string    `json:"school"` // where it happened
	County       string    `json:"county"`
	GradeBefore  *Grade    `json:"grade_before,omitempty"`
	GradeAfter   *Grade    `json:"grade_after,omitempty"`
	ClassBefore  int64     `json:"class_before,string,omitempty"`
	ClassAfter   int64     `json:"class_after,string,omitempty"`
	OtherSchool  string    `json:"other_school,omitempty"` // the other side of a transfer
	Reason       string    `json:"reason,omitempty"`       // a coded reason (a dropout's) or the reason given
	Note         string    `json:"note,omitempty"`
	Ref          int64     `json:"ref,string,omitempty"` // the transfer, promotion run or kept record it belongs to
	RecordedAt   time.Time `json:"recorded_at"`
	RecordedBy   string    `json:"recorded_by"`

	SchoolName      string `json:"school_name,omitempty"`
	OtherSchoolName string `json:"other_school_name,omitempty"`
}

func gradePtr(g Grade) *Grade { return &g }

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullGrade(g *Grade) any {
	if g == nil {
		return nil
	}
	return int(*g)
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// academicYearOf is the academic year a date falls in.
func academicYearOf(on string) string {
	t, ok := parseDate(on)
	if !ok {
		return ""
	}
	return year.AcademicOf(t).Code
}

var eventColumns = []string{"id", "student_id", "school_code", "county_code", "kind", "effective_on", "academic_year",
	"grade_before", "grade_after", "class_before", "class_after", "other_school", "reason", "note", "ref_id",
	"recorded_at", "recorded_by", "recorded_by_id"}

func eventRow(e *Event, byID int64) []any {
	return []any{e.ID, e.StudentID, e.School, e.County, string(e.Kind), e.On, e.AcademicYear, nullGrade(e.GradeBefore),
		nullGrade(e.GradeAfter), nullInt(e.ClassBefore), nullInt(e.ClassAfter), e.OtherSchool, e.Reason, e.Note,
		nullInt(e.Ref), e.RecordedAt, e.RecordedBy, byID}
}

// addEvent records e (its id, year and time filled in) in tx.
func addEvent(ctx context.Context, tx db.Tx, e *Event, at time.Time, by Actor) error {
	e.ID = db.NewID()
	if e.AcademicYear == "" {
		e.AcademicYear = academicYearOf(e.On)
	}
	e.RecordedAt, e.RecordedBy = at, by.Username
	_, err := tx.ExecContext(ctx, `INSERT INTO student_event (id, student_id, school_code, county_code, kind, effective_on,
		academic_year, grade_before, grade_after, class_before, class_after, other_school, reason, note, ref_id,
		recorded_at, recorded_by, recorded_by_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		eventRow(e, by.UserID)...)
	if err != nil {
		return fmt.Errorf("record %s of student %d: %w", e.Kind, e.StudentID, err)
	}
	return nil
}

// Events returns a student's events, oldest first, with those of records
// merged into it.
func (r *Registry) events(ctx context.Context, q db.Querier, ids []int64) ([]Event, error) {
	in, args := inList(ids, 1)
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.student_id, e.kind, e.effective_on, e.academic_year, e.school_code, e.county_code,
		e.grade_before, e.grade_after, e.class_before, e.class_after, e.other_school, e.reason, e.note, e.ref_id,
		e.recorded_at, e.recorded_by, COALESCE(s.name, ''), COALESCE(o.name, '')
		FROM student_event e LEFT JOIN school s ON s.code = e.school_code LEFT JOIN school o ON o.code = e.other_school
		WHERE e.student_id IN (`+in+`) ORDER BY e.effective_on, e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var gb, ga, cb, ca, ref sql.NullInt64
		if err := rows.Scan(&e.ID, &e.StudentID, &e.Kind, &e.On, &e.AcademicYear, &e.School, &e.County, &gb, &ga, &cb, &ca,
			&e.OtherSchool, &e.Reason, &e.Note, &ref, &e.RecordedAt, &e.RecordedBy, &e.SchoolName, &e.OtherSchoolName); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		if gb.Valid {
			e.GradeBefore = gradePtr(Grade(gb.Int64))
		}
		if ga.Valid {
			e.GradeAfter = gradePtr(Grade(ga.Int64))
		}
		e.ClassBefore, e.ClassAfter, e.Ref = cb.Int64, ca.Int64, ref.Int64
		e.RecordedAt = e.RecordedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// inList writes n placeholders from $next for ids.
func inList(ids []int64, next int) (string, []any) {
	ph := make([]byte, 0, len(ids)*4)
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			ph = append(ph, ", "...)
		}
		ph = fmt.Appendf(ph, "$%d", next+i)
		args[i] = id
	}
	return string(ph), args
}

// Enrolment is one stay at one school.
type Enrolment struct {
	ID         int64  `json:"id,string"`
	StudentID  int64  `json:"student_id,string"`
	School     string `json:"school"`
	SchoolName string `json:"school_name,omitempty"`
	County     string `json:"county"`
	Grade      Grade  `json:"grade"` // at entry
	Entry      string `json:"entry"` // enrol | transfer_in | reenrol
	EnteredOn  string `json:"entered_on"`
	Exit       string `json:"exit,omitempty"` // transfer_out | graduate | dropout | move_away | death | merge
	LeftOn     string `json:"left_on,omitempty"`
	TransferID int64  `json:"transfer_id,string,omitempty"`
}

// Current reports whether the student is still at this school.
func (e Enrolment) Current() bool { return e.LeftOn == "" }

var enrolmentColumns = []string{"id", "student_id", "school_code", "county_code", "grade", "entry_kind", "entered_on", "transfer_id"}

func (r *Registry) enrolments(ctx context.Context, q db.Querier, ids []int64) ([]Enrolment, error) {
	in, args := inList(ids, 1)
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.student_id, e.school_code, COALESCE(s.name, ''), e.county_code, e.grade,
		e.entry_kind, e.entered_on, COALESCE(e.exit_kind, ''), COALESCE(e.left_on, ''), e.transfer_id
		FROM student_enrolment e LEFT JOIN school s ON s.code = e.school_code
		WHERE e.student_id IN (`+in+`) ORDER BY e.entered_on, e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("enrolments: %w", err)
	}
	defer rows.Close()
	out := []Enrolment{}
	for rows.Next() {
		var e Enrolment
		var t sql.NullInt64
		if err := rows.Scan(&e.ID, &e.StudentID, &e.School, &e.SchoolName, &e.County, &e.Grade, &e.Entry, &e.EnteredOn,
			&e.Exit, &e.LeftOn, &t); err != nil {
			return nil, fmt.Errorf("enrolments: %w", err)
		}
		e.TransferID = t.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}

// enter opens an enrolment at the placement; the partial unique index
// refuses a second current one.
func enter(ctx context.Context, tx db.Tx, studentID int64, p placement, entry, on string, transferID int64) (int64, error) {
	id := db.NewID()
	_, err := tx.ExecContext(ctx, `INSERT INTO student_enrolment (id, student_id, school_code, county_code, grade, entry_kind,
		entered_on, transfer_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id, studentID, p.School.Code, p.School.County, int(p.Grade), entry, on, nullInt(transferID))
	if db.IsUniqueViolation(err) {
		return 0, alreadyEnrolled()
	}
	if err != nil {
		return 0, fmt.Errorf("enrol student %d: %w", studentID, err)
	}
	return id, nil
}

func alreadyEnrolled() error {
	return fieldFault(fault.Conflict, "school", i18n.T("该学生已在另一所学校就读：同一时间只能在一所学校注册学籍",
		"the student is already enrolled at another school: a student is enrolled at one school at a time"))
}

// leave closes the student's current enrolment; it must be open.
func leave(ctx context.Context, tx db.Tx, studentID int64, exit, on string) error {
	res, err := tx.ExecContext(ctx, `UPDATE student_enrolment SET exit_kind = $2, left_on = $3 WHERE student_id = $1 AND left_on IS NULL`,
		studentID, exit, on)
	if err != nil {
		return fmt.Errorf("end the enrolment of student %d: %w", studentID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return changedMeanwhile()
	}
	return nil
}

func changedMeanwhile() error {
	return fault.New(fault.Conflict, "该学生的学籍已被他人变动，请刷新后重试", "the student's status was changed meanwhile; reload and try again")
}
