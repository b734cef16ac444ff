package web

// The senior-high placement (中考 平行志愿): a year's cohort (imported through
// the import engine, enrol.ZhongkaoKind, at /imports/zhongkao), the approved plans it
// runs against, simulations (any number, for the bureau's eyes), the
// publication of one (a sealed snapshot), and a run's page with each
// school's cut-off score and admitted count, every student's result with the
// core's explanation, and exports.

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/admission"
	"edubureau/auth"
	"edubureau/enrol"
	"edubureau/i18n"
)

type runRow struct {
	enrol.Run
	Href, KindName, When, Placed string
	Published                    bool
	Latest                       bool // the latest simulation, which may be published
}

type zhongkaoData struct {
	Year              int
	Years             []option
	Cohort            *enrol.Cohort
	CohortWhen        string
	Tiebreaks         string
	PlanCount, Places int
	Quota             int
	QualityShare      string
	PlansHref         string
	Runs              []runRow
	CanRun            bool
	Serving           string // the snapshot the public lookup serves
	ServingYear       int
	Notice            string
	Problem           *problem
	MaxUploadMB       int64
}

// zhongkao is GET /admission/zhongkao.
func (ui *UI) zhongkao(w http.ResponseWriter, r *http.Request) {
	ui.showZhongkao(w, r, http.StatusOK, nil)
}

func (ui *UI) showZhongkao(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	if r.Method == http.MethodPost {
		q = url.Values{"year": {r.FormValue("year")}}
	}
	year, err := ui.yearOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &zhongkaoData{Year: year, Years: ui.yearOptions(year), CanRun: enrol.RequireCityWide(actorOf(u, r)) == nil,
		Notice: noticeOf(l, q), Problem: prob, PlansHref: fmt.Sprintf("/admission/plans?year=%d&grade=10", year), Tiebreaks: "chinese,math,english"}
	if c, ok, err := o.Cohort(ctx, year); err != nil {
		ui.Fail(w, r, err)
		return
	} else if ok {
		d.Cohort, d.CohortWhen, d.Tiebreaks = &c, formatDateTime(c.LoadedAt), strings.Join(c.Tiebreaks, ",")
	}
	for _, st := range []enrol.PlanState{enrol.PlanApproved, enrol.PlanPublished} {
		pg, err := o.Plans(ctx, u.Scope(), enrol.PlanFilter{Year: year, Grade: enrol.GradeSenior, State: st, PerPage: 1})
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		d.PlanCount += pg.Total
		d.Places += pg.Places
		d.Quota += pg.Quota
	}
	all, err := o.Plans(ctx, u.Scope(), enrol.PlanFilter{Year: year, Grade: enrol.GradeSenior, PerPage: 1})
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.QualityShare = share(all.QualityQuota, all.QualityPlaces)
	runs, err := o.Runs(ctx, year)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	latest := true
	for _, run := range runs {
		row := runRowOf(l, run)
		if run.Kind == enrol.RunSimulation && run.ResultsKept && latest {
			row.Latest, latest = true, false
		}
		d.Runs = append(d.Runs, row)
	}
	if ui.d.Results != nil {
		if s := ui.d.Results.Current(); s != nil {
			d.Serving, d.ServingYear = s.SHA256, s.Year()
		}
	}
	ui.render(w, r, status, "admission_zhongkao", ui.newPage(r, i18n.Tr(l, "admission.zhongkao.title"), d))
}

func runRowOf(l i18n.Lang, run enrol.Run) runRow {
	return runRow{Run: run, Href: "/admission/zhongkao/runs/" + strconv.FormatInt(run.ID, 10), KindName: run.Kind.Name().In(l),
		When: formatDateTime(run.CreatedAt), Placed: share(run.Placed, run.Students), Published: run.Kind == enrol.RunPublished}
}

// zhongkaoSimulate is POST /admission/zhongkao/simulate.
func (ui *UI) zhongkaoSimulate(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	if err := enrol.RequireCityWide(actorOf(u, r)); err != nil {
		ui.Fail(w, r, err)
		return
	}
	year, ok := enrol.ParseYear(r.FormValue("year"), 0)
	if !ok || year == 0 {
		ui.showZhongkao(w, r, http.StatusUnprocessableEntity, problemOf(i18n.FromRequest(r), paramErrorInvalid("year", r.FormValue("year"))))
		return
	}
	run, err := o.Simulate(r.Context(), actorOf(u, r), year)
	if err != nil {
		ui.refuse(w, r, err, ui.showZhongkao)
		return
	}
	http.Redirect(w, r, doneURL("/admission/zhongkao/runs/"+strconv.FormatInt(run.ID, 10), "simulated", run.Students, run.Placed), http.StatusSeeOther)
}

// zhongkaoPublish is POST /admission/zhongkao/publish: the latest simulation.
func (ui *UI) zhongkaoPublish(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	if err := enrol.RequireCityWide(actorOf(u, r)); err != nil {
		ui.Fail(w, r, err)
		return
	}
	year, _ := enrol.ParseYear(r.FormValue("year"), 0)
	sim, err := strconv.ParseInt(r.FormValue("run"), 10, 64)
	if err != nil {
		ui.showZhongkao(w, r, http.StatusUnprocessableEntity, problemOf(i18n.FromRequest(r), paramErrorInvalid("run", r.FormValue("run"))))
		return
	}
	run, err := o.Publish(r.Context(), actorOf(u, r), year, sim)
	if err != nil {
		ui.refuse(w, r, err, ui.showZhongkao)
		return
	}
	if ui.d.Results != nil {
		// This instance serves it at once; the others within their poll.
		if _, err := ui.d.Results.Refresh(r.Context()); err != nil {
			ui.Fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, doneURL("/admission/zhongkao/runs/"+strconv.FormatInt(run.ID, 10), "published", run.Students, run.Placed), http.StatusSeeOther)
}

type cutoffView struct {
	enrol.SchoolCutoff
	General, Quota, MinScore, Share string
	Full                            bool
}

type runData struct {
	runRow
	Cutoffs        []cutoffView
	Chart          template.JS
	Students       []enrol.StudentResult
	Total          int
	School, Placed string
	County, ExamNo string
	Schools        []option
	Counties       []option
	Export, CutCSV string
	SnapshotHref   string
	Notice         string
	Problem        *problem
	pager
}

func scoreOf(x *float64) string {
	if x == nil {
		return "—"
	}
	return admission.FormatScore(*x)
}

// zhongkaoRun is GET /admission/zhongkao/runs/{id}: cut-offs and students.
func (ui *UI) zhongkaoRun(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	run, err := o.Run(ctx, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	cs, err := o.Cutoffs(ctx, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f, err := resultFilter(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &runData{runRow: runRowOf(l, run), School: f.School, Placed: f.Placed, County: f.County, ExamNo: f.ExamNo, Notice: noticeOf(l, q)}
	if d.Counties, err = ui.countyOptions(ctx, &u, f.County); err != nil {
		ui.Fail(w, r, err)
		return
	}
	seen := map[string]bool{}
	for _, c := range enrol.BySchool(cs) {
		v := cutoffView{SchoolCutoff: c, General: scoreOf(c.General), Quota: scoreOf(c.QuotaLowest), MinScore: scoreOf(c.MinScore),
			Share: share(c.QuotaPlaces, c.Places), Full: c.Admitted >= c.Places && c.Places > 0}
		d.Cutoffs = append(d.Cutoffs, v)
		if !seen[c.School] {
			seen[c.School] = true
			d.Schools = append(d.Schools, option{Value: c.School, Label: c.Name + " " + c.School, Selected: c.School == f.School})
		}
	}
	chart, err := cutoffChart(l, d.Cutoffs)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Chart = template.JS(chart)
	if run.ResultsKept {
		pg, err := o.RunResults(ctx, u.Scope(), id, f)
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		d.Students, d.Total = pg.Items, pg.Total
		link := func(n int) string {
			v := url.Values{}
			for k, val := range map[string]string{"school": f.School, "placed": f.Placed, "county": f.County, "exam_no": f.ExamNo} {
				if val != "" {
					v.Set(k, val)
				}
			}
			if n > 1 {
				v.Set("page", strconv.Itoa(n))
			}
			return d.Href + "?" + v.Encode()
		}
		d.pager = newPager(f.Page, f.PerPage, pg.Total, link)
		d.Export = d.Href + "/results.csv" + strings.TrimPrefix(link(1), d.Href)
	}
	d.CutCSV = d.Href + "/cutoffs.csv"
	if run.Kind == enrol.RunPublished {
		d.SnapshotHref = d.Href + "/snapshot"
	}
	p := ui.newPage(r, i18n.Trf(l, "admission.run.title", run.Year, d.KindName), d)
	p.Charts = true
	ui.render(w, r, http.StatusOK, "admission_run", p)
}

func resultFilter(q url.Values) (enrol.ResultFilter, error) {
	page, err := pageOf(q)
	if err != nil {
		return enrol.ResultFilter{}, err
	}
	f := enrol.ResultFilter{School: strings.TrimSpace(q.Get("school")), Placed: q.Get("placed"), County: strings.TrimSpace(q.Get("county")),
		ExamNo: strings.TrimSpace(q.Get("exam_no")), Page: max(page, 1), PerPage: 50}
	if f.Placed != "" && f.Placed != "yes" && f.Placed != "no" {
		return f, paramError("placed", f.Placed)
	}
	return f, nil
}

// cutoffChart draws each school's general cut-off score by batch.
func cutoffChart(l i18n.Lang, cs []cutoffView) ([]byte, error) {
	var names []string
	byBatch := map[int][]any{}
	var batches []int
	at := map[string]int{}
	for _, c := range cs {
		if _, ok := at[c.School]; !ok {
			at[c.School] = len(names)
			names = append(names, c.Name)
		}
	}
	for _, c := range cs {
		if _, ok := byBatch[c.Batch]; !ok {
			batches = append(batches, c.Batch)
			byBatch[c.Batch] = make([]any, len(names))
		}
		if c.SchoolCutoff.General != nil {
			byBatch[c.Batch][at[c.School]] = *c.SchoolCutoff.General
		}
	}
	var series []any
	for _, b := range batches {
		series = append(series, map[string]any{"type": "bar", "name": i18n.Trf(l, "admission.run.batch", b), "data": byBatch[b]})
	}
	return json.Marshal(map[string]any{
		"color":   palette,
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 50, "right": 20, "bottom": 90, "top": 40},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"rotate": 45, "interval": 0}},
		"yAxis":   map[string]any{"type": "value", "name": i18n.Tr(l, "admission.run.cutoff"), "scale": true},
		"series":  series,
	})
}

// zhongkaoResultsCSV is GET /admission/zhongkao/runs/{id}/results.csv: the
// students (in scope) matching the filters, by rank.
func (ui *UI) zhongkaoResultsCSV(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	run, err := o.Run(r.Context(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f, err := resultFilter(r.URL.Query())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	zh := func(key string) string { return i18n.Tr(i18n.ZH, key) }
	str := func(fn func(enrol.StudentResult) string) func(enrol.StudentResult) any {
		return func(s enrol.StudentResult) any { return fn(s) }
	}
	e := Export[enrol.StudentResult]{
		Name: fmt.Sprintf("%s-%d-%d", zh("admission.run.file"), run.Year, run.ID), ASCIIName: fmt.Sprintf("zhongkao-%d-%d", run.Year, run.ID),
		Sheet: zh("admission.zhongkao.title"),
		Columns: []Column[enrol.StudentResult]{
			{zh("admission.col.exam_no"), 14, str(func(s enrol.StudentResult) string { return s.ExamNo })},
			{zh("admission.col.rank"), 8, func(s enrol.StudentResult) any { return s.Rank }},
			{zh("admission.col.total"), 8, func(s enrol.StudentResult) any { return s.Total }},
			{zh("admission.col.junior_code"), 13, str(func(s enrol.StudentResult) string { return s.Junior })},
			{zh("admission.col.junior"), 24, str(func(s enrol.StudentResult) string { return s.JuniorName })},
			{zh("admission.col.batch"), 6, func(s enrol.StudentResult) any {
				if s.Batch == 0 {
					return nil
				}
				return s.Batch
			}},
			{zh("admission.col.school_code"), 13, str(func(s enrol.StudentResult) string { return s.School })},
			{zh("admission.col.school"), 24, str(func(s enrol.StudentResult) string { return s.SchoolName })},
			{zh("admission.col.seat"), 8, str(func(s enrol.StudentResult) string { return s.Seat })},
		},
		Rows: func(yield func(enrol.StudentResult) error) error {
			return o.EachRunResult(r.Context(), u.Scope(), id, f, yield)
		},
	}
	if err := e.CSV(w); err != nil {
		ui.exportFailed(w, r, err)
	}
}

// zhongkaoCutoffsCSV is GET /admission/zhongkao/runs/{id}/cutoffs.csv: the
// run's CUTOFFS.csv, as the file mode writes it.
func (ui *UI) zhongkaoCutoffsCSV(w http.ResponseWriter, r *http.Request) {
	_, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	run, err := o.Run(r.Context(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	cs, err := o.Cutoffs(r.Context(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	var b strings.Builder
	b.WriteString("batch,school,junior,places,admitted,lowest_total\n")
	for _, c := range cs {
		low := ""
		if c.LowestTotal != nil {
			low = admission.FormatScore(*c.LowestTotal)
		}
		fmt.Fprintf(&b, "%d,%s,%s,%d,%d,%s\n", c.Batch, c.School, c.Junior, c.Places, c.Admitted, low)
	}
	name := fmt.Sprintf("cutoffs-%d-%d.csv", run.Year, run.ID)
	setDownloadHeaders(w, "text/csv; charset=utf-8", name, name)
	w.Write([]byte(b.String()))
}

// zhongkaoSnapshot is GET /admission/zhongkao/runs/{id}/snapshot: a published
// run's sealed snapshot, byte for byte, to recompute or archive.
func (ui *UI) zhongkaoSnapshot(w http.ResponseWriter, r *http.Request) {
	_, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	content, sum, err := o.SnapshotContent(r.Context(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	name := fmt.Sprintf("zhongkao-snapshot-%d-%s.tar.gz", id, sum[:12])
	setDownloadHeaders(w, "application/gzip", name, name)
	w.Header().Set("X-Snapshot", sum)
	w.Write(content)
}

type studentData struct {
	enrol.StudentResult
	RunHref, Outcome string
	Reasons          []reasonView
	Seat             string
}

type reasonView struct {
	Batch              int
	School, SchoolName string
	Text               string
}

// zhongkaoStudent is GET /admission/zhongkao/runs/{id}/students/{exam}.
func (ui *UI) zhongkaoStudent(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	ex, err := o.Explain(r.Context(), u.Scope(), id, r.PathValue("exam"))
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &studentData{StudentResult: ex.StudentResult, RunHref: "/admission/zhongkao/runs/" + strconv.FormatInt(id, 10), Outcome: ex.Outcome.In(l)}
	if ex.Seat != "" {
		d.Seat = i18n.Tr(l, "admission.seat."+ex.Seat)
	}
	for _, rs := range ex.Reasons {
		d.Reasons = append(d.Reasons, reasonView{Batch: rs.Batch, School: rs.School, SchoolName: ex.SchoolNames[rs.School], Text: rs.Text.In(l)})
	}
	ui.render(w, r, http.StatusOK, "admission_student", ui.newPage(r, ex.StudentResult.ExamNo, d))
}

var _ = auth.AdmissionView
