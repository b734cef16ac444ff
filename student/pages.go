package student

import (
	"context"
	"fmt"
	"strings"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/pii"
	"edubureau/scope"
)

// What the pages and the API need beyond the registry's own operations: an
// export that shows personal data to those who may see it (and says so in
// the audit log), and the count behind the transfers' badge.

// Export calls fn for every student in u's scope matching f, in the
// filter's order, like Each, for a download of the list. A user holding
// student.view_pii gets the ID and student numbers in full, anyone else
// masked; either way the export is written to the audit log first (who,
// the filter, masked or not), and nothing is sent if that fails. It
// reports whether the rows were unmasked.
func (r *Registry) Export(ctx context.Context, u auth.User, f Filter, by Actor, fn func(Summary) error) (bool, error) {
	if err := f.Check(); err != nil {
		return false, err
	}
	full := u.Can(auth.StudentViewPII)
	detail := "masked"
	if full {
		detail = "unmasked"
	}
	entry := audit.Entry{Action: "student.export", RecordType: "student", Detail: detail + "; " + describeFilter(f)}.ByActor(by)
	if err := r.Audit.Append(ctx, entry); err != nil {
		return false, err
	}
	g := f.interpret()
	w, args := r.where(u.Scope(), g)
	q := `SELECT ` + summaryColumns + studentJoins + ` WHERE ` + w + orderBy(g)
	if !full {
		return false, r.each(ctx, q, args, fn)
	}
	rows, err := r.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return true, fmt.Errorf("list students: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s, no, id, err := r.scanSummaryClear(rows)
		if err != nil {
			return true, fmt.Errorf("list students: %w", err)
		}
		s.StudentNo, s.IDNumber = no, id
		if err := fn(s); err != nil {
			return true, err
		}
	}
	return true, rows.Err()
}

// describeFilter writes a filter for the audit log, without personal data:
// a search by number is recorded as such, not with the number.
func describeFilter(f Filter) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	g := f.interpret()
	if g.Name != "" {
		add("name", pii.MaskName(g.Name))
	}
	if g.StudentNo != "" || g.IDNumber != "" || g.IDTail != "" {
		add("number", "(given)")
	}
	add("county", f.County)
	add("school", f.School)
	if f.Grade != nil {
		add("grade", f.Grade.String())
	}
	if f.ClassID != 0 {
		add("class", fmt.Sprint(f.ClassID))
	}
	add("level", string(f.Level))
	add("status", string(f.Status))
	if f.AtSchool {
		add("at_school", "true")
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

// WaitingCount is how many pending transfers wait for a decision of the
// organisation (orgKind, orgCode) — a school as the sending school, a county
// bureau for its approval across counties — within sc: the number behind
// the transfers' badge in the navigation. Other organisations decide
// nothing (0).
func (r *Registry) WaitingCount(ctx context.Context, sc scope.Scope, orgKind, orgCode string) (int, error) {
	var q string
	switch orgKind {
	case auth.OrgSchool:
		if !sc.Reaches("", orgCode) && !sc.All {
			return 0, nil
		}
		q = `SELECT COUNT(*) FROM student_transfer t WHERE t.status = 'pending' AND t.from_school = $1 AND t.school_at IS NULL`
	case auth.OrgCounty:
		if !sc.All && !sc.Reaches(orgCode, "") {
			return 0, nil
		}
		q = `SELECT COUNT(*) FROM student_transfer t WHERE t.status = 'pending' AND t.cross_county AND t.school_at IS NOT NULL AND
			((t.from_county = $1 AND t.from_county_at IS NULL) OR (t.to_county = $1 AND t.to_county_at IS NULL))`
	default:
		return 0, nil
	}
	var n int
	if err := r.DB.QueryRowContext(ctx, q, orgCode).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the transfers waiting: %w", err)
	}
	return n, nil
}

// SchoolClasses lists a school's classes (of one academic year, or every
// year when year is "") without counting their students: the names a page
// shows and the choices of a form. A school outside sc has none.
func (r *Registry) SchoolClasses(ctx context.Context, sc scope.Scope, schoolCode, year string) ([]Class, error) {
	clause, args := scopeSQL(sc, "k.county_code", "k.school_code", 2)
	args = append([]any{schoolCode}, args...)
	q := classSelect + ` FROM student_class k LEFT JOIN school sch ON sch.code = k.school_code
		WHERE k.school_code = $1 AND ` + clause
	if year != "" {
		args = append(args, year)
		q += fmt.Sprintf(` AND k.academic_year = $%d`, len(args))
	}
	rows, err := r.DB.QueryContext(ctx, q+` ORDER BY k.academic_year, k.grade, k.number`, args...)
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	defer rows.Close()
	out := []Class{}
	for rows.Next() {
		c, err := scanClass(rows)
		if err != nil {
			return nil, fmt.Errorf("list classes: %w", err)
		}
		c.Limit = r.Rules.ClassLimit(c.SchoolType, c.Grade, c.SizeLimit)
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetClass returns one class in sc with its student count and limit.
func (r *Registry) GetClass(ctx context.Context, sc scope.Scope, id int64) (Class, error) {
	c, err := r.class(ctx, r.DB, sc, id)
	if err != nil {
		return Class{}, err
	}
	if err := r.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM student s WHERE s.class_id = $1 AND s.status IN ('enrolled', 'suspended')`,
		id).Scan(&c.Students); err != nil {
		return Class{}, fmt.Errorf("count class %d: %w", id, err)
	}
	c.OverLimit = c.Limit > 0 && c.Students > c.Limit
	return c, nil
}

// IDsByIndex fills ids (blind index of an ID number → 0) with the ids of
// the students registered under those numbers (the demo generator finds the
// children it loaded); numbers not registered stay 0.
func (r *Registry) IDsByIndex(ctx context.Context, ids map[string]int64) error {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		args := make([]any, n)
		ph := make([]string, n)
		for i := range args {
			args[i], ph[i] = keys[i], fmt.Sprintf("$%d", i+1)
		}
		rows, err := r.DB.QueryContext(ctx, `SELECT id_index, id FROM student WHERE id_index IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return fmt.Errorf("find students: %w", err)
		}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return err
			}
			ids[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}
