package student

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/scope"
)

// FollowUp is a dropout follow-up case (控辍保学): a child of compulsory
// age who left school without a transfer, or who is absent long-term, with
// what was done until they returned.
type FollowUp struct {
	ID         int64            `json:"id,string"`
	StudentID  int64            `json:"student_id,string"`
	Name       string           `json:"name"`
	Gender     string           `json:"gender"`
	BirthDate  string           `json:"birth_date"`
	Age        int              `json:"age"` // in full years, today
	School     string           `json:"school"`
	SchoolName string           `json:"school_name"`
	County     string           `json:"county"`
	CountyName string           `json:"county_name"`
	Grade      Grade            `json:"grade"`
	Reason     string           `json:"reason"` // dropout | absence
	Since      string           `json:"since"`
	Detail     string           `json:"detail,omitempty"` // the dropout reason (DropoutReasons) or the absence's
	Status     string           `json:"status"`           // open | closed
	Outcome    string           `json:"outcome,omitempty"`
	ClosedOn   string           `json:"closed_on,omitempty"`
	ClosedBy   string           `json:"closed_by,omitempty"`
	CloseNote  string           `json:"close_note,omitempty"`
	OpenedAt   time.Time        `json:"opened_at"`
	OpenedBy   string           `json:"opened_by"`
	Actions    int              `json:"actions"`               // how many actions were recorded
	LastAction string           `json:"last_action,omitempty"` // the date of the latest
	Log        []FollowUpAction `json:"log,omitempty"`         // filled by FollowUpCase
}

// FollowUpAction is one thing done for a child on the follow-up list.
type FollowUpAction struct {
	ID         int64     `json:"id,string"`
	Kind       string    `json:"kind"` // one of FollowUpActions
	On         string    `json:"on"`
	Note       string    `json:"note"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
}

func (r *Registry) openFollowUp(ctx context.Context, tx db.Tx, s Student, reason, since, detail string, now time.Time, by Actor) error {
	// An open case (an absence that became a dropout) continues.
	res, err := tx.ExecContext(ctx, `UPDATE student_followup SET reason = $2, detail = $3, school_code = $4, county_code = $5
		WHERE student_id = $1 AND status = 'open'`, s.ID, reason, detail, s.School, s.County)
	if err != nil {
		return fmt.Errorf("follow-up of student %d: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO student_followup (id, student_id, school_code, county_code, reason, since, detail,
		status, opened_at, opened_by) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9)`,
		db.NewID(), s.ID, s.School, s.County, reason, since, detail, now, by.Username)
	if err != nil {
		return fmt.Errorf("open the follow-up of student %d: %w", s.ID, err)
	}
	return nil
}

// closeFollowUp closes the student's open case, if any, with an outcome.
func (r *Registry) closeFollowUp(ctx context.Context, tx db.Tx, studentID int64, outcome, on, note string, now time.Time, by Actor) error {
	_, err := tx.ExecContext(ctx, `UPDATE student_followup SET status = 'closed', outcome = $2, closed_on = $3, closed_by = $4,
		close_note = $5 WHERE student_id = $1 AND status = 'open'`, studentID, outcome, on, by.Username, note)
	if err != nil {
		return fmt.Errorf("close the follow-up of student %d: %w", studentID, err)
	}
	return nil
}

// FollowUpFilter selects follow-up cases.
type FollowUpFilter struct {
	County string // a county (or any area) code
	School string
	Closed bool // closed cases instead of open ones
	// AllAges keeps the open cases of children who have passed compulsory
	// age since; by default the list shows only those still of that age.
	AllAges bool
	Page    int
	PerPage int // 0 means 50, at most MaxPerPage
}

// FollowUpPage is one page of the follow-up list.
type FollowUpPage struct {
	Items   []FollowUp `json:"items"`
	Total   int        `json:"total"`
	Page    int        `json:"page"`
	PerPage int        `json:"per_page"`
	// ByCounty counts the open cases per county (the whole list, not the page).
	ByCounty map[string]int `json:"by_county"`
}

const followUpSelect = `SELECT f.id, f.student_id, s.name, s.gender, s.birth_date, f.school_code, COALESCE(sch.name, ''),
	f.county_code, COALESCE(c.name, ''), s.grade, f.reason, f.since, f.detail, f.status, f.outcome, COALESCE(f.closed_on, ''),
	f.closed_by, f.close_note, f.opened_at, f.opened_by,
	(SELECT COUNT(*) FROM student_followup_action a WHERE a.followup_id = f.id),
	(SELECT COALESCE(MAX(a.done_on), '') FROM student_followup_action a WHERE a.followup_id = f.id)
	FROM student_followup f JOIN student s ON s.id = f.student_id LEFT JOIN school sch ON sch.code = f.school_code
	LEFT JOIN area c ON c.code = f.county_code`

func scanFollowUp(sc scanner, today string) (FollowUp, error) {
	var f FollowUp
	err := sc.Scan(&f.ID, &f.StudentID, &f.Name, &f.Gender, &f.BirthDate, &f.School, &f.SchoolName, &f.County, &f.CountyName,
		&f.Grade, &f.Reason, &f.Since, &f.Detail, &f.Status, &f.Outcome, &f.ClosedOn, &f.ClosedBy, &f.CloseNote, &f.OpenedAt,
		&f.OpenedBy, &f.Actions, &f.LastAction)
	f.OpenedAt = f.OpenedAt.UTC()
	f.Age = age(f.BirthDate, today)
	return f, err
}

// FollowUps lists the follow-up cases in sc (the county bureau's 控辍保学
// list): by default the open ones of children still of compulsory age,
// longest-running first, with the actions taken so far counted.
func (r *Registry) FollowUps(ctx context.Context, sc scope.Scope, f FollowUpFilter) (FollowUpPage, error) {
	if err := paging(&f.Page, &f.PerPage); err != nil {
		return FollowUpPage{}, err
	}
	now := r.now()
	clause, args := scopeSQL(sc, "f.county_code", "f.school_code", 1)
	conds := []string{clause}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	status := "open"
	if f.Closed {
		status = "closed"
	}
	add("f.status = ?", status)
	if f.County != "" {
		n, ok := area.Normalize(f.County)
		if !ok {
			return FollowUpPage{}, invalid("county", "县区代码“%s”格式不正确", "county code %q is malformed", f.County)
		}
		lo, hi := area.Range(n)
		add("f.county_code >= ?", lo)
		add("f.county_code < ?", hi)
	}
	if f.School != "" {
		add("f.school_code = ?", f.School)
	}
	if !f.Closed && !f.AllAges {
		// Born after today minus (To+1) years: not yet past compulsory age.
		add("s.birth_date > ?", now.AddDate(-(r.Rules.CompulsoryTo+1), 0, 0).Format(time.DateOnly))
	}
	w := strings.Join(conds, " AND ")
	out := FollowUpPage{Page: f.Page, PerPage: f.PerPage, Items: []FollowUp{}, ByCounty: map[string]int{}}
	rows, err := r.DB.QueryContext(ctx, `SELECT f.county_code, COUNT(*) FROM student_followup f JOIN student s ON s.id = f.student_id
		WHERE `+w+` GROUP BY f.county_code`, args...)
	if err != nil {
		return FollowUpPage{}, fmt.Errorf("count follow-ups: %w", err)
	}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			rows.Close()
			return FollowUpPage{}, err
		}
		out.ByCounty[c] = n
		out.Total += n
	}
	rows.Close()
	order := " ORDER BY f.since, f.id"
	if f.Closed {
		order = " ORDER BY f.closed_on DESC, f.id DESC"
	}
	rows, err = r.DB.QueryContext(ctx, followUpSelect+` WHERE `+w+order+fmt.Sprintf(` LIMIT %d OFFSET %d`, f.PerPage, (f.Page-1)*f.PerPage), args...)
	if err != nil {
		return FollowUpPage{}, fmt.Errorf("list follow-ups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		fu, err := scanFollowUp(rows, today(now))
		if err != nil {
			return FollowUpPage{}, fmt.Errorf("list follow-ups: %w", err)
		}
		out.Items = append(out.Items, fu)
	}
	return out, rows.Err()
}

func (r *Registry) followUp(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (FollowUp, error) {
	clause, args := scopeSQL(sc, "f.county_code", "f.school_code", 2)
	fu, err := scanFollowUp(q.QueryRowContext(ctx, followUpSelect+` WHERE f.id = $1 AND `+clause, append([]any{id}, args...)...), today(r.now()))
	if db.IsNoRows(err) {
		return FollowUp{}, fault.New(fault.NotFound, "没有编号为 %d 的控辍保学记录", "no follow-up case %d", id)
	}
	if err != nil {
		return FollowUp{}, fmt.Errorf("follow-up %d: %w", id, err)
	}
	return fu, nil
}

// FollowUpCase returns one case in sc with its actions, oldest first.
func (r *Registry) FollowUpCase(ctx context.Context, sc scope.Scope, id int64) (FollowUp, error) {
	fu, err := r.followUp(ctx, r.DB, sc, id)
	if err != nil {
		return FollowUp{}, err
	}
	fu.Log, err = r.followUpActions(ctx, r.DB, id)
	return fu, err
}

func (r *Registry) followUpActions(ctx context.Context, q db.Querier, id int64) ([]FollowUpAction, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, done_on, note, recorded_at, recorded_by FROM student_followup_action
		WHERE followup_id = $1 ORDER BY done_on, id`, id)
	if err != nil {
		return nil, fmt.Errorf("actions of follow-up %d: %w", id, err)
	}
	defer rows.Close()
	out := []FollowUpAction{}
	for rows.Next() {
		var a FollowUpAction
		if err := rows.Scan(&a.ID, &a.Kind, &a.On, &a.Note, &a.RecordedAt, &a.RecordedBy); err != nil {
			return nil, err
		}
		if a.Note, err = r.open(a.Note, aadFollowUpNote); err != nil {
			return nil, err
		}
		a.RecordedAt = a.RecordedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddFollowUpAction records what was done for a child on the list (a home
// visit, a call…) on a date, with notes (stored encrypted: they describe a
// family). The case must be open.
func (r *Registry) AddFollowUpAction(ctx context.Context, sc scope.Scope, id int64, a FollowUpAction, by Actor) (FollowUpAction, error) {
	a.Kind, a.Note = strings.TrimSpace(a.Kind), strings.TrimSpace(a.Note)
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		fu, err := r.followUp(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if fu.Status != "open" {
			return fault.New(fault.Conflict, "该记录已于 %s 结案", "the case was closed on %s", fu.ClosedOn)
		}
		var v fault.Validation
		if _, ok := lookup(FollowUpActions, a.Kind); !ok {
			v.Add("kind", "措施“%s”无效", "unknown action %q", a.Kind)
		}
		now := r.now()
		if a.On == "" {
			a.On = today(now)
		}
		if _, ok := parseDate(a.On); !ok || a.On > today(now) || a.On < fu.Since {
			v.Add("on", "日期“%s”无效：应在 %s 至今天之间", "date %q is not valid: it must be from %s to today", a.On, fu.Since)
		}
		if utf8.RuneCountInString(a.Note) < 2 {
			v.Add("note", "请填写情况记录", "describe what was done")
		} else if utf8.RuneCountInString(a.Note) > 2000 {
			v.Add("note", "情况记录不能超过 2000 个字", "the note must be at most 2000 characters")
		}
		if err := v.Err(); err != nil {
			return err
		}
		note, err := r.seal(a.Note, aadFollowUpNote)
		if err != nil {
			return err
		}
		a.ID, a.RecordedAt, a.RecordedBy = db.NewID(), now, by.Username
		if _, err := tx.ExecContext(ctx, `INSERT INTO student_followup_action (id, followup_id, school_code, county_code, kind,
			done_on, note, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			a.ID, id, fu.School, fu.County, a.Kind, a.On, note, now, by.Username); err != nil {
			return fmt.Errorf("record a follow-up action: %w", err)
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.followup_action", RecordType: "student",
			RecordID: fmt.Sprint(fu.StudentID), Detail: a.Kind + " " + a.On}.ByActor(by))
	})
	return a, err
}

// CloseFollowUp closes an open case by hand with one of the outcomes not set
// by the registry's own events (verified at school elsewhere, past
// compulsory age, a special arrangement, other) and a note. A child who
// comes back is readmitted instead (Readmit, EndAbsence), which closes the
// case as returned.
func (r *Registry) CloseFollowUp(ctx context.Context, sc scope.Scope, id int64, outcome, note string, by Actor) error {
	return r.DB.InTx(ctx, func(tx db.Tx) error {
		fu, err := r.followUp(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if fu.Status != "open" {
			return fault.New(fault.Conflict, "该记录已于 %s 结案", "the case was closed on %s", fu.ClosedOn)
		}
		switch outcome {
		case "enrolled_elsewhere", "over_age", "special_arrangement", "other":
		case "returned", "moved_away", "deceased":
			return invalid("outcome", "返校、转出辖区和死亡请在学籍中登记（复学、转出、死亡），记录随之结案",
				"record a return, a move away or a death on the student's record; the case closes with it")
		default:
			return invalid("outcome", "结案情形“%s”无效", "unknown outcome %q", outcome)
		}
		if err := needReason("note", note); err != nil {
			return err
		}
		now := r.now()
		if err := r.closeFollowUp(ctx, tx, fu.StudentID, outcome, today(now), note, now, by); err != nil {
			return err
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.followup_close", RecordType: "student",
			RecordID: fmt.Sprint(fu.StudentID), Detail: outcome + ": " + note}.ByActor(by))
	})
}

// followUpsOf returns every case of the students ids (a profile).
func (r *Registry) followUpsOf(ctx context.Context, q db.Querier, ids []int64) ([]FollowUp, error) {
	in, args := inList(ids, 1)
	rows, err := q.QueryContext(ctx, followUpSelect+` WHERE f.student_id IN (`+in+`) ORDER BY f.since`, args...)
	if err != nil {
		return nil, fmt.Errorf("follow-ups: %w", err)
	}
	var out []FollowUp
	for rows.Next() {
		fu, err := scanFollowUp(rows, today(r.now()))
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, fu)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Log, err = r.followUpActions(ctx, q, out[i].ID); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []FollowUp{}
	}
	return out, nil
}
