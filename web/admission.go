package web

// Admissions (招生入学), the staff side: the overview of a year, and the
// helpers every admission page shares. The sections are in files of their
// own: plans (admission_plans.go), zones and children (admission_zones.go,
// admission_applicants.go), lotteries (admission_lottery.go), the 中考
// (admission_zhongkao.go); the public portal's pages in admission_portal.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

func init() {
	addFeature(feature{
		pages: []string{"admission", "admission_plans", "admission_plan", "admission_plan_form", "admission_zones", "admission_zone",
			"admission_map", "admission_applicants", "admission_applicant", "admission_lotteries", "admission_lottery",
			"admission_zhongkao", "admission_run", "admission_student", "portal_admission"},
		nav: []NavItem{{Key: "nav.admission", Href: "/admission", Permission: auth.AdmissionView, Order: 30}},
		routes: func(ui *UI) []httpx.Route {
			v, e, pii := auth.AdmissionView, auth.AdmissionEdit, auth.AdmissionPII
			rt := func(method, pattern, perm string, h http.HandlerFunc) httpx.Route {
				return httpx.Route{Method: method, Pattern: pattern, Access: httpx.SignedIn, Permission: perm, Handler: h}
			}
			pub := func(method, pattern string, h http.HandlerFunc) httpx.Route {
				return httpx.Route{Method: method, Pattern: pattern, Access: httpx.Public, Handler: h}
			}
			return []httpx.Route{
				rt("GET", "/admission", v, ui.admissionHome),

				rt("GET", "/admission/plans", v, ui.planList),
				rt("GET", "/admission/plans/export.csv", v, ui.planExportCSV),
				rt("GET", "/admission/plans/export.xlsx", v, ui.planExportXLSX),
				rt("GET", "/admission/plans/new", e, ui.newPlan),
				rt("POST", "/admission/plans", e, ui.createPlan),
				rt("POST", "/admission/plans/approve-all", e, ui.approveAllPlans),
				rt("GET", "/admission/plans/{id}", v, ui.planDetail),
				rt("GET", "/admission/plans/{id}/edit", e, ui.editPlan),
				rt("POST", "/admission/plans/{id}", e, ui.updatePlan),
				rt("POST", "/admission/plans/{id}/state", e, ui.planState),

				rt("GET", "/admission/zones", v, ui.zoneList),
				rt("GET", "/admission/zones/map", v, ui.zoneMap),
				rt("GET", "/admission/zones/export.geojson", v, ui.zoneExport),
				rt("POST", "/admission/zones/import", e, ui.zoneImport),
				rt("POST", "/admission/zones/assign", e, ui.zoneAssign),
				rt("GET", "/admission/zones/{id}", v, ui.zoneDetail),
				rt("POST", "/admission/zones/{id}", e, ui.zoneUpdate),
				rt("POST", "/admission/zones/{id}/delete", e, ui.zoneDelete),

				rt("GET", "/admission/applicants", v, ui.applicantList),
				rt("GET", "/admission/applicants/export.csv", v, ui.applicantExport),
				rt("POST", "/admission/applicants", e, ui.createApplicant),
				rt("POST", "/admission/applicants/import", e, ui.importApplicants),
				rt("POST", "/admission/applicants/from-registry", e, ui.applicantsFromRegistry),
				rt("GET", "/admission/applicants/{id}", v, ui.applicantDetail),
				rt("POST", "/admission/applicants/{id}/reveal", pii, ui.revealApplicant),

				rt("GET", "/admission/lotteries", v, ui.lotteryList),
				rt("POST", "/admission/lotteries", e, ui.createLottery),
				rt("GET", "/admission/lotteries/{id}", v, ui.lotteryDetail),
				rt("GET", "/admission/lotteries/{id}/results.csv", v, ui.lotteryResultsCSV),
				rt("POST", "/admission/lotteries/{id}/entries", e, ui.lotteryEntries),
				rt("POST", "/admission/lotteries/{id}/fill", e, ui.lotteryFill),
				rt("POST", "/admission/lotteries/{id}/remove", e, ui.lotteryRemove),
				rt("POST", "/admission/lotteries/{id}/freeze", e, ui.lotteryFreeze),
				rt("POST", "/admission/lotteries/{id}/seed", e, ui.lotterySeed),
				rt("POST", "/admission/lotteries/{id}/draw", e, ui.lotteryDraw),
				rt("POST", "/admission/lotteries/{id}/cancel", e, ui.lotteryCancel),
				rt("POST", "/admission/lotteries/{id}/verify", v, ui.lotteryVerify),

				rt("GET", "/admission/zhongkao", v, ui.zhongkao),
				rt("POST", "/admission/zhongkao/simulate", e, ui.zhongkaoSimulate),
				rt("POST", "/admission/zhongkao/publish", e, ui.zhongkaoPublish),
				rt("GET", "/admission/zhongkao/runs/{id}", v, ui.zhongkaoRun),
				rt("GET", "/admission/zhongkao/runs/{id}/results.csv", v, ui.zhongkaoResultsCSV),
				rt("GET", "/admission/zhongkao/runs/{id}/cutoffs.csv", v, ui.zhongkaoCutoffsCSV),
				rt("GET", "/admission/zhongkao/runs/{id}/snapshot", v, ui.zhongkaoSnapshot),
				rt("GET", "/admission/zhongkao/runs/{id}/students/{exam}", v, ui.zhongkaoStudent),

				pub("GET", "/portal/admission", ui.portalAdmission),
				pub("GET", "/portal/admission/plans", ui.portalPlans),
				pub("GET", "/portal/admission/lotteries", ui.portalLotteries),
				pub("GET", "/portal/admission/lotteries/{id}", ui.portalLottery),
				pub("GET", "/portal/admission/lotteries/{id}/applicants.csv", ui.portalLotteryList),
				pub("GET", "/portal/admission/lotteries/{id}/results.csv", ui.portalLotteryResults),
				pub("GET", "/portal/admission/results", ui.portalResultForm),
				pub("POST", "/portal/admission/results", ui.portalResult),
			}
		},
	})
}

// admUser is how every staff admission page starts: the signed-in user and
// the office, or the error page (ok false, the response written).
func (ui *UI) admUser(w http.ResponseWriter, r *http.Request) (auth.User, *enrol.Office, bool) {
	u, err := currentUser(r)
	if err == nil && ui.d.Admissions == nil {
		err = fault.New(fault.Unavailable, "招生入学未启用", "admissions are not enabled")
	}
	if err != nil {
		ui.Fail(w, r, err)
		return auth.User{}, nil, false
	}
	return u, ui.d.Admissions, true
}

// admForm is admUser for a POST: the form parsed too (multipart included,
// files up to the server's body limit spilling to disk).
func (ui *UI) admForm(w http.ResponseWriter, r *http.Request) (auth.User, *enrol.Office, bool) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return u, o, false
	}
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		ui.Fail(w, r, httpx.BodyError(err))
		return u, o, false
	}
	return u, o, true
}

func actorOf(u auth.User, r *http.Request) enrol.Actor {
	return enrol.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context()))
}

// yearOf reads the year parameter ("" is the year of entry being prepared).
func (ui *UI) yearOf(v url.Values) (int, error) {
	y, ok := enrol.ParseYear(v.Get("year"), enrol.EntryYear(ui.now()))
	if !ok {
		return 0, paramError("year", v.Get("year"))
	}
	return y, nil
}

// pageOf reads the page parameter ("" is the first page).
func pageOf(v url.Values) (int, error) {
	var val fault.Validation
	page, _ := parsePage(&val, v.Get("page"), "", 0)
	if val.Err() != nil {
		return 0, paramError("page", v.Get("page"))
	}
	return page, nil
}

// gradeOf reads the grade parameter among allowed; "" gives def.
func gradeOf(v url.Values, def int, allowed ...int) (int, error) {
	g, ok := enrol.ParseGrade(v.Get("grade"), allowed...)
	if !ok {
		return 0, paramError("grade", v.Get("grade"))
	}
	if g == 0 {
		g = def
	}
	return g, nil
}

func paramError(name, value string) error {
	fe := fault.New(fault.Malformed, "参数 %s 的值 %q 无效", "the parameter %s has an invalid value %q", name, value)
	fe.Fields = []fault.FieldError{{Field: name, Msg: i18n.T("值无效", "not a valid value")}}
	return fe
}

// idOf reads a numeric path id; anything else is a page that does not exist.
func idOf(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.New(fault.NotFound, "找不到 %s", "nothing at %s", r.URL.Path)
	}
	return id, nil
}

// versionOf reads the form's version (0 when absent).
func versionOf(r *http.Request) int {
	n, _ := strconv.Atoi(r.FormValue("version"))
	return n
}

// problem is a refused action shown above a page: the message and the
// problems of its fields.
type problem struct {
	Message string
	Fields  []string
}

func problemOf(l i18n.Lang, err error) *problem {
	if err == nil {
		return nil
	}
	fe := fault.As(err)
	p := &problem{Message: fe.Msg.In(l)}
	for _, f := range fe.Fields {
		p.Fields = append(p.Fields, fieldProblem(l, f))
	}
	return p
}

// refusedStatus is the status of a page shown again with a refusal; internal
// errors go to the error page instead.
func refusal(err error) (int, bool) {
	k := fault.KindOf(err)
	if k == fault.Internal || k == fault.Unavailable || k == fault.NotFound || k == fault.Forbidden {
		return 0, false
	}
	return httpx.Status(k), true
}

// notices are the outcomes an action reports on the page it returns to:
// a catalogue key (admission.notice.…) with up to three numbers from the
// URL, so that nothing but fixed text and numbers can be put on a page.
var notices = map[string]bool{
	"plan_saved": true, "plan_state": true, "plans_approved": true,
	"zones_imported": true, "zones_assigned": true, "zone_saved": true, "zone_deleted": true,
	"applicant_saved": true, "applicants_imported": true, "from_registry": true,
	"lottery_created": true, "entries_added": true, "entry_removed": true, "lottery_frozen": true, "lottery_seeded": true,
	"lottery_drawn": true, "lottery_cancelled": true,
	"simulated": true, "published": true,
}

// noticeOf is the notice the URL asks for, in l ("" when none).
func noticeOf(l i18n.Lang, q url.Values) string {
	key := q.Get("done")
	if !notices[key] {
		return ""
	}
	var args []any
	for _, p := range []string{"n1", "n2", "n3"} {
		if s := q.Get(p); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return ""
			}
			args = append(args, n)
		}
	}
	return i18n.Trf(l, "admission.notice."+key, args...)
}

// doneURL is path with a notice and its numbers.
func doneURL(path, key string, nums ...int) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	s := path + sep + "done=" + key
	for i, n := range nums {
		s += fmt.Sprintf("&n%d=%d", i+1, n)
	}
	return s
}

// uploadFile returns the uploaded file of the form field name with its file
// name; a missing file is an Invalid error on that field.
func uploadFile(r *http.Request, name string) (io.ReadCloser, string, error) {
	if r.MultipartForm == nil {
		return nil, "", missingFile(name)
	}
	f, hdr, err := r.FormFile(name)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "", missingFile(name)
	}
	if err != nil {
		return nil, "", httpx.BodyError(err)
	}
	fn := strings.TrimSpace(hdr.Filename)
	if fn == "" {
		fn = name
	}
	return f, fn, nil
}

func missingFile(name string) error {
	var v fault.Validation
	v.Add(name, "请选择要上传的文件", "choose a file to upload")
	return v.Err()
}

// gradeOptions are the grades of entry (or those allowed) as options.
func gradeOptions(l i18n.Lang, sel int, grades ...int) []option {
	if len(grades) == 0 {
		grades = enrol.Grades
	}
	out := make([]option, len(grades))
	for i, g := range grades {
		out[i] = option{Value: strconv.Itoa(g), Label: enrol.GradeName(g).In(l), Selected: g == sel}
	}
	return out
}

// yearOptions offers the years around the year of entry being prepared.
func (ui *UI) yearOptions(sel int) []option {
	cur := enrol.EntryYear(ui.now())
	var out []option
	for y := cur + 1; y >= cur-4; y-- {
		out = append(out, option{Value: strconv.Itoa(y), Label: strconv.Itoa(y), Selected: y == sel})
	}
	if sel > cur+1 || sel < cur-4 {
		out = append(out, option{Value: strconv.Itoa(sel), Label: strconv.Itoa(sel), Selected: true})
	}
	return out
}

// countyOptions are the jurisdiction's counties the user reaches.
func (ui *UI) countyOptions(ctx context.Context, u *auth.User, sel string) ([]option, error) {
	cs, err := ui.counties(ctx)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, c := range cs {
		if u != nil && !u.Scope().All && !u.Scope().Reaches(c.Code, "") {
			continue
		}
		out = append(out, option{Value: c.Code, Label: c.Name, Selected: c.Code == sel})
	}
	return out, nil
}

// admissionHomeData is the overview of a year.
type admissionHomeData struct {
	Year        int
	Years       []option
	Plans       []planCount
	Zones       []zoneCount
	Lotteries   int
	Drawn       int
	Cohort      *enrol.Cohort
	Runs        int
	Published   string
	CanEdit     bool
	ResultsOpen bool
}

type planCount struct {
	Grade                          int
	Name                           string
	Plans, Approved, Places, Quota int
	Share                          string
}

type zoneCount struct {
	Grade                              int
	Name                               string
	Zones, Applicants, Uncovered, Over int
}

// admissionHome is GET /admission: the year at a glance.
func (ui *UI) admissionHome(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	ctx, l := r.Context(), i18n.FromRequest(r)
	year, err := ui.yearOf(r.URL.Query())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &admissionHomeData{Year: year, Years: ui.yearOptions(year), CanEdit: u.Can(auth.AdmissionEdit)}
	sc := u.Scope()
	for _, g := range enrol.Grades {
		all, err := o.Plans(ctx, sc, enrol.PlanFilter{Year: year, Grade: g, PerPage: 1})
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		appr, err := o.Plans(ctx, sc, enrol.PlanFilter{Year: year, Grade: g, State: enrol.PlanApproved, PerPage: 1})
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		pub, err := o.Plans(ctx, sc, enrol.PlanFilter{Year: year, Grade: g, State: enrol.PlanPublished, PerPage: 1})
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		pc := planCount{Grade: g, Name: enrol.GradeName(g).In(l), Plans: all.Total, Approved: appr.Total + pub.Total, Places: all.Places, Quota: all.Quota}
		if g == enrol.GradeSenior {
			pc.Share = share(all.QualityQuota, all.QualityPlaces)
		}
		d.Plans = append(d.Plans, pc)
		if g == enrol.GradeSenior {
			continue
		}
		layer, err := o.Layer(ctx, sc, year, g, "")
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		zc := zoneCount{Grade: g, Name: enrol.GradeName(g).In(l), Zones: len(layer.Zones), Applicants: layer.Applicants, Uncovered: layer.Uncovered}
		for _, z := range layer.Zones {
			if z.Balance < 0 {
				zc.Over++
			}
		}
		d.Zones = append(d.Zones, zc)
	}
	lp, err := o.Lotteries(ctx, sc, enrol.LotteryFilter{Year: year, PerPage: 1})
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	dp, err := o.Lotteries(ctx, sc, enrol.LotteryFilter{Year: year, State: enrol.LotteryDrawn, PerPage: 1})
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Lotteries, d.Drawn = lp.Total, dp.Total
	if c, ok, err := o.Cohort(ctx, year); err != nil {
		ui.Fail(w, r, err)
		return
	} else if ok {
		d.Cohort = &c
	}
	runs, err := o.Runs(ctx, year)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Runs = len(runs)
	for _, run := range runs {
		if run.Kind == enrol.RunPublished {
			d.Published = formatDateTime(run.CreatedAt)
			break
		}
	}
	if ui.d.Results != nil && ui.d.Results.Current() != nil {
		d.ResultsOpen = true
	}
	ui.render(w, r, http.StatusOK, "admission", ui.newPage(r, i18n.Tr(l, "admission.title"), d))
}

// share writes part/whole as a percentage with one decimal ("—" when whole is 0).
func share(part, whole int) string {
	if whole == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64) + "%"
}

// admRecord is admUser for a page of one record: the id from the path too
// (anything but a number is a page that does not exist).
func (ui *UI) admRecord(w http.ResponseWriter, r *http.Request) (auth.User, *enrol.Office, int64, bool) {
	u, o, ok := ui.admUser(w, r)
	return ui.withID(w, r, u, o, ok)
}

// admFormRecord is admForm for a POST on one record.
func (ui *UI) admFormRecord(w http.ResponseWriter, r *http.Request) (auth.User, *enrol.Office, int64, bool) {
	u, o, ok := ui.admForm(w, r)
	return ui.withID(w, r, u, o, ok)
}

func (ui *UI) withID(w http.ResponseWriter, r *http.Request, u auth.User, o *enrol.Office, ok bool) (auth.User, *enrol.Office, int64, bool) {
	if !ok {
		return u, o, 0, false
	}
	id, err := idOf(r)
	if err != nil {
		ui.Fail(w, r, err)
		return u, o, 0, false
	}
	return u, o, id, true
}

// showFunc shows a page again, with a refused action's problem above it.
type showFunc func(w http.ResponseWriter, r *http.Request, status int, prob *problem)

// refuse answers an action that failed: a refusal the user can act on
// (bad input, a conflict) shows the page again with the problem; anything
// else (not found, forbidden, internal) is the error page.
func (ui *UI) refuse(w http.ResponseWriter, r *http.Request, err error, show showFunc) {
	if status, ok := refusal(err); ok {
		show(w, r, status, problemOf(i18n.FromRequest(r), err))
		return
	}
	ui.Fail(w, r, err)
}
