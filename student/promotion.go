package student

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/year"
)

// PromotionTarget is what a year-end promotion covers: one school, or every
// school of a county. Exactly one is set.
type PromotionTarget struct {
	School string `json:"school,omitempty"`
	County string `json:"county,omitempty"`
}

// What a promotion does to one student.
const (
	ActionPromote   = "promote"   // to grade N+1
	ActionGraduate  = "graduate"  // from the school's last grade
	ActionRepeat    = "repeat"    // marked to repeat (MarkRepeat): stays in grade N
	ActionUnchanged = "unchanged" // suspended: stays as they are
)

// PlanItem is what the promotion will do to one student.
type PlanItem struct {
	StudentID  int64  `json:"student_id,string"`
	Name       string `json:"name"`
	School     string `json:"school"`
	SchoolName string `json:"school_name"`
	Grade      Grade  `json:"grade"`
	ClassID    int64  `json:"class_id,string,omitempty"`
	ClassName  string `json:"class_name,omitempty"`
	Action     string `json:"action"`
	ToGrade    Grade  `json:"to_grade"`
	// ToClass is the class of the new year the student goes to: the same
	// class number in the next grade (or the same grade for a repeat),
	// created by the run when it does not exist yet. "" when none.
	ToClass string `json:"to_class,omitempty"`

	version    int
	classNo    int
	schoolType school.Type
	county     string
	level      Level
	headTeach  string
	sizeLimit  int
	schoolCode string
}

// Plan is the preview of a promotion: every student of the target on a
// school's roll, with what will happen to them.
type Plan struct {
	Target    PromotionTarget `json:"target"`
	County    string          `json:"county"`
	FromYear  string          `json:"from_year"`
	ToYear    string          `json:"to_year"`
	Items     []PlanItem      `json:"items"`
	Promoted  int             `json:"promoted"`
	Graduated int             `json:"graduated"`
	Repeating int             `json:"repeating"`
	Unchanged int             `json:"unchanged"`
	Schools   []string        `json:"schools"`
	// UndoUntil is the last day the run can be undone: the day before the
	// new academic year starts.
	UndoUntil string `json:"undo_until"`
}

// currentYear is the academic year marked current, or the one now falls in.
func currentYear(ctx context.Context, q db.Querier, now time.Time) (year.Academic, error) {
	a, err := year.CurrentAcademic(ctx, q)
	if fault.KindOf(err) == fault.NotFound {
		return year.AcademicOf(now), nil
	}
	return a, err
}

func nextYear(a year.Academic) year.Academic {
	var y int
	fmt.Sscanf(a.Code[:4], "%d", &y)
	return year.AcademicStarting(y + 1)
}

// plan builds the preview inside q (a transaction when it is to be run).
func (r *Registry) plan(ctx context.Context, q db.Tx, sc scope.Scope, t PromotionTarget) (Plan, error) {
	t.School, t.County = strings.TrimSpace(t.School), strings.TrimSpace(t.County)
	p := Plan{Target: t, Items: []PlanItem{}, Schools: []string{}}
	var cond string
	var args []any
	switch {
	case (t.School == "") == (t.County == ""):
		return Plan{}, invalid("target", "请选择一所学校或一个县区", "choose one school or one county")
	case t.School != "":
		sch, err := r.Schools.GetTx(ctx, q, sc, t.School)
		if err != nil {
			return Plan{}, err
		}
		p.County = sch.County
		cond, args = "s.school_code = $1", []any{t.School}
	default:
		if a, ok := area.Lookup(t.County); !ok || a.Level != area.County || (!sc.All && !sc.Reaches(t.County, "")) {
			return Plan{}, fault.New(fault.NotFound, "没有县区 %s", "no county %s", t.County)
		}
		p.County = t.County
		cond, args = "s.county_code = $1", []any{t.County}
	}
	now := r.now()
	from, err := currentYear(ctx, q, now)
	if err != nil {
		return Plan{}, err
	}
	to := nextYear(from)
	p.FromYear, p.ToYear = from.Code, to.Code
	start, _ := parseDate(to.StartsOn)
	p.UndoUntil = start.AddDate(0, 0, -1).Format(time.DateOnly)

	rows, err := q.QueryContext(ctx, `SELECT s.id, s.name, s.school_code, COALESCE(sch.name, ''), COALESCE(sch.type, ''), s.county_code,
		s.grade, s.class_id, COALESCE(k.name, ''), COALESCE(k.number, 0), COALESCE(k.head_teacher, ''), COALESCE(k.size_limit, 0),
		s.status, s.repeat_marked, s.version, s.level
		FROM student s LEFT JOIN school sch ON sch.code = s.school_code LEFT JOIN student_class k ON k.id = s.class_id
		WHERE `+cond+` AND s.status IN ('enrolled', 'suspended') ORDER BY s.school_code, s.grade, k.number, s.name_key, s.id`, args...)
	if err != nil {
		return Plan{}, fmt.Errorf("read the students to promote: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var it PlanItem
		var class sql.NullInt64
		var status Status
		var repeat bool
		if err := rows.Scan(&it.StudentID, &it.Name, &it.School, &it.SchoolName, &it.schoolType, &it.county, &it.Grade, &class,
			&it.ClassName, &it.classNo, &it.headTeach, &it.sizeLimit, &status, &repeat, &it.version, &it.level); err != nil {
			return Plan{}, fmt.Errorf("read the students to promote: %w", err)
		}
		it.ClassID, it.schoolCode = class.Int64, it.School
		if !sc.Reaches(it.county, it.School) {
			continue
		}
		if !seen[it.School] {
			seen[it.School] = true
			p.Schools = append(p.Schools, it.School)
		}
		span, _ := r.Rules.System.Grades(it.schoolType)
		switch {
		case status == Suspended:
			it.Action, it.ToGrade = ActionUnchanged, it.Grade
			p.Unchanged++
		case repeat:
			it.Action, it.ToGrade = ActionRepeat, it.Grade
			p.Repeating++
		case it.Grade >= span.Last:
			it.Action, it.ToGrade = ActionGraduate, it.Grade
			p.Graduated++
		default:
			it.Action, it.ToGrade = ActionPromote, it.Grade+1
			p.Promoted++
		}
		if it.classNo > 0 && (it.Action == ActionPromote || it.Action == ActionRepeat) {
			it.ToClass = DefaultClassName(it.schoolType, it.ToGrade, it.classNo)
		}
		p.Items = append(p.Items, it)
	}
	return p, rows.Err()
}

// PreviewPromotion lists what a year-end promotion of the target would do
// to every student on its schools' rolls: promoted to the next grade,
// graduated from the last grade, repeating (those marked), unchanged
// (suspended). Nothing is written.
func (r *Registry) PreviewPromotion(ctx context.Context, sc scope.Scope, t PromotionTarget) (Plan, error) {
	var p Plan
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		var err error
		p, err = r.plan(ctx, tx, sc, t)
		return err
	})
	return p, err
}

// PromotionRun is a promotion done (and perhaps undone).
type PromotionRun struct {
	ID         int64           `json:"id,string"`
	Target     PromotionTarget `json:"target"`
	County     string          `json:"county"`
	FromYear   string          `json:"from_year"`
	ToYear     string          `json:"to_year"`
	Status     string          `json:"status"` // done | undone
	Promoted   int             `json:"promoted"`
	Graduated  int             `json:"graduated"`
	Repeating  int             `json:"repeating"`
	RunAt      time.Time       `json:"run_at"`
	RunBy      string          `json:"run_by"`
	UndoneAt   *time.Time      `json:"undone_at,omitempty"`
	UndoneBy   string          `json:"undone_by,omitempty"`
	UndoReason string          `json:"undo_reason,omitempty"`
	UndoUntil  string          `json:"undo_until"`
}

var promotionItemColumns = []string{"run_id", "student_id", "school_code", "county_code", "action", "enrolment_id",
	"grade_before", "class_before", "level_before", "version_after", "event_id"}

// Promote runs the year-end promotion of the target in one transaction, as
// PreviewPromotion describes it: grades move on, the last grade graduates
// (its enrolment ends), the marked repeat their grade; students with a class
// go to the same class number of the new year (created when missing); every
// change is an event. A school is promoted once per academic year (a second
// run is a Conflict, enforced by a unique index) until the run is undone.
func (r *Registry) Promote(ctx context.Context, sc scope.Scope, t PromotionTarget, by Actor) (PromotionRun, error) {
	var runID int64
	err := r.DB.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
		p, err := r.plan(ctx, tx, sc, t)
		if err != nil {
			return err
		}
		if len(p.Items) == 0 {
			return fault.New(fault.Conflict, "没有在校学生需要升级", "there are no students on the roll to promote")
		}
		now := r.now()
		on := today(now)
		runID = db.NewID()
		kind, code := "school", p.Target.School
		if code == "" {
			kind, code = "county", p.Target.County
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO student_promotion (id, target_kind, target_code, county_code, from_year, to_year,
			status, promoted, graduated, repeating, run_at, run_by) VALUES ($1, $2, $3, $4, $5, $6, 'done', $7, $8, $9, $10, $11)`,
			runID, kind, code, p.County, p.FromYear, p.ToYear, p.Promoted, p.Graduated, p.Repeating, now, by.Username); err != nil {
			return fmt.Errorf("record the promotion: %w", err)
		}
		for _, sch := range p.Schools {
			_, err := tx.ExecContext(ctx, `INSERT INTO student_promotion_school (run_id, school_code, county_code, from_year, active)
				SELECT $1, code, county_code, $3, TRUE FROM school WHERE code = $2`, runID, sch, p.FromYear)
			if db.IsUniqueViolation(err) {
				return fault.New(fault.Conflict, "学校 %s 的 %s 学年已经升级过：如需重做，请先撤销那次升级", "school %s was already promoted for %s; undo that run first to do it again", sch, p.FromYear)
			}
			if err != nil {
				return fmt.Errorf("record the promotion of %s: %w", sch, err)
			}
		}
		// The classes of the new year, created as needed.
		type classKey struct {
			school string
			grade  Grade
			number int
		}
		classes := map[classKey]int64{}
		classFor := func(it PlanItem) (int64, error) {
			if it.classNo == 0 {
				return 0, nil
			}
			k := classKey{it.schoolCode, it.ToGrade, it.classNo}
			if id, ok := classes[k]; ok {
				return id, nil
			}
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM student_class WHERE school_code = $1 AND academic_year = $2 AND grade = $3 AND number = $4`,
				k.school, p.ToYear, int(k.grade), k.number).Scan(&id)
			if db.IsNoRows(err) {
				c := Class{ID: db.NewID(), School: k.school, County: it.county, AcademicYear: p.ToYear, Grade: k.grade, Number: k.number,
					Name: DefaultClassName(it.schoolType, k.grade, k.number), HeadTeacher: it.headTeach, SizeLimit: it.sizeLimit, CreatedAt: now}
				if err := insertRows(ctx, tx, "student_class", classColumns, [][]any{classRow(&c)}); err != nil {
					return 0, fmt.Errorf("create class %s: %w", c.Name, err)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO student_promotion_class (run_id, class_id) VALUES ($1, $2)`, runID, c.ID); err != nil {
					return 0, fmt.Errorf("record class %s: %w", c.Name, err)
				}
				id = c.ID
			} else if err != nil {
				return 0, fmt.Errorf("find the class of the new year: %w", err)
			}
			classes[k] = id
			return id, nil
		}
		var events, items [][]any
		flush := func() error {
			if err := copy(ctx, "student_event", eventColumns, events); err != nil {
				return err
			}
			if err := copy(ctx, "student_promotion_item", promotionItemColumns, items); err != nil {
				return err
			}
			events, items = events[:0], items[:0]
			return nil
		}
		for _, it := range p.Items {
			if it.Action == ActionUnchanged {
				continue
			}
			toClass, err := classFor(it)
			if err != nil {
				return err
			}
			var enrolment int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM student_enrolment WHERE student_id = $1 AND left_on IS NULL`, it.StudentID).Scan(&enrolment); err != nil {
				return fmt.Errorf("the enrolment of student %d: %w", it.StudentID, err)
			}
			status, level, class, grade := Enrolled, r.Rules.System.LevelOf(it.schoolType, it.ToGrade), toClass, it.ToGrade
			ev := Event{ID: db.NewID(), StudentID: it.StudentID, On: on, AcademicYear: p.FromYear, School: it.School, County: it.county,
				GradeBefore: gradePtr(it.Grade), ClassBefore: it.ClassID, Ref: runID, RecordedAt: now, RecordedBy: by.Username}
			switch it.Action {
			case ActionPromote:
				ev.Kind, ev.GradeAfter, ev.ClassAfter = EvPromote, gradePtr(grade), class
			case ActionRepeat:
				ev.Kind, ev.GradeAfter, ev.ClassAfter = EvRepeat, gradePtr(grade), class
			case ActionGraduate:
				ev.Kind, status, class, level = EvGraduate, Graduated, 0, it.level
				if err := leave(ctx, tx, it.StudentID, "graduate", on); err != nil {
					return err
				}
			}
			res, err := tx.ExecContext(ctx, `UPDATE student SET status = $2, grade = $3, class_id = $4, level = $5, repeat_marked = FALSE,
				version = version + 1, updated_at = $6 WHERE id = $1 AND version = $7`,
				it.StudentID, string(status), int(grade), nullInt(class), string(level), now, it.version)
			if err != nil {
				return fmt.Errorf("promote student %d: %w", it.StudentID, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return changedMeanwhile()
			}
			events = append(events, eventRow(&ev, by.UserID))
			items = append(items, []any{runID, it.StudentID, it.School, it.county, it.Action, enrolment, int(it.Grade),
				nullInt(it.ClassID), string(it.level), it.version + 1, ev.ID})
			if len(events) >= manyBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.promote", RecordType: "student_promotion", RecordID: fmt.Sprint(runID),
			Detail: fmt.Sprintf("%s %s %s→%s: %d promoted, %d graduated, %d repeating", kind, code, p.FromYear, p.ToYear,
				p.Promoted, p.Graduated, p.Repeating)}.ByActor(by))
	})
	if err != nil {
		return PromotionRun{}, err
	}
	return r.PromotionRun(ctx, scope.Everything, runID)
}

const runSelect = `SELECT id, target_kind, target_code, county_code, from_year, to_year, status, promoted, graduated, repeating,
	run_at, run_by, undone_at, undone_by, undo_reason FROM student_promotion`

func scanRun(sc scanner) (PromotionRun, error) {
	var p PromotionRun
	var kind, code string
	var undone sql.NullTime
	err := sc.Scan(&p.ID, &kind, &code, &p.County, &p.FromYear, &p.ToYear, &p.Status, &p.Promoted, &p.Graduated, &p.Repeating,
		&p.RunAt, &p.RunBy, &undone, &p.UndoneBy, &p.UndoReason)
	if kind == "school" {
		p.Target.School = code
	} else {
		p.Target.County = code
	}
	p.RunAt, p.UndoneAt = p.RunAt.UTC(), timePtr(undone)
	if a, err := year.ParseAcademic(p.ToYear); err == nil {
		start, _ := parseDate(a.StartsOn)
		p.UndoUntil = start.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return p, err
}

func runVisible(sc scope.Scope, p PromotionRun) bool {
	if p.Target.School != "" {
		return sc.Reaches(p.County, p.Target.School)
	}
	return sc.All || len(sc.Areas) > 0 && sc.Reaches(p.County, "")
}

// PromotionRun returns one run whose target is in sc.
func (r *Registry) PromotionRun(ctx context.Context, sc scope.Scope, id int64) (PromotionRun, error) {
	p, err := scanRun(r.DB.QueryRowContext(ctx, runSelect+` WHERE id = $1`, id))
	if db.IsNoRows(err) || err == nil && !runVisible(sc, p) {
		return PromotionRun{}, fault.New(fault.NotFound, "没有编号为 %d 的升级记录", "no promotion run %d", id)
	}
	if err != nil {
		return PromotionRun{}, fmt.Errorf("promotion run %d: %w", id, err)
	}
	return p, nil
}

// PromotionRuns lists the runs in sc, newest first (at most 200).
func (r *Registry) PromotionRuns(ctx context.Context, sc scope.Scope) ([]PromotionRun, error) {
	clause, args := scopeSQL(sc, "county_code", "target_code", 1)
	rows, err := r.DB.QueryContext(ctx, runSelect+` WHERE `+clause+` ORDER BY run_at DESC, id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("promotion runs: %w", err)
	}
	defer rows.Close()
	out := []PromotionRun{}
	for rows.Next() {
		p, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		if runVisible(sc, p) {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// UndoPromotion reverses a run, until the new academic year starts (its
// first day, or earlier if the year has already been marked current): every
// student goes back to exactly the grade, class, status and repeat mark the
// run found, graduates' enrolments reopen, the classes the run created are
// removed, and each student gets a promotion_undone event. A student changed
// since the run (a transfer, a new class…) makes the undo refuse, naming them.
func (r *Registry) UndoPromotion(ctx context.Context, sc scope.Scope, id int64, reason string, by Actor) (PromotionRun, error) {
	err := r.DB.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
		if err := needReason("reason", reason); err != nil {
			return err
		}
		p, err := scanRun(tx.QueryRowContext(ctx, runSelect+` WHERE id = $1`+r.forUpdate(), id))
		if db.IsNoRows(err) || err == nil && !runVisible(sc, p) {
			return fault.New(fault.NotFound, "没有编号为 %d 的升级记录", "no promotion run %d", id)
		}
		if err != nil {
			return fmt.Errorf("promotion run %d: %w", id, err)
		}
		if p.Status != "done" {
			return fault.New(fault.Conflict, "该次升级已于 %s 撤销", "the run was already undone on %s", p.UndoneAt.Format(time.DateOnly))
		}
		now := r.now()
		to, _ := year.ParseAcademic(p.ToYear)
		cur, err := currentYear(ctx, tx, now)
		if err != nil {
			return err
		}
		if today(now) >= to.StartsOn || cur.Code >= p.ToYear {
			return &fault.Error{Kind: fault.Conflict, Msg: i18n2("新学年 %s 已经开始（%s），升级不能再撤销", "the new academic year %s has begun (%s); the promotion can no longer be undone",
				[]any{p.ToYear, to.StartsOn}, []any{p.ToYear, to.StartsOn})}
		}
		type item struct {
			student, enrolment     int64
			school, county, action string
			grade                  Grade
			class                  sql.NullInt64
			level                  Level
			version                int
			name                   string
			nowVersion             int
			nowGrade               Grade
			nowClass               sql.NullInt64
		}
		rows, err := tx.QueryContext(ctx, `SELECT i.student_id, i.enrolment_id, i.school_code, i.county_code, i.action, i.grade_before,
			i.class_before, i.level_before, i.version_after, s.name, s.version, s.grade, s.class_id
			FROM student_promotion_item i JOIN student s ON s.id = i.student_id WHERE i.run_id = $1 ORDER BY i.student_id`, id)
		if err != nil {
			return fmt.Errorf("read the run's students: %w", err)
		}
		var items []item
		var changed []string
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.student, &it.enrolment, &it.school, &it.county, &it.action, &it.grade, &it.class, &it.level,
				&it.version, &it.name, &it.nowVersion, &it.nowGrade, &it.nowClass); err != nil {
				rows.Close()
				return err
			}
			if it.nowVersion != it.version {
				changed = append(changed, fmt.Sprintf("%s（%d）", it.name, it.student))
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(changed) > 0 {
			more := ""
			if len(changed) > 10 {
				more, changed = fmt.Sprintf(" …(+%d)", len(changed)-10), changed[:10]
			}
			list := strings.Join(changed, "、") + more
			return &fault.Error{Kind: fault.Conflict, Msg: i18n2("升级之后以下学生的学籍又有变动，不能整体撤销：%s", "these students changed after the promotion, so it cannot be undone as a whole: %s",
				[]any{list}, []any{list})}
		}
		on := today(now)
		var events [][]any
		for _, it := range items {
			if it.action == ActionGraduate {
				res, err := tx.ExecContext(ctx, `UPDATE student_enrolment SET left_on = NULL, exit_kind = NULL WHERE id = $1 AND exit_kind = 'graduate'`, it.enrolment)
				if db.IsUniqueViolation(err) {
					return alreadyEnrolled()
				}
				if err != nil {
					return fmt.Errorf("reopen the enrolment of student %d: %w", it.student, err)
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return changedMeanwhile()
				}
			}
			res, err := tx.ExecContext(ctx, `UPDATE student SET status = 'enrolled', grade = $2, class_id = $3, level = $4, repeat_marked = $5,
				version = version + 1, updated_at = $6 WHERE id = $1 AND version = $7`,
				it.student, int(it.grade), nullInt(it.class.Int64), string(it.level), it.action == ActionRepeat, now, it.version)
			if err != nil {
				return fmt.Errorf("restore student %d: %w", it.student, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return changedMeanwhile()
			}
			ev := Event{ID: db.NewID(), StudentID: it.student, Kind: EvPromotionUndone, On: on, AcademicYear: p.FromYear, School: it.school,
				County: it.county, GradeBefore: gradePtr(it.nowGrade), GradeAfter: gradePtr(it.grade), ClassBefore: it.nowClass.Int64,
				ClassAfter: it.class.Int64, Reason: reason, Ref: id, RecordedAt: now, RecordedBy: by.Username}
			events = append(events, eventRow(&ev, by.UserID))
			if len(events) >= manyBatch {
				if err := copy(ctx, "student_event", eventColumns, events); err != nil {
					return err
				}
				events = events[:0]
			}
		}
		if err := copy(ctx, "student_event", eventColumns, events); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM student_class WHERE id IN (SELECT class_id FROM student_promotion_class WHERE run_id = $1)
			AND NOT EXISTS (SELECT 1 FROM student s WHERE s.class_id = student_class.id)`, id); err != nil {
			return fmt.Errorf("remove the run's classes: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE student_promotion_school SET active = FALSE WHERE run_id = $1`, id); err != nil {
			return fmt.Errorf("undo run %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE student_promotion SET status = 'undone', undone_at = $2, undone_by = $3, undo_reason = $4
			WHERE id = $1`, id, now, by.Username, reason); err != nil {
			return fmt.Errorf("undo run %d: %w", id, err)
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.promote_undo", RecordType: "student_promotion", RecordID: fmt.Sprint(id),
			Detail: fmt.Sprintf("%d students restored: %s", len(items), reason)}.ByActor(by))
	})
	if err != nil {
		return PromotionRun{}, err
	}
	return r.PromotionRun(ctx, scope.Everything, id)
}

func (r *Registry) forUpdate() string {
	if r.DB.Dialect == db.Postgres {
		return " FOR UPDATE"
	}
	return ""
}
