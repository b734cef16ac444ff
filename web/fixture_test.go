package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/school"
	"edubureau/scope"
)

const (
	adminName     = "admin"
	adminPassword = "Correct-Horse-9"
)

// fixture is a real database with Hengyang's areas and a few schools, the
// UI's routes behind a small mux that wraps them as the server does, and a
// browser-like client (cookie jar, redirects not followed).
type fixture struct {
	t      *testing.T
	db     *db.DB
	reg    *school.Registry
	auth   *auth.Service
	ui     *UI
	srv    *httptest.Server
	client *http.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.SQLite(t)
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	reg := school.New(d)
	svc := auth.New(d)
	svc.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	if _, err := svc.CreateUser(ctx, auth.NewUser{Username: adminName, DisplayName: "管理员", Password: adminPassword,
		Role: auth.Admin, OrgKind: auth.OrgCity}); err != nil {
		t.Fatal(err)
	}
	ui, err := New(Deps{DB: d, Schools: reg, Auth: svc, Jurisdiction: area.Area{Code: "4304", Name: "衡阳市"}, Version: "v-test"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: d, reg: reg, auth: svc, ui: ui}
	f.srv = httptest.NewServer(f.mux())
	t.Cleanup(f.srv.Close)
	f.client = f.newClient()
	seed(t, reg)
	return f
}

// mux mimics the server's wrapping: sessions and permissions for
// non-public routes, failures through ui.Fail.
func (f *fixture) mux() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range f.ui.Routes() {
		mux.HandleFunc(rt.Method+" "+rt.Pattern, func(w http.ResponseWriter, r *http.Request) {
			if rt.Access != httpx.Public {
				c, err := r.Cookie(auth.CookieName)
				if err != nil {
					f.ui.Fail(w, r, fault.New(fault.Unauthorized, "请先登录", "please sign in"))
					return
				}
				u, err := f.auth.Session(r.Context(), c.Value)
				if err != nil {
					f.ui.Fail(w, r, err)
					return
				}
				if rt.Permission != "" && !u.Can(rt.Permission) {
					f.ui.Fail(w, r, fault.New(fault.Forbidden, "无权访问", "forbidden"))
					return
				}
				r = r.WithContext(auth.WithUser(r.Context(), u))
			}
			rt.Handler(w, r)
		})
	}
	return mux
}

func (f *fixture) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs the fixture's client in as the administrator.
func (f *fixture) signIn() {
	f.t.Helper()
	f.signInAs(f.client, adminName, adminPassword)
}

func (f *fixture) signInAs(c *http.Client, name, password string) {
	f.t.Helper()
	res := f.post(c, "/login", url.Values{"username": {name}, "password": {password}, "next": {"/"}})
	if res.status != http.StatusSeeOther {
		f.t.Fatalf("sign in as %s: status %d\n%s", name, res.status, res.body)
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(c *http.Client, req *http.Request) response {
	f.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	if res.StatusCode >= 500 {
		f.t.Errorf("%s %s: status %d\n%s", req.Method, req.URL, res.StatusCode, b)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (f *fixture) get(path string, header ...string) response {
	f.t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return f.do(f.client, req)
}

func (f *fixture) post(c *http.Client, path string, form url.Values) response {
	f.t.Helper()
	req, err := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(c, req)
}

func ptr(f float64) *float64 { return &f }

// seed registers five schools: four running (capacity 6,000; one private)
// and one closed.
func seed(t *testing.T, reg *school.Registry) {
	t.Helper()
	schools := []school.School{
		{Code: "2143000001", Name: "衡阳市实验小学", NameEN: "Hengyang Experimental Primary School", Type: school.Primary,
			Ownership: school.Public, County: "430405", Address: "珠晖区东风路 1 号", Lng: ptr(112.62), Lat: ptr(26.89),
			Status: school.Active, OpenedOn: "1950-09-01", Headmaster: "张明", Capacity: 1800},
		{Code: "2143000002", Name: "珠晖区东风小学", Type: school.Primary, Ownership: school.Public, County: "430405",
			Status: school.Active, OpenedOn: "1980-09-01", Capacity: 900},
		{Code: "1143000003", Name: "雁峰区阳光幼儿园", Type: school.Kindergarten, Ownership: school.Private, County: "430406",
			Address: `=HYPERLINK("http://evil.example")`, Status: school.Active, OpenedOn: "2010-03-01", Capacity: 300,
			LicenceNo: "教民143040670001号", LicenceIssuedOn: "2020-01-01", LicenceExpiresOn: "2030-01-01"},
		{Code: "3443000004", Name: "衡阳县第一中学", Type: school.Senior, Ownership: school.Public, County: "430421",
			Status: school.Active, OpenedOn: "1940-09-01", Capacity: 3000},
		{Code: "3143000005", Name: "耒阳市旧城中学", Type: school.Junior, Ownership: school.Public, County: "430481",
			Status: school.Closed, OpenedOn: "1960-09-01", ClosedOn: "2020-07-01", Capacity: 500},
	}
	if err := reg.CreateMany(context.Background(), scope.Everything, schools, school.Actor{Username: "seed"}, nil); err != nil {
		t.Fatal(err)
	}
}

// between returns the text of s from the first start to the next end after it.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s[len(start):], end); j >= 0 {
		return s[:len(start)+j]
	}
	return s
}

// fieldBlock is the markup of one form field (from its wrapper to the next field).
func fieldBlock(body, name string) string {
	return between(body, `id="field-`+name+`"`, `<div class="field`)
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s: should not contain %q", what, w)
		}
	}
}
