// Package enrol is the admission office's records in the database: the
// enrolment plans of every school (招生计划), the catchment zones (划片) and the
// children who apply for a place in primary 1 or junior 7, the computer
// lotteries of oversubscribed private schools and multi-school zones, and the
// senior-high placement (中考 平行志愿) from simulation to the published,
// immutable snapshot the public looks results up in.
//
// The rules are the pure packages admission (placement, explanations, the
// lottery) and catchment (zones, point-in-polygon, demand); this package
// stores their inputs and outputs, checks who may do what (scope and
// permissions), and writes every change with its audit entry in one
// transaction. Personal data of children (names, ID numbers, addresses, the
// point of the registered address) is encrypted with package pii.
package enrol

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/student"
)

// Office is the admission office on a database.
type Office struct {
	DB      *db.DB
	Audit   *audit.Log
	Schools *school.Registry
	// Keyring encrypts the children's personal data and computes the blind
	// indexes; without one, nothing personal can be written or read.
	Keyring *pii.Keyring
	// Students is the student registry, whose leavers become applicants
	// (ApplicantsFromRegistry); nil without a keyring.
	Students *student.Registry
	// Jurisdiction is the bureau's area code (e.g. 4304): the county of a
	// 中考 student whose junior school is not in the registry.
	Jurisdiction string
	Now          func() time.Time // injectable for tests

	sims simCache // the latest simulations' placements, for their explanations
}

// New returns the office on d.
func New(d *db.DB, schools *school.Registry, ring *pii.Keyring, jurisdiction string) *Office {
	o := &Office{DB: d, Audit: audit.New(d), Schools: schools, Keyring: ring, Jurisdiction: jurisdiction, Now: time.Now}
	if ring != nil {
		o.Students = student.New(d, ring)
		o.Students.Schools = schools
	}
	return o
}

func (o *Office) now() time.Time { return o.Now().UTC().Truncate(time.Microsecond) }

// Actor is who acts: for the audit log, what they may do, and which part of
// the jurisdiction they reach.
type Actor struct {
	audit.Actor
	Can   func(permission string) bool
	Scope scope.Scope
}

// ActorOf describes a signed-in user acting from ip in request requestID.
func ActorOf(u auth.User, ip, requestID string) Actor {
	return Actor{Actor: audit.ActorOf(u, ip, requestID), Can: u.Can, Scope: u.Scope()}
}

// System is the actor of the demo generator and of maintenance jobs.
func System(name, reason string) Actor {
	return Actor{Actor: audit.Actor{Username: name, Reason: reason}, Can: func(string) bool { return true }, Scope: scope.Everything}
}

func (a Actor) can(p string) bool { return a.Can != nil && a.Can(p) }

// mayRun refuses an actor without the permission to run admissions
// (plans, zones, applicants, lotteries).
func (a Actor) mayRun() error {
	if !a.can(auth.AdmissionEdit) {
		return fault.New(fault.Forbidden, "您没有办理招生的权限", "you may not run admissions")
	}
	return nil
}

// cityWide refuses an actor who does not reach the whole jurisdiction: the
// 中考 and its publication are the city's, not a county's.
func (a Actor) cityWide() error {
	if !a.Scope.All {
		return fault.New(fault.Forbidden, "只有全市范围的工作人员可以进行此操作", "only staff working city-wide may do this")
	}
	return nil
}

// record writes an audit entry in tx.
func (o *Office) record(ctx context.Context, tx db.Tx, by Actor, action, recordType, recordID, detail string, changes []audit.Change) error {
	return o.Audit.Record(ctx, tx, audit.Entry{Action: action, Outcome: audit.OK, RecordType: recordType, RecordID: recordID,
		Detail: detail, Changes: changes}.ByActor(by.Actor))
}

// Grades of entry the bureau admits to.
const (
	GradePrimary = 1  // 小学一年级
	GradeJunior  = 7  // 初中一年级
	GradeSenior  = 10 // 高中一年级 (中考)
)

// Grades lists the grades of entry.
var Grades = []int{GradePrimary, GradeJunior, GradeSenior}

// GradeName names a grade of entry.
func GradeName(g int) i18n.Text {
	switch g {
	case GradePrimary:
		return i18n.T("小学一年级", "Primary 1")
	case GradeJunior:
		return i18n.T("初中一年级", "Junior 7")
	case GradeSenior:
		return i18n.T("高中一年级", "Senior 10")
	}
	return i18n.T("%d 年级", "grade %d", g)
}

// Years of entry the office accepts.
const (
	MinYear = 2000
	MaxYear = 2100
)

func checkYear(v *fault.Validation, field string, y int) {
	if y < MinYear || y > MaxYear {
		v.Add(field, "年份 %d 应在 %d–%d 之间", "the year %d must be from %d to %d", y, MinYear, MaxYear)
	}
}

func checkGrade(v *fault.Validation, field string, g int, allowed ...int) {
	for _, a := range allowed {
		if g == a {
			return
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = strconv.Itoa(a)
	}
	v.Add(field, "年级 %d 无效，应为 %s", "grade %d is not one of %s", g, strings.Join(names, ", "))
}

// ParseYear reads a year parameter ("" gives def).
func ParseYear(s string, def int) (int, bool) {
	if strings.TrimSpace(s) == "" {
		return def, true
	}
	y, err := strconv.Atoi(strings.TrimSpace(s))
	return y, err == nil && y >= MinYear && y <= MaxYear
}

// ParseGrade reads a grade parameter among allowed ("" gives 0).
func ParseGrade(s string, allowed ...int) (int, bool) {
	if strings.TrimSpace(s) == "" {
		return 0, true
	}
	g, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	for _, a := range allowed {
		if g == a {
			return g, true
		}
	}
	return 0, false
}

// EntryYear is the year of entry the pages open on: the autumn intake being
// prepared — this year's until the end of August, next year's from September.
func EntryYear(now time.Time) int {
	now = now.In(time.FixedZone("CST", 8*3600))
	if now.Month() >= time.September {
		return now.Year() + 1
	}
	return now.Year()
}

// schoolInfo is what the office needs of a school from the registry.
type schoolInfo struct {
	Code, Name string
	Type       school.Type
	Ownership  school.Ownership
	County     string
	Status     school.Status
	Lng, Lat   *float64
}

func infoOf(s school.School) schoolInfo {
	return schoolInfo{Code: s.Code, Name: s.Name, Type: s.Type, Ownership: s.Ownership, County: s.County, Status: s.Status, Lng: s.Lng, Lat: s.Lat}
}

// teaches reports whether a school of this type teaches grade g.
func (s schoolInfo) teaches(g int) bool {
	ti, ok := s.Type.Info()
	return ok && ti.FirstGrade > 0 && ti.FirstGrade <= g && g <= ti.LastGrade
}

func (s schoolInfo) open() bool { return s.Status == school.Active || s.Status == school.Preparing }

// school looks up one school in the registry within sc.
func (o *Office) school(ctx context.Context, q db.Querier, sc scope.Scope, code string) (schoolInfo, error) {
	var s school.School
	var err error
	if tx, ok := q.(db.Tx); ok {
		s, err = o.Schools.GetTx(ctx, tx, sc, code)
	} else {
		s, err = o.Schools.Get(ctx, sc, code)
	}
	if err != nil {
		return schoolInfo{}, err
	}
	return infoOf(s), nil
}

// allSchools loads the registry (a few thousand rows) for checks over many
// codes at once: zone imports, plan imports, the 中考 cohort.
func (o *Office) allSchools(ctx context.Context) (map[string]schoolInfo, error) {
	out := map[string]schoolInfo{}
	err := o.Schools.Each(ctx, scope.Everything, school.Filter{}, func(s school.School) error {
		out[s.Code] = infoOf(s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the school registry: %w", err)
	}
	return out, nil
}

// SchoolNames maps school codes to names, for pages that show codes.
func (o *Office) SchoolNames(ctx context.Context) (map[string]string, error) {
	all, err := o.allSchools(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(all))
	for c, s := range all {
		out[c] = s.Name
	}
	return out, nil
}

// notFound is the answer for a record that does not exist or lies outside
// the caller's scope: the two look alike.
func notFound(what i18n.Text, id any) error {
	return &fault.Error{Kind: fault.NotFound, Msg: i18n.T("找不到%s %v", "no %s %v", what.ZH, id)}
}

// stale is the answer when the record changed since the caller read it.
func stale() error {
	return fault.New(fault.Conflict, "记录已被他人修改，请刷新后重试", "the record was changed by someone else; reload and try again")
}

// nullTime turns a zero time into NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// inList builds "$n, $n+1, …" for values, appending them to args.
func inList(values []string, args []any) (string, []any) {
	ph := make([]string, len(values))
	for i, v := range values {
		args = append(args, v)
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	return strings.Join(ph, ", "), args
}

// scopeSQL restricts countyCol/schoolCol to sc with placeholders after args.
func scopeSQL(sc scope.Scope, countyCol, schoolCol string, args []any) (string, []any) {
	cond, more := sc.SQL(countyCol, schoolCol, len(args)+1)
	return cond, append(args, more...)
}

// MaxPerPage caps a page of any list.
const MaxPerPage = 500

func pageOf(page, perPage int) (int, int) {
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 50
	}
	return page, min(perPage, MaxPerPage)
}

// limit is the LIMIT/OFFSET clause of a page.
func limit(page, perPage int) string {
	return fmt.Sprintf(" LIMIT %d OFFSET %d", perPage, (page-1)*perPage)
}

// faultf builds an error whose Chinese and English messages take different
// arguments (a state's name in each language).
func faultf(k fault.Kind, zh string, zhArgs []any, en string, enArgs []any) error {
	return &fault.Error{Kind: k, Msg: i18n.Text{ZH: fmt.Sprintf(zh, zhArgs...), EN: fmt.Sprintf(en, enArgs...)}}
}

// tt is a message whose two languages take different arguments.
func tt(zh string, zhArgs []any, en string, enArgs []any) i18n.Text {
	return i18n.Text{ZH: fmt.Sprintf(zh, zhArgs...), EN: fmt.Sprintf(en, enArgs...)}
}

// SchoolPoint is a school's name and position, for maps.
type SchoolPoint struct {
	Name     string
	Lng, Lat *float64
}

// SchoolPoints maps every school's code to its name and position.
func (o *Office) SchoolPoints(ctx context.Context) (map[string]SchoolPoint, error) {
	all, err := o.allSchools(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]SchoolPoint, len(all))
	for c, s := range all {
		out[c] = SchoolPoint{Name: s.Name, Lng: s.Lng, Lat: s.Lat}
	}
	return out, nil
}

// viaZones is the condition that a record lies in sc: its county (countyCol),
// its own school (schoolCol, "" when none), or a school of its zone
// (zoneCol, "" when none) — a school's administrator or an inspector
// assigned to a school sees the children of that school's zones.
func viaZones(sc scope.Scope, countyCol, schoolCol, zoneCol string, args []any) (string, []any) {
	if sc.All {
		return "1=1", args
	}
	var parts []string
	if len(sc.Areas) > 0 {
		c, a := scopeSQL(scope.Scope{Areas: sc.Areas}, countyCol, "", args)
		parts, args = append(parts, c), a
	}
	if len(sc.Schools) > 0 {
		if schoolCol != "" {
			ph, a := inList(sc.Schools, args)
			parts, args = append(parts, schoolCol+" IN ("+ph+")"), a
		}
		if zoneCol != "" {
			ph, a := inList(sc.Schools, args)
			parts, args = append(parts, `EXISTS (SELECT 1 FROM catchment_zone_school vz WHERE vz.zone_id = `+zoneCol+` AND vz.school_code IN (`+ph+`))`), a
		}
	}
	if len(parts) == 0 {
		return "1=0", args
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// condAdder returns the function a list's query adds a condition with: its
// "?" becomes the next placeholder, and its value is appended to args.
func condAdder(conds *[]string, args *[]any) func(cond string, v any) {
	return func(cond string, v any) {
		*args = append(*args, v)
		*conds = append(*conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(*args))))
	}
}
