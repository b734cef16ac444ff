package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/training"
)

// caseFixture is newFixture on database d with a case engine, an auditor
// (case.view only) and a legal-section clerk of 珠晖区 (430405).
func caseFixture(t *testing.T, d *db.DB) (*fixture, *casework.Engine) {
	t.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	reg := school.New(d)
	svc := auth.New(d)
	svc.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	for _, nu := range []auth.NewUser{
		{Username: adminName, DisplayName: "管理员", Role: auth.Admin, OrgKind: auth.OrgCity},
		{Username: "reader", Role: auth.Auditor, OrgKind: auth.OrgCity, OrgCode: "4304"},
		{Username: "clerk", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "legal"},
	} {
		nu.Password = adminPassword
		if _, err := svc.CreateUser(ctx, nu); err != nil {
			t.Fatal(err)
		}
	}
	e, err := casework.New(d, casework.Shipped(casework.Config{})...)
	if err != nil {
		t.Fatal(err)
	}
	e.Argon2 = svc.Argon2
	e.Hooks = casework.RegistryHooks(reg)
	ui, err := New(Deps{DB: d, Schools: reg, Auth: svc, Cases: e, Training: training.New(d, reg, e),
		Jurisdiction: area.Area{Code: "4304", Name: "衡阳市"}, Version: "v-test"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: d, reg: reg, auth: svc, ui: ui}
	f.srv = httptest.NewServer(f.mux())
	t.Cleanup(f.srv.Close)
	f.client = f.newClient()
	return f, e
}

// multipartPost posts fields and files (name → file name, content) as a browser form does.
func (f *fixture) multipartPost(c *http.Client, path string, fields map[string]string, files map[string][2]string) response {
	f.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for k, file := range files {
		w, err := mw.CreateFormFile(k, file[0])
		if err != nil {
			f.t.Fatal(err)
		}
		w.Write([]byte(file[1]))
	}
	mw.Close()
	req, err := http.NewRequest("POST", f.srv.URL+path, &b)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.do(c, req)
}

func (f *fixture) getAs(c *http.Client, path string) response {
	f.t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.do(c, req)
}

func TestCasePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, e := caseFixture(t, d)
		f.signIn()
		today := e.Today()
		received := today.AddDays(-5)

		// Open a disclosure request through the form.
		res := f.get("/cases/new")
		mustContain(t, "type choice", res.body, `<option value="info_disclosure">政府信息公开申请</option>`)
		res = f.get("/cases/new?type=info_disclosure")
		if res.status != 200 {
			t.Fatalf("new form: %d\n%s", res.status, res.body)
		}
		mustContain(t, "new form", res.body, `id="case-form"`, `name="subject"`, `name="county_code"`, `<option value="430405">珠晖区</option>`,
			`name="received_on" type="date" value="`+today.String()+`"`, `enctype="multipart/form-data"`, "/static/cases.")
		mustNotContain(t, "new form", res.body, "style=")

		// A form with problems: said beside the fields, nothing stored.
		res = f.multipartPost(f.client, "/cases", map[string]string{"type": "info_disclosure", "county_code": "430405",
			"received_on": today.AddDays(3).String()}, nil)
		if res.status != 422 || !strings.Contains(fieldBlock(res.body, "subject"), "请填写事由") ||
			!strings.Contains(fieldBlock(res.body, "received_on"), "晚于今天") {
			t.Fatalf("bad open: %d\n%s", res.status, between(res.body, "<main", "</form>"))
		}
		if pg, _ := e.Mine(ctx, 0, scope.Everything, 1, 10); pg.Total != 0 {
			t.Fatal("a refused form opened a case")
		}

		res = f.multipartPost(f.client, "/cases", map[string]string{"type": "info_disclosure", "applicant_name": "李四",
			"applicant_contact": "13800000000", "subject": "申请公开2025年学位分配方案", "county_code": "430405",
			"received_on": received.String(), "doc_kind": "application"},
			map[string][2]string{"document": {"申请表.pdf", "%PDF-1.4 application"}})
		number := "衡教公〔" + strconv.Itoa(received.Year()) + "〕1号"
		if res.status != http.StatusCreated || !strings.Contains(res.body, `<strong id="opened-number">`+number+`</strong>`) {
			t.Fatalf("open: %d\n%s", res.status, between(res.body, "<main", "</main>"))
		}
		code := regexp.MustCompile(`id="access-code">([0-9A-Z]{10})<`).FindStringSubmatch(res.body)
		if code == nil || !strings.Contains(res.body, "查询码只显示这一次") {
			t.Fatalf("no access code shown\n%s", between(res.body, "<main", "</main>"))
		}
		if _, _, err := e.Follow(ctx, number, code[1]); err != nil {
			t.Errorf("the code shown does not follow the case: %v", err)
		}
		href := regexp.MustCompile(`id="opened-link" href="(/cases/\d+)"`).FindStringSubmatch(res.body)
		if href == nil {
			t.Fatal("no link to the case")
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(href[1], "/cases/"), 10, 64)
		c0, err := e.Get(ctx, scope.Everything, id)
		if err != nil {
			t.Fatal(err)
		}

		// The work views.
		for _, view := range []string{"", "?view=mine", "?view=all"} {
			res = f.get("/cases" + view)
			if res.status != 200 || !strings.Contains(res.body, `>`+number+`</a>`) || !strings.Contains(res.body, "李四") ||
				!strings.Contains(res.body, c0.DueOn.String()) {
				t.Errorf("view %q: %d\n%s", view, res.status, between(res.body, `id="case-list"`, "</table>"))
			}
		}
		mustContain(t, "summary", res.body, `href="/cases" class="active"`, `id="count-mine"`, `id="count-all"`)
		if fig := between(res.body, `id="count-all"`, "</a>"); !strings.Contains(fig, `<span class="figure-value">1</span>`) {
			t.Errorf("count of all: %s", fig)
		}
		if res := f.get("/cases?view=overdue"); strings.Contains(res.body, number) {
			t.Error("a case in time is listed as overdue")
		}
		if res := f.get("/cases?view=nonsense"); res.status != 400 {
			t.Errorf("unknown view: %d", res.status)
		}

		// The case page: a form per step available.
		res = f.get(href[1])
		if res.status != 200 {
			t.Fatalf("case page: %d", res.status)
		}
		mustContain(t, "case page", res.body, `<h1 id="case-number">`+number+`</h1>`, `id="form-notify_supplement"`, `id="form-reply"`,
			`id="form-extend"`, `name="doc_supplement_notice" type="file"`, `<input type="hidden" name="version" value="1">`,
			"申请公开2025年学位分配方案", "13800000000", c0.DueOn.String(), "政府信息公开条例第三十三条")
		mustNotContain(t, "case page", res.body, `id="form-supplement"`, "style=")

		// A step missing its field and document: the problems beside the form, nothing changed.
		step := href[1] + "/steps/notify_supplement"
		res = f.multipartPost(f.client, step, map[string]string{"version": "1", "on": received.AddDays(1).String()}, nil)
		form := between(res.body, `id="step-notify_supplement"`, "</details>")
		if res.status != 422 || !strings.Contains(form, "请填写需补正的材料") || !strings.Contains(form, "需要附上补正通知书") ||
			!strings.Contains(form, "案件没有任何改动") || !strings.Contains(form, " open>") {
			t.Fatalf("missing field: %d\n%s", res.status, form)
		}
		if c, _ := e.Get(ctx, scope.Everything, id); c.Version != 1 || c.State != "received" {
			t.Fatalf("a refused step changed the case: %+v", c)
		}

		// Correctly: notify, then the applicant supplements (the period restarts).
		res = f.multipartPost(f.client, step, map[string]string{"version": "1", "on": received.AddDays(1).String(), "items": "身份证明"},
			map[string][2]string{"doc_supplement_notice": {"补正通知书.docx", "notice"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != href[1] {
			t.Fatalf("notify: %d\n%s", res.status, between(res.body, `id="case-steps"`, "</section>"))
		}
		res = f.get(href[1])
		mustContain(t, "after notify", res.body, "已办理，案件已更新", "待补正", `id="case-stopped"`, `id="form-supplement"`)
		// A stale version is refused.
		res = f.multipartPost(f.client, href[1]+"/steps/supplement", map[string]string{"version": "1"}, nil)
		if res.status != http.StatusPreconditionFailed || !strings.Contains(res.body, "已被他人办理") {
			t.Errorf("stale version: %d", res.status)
		}
		res = f.multipartPost(f.client, href[1]+"/steps/supplement", map[string]string{"version": "2", "reason": "申请人已补正"}, nil)
		if res.status != http.StatusSeeOther {
			t.Fatalf("supplement: %d\n%s", res.status, between(res.body, `id="case-steps"`, "</section>"))
		}
		c, err := e.Get(ctx, scope.Everything, id)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := calendar.Default().AddWorkdays(today, 20); c.DueOn != want || c.DueOn == c0.DueOn {
			t.Errorf("due after the restart: %s, want %s (was %s)", c.DueOn, want, c0.DueOn)
		}
		res = f.get(href[1])
		hist := between(res.body, `id="history"`, "</table>")
		for _, want := range []string{`data-seq="3"`, "一次性告知补正", "已收到申请 → 待补正", "需补正的材料：身份证明", "申请人已补正",
			"待补正 → 已收到申请", c.DueOn.String()} {
			if !strings.Contains(hist, want) {
				t.Errorf("history: missing %q\n%s", want, hist)
			}
		}
		if due := between(res.body, `id="case-deadline"`, "</section>"); !strings.Contains(due, c.DueOn.String()) || !strings.Contains(due, "剩 ") {
			t.Errorf("deadline: %s", due)
		}

		// Documents: listed with their checksums, downloaded as uploaded.
		docs := between(res.body, `id="documents"`, "</table>")
		links := regexp.MustCompile(`href="(/cases/\d+/documents/\d+)" download>([^<]+)<`).FindAllStringSubmatch(docs, -1)
		if len(links) != 2 || links[0][2] != "申请表.pdf" || !strings.Contains(docs, "<code class=\"case-sha\">") {
			t.Fatalf("documents: %s", docs)
		}
		res = f.get(links[0][1])
		if res.status != 200 || res.body != "%PDF-1.4 application" || res.header.Get("Content-Type") != "application/pdf" ||
			!strings.Contains(res.header.Get("Content-Disposition"), "attachment") ||
			!strings.Contains(res.header.Get("Content-Disposition"), "UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf") ||
			!strings.Contains(docs, res.header.Get("X-Checksum-SHA256")) {
			t.Errorf("download: %d %v %q", res.status, res.header, res.body)
		}
		if res := f.get(href[1] + "/documents/12345"); res.status != 404 {
			t.Errorf("no such document: %d", res.status)
		}

		// A reader sees the case but no step, and may not take one.
		reader := f.newClient()
		f.signInAs(reader, "reader", adminPassword)
		res = f.getAs(reader, href[1])
		if res.status != 200 || strings.Contains(res.body, `id="case-steps"`) || strings.Contains(res.body, "/steps/") {
			t.Errorf("reader: %d\n%s", res.status, between(res.body, `id="case-steps"`, "</section>"))
		}
		if res := f.getAs(reader, "/cases"); strings.Contains(res.body, `id="new-case"`) {
			t.Error("the reader is offered to open a case")
		}
		if res := f.multipartPost(reader, href[1]+"/steps/reply", map[string]string{"outcome": "disclose"}, nil); res.status != 403 {
			t.Errorf("reader's step: %d", res.status)
		}

		// Out of scope: a case of 衡阳县 is not found for the clerk of 珠晖区.
		admin, err := f.auth.UserByName(ctx, adminName)
		if err != nil {
			t.Fatal(err)
		}
		by := casework.ActorOf(admin, "192.0.2.1", "test")
		other, err := e.Open(ctx, casework.InfoDisclosure, casework.OpenInput{Subject: "外县的申请", CountyCode: "430421"}, by)
		if err != nil {
			t.Fatal(err)
		}
		clerk := f.newClient()
		f.signInAs(clerk, "clerk", adminPassword)
		if res := f.getAs(clerk, "/cases/"+strconv.FormatInt(other.ID, 10)); res.status != 404 {
			t.Errorf("out of scope: %d", res.status)
		}
		if res := f.multipartPost(clerk, "/cases/"+strconv.FormatInt(other.ID, 10)+"/steps/withdraw", map[string]string{"reason": "x"}, nil); res.status != 404 {
			t.Errorf("out of scope step: %d", res.status)
		}
		if res := f.getAs(clerk, href[1]); res.status != 200 {
			t.Errorf("in scope: %d", res.status)
		}
		if res := f.getAs(clerk, "/cases?view=section"); !strings.Contains(res.body, number) || strings.Contains(res.body, "外县的申请") {
			t.Errorf("the clerk's section view:\n%s", between(res.body, `id="case-list"`, "</table>"))
		}

		// Reply (closes the case); the stats page counts it.
		res = f.multipartPost(f.client, href[1]+"/steps/reply", map[string]string{"version": "3", "outcome": "disclose"},
			map[string][2]string{"doc_reply": {"答复书.pdf", "reply"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("reply: %d\n%s", res.status, between(res.body, `id="case-steps"`, "</section>"))
		}
		if res := f.get("/cases?view=all"); strings.Contains(res.body, number) {
			t.Error("a closed case is listed as open")
		}
		res = f.get("/cases/stats")
		table := between(res.body, `id="table-on-time"`, "</table>")
		if res.status != 200 || !strings.Contains(res.body, `id="chart-on-time-data"`) || !strings.Contains(table, "政策法规科") ||
			!strings.Contains(table, "1/1") || !strings.Contains(table, "100.0%") {
			t.Errorf("stats: %d\n%s", res.status, table)
		}
		if res := f.get("/cases/stats?lang=en"); res.status != 200 {
			t.Errorf("stats in English: %d", res.status)
		}
	})
}

// The approval of a licensing case offers the application's details (the
// new name, the new school…), which the registry change on approval reads.
func TestLicensingApprovalOffersTheApplication(t *testing.T) {
	d := dbtest.SQLite(t)
	f, e := caseFixture(t, d)
	ctx := context.Background()
	admin, err := f.auth.UserByName(ctx, adminName)
	if err != nil {
		t.Fatal(err)
	}
	by := casework.ActorOf(admin, "192.0.2.1", "test")
	c, err := e.Open(ctx, casework.SchoolLicence, casework.OpenInput{Subject: "更名申请", CountyCode: "430405",
		Fields: map[string]string{"matter": "rename"}}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Take(ctx, c.ID, "accept", casework.Input{}, by); err != nil {
		t.Fatal(err)
	}
	f.signIn()
	res := f.get("/cases/" + strconv.FormatInt(c.ID, 10))
	if res.status != 200 {
		t.Fatalf("case page: %d", res.status)
	}
	i := strings.Index(res.body, "/steps/approve")
	if i < 0 {
		t.Fatal("no approval form on the accepted case")
	}
	approve := res.body[i:]
	for _, name := range []string{`name="decision_no"`, `name="new_name"`, `name="new_code"`, `name="closed_on"`} {
		if !strings.Contains(approve, name) {
			t.Errorf("the approval form lacks %s", name)
		}
	}
}
