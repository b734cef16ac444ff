package casework

import (
	"context"
	"fmt"
	"strings"

	"edubureau/area"
	"edubureau/fault"
	"edubureau/scope"
)

// Query selects the cases of one type for a register (the litigation
// register): open or closed, by state, area or text.
type Query struct {
	Type   string
	State  string // a state of the type; "" any
	Status string // "" any, "open", "closed"
	County string // an area code: everything under it
	School string // a school's identifier
	Text   string // part of the number, subject, applicant or a field's value
	Page   int
	// PerPage is at most MaxPerPage; 0 means 50.
	PerPage int
}

func (e *Engine) checkQuery(q *Query) (*Type, error) {
	var v fault.Validation
	t, ok := e.byCode[q.Type]
	if !ok {
		return nil, fault.New(fault.Invalid, "没有案件类型 %q", "there is no case type %q", q.Type)
	}
	if q.State != "" {
		if _, ok := t.State(q.State); !ok {
			v.Add("state", "%s没有状态 %q", "%s has no state %q", t.Name.ZH, q.State)
		}
	}
	switch q.Status {
	case "", "open", "closed":
	default:
		v.Add("status", "状态 %q 应为 open 或 closed", "status %q must be open or closed", q.Status)
	}
	if q.County != "" {
		if _, ok := area.Normalize(q.County); !ok {
			v.Add("county", "区划代码 %q 格式不正确", "area code %q is malformed", q.County)
		}
	}
	if len([]rune(q.Text)) > 100 {
		v.Add("q", "搜索词过长", "the search text is too long")
	}
	return t, v.Err()
}

// Find pages through the cases of q.Type in scope sc matching q: open ones
// first by deadline, then closed ones, newest first.
func (e *Engine) Find(ctx context.Context, sc scope.Scope, q Query) (Page, error) {
	if _, err := e.checkQuery(&q); err != nil {
		return Page{}, err
	}
	page, perPage := pageOf(q.Page, q.PerPage)
	args := []any{q.Type}
	conds := []string{"type = $1"}
	add := func(cond string, val any) {
		args = append(args, val)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if q.State != "" {
		add("state = ?", q.State)
	}
	switch q.Status {
	case "open":
		conds = append(conds, "closed_on IS NULL")
	case "closed":
		conds = append(conds, "closed_on IS NOT NULL")
	}
	if q.County != "" {
		n, _ := area.Normalize(q.County)
		lo, hi := area.Range(n)
		add("county_code >= ?", lo)
		add("county_code < ?", hi)
	}
	if q.School != "" {
		add("school_code = ?", q.School)
	}
	if t := strings.ToLower(strings.TrimSpace(q.Text)); t != "" {
		add(`(LOWER(number) LIKE ? ESCAPE '\' OR LOWER(subject) LIKE ? ESCAPE '\' OR LOWER(applicant_name) LIKE ? ESCAPE '\'
			OR LOWER(fields) LIKE ? ESCAPE '\')`, "%"+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(t)+"%")
	}
	where, sargs := sc.SQL("county_code", "school_code", len(args)+1)
	args = append(args, sargs...)
	filter := ` FROM case_file WHERE ` + strings.Join(conds, " AND ") + ` AND ` + where
	return e.readPage(ctx, filter, args, `CASE WHEN closed_on IS NULL THEN 0 ELSE 1 END,
		CASE WHEN closed_on IS NULL THEN due_key ELSE '' END, received_on DESC, id DESC`, page, perPage)
}

// OpenBySchool counts the open cases of type typ of each of schools, in
// scope sc (a list page's badges).
func (e *Engine) OpenBySchool(ctx context.Context, sc scope.Scope, typ string, schools []string) (map[string]int, error) {
	out := map[string]int{}
	if len(schools) == 0 {
		return out, nil
	}
	args := []any{typ}
	ph := make([]string, len(schools))
	for i, s := range schools {
		args = append(args, s)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	where, sargs := sc.SQL("county_code", "school_code", len(args)+1)
	rows, err := e.DB.QueryContext(ctx, `SELECT school_code, count(*) FROM case_file WHERE type = $1 AND closed_on IS NULL
		AND school_code IN (`+strings.Join(ph, ", ")+`) AND `+where+` GROUP BY school_code`, append(args, sargs...)...)
	if err != nil {
		return nil, fmt.Errorf("count open cases by school: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		out[code] = n
	}
	return out, rows.Err()
}
