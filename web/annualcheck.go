package web

// The annual check of private schools (年检) as a batch: the year's progress
// (counts by state and result, a chart), the list with filters, the export
// to Excel, and starting the year's check after a confirmation that says how
// many cases it will open.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

func init() {
	addFeature(feature{
		pages: []string{"annual_check"},
		nav:   []NavItem{{Key: "nav.annual_check", Href: "/annual-check", Permission: auth.CaseView, Order: 51}},
		routes: func(ui *UI) []httpx.Route {
			return []httpx.Route{
				{Method: "GET", Pattern: "/annual-check", Access: httpx.SignedIn, Permission: auth.CaseView, Handler: ui.annualCheckPage},
				{Method: "GET", Pattern: "/annual-check/export.xlsx", Access: httpx.SignedIn, Permission: auth.CaseView, Handler: ui.annualCheckExport},
				{Method: "POST", Pattern: "/annual-check/start", Access: httpx.SignedIn, Permission: auth.CaseEdit, Handler: ui.annualCheckStart},
			}
		},
	})
}

// checkPerPage is a page of the batch list.
const checkPerPage = 50

type checkFigure struct {
	ID, Label string
	Count     int
	Href      string
	Class     string
}

type checkRowView struct {
	caseRow
	SchoolCode, SchoolName, County string
	Result, ResultCode             string
	Recheck                        string
}

type checkStartView struct {
	Area, ReportDue, StartedAt, StartedBy string
	Opened, Existing                      int
}

// startForm is the form that starts a year's check, with its problems.
type startForm struct {
	Year, ReportDue string
	Errors          map[string][]string
	Message         string
	Other           []string
}

type checkConfirm struct {
	Year, ReportDue string
	Plan            casework.CheckPlan
}

type checkPageData struct {
	Year       int
	Years      []option
	States     []option
	Results    []option
	Counties   []option
	Q          string
	Figures    []checkFigure
	StateRows  []checkFigure
	Chart      map[string]any
	Starts     []checkStartView
	Rows       []checkRowView
	Total      int
	Errors     []string
	ExportHref string
	CanStart   bool
	Start      startForm
	Confirm    *checkConfirm
	pager
}

// checkQuery reads the batch page's query: the year (default: the latest
// started, else last year) and the filters.
func (ui *UI) checkQuery(r *http.Request, e *casework.Engine, q url.Values) (casework.CheckFilter, []int, error) {
	var v fault.Validation
	today := e.Today()
	years, err := e.CheckYears(r.Context())
	if err != nil {
		return casework.CheckFilter{}, nil, err
	}
	f := casework.CheckFilter{State: q.Get("state"), Result: q.Get("result"), County: q.Get("county"), Query: strings.TrimSpace(q.Get("q")),
		PerPage: checkPerPage}
	switch s := q.Get("year"); {
	case s != "":
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > today.Year() {
			v.Add("year", "年度 %q 应为 2000–%d", "the year %q must be from 2000 to %d", s, today.Year())
		}
		f.Year = y
	case len(years) > 0:
		f.Year = years[0]
	default:
		f.Year = today.Year() - 1
	}
	f.Page, _ = parsePage(&v, q.Get("page"), "", 0)
	return f, years, v.Err()
}

// annualCheckPage is GET /annual-check?year=…&state=…&result=…&county=…&q=…&page=….
func (ui *UI) annualCheckPage(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	f, years, err := ui.checkQuery(r, e, r.URL.Query())
	if err != nil && fault.KindOf(err) != fault.Invalid {
		ui.Fail(w, r, err)
		return
	}
	today := e.Today()
	form := startForm{Year: strconv.Itoa(today.Year() - 1), ReportDue: today.AddDays(30).String()}
	ui.renderCheckPage(w, r, u, e, f, years, err, form, nil, http.StatusOK)
}

func (ui *UI) renderCheckPage(w http.ResponseWriter, r *http.Request, u auth.User, e *casework.Engine, f casework.CheckFilter,
	years []int, queryErr error, form startForm, confirm *checkConfirm, status int) {
	ctx, l := r.Context(), i18n.FromRequest(r)
	sc := u.Scope()
	t, _ := e.Type(casework.AnnualCheck)
	d := &checkPageData{Year: f.Year, Q: f.Query, CanStart: u.Can(auth.CaseEdit), Start: form, Confirm: confirm}
	if queryErr != nil {
		status = http.StatusBadRequest
		for _, x := range fault.As(queryErr).Fields {
			d.Errors = append(d.Errors, fieldProblem(l, x))
		}
		f = casework.CheckFilter{Year: f.Year, PerPage: checkPerPage}
		if f.Year < 2000 || f.Year > e.Today().Year() {
			f.Year = e.Today().Year() - 1
		}
		d.Year = f.Year
	}
	yearSet := map[int]bool{e.Today().Year(): true, e.Today().Year() - 1: true, f.Year: true}
	for _, y := range years {
		yearSet[y] = true
	}
	var ys []int
	for y := range yearSet {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	slices.Reverse(ys)
	for _, y := range ys {
		d.Years = append(d.Years, option{Value: strconv.Itoa(y), Label: i18n.Trf(l, "check.year_option", y), Selected: y == f.Year})
	}
	for _, st := range t.States {
		d.States = append(d.States, option{Value: st.Code, Label: st.Name.In(l), Selected: st.Code == f.State})
	}
	for _, res := range []string{casework.CheckPass, casework.CheckBasicPass, casework.CheckFail, "pending"} {
		d.Results = append(d.Results, option{Value: res, Label: i18n.Tr(l, "check.result."+res), Selected: res == f.Result})
	}
	counties, err := ui.counties(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, a := range counties {
		if sc.Reaches(a.Code, "") || sc.All {
			d.Counties = append(d.Counties, option{Value: a.Code, Label: a.Name, Selected: a.Code == f.County})
		}
	}

	p, err := e.AnnualCheckProgress(ctx, sc, f.Year)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	link := func(kv ...string) string {
		vals := url.Values{"year": {strconv.Itoa(f.Year)}}
		for i := 0; i+1 < len(kv); i += 2 {
			vals.Set(kv[i], kv[i+1])
		}
		return "/annual-check?" + vals.Encode()
	}
	d.Figures = []checkFigure{
		{ID: "total", Label: i18n.Tr(l, "check.total"), Count: p.Total, Href: link()},
		{ID: "pending", Label: i18n.Tr(l, "check.result.pending"), Count: p.ByResult[""], Href: link("result", "pending")},
		{ID: "pass", Label: i18n.Tr(l, "check.result.pass"), Count: p.ByResult[casework.CheckPass], Href: link("result", casework.CheckPass), Class: "check-result-pass"},
		{ID: "basic_pass", Label: i18n.Tr(l, "check.result.basic_pass"), Count: p.ByResult[casework.CheckBasicPass], Href: link("result", casework.CheckBasicPass), Class: "check-result-basic_pass"},
		{ID: "fail", Label: i18n.Tr(l, "check.result.fail"), Count: p.ByResult[casework.CheckFail], Href: link("result", casework.CheckFail), Class: "check-result-fail"},
		{ID: "rectified", Label: i18n.Tr(l, "check.rectified"), Count: p.Rectified, Href: link("state", "rectified")},
		{ID: "failed", Label: i18n.Tr(l, "check.failed_final"), Count: p.Failed, Href: link("state", "failed")},
	}
	var pie []any
	for _, st := range t.States {
		if n := p.ByState[st.Code]; n > 0 {
			d.StateRows = append(d.StateRows, checkFigure{ID: st.Code, Label: st.Name.In(l), Count: n, Href: link("state", st.Code)})
			pie = append(pie, map[string]any{"name": st.Name.In(l), "value": n})
		}
	}
	if len(pie) > 0 {
		d.Chart = map[string]any{
			"color": palette, "aria": map[string]any{"enabled": true},
			"tooltip": map[string]any{"trigger": "item"},
			"legend":  map[string]any{"type": "scroll", "bottom": 0},
			"series": []any{map[string]any{"name": i18n.Tr(l, "check.by_state"), "type": "pie", "radius": []string{"40%", "70%"},
				"label": map[string]any{"formatter": "{b}: {c}"}, "data": pie}},
		}
	}
	starts, err := e.CheckStarts(ctx, f.Year)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, s := range starts {
		areaName := i18n.Tr(l, "check.area_all")
		if s.Area != "" {
			areaName = s.Area
			if a, ok := area.Lookup(s.Area); ok {
				areaName = a.Name
			}
		}
		d.Starts = append(d.Starts, checkStartView{Area: areaName, ReportDue: s.ReportDue.String(), StartedAt: s.StartedAt,
			StartedBy: s.StartedBy, Opened: s.Opened, Existing: s.Existing})
	}
	rows, total, err := e.AnnualChecks(ctx, sc, f)
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			ui.Fail(w, r, err)
			return
		}
		status = http.StatusBadRequest
		for _, x := range fault.As(err).Fields {
			d.Errors = append(d.Errors, fieldProblem(l, x))
		}
	}
	d.Total = total
	for _, row := range rows {
		d.Rows = append(d.Rows, ui.checkRowOf(l, e, row))
	}
	filters := map[string]string{"year": strconv.Itoa(f.Year), "state": f.State, "result": f.Result, "county": f.County, "q": f.Query}
	d.pager = queryPager("/annual-check", filters, f.Page, checkPerPage, total)
	exp := url.Values{}
	for k, v := range filters {
		if v != "" {
			exp.Set(k, v)
		}
	}
	d.ExportHref = "/annual-check/export.xlsx?" + exp.Encode()
	pg := ui.newPage(r, i18n.Trf(l, "check.title", f.Year), d)
	pg.Charts = d.Chart != nil
	ui.render(w, r, status, "annual_check", pg)
}

func (ui *UI) checkRowOf(l i18n.Lang, e *casework.Engine, row casework.CheckRow) checkRowView {
	v := checkRowView{caseRow: ui.caseRowOf(l, e, row.Case), SchoolCode: row.SchoolCode, SchoolName: row.SchoolName,
		County: row.County, ResultCode: row.Result}
	if a, ok := area.Lookup(row.County); ok {
		v.County = a.Name
	}
	if row.Result != "" {
		v.Result = i18n.Tr(l, "check.result."+row.Result)
	}
	if row.Recheck != "" {
		v.Recheck = i18n.Tr(l, "check.recheck."+row.Recheck)
	}
	return v
}

// annualCheckStart is POST /annual-check/start: without confirm=yes it shows
// what the start would do and asks to confirm; with it, it opens the year's
// cases and goes back to the batch page.
func (ui *UI) annualCheckStart(w http.ResponseWriter, r *http.Request) {
	u, ok := ui.formUser(w, r)
	if !ok {
		return
	}
	e, err := ui.engine()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, l := r.Context(), i18n.FromRequest(r)
	form := startForm{Year: strings.TrimSpace(r.PostForm.Get("year")), ReportDue: strings.TrimSpace(r.PostForm.Get("report_due")),
		Errors: map[string][]string{}}
	var v fault.Validation
	year, yerr := strconv.Atoi(form.Year)
	if yerr != nil {
		v.Add("year", "请填写检查年度（如 %d）", "give the year checked (such as %d)", e.Today().Year()-1)
	}
	due, derr := calendar.ParseDate(form.ReportDue)
	if derr != nil {
		v.Add("report_due", "请填写报送截止日（YYYY-MM-DD）", "give the self-report's due date (YYYY-MM-DD)")
	}
	by := casework.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(ctx))
	err = v.Err()
	var confirm *checkConfirm
	if err == nil {
		if r.PostForm.Get("confirm") != "yes" {
			var plan casework.CheckPlan
			if plan, err = e.PlanAnnualCheck(ctx, ui.d.Schools, year, by); err == nil {
				// A due date already past is said now, not after the confirmation.
				if !due.After(e.Today()) {
					v.Add("report_due", "报送截止日 %s 应晚于今天（%s）", "the due date %s must be after today (%s)", due, e.Today())
					err = v.Err()
				} else {
					confirm = &checkConfirm{Year: form.Year, ReportDue: form.ReportDue, Plan: plan}
				}
			}
		} else {
			var st casework.CheckStart
			if st, err = e.StartAnnualCheck(ctx, ui.d.Schools, year, due, by); err == nil {
				flash := "flash.annual_check_started"
				if st.Opened == 0 {
					flash = "flash.annual_check_nothing"
				}
				ui.setFlash(w, flash)
				http.Redirect(w, r, "/annual-check?year="+strconv.Itoa(year), http.StatusSeeOther)
				return
			}
		}
	}
	status := http.StatusOK
	if err != nil {
		fe := fault.As(err)
		switch fe.Kind {
		case fault.Invalid, fault.Conflict, fault.Forbidden:
		default:
			ui.Fail(w, r, err)
			return
		}
		status = httpx.Status(fe.Kind)
		form.Message = fe.Msg.In(l)
		for _, x := range fe.Fields {
			if x.Field == "year" || x.Field == "report_due" {
				form.Errors[x.Field] = append(form.Errors[x.Field], x.Msg.In(l))
			} else {
				form.Other = append(form.Other, fieldProblem(l, x))
			}
		}
	}
	f := casework.CheckFilter{Year: year, PerPage: checkPerPage}
	if yerr != nil || year < 2000 || year > e.Today().Year() {
		f.Year = e.Today().Year() - 1
	}
	years, yerr2 := e.CheckYears(ctx)
	if yerr2 != nil {
		ui.Fail(w, r, yerr2)
		return
	}
	ui.renderCheckPage(w, r, u, e, f, years, nil, form, confirm, status)
}

// checkColumns are the batch export's columns (Chinese headers, as the
// bureau's files are).
func checkColumns(e *casework.Engine, year int) []Column[casework.CheckRow] {
	zh := func(key string) string { return i18n.Tr(i18n.ZH, key) }
	t, _ := e.Type(casework.AnnualCheck)
	str := func(f func(casework.CheckRow) string) func(casework.CheckRow) any {
		return func(r casework.CheckRow) any { return f(r) }
	}
	field := func(name string) func(casework.CheckRow) any {
		return func(r casework.CheckRow) any {
			if v, err := strconv.Atoi(r.Case.Fields[name]); err == nil {
				return v
			}
			return r.Case.Fields[name]
		}
	}
	label := func(name string) string {
		fd, _ := t.Field(name)
		return fd.Label.ZH
	}
	return []Column[casework.CheckRow]{
		{zh("check.col.year"), 8, func(casework.CheckRow) any { return year }},
		{zh("field.code"), 13, str(func(r casework.CheckRow) string { return r.SchoolCode })},
		{zh("field.name"), 30, str(func(r casework.CheckRow) string { return r.SchoolName })},
		{zh("export.county_code"), 10, str(func(r casework.CheckRow) string { return r.County })},
		{zh("field.county"), 10, str(func(r casework.CheckRow) string {
			if a, ok := area.Lookup(r.County); ok {
				return a.Name
			}
			return ""
		})},
		{zh("cases.col.number"), 20, str(func(r casework.CheckRow) string { return r.Case.Number })},
		{zh("cases.col.state"), 14, str(func(r casework.CheckRow) string {
			if st, ok := t.State(r.Case.State); ok {
				return st.Name.ZH
			}
			return r.Case.State
		})},
		{zh("check.col.result"), 10, str(func(r casework.CheckRow) string {
			if r.Result == "" {
				return ""
			}
			return zh("check.result." + r.Result)
		})},
		{zh("check.col.recheck"), 10, str(func(r casework.CheckRow) string {
			if r.Recheck == "" {
				return ""
			}
			return zh("check.recheck." + r.Recheck)
		})},
		{zh("cases.col.due"), 12, str(func(r casework.CheckRow) string { return dateOr(r.Case.DueOn) })},
		{label("report_due"), 12, str(func(r casework.CheckRow) string { return r.Case.Fields["report_due"] })},
		{label("students"), 10, field("students")},
		{label("staff"), 10, field("staff")},
		{label("teachers_certified"), 12, field("teachers_certified")},
		{label("income"), 14, field("income")},
		{label("expenditure"), 14, field("expenditure")},
		{label("net_assets"), 14, field("net_assets")},
		{label("issues"), 30, str(func(r casework.CheckRow) string { return r.Case.Fields["issues"] })},
		{label("rectify_by"), 12, str(func(r casework.CheckRow) string { return r.Case.Fields["rectify_by"] })},
		{zh("check.col.closed_on"), 12, str(func(r casework.CheckRow) string { return dateOr(r.Case.ClosedOn) })},
	}
}

func dateOr(d calendar.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// annualCheckExport is GET /annual-check/export.xlsx with the page's filters.
func (ui *UI) annualCheckExport(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	f, _, err := ui.checkQuery(r, e, r.URL.Query())
	if err != nil {
		ui.Fail(w, r, fault.New(fault.Malformed, "查询条件有误：%v", "the query is not valid: %v", err))
		return
	}
	day := ui.now().In(shanghai).Format("2006-01-02")
	exp := Export[casework.CheckRow]{
		Name:      i18n.Trf(i18n.ZH, "check.file", f.Year) + "-" + day,
		ASCIIName: "annual-check-" + strconv.Itoa(f.Year) + "-" + day,
		Sheet:     i18n.Trf(i18n.ZH, "check.sheet", f.Year),
		Columns:   checkColumns(e, f.Year),
		Rows: func(yield func(casework.CheckRow) error) error {
			return e.EachAnnualCheck(r.Context(), u.Scope(), f, yield)
		},
	}
	if err := exp.XLSX(w); err != nil {
		ui.exportFailed(w, r, err)
	}
}
