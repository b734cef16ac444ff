package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/school"
	"edubureau/scope"
)

// portalFixture is the UI with a case engine, its routes on a plain mux (the
// portal's routes are public: no session is needed).
type portalFixture struct {
	t     *testing.T
	e     *casework.Engine
	srv   *httptest.Server
	staff casework.Actor
}

func newPortalFixture(t *testing.T, d *db.DB) *portalFixture {
	t.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	e, err := casework.New(d, casework.Shipped(casework.Config{})...)
	if err != nil {
		t.Fatal(err)
	}
	e.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	ui, err := New(Deps{DB: d, Schools: school.New(d), Auth: auth.New(d), Cases: e, Jurisdiction: area.Area{Code: "4304", Name: "衡阳市"}, Version: "v-test"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range ui.Routes() {
		mux.HandleFunc(rt.Method+" "+rt.Pattern, rt.Handler)
	}
	f := &portalFixture{t: t, e: e, srv: httptest.NewServer(mux),
		staff: casework.Actor{Actor: audit.Actor{UserID: 42, Username: "wang.staff"}, Can: func(string) bool { return true }, Scope: scope.Everything}}
	t.Cleanup(f.srv.Close)
	return f
}

func (f *portalFixture) post(path string, form url.Values) (int, http.Header, string) {
	f.t.Helper()
	res, err := http.PostForm(f.srv.URL+path, form)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		f.t.Fatalf("POST %s: %d\n%s", path, res.StatusCode, b)
	}
	return res.StatusCode, res.Header, string(b)
}

func TestPortalFollow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newPortalFixture(t, d)
		ctx := context.Background()
		c, err := f.e.Open(ctx, casework.InfoDisclosure, casework.OpenInput{ApplicantName: "刘建华", ApplicantContact: "13800000000",
			Subject: "申请公开2026年招生划片范围", CountyCode: "4304", Reason: "内部备注：来电催办"}, f.staff)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.e.Take(ctx, c.ID, "notify_supplement", casework.Input{Reason: "内部意见：材料不全", Fields: map[string]string{"items": "所需信息的文号"},
			Documents: []casework.Upload{{Kind: "supplement_notice", Name: "n.pdf", Content: []byte("x")}}}, f.staff); err != nil {
			t.Fatal(err)
		}

		res, err := http.Get(f.srv.URL + "/portal/case")
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET /portal/case: %v %v", res, err)
		}
		res.Body.Close()

		code, _, body := f.post("/portal/case", url.Values{"number": {c.Number}, "code": {strings.ToLower(c.AccessCode)}})
		if code != 200 || !strings.Contains(body, "申请公开2026年招生划片范围") || !strings.Contains(body, "待补正") ||
			!strings.Contains(body, "所需信息的文号") || !strings.Contains(body, c.ReceivedOn.String()) {
			t.Fatalf("right code: %d\n%s", code, body)
		}
		for _, secret := range []string{"wang.staff", "内部备注", "内部意见", "13800000000", "刘建华", "n.pdf"} {
			if strings.Contains(body, secret) {
				t.Errorf("the public view shows %q", secret)
			}
		}

		msg := regexp.MustCompile(`id="portal-error"[^>]*>([^<]*)<`)
		code1, _, wrongCode := f.post("/portal/case", url.Values{"number": {c.Number}, "code": {"ABCDEFGHJK"}})
		code2, _, wrongNumber := f.post("/portal/case", url.Values{"number": {"衡教公〔2026〕999号"}, "code": {c.AccessCode}})
		m1, m2 := msg.FindStringSubmatch(wrongCode), msg.FindStringSubmatch(wrongNumber)
		if code1 != 404 || code2 != 404 || m1 == nil || m2 == nil || m1[1] != m2[1] || strings.Contains(wrongCode, "portal-case") {
			t.Fatalf("wrong code %d %v, wrong number %d %v", code1, m1, code2, m2)
		}

		// Ten lookups a minute from one address: the next is refused, whatever it asks.
		limited := false
		for i := 0; i < PortalFollowPerMinute+1; i++ {
			code, h, _ := f.post("/portal/case", url.Values{"number": {c.Number}, "code": {c.AccessCode}})
			if code == http.StatusTooManyRequests {
				limited = h.Get("Retry-After") != ""
				break
			}
		}
		if !limited {
			t.Fatal("no 429 with Retry-After after the limit")
		}
	})
}

func TestPortalDisclosure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newPortalFixture(t, d)
		ctx := context.Background()

		res, err := http.Get(f.srv.URL + "/portal/disclosure")
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET /portal/disclosure: %v %v", res, err)
		}
		res.Body.Close()

		// Nothing filled in: every problem beside its field, nothing opened.
		code, _, body := f.post("/portal/disclosure", url.Values{"delivery": {"pigeon"}})
		if code != 422 {
			t.Fatalf("empty form: %d\n%s", code, body)
		}
		for _, field := range []string{"applicant_name", "applicant_contact", "applicant_type", "subject", "delivery"} {
			if !strings.Contains(body, `id="e-`+field+`"`) {
				t.Errorf("no problem shown beside %s", field)
			}
		}
		var n int
		if err := d.QueryRow(`SELECT COUNT(*) FROM case_file`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d cases after a refused form (%v)", n, err)
		}
		// A subject too long: the engine's own check, beside the field.
		code, _, body = f.post("/portal/disclosure", url.Values{"applicant_name": {"周敏"}, "applicant_contact": {"zhoumin@example.cn"},
			"subject": {strings.Repeat("信", 501)}, "delivery": {"email"}, "applicant_type": {"natural_person"}})
		if code != 422 || !strings.Contains(body, `id="e-subject"`) || !strings.Contains(body, "周敏") {
			t.Fatalf("long subject: %d\n%s", code, body)
		}

		code, _, body = f.post("/portal/disclosure", url.Values{"applicant_name": {"周敏"}, "applicant_contact": {"zhoumin@example.cn"},
			"subject": {"2025年市级教育经费预算执行情况"}, "delivery": {"email"}, "applicant_type": {"legal_service"}})
		number := regexp.MustCompile(`id="receipt-number">([^<]+)<`).FindStringSubmatch(body)
		access := regexp.MustCompile(`id="receipt-code">([A-Z0-9]{10})<`).FindStringSubmatch(body)
		if code != 201 || number == nil || access == nil {
			t.Fatalf("submit: %d\n%s", code, body)
		}
		c, err := f.e.ByNumber(ctx, scope.Everything, number[1])
		if err != nil {
			t.Fatal(err)
		}
		if c.Type != casework.InfoDisclosure || c.ApplicantName != "周敏" || c.ApplicantContact != "电子邮件：zhoumin@example.cn" ||
			c.ReceivedOn != f.e.Today() || c.DueOn.IsZero() || c.State != "received" || c.CountyCode != "4304" ||
			c.Fields["applicant_type"] != "legal_service" {
			t.Fatalf("case %+v", c)
		}
		var audited int
		if err := d.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'case.open' AND username = 'portal' AND ip <> ''`).Scan(&audited); err != nil || audited != 1 {
			t.Fatalf("audited %d (%v)", audited, err)
		}
		// The code shown follows the case.
		code, _, body = f.post("/portal/case", url.Values{"number": {number[1]}, "code": {access[1]}})
		if code != 200 || !strings.Contains(body, "2025年市级教育经费预算执行情况") {
			t.Fatalf("follow the new case: %d\n%s", code, body)
		}

		// Requests are rate-limited per address too.
		limited := false
		for i := 0; i < PortalRequestPerMinute+1; i++ {
			if code, _, _ := f.post("/portal/disclosure", url.Values{}); code == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		if !limited {
			t.Fatal("no 429 after the request limit")
		}
	})
}
