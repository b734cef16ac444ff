package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"edubureau/auth"
	"edubureau/fault"
)

var tokenPattern = regexp.MustCompile(`ebt_[A-Za-z0-9_-]{43}`)

func TestTokenPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.signIn()
	res := f.get("/tokens")
	if res.status != http.StatusOK {
		t.Fatalf("list: %d\n%s", res.status, res.body)
	}
	mustContain(t, "empty list", res.body, "接口令牌", "尚无接口令牌", `href="/tokens/new"`, `<a href="/tokens"`)

	res = f.get("/tokens/new")
	mustContain(t, "form", res.body, `action="/tokens"`, `name="name"`, `name="expires_on"`, `name="org_code"`,
		`name="username"`, `name="read_only"`, `value="school_admin" selected`)

	// Bad input: every problem named beside its field, nothing made.
	res = f.post(f.client, "/tokens", url.Values{"name": {""}, "owner": {"org"}, "org_kind": {"school"},
		"org_code": {"2143009999"}, "role": {"school_admin"}, "expires_on": {"2026-13-01"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d\n%s", res.status, res.body)
	}
	mustContain(t, "bad form", res.body, "请为令牌命名", "不是有效日期", "没有标识码为 2143009999 的学校")
	if tokenPattern.MatchString(res.body) {
		t.Fatal("a refused form shows a token")
	}
	res = f.post(f.client, "/tokens", url.Values{"name": {"x"}, "owner": {"org"}, "org_kind": {"school"},
		"org_code": {"2143000001"}, "role": {"school_admin"}, "expires_on": {f.ui.now().AddDate(3, 0, 0).Format(time.DateOnly)}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "最长 2 年") {
		t.Fatalf("three years: %d\n%s", res.status, between(res.body, `id="form-errors"`, "</form>"))
	}

	// A good one: the token is on this page, once, with the warning.
	expires := f.ui.now().In(shanghai).AddDate(0, 1, 0).Format(time.DateOnly)
	res = f.post(f.client, "/tokens", url.Values{"name": {"实验小学学籍系统"}, "owner": {"org"}, "org_kind": {"school"},
		"org_code": {"2143000001"}, "role": {"school_admin"}, "section": {"finance"}, "read_only": {"on"}, "expires_on": {expires}})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", res.status, res.body)
	}
	secret := tokenPattern.FindString(res.body)
	if secret == "" {
		t.Fatalf("no token on the page:\n%s", res.body)
	}
	if res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page with a token may be cached: %q", res.header.Get("Cache-Control"))
	}
	mustContain(t, "created", res.body, "令牌只显示这一次", "全选（Ctrl&#43;A）", `id="token-secret"`, "学校 2143000001", "学校管理员", expires)
	if strings.Count(res.body, secret) != 1 {
		t.Errorf("the token appears %d times", strings.Count(res.body, secret))
	}
	u, err := f.auth.TokenUser(ctx, secret, "10.0.0.9")
	if err != nil || !u.ReadOnly || u.OrgCode != "2143000001" || u.Role != auth.SchoolAdmin || u.Section != "" {
		t.Fatalf("the token made: %+v %v", u, err)
	}

	// The list never shows it again, but says how it was used.
	res = f.get("/tokens")
	mustContain(t, "list", res.body, "实验小学学籍系统", secret[:8]+"…", "10.0.0.9", "有效", "学校管理员", "是", "吊销", "data-confirm=")
	mustNotContain(t, "list", res.body, secret, secret[8:20])
	id := between(res.body, `data-token="`, `"`)
	id = strings.TrimPrefix(id, `data-token="`)
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		t.Fatalf("token id %q", id)
	}

	// A token tied to a user.
	res = f.post(f.client, "/tokens", url.Values{"name": {"admin script"}, "owner": {"user"}, "username": {adminName},
		"org_kind": {"school"}, "role": {"school_admin"}, "expires_on": {expires}})
	if res.status != http.StatusCreated || !strings.Contains(res.body, "用户 admin") {
		t.Fatalf("user token: %d\n%s", res.status, res.body)
	}
	res = f.post(f.client, "/tokens", url.Values{"name": {"ghost"}, "owner": {"user"}, "username": {"ghost"}, "expires_on": {expires}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "没有用户 ghost") {
		t.Fatalf("unknown user: %d", res.status)
	}

	// Revoke: confirmed in the browser, then gone at once.
	res = f.post(f.client, "/tokens/"+id+"/revoke", url.Values{})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/tokens" {
		t.Fatalf("revoke: %d %q", res.status, res.header.Get("Location"))
	}
	res = f.get("/tokens")
	mustContain(t, "after revoke", res.body, "令牌已吊销", "已吊销")
	if _, err := f.auth.TokenUser(ctx, secret, "10.0.0.9"); fault.KindOf(err) != fault.Unauthorized {
		t.Fatalf("revoked token used: %v", err)
	}
	for _, bad := range []string{"abc", "0", "999999"} {
		if res := f.post(f.client, "/tokens/"+bad+"/revoke", url.Values{}); res.status != http.StatusNotFound {
			t.Errorf("revoke %s: %d", bad, res.status)
		}
	}

	// In English.
	f.get("/lang?to=en&next=/tokens")
	res = f.get("/tokens")
	mustContain(t, "English", res.body, "API tokens", "Revoked", "Acts as", "organisation: School 2143000001")
	res = f.get("/tokens/new")
	mustContain(t, "English form", res.body, "Kind of organisation", "Read-only")
}

func TestTokenPagesNeedThePermission(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.auth.CreateUser(ctx, auth.NewUser{Username: "clerk", Password: adminPassword, Role: auth.Staff,
		OrgKind: auth.OrgCity, Section: "schools"}); err != nil {
		t.Fatal(err)
	}
	f.signInAs(f.client, "clerk", adminPassword)
	if res := f.get("/"); strings.Contains(res.body, `href="/tokens"`) {
		t.Error("the navigation offers tokens to staff")
	}
	for _, r := range []struct{ method, path string }{{"GET", "/tokens"}, {"GET", "/tokens/new"}, {"POST", "/tokens"}, {"POST", "/tokens/1/revoke"}} {
		var res response
		if r.method == "GET" {
			res = f.get(r.path)
		} else {
			res = f.post(f.client, r.path, url.Values{"name": {"x"}})
		}
		if res.status != http.StatusForbidden {
			t.Errorf("%s %s as staff: %d", r.method, r.path, res.status)
		}
	}
}
