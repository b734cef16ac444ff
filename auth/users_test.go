package auth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

func fields(err error) []string {
	var out []string
	for _, f := range fault.As(err).Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestCreateUserChecksTheOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		for _, tc := range []struct {
			name   string
			nu     auth.NewUser
			fields []string // the problems expected; none = created
		}{
			{"admin at the city", auth.NewUser{Username: "root", Role: auth.Admin}, nil},
			{"city staff", auth.NewUser{Username: "c1", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "students"}, nil},
			{"county staff", auth.NewUser{Username: "c2", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430421", Section: "schools"}, nil},
			{"county staff, six-digit city code is not a county", auth.NewUser{Username: "c3", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430400", Section: "schools"}, []string{"org_code"}},
			{"a county of another city", auth.NewUser{Username: "c4", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430521", Section: "schools"}, []string{"org_code"}},
			{"a township is not a county", auth.NewUser{Username: "c5", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430421101", Section: "schools"}, []string{"org_code"}},
			{"city staff without a section", auth.NewUser{Username: "c6", Role: auth.Staff, OrgKind: auth.OrgCity}, []string{"section"}},
			{"an unknown section", auth.NewUser{Username: "c7", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "canteen"}, []string{"section"}},
			{"staff of a school", auth.NewUser{Username: "c8", Role: auth.Staff, OrgKind: auth.OrgSchool, OrgCode: "2143000001", Section: "schools"}, []string{"org_kind"}},
			{"school admin", auth.NewUser{Username: "s1", Role: auth.SchoolAdmin, OrgCode: "2143000001"}, nil},
			{"school admin of a missing school", auth.NewUser{Username: "s2", Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "9999999999"}, []string{"org_code"}},
			{"school admin of a county", auth.NewUser{Username: "s3", Role: auth.SchoolAdmin, OrgKind: auth.OrgCounty, OrgCode: "430421"}, []string{"org_kind"}},
			{"admin of a county", auth.NewUser{Username: "a2", Role: auth.Admin, OrgKind: auth.OrgCounty, OrgCode: "430421"}, []string{"org_kind"}},
			{"inspector with schools", auth.NewUser{Username: "i1", Role: auth.Inspector, OrgKind: auth.OrgCity, Schools: []string{"2143000002", "3443000004", "2143000002"}}, nil},
			{"county inspector, school elsewhere", auth.NewUser{Username: "i2", Role: auth.Inspector, OrgKind: auth.OrgCounty, OrgCode: "430421", Schools: []string{"2143000001"}}, []string{"schools"}},
			{"inspector, missing school", auth.NewUser{Username: "i3", Role: auth.Inspector, OrgKind: auth.OrgCity, Schools: []string{"1234567890"}}, []string{"schools"}},
			{"auditor", auth.NewUser{Username: "au", Role: auth.Auditor, OrgKind: auth.OrgCity}, nil},
			{"unknown role", auth.NewUser{Username: "x1", Role: "janitor", OrgKind: auth.OrgCity}, []string{"role"}},
			{"bad name and weak password", auth.NewUser{Username: "张三", Role: auth.Auditor, OrgKind: auth.OrgCity, Password: "short"}, []string{"username", "password"}},
			{"password with the user name", auth.NewUser{Username: "wanglei", Role: auth.Auditor, OrgKind: auth.OrgCity, Password: "Wanglei-2026!"}, []string{"password"}},
		} {
			if tc.nu.Password == "" {
				tc.nu.Password = testPassword
			}
			u, err := h.s.CreateUser(h.ctx, tc.nu)
			if len(tc.fields) == 0 {
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
				continue
			}
			if fault.KindOf(err) != fault.Invalid || !sameSet(fields(err), tc.fields) {
				t.Errorf("%s: %v (fields %v), want fields %v; created %+v", tc.name, err, fields(err), tc.fields, u)
			}
		}
		// The city's organisation code is the jurisdiction; the inspector's schools are kept, once each.
		root, _ := h.s.UserByName(h.ctx, "root")
		if root.OrgCode != "4304" || root.Section != "" {
			t.Errorf("admin org %q section %q", root.OrgCode, root.Section)
		}
		i1, _ := h.s.UserByName(h.ctx, "i1")
		if !slices.Equal(i1.Schools, []string{"2143000002", "3443000004"}) {
			t.Errorf("inspector schools %v", i1.Schools)
		}
		if sc := i1.Scope(); !sc.Reaches("430421", "3443000004") || sc.Reaches("430405", "2143000001") {
			t.Errorf("inspector scope %+v", sc)
		}
		// Loaded with the session too.
		token, _, err := h.s.SignIn(h.ctx, "i1", testPassword, "10.0.0.1", "t")
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := h.s.Session(h.ctx, token); !slices.Equal(s.Schools, i1.Schools) {
			t.Errorf("session inspector schools %v", s.Schools)
		}
		if a := h.actions(); !has(a, "user.create/ok") {
			t.Errorf("events %v", a)
		}
	})
}

func TestListAndChangeUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		root := h.add(auth.NewUser{Username: "root", DisplayName: "系统管理员", Role: auth.Admin})
		by := auth.Actor{User: root, IP: "10.0.0.9"}
		for _, n := range []string{"zhang.wei", "zhang.min", "li.na", "wang_50"} {
			h.add(auth.NewUser{Username: n, DisplayName: "用户" + strings.ReplaceAll(n, "_", "%"), Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430421", Section: "schools"})
		}
		sa := h.add(auth.NewUser{Username: "head1", DisplayName: "张校长", Role: auth.SchoolAdmin, OrgCode: "2143000001"})

		list := func(f auth.UserFilter) []string {
			t.Helper()
			p, err := h.s.ListUsers(h.ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			var out []string
			for _, u := range p.Items {
				out = append(out, u.Username)
			}
			return out
		}
		if got := list(auth.UserFilter{Query: "ZHANG"}); !slices.Equal(got, []string{"head1", "zhang.min", "zhang.wei"}) && !slices.Equal(got, []string{"zhang.min", "zhang.wei"}) {
			t.Errorf("q=zhang: %v", got)
		}
		if got := list(auth.UserFilter{Query: "张校长"}); !slices.Equal(got, []string{"head1"}) {
			t.Errorf("q=张校长: %v", got)
		}
		if got := list(auth.UserFilter{Query: "%"}); !slices.Equal(got, []string{"wang_50"}) {
			t.Errorf("q=%%: %v (a %% must match itself)", got)
		}
		if got := list(auth.UserFilter{Query: "' OR 1=1 --"}); len(got) != 0 {
			t.Errorf("SQL in the search: %v", got)
		}
		if got := list(auth.UserFilter{Role: auth.SchoolAdmin}); !slices.Equal(got, []string{"head1"}) {
			t.Errorf("role filter: %v", got)
		}
		if got := list(auth.UserFilter{OrgKind: auth.OrgCounty, OrgCode: "430421"}); len(got) != 4 {
			t.Errorf("org filter: %v", got)
		}
		p, _ := h.s.ListUsers(h.ctx, auth.UserFilter{PerPage: 2, Page: 3})
		if p.Total != 6 || p.Pages() != 3 || len(p.Items) != 2 || p.Items[0].Username != "zhang.min" {
			t.Errorf("paging: total %d pages %d items %v", p.Total, p.Pages(), p.Items)
		}
		if _, err := h.s.ListUsers(h.ctx, auth.UserFilter{Role: "x", Status: "y", PerPage: 1000}); !sameSet(fields(err), []string{"role", "status", "per_page"}) {
			t.Errorf("bad filter: %v", err)
		}

		// Update: a school admin becomes an inspector of two schools.
		u, err := h.s.UpdateUser(h.ctx, by, sa.ID, auth.UserChange{DisplayName: "张督学", Role: auth.Inspector, OrgKind: auth.OrgCity,
			Schools: []string{"2143000001", "2143000002"}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != auth.Inspector || u.OrgCode != "4304" || len(u.Schools) != 2 {
			t.Errorf("updated %+v", u)
		}
		if _, err := h.s.UpdateUser(h.ctx, by, sa.ID, auth.UserChange{Role: auth.Staff, OrgKind: auth.OrgCity}); !sameSet(fields(err), []string{"section"}) {
			t.Errorf("update without section: %v", err)
		}
		if a := h.actions(); !has(a, "user.update/ok") {
			t.Errorf("events %v", a)
		}
		// The last administrator cannot be demoted or disabled.
		if _, err := h.s.UpdateUser(h.ctx, by, root.ID, auth.UserChange{Role: auth.Auditor, OrgKind: auth.OrgCity}); fault.KindOf(err) != fault.Conflict {
			t.Errorf("demote the last admin: %v", err)
		}
		if err := h.s.SetDisabled(h.ctx, by, root.ID, true); fault.KindOf(err) != fault.Conflict {
			t.Errorf("disable oneself: %v", err)
		}
		if _, err := h.s.GetUser(h.ctx, 42); fault.KindOf(err) != fault.NotFound {
			t.Errorf("unknown id: %v", err)
		}

		// Disable: sessions end, sign-in refused; enable: back.
		token, _, err := h.s.SignIn(h.ctx, "li.na", testPassword, "10.0.0.1", "t")
		if err != nil {
			t.Fatal(err)
		}
		li, _ := h.s.UserByName(h.ctx, "li.na")
		if err := h.s.SetDisabled(h.ctx, by, li.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := h.s.Session(h.ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("session of a disabled user: %v", err)
		}
		if _, _, err := h.s.SignIn(h.ctx, "li.na", testPassword, "10.0.0.1", "t"); fault.KindOf(err) != fault.Forbidden {
			t.Errorf("disabled sign-in: %v", err)
		}
		if got := list(auth.UserFilter{Status: "disabled"}); !slices.Equal(got, []string{"li.na"}) {
			t.Errorf("disabled filter: %v", got)
		}
		if err := h.s.SetDisabled(h.ctx, by, li.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.SignIn(h.ctx, "li.na", testPassword, "10.0.0.1", "t"); err != nil {
			t.Errorf("enabled sign-in: %v", err)
		}
		if a := h.actions(); !has(a, "user.disable/ok") || !has(a, "user.enable/ok") {
			t.Errorf("events %v", a)
		}

		// Sign out everywhere.
		t1, _, _ := h.s.SignIn(h.ctx, "zhang.wei", testPassword, "10.0.0.1", "t")
		t2, _, _ := h.s.SignIn(h.ctx, "zhang.wei", testPassword, "10.0.0.2", "t")
		zw, _ := h.s.UserByName(h.ctx, "zhang.wei")
		if live, _ := h.s.LiveSessions(h.ctx, zw.ID); len(live) != 2 {
			t.Errorf("live sessions %v", live)
		}
		if n, err := h.s.SignOutEverywhere(h.ctx, by, zw.ID); err != nil || n != 2 {
			t.Fatalf("SignOutEverywhere: %d %v", n, err)
		}
		for _, tk := range []string{t1, t2} {
			if _, err := h.s.Session(h.ctx, tk); fault.KindOf(err) != fault.Unauthorized {
				t.Errorf("session survived: %v", err)
			}
		}
	})
}

func TestForcedPasswordChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		root := h.add(auth.NewUser{Username: "root", Role: auth.Admin})
		wu := h.add(auth.NewUser{Username: "wu", Role: auth.Auditor, OrgKind: auth.OrgCity})
		old, _, _ := h.s.SignIn(h.ctx, "wu", testPassword, "10.0.0.1", "t")

		temp, err := h.s.ResetPassword(h.ctx, auth.Actor{User: root}, wu.ID)
		if err != nil || auth.CheckPassword("wu", temp) != nil {
			t.Fatalf("ResetPassword: %q %v", temp, err)
		}
		if _, err := h.s.Session(h.ctx, old); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("a reset keeps the old session: %v", err)
		}
		if _, _, err := h.s.SignIn(h.ctx, "wu", testPassword, "10.0.0.1", "t"); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("old password still works: %v", err)
		}
		token, u, err := h.s.SignIn(h.ctx, "wu", temp, "10.0.0.1", "t")
		if err != nil || !u.MustChangePassword || u.Restriction() != auth.NeedPasswordChange {
			t.Fatalf("sign in with the temporary password: %+v %v", u, err)
		}
		s, _ := h.s.Session(h.ctx, token)
		if ok, goTo := auth.Allowed(s, "GET", "/schools"); ok || goTo != auth.PasswordChangePath {
			t.Errorf("restricted user reaches /schools: %v %q", ok, goTo)
		}
		other, _, _ := h.s.SignIn(h.ctx, "wu", temp, "10.0.0.2", "t")
		me := auth.Actor{User: s, IP: "10.0.0.1"}
		for _, tc := range []struct {
			current, next string
			fields        []string
		}{
			{"", "Brand-New-Pass-1", []string{"current_password"}},
			{temp, "weak", []string{"password"}},
			{temp, temp, []string{"password"}},
			{temp, "Has-wu-Inside-1", []string{"password"}},
			{"Wrong-Pass-000", "Brand-New-Pass-1", []string{"current_password"}},
		} {
			if err := h.s.ChangePassword(h.ctx, me, tc.current, tc.next, token); !sameSet(fields(err), tc.fields) {
				t.Errorf("change %q→%q: %v", tc.current, tc.next, err)
			}
		}
		if err := h.s.ChangePassword(h.ctx, me, temp, "Brand-New-Pass-1", token); err != nil {
			t.Fatal(err)
		}
		s, err = h.s.Session(h.ctx, token)
		if err != nil || s.MustChangePassword || s.Restriction() != auth.Unrestricted {
			t.Errorf("after the change: %+v %v", s, err)
		}
		if _, err := h.s.Session(h.ctx, other); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("other session kept after a password change: %v", err)
		}
		if _, _, err := h.s.SignIn(h.ctx, "wu", "Brand-New-Pass-1", "10.0.0.1", "t"); err != nil {
			t.Errorf("new password: %v", err)
		}
		if a := h.actions(); !has(a, "user.reset_password/ok") || !has(a, "user.change_password/ok") {
			t.Errorf("events %v", a)
		}
		// The service's policy is configurable.
		h.s.Policy = auth.Policy{MinLength: 14, Classes: 4}
		if err := h.s.CheckPassword("wu", "Brand-New-Pass-1"); err != nil {
			t.Errorf("16 chars of 4 classes: %v", err)
		}
		if err := h.s.CheckPassword("wu", "Brand-New-Pass"); err == nil || !strings.Contains(fault.As(err).Fields[0].Msg.EN, "at least 4 of") {
			t.Errorf("3 classes under a 4-class policy: %v", err)
		}
		if err := h.s.CheckPassword("wu", "Br-New-Pass-1"); err == nil || !strings.Contains(fault.As(err).Fields[0].Msg.EN, "14 characters") {
			t.Errorf("13 chars under a 14 policy: %v", err)
		}
		if temp, err := h.s.ResetPassword(h.ctx, auth.Actor{User: root}, wu.ID); err != nil || h.s.CheckPassword("", temp) != nil {
			t.Errorf("temporary password under a strict policy: %q %v", temp, err)
		}
	})
}

func TestSessionExpiryWithRestriction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.add(auth.NewUser{Username: "new1", Role: auth.Auditor, OrgKind: auth.OrgCity, MustChangePassword: true})
		token, u, err := h.s.SignIn(h.ctx, "new1", testPassword, "10.0.0.1", "t")
		if err != nil || !u.MustChangePassword {
			t.Fatal(u, err)
		}
		h.now = h.now.Add(30 * time.Minute)
		if _, err := h.s.Session(h.ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("idle session: %v", err)
		}
	})
}
