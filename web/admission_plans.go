package web

// Enrolment plans (招生计划): the list with filters, totals and the quota
// share, exports, the form (a plan's rows: batch, junior school of a quota,
// places, minimum score), the import of a year's senior-high plan in the
// file mode's PLAN.csv, approval and publication.

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/admission"
	"edubureau/auth"
	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/i18n"
)

type planRowView struct {
	Batch, Junior, JuniorName, Places, MinScore string
	Quota                                       bool
	Errors                                      []string
}

type planView struct {
	enrol.Plan
	Href, StateName, GradeName, Share string
	Warn                              bool // a quality senior high below half its places as quotas
	RowViews                          []planRowView
}

func (ui *UI) planViewOf(l i18n.Lang, p enrol.Plan, names map[string]string) planView {
	v := planView{Plan: p, Href: "/admission/plans/" + strconv.FormatInt(p.ID, 10), StateName: p.State.Name().In(l),
		GradeName: enrol.GradeName(p.Grade).In(l), Share: share(p.QuotaPlaces, p.Places),
		Warn: p.Quality && p.QuotaShare() < enrol.QualityQuotaShare}
	for _, r := range p.Rows {
		rv := planRowView{Batch: strconv.Itoa(r.Batch), Junior: r.Junior, JuniorName: names[r.Junior], Places: strconv.Itoa(r.Places), Quota: r.Junior != ""}
		if r.MinScore != nil {
			rv.MinScore = admission.FormatScore(*r.MinScore)
		}
		v.RowViews = append(v.RowViews, rv)
	}
	return v
}

type planListData struct {
	Year                        int
	Grade                       int
	County, State, Query        string
	Years, Grades, Counties     []option
	States                      []option
	Rows                        []planView
	Total, Places, Quota        int
	Share, QualityShare         string
	QualityPlaces, QualityQuota int
	Export                      string
	CanEdit                     bool
	Notice                      string
	Problem                     *problem
	pager
}

func (ui *UI) planFilter(q url.Values) (enrol.PlanFilter, error) {
	year, err := ui.yearOf(q)
	if err != nil {
		return enrol.PlanFilter{}, err
	}
	grade, err := gradeOf(q, 0, enrol.Grades...)
	if err != nil {
		return enrol.PlanFilter{}, err
	}
	page, err := pageOf(q)
	if err != nil {
		return enrol.PlanFilter{}, err
	}
	f := enrol.PlanFilter{Year: year, Grade: grade, County: strings.TrimSpace(q.Get("county")), State: enrol.PlanState(q.Get("state")),
		Query: strings.TrimSpace(q.Get("q")), Page: page, PerPage: 50}
	if err := f.Check(); err != nil {
		fe := fault.As(err)
		fe.Kind = fault.Malformed
		return f, fe
	}
	return f, nil
}

// planList is GET /admission/plans.
func (ui *UI) planList(w http.ResponseWriter, r *http.Request) {
	ui.showPlans(w, r, http.StatusOK, nil)
}

func (ui *UI) showPlans(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.Form
	}
	f, err := ui.planFilter(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	pg, err := o.Plans(ctx, u.Scope(), f)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	names, err := o.SchoolNames(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &planListData{Year: f.Year, Grade: f.Grade, County: f.County, State: string(f.State), Query: f.Query,
		Years: ui.yearOptions(f.Year), Grades: gradeOptions(l, f.Grade), Total: pg.Total, Places: pg.Places, Quota: pg.Quota,
		Share: share(pg.Quota, pg.Places), QualityShare: share(pg.QualityQuota, pg.QualityPlaces), QualityPlaces: pg.QualityPlaces,
		QualityQuota: pg.QualityQuota, CanEdit: u.Can(auth.AdmissionEdit), Notice: noticeOf(l, q), Problem: prob}
	if d.Counties, err = ui.countyOptions(ctx, &u, f.County); err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, s := range enrol.PlanStates {
		d.States = append(d.States, option{Value: string(s), Label: s.Name().In(l), Selected: s == f.State})
	}
	for _, p := range pg.Items {
		d.Rows = append(d.Rows, ui.planViewOf(l, p, names))
	}
	link := func(n int) string {
		v := url.Values{"year": {strconv.Itoa(f.Year)}}
		for k, val := range map[string]string{"county": f.County, "state": string(f.State), "q": f.Query} {
			if val != "" {
				v.Set(k, val)
			}
		}
		if f.Grade != 0 {
			v.Set("grade", strconv.Itoa(f.Grade))
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return "/admission/plans?" + v.Encode()
	}
	d.Export = strings.TrimPrefix(link(1), "/admission/plans")
	d.pager = newPager(f.Page, f.PerPage, pg.Total, link)
	ui.render(w, r, status, "admission_plans", ui.newPage(r, i18n.Tr(l, "admission.plans.title"), d))
}

// planExport is every plan matching the list's filters, one line per row.
func (ui *UI) planExport(r *http.Request) (Export[planExportRow], error) {
	u, o := auth.User{}, ui.d.Admissions
	var err error
	if u, err = currentUser(r); err != nil {
		return Export[planExportRow]{}, err
	}
	if o == nil {
		return Export[planExportRow]{}, fault.New(fault.Unavailable, "招生入学未启用", "admissions are not enabled")
	}
	f, err := ui.planFilter(r.URL.Query())
	if err != nil {
		return Export[planExportRow]{}, err
	}
	names, err := o.SchoolNames(r.Context())
	if err != nil {
		return Export[planExportRow]{}, err
	}
	zh := func(key string) string { return i18n.Tr(i18n.ZH, key) }
	str := func(f func(planExportRow) string) func(planExportRow) any {
		return func(p planExportRow) any { return f(p) }
	}
	day := ui.now().In(shanghai).Format("2006-01-02")
	return Export[planExportRow]{
		Name: zh("admission.plans.file") + "-" + strconv.Itoa(f.Year) + "-" + day, ASCIIName: "plans-" + strconv.Itoa(f.Year) + "-" + day,
		Sheet: zh("admission.plans.title"),
		Columns: []Column[planExportRow]{
			{zh("admission.col.year"), 6, func(p planExportRow) any { return p.Year }},
			{zh("admission.col.grade"), 10, str(func(p planExportRow) string { return enrol.GradeName(p.Grade).ZH })},
			{zh("admission.col.school_code"), 13, str(func(p planExportRow) string { return p.School })},
			{zh("admission.col.school"), 28, str(func(p planExportRow) string { return p.SchoolName })},
			{zh("admission.col.county"), 10, str(func(p planExportRow) string { return p.County })},
			{zh("admission.col.state"), 8, str(func(p planExportRow) string { return p.State.Name().ZH })},
			{zh("admission.col.quality"), 8, str(func(p planExportRow) string { return map[bool]string{true: "是", false: ""}[p.Quality] })},
			{zh("admission.col.batch"), 6, func(p planExportRow) any { return p.row.Batch }},
			{zh("admission.col.junior_code"), 13, str(func(p planExportRow) string { return p.row.Junior })},
			{zh("admission.col.junior"), 24, str(func(p planExportRow) string { return names[p.row.Junior] })},
			{zh("admission.col.places"), 8, func(p planExportRow) any { return p.row.Places }},
			{zh("admission.col.min_score"), 8, func(p planExportRow) any { return p.row.MinScore }},
		},
		Rows: func(yield func(planExportRow) error) error {
			return o.EachPlan(r.Context(), u.Scope(), f, func(p enrol.Plan) error {
				for _, row := range p.Rows {
					if err := yield(planExportRow{Plan: p, row: row}); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}, nil
}

type planExportRow struct {
	enrol.Plan
	row enrol.PlanRow
}

// planExportCSV is GET /admission/plans/export.csv.
func (ui *UI) planExportCSV(w http.ResponseWriter, r *http.Request) {
	e, err := ui.planExport(r)
	if err == nil {
		err = e.CSV(w)
	}
	if err != nil {
		ui.exportFailed(w, r, err)
	}
}

// planExportXLSX is GET /admission/plans/export.xlsx.
func (ui *UI) planExportXLSX(w http.ResponseWriter, r *http.Request) {
	e, err := ui.planExport(r)
	if err == nil {
		err = e.XLSX(w)
	}
	if err != nil {
		ui.exportFailed(w, r, err)
	}
}

// paramErrorInvalid is a form value that is not valid (422).
func paramErrorInvalid(name, value string) error {
	var v fault.Validation
	v.Add(name, "值 %q 无效", "%q is not a valid value", value)
	return v.Err()
}

// approveAllPlans is POST /admission/plans/approve-all.
func (ui *UI) approveAllPlans(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	year, ok1 := enrol.ParseYear(r.FormValue("year"), 0)
	grade, ok2 := enrol.ParseGrade(r.FormValue("grade"), enrol.Grades...)
	if !ok1 || !ok2 || year == 0 || grade == 0 {
		ui.showPlans(w, r, http.StatusUnprocessableEntity, problemOf(i18n.FromRequest(r), paramErrorInvalid("grade", r.FormValue("grade"))))
		return
	}
	n, problems, err := o.ApproveAll(r.Context(), actorOf(u, r), year, grade)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if len(problems) > 0 {
		l := i18n.FromRequest(r)
		ui.showPlans(w, r, http.StatusUnprocessableEntity, &problem{Message: i18n.Trf(l, "admission.plans.approve_some", n, len(problems)), Fields: problems})
		return
	}
	http.Redirect(w, r, doneURL(fmt.Sprintf("/admission/plans?year=%d&grade=%d", year, grade), "plans_approved", n), http.StatusSeeOther)
}

type planDetailData struct {
	planView
	CanEdit, CanApprove, CanReopen, CanPublish bool
	Notice                                     string
	Problem                                    *problem
}

// planDetail is GET /admission/plans/{id}.
func (ui *UI) planDetail(w http.ResponseWriter, r *http.Request) {
	ui.showPlan(w, r, http.StatusOK, nil)
}

func (ui *UI) showPlan(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	ctx, l := r.Context(), i18n.FromRequest(r)
	p, err := o.Plan(ctx, u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	names, err := o.SchoolNames(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	edit := u.Can(auth.AdmissionEdit)
	d := &planDetailData{planView: ui.planViewOf(l, p, names), CanEdit: edit && p.State == enrol.PlanDraft,
		CanApprove: edit && p.State == enrol.PlanDraft, CanReopen: edit && p.State == enrol.PlanApproved,
		CanPublish: edit && p.State == enrol.PlanApproved, Notice: noticeOf(l, r.URL.Query()), Problem: prob}
	ui.render(w, r, status, "admission_plan", ui.newPage(r, p.SchoolName+" · "+d.GradeName, d))
}

// planState is POST /admission/plans/{id}/state: approve, reopen, publish.
func (ui *UI) planState(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admFormRecord(w, r)
	if !ok {
		return
	}
	p, err := o.SetPlanState(r.Context(), actorOf(u, r), id, versionOf(r), r.FormValue("action"))
	if err != nil {
		ui.refuse(w, r, err, ui.showPlan)
		return
	}
	http.Redirect(w, r, doneURL("/admission/plans/"+strconv.FormatInt(p.ID, 10), "plan_state"), http.StatusSeeOther)
}

// planFormData is the plan form: new (school, year, grade chosen) or edit.
type planFormData struct {
	ID                 int64
	Version            int
	Year               string
	Grade              int
	School, SchoolName string
	Quality            bool
	Classes, Note      string
	Rows               []planRowView
	Years, Grades      []option
	Errors             map[string][]string
	Message            string
	Other              []string
}

// blankRows pads a form's rows so a few more can be added.
func blankRows(rows []planRowView, grade int) []planRowView {
	want := len(rows) + 3
	if grade != enrol.GradeSenior {
		want = max(1, len(rows))
	}
	for len(rows) < want {
		rows = append(rows, planRowView{})
	}
	return rows
}

// newPlan is GET /admission/plans/new?year=&grade=&school=.
func (ui *UI) newPlan(w http.ResponseWriter, r *http.Request) {
	_, _, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	year, err := ui.yearOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	grade, err := gradeOf(q, enrol.GradePrimary, enrol.Grades...)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &planFormData{Year: strconv.Itoa(year), Grade: grade, School: strings.TrimSpace(q.Get("school")), Rows: blankRows(nil, grade)}
	if grade != enrol.GradeSenior {
		d.Rows[0].Batch = "1"
	}
	ui.showPlanForm(w, r, http.StatusOK, d)
}

func (ui *UI) showPlanForm(w http.ResponseWriter, r *http.Request, status int, d *planFormData) {
	l := i18n.FromRequest(r)
	y, _ := strconv.Atoi(d.Year)
	d.Years, d.Grades = ui.yearOptions(y), gradeOptions(l, d.Grade)
	if d.Errors == nil {
		d.Errors = map[string][]string{}
	}
	title := i18n.Tr(l, "admission.plan.new")
	if d.ID != 0 {
		title = i18n.Tr(l, "admission.plan.edit")
	}
	ui.render(w, r, status, "admission_plan_form", ui.newPage(r, title, d))
}

// planInputOf reads the form into an input and the form's own view of it.
func planInputOf(r *http.Request) (enrol.PlanInput, *planFormData, error) {
	d := &planFormData{Year: strings.TrimSpace(r.FormValue("year")), School: strings.TrimSpace(r.FormValue("school")),
		Quality: r.FormValue("quality") == "on", Classes: strings.TrimSpace(r.FormValue("classes")), Note: r.FormValue("note")}
	d.Grade, _ = strconv.Atoi(r.FormValue("grade"))
	in := enrol.PlanInput{School: d.School, Quality: d.Quality, Note: d.Note, Grade: d.Grade}
	var v fault.Validation
	if d.Year != "" {
		y, err := strconv.Atoi(d.Year)
		if err != nil {
			v.Add("year", "年份应为整数", "the year must be a whole number")
		}
		in.Year = y
	}
	if d.Classes != "" {
		n, err := strconv.Atoi(d.Classes)
		if err != nil {
			v.Add("classes", "班数应为整数", "classes must be a whole number")
		}
		in.Classes = n
	}
	batches, juniors, places, mins := r.Form["batch"], r.Form["junior"], r.Form["places"], r.Form["min_score"]
	for i := range places {
		rv := planRowView{Places: strings.TrimSpace(places[i])}
		if i < len(batches) {
			rv.Batch = strings.TrimSpace(batches[i])
		}
		if i < len(juniors) {
			rv.Junior = strings.TrimSpace(juniors[i])
		}
		if i < len(mins) {
			rv.MinScore = strings.TrimSpace(mins[i])
		}
		if rv.Batch == "" && rv.Junior == "" && rv.Places == "" && rv.MinScore == "" {
			continue
		}
		d.Rows = append(d.Rows, rv)
		n := len(d.Rows)
		row := enrol.PlanRow{Batch: 1, Junior: rv.Junior}
		if rv.Batch != "" {
			b, err := strconv.Atoi(rv.Batch)
			if err != nil {
				v.Add(fmt.Sprintf("rows[%d].batch", n), "批次应为整数", "the batch must be a whole number")
			}
			row.Batch = b
		}
		p, err := strconv.Atoi(rv.Places)
		if err != nil {
			v.Add(fmt.Sprintf("rows[%d].places", n), "计划数应为整数", "places must be a whole number")
		}
		row.Places = p
		if rv.MinScore != "" {
			m, err := strconv.ParseFloat(rv.MinScore, 64)
			if err != nil {
				v.Add(fmt.Sprintf("rows[%d].min_score", n), "最低控制线应为数字", "the minimum score must be a number")
			}
			row.MinScore = &m
		}
		in.Rows = append(in.Rows, row)
	}
	return in, d, v.Err()
}

// refusePlanForm shows the form again with err's problems beside the fields.
func (ui *UI) refusePlanForm(w http.ResponseWriter, r *http.Request, d *planFormData, err error) {
	status, ok := refusal(err)
	if !ok {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	fe := fault.As(err)
	d.Message, d.Errors = fe.Msg.In(l), map[string][]string{}
	for _, f := range fe.Fields {
		var n int
		var col string
		if _, e := fmt.Sscanf(f.Field, "rows[%d].%s", &n, &col); e == nil && n >= 1 && n <= len(d.Rows) {
			d.Rows[n-1].Errors = append(d.Rows[n-1].Errors, fieldLabel(l, "admission_"+col)+"："+f.Msg.In(l))
			continue
		}
		switch f.Field {
		case "year", "grade", "school", "quality", "classes", "note", "rows":
			d.Errors[f.Field] = append(d.Errors[f.Field], f.Msg.In(l))
		default:
			d.Other = append(d.Other, fieldProblem(l, f))
		}
	}
	d.Rows = blankRows(d.Rows, d.Grade)
	ui.showPlanForm(w, r, status, d)
}

// createPlan is POST /admission/plans.
func (ui *UI) createPlan(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	in, d, err := planInputOf(r)
	if err != nil {
		ui.refusePlanForm(w, r, d, err)
		return
	}
	p, err := o.CreatePlan(r.Context(), actorOf(u, r), in)
	if err != nil {
		ui.refusePlanForm(w, r, d, err)
		return
	}
	http.Redirect(w, r, doneURL("/admission/plans/"+strconv.FormatInt(p.ID, 10), "plan_saved"), http.StatusSeeOther)
}

// editPlan is GET /admission/plans/{id}/edit.
func (ui *UI) editPlan(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	p, err := o.Plan(r.Context(), u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	v := ui.planViewOf(i18n.FromRequest(r), p, nil)
	d := &planFormData{ID: p.ID, Version: p.Version, Year: strconv.Itoa(p.Year), Grade: p.Grade, School: p.School, SchoolName: p.SchoolName,
		Quality: p.Quality, Classes: strconv.Itoa(p.Classes), Note: p.Note, Rows: blankRows(v.RowViews, p.Grade)}
	ui.showPlanForm(w, r, http.StatusOK, d)
}

// updatePlan is POST /admission/plans/{id}.
func (ui *UI) updatePlan(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admFormRecord(w, r)
	if !ok {
		return
	}
	old, err := o.Plan(r.Context(), u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	in, d, err := planInputOf(r)
	d.ID, d.Version, d.Year, d.Grade, d.School, d.SchoolName = id, versionOf(r), strconv.Itoa(old.Year), old.Grade, old.School, old.SchoolName
	if err != nil {
		ui.refusePlanForm(w, r, d, err)
		return
	}
	if _, err := o.UpdatePlan(r.Context(), actorOf(u, r), id, versionOf(r), in); err != nil {
		ui.refusePlanForm(w, r, d, err)
		return
	}
	http.Redirect(w, r, doneURL("/admission/plans/"+strconv.FormatInt(id, 10), "plan_saved"), http.StatusSeeOther)
}
