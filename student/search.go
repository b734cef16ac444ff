package student

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/area"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/scope"
)

// Filter selects and orders students for a list. All set fields must match.
type Filter struct {
	// Query is what a search box holds, recognised by its shape: a national
	// student number (G/J/L + 18), the last 4 or 6 characters of an ID
	// number, a whole ID or passport number (anything else with a digit), or
	// else the beginning of a name.
	Query     string
	Name      string // the beginning of the name (case and spaces ignored)
	StudentNo string // a whole national student number
	IDNumber  string // a whole ID number
	IDTail    string // the last 4 or 6 characters of the ID number

	County  string // a county (or any area) code: everything under it
	School  string
	Grade   *Grade
	ClassID int64
	Level   Level
	Status  Status // "" is any status
	// AtSchool keeps only students on a school's roll (enrolled or suspended).
	AtSchool bool

	Sort    string // one of SortKeys; "" is by name
	Desc    bool
	Page    int // from 1
	PerPage int // 1–MaxPerPage; 0 means 50
}

// SortKeys maps the sort names the web and API accept to columns.
var SortKeys = map[string]string{
	"name": "s.name_key", "birth_date": "s.birth_date", "grade": "s.grade", "school": "s.school_code",
	"status": "s.status", "updated_at": "s.updated_at",
}

// MaxPerPage caps a page.
const MaxPerPage = 500

// Check validates the filter's values, naming the parameter at fault.
func (f *Filter) Check() error {
	var v fault.Validation
	if f.County != "" {
		if _, ok := area.Normalize(f.County); !ok {
			v.Add("county", "县区代码“%s”格式不正确", "county code %q is malformed", f.County)
		}
	}
	if f.School != "" && (len(f.School) != 10 || strings.Trim(f.School, "0123456789") != "") {
		v.Add("school", "学校标识码“%s”应为 10 位数字", "school identifier %q must be 10 digits", f.School)
	}
	if f.Grade != nil && (*f.Grade < K1 || *f.Grade > 12) {
		v.Add("grade", "年级 %d 无效", "grade %d is not valid", int(*f.Grade))
	}
	if f.Level != "" && LevelName(f.Level).ZH == string(f.Level) {
		v.Add("level", "学段“%s”无效", "unknown level %q", f.Level)
	}
	if f.Status != "" && StatusName(f.Status).ZH == string(f.Status) {
		v.Add("status", "学籍状态“%s”无效", "unknown status %q", f.Status)
	}
	if t := idno.Normalize(f.IDTail); t != "" && len(t) != 4 && len(t) != 6 {
		v.Add("id_tail", "请输入证件号的后 4 位或后 6 位", "give the last 4 or 6 characters of the ID number")
	}
	if utf8.RuneCountInString(f.Query) > 50 || utf8.RuneCountInString(f.Name) > 50 {
		v.Add("q", "查询内容过长", "the search text is too long")
	}
	if f.Sort != "" {
		if _, ok := SortKeys[f.Sort]; !ok {
			v.Add("sort", "不能按“%s”排序", "cannot sort by %q", f.Sort)
		}
	}
	if f.Page < 0 {
		v.Add("page", "页码不能为负数", "the page cannot be negative")
	}
	if f.PerPage < 0 || f.PerPage > MaxPerPage {
		v.Add("per_page", "每页条数应在 1–%d 之间", "per_page must be 1–%d", MaxPerPage)
	}
	return v.Err()
}

// interpret turns Query into the field it means.
func (f Filter) interpret() Filter {
	q := strings.TrimSpace(f.Query)
	if q == "" {
		return f
	}
	n := idno.Normalize(q)
	hasDigit := strings.ContainsAny(n, "0123456789")
	switch {
	case !hasDigit:
		f.Name = q
	case len(n) == 19 && strings.ContainsRune("GJL", rune(n[0])):
		f.StudentNo = n
	case len(n) == 4 || len(n) == 6:
		f.IDTail = n
	default:
		f.IDNumber = n
	}
	f.Query = ""
	return f
}

// successor is the least string greater than every string starting with p
// (p's last character moved on by one code point): a prefix is a range.
func successor(p string) string {
	r := []rune(p)
	for i := len(r) - 1; i >= 0; i-- {
		c := r[i] + 1
		if c == 0xD800 {
			c = 0xE000
		}
		if c <= utf8.MaxRune {
			return string(append(r[:i], c))
		}
	}
	return "" // p was all U+10FFFF: no upper bound
}

// where builds the condition of a search on the student alias s.
func (r *Registry) where(sc scope.Scope, f Filter) (string, []any) {
	clause, args := studentScope(sc, "s", 1)
	conds := []string{clause}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.County != "" {
		n, _ := area.Normalize(f.County)
		if len(n) == 6 {
			add("s.county_code = ?", n)
		} else {
			lo, hi := area.Range(n)
			add("s.county_code >= ?", lo)
			add("s.county_code < ?", hi)
		}
	}
	if f.School != "" {
		add("s.school_code = ?", f.School)
	}
	if f.Grade != nil {
		add("s.grade = ?", int(*f.Grade))
	}
	if f.ClassID != 0 {
		add("s.class_id = ?", f.ClassID)
	}
	if f.Level != "" {
		add("s.level = ?", string(f.Level))
	}
	if f.Status != "" {
		add("s.status = ?", string(f.Status))
	} else if f.AtSchool {
		conds = append(conds, "s.status IN ('enrolled', 'suspended')")
	}
	if key := NameKey(f.Name); key != "" {
		add("s.name_key >= ?", key)
		if hi := successor(key); hi != "" {
			add("s.name_key < ?", hi)
		}
	}
	if f.StudentNo != "" {
		add("s.student_no_index = ?", r.StudentNoIndex(f.StudentNo))
	}
	if f.IDNumber != "" {
		add("s.id_index = ?", r.IDIndex(f.IDNumber))
	}
	if t := idno.Normalize(f.IDTail); t != "" {
		if len(t) == 4 {
			add("s.id_last4 = ?", r.IDTailIndex(4, t))
		} else {
			add("s.id_last6 = ?", r.IDTailIndex(6, t))
		}
	}
	return strings.Join(conds, " AND "), args
}

func orderBy(f Filter) string {
	col := "s.name_key"
	if c, ok := SortKeys[f.Sort]; ok {
		col = c
	}
	if f.StudentNo != "" || f.IDNumber != "" || f.IDTail != "" {
		// A lookup finds a handful of rows through its own index; ordering by
		// an expression keeps the planner from walking a name index instead.
		if col == "s.grade" {
			col = "(s.grade + 0)"
		} else {
			col = "(" + col + " || '')"
		}
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	return " ORDER BY " + col + dir + ", s.id" + dir
}

// Summary is a student as a list shows them: personal fields masked.
type Summary struct {
	ID           int64       `json:"id,string"`
	StudentNo    string      `json:"student_no"` // masked
	Name         string      `json:"name"`
	Gender       idno.Gender `json:"gender"`
	BirthDate    string      `json:"birth_date"`
	IDType       idno.IDType `json:"id_type"`
	IDNumber     string      `json:"id_number"` // masked
	Status       Status      `json:"status"`
	School       string      `json:"school"`
	SchoolName   string      `json:"school_name"`
	County       string      `json:"county"`
	CountyName   string      `json:"county_name"`
	Level        Level       `json:"level"`
	Grade        Grade       `json:"grade"`
	ClassID      int64       `json:"class_id,string,omitempty"`
	ClassName    string      `json:"class_name,omitempty"`
	AbsentSince  string      `json:"absent_since,omitempty"`
	Migrant      bool        `json:"migrant"`
	LeftBehind   bool        `json:"left_behind"`
	SpecialNeeds string      `json:"special_needs,omitempty"`
	Version      int         `json:"version"`
}

const summaryColumns = `s.id, s.student_no, s.name, s.gender, s.birth_date, s.id_type, s.id_number, s.status, s.school_code,
	COALESCE(sch.name, ''), s.county_code, COALESCE(c.name, ''), s.level, s.grade, s.class_id, COALESCE(k.name, ''),
	s.absent_since, s.migrant, s.left_behind, s.special_needs, s.version`

func (r *Registry) scanSummary(rows *sql.Rows) (Summary, error) {
	s, no, id, err := r.scanSummaryClear(rows)
	if err != nil {
		return Summary{}, err
	}
	s.StudentNo, s.IDNumber = MaskStudentNo(no), pii.MaskID(id)
	return s, nil
}

// scanSummaryClear reads a row of summaryColumns and returns the summary
// with the student and ID numbers in clear beside it.
func (r *Registry) scanSummaryClear(rows *sql.Rows) (Summary, string, string, error) {
	var s Summary
	var class sql.NullInt64
	var absent sql.NullString
	var no, id string
	if err := rows.Scan(&s.ID, &no, &s.Name, &s.Gender, &s.BirthDate, &s.IDType, &id, &s.Status, &s.School, &s.SchoolName,
		&s.County, &s.CountyName, &s.Level, &s.Grade, &class, &s.ClassName, &absent, &s.Migrant, &s.LeftBehind,
		&s.SpecialNeeds, &s.Version); err != nil {
		return Summary{}, "", "", err
	}
	s.ClassID, s.AbsentSince = class.Int64, absent.String
	no, err := r.open(no, aadStudentNo)
	if err != nil {
		return Summary{}, "", "", err
	}
	if id, err = r.open(id, aadIDNumber); err != nil {
		return Summary{}, "", "", err
	}
	return s, no, id, nil
}

// Page is one page of a search with the total it was cut from.
type Page struct {
	Items   []Summary `json:"items"`
	Total   int       `json:"total"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
}

// Pages is the number of pages.
func (p Page) Pages() int {
	if p.PerPage == 0 {
		return 0
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// Search returns one page of the students in sc that match f, masked. The
// name prefix, the national student number and the last digits of the ID
// are each answered from an index (see 00010_students.sql); a county or
// school narrows the same indexes.
func (r *Registry) Search(ctx context.Context, sc scope.Scope, f Filter) (Page, error) {
	if err := f.Check(); err != nil {
		return Page{}, err
	}
	f = f.interpret()
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PerPage == 0 {
		f.PerPage = 50
	}
	w, args := r.where(sc, f)
	var total int
	if err := r.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM student s WHERE `+w, args...).Scan(&total); err != nil {
		return Page{}, fmt.Errorf("count students: %w", err)
	}
	p := Page{Total: total, Page: f.Page, PerPage: f.PerPage, Items: []Summary{}}
	if total == 0 || (f.Page-1)*f.PerPage >= total {
		return p, nil
	}
	q := `SELECT ` + summaryColumns + studentJoins + ` WHERE ` + w + orderBy(f) + fmt.Sprintf(` LIMIT %d OFFSET %d`, f.PerPage, (f.Page-1)*f.PerPage)
	err := r.each(ctx, q, args, func(s Summary) error { p.Items = append(p.Items, s); return nil })
	return p, err
}

// Each calls fn for every student in sc matching f, in the filter's order,
// without loading them all (exports).
func (r *Registry) Each(ctx context.Context, sc scope.Scope, f Filter, fn func(Summary) error) error {
	if err := f.Check(); err != nil {
		return err
	}
	f = f.interpret()
	w, args := r.where(sc, f)
	return r.each(ctx, `SELECT `+summaryColumns+studentJoins+` WHERE `+w+orderBy(f), args, fn)
}

func (r *Registry) each(ctx context.Context, q string, args []any, fn func(Summary) error) error {
	rows, err := r.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list students: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s, err := r.scanSummary(rows)
		if err != nil {
			return fmt.Errorf("list students: %w", err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Count is the number of students on a school's roll (enrolled or
// suspended) of one level and gender in one county.
type Count struct {
	County     string      `json:"county"`
	CountyName string      `json:"county_name"`
	Level      Level       `json:"level"`
	Gender     idno.Gender `json:"gender"`
	Students   int         `json:"students"`
}

// Counts returns the students on a school's roll in sc by county, level and
// gender, in one query read from the index student_counts (about 0.3 s for
// a city of 1.2 million on PostgreSQL; a county is a twelfth of that). With
// Registry.CountsMaxAge set, a result is reused for that long per scope.
func (r *Registry) Counts(ctx context.Context, sc scope.Scope) ([]Count, error) {
	if r.CountsMaxAge <= 0 {
		return r.counts(ctx, sc)
	}
	key := fmt.Sprintf("%v|%v|%v", sc.All, sc.Areas, sc.Schools)
	now := time.Now()
	r.countsMu.Lock()
	c, ok := r.countsCache[key]
	r.countsMu.Unlock()
	if ok && now.Sub(c.at) < r.CountsMaxAge {
		return slices.Clone(c.counts), nil
	}
	out, err := r.counts(ctx, sc)
	if err != nil {
		return nil, err
	}
	r.countsMu.Lock()
	if r.countsCache == nil || len(r.countsCache) > 1000 {
		r.countsCache = map[string]cachedCounts{}
	}
	r.countsCache[key] = cachedCounts{at: now, counts: slices.Clone(out)}
	r.countsMu.Unlock()
	return out, nil
}

type cachedCounts struct {
	at     time.Time
	counts []Count
}

func (r *Registry) counts(ctx context.Context, sc scope.Scope) ([]Count, error) {
	clause, args := studentScope(sc, "s", 1)
	rows, err := r.DB.QueryContext(ctx, `SELECT g.county_code, COALESCE(a.name, ''), g.level, g.gender, g.n FROM (
		SELECT s.county_code, s.level, s.gender, COUNT(*) AS n FROM student s
		WHERE s.status IN ('enrolled', 'suspended') AND `+clause+` GROUP BY s.county_code, s.level, s.gender) g
		LEFT JOIN area a ON a.code = g.county_code ORDER BY g.county_code, g.level, g.gender`, args...)
	if err != nil {
		return nil, fmt.Errorf("count students: %w", err)
	}
	defer rows.Close()
	out := []Count{}
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.County, &c.CountyName, &c.Level, &c.Gender, &c.Students); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// lookupIndex finds the student with an ID number or national student
// number anywhere in the jurisdiction (for the receiving side of a transfer,
// which cannot see the student yet): id, name and status, or 0.
func (r *Registry) lookupIndex(ctx context.Context, q db.Querier, number string) (int64, string, Status, error) {
	n := idno.Normalize(number)
	var id int64
	var name string
	var st Status
	err := q.QueryRowContext(ctx, `SELECT id, name, status FROM student WHERE id_index = $1 OR student_no_index = $2`,
		r.IDIndex(n), r.StudentNoIndex(n)).Scan(&id, &name, &st)
	if db.IsNoRows(err) {
		return 0, "", "", nil
	}
	if err != nil {
		return 0, "", "", fmt.Errorf("look up a student by number: %w", err)
	}
	return id, name, st, nil
}
