package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/school"
	"edubureau/scope"
)

// The tests run the API on a real database behind a small stand-in for the
// server: it resolves the bearer token or cookie, checks the route's access
// and permission, and limits bodies, as package server does.

const (
	testPassword = "Jiaoyu-2026-ok"
	bodyLimit    = 16 << 10
)

var testNow = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

type fixture struct {
	d      *db.DB
	api    *API
	auth   *auth.Service
	srv    *httptest.Server
	tokens map[string]string // user name → bearer token
	doc    *contract
	seen   map[string]bool // "METHOD pattern status" exercised
	mu     sync.Mutex
}

// serve is the stand-in for the server's wrapping of a route.
func (f *fixture) serve(rt httpx.Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Test-Route", rt.Method+" "+rt.Pattern)
		if rt.Access != httpx.Public {
			u, err := f.auth.Session(r.Context(), SessionToken(r))
			if err != nil {
				f.api.Fail(w, r, err)
				return
			}
			if rt.Permission != "" && !u.Can(rt.Permission) {
				f.api.Fail(w, r, fault.New(fault.Forbidden, "您没有权限 %s", "you lack the permission %s", rt.Permission))
				return
			}
			r = r.WithContext(auth.WithUser(r.Context(), u))
		}
		rt.Handler(w, r)
	})
}

func seedSchools() []school.School {
	f := func(x float64) *float64 { return &x }
	return []school.School{
		{Code: "2143000001", Name: "衡阳县第一小学", NameEN: "Hengyang County No.1 Primary School", Type: school.Primary,
			Ownership: school.Public, County: "430421", Township: "430421100", Address: "西渡镇", Lng: f(112.37), Lat: f(26.97),
			Status: school.Active, OpenedOn: "2001-09-01", Headmaster: "李明", Capacity: 900},
		{Code: "2143000002", Name: "衡阳县第二小学", Type: school.Primary, Ownership: school.Public, County: "430421",
			Status: school.Active, OpenedOn: "1998-09-01", Capacity: 600},
		{Code: "3143000003", Name: "蒸湘区实验中学", Type: school.Junior, Ownership: school.Public, County: "430408",
			Township: "430408001", Status: school.Active, OpenedOn: "2005-09-01", Capacity: 1500},
		{Code: "1143000004", Name: "蒸湘区阳光幼儿园", Type: school.Kindergarten, Ownership: school.Private, County: "430408",
			Status: school.Active, OpenedOn: "2015-03-01", Capacity: 180, LicenceNo: "教民143040870001",
			LicenceIssuedOn: "2015-01-10", LicenceExpiresOn: "2027-01-09"},
		{Code: "2143000005", Name: "常宁市东风小学", Type: school.Primary, Ownership: school.Public, County: "430482",
			Status: school.Closed, OpenedOn: "1980-09-01", ClosedOn: "2020-07-01", Capacity: 300},
	}
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	j, err := area.Jurisdiction("430400")
	if err != nil {
		t.Fatal(err)
	}
	reg := school.New(d)
	reg.Now = func() time.Time { return testNow }
	as := auth.New(d)
	as.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	f := &fixture{d: d, auth: as, tokens: map[string]string{}, doc: loadContract(t), seen: map[string]bool{}}
	f.api = New(Deps{DB: d, Schools: reg, Auth: as, Jurisdiction: j, Version: "1.2.3-test"})
	for _, nu := range []auth.NewUser{
		{Username: "admin", DisplayName: "管理员", Password: testPassword, Role: auth.Admin, OrgKind: auth.OrgCity, OrgCode: "4304"},
		{Username: "gone", DisplayName: "停用", Password: testPassword, Role: auth.Admin, OrgKind: auth.OrgCity},
	} {
		if _, err := as.CreateUser(ctx, nu); err != nil {
			t.Fatal(err)
		}
		token, _, err := as.SignIn(ctx, nu.Username, testPassword, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[nu.Username] = token
	}
	// "clerk" holds a role that grants nothing (one no longer defined, say):
	// CreateUser refuses unknown roles, so it is written directly.
	hash, err := auth.HashPassword(testPassword, as.Argon2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `INSERT INTO app_user (id, username, display_name, password_hash, role, org_kind, org_code,
		created_at, updated_at) VALUES ($1, 'clerk', '科员', $2, 'clerk', 'county', '430421', $3, $3)`, db.NewID(), hash, testNow); err != nil {
		t.Fatal(err)
	}
	token, _, err := as.SignIn(ctx, "clerk", testPassword, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["clerk"] = token
	if err := reg.CreateMany(ctx, scope.Everything, seedSchools(), school.Actor{Username: "seed"}, nil); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range f.api.Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, f.serve(rt))
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.srv = httptest.NewServer(httpx.Observe(quiet, httpx.LimitBody(bodyLimit, mux)))
	t.Cleanup(f.srv.Close)
	return f
}

// call is one scenario: a request and what must come back.
type call struct {
	name    string
	method  string
	path    string
	as      string   // the user whose bearer token is sent: "admin" by default, "anon" for none
	header  []string // extra "Name: value" request headers
	body    string
	status  int
	fields  []string // the problem's errors[].field, in order
	want    []string // substrings the body must contain
	headers []string // response headers that must be present, "Name" or "Name: value"
	check   func(t *testing.T, r *reply)
}

type reply struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// do runs a scenario, checks it, and checks the response against the OpenAPI document.
func (f *fixture) do(t *testing.T, c call) *reply {
	t.Helper()
	method := c.method
	if method == "" {
		method = "GET"
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(method, f.srv.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch c.as {
	case "":
		req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
	case "anon":
	default:
		if tok, ok := f.tokens[c.as]; ok {
			req.Header.Set("Authorization", "Bearer "+tok)
		} else {
			req.Header.Set("Authorization", c.as)
		}
	}
	for _, h := range c.header {
		k, v, _ := strings.Cut(h, ":")
		if v = strings.TrimSpace(v); v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := &reply{status: res.StatusCode, header: res.Header}
	if r.body, err = io.ReadAll(res.Body); err != nil {
		t.Fatal(err)
	}
	if len(r.body) > 0 && (strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
		strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json")) {
		if err := json.Unmarshal(r.body, &r.json); err != nil {
			t.Fatalf("%s %s: response is not a JSON object: %v\n%s", method, c.path, err, r.body)
		}
	}
	if c.status >= 0 && r.status != c.status { // status -1: the test checks it itself
		t.Fatalf("%s %s: status %d, want %d\n%s", method, c.path, r.status, c.status, r.body)
	}
	route := res.Header.Get("X-Test-Route")
	if route == "" {
		t.Fatalf("%s %s: no route answered", method, c.path)
	}
	f.doc.checkResponse(t, route, r)
	f.mu.Lock()
	f.seen[route+" "+itoa(r.status)] = true
	f.mu.Unlock()
	if r.status >= 400 {
		checkProblem(t, req, r, c.fields)
	}
	for _, w := range c.want {
		if !bytes.Contains(r.body, []byte(w)) {
			t.Errorf("%s %s: body lacks %q:\n%s", method, c.path, w, r.body)
		}
	}
	for _, h := range c.headers {
		name, value, hasValue := strings.Cut(h, ":")
		got := res.Header.Get(name)
		switch {
		case got == "":
			t.Errorf("%s %s: no %s header", method, c.path, name)
		case hasValue && got != strings.TrimSpace(value):
			t.Errorf("%s %s: %s is %q, want %q", method, c.path, name, got, strings.TrimSpace(value))
		}
	}
	if c.check != nil {
		c.check(t, r)
	}
	return r
}

// run runs scenarios in order, each as a subtest.
func (f *fixture) run(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) { f.do(t, c) })
	}
}

// checkProblem checks what every problem carries beyond its schema.
func checkProblem(t *testing.T, req *http.Request, r *reply, fields []string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("problem Content-Type %q", ct)
	}
	p := r.json
	if p["instance"] != req.URL.Path {
		t.Errorf("instance %v, want %s", p["instance"], req.URL.Path)
	}
	if p["status"] != float64(r.status) {
		t.Errorf("problem status %v, response %d", p["status"], r.status)
	}
	if id := r.header.Get("X-Request-ID"); id == "" || p["request_id"] != id {
		t.Errorf("request_id %v, X-Request-ID %q", p["request_id"], id)
	}
	var got []string
	if errs, ok := p["errors"].([]any); ok {
		for _, e := range errs {
			got = append(got, e.(map[string]any)["field"].(string))
		}
	}
	if fields != nil && !slices.Equal(got, fields) {
		t.Errorf("problem fields %q, want %q\n%s", got, fields, r.body)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// partialRun reports whether -run selects only some subtests, in which case
// the check that every documented response was exercised cannot apply.
func partialRun() bool {
	f := flag.Lookup("test.run")
	return f != nil && strings.Contains(f.Value.String(), "/")
}

func (r *reply) str(path ...string) string {
	var v any = r.json
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			json.Unmarshal([]byte(p), &i)
			if i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
