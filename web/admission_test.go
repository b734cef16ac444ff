package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"edubureau/audit"
	"edubureau/enrol"
	"edubureau/idno"
	"edubureau/importer"
	"edubureau/pii"
	"edubureau/scope"
	"edubureau/student"
	"edubureau/year"
)

// admissionFixture is the web fixture with the admission office, a year's
// data (a primary plan, a zone with a child, a drawn lottery of the zone, a
// published 中考 run) and the administrator signed in.
type admissionFixture struct {
	*fixture
	o                *enrol.Office
	rd               *enrol.ResultsDay
	plan, zone, lot  int64
	run              int64
	child            int64
	suffix1, suffix2 string
}

const admYear = 2026

func newAdmissionFixture(t *testing.T) *admissionFixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	ring, err := pii.NewKeyring(bytes.Repeat([]byte{3}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	o := enrol.New(f.db, f.reg, ring, "4304")
	rd := enrol.NewResultsDay(o, nil)
	f.ui.d.Admissions, f.ui.d.Results = o, rd
	a := &admissionFixture{fixture: f, o: o, rd: rd}
	by := enrol.System("seed", "test")
	p, err := o.CreatePlan(ctx, by, enrol.PlanInput{Year: admYear, Grade: 1, School: "2143000001", Rows: []enrol.PlanRow{{Batch: 1, Places: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.SetPlanState(ctx, by, p.ID, 0, "approve"); err != nil {
		t.Fatal(err)
	}
	a.plan = p.ID
	p2, err := o.CreatePlan(ctx, by, enrol.PlanInput{Year: admYear, Grade: 1, School: "2143000002", Rows: []enrol.PlanRow{{Batch: 1, Places: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.SetPlanState(ctx, by, p2.ID, 0, "approve"); err != nil {
		t.Fatal(err)
	}
	geo := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"ZH01","name":"东风片区","schools":["2143000001","2143000002"]},
		"geometry":{"type":"Polygon","coordinates":[[[112.6,26.88],[112.64,26.88],[112.64,26.92],[112.6,26.92],[112.6,26.88]]]}}]}`
	if _, err := o.ImportZones(ctx, by, admYear, 1, strings.NewReader(geo), "zones.geojson"); err != nil {
		t.Fatal(err)
	}
	zs, _ := o.Zones(ctx, scope.Everything, enrol.ZoneFilter{Year: admYear, Grade: 1})
	a.zone = zs.Items[0].ID
	kids, err := o.AddApplicants(ctx, by, []enrol.ApplicantInput{
		{Year: admYear, Grade: 1, County: "430405", Name: "王小明", IDNumber: idno.MakeResidentID("430405", time.Date(2020, 5, 6, 0, 0, 0, 0, time.UTC), 21),
			Address: "珠晖区东风路 8 号", Lng: 112.62, Lat: 26.9},
		{Year: admYear, Grade: 1, County: "430405", Name: "李小红", IDNumber: idno.MakeResidentID("430405", time.Date(2020, 7, 8, 0, 0, 0, 0, time.UTC), 22),
			Lng: 112.9, Lat: 26.9},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.child = kids[0].ID
	l, err := o.CreateLottery(ctx, by, enrol.LotteryInput{Year: admYear, Grade: 1, Kind: enrol.LotteryZone, ZoneID: a.zone})
	if err != nil {
		t.Fatal(err)
	}
	a.lot = l.ID
	if _, err := o.FillFromZone(ctx, by, l.ID); err != nil {
		t.Fatal(err)
	}
	// 中考: the senior school 3443000004 takes one; two students.
	id1 := idno.MakeResidentID("430405", time.Date(2011, 2, 3, 0, 0, 0, 0, time.UTC), 31)
	id2 := idno.MakeResidentID("430405", time.Date(2011, 4, 5, 0, 0, 0, 0, time.UTC), 32)
	a.suffix1, a.suffix2 = id1[12:], id2[12:]
	cohort := "exam_no,junior,total,chinese,b1,id_no,name\n" +
		"26001,3143000005,612,100,3443000004," + id1 + ",赵一\n" +
		"26002,3143000005,608.5,100,3443000004," + id2 + ",钱二\n"
	year := strconv.Itoa(admYear)
	if _, err := o.Import(ctx, by, enrol.SeniorPlanKind{Office: o}, "PLAN.csv", []byte("batch,school,junior,places,min_score\n1,3443000004,,1,\n"),
		map[string]string{"year": year}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Import(ctx, by, enrol.ZhongkaoKind{Office: o}, "cohort.csv", []byte(cohort), map[string]string{"year": year, "tiebreak": "chinese"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.ApproveAll(ctx, by, admYear, 10); err != nil {
		t.Fatal(err)
	}
	sim, err := o.Simulate(ctx, by, admYear)
	if err != nil {
		t.Fatal(err)
	}
	a.run = sim.ID
	f.signIn()
	return a
}

// withImports serves the fixture again with the import service and the
// office's kinds (the 中考 cohort, senior plans), signed in anew.
func (a *admissionFixture) withImports() {
	t := a.t
	svc := importer.New(a.db, audit.New(a.db), t.TempDir())
	for _, k := range []importer.Kind{enrol.ZhongkaoKind{Office: a.o}, enrol.SeniorPlanKind{Office: a.o}} {
		if err := svc.Register(k); err != nil {
			t.Fatal(err)
		}
	}
	d := a.ui.d
	d.Imports = svc
	ui, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	a.serve(ui, svc)
	a.signIn()
}

// postMultipart posts a form with one file.
func (f *fixture) postMultipart(path string, fields map[string]string, file, name, content string) response {
	f.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		w, _ := mw.CreateFormFile(file, name)
		w.Write([]byte(content))
	}
	mw.Close()
	req, err := http.NewRequest("POST", f.srv.URL+path, &b)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.do(f.client, req)
}

func TestAdmissionPages(t *testing.T) {
	a := newAdmissionFixture(t)
	y := fmt.Sprintf("?year=%d", admYear)
	for _, tc := range []struct {
		path  string
		wants []string
	}{
		{"/admission" + y, []string{"招生入学", `id="adm-plans"`, "小学一年级"}},
		{"/admission/plans" + y, []string{`id="plan-list"`, "衡阳市实验小学", `id="quality-share"`}},
		{fmt.Sprintf("/admission/plans/%d", a.plan), []string{`id="plan-rows"`, "已审批", `id="publish-plan"`}},
		{"/admission/plans/new" + y + "&grade=10", []string{`id="plan-form"`, `name="min_score"`}},
		{"/admission/zones" + y, []string{`id="zone-list"`, "ZH01", "多校划片", `id="zone-uncovered">1<`}},
		{"/admission/zones/map" + y, []string{`id="zone-map"`, `"geo":`, "ZH01", "echarts", "admission."}},
		{fmt.Sprintf("/admission/zones/%d", a.zone), []string{`id="zone-form"`, "112.6, 26.88", "王*明"}},
		{"/admission/applicants" + y, []string{`id="applicant-total"`, "王*明", "430405********0213"[0:6]}},
		{fmt.Sprintf("/admission/applicants/%d", a.child), []string{`id="applicant-reveal"`, "王*明", "珠晖区东****"}},
		{"/admission/lotteries" + y, []string{`id="lottery-list"`, "ZH01"}},
		{fmt.Sprintf("/admission/lotteries/%d", a.lot), []string{`id="freeze-lottery"`, `id="entry-list"`}},
		{"/admission/zhongkao" + y, []string{`id="zk-students">2<`, `id="publish-run"`, "chinese"}},
		{fmt.Sprintf("/admission/zhongkao/runs/%d", a.run), []string{`id="cutoff-table"`, "612", `id="student-list"`, `data-exam="26002"`}},
		{fmt.Sprintf("/admission/zhongkao/runs/%d/students/26002", a.run), []string{"its last place went to 612.0"[0:0], "612.0", "608.5"}},
		{"/portal/admission", []string{`id="portal-results-link"`}},
		{"/portal/admission/plans" + y, []string{"尚未公布招生计划"}},
		{"/portal/admission/lotteries" + y, []string{"尚无公开的摇号"}},
		{"/portal/admission/results", []string{`id="lookup-form"`, `id="portal-not-open"`}},
	} {
		res := a.get(tc.path)
		if res.status != http.StatusOK {
			t.Errorf("GET %s: %d\n%.2000s", tc.path, res.status, res.body)
			continue
		}
		mustContain(t, tc.path, res.body, tc.wants...)
	}
	// The applicants' page never shows an ID number in full.
	res := a.get("/admission/applicants" + y)
	if regexp.MustCompile(`430405(19|20)\d{9}[\dX]`).MatchString(res.body) {
		t.Error("an ID number is shown unmasked in the list")
	}
	// Revealing: for a reason, then shown in full.
	res = a.post(a.client, fmt.Sprintf("/admission/applicants/%d/reveal", a.child), url.Values{"reason": {""}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `id="adm-problem"`) {
		t.Fatalf("reveal without a reason: %d", res.status)
	}
	res = a.post(a.client, fmt.Sprintf("/admission/applicants/%d/reveal", a.child), url.Values{"reason": {"核对户籍"}})
	mustContain(t, "revealed", res.body, `id="revealed-note"`, "王小明", "珠晖区东风路 8 号")
}

func TestAdmissionPlanForm(t *testing.T) {
	a := newAdmissionFixture(t)
	// A refused plan keeps what was typed and names the row.
	res := a.post(a.client, "/admission/plans", url.Values{"year": {"2026"}, "grade": {"10"}, "school": {"3443000004"},
		"batch": {"1", "2"}, "junior": {"2143000001", ""}, "places": {"10", "x"}, "min_score": {"", ""}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("refused plan: %d", res.status)
	}
	mustContain(t, "refused plan", res.body, `id="form-errors"`, "计划数", `value="2143000001"`)
	// Out of the registry's junior schools: named in the row.
	res = a.post(a.client, "/admission/plans", url.Values{"year": {"2026"}, "grade": {"10"}, "school": {"3443000004"},
		"batch": {"1"}, "junior": {"2143000001"}, "places": {"10"}, "min_score": {"550"}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "没有初中毕业生") {
		t.Fatalf("quota for a primary school: %d\n%.1500s", res.status, res.body)
	}
	// A plan for 2027 is created, approved, published, and shown on the portal.
	res = a.post(a.client, "/admission/plans", url.Values{"year": {"2027"}, "grade": {"1"}, "school": {"2143000002"}, "classes": {"4"},
		"batch": {""}, "places": {"180"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%.1500s", res.status, res.body)
	}
	where := res.header.Get("Location")
	for _, action := range []string{"approve", "publish"} {
		page := a.get(where)
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page.body)
		if version == nil {
			t.Fatalf("no version on %s", where)
		}
		res = a.post(a.client, strings.SplitN(where, "?", 2)[0]+"/state", url.Values{"action": {action}, "version": {version[1]}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%.1500s", action, res.status, res.body)
		}
	}
	mustContain(t, "portal plans", a.get("/portal/admission/plans?year=2027").body, "珠晖区东风小学", "180")
	// The export has the plan's row, in CSV with the official headers.
	csv := a.get("/admission/plans/export.csv?year=2027")
	mustContain(t, "export", csv.body, "入学年份", "2143000002", "180")
}

func TestAdmissionLotteryAndResultsDay(t *testing.T) {
	a := newAdmissionFixture(t)
	lot := fmt.Sprintf("/admission/lotteries/%d", a.lot)
	// The seed before the list is frozen: refused, nothing changes.
	res := a.post(a.client, lot+"/seed", url.Values{"seed": {"x"}})
	if res.status != http.StatusConflict || !strings.Contains(res.body, `id="adm-problem"`) {
		t.Fatalf("early seed: %d", res.status)
	}
	for _, step := range []struct {
		path string
		form url.Values
	}{{lot + "/freeze", nil}, {lot + "/seed", url.Values{"seed": {"衡阳2026公证"}}}, {lot + "/draw", nil}} {
		res := a.post(a.client, step.path, step.form)
		if res.status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%.1500s", step.path, res.status, res.body)
		}
	}
	page := a.get(lot)
	mustContain(t, "drawn lottery", page.body, `id="list-digest"`, `id="lottery-seed">衡阳2026公证<`, `id="results-digest"`, `id="result-list"`)
	res = a.post(a.client, lot+"/verify", nil)
	mustContain(t, "verify", res.body, `id="lottery-verification"`, "MATCH")
	// The public sees it with the files to recompute it.
	pub := a.get(fmt.Sprintf("/portal/admission/lotteries/%d", a.lot))
	mustContain(t, "public lottery", pub.body, `id="portal-seed">衡阳2026公证<`, "edubureau lottery verify")
	list := a.get(fmt.Sprintf("/portal/admission/lotteries/%d/applicants.csv", a.lot))
	if !strings.HasPrefix(list.body, "id,prefs\n2026-1-430405-00001,") {
		t.Fatalf("public list: %q", list.body)
	}

	// Publishing the 中考 opens the lookup: right and wrong ID suffixes.
	res = a.post(a.client, "/admission/zhongkao/publish", url.Values{"year": {"2026"}, "run": {fmt.Sprint(a.run)}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%.2000s", res.status, res.body)
	}
	if a.rd.Current() == nil {
		t.Fatal("the publication is not served")
	}
	res = a.post(a.client, "/portal/admission/results", url.Values{"exam_no": {"26002"}, "id_suffix": {a.suffix2}})
	if res.status != http.StatusOK || res.header.Get("X-Snapshot") != a.rd.Current().SHA256 {
		t.Fatalf("lookup: %d %q", res.status, res.header.Get("X-Snapshot"))
	}
	mustContain(t, "lookup", res.body, `id="portal-answer"`, "未被录取", "612.0", "608.5")
	res = a.post(a.client, "/portal/admission/results", url.Values{"exam_no": {"26002"}, "id_suffix": {a.suffix1}})
	if res.status != http.StatusNotFound || strings.Contains(res.body, "portal-answer") {
		t.Fatalf("a wrong suffix: %d", res.status)
	}
	res = a.post(a.client, "/portal/admission/results", url.Values{"exam_no": {"26002"}, "id_suffix": {"12"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a malformed suffix: %d", res.status)
	}
}

func TestAdmissionImports(t *testing.T) {
	a := newAdmissionFixture(t)
	// A zone file with an error names the feature; nothing changes.
	bad := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"ZX","schools":["2143000001"]},"geometry":{"type":"Point","coordinates":[1,2]}}]}`
	res := a.postMultipart("/admission/zones/import", map[string]string{"year": "2026", "grade": "1"}, "file", "bad.geojson", bad)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad zones: %d", res.status)
	}
	mustContain(t, "bad zones", res.body, "bad.geojson", "features[0]", "Point")
	res = a.postMultipart("/admission/zones/import", map[string]string{"year": "2026", "grade": "1"}, "", "", "")
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "请选择要上传的文件") {
		t.Fatalf("no file: %d", res.status)
	}
	// The cohort and the senior plans go through the import engine: the
	// admission pages post to its pages, which name the row and column.
	a.withImports()
	res = a.get("/imports")
	mustContain(t, "imports", res.body, `data-kind="zhongkao"`, `data-kind="senior-plans"`, `href="/imports/zhongkao/template.xlsx"`,
		`href="/imports/senior-plans/template.xlsx"`)
	for _, k := range []string{"zhongkao", "senior-plans"} {
		res = a.get("/imports/" + k + "/template.xlsx")
		if res.status != http.StatusOK || !strings.HasPrefix(res.body, "PK") {
			t.Fatalf("%s template: %d", k, res.status)
		}
	}
	res = a.get("/imports/zhongkao?year=2027")
	mustContain(t, "cohort page", res.body, `name="year"`, `value="2027"`, `name="tiebreak"`, `id="whole-file"`)
	if strings.Contains(res.body, `id="mode-valid"`) {
		t.Fatal("the cohort page offers valid rows only")
	}
	res = a.get("/admission/zhongkao?year=2026")
	mustContain(t, "zhongkao page", res.body, `action="/imports/zhongkao"`, `name="tiebreak"`)
	res = a.get("/admission/plans?year=2026&grade=10")
	mustContain(t, "plans page", res.body, `action="/imports/senior-plans"`)
	// No year: refused before anything starts.
	res = a.postMultipart("/imports/zhongkao", map[string]string{"mode": "all_or_nothing"}, "file", "c.csv", "exam_no\n1\n")
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "入学年份") {
		t.Fatalf("no year: %d", res.status)
	}
	res = a.postMultipart("/imports/zhongkao", map[string]string{"mode": "valid_only", "year": "2026"}, "file", "c.csv", "exam_no\n1\n")
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "整体") {
		t.Fatalf("valid only: %d", res.status)
	}
	// A cohort with a bad row: the import's page names it. (The fixture's
	// 2026 run is a simulation: the cohort is not frozen.)
	res = a.postMultipart("/imports/zhongkao", map[string]string{"year": "2026", "tiebreak": "语文", "mode": "all_or_nothing"}, "file", "c.csv",
		"exam_no,junior,total,chinese,b1,id_no\n1,,abc,1,,110105194912310021\n")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/imports/zhongkao/") {
		t.Fatalf("cohort upload: %d %s", res.status, res.body)
	}
	res = a.finished(res.header.Get("Location"))
	mustContain(t, "bad cohort", res.body, "total", "C2", "不是有效的分数")
	// Plans: the same.
	res = a.postMultipart("/imports/senior-plans", map[string]string{"year": "2026", "mode": "all_or_nothing"}, "file", "PLAN.csv",
		"batch,school,junior,places,min_score\n1,2143000001,,5,\n")
	res = a.finished(res.header.Get("Location"))
	mustContain(t, "bad plan", res.body, "school", "B2", "不招收高中新生")
}

// The applicants page draws junior 7's applicants from the student
// registry's grade 6: the button, the leavers it could not register listed,
// and nothing twice.
func TestAdmissionApplicantsFromRegistry(t *testing.T) {
	a := newAdmissionFixture(t)
	ctx := context.Background()
	march := time.Date(admYear, 3, 2, 9, 0, 0, 0, time.UTC)
	a.o.Now = func() time.Time { return march }
	if err := year.Ensure(ctx, a.db, march); err != nil {
		t.Fatal(err)
	}
	born := time.Date(admYear-12, 4, 1, 0, 0, 0, 0, time.UTC)
	for i, pos := range []*float64{ptr(112.62), nil} {
		s := student.Student{Name: []string{"周一", "吴二"}[i], Gender: idno.Male, BirthDate: born.Format(time.DateOnly), IDType: idno.ResidentIDCard,
			IDNumber: idno.MakeResidentID("430405", born, 41+2*i), Ethnicity: "01", Nationality: "CHN", Lng: pos, Lat: pos,
			School: "2143000001", Grade: 6, EnrolledOn: "2020-09-01"}
		if pos != nil {
			s.Lat = ptr(26.9)
		}
		if _, err := a.o.Students.Create(ctx, scope.Everything, s, student.Actor{Username: "seed"}); err != nil {
			t.Fatal(err)
		}
	}
	res := a.get("/admission/applicants?year=2026&grade=7")
	mustContain(t, "applicants page", res.body, `id="from-registry"`, `action="/admission/applicants/from-registry"`, "六年级")
	form := url.Values{"year": {"2026"}, "grade": {"7"}}
	res = a.post(a.client, "/admission/applicants/from-registry", form)
	if res.status != http.StatusOK {
		t.Fatalf("draw: %d", res.status)
	}
	mustContain(t, "draw", res.body, `id="registry-report"`, "从学籍生成了 1 份申请；0 名已有申请；1 名未能生成", "吴*", "衡阳市实验小学", "经纬度", "周*")
	res = a.post(a.client, "/admission/applicants/from-registry", form)
	mustContain(t, "again", res.body, "从学籍生成了 0 份申请；1 名已有申请；1 名未能生成")
	// Primary 1 has no leavers here (no 大班): back to the list with the figures.
	res = a.post(a.client, "/admission/applicants/from-registry", url.Values{"year": {"2026"}, "grade": {"1"}})
	if res.status != http.StatusSeeOther || !strings.Contains(res.header.Get("Location"), "done=from_registry") {
		t.Fatalf("primary 1: %d %v", res.status, res.header)
	}
	// Another year is refused, naming the one being prepared.
	res = a.post(a.client, "/admission/applicants/from-registry", url.Values{"year": {"2027"}, "grade": {"7"}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "2026") {
		t.Fatalf("2027: %d", res.status)
	}
}
