package school

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/scope"
)

// Registry is the school registry on a database. Every change writes its
// audit entry in the same transaction, so no change goes unrecorded.
type Registry struct {
	DB    *db.DB
	Audit *audit.Log
	Now   func() time.Time // injectable for tests
}

// New returns a registry on d.
func New(d *db.DB) *Registry { return &Registry{DB: d, Audit: audit.New(d), Now: time.Now} }

// Filter selects and orders schools for a list.
type Filter struct {
	County    string // a county (or any area) code: everything under it
	Township  string
	Type      Type
	Ownership Ownership
	Status    Status
	Query     string // part of the name, English name, identifier, address or a former name
	Sort      string // one of SortKeys; "" is by identifier
	Desc      bool
	Page      int // from 1
	PerPage   int // 1–500; 0 means 50
}

// SortKeys maps the sort names the web and API accept to columns.
var SortKeys = map[string]string{
	"code": "s.code", "name": "s.name", "type": "s.type", "county": "s.county_code",
	"status": "s.status", "capacity": "s.capacity", "opened_on": "s.opened_on", "updated_at": "s.updated_at",
}

// MaxPerPage caps a page.
const MaxPerPage = 500

// Check validates the filter's values, naming the parameter at fault.
func (f *Filter) Check() error {
	var v fault.Validation
	if f.County != "" {
		if _, ok := area.Normalize(f.County); !ok {
			v.Add("county", "县区代码 %q 格式不正确", "county code %q is malformed", f.County)
		}
	}
	if f.Township != "" {
		if a, ok := area.Lookup(f.Township); !ok || a.Level != area.Township {
			v.Add("township", "乡镇代码 %q 不正确", "township code %q is not valid", f.Township)
		}
	}
	if f.Type != "" {
		if _, ok := f.Type.Info(); !ok {
			v.Add("type", "办学类型 %q 无效", "unknown school type %q", f.Type)
		}
	}
	if f.Ownership != "" && f.Ownership != Public && f.Ownership != Private {
		v.Add("ownership", "举办者类型 %q 无效", "unknown ownership %q", f.Ownership)
	}
	switch f.Status {
	case "", Preparing, Active, Suspended, Closed:
	default:
		v.Add("status", "办学状态 %q 无效", "unknown status %q", f.Status)
	}
	if f.Sort != "" {
		if _, ok := SortKeys[f.Sort]; !ok {
			v.Add("sort", "不能按 %q 排序", "cannot sort by %q", f.Sort)
		}
	}
	if f.Page < 0 {
		v.Add("page", "页码应为正整数", "page must be a positive number")
	}
	if f.PerPage < 0 || f.PerPage > MaxPerPage {
		v.Add("per_page", "每页条数应在 1–%d 之间", "per_page must be between 1 and %d", MaxPerPage)
	}
	if len([]rune(f.Query)) > 100 {
		v.Add("q", "搜索词过长", "the search text is too long")
	}
	return v.Err()
}

// where builds the WHERE clause for sc and f; args are numbered from $1.
func where(sc scope.Scope, f Filter) (string, []any) {
	clause, args := sc.SQL("s.county_code", "s.code", 1)
	conds := []string{clause}
	add := func(cond string, vals ...any) {
		for range vals {
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)+1), 1)
			args = append(args, vals[0])
			vals = vals[1:]
		}
		conds = append(conds, cond)
	}
	if f.County != "" {
		n, _ := area.Normalize(f.County)
		lo, hi := area.Range(n)
		add("s.county_code >= ? AND s.county_code < ?", lo, hi)
	}
	if f.Township != "" {
		add("s.township_code = ?", f.Township)
	}
	if f.Type != "" {
		add("s.type = ?", string(f.Type))
	}
	if f.Ownership != "" {
		add("s.ownership = ?", string(f.Ownership))
	}
	if f.Status != "" {
		add("s.status = ?", string(f.Status))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		// LIKE metacharacters in the user's text are matched literally.
		q = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
		add(`s.search_text LIKE ? ESCAPE '\'`, "%"+q+"%")
	}
	return strings.Join(conds, " AND "), args
}

const columns = `s.code, s.name, s.name_en, s.type, s.ownership, s.county_code, COALESCE(s.township_code, ''), s.address,
	s.lng, s.lat, s.status, COALESCE(s.opened_on, ''), COALESCE(s.closed_on, ''), s.headmaster, s.capacity,
	COALESCE(s.licence_no, ''), COALESCE(s.licence_issued_on, ''), COALESCE(s.licence_expires_on, ''),
	s.version, s.created_at, s.updated_at, COALESCE(c.name, ''), COALESCE(t.name, '')`

const joins = ` FROM school s LEFT JOIN area c ON c.code = s.county_code LEFT JOIN area t ON t.code = s.township_code`

type scanner interface{ Scan(...any) error }

func scanSchool(r scanner) (School, error) {
	var s School
	var lng, lat sql.NullFloat64
	err := r.Scan(&s.Code, &s.Name, &s.NameEN, &s.Type, &s.Ownership, &s.County, &s.Township, &s.Address,
		&lng, &lat, &s.Status, &s.OpenedOn, &s.ClosedOn, &s.Headmaster, &s.Capacity,
		&s.LicenceNo, &s.LicenceIssuedOn, &s.LicenceExpiresOn, &s.Version, &s.CreatedAt, &s.UpdatedAt,
		&s.CountyName, &s.TownshipName)
	if lng.Valid && lat.Valid {
		s.Lng, s.Lat = &lng.Float64, &lat.Float64
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, err
}

// Page is one page of a list with the total it was cut from.
type Page struct {
	Items   []School `json:"items"`
	Total   int      `json:"total"`
	Page    int      `json:"page"`
	PerPage int      `json:"per_page"`
}

// Pages is the number of pages.
func (p Page) Pages() int {
	if p.PerPage == 0 {
		return 0
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// List returns one page of the schools in sc that match f.
func (r *Registry) List(ctx context.Context, sc scope.Scope, f Filter) (Page, error) {
	if err := f.Check(); err != nil {
		return Page{}, err
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PerPage == 0 {
		f.PerPage = 50
	}
	w, args := where(sc, f)
	var total int
	if err := r.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM school s WHERE `+w, args...).Scan(&total); err != nil {
		return Page{}, fmt.Errorf("count schools: %w", err)
	}
	p := Page{Total: total, Page: f.Page, PerPage: f.PerPage, Items: []School{}}
	q := `SELECT ` + columns + joins + ` WHERE ` + w + orderBy(f) +
		fmt.Sprintf(` LIMIT %d OFFSET %d`, f.PerPage, (f.Page-1)*f.PerPage)
	err := r.each(ctx, q, args, func(s School) error { p.Items = append(p.Items, s); return nil })
	return p, err
}

func orderBy(f Filter) string {
	col := "s.code"
	if c, ok := SortKeys[f.Sort]; ok {
		col = c
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	if col == "s.code" {
		return " ORDER BY s.code" + dir
	}
	return " ORDER BY " + col + dir + ", s.code ASC"
}

// Each calls fn for every school in sc matching f, in the filter's order,
// without loading them all (for exports).
func (r *Registry) Each(ctx context.Context, sc scope.Scope, f Filter, fn func(School) error) error {
	if err := f.Check(); err != nil {
		return err
	}
	w, args := where(sc, f)
	return r.each(ctx, `SELECT `+columns+joins+` WHERE `+w+orderBy(f), args, fn)
}

func (r *Registry) each(ctx context.Context, q string, args []any, fn func(School) error) error {
	rows, err := r.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list schools: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanSchool(rows)
		if err != nil {
			return fmt.Errorf("list schools: %w", err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return rows.Err()
}

func notFound(code string) error {
	return fault.New(fault.NotFound, "没有标识码为 %s 的学校", "no school with identifier %s", code)
}

// Get returns one school in sc; a school outside sc is not found.
func (r *Registry) Get(ctx context.Context, sc scope.Scope, code string) (School, error) {
	return get(ctx, r.DB, sc, code)
}

// GetTx is Get inside the caller's transaction tx.
func (r *Registry) GetTx(ctx context.Context, tx db.Tx, sc scope.Scope, code string) (School, error) {
	return get(ctx, tx, sc, code)
}

func get(ctx context.Context, q db.Querier, sc scope.Scope, code string) (School, error) {
	clause, args := sc.SQL("s.county_code", "s.code", 2)
	s, err := scanSchool(q.QueryRowContext(ctx, `SELECT `+columns+joins+` WHERE s.code = $1 AND `+clause,
		append([]any{code}, args...)...))
	if db.IsNoRows(err) {
		return School{}, notFound(code)
	}
	if err != nil {
		return School{}, fmt.Errorf("get school %s: %w", code, err)
	}
	return s, nil
}

// Change is one version of a school in its history.
type Change struct {
	Version   int           `json:"version"`
	Action    string        `json:"action"`
	ChangedAt time.Time     `json:"changed_at"`
	ChangedBy string        `json:"changed_by"`
	Reason    string        `json:"reason,omitempty"`
	Fields    []FieldChange `json:"fields"`
}

// FieldChange is one field's old and new value.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Name is a name the school carried from ValidFrom until ValidTo ("" for the current name).
type Name struct {
	Name      string `json:"name"`
	NameEN    string `json:"name_en"`
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to,omitempty"`
}

// Actor says who makes a change, from where and why.
type Actor = audit.Actor

// personal lists the fields of a school that name a person, masked in the audit log.
var personal = map[string]string{"headmaster": audit.PersonalName}

// checkPlace verifies that the county and township are in the jurisdiction's tree.
func checkPlace(ctx context.Context, q db.Querier, s *School) error {
	var v fault.Validation
	if _, err := area.Get(ctx, q, s.County); err != nil {
		if fault.KindOf(err) != fault.NotFound {
			return err
		}
		v.Add("county", "县区 %s 不在本辖区内", "county %s is not in this jurisdiction", s.County)
	}
	return v.Err()
}

// Create adds a school; its identifier must be free.
func (r *Registry) Create(ctx context.Context, sc scope.Scope, s School, by Actor) (School, error) {
	if err := r.DB.InTx(ctx, func(tx db.Tx) error { return r.createAudited(ctx, tx, sc, &s, by) }); err != nil {
		return School{}, err
	}
	return r.Get(ctx, scope.Everything, s.Code)
}

// CreateTx is Create inside the caller's transaction tx (a case step that
// establishes a school): the school, its history and its audit entry are
// written there and undone with it.
func (r *Registry) CreateTx(ctx context.Context, tx db.Tx, sc scope.Scope, s School, by Actor) (School, error) {
	if err := r.createAudited(ctx, tx, sc, &s, by); err != nil {
		return School{}, err
	}
	return get(ctx, tx, scope.Everything, s.Code)
}

func (r *Registry) createAudited(ctx context.Context, tx db.Tx, sc scope.Scope, s *School, by Actor) error {
	if err := r.create(ctx, tx, sc, s, by); err != nil {
		return err
	}
	return r.Audit.Record(ctx, tx, audit.Entry{Action: "school.create", Outcome: audit.OK, RecordType: "school", RecordID: s.Code,
		Changes: audit.Diff(nil, *s, personal)}.ByActor(by))
}

// CreateMany adds many schools in one transaction: all or none (the demo
// generator and bulk loads). progress, when not nil, is called after each.
// The audit log gets one entry for the whole load, not one per school.
func (r *Registry) CreateMany(ctx context.Context, sc scope.Scope, schools []School, by Actor, progress func(done int)) error {
	return r.DB.InTx(ctx, func(tx db.Tx) error {
		for i := range schools {
			if err := r.create(ctx, tx, sc, &schools[i], by); err != nil {
				return fmt.Errorf("school %d (%s): %w", i+1, schools[i].Code, err)
			}
			if progress != nil {
				progress(i + 1)
			}
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "school.create_many", Outcome: audit.OK, RecordType: "school",
			Detail: fmt.Sprintf("%d schools", len(schools))}.ByActor(by))
	})
}

func (r *Registry) create(ctx context.Context, tx db.Tx, sc scope.Scope, s *School, by Actor) error {
	s.Normalize()
	now := r.Now().UTC().Truncate(time.Microsecond)
	if err := s.Validate(now); err != nil {
		return err
	}
	if !sc.Reaches(s.County, s.Code) {
		return fault.New(fault.Forbidden, "您无权在县区 %s 新建学校", "you may not create schools in county %s", s.County)
	}
	if err := checkPlace(ctx, tx, s); err != nil {
		return err
	}
	s.Version, s.CreatedAt, s.UpdatedAt = 1, now, now
	if _, err := tx.ExecContext(ctx, `INSERT INTO school (code, name, name_en, type, ownership, county_code, township_code,
		address, lng, lat, status, opened_on, closed_on, headmaster, capacity, licence_no, licence_issued_on,
		licence_expires_on, search_text, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
		rowArgs(s, searchText(s, nil))...); err != nil {
		if db.IsUniqueViolation(err) {
			var v fault.Validation
			v.Add("code", "学校标识码 %s 已被使用", "school identifier %s is already in use", s.Code)
			e := v.Err().(*fault.Error)
			e.Kind = fault.Conflict
			return e
		}
		return fmt.Errorf("insert school %s: %w", s.Code, err)
	}
	from := s.OpenedOn
	if from == "" {
		from = now.Format(time.DateOnly)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO school_name (school_code, valid_from, name, name_en) VALUES ($1, $2, $3, $4)`,
		s.Code, from, s.Name, s.NameEN); err != nil {
		return fmt.Errorf("record name of %s: %w", s.Code, err)
	}
	return addHistory(ctx, tx, "create", School{}, *s, now, by)
}

// Update replaces a school's fields. ifVersion, when not 0, must be the
// version the caller read (optimistic locking: ETag/If-Match). A change of
// name is a rename effective renamedOn (today when ""), keeping the former
// name with its dates.
func (r *Registry) Update(ctx context.Context, sc scope.Scope, code string, s School, ifVersion int, renamedOn string, by Actor) (School, error) {
	if err := r.DB.InTx(ctx, func(tx db.Tx) error { return r.update(ctx, tx, sc, code, s, ifVersion, renamedOn, by) }); err != nil {
		return School{}, err
	}
	return r.Get(ctx, scope.Everything, code)
}

// UpdateTx is Update inside the caller's transaction tx (a case step that
// renames, changes or closes a school): undone with it.
func (r *Registry) UpdateTx(ctx context.Context, tx db.Tx, sc scope.Scope, code string, s School, ifVersion int, renamedOn string, by Actor) (School, error) {
	if err := r.update(ctx, tx, sc, code, s, ifVersion, renamedOn, by); err != nil {
		return School{}, err
	}
	return get(ctx, tx, scope.Everything, code)
}

func (r *Registry) update(ctx context.Context, tx db.Tx, sc scope.Scope, code string, s School, ifVersion int, renamedOn string, by Actor) error {
	s.Normalize()
	now := r.Now().UTC().Truncate(time.Microsecond)
	today := now.Format(time.DateOnly)
	if s.Code == "" {
		s.Code = code
	}
	var v fault.Validation
	if s.Code != code {
		v.Add("code", "学校标识码不能修改", "the school identifier cannot be changed")
		return v.Err()
	}
	if err := s.Validate(now); err != nil {
		return err
	}
	if renamedOn == "" {
		renamedOn = today
	} else if _, ok := ParseDate(renamedOn); !ok || renamedOn > today {
		v.Add("renamed_on", "更名日期 %q 无效（不能晚于今天）", "rename date %q is not valid (not after today)", renamedOn)
		return v.Err()
	}
	old, err := get(ctx, tx, sc, code)
	if err != nil {
		return err
	}
	if ifVersion != 0 && ifVersion != old.Version {
		return fault.New(fault.Precondition, "该学校已被他人修改（当前版本 %d），请刷新后重试", "the school was changed meanwhile (now version %d); reload and try again", old.Version)
	}
	if !sc.Reaches(s.County, s.Code) {
		return fault.New(fault.Forbidden, "您无权把学校移到县区 %s", "you may not move the school to county %s", s.County)
	}
	if err := checkPlace(ctx, tx, &s); err != nil {
		return err
	}
	if len(diff(old, s)) == 0 {
		return nil
	}
	s.Version, s.CreatedAt, s.UpdatedAt = old.Version+1, old.CreatedAt, now
	renamed := old.Name != s.Name || old.NameEN != s.NameEN
	if renamed {
		if err := recordRename(ctx, tx, code, s.Name, s.NameEN, renamedOn); err != nil {
			return err
		}
	}
	names, err := formerNames(ctx, tx, code)
	if err != nil {
		return err
	}
	args := rowArgs(&s, searchText(&s, names))
	res, err := tx.ExecContext(ctx, `UPDATE school SET name = $2, name_en = $3, type = $4, ownership = $5, county_code = $6,
		township_code = $7, address = $8, lng = $9, lat = $10, status = $11, opened_on = $12, closed_on = $13,
		headmaster = $14, capacity = $15, licence_no = $16, licence_issued_on = $17, licence_expires_on = $18,
		search_text = $19, version = $20, created_at = $21, updated_at = $22 WHERE code = $1 AND version = $23`,
		append(args, old.Version)...)
	if err != nil {
		return fmt.Errorf("update school %s: %w", code, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.New(fault.Conflict, "该学校已被他人修改，请刷新后重试", "the school was changed meanwhile; reload and try again")
	}
	action := "update"
	switch {
	case old.Status != Closed && s.Status == Closed:
		action = "close"
	case old.Status == Closed && s.Status != Closed:
		action = "reopen"
	case renamed:
		action = "rename"
	}
	if err := addHistory(ctx, tx, action, old, s, now, by); err != nil {
		return err
	}
	return r.Audit.Record(ctx, tx, audit.Entry{Action: "school." + action, Outcome: audit.OK, RecordType: "school", RecordID: code,
		Changes: audit.Diff(old, s, personal)}.ByActor(by))
}

// recordRename ends the current name the day before renamedOn and starts the new one.
func recordRename(ctx context.Context, tx db.Tx, code, name, nameEN, renamedOn string) error {
	var from string
	err := tx.QueryRowContext(ctx, `SELECT valid_from FROM school_name WHERE school_code = $1 AND valid_to IS NULL`, code).Scan(&from)
	if err != nil && !db.IsNoRows(err) {
		return fmt.Errorf("read current name of %s: %w", code, err)
	}
	if from >= renamedOn {
		// Renamed again on (or before) the day the current name began: the new
		// name replaces it; the intermediate name stays in the history.
		if _, err := tx.ExecContext(ctx, `UPDATE school_name SET name = $3, name_en = $4 WHERE school_code = $1 AND valid_from = $2`,
			code, from, name, nameEN); err != nil {
			return fmt.Errorf("record rename of %s: %w", code, err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE school_name SET valid_to = $2 WHERE school_code = $1 AND valid_to IS NULL`, code, renamedOn); err != nil {
		return fmt.Errorf("record rename of %s: %w", code, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO school_name (school_code, valid_from, name, name_en) VALUES ($1, $2, $3, $4)`,
		code, renamedOn, name, nameEN); err != nil {
		return fmt.Errorf("record rename of %s: %w", code, err)
	}
	return nil
}

func formerNames(ctx context.Context, q db.Querier, code string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, name_en FROM school_name WHERE school_code = $1 AND valid_to IS NOT NULL`, code)
	if err != nil {
		return nil, fmt.Errorf("former names of %s: %w", code, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n, en string
		if err := rows.Scan(&n, &en); err != nil {
			return nil, err
		}
		out = append(out, n, en)
	}
	return out, rows.Err()
}

func searchText(s *School, former []string) string {
	parts := append([]string{s.Name, s.NameEN, s.Code, s.Address, s.Headmaster}, former...)
	return strings.ToLower(strings.Join(parts, " "))
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func rowArgs(s *School, search string) []any {
	var lng, lat any
	if s.Lng != nil {
		lng, lat = *s.Lng, *s.Lat
	}
	return []any{s.Code, s.Name, s.NameEN, string(s.Type), string(s.Ownership), s.County, nullable(s.Township),
		s.Address, lng, lat, string(s.Status), nullable(s.OpenedOn), nullable(s.ClosedOn), s.Headmaster, s.Capacity,
		nullable(s.LicenceNo), nullable(s.LicenceIssuedOn), nullable(s.LicenceExpiresOn), search, s.Version,
		s.CreatedAt, s.UpdatedAt}
}

// stored lists the fields that history compares, by JSON name.
func stored(s School) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(s)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
		switch name {
		case "version", "created_at", "updated_at", "county_name", "township_name", "":
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				out[name] = ""
			} else {
				out[name] = fmt.Sprint(f.Elem().Interface())
			}
			continue
		}
		out[name] = fmt.Sprint(f.Interface())
	}
	return out
}

// diff lists the fields that differ between two versions, in field order.
func diff(old, new School) []FieldChange {
	o, n := stored(old), stored(new)
	var out []FieldChange
	t := reflect.TypeOf(old)
	for i := 0; i < t.NumField(); i++ {
		name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
		if _, ok := n[name]; ok && o[name] != n[name] {
			out = append(out, FieldChange{Field: name, Old: o[name], New: n[name]})
		}
	}
	return out
}

func addHistory(ctx context.Context, tx db.Tx, action string, old, new School, at time.Time, by Actor) error {
	changes, _ := json.Marshal(diff(old, new))
	snap := new
	snap.CountyName, snap.TownshipName = "", ""
	snapshot, _ := json.Marshal(snap)
	_, err := tx.ExecContext(ctx, `INSERT INTO school_history (school_code, version, action, changed_at, changed_by, reason, changes, snapshot)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, new.Code, new.Version, action, at, by.Username, by.Reason, string(changes), string(snapshot))
	if err != nil {
		return fmt.Errorf("record history of %s: %w", new.Code, err)
	}
	return nil
}

// History returns a school's versions, newest first.
func (r *Registry) History(ctx context.Context, sc scope.Scope, code string) ([]Change, error) {
	if _, err := r.Get(ctx, sc, code); err != nil {
		return nil, err
	}
	rows, err := r.DB.QueryContext(ctx, `SELECT version, action, changed_at, changed_by, reason, changes FROM school_history
		WHERE school_code = $1 ORDER BY version DESC`, code)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", code, err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var changes string
		if err := rows.Scan(&c.Version, &c.Action, &c.ChangedAt, &c.ChangedBy, &c.Reason, &changes); err != nil {
			return nil, fmt.Errorf("history of %s: %w", code, err)
		}
		c.ChangedAt = c.ChangedAt.UTC()
		if err := json.Unmarshal([]byte(changes), &c.Fields); err != nil {
			return nil, fmt.Errorf("history of %s, version %d: %w", code, c.Version, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Names returns every name the school has carried, the current one first.
func (r *Registry) Names(ctx context.Context, sc scope.Scope, code string) ([]Name, error) {
	if _, err := r.Get(ctx, sc, code); err != nil {
		return nil, err
	}
	rows, err := r.DB.QueryContext(ctx, `SELECT name, name_en, valid_from, COALESCE(valid_to, '') FROM school_name
		WHERE school_code = $1 ORDER BY valid_from DESC`, code)
	if err != nil {
		return nil, fmt.Errorf("names of %s: %w", code, err)
	}
	defer rows.Close()
	var out []Name
	for rows.Next() {
		var n Name
		if err := rows.Scan(&n.Name, &n.NameEN, &n.ValidFrom, &n.ValidTo); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Count is the number of schools of one type and ownership in one county.
type Count struct {
	County     string    `json:"county"`
	CountyName string    `json:"county_name"`
	Type       Type      `json:"type"`
	Ownership  Ownership `json:"ownership"`
	Schools    int       `json:"schools"`
	Capacity   int       `json:"capacity"`
}

// Counts returns the schools that are not closed in sc, by county, type and ownership.
func (r *Registry) Counts(ctx context.Context, sc scope.Scope) ([]Count, error) {
	clause, args := sc.SQL("s.county_code", "s.code", 1)
	rows, err := r.DB.QueryContext(ctx, `SELECT s.county_code, COALESCE(c.name, ''), s.type, s.ownership, COUNT(*), SUM(s.capacity)
		FROM school s LEFT JOIN area c ON c.code = s.county_code
		WHERE s.status <> 'closed' AND `+clause+`
		GROUP BY s.county_code, c.name, s.type, s.ownership ORDER BY s.county_code, s.type, s.ownership`, args...)
	if err != nil {
		return nil, fmt.Errorf("count schools: %w", err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.County, &c.CountyName, &c.Type, &c.Ownership, &c.Schools, &c.Capacity); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
