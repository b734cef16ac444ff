package web

import (
	"encoding/base32"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
)

// guard mimics the server's guard with the access rules: the session, the
// restriction of a user who must change their password or enrol a second
// factor (auth.Allowed), then the route's permission. It is what
// server.guard is asked to do.
func (f *fixture) guard() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range f.ui.Routes() {
		mux.HandleFunc(rt.Method+" "+rt.Pattern, func(w http.ResponseWriter, r *http.Request) {
			var u auth.User
			var err error = fault.New(fault.Unauthorized, "请先登录", "please sign in")
			if c, cerr := r.Cookie(auth.CookieName); cerr == nil {
				u, err = f.auth.Session(r.Context(), c.Value)
			}
			if err == nil {
				r = r.WithContext(auth.WithUser(r.Context(), u))
				if ok, goTo := auth.Allowed(u, rt.Method, rt.Pattern); !ok {
					if r.Method == http.MethodGet {
						http.Redirect(w, r, goTo, http.StatusSeeOther)
						return
					}
					f.ui.Fail(w, r, fault.New(fault.Forbidden, "请先完成账号安全设置", "finish securing your account first"))
					return
				}
			}
			if rt.Access != httpx.Public {
				if err != nil {
					f.ui.Fail(w, r, err)
					return
				}
				if rt.Permission != "" && !u.Can(rt.Permission) {
					f.ui.Fail(w, r, fault.New(fault.Forbidden, "无权访问", "forbidden"))
					return
				}
			}
			rt.Handler(w, r)
		})
	}
	return mux
}

// newGuardedFixture is the fixture behind the access guard, with a clock
// the test moves.
func newGuardedFixture(t *testing.T) (*fixture, *time.Time) {
	f := newFixture(t)
	f.srv.Config.Handler = f.guard()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	f.auth.Now = func() time.Time { return now }
	f.ui.Now = func() time.Time { return now }
	return f, &now
}

func TestParseSignInForm(t *testing.T) {
	for _, tc := range []struct {
		name   string
		form   url.Values
		want   signInForm
		fields []string
	}{
		{"plain", url.Values{"username": {" admin "}, "password": {" pw "}, "next": {"/schools?x=1"}},
			signInForm{Username: "admin", Password: " pw ", Next: "/schools?x=1"}, nil},
		{"foreign next", url.Values{"username": {"a"}, "password": {"b"}, "next": {"//evil.example"}},
			signInForm{Username: "a", Password: "b", Next: "/"}, nil},
		{"missing password", url.Values{"username": {"a"}}, signInForm{Username: "a", Next: "/"}, []string{"password"}},
		{"missing both", url.Values{}, signInForm{Next: "/"}, []string{"password"}},
		{"control characters", url.Values{"username": {"a\x00b"}, "password": {"x"}}, signInForm{Password: "x", Next: "/"}, []string{"username"}},
		{"long name", url.Values{"username": {strings.Repeat("a", 101)}, "password": {"x"}}, signInForm{Password: "x", Next: "/"}, []string{"username"}},
		{"long password", url.Values{"username": {"a"}, "password": {strings.Repeat("x", 1025)}}, signInForm{Username: "a", Next: "/"}, []string{"password"}},
		{"code step", url.Values{"code": {" 123 456 "}, "next": {"/users"}}, signInForm{Code: "123 456", Next: "/users"}, nil},
		{"long code", url.Values{"code": {strings.Repeat("1", 21)}}, signInForm{Next: "/"}, []string{"code"}},
	} {
		got, err := parseSignInForm(tc.form)
		var fields []string
		for _, f := range fault.As(err).Fields {
			fields = append(fields, f.Field)
		}
		if err == nil {
			fields = nil
		}
		if got != tc.want || strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("%s: %+v %v, want %+v %v", tc.name, got, fields, tc.want, tc.fields)
		}
	}
}

// FuzzParseSignInForm: whatever is posted, the parser does not panic, never
// returns an unsafe next, and what it accepts is bounded and printable.
func FuzzParseSignInForm(f *testing.F) {
	for _, s := range []string{"username=admin&password=x&next=%2F", "username=%00&password=", "next=%2F%2Fevil&code=1",
		"username=a&password=b&next=/%5Cevil", "next=javascript:alert(1)&username=a&password=b", "code=%EF%BC%91%EF%BC%92"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		got, err := parseSignInForm(v)
		if got.Next != safeNext(got.Next) || !strings.HasPrefix(got.Next, "/") || strings.HasPrefix(got.Next, "//") {
			t.Fatalf("unsafe next %q", got.Next)
		}
		if len(got.Username) > maxUsernameLen || len(got.Password) > maxPasswordLen || len(got.Code) > maxCodeLen {
			t.Fatalf("unbounded: %d %d %d", len(got.Username), len(got.Password), len(got.Code))
		}
		if !utf8.ValidString(got.Username) || strings.ContainsFunc(got.Username, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Fatalf("bad user name %q", got.Username)
		}
		if err == nil && !v.Has("code") && (got.Username == "" || got.Password == "") {
			t.Fatalf("accepted an empty credential: %+v", got)
		}
		if err != nil && fault.KindOf(err) != fault.Invalid {
			t.Fatalf("error of kind %s", fault.KindOf(err))
		}
	})
}

func TestSignInLockoutAndRateLimitPages(t *testing.T) {
	f, _ := newGuardedFixture(t)
	f.auth.SignInRate = -1
	post := func(pw string) response {
		return f.post(f.client, "/login", url.Values{"username": {adminName}, "password": {pw}, "next": {"/"}})
	}
	for i := 1; i <= 4; i++ {
		if res := post("Wrong-Pass-000"); res.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, res.status)
		}
	}
	res := post("Wrong-Pass-000")
	if res.status != http.StatusForbidden || res.header.Get("Retry-After") != "900" {
		t.Fatalf("fifth failure: %d Retry-After %q", res.status, res.header.Get("Retry-After"))
	}
	mustContain(t, "lockout page", res.body, `id="login-error"`, "账号已锁定至 2026-11-23 16:15（北京时间）", `value="admin"`)
	res = post(adminPassword)
	if res.status != http.StatusForbidden || len(res.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("right password while locked: %d %v", res.status, res.header.Values("Set-Cookie"))
	}

	// The rate limit: the fourth attempt a minute from one address.
	f.auth.SignInRate = 3
	for i := 1; i <= 3; i++ {
		f.post(f.client, "/login", url.Values{"username": {"nobody"}, "password": {"x"}})
	}
	res = f.post(f.client, "/login", url.Values{"username": {"someone"}, "password": {"y"}})
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "20" {
		t.Fatalf("rate limit: %d Retry-After %q", res.status, res.header.Get("Retry-After"))
	}
	mustContain(t, "rate limit page", res.body, "登录尝试过于频繁，请 20 秒后再试")
}

var secretRE = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)

// enrolTOTP turns on the second factor of the client's user through the
// pages and returns the key.
func enrolTOTP(t *testing.T, f *fixture, c *http.Client, now time.Time) []byte {
	t.Helper()
	if res := f.post(c, "/account/totp/start", nil); res.status != http.StatusSeeOther || res.header.Get("Location") != "/account/totp" {
		t.Fatalf("start: %d %q", res.status, res.header.Get("Location"))
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/account/totp", nil)
	res := f.do(c, req)
	m := secretRE.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", res.body)
	}
	mustContain(t, "enrolment page", res.body, `id="totp-uri">otpauth://totp/`)
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ReplaceAll(m[1], " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	res = f.post(c, "/account/totp/confirm", url.Values{"totp_code": {"000000"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong confirmation code: %d", res.status)
	}
	mustContain(t, "wrong confirmation code", fieldBlock(res.body, "totp_code"), "验证码不正确")
	if res := f.post(c, "/account/totp/confirm", url.Values{"totp_code": {auth.TOTP(key, now, 6)}}); res.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", res.status, res.body)
	}
	return key
}

func TestSignInWithTOTP(t *testing.T) {
	f, now := newGuardedFixture(t)
	f.signIn()
	key := enrolTOTP(t, f, f.client, *now)
	res := f.get("/account")
	mustContain(t, "account page", res.body, `id="totp-status"`, "已启用动态验证码")

	// The password step yields no session, only the pending cookie (for /login).
	c := f.newClient()
	*now = now.Add(30 * time.Second)
	res = f.post(c, "/login", url.Values{"username": {adminName}, "password": {adminPassword}, "next": {"/schools"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login/totp?next=%2Fschools" {
		t.Fatalf("password step: %d %q", res.status, res.header.Get("Location"))
	}
	cookies := strings.Join(res.header.Values("Set-Cookie"), "\n")
	mustContain(t, "pending cookie", cookies, pendingCookie+"=", "Path=/login", "HttpOnly", "SameSite=Strict")
	mustNotContain(t, "pending cookie", cookies, auth.CookieName+"=")
	get := func(path string) response {
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		return f.do(c, req)
	}
	if res := get("/schools"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Fatalf("after the password alone /schools: %d %q", res.status, res.header.Get("Location"))
	}
	res = get("/login/totp?next=%2Fschools")
	mustContain(t, "code page", res.body, `id="totp-form"`, `autocomplete="one-time-code"`, `name="next" value="/schools"`)
	res = f.post(c, "/login/totp", url.Values{"code": {"000000"}, "next": {"/schools"}})
	if res.status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", res.status)
	}
	mustContain(t, "wrong code", res.body, "动态验证码不正确或已使用", `id="totp-form"`)
	res = f.post(c, "/login/totp", url.Values{"code": {auth.TOTP(key, *now, 6)}, "next": {"/schools"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/schools" {
		t.Fatalf("code step: %d %q\n%s", res.status, res.header.Get("Location"), res.body)
	}
	if res := get("/schools"); res.status != http.StatusOK {
		t.Fatalf("signed in: %d", res.status)
	}
	// Without the pending cookie the code page sends back to the password.
	other := f.newClient()
	req, _ := http.NewRequest("GET", f.srv.URL+"/login/totp", nil)
	if res := f.do(other, req); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login?") {
		t.Errorf("code page without a pending step: %d %q", res.status, res.header.Get("Location"))
	}
	res = f.post(other, "/login/totp", url.Values{"code": {"123456"}})
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, `id="login-form"`) {
		t.Errorf("code without a pending step: %d", res.status)
	}

	// Turning it off takes the password.
	res = f.post(c, "/account/totp/disable", url.Values{"password": {"Wrong-Pass-000"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("disable with a wrong password: %d", res.status)
	}
	mustContain(t, "disable with a wrong password", fieldBlock(res.body, "password"), "当前密码不正确")
	if res := f.post(c, "/account/totp/disable", url.Values{"password": {adminPassword}}); res.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.status)
	}
}

func TestTOTPRequiredForAdminsPages(t *testing.T) {
	f, now := newGuardedFixture(t)
	f.auth.RequireTOTPForAdmins = true
	res := f.post(f.client, "/login", url.Values{"username": {adminName}, "password": {adminPassword}, "next": {"/schools"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/account/totp" {
		t.Fatalf("admin without TOTP: %d %q", res.status, res.header.Get("Location"))
	}
	for _, p := range []string{"/schools", "/users", "/", "/account"} {
		if res := f.get(p); res.status != http.StatusSeeOther || res.header.Get("Location") != "/account/totp" {
			t.Errorf("GET %s before enrolment: %d %q", p, res.status, res.header.Get("Location"))
		}
	}
	if res := f.post(f.client, "/users", url.Values{"username": {"x"}}); res.status != http.StatusForbidden {
		t.Errorf("POST /users before enrolment: %d", res.status)
	}
	res = f.get("/account/totp")
	mustContain(t, "forced enrolment", res.body, `id="totp-forced"`)
	enrolTOTP(t, f, f.client, *now)
	if res := f.get("/schools"); res.status != http.StatusOK {
		t.Errorf("after enrolment: %d", res.status)
	}
}
