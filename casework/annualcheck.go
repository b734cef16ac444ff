package casework

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/calendar"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

// DefaultAnnualReviewDays is the working days the bureau gives itself to
// review a school's self-report, and again to re-check a rectification. No
// law sets it: it is the bureau's own working rule (年检工作方案); set
// Config.AnnualReviewDays to the city's.
const DefaultAnnualReviewDays = 20

// annualCheck is the annual check (年度检查) of a private school, one case per
// school and year, opened for every private school at once by
// StartAnnualCheck:
//
//	notified: the school reports by the day the bureau set (report_due)
//	  ──submit_report (the self-report's figures, the report and the audited accounts)──▶ submitted
//	  ──not_submitted (after report_due)──▶ rectifying: not reported in time counts as failed
//	submitted: the bureau reviews within reviewDays WD; asking for more stops the clock
//	  ──request_supplement──▶ awaiting_supplement ──supplement──▶ submitted (the clock resumes)
//	  ──pass──▶ passed · ──basic_pass (issues to fix)──▶ basic_passed · ──fail──▶ rectifying
//	rectifying: by the day the rectification notice sets (rectify_by), extendable once by ≤ 30 days
//	  ──submit_rectification──▶ rechecking (reviewDays WD) ──recheck_pass──▶ rectified
//	                                                       ──recheck_fail──▶ failed (measures)
func annualCheck(reviewDays int) Type {
	if reviewDays <= 0 {
		reviewDays = DefaultAnnualReviewDays
	}
	wd, cd := calendar.Workdays, calendar.CalendarDays
	own := i18n.T("本局年检工作方案", "the bureau's annual-check rules")
	review := []string{"review_opinion"}
	return Type{
		Code:           AnnualCheck,
		Name:           i18n.T("民办学校年度检查", "Annual check of a private school"),
		Section:        "schools",
		OpenPermission: edit,
		OpenFields:     []string{"check_year", "report_due"},
		Fields: []Field{
			{Name: "check_year", Label: i18n.T("检查年度", "Year checked"), Kind: Number},
			{Name: "report_due", Label: i18n.T("自查材料报送截止日", "Self-report due"), Kind: DateField},
			// The self-report.
			{Name: "students", Label: i18n.T("在校生数", "Students enrolled"), Kind: Number},
			{Name: "staff", Label: i18n.T("教职工数", "Staff"), Kind: Number},
			{Name: "teachers_certified", Label: i18n.T("持教师资格证的专任教师数", "Certified full-time teachers"), Kind: Number},
			{Name: "income", Label: i18n.T("年度收入（元）", "Income of the year (yuan)"), Kind: Number},
			{Name: "expenditure", Label: i18n.T("年度支出（元）", "Expenditure of the year (yuan)"), Kind: Number},
			{Name: "net_assets", Label: i18n.T("年末净资产（元）", "Net assets at year end (yuan)"), Kind: Number},
			{Name: "safety_incidents", Label: i18n.T("安全责任事故（起）", "Safety incidents"), Kind: Number},
			fieldItems, fieldApprovedBy,
			{Name: "issues", Label: i18n.T("存在问题及整改要求", "Issues and what to fix")},
			{Name: "rectify_by", Label: i18n.T("整改期限", "Rectify by"), Kind: DateField},
			{Name: "extension_days", Label: i18n.T("延长日数", "Days of extension"), Kind: Number},
			{Name: "measures", Label: i18n.T("处理措施", "Measures taken")},
		},
		Documents: []DocKind{
			{"self_report", i18n.T("年检自查报告", "Self-report")},
			{"financial_audit", i18n.T("年度财务审计报告", "Audited accounts")},
			docSupplement,
			{"review_opinion", i18n.T("年检结论通知书", "Notice of the result")},
			{"rectification_notice", i18n.T("责令整改通知书", "Rectification notice")},
			{"rectification_report", i18n.T("整改报告", "Rectification report")},
			docExtension,
			{"recheck_opinion", i18n.T("复查意见书", "Re-check opinion")},
		},
		Rules: []Rule{
			{Code: "self_report", Name: i18n.T("报送自查材料", "self-report"), Fixed: true, DueField: "report_due", OtherParty: true,
				Basis: i18n.T("本局年检通知确定的报送期限", "the deadline the bureau's notice set")},
			{Code: "review", Name: i18n.T("年检审核", "review"), N: reviewDays, Unit: wd, Basis: own},
			{Code: "rectification", Name: i18n.T("限期整改", "rectification"), Fixed: true, DueField: "rectify_by", OtherParty: true,
				Extension: 30, Unit: cd, Basis: i18n.T("责令整改通知书确定的期限", "the deadline the rectification notice set")},
			{Code: "recheck", Name: i18n.T("整改复查", "re-check"), N: reviewDays, Unit: wd, Basis: own},
		},
		States: []State{
			{Code: "notified", Name: i18n.T("待报送自查材料", "Awaiting the self-report"), Initial: true, Clock: "self_report"},
			{Code: "submitted", Name: i18n.T("审核中", "Under review"), Clock: "review"},
			{Code: "awaiting_supplement", Name: i18n.T("待补充材料", "Awaiting more material")},
			{Code: "passed", Name: i18n.T("合格", "Passed"), Final: true},
			{Code: "basic_passed", Name: i18n.T("基本合格", "Basically passed"), Final: true},
			{Code: "rectifying", Name: i18n.T("限期整改中", "Rectifying"), Clock: "rectification"},
			{Code: "rechecking", Name: i18n.T("整改复查中", "Re-check"), Clock: "recheck"},
			{Code: "rectified", Name: i18n.T("整改后合格", "Passed after rectification"), Final: true},
			{Code: "failed", Name: i18n.T("不合格", "Failed"), Final: true},
			{Code: "cancelled", Name: i18n.T("已撤销", "Cancelled"), Final: true},
		},
		Transitions: []Transition{
			{Code: "submit_report", Name: i18n.T("学校报送自查材料", "Self-report received"), From: []string{"notified"}, To: "submitted",
				Permission: edit, Fields: []string{"students", "staff", "teachers_certified", "income", "expenditure", "net_assets"},
				Optional: []string{"safety_incidents"}, Documents: []string{"self_report", "financial_audit"}, Start: "review"},
			{Code: "not_submitted", Name: i18n.T("逾期未报送，年检不合格并责令整改", "Not reported in time: failed, rectification ordered"),
				From: []string{"notified"}, To: "rectifying", Permission: edit, AfterClock: true,
				Fields: []string{"issues", "rectify_by"}, Documents: []string{"rectification_notice"}, Start: "rectification"},
			{Code: "request_supplement", Name: i18n.T("通知补充材料", "Ask for more material"), From: []string{"submitted"}, To: "awaiting_supplement",
				Permission: edit, Fields: []string{"items"}, Documents: []string{"supplement_notice"}, Stop: "review"},
			{Code: "supplement", Name: i18n.T("学校补充材料", "Material supplemented"), From: []string{"awaiting_supplement"}, To: "submitted",
				Permission: edit, Resume: "review",
				Optional: []string{"students", "staff", "teachers_certified", "income", "expenditure", "net_assets", "safety_incidents"}},
			{Code: "pass", Name: i18n.T("年检合格", "Passed"), From: []string{"submitted"}, To: "passed",
				Permission: edit, Documents: review},
			{Code: "basic_pass", Name: i18n.T("年检基本合格", "Basically passed"), From: []string{"submitted"}, To: "basic_passed",
				Permission: edit, Fields: []string{"issues"}, Documents: review},
			{Code: "fail", Name: i18n.T("年检不合格，责令限期整改", "Failed: rectification ordered"), From: []string{"submitted"}, To: "rectifying",
				Permission: edit, Fields: []string{"issues", "rectify_by"}, Documents: []string{"rectification_notice"}, Start: "rectification"},
			{Code: "extend_rectification", Name: i18n.T("批准延长整改期限（一次，至多三十日）", "Extend the rectification once (at most 30 days)"),
				From: []string{"rectifying"}, To: "rectifying", Permission: ApprovePermission, WithinClock: true,
				Fields: []string{"approved_by"}, Documents: []string{"extension_approval"}, Extend: "rectification", ExtensionField: "extension_days"},
			{Code: "submit_rectification", Name: i18n.T("学校报送整改报告", "Rectification report received"), From: []string{"rectifying"}, To: "rechecking",
				Permission: edit, Documents: []string{"rectification_report"}, Start: "recheck"},
			{Code: "recheck_pass", Name: i18n.T("复查合格", "Re-check passed"), From: []string{"rechecking"}, To: "rectified",
				Permission: edit, Documents: []string{"recheck_opinion"}},
			{Code: "recheck_fail", Name: i18n.T("复查不合格", "Re-check failed"), From: []string{"rechecking"}, To: "failed",
				Permission: edit, Fields: []string{"measures"}, Documents: []string{"recheck_opinion"}},
			{Code: "cancel", Name: i18n.T("撤销年检（学校终止办学等）", "Cancel (the school closed…)"),
				From: []string{"notified", "submitted", "awaiting_supplement"}, To: "cancelled", Permission: edit, NeedReason: true},
		},
	}
}

// The annual check's results, as the batch page counts them.
const (
	CheckPass      = "pass"
	CheckBasicPass = "basic_pass"
	CheckFail      = "fail"
)

func init() {
	set := func(col, val string) builtinHook {
		return func(ctx context.Context, e *Engine, tx db.Tx, c Case, ev Event, by Actor) error {
			if _, err := tx.ExecContext(ctx, `UPDATE annual_check SET `+col+` = $2 WHERE case_id = $1`, c.ID, val); err != nil {
				return fmt.Errorf("record the annual check result of %s: %w", c.Number, err)
			}
			return nil
		}
	}
	for step, r := range map[string][2]string{
		"pass": {"result", CheckPass}, "basic_pass": {"result", CheckBasicPass}, "fail": {"result", CheckFail},
		"not_submitted": {"result", CheckFail}, "recheck_pass": {"recheck", CheckPass}, "recheck_fail": {"recheck", CheckFail},
	} {
		builtinHooks[AnnualCheck+"/"+step] = set(r[0], r[1])
	}
}

// CheckPlan is what starting a year's check would do in a scope.
type CheckPlan struct {
	Year     int
	Schools  int // the private schools in scope (active or suspended)
	Existing int // of them, those whose check of the year is open already
	ToOpen   int
}

// CheckStart is one start of a year's check, as recorded.
type CheckStart struct {
	Year             int
	Area             string
	ReportDue        calendar.Date
	Opened, Existing int
	StartedAt        string // China Standard Time, to the minute
	StartedBy        string
}

// annualCheckSchools lists the private schools a year's check covers in sc:
// running (active) or suspended, of every type — a school in preparation is
// not running yet, a closed one no longer.
func annualCheckSchools(ctx context.Context, reg *school.Registry, sc scope.Scope) ([]school.School, error) {
	var out []school.School
	for _, st := range []school.Status{school.Active, school.Suspended} {
		err := reg.Each(ctx, sc, school.Filter{Ownership: school.Private, Status: st}, func(s school.School) error {
			out = append(out, s)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func checkYear(year int, today calendar.Date) error {
	if year < 2000 || year > today.Year() {
		var v fault.Validation
		v.Add("year", "检查年度应为 2000–%d 年", "the year checked must be from 2000 to %d", today.Year())
		return v.Err()
	}
	return nil
}

// PlanAnnualCheck says how many schools starting year's check in by's scope
// would open a case for, without opening any: what the confirmation shows.
func (e *Engine) PlanAnnualCheck(ctx context.Context, reg *school.Registry, year int, by Actor) (CheckPlan, error) {
	if err := checkYear(year, e.Today()); err != nil {
		return CheckPlan{}, err
	}
	schools, err := annualCheckSchools(ctx, reg, by.Scope)
	if err != nil {
		return CheckPlan{}, err
	}
	have, err := e.checkedSchools(ctx, e.DB, year)
	if err != nil {
		return CheckPlan{}, err
	}
	p := CheckPlan{Year: year, Schools: len(schools)}
	for _, s := range schools {
		if have[s.Code] {
			p.Existing++
		}
	}
	p.ToOpen = p.Schools - p.Existing
	return p, nil
}

func (e *Engine) checkedSchools(ctx context.Context, q db.Querier, year int) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT school_code FROM annual_check WHERE year = $1`, year)
	if err != nil {
		return nil, fmt.Errorf("read the annual checks of %d: %w", year, err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		have[code] = true
	}
	return have, rows.Err()
}

// StartAnnualCheck opens the annual check of year for every private school
// in by's scope that has none yet, in one transaction: all of them or, on any
// failure, none. Starting again opens cases only for schools added since, so
// a second start never duplicates one. The schools report by reportDue.
func (e *Engine) StartAnnualCheck(ctx context.Context, reg *school.Registry, year int, reportDue calendar.Date, by Actor) (CheckStart, error) {
	t, err := e.typeOf(AnnualCheck)
	if err != nil {
		return CheckStart{}, err
	}
	if !by.can(t.OpenPermission) {
		return CheckStart{}, failure(fault.Forbidden, "您无权登记%s", "you may not open a case of type %s", t.Name)
	}
	today := e.Today()
	var v fault.Validation
	if err := checkYear(year, today); err != nil {
		v.Fields = append(v.Fields, fault.As(err).Fields...)
	}
	switch {
	case reportDue.IsZero():
		v.Add("report_due", "请填写自查材料报送截止日", "the self-report's due date is required")
	case !reportDue.After(today):
		v.Add("report_due", "报送截止日 %s 应晚于今天（%s）", "the due date %s must be after today (%s)", reportDue, today)
	case calendar.DaysBetween(today, reportDue) > 366:
		v.Add("report_due", "报送截止日 %s 距今超过一年", "the due date %s is more than a year away", reportDue)
	}
	if err := v.Err(); err != nil {
		return CheckStart{}, err
	}
	schools, err := annualCheckSchools(ctx, reg, by.Scope)
	if err != nil {
		return CheckStart{}, err
	}
	out := CheckStart{Year: year, ReportDue: reportDue, StartedBy: by.Username}
	if len(by.Scope.Areas) == 1 && !by.Scope.All {
		out.Area = by.Scope.Areas[0]
	}
	now := e.now()
	out.StartedAt = now.In(beijing).Format("2006-01-02 15:04")
	err = e.DB.InTx(ctx, func(tx db.Tx) error {
		have, err := e.checkedSchools(ctx, tx, year)
		if err != nil {
			return err
		}
		for _, s := range schools {
			if have[s.Code] {
				out.Existing++
				continue
			}
			in := OpenInput{ApplicantName: s.Name, SchoolCode: s.Code, CountyCode: s.County, ReceivedOn: today,
				Subject: text("%d 年度民办学校年检：%s", "Annual check %d: %s", year, s.Name).ZH,
				Fields:  map[string]string{"check_year": strconv.Itoa(year), "report_due": reportDue.String()}}
			c, err := e.OpenTx(ctx, tx, AnnualCheck, in, by)
			if err != nil {
				return fmt.Errorf("open the annual check of %s %s: %w", s.Code, s.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO annual_check (year, school_code, county_code, school_name, case_id)
				VALUES ($1, $2, $3, $4, $5)`, year, s.Code, s.County, s.Name, c.ID); err != nil {
				if db.IsUniqueViolation(err) {
					return fault.New(fault.Conflict, "%d 年度年检正由他人同时启动，请稍后重试", "the %d check is being started by someone else at the same time; try again", year)
				}
				return fmt.Errorf("record the annual check of %s: %w", s.Code, err)
			}
			out.Opened++
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO annual_check_start (id, year, area, report_due, opened, existing, started_at, started_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, db.NewID(), year, out.Area, reportDue.String(), out.Opened, out.Existing,
			now, by.Username); err != nil {
			return fmt.Errorf("record the start of the %d check: %w", year, err)
		}
		return e.Audit.Record(ctx, tx, audit.Entry{Action: "annual_check.start", RecordType: "annual_check", RecordID: strconv.Itoa(year),
			Detail: fmt.Sprintf("year %d area %s: %d opened, %d had one; report due %s", year, dashIfEmpty(out.Area), out.Opened,
				out.Existing, reportDue)}.ByActor(by.Actor))
	})
	if err != nil {
		return CheckStart{}, err
	}
	return out, nil
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// CheckStarts lists the starts of year's check, newest first.
func (e *Engine) CheckStarts(ctx context.Context, year int) ([]CheckStart, error) {
	rows, err := e.DB.QueryContext(ctx, `SELECT year, area, report_due, opened, existing, started_at, started_by
		FROM annual_check_start WHERE year = $1 ORDER BY started_at DESC, id DESC`, year)
	if err != nil {
		return nil, fmt.Errorf("read the starts of the %d check: %w", year, err)
	}
	defer rows.Close()
	var out []CheckStart
	for rows.Next() {
		var s CheckStart
		var due string
		var at time.Time
		if err := rows.Scan(&s.Year, &s.Area, &due, &s.Opened, &s.Existing, &at, &s.StartedBy); err != nil {
			return nil, err
		}
		if s.ReportDue, err = calendar.ParseDate(due); err != nil {
			return nil, err
		}
		s.StartedAt = at.In(beijing).Format("2006-01-02 15:04")
		out = append(out, s)
	}
	return out, rows.Err()
}

// CheckProgress is where a year's check stands in a scope.
type CheckProgress struct {
	Year    int
	Total   int
	ByState map[string]int // the cases' states
	// ByResult counts the review's results: pass, basic_pass, fail, and ""
	// for the schools not concluded yet. Rectified and Failed count the
	// failed schools' re-checks.
	ByResult          map[string]int
	Rectified, Failed int
}

// AnnualCheckProgress counts year's checks in sc by state and result.
func (e *Engine) AnnualCheckProgress(ctx context.Context, sc scope.Scope, year int) (CheckProgress, error) {
	where, args := sc.SQL("a.county_code", "a.school_code", 2)
	rows, err := e.DB.QueryContext(ctx, `SELECT c.state, a.result, a.recheck, count(*) FROM annual_check a
		JOIN case_file c ON c.id = a.case_id WHERE a.year = $1 AND `+where+` GROUP BY c.state, a.result, a.recheck`,
		append([]any{year}, args...)...)
	if err != nil {
		return CheckProgress{}, fmt.Errorf("count the %d checks: %w", year, err)
	}
	defer rows.Close()
	p := CheckProgress{Year: year, ByState: map[string]int{}, ByResult: map[string]int{}}
	for rows.Next() {
		var state, result, recheck string
		var n int
		if err := rows.Scan(&state, &result, &recheck, &n); err != nil {
			return CheckProgress{}, err
		}
		p.Total += n
		p.ByState[state] += n
		p.ByResult[result] += n
		switch recheck {
		case CheckPass:
			p.Rectified += n
		case CheckFail:
			p.Failed += n
		}
	}
	return p, rows.Err()
}

// CheckFilter selects a year's checks for the batch page.
type CheckFilter struct {
	Year    int
	State   string // a state of the annual check
	Result  string // pass | basic_pass | fail | pending
	County  string // an area code: everything under it
	Query   string // part of the school's name or identifier
	Page    int
	PerPage int
}

// CheckRow is one school's check of the year.
type CheckRow struct {
	SchoolCode, SchoolName, County string
	Result, Recheck                string
	Case                           Case
}

func (f *CheckFilter) check() error {
	var v fault.Validation
	t := annualCheck(0)
	if f.State != "" {
		if _, ok := t.State(f.State); !ok {
			v.Add("state", "没有状态 %q", "there is no state %q", f.State)
		}
	}
	switch f.Result {
	case "", CheckPass, CheckBasicPass, CheckFail, "pending":
	default:
		v.Add("result", "年检结论 %q 无效", "unknown result %q", f.Result)
	}
	if f.County != "" {
		if _, ok := area.Normalize(f.County); !ok {
			v.Add("county", "区划代码 %q 格式不正确", "area code %q is malformed", f.County)
		}
	}
	if len([]rune(f.Query)) > 100 {
		v.Add("q", "搜索词过长", "the search text is too long")
	}
	return v.Err()
}

func (f CheckFilter) where(sc scope.Scope) (string, []any) {
	args := []any{f.Year}
	conds := []string{"a.year = $1"}
	add := func(cond string, val any) {
		args = append(args, val)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.State != "" {
		add("c.state = ?", f.State)
	}
	switch f.Result {
	case "pending":
		conds = append(conds, "a.result = ''")
	case "":
	default:
		add("a.result = ?", f.Result)
	}
	if f.County != "" {
		n, _ := area.Normalize(f.County)
		lo, hi := area.Range(n)
		add("a.county_code >= ?", lo)
		add("a.county_code < ?", hi)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		q = "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		args = append(args, q)
		n := len(args)
		conds = append(conds, fmt.Sprintf(`(LOWER(a.school_name) LIKE $%d ESCAPE '\' OR a.school_code LIKE $%d ESCAPE '\')`, n, n))
	}
	where, sargs := sc.SQL("a.county_code", "a.school_code", len(args)+1)
	return strings.Join(append(conds, where), " AND "), append(args, sargs...)
}

var checkCols = caseColsC + `, a.school_code, a.school_name, a.county_code, a.result, a.recheck`

// caseColsC is caseCols of case_file aliased c.
var caseColsC = func() string {
	parts := strings.Split(caseCols, ",")
	for i, p := range parts {
		parts[i] = "c." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}()

// AnnualChecks pages through a year's checks in sc by county and school.
func (e *Engine) AnnualChecks(ctx context.Context, sc scope.Scope, f CheckFilter) ([]CheckRow, int, error) {
	if err := f.check(); err != nil {
		return nil, 0, err
	}
	page, perPage := pageOf(f.Page, f.PerPage)
	where, args := f.where(sc)
	from := ` FROM annual_check a JOIN case_file c ON c.id = a.case_id WHERE ` + where
	var total int
	if err := e.DB.QueryRowContext(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count the annual checks: %w", err)
	}
	var out []CheckRow
	err := e.eachCheck(ctx, `SELECT `+checkCols+from+fmt.Sprintf(` ORDER BY a.county_code, a.school_code LIMIT %d OFFSET %d`,
		perPage, (page-1)*perPage), args, func(r CheckRow) error { out = append(out, r); return nil })
	return out, total, err
}

// EachAnnualCheck calls fn for every check of the year in sc matching f, by
// county and school, without loading them all (the export).
func (e *Engine) EachAnnualCheck(ctx context.Context, sc scope.Scope, f CheckFilter, fn func(CheckRow) error) error {
	if err := f.check(); err != nil {
		return err
	}
	where, args := f.where(sc)
	return e.eachCheck(ctx, `SELECT `+checkCols+` FROM annual_check a JOIN case_file c ON c.id = a.case_id WHERE `+where+
		` ORDER BY a.county_code, a.school_code`, args, fn)
}

func (e *Engine) eachCheck(ctx context.Context, q string, args []any, fn func(CheckRow) error) error {
	rows, err := e.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list the annual checks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r CheckRow
		c, err := scanCase(rows, &r.SchoolCode, &r.SchoolName, &r.County, &r.Result, &r.Recheck)
		if err != nil {
			return fmt.Errorf("list the annual checks: %w", err)
		}
		r.Case = c
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CheckYears lists the years whose check has been started, newest first.
func (e *Engine) CheckYears(ctx context.Context) ([]int, error) {
	rows, err := e.DB.QueryContext(ctx, `SELECT DISTINCT year FROM annual_check_start ORDER BY year DESC`)
	if err != nil {
		return nil, fmt.Errorf("read the years checked: %w", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, rows.Err()
}
