package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"edubureau/auth"
)

var tempRE = regexp.MustCompile(`id="temp-password">([^<]+)<`)

func TestUserPages(t *testing.T) {
	f, _ := newGuardedFixture(t)
	f.signIn()

	res := f.get("/users")
	if res.status != http.StatusOK {
		t.Fatalf("/users: %d", res.status)
	}
	mustContain(t, "user list", res.body, `id="user-list"`, `data-user="admin"`, `href="/users"`, "用户管理", `id="new-user"`)
	mustContain(t, "new user form", f.get("/users/new").body, `id="user-form"`, `name="username"`, `<option value="430421">衡阳县</option>`)

	// Field errors, each beside its field, the values kept.
	res = f.post(f.client, "/users", url.Values{"username": {"x!"}, "display_name": {"王五"}, "role": {"staff"},
		"org_kind": {"county"}, "county": {""}, "password": {"short"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad user: %d", res.status)
	}
	mustContain(t, "username error", fieldBlock(res.body, "username"), "用户名应为", `aria-invalid="true"`, `value="x!"`)
	mustContain(t, "county error", fieldBlock(res.body, "county"), "请选择县区")
	mustContain(t, "section error", fieldBlock(res.body, "section"), "科室工作人员须选择科室")
	mustContain(t, "password error", fieldBlock(res.body, "password"), "密码至少 10 个字符")
	mustContain(t, "display name kept", fieldBlock(res.body, "display_name"), `value="王五"`)
	mustNotContain(t, "password not echoed", res.body, `value="short"`)
	res = f.post(f.client, "/users", url.Values{"username": {"head1"}, "role": {"school_admin"}, "org_kind": {"school"}, "school": {"9999999999"}})
	mustContain(t, "missing school", fieldBlock(res.body, "school"), "没有标识码为 9999999999 的学校")
	res = f.post(f.client, "/users", url.Values{"username": {"admin"}, "role": {"auditor"}, "org_kind": {"city"}})
	if res.status != http.StatusConflict {
		t.Errorf("duplicate: %d", res.status)
	}
	mustContain(t, "duplicate", fieldBlock(res.body, "username"), "用户名 admin 已存在")

	// Created with a generated password, shown once.
	res = f.post(f.client, "/users", url.Values{"username": {"zhang"}, "display_name": {"张伟"}, "role": {"staff"},
		"org_kind": {"county"}, "county": {"430405"}, "section": {"schools"}})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", res.status, res.body)
	}
	m := tempRE.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no temporary password:\n%s", res.body)
	}
	temp := m[1]
	zhang, err := f.auth.UserByName(context.Background(), "zhang")
	if err != nil || !zhang.MustChangePassword || zhang.OrgCode != "430405" {
		t.Fatalf("created %+v %v", zhang, err)
	}
	id := "/users/" + itoa(zhang.ID)
	res = f.get(id)
	mustContain(t, "user page", res.body, `value="zhang"`, `<option value="430405" selected>`, `id="disable-user"`, `data-confirm=`, `id="reset-password"`)
	mustNotContain(t, "user page", res.body, temp)

	// Inspector with schools; list filters.
	res = f.post(f.client, "/users", url.Values{"username": {"du"}, "role": {"inspector"}, "org_kind": {"city"},
		"schools": {"2143000001, 3443000004\n1143000003"}, "password": {"Jiaoyu-Pass-2026"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("inspector: %d\n%s", res.status, res.body)
	}
	mustContain(t, "role filter", f.get("/users?role=inspector").body, `data-user="du"`, "3 所学校")
	mustNotContain(t, "role filter", f.get("/users?role=inspector").body, `data-user="zhang"`)
	mustContain(t, "org filter", f.get("/users?org=county%3A430405").body, `data-user="zhang"`)
	mustContain(t, "search", f.get("/users?q=%E5%BC%A0").body, `data-user="zhang"`)
	res = f.get("/users?role=bogus&org=mars&page=0")
	if res.status != http.StatusBadRequest {
		t.Errorf("bad filter: %d", res.status)
	}
	mustContain(t, "bad filter", res.body, `id="filter-errors"`)

	// The new user signs in and must change the password first.
	c := f.newClient()
	res = f.post(c, "/login", url.Values{"username": {"zhang"}, "password": {temp}, "next": {"/schools"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/account/password?next=%2Fschools" {
		t.Fatalf("first sign-in: %d %q", res.status, res.header.Get("Location"))
	}
	get := func(c *http.Client, path string) response {
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		return f.do(c, req)
	}
	if res := get(c, "/schools"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/account/password" {
		t.Fatalf("before the change /schools: %d %q", res.status, res.header.Get("Location"))
	}
	res = get(c, "/account/password?next=%2Fschools")
	mustContain(t, "forced change", res.body, `id="password-forced"`, `name="next" value="/schools"`, "至少 10 个字符")
	res = f.post(c, "/account/password", url.Values{"current_password": {temp}, "password": {"Jiaoyu-New-Pass-1"},
		"password_confirm": {"Jiaoyu-New-Pass-2"}, "next": {"/schools"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("mismatch: %d", res.status)
	}
	mustContain(t, "mismatch", fieldBlock(res.body, "password_confirm"), "两次输入的新密码不一致")
	res = f.post(c, "/account/password", url.Values{"current_password": {"Wrong-Pass-000"}, "password": {"Jiaoyu-New-Pass-1"},
		"password_confirm": {"Jiaoyu-New-Pass-1"}})
	mustContain(t, "wrong current", fieldBlock(res.body, "current_password"), "当前密码不正确")
	res = f.post(c, "/account/password", url.Values{"current_password": {temp}, "password": {"Jiaoyu-New-Pass-1"},
		"password_confirm": {"Jiaoyu-New-Pass-1"}, "next": {"/schools"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/schools" {
		t.Fatalf("change: %d %q\n%s", res.status, res.header.Get("Location"), res.body)
	}
	if res := get(c, "/schools"); res.status != http.StatusOK {
		t.Fatalf("after the change: %d", res.status)
	}
	// Staff of a section do not manage users.
	if res := get(c, "/users"); res.status != http.StatusForbidden {
		t.Errorf("staff /users: %d", res.status)
	}
	mustNotContain(t, "staff nav", get(c, "/schools").body, `href="/users"`)

	// Reset: a temporary password once, the sessions end, a change is forced again.
	res = f.post(f.client, id+"/reset-password", nil)
	if res.status != http.StatusOK {
		t.Fatalf("reset: %d", res.status)
	}
	m = tempRE.FindStringSubmatch(res.body)
	if m == nil || m[1] == temp {
		t.Fatalf("reset page:\n%s", res.body)
	}
	mustContain(t, "reset page", res.body, "临时密码只显示这一次")
	if res := get(c, "/schools"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Errorf("session after reset: %d %q", res.status, res.header.Get("Location"))
	}
	res = f.post(c, "/login", url.Values{"username": {"zhang"}, "password": {m[1]}})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/account/password") {
		t.Errorf("sign in after reset: %d %q", res.status, res.header.Get("Location"))
	}

	// Edit: the role changes, errors beside the fields.
	res = f.post(f.client, id, url.Values{"display_name": {"张伟"}, "role": {"staff"}, "org_kind": {"city"}, "section": {""}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("edit without section: %d", res.status)
	}
	mustContain(t, "edit error", fieldBlock(res.body, "section"), "科室工作人员须选择科室")
	res = f.post(f.client, id, url.Values{"display_name": {"张伟"}, "role": {"auditor"}, "org_kind": {"city"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.status, res.body)
	}
	if u, _ := f.auth.UserByName(context.Background(), "zhang"); u.Role != auth.Auditor {
		t.Errorf("role after edit: %s", u.Role)
	}

	// Disable: sign-in refused; enable.
	if res := f.post(f.client, id+"/disable", nil); res.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.status)
	}
	mustContain(t, "disabled", f.get(id).body, `id="enable-user"`, "已停用")
	res = f.post(f.newClient(), "/login", url.Values{"username": {"zhang"}, "password": {m[1]}})
	if res.status != http.StatusForbidden {
		t.Errorf("disabled sign-in: %d", res.status)
	}
	mustContain(t, "disabled sign-in", res.body, "该账号已停用")
	if res := f.post(f.client, id+"/enable", nil); res.status != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.status)
	}
	if res := f.post(f.client, id+"/revoke-sessions", nil); res.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.status)
	}
	if res := f.get("/users/999"); res.status != http.StatusNotFound {
		t.Errorf("unknown user: %d", res.status)
	}
	if res := f.get("/users/abc"); res.status != http.StatusNotFound {
		t.Errorf("bad id: %d", res.status)
	}
	// The administrator cannot disable themself.
	me, _ := f.auth.UserByName(context.Background(), adminName)
	if res := f.post(f.client, "/users/"+itoa(me.ID)+"/disable", nil); res.status != http.StatusConflict {
		t.Errorf("disable oneself: %d", res.status)
	}
}

func TestAccountPage(t *testing.T) {
	f, _ := newGuardedFixture(t)
	f.signIn()
	res := f.get("/account")
	mustContain(t, "account", res.body, `id="account-username">admin<`, "系统管理员", "管理用户", `id="session-list"`, `href="/account"`)
	other := f.newClient()
	f.signInAs(other, adminName, adminPassword)
	if res := f.post(f.client, "/account/sessions/revoke", nil); res.status != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", res.status)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/", nil)
	if res := f.do(other, req); res.status != http.StatusSeeOther {
		t.Errorf("other session after sign-out everywhere: %d", res.status)
	}
	if res := f.get("/"); res.status != http.StatusSeeOther {
		t.Errorf("this session after sign-out everywhere: %d", res.status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
