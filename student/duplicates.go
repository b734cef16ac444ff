package student

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/scope"
)

// detectDuplicates records, as open pairs for review, the students that share
// a name, a birth date and a guardian's phone with student id (through the
// guardians' dup_key) but have another ID number. Pairs already known (open,
// reviewed or merged) are left as they are. It returns how many were new.
func (r *Registry) detectDuplicates(ctx context.Context, tx db.Tx, id int64, now time.Time) (int, error) {
	return r.detectWhere(ctx, tx, `n.student_id = $1`, now, id)
}

// detectDuplicatesFrom is detectDuplicates for every student whose id is at
// least from (the students of a bulk load: ids grow with time; 0 for every
// student). many says the load is large next to the registry: then the keys
// that appear more than once are found in one pass over their index, and
// only their rows are joined, rather than each new guardian's key being
// looked up in turn (a million random probes).
func (r *Registry) detectDuplicatesFrom(ctx context.Context, tx db.Tx, from int64, many bool, now time.Time) (int, error) {
	if !many && from != 0 {
		return r.detectWhere(ctx, tx, `n.student_id >= $1`, now, from)
	}
	repeated := `n.dup_key IN (SELECT dup_key FROM student_guardian WHERE dup_key <> '' GROUP BY dup_key HAVING COUNT(*) > 1)`
	if from == 0 {
		return r.detectWhere(ctx, tx, repeated, now)
	}
	return r.detectWhere(ctx, tx, repeated+` AND n.student_id >= $1`, now, from)
}

func (r *Registry) detectWhere(ctx context.Context, tx db.Tx, cond string, now time.Time, args ...any) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT n.student_id, o.student_id
		FROM student_guardian n JOIN student_guardian o ON o.dup_key = n.dup_key AND o.student_id <> n.student_id
		JOIN student so ON so.id = o.student_id
		WHERE `+cond+` AND n.dup_key <> '' AND so.status <> 'merged'`, args...)
	if err != nil {
		return 0, fmt.Errorf("look for probable duplicates: %w", err)
	}
	type pair struct{ a, b int64 }
	seen := map[pair]bool{}
	var pairs []pair
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			rows.Close()
			return 0, err
		}
		if a > b {
			a, b = b, a
		}
		if p := (pair{a, b}); !seen[p] {
			seen[p] = true
			pairs = append(pairs, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	added := 0
	for _, p := range pairs {
		res, err := tx.ExecContext(ctx, `INSERT INTO student_duplicate (student_a, student_b, county_a, county_b, status, found_at)
			SELECT a.id, b.id, a.county_code, b.county_code, 'open', $3 FROM student a, student b WHERE a.id = $1 AND b.id = $2
			ON CONFLICT (student_a, student_b) DO NOTHING`, p.a, p.b, now)
		if err != nil {
			return 0, fmt.Errorf("record probable duplicate %d/%d: %w", p.a, p.b, err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, nil
}

// FindDuplicates looks for probable duplicates among all students (the
// import and the demo call it after loading); it returns how many new pairs
// it listed.
func (r *Registry) FindDuplicates(ctx context.Context, by Actor) (int, error) {
	var n int
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		var err error
		now := r.now()
		if n, err = r.detectDuplicatesFrom(ctx, tx, 0, true, now); err != nil {
			return err
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.find_duplicates", RecordType: "student",
			Detail: fmt.Sprintf("%d new probable duplicates", n)}.ByActor(by))
	})
	return n, err
}

// DuplicateSide is one record of a probable-duplicate pair. Outside the
// user's scope only Visible = false is said: the child is registered at
// another school of the jurisdiction.
type DuplicateSide struct {
	Visible    bool   `json:"visible"`
	ID         int64  `json:"id,string,omitempty"`
	Name       string `json:"name,omitempty"`
	Gender     string `json:"gender,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"`
	IDNumber   string `json:"id_number,omitempty"` // masked
	Status     Status `json:"status,omitempty"`
	School     string `json:"school,omitempty"`
	SchoolName string `json:"school_name,omitempty"`
	County     string `json:"county,omitempty"`
	Grade      *Grade `json:"grade,omitempty"`
}

// Duplicate is a pair of records that look like one child: the same name,
// birth date and a guardian's phone, but different ID numbers.
type Duplicate struct {
	A         DuplicateSide `json:"a"`
	B         DuplicateSide `json:"b"`
	Status    string        `json:"status"` // open | not_duplicate | merged
	FoundAt   time.Time     `json:"found_at"`
	KeptID    int64         `json:"kept_id,string,omitempty"`
	DecidedAt *time.Time    `json:"decided_at,omitempty"`
	DecidedBy string        `json:"decided_by,omitempty"`
	Note      string        `json:"note,omitempty"`

	a, b int64
}

// DuplicateFilter selects pairs.
type DuplicateFilter struct {
	Status  string // "" is open
	Page    int
	PerPage int // 0 means 50
}

// DuplicatePage is one page of pairs.
type DuplicatePage struct {
	Items   []Duplicate `json:"items"`
	Total   int         `json:"total"`
	Page    int         `json:"page"`
	PerPage int         `json:"per_page"`
}

// Duplicates lists the probable duplicates with at least one record in sc,
// oldest first (by default those waiting for review). A pair with a record
// merged since into a third leaves the open list.
func (r *Registry) Duplicates(ctx context.Context, sc scope.Scope, f DuplicateFilter) (DuplicatePage, error) {
	if f.Status == "" {
		f.Status = "open"
	}
	switch f.Status {
	case "open", "not_duplicate", "merged":
	default:
		return DuplicatePage{}, invalid("status", "状态“%s”无效", "unknown status %q", f.Status)
	}
	if err := paging(&f.Page, &f.PerPage); err != nil {
		return DuplicatePage{}, err
	}
	ca, args := scopeSQL(sc, "sa.county_code", "sa.school_code", 2)
	cb, bargs := scopeSQL(sc, "sb.county_code", "sb.school_code", 2+len(args))
	args = append(append([]any{f.Status}, args...), bargs...)
	w := `d.status = $1 AND (` + ca + ` OR ` + cb + `)`
	if f.Status == "open" {
		w += ` AND sa.status <> 'merged' AND sb.status <> 'merged'`
	}
	from := ` FROM student_duplicate d JOIN student sa ON sa.id = d.student_a JOIN student sb ON sb.id = d.student_b`
	out := DuplicatePage{Page: f.Page, PerPage: f.PerPage, Items: []Duplicate{}}
	if err := r.DB.QueryRowContext(ctx, `SELECT COUNT(*)`+from+` WHERE `+w, args...).Scan(&out.Total); err != nil {
		return DuplicatePage{}, fmt.Errorf("count duplicates: %w", err)
	}
	rows, err := r.DB.QueryContext(ctx, `SELECT d.student_a, d.student_b, d.status, d.found_at, d.kept_id, d.decided_at, d.decided_by, d.note`+
		from+` WHERE `+w+` ORDER BY d.found_at, d.student_a, d.student_b`+fmt.Sprintf(` LIMIT %d OFFSET %d`, f.PerPage, (f.Page-1)*f.PerPage), args...)
	if err != nil {
		return DuplicatePage{}, fmt.Errorf("list duplicates: %w", err)
	}
	for rows.Next() {
		var d Duplicate
		var kept sql.NullInt64
		var decided sql.NullTime
		if err := rows.Scan(&d.a, &d.b, &d.Status, &d.FoundAt, &kept, &decided, &d.DecidedBy, &d.Note); err != nil {
			rows.Close()
			return DuplicatePage{}, err
		}
		d.FoundAt, d.KeptID, d.DecidedAt = d.FoundAt.UTC(), kept.Int64, timePtr(decided)
		out.Items = append(out.Items, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return DuplicatePage{}, err
	}
	for i := range out.Items {
		d := &out.Items[i]
		for _, side := range []struct {
			id  int64
			dst *DuplicateSide
		}{{d.a, &d.A}, {d.b, &d.B}} {
			s, _, err := r.load(ctx, r.DB, sc, side.id)
			if fault.KindOf(err) == fault.NotFound {
				continue // outside the scope: only "another school"
			}
			if err != nil {
				return DuplicatePage{}, err
			}
			m := s.Mask()
			g := m.Grade
			*side.dst = DuplicateSide{Visible: true, ID: m.ID, Name: m.Name, Gender: string(m.Gender), BirthDate: m.BirthDate,
				IDNumber: m.IDNumber, Status: m.Status, School: m.School, SchoolName: m.SchoolName, County: m.County, Grade: &g}
		}
	}
	return out, nil
}

// pair reads the listed pair of two students (either order), locked.
func (r *Registry) pair(ctx context.Context, tx db.Tx, x, y int64) (a, b int64, status string, err error) {
	a, b = min(x, y), max(x, y)
	err = tx.QueryRowContext(ctx, `SELECT status FROM student_duplicate WHERE student_a = $1 AND student_b = $2`+r.forUpdate(), a, b).Scan(&status)
	if db.IsNoRows(err) {
		return a, b, "", fault.New(fault.NotFound, "学生 %d 和 %d 不在疑似重复名单上", "students %d and %d are not listed as probable duplicates", x, y)
	}
	if err != nil {
		return a, b, "", fmt.Errorf("read duplicate pair: %w", err)
	}
	if status != "open" {
		return a, b, status, fault.New(fault.Conflict, "这对记录已复核过（%s）", "this pair was already reviewed (%s)", status)
	}
	return a, b, status, nil
}

// bothInScope reads both records of a pair in sc: a reviewer decides only
// when they can see both (the city bureau decides pairs across counties).
func (r *Registry) bothInScope(ctx context.Context, tx db.Tx, sc scope.Scope, x, y int64) (Student, Student, error) {
	if err := r.lock(ctx, tx, min(x, y)); err != nil {
		return Student{}, Student{}, err
	}
	if err := r.lock(ctx, tx, max(x, y)); err != nil {
		return Student{}, Student{}, err
	}
	sx, _, errx := r.load(ctx, tx, sc, x)
	sy, _, erry := r.load(ctx, tx, sc, y)
	switch {
	case errx != nil && erry != nil:
		return Student{}, Student{}, errx
	case fault.KindOf(errx) == fault.NotFound || fault.KindOf(erry) == fault.NotFound:
		return Student{}, Student{}, fault.New(fault.Forbidden, "其中一条记录在您的权限范围之外，请由市教育局学籍科复核",
			"one of the records is outside your scope; the city bureau's students section reviews this pair")
	case errx != nil:
		return Student{}, Student{}, errx
	case erry != nil:
		return Student{}, Student{}, erry
	}
	return sx, sy, nil
}

// NotDuplicate records that a listed pair are two different children; the
// pair leaves the list for good.
func (r *Registry) NotDuplicate(ctx context.Context, sc scope.Scope, x, y int64, note string, by Actor) error {
	return r.DB.InTx(ctx, func(tx db.Tx) error {
		if _, _, err := r.bothInScope(ctx, tx, sc, x, y); err != nil {
			return err
		}
		a, b, _, err := r.pair(ctx, tx, x, y)
		if err != nil {
			return err
		}
		if err := needReason("note", note); err != nil {
			return invalid("note", "请说明核实情况", "say how it was checked")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE student_duplicate SET status = 'not_duplicate', decided_at = $3, decided_by = $4, note = $5
			WHERE student_a = $1 AND student_b = $2`, a, b, r.now(), by.Username, note); err != nil {
			return fmt.Errorf("record the review: %w", err)
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.not_duplicate", RecordType: "student",
			RecordID: fmt.Sprintf("%d,%d", a, b), Detail: note}.ByActor(by))
	})
}

// Merge resolves a listed pair as one child: the record keep stays, the
// record merge is closed (status merged, merged_into keep; its enrolment, if
// any, ends) and its events, enrolments, transfers and follow-ups stay and
// show in keep's profile. Both get a merge event; who merged what is in the
// pair, the events and the audit log. The record kept must be the one on a
// school's roll when only one is.
func (r *Registry) Merge(ctx context.Context, sc scope.Scope, keep, merge int64, reason string, by Actor) (Student, error) {
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		k, m, err := r.bothInScope(ctx, tx, sc, keep, merge)
		if err != nil {
			return err
		}
		a, b, _, err := r.pair(ctx, tx, keep, merge)
		if err != nil {
			return err
		}
		if err := needReason("reason", reason); err != nil {
			return err
		}
		if m.Status.AtSchool() && !k.Status.AtSchool() {
			return fault.New(fault.Conflict, "应保留正在就读的那条记录（%d）", "keep the record that is on a school's roll (%d)", m.ID)
		}
		for _, id := range []int64{keep, merge} {
			if err := r.noPendingTransfer(ctx, tx, id); err != nil {
				return err
			}
		}
		now := r.now()
		on := today(now)
		if m.Status.AtSchool() {
			if err := leave(ctx, tx, merge, "merge", on); err != nil {
				return err
			}
		}
		if err := r.closeFollowUp(ctx, tx, merge, "other", on, fmt.Sprintf("合并到学生 %d / merged into student %d", keep, keep), now, by); err != nil {
			return err
		}
		ms := m
		ms.Status, ms.MergedInto, ms.ClassID, ms.AbsentSince, ms.RepeatMarked = Merged, keep, 0, "", false
		if err := setState(ctx, tx, &ms, m.Version, now); err != nil {
			return err
		}
		for _, e := range []Event{
			{StudentID: merge, Kind: EvMerge, On: on, School: m.School, County: m.County, Reason: reason, Ref: keep},
			{StudentID: keep, Kind: EvMerge, On: on, School: k.School, County: k.County, Reason: reason, Ref: merge},
		} {
			if err := addEvent(ctx, tx, &e, now, by); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE student_duplicate SET status = 'merged', kept_id = $3, decided_at = $4, decided_by = $5,
			note = $6 WHERE student_a = $1 AND student_b = $2`, a, b, keep, now, by.Username, reason); err != nil {
			return fmt.Errorf("record the merge: %w", err)
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.merge", RecordType: "student", RecordID: fmt.Sprint(keep),
			Detail: fmt.Sprintf("merged %d into %d: %s", merge, keep, reason), Changes: audit.Diff(viewOf(m), viewOf(ms), nil)}.ByActor(by))
	})
	if err != nil {
		return Student{}, err
	}
	return r.Get(ctx, scope.Everything, keep)
}
