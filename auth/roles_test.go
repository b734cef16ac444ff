package auth_test

import (
	"slices"
	"strings"
	"testing"

	"edubureau/auth"
	"edubureau/scope"
)

// views are the duties' read permissions that inspectors and auditors hold.
var views = []string{"school.view", "student.view", "teacher.view", "stats.view", "admission.view", "finance.view",
	"supervision.view", "safety.view", "case.view"}

// TestPermissionMatrix checks every role (and every section of staff)
// against every permission: the whole matrix, cell by cell.
func TestPermissionMatrix(t *testing.T) {
	all := make([]string, 0, len(auth.Permissions))
	for _, p := range auth.Permissions {
		all = append(all, p.Name)
	}
	if len(all) != 25 {
		t.Fatalf("%d permissions, want 25", len(all))
	}
	cases := []struct {
		name string
		user auth.User
		want []string
	}{
		{"admin", auth.User{Role: auth.Admin, OrgKind: auth.OrgCity}, all},
		{"staff/schools", staff("schools"), []string{"school.view", "school.edit", "case.view", "case.edit"}},
		{"staff/students", staff("students"), []string{"school.view", "student.view", "student.edit", "student.view_pii"}},
		{"staff/teachers", staff("teachers"), []string{"school.view", "teacher.view", "teacher.edit"}},
		{"staff/statistics", staff("statistics"), []string{"school.view", "stats.view"}},
		{"staff/admissions", staff("admissions"), []string{"school.view", "admission.view", "admission.edit", "admission.view_pii"}},
		{"staff/finance", staff("finance"), []string{"school.view", "finance.view", "finance.edit"}},
		{"staff/supervision", staff("supervision"), []string{"school.view", "supervision.view", "supervision.edit"}},
		{"staff/safety", staff("safety"), []string{"school.view", "safety.view", "safety.edit"}},
		{"staff/legal", staff("legal"), []string{"school.view", "case.view", "case.edit"}},
		{"staff/office", staff("office"), []string{"school.view", "case.view", "case.edit", "calendar.manage"}},
		{"staff/county students", auth.User{Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430421", Section: "students"},
			[]string{"school.view", "student.view", "student.edit", "student.view_pii"}},
		{"staff without section", staff(""), nil},
		{"staff of an unknown section", staff("canteen"), nil},
		{"school_admin", auth.User{Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "2143000001"},
			[]string{"school.view", "student.view", "student.edit", "student.view_pii", "teacher.view", "teacher.edit"}},
		{"inspector", auth.User{Role: auth.Inspector, OrgKind: auth.OrgCity}, append(slices.Clone(views), "supervision.edit")},
		{"auditor", auth.User{Role: auth.Auditor, OrgKind: auth.OrgCity}, append(slices.Clone(views), "audit.view", "audit.export")},
		{"unknown role", auth.User{Role: "janitor"}, nil},
		{"no role", auth.User{}, nil},
		{"disabled admin", auth.User{Role: auth.Admin, OrgKind: auth.OrgCity, Disabled: true}, nil},
		{"disabled staff", auth.User{Role: auth.Staff, OrgKind: auth.OrgCity, Section: "schools", Disabled: true}, nil},
	}
	for _, tc := range cases {
		for _, p := range all {
			if got, want := tc.user.Can(p), slices.Contains(tc.want, p); got != want {
				t.Errorf("%s can %s = %v, want %v", tc.name, p, got, want)
			}
		}
		if got := tc.user.Permissions(); !sameSet(got, tc.want) {
			t.Errorf("%s: Permissions() = %v, want %v", tc.name, got, tc.want)
		}
		if tc.user.Can("no.such") || tc.user.Can("") {
			t.Errorf("%s holds an unknown permission", tc.name)
		}
	}
	// The rules behind the table, stated once more as invariants.
	for _, tc := range cases {
		if tc.user.Role == auth.Admin {
			continue
		}
		for _, p := range []string{"user.manage", "token.manage", "key.manage"} {
			if tc.user.Can(p) {
				t.Errorf("%s holds %s, which only administrators hold", tc.name, p)
			}
		}
		if tc.user.Role == auth.Auditor {
			for _, p := range tc.user.Permissions() {
				if strings.HasSuffix(p, ".edit") || strings.HasSuffix(p, ".view_pii") || p == "calendar.manage" {
					t.Errorf("auditor holds %s", p)
				}
			}
		}
	}
	for _, s := range auth.Sections {
		for _, p := range s.Permissions {
			if !auth.KnownPermission(p) {
				t.Errorf("section %s grants unknown %s", s.Code, p)
			}
		}
	}
	if len(auth.Sections) != 10 {
		t.Errorf("%d sections, want 10", len(auth.Sections))
	}
}

func staff(section string) auth.User {
	return auth.User{Role: auth.Staff, OrgKind: auth.OrgCity, OrgCode: "4304", Section: section}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestScopeOfEachRole checks which records each role reaches.
func TestScopeOfEachRole(t *testing.T) {
	type probe struct {
		county, school string
		want           bool
	}
	in := func(county, school string) probe { return probe{county, school, true} }
	out := func(county, school string) probe { return probe{county, school, false} }
	for _, tc := range []struct {
		name   string
		user   auth.User
		all    bool
		probes []probe
	}{
		{"admin", auth.User{Role: auth.Admin, OrgKind: auth.OrgCity}, true, []probe{in("430421", "x"), in("430481", "y")}},
		{"city staff", staff("schools"), true, []probe{in("430421", "x")}},
		{"county staff", auth.User{Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430421", Section: "schools"}, false,
			[]probe{in("430421", "x"), in("430421101", "x"), out("430422", "x"), out("430481", "3443000004")}},
		{"staff of a school (invalid)", auth.User{Role: auth.Staff, OrgKind: auth.OrgSchool, OrgCode: "2143000001", Section: "schools"}, false,
			[]probe{out("430405", "2143000001")}},
		{"school admin", auth.User{Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "2143000001"}, false,
			[]probe{in("430405", "2143000001"), out("430405", "2143000002"), out("430421", "")}},
		{"school admin of a county (invalid)", auth.User{Role: auth.SchoolAdmin, OrgKind: auth.OrgCounty, OrgCode: "430421"}, false,
			[]probe{out("430421", "x")}},
		{"inspector", auth.User{Role: auth.Inspector, OrgKind: auth.OrgCity, Schools: []string{"2143000001", "3443000004"}}, false,
			[]probe{in("430405", "2143000001"), in("430421", "3443000004"), out("430405", "2143000002"), out("430421", "")}},
		{"inspector without schools", auth.User{Role: auth.Inspector, OrgKind: auth.OrgCity}, false, []probe{out("430405", "2143000001")}},
		{"city auditor", auth.User{Role: auth.Auditor, OrgKind: auth.OrgCity}, true, []probe{in("430481", "y")}},
		{"county auditor", auth.User{Role: auth.Auditor, OrgKind: auth.OrgCounty, OrgCode: "430481"}, false,
			[]probe{in("430481", "y"), out("430421", "y")}},
		{"disabled admin", auth.User{Role: auth.Admin, OrgKind: auth.OrgCity, Disabled: true}, false, []probe{out("430421", "x")}},
		{"nobody", auth.User{}, false, []probe{out("430421", "x")}},
	} {
		sc := tc.user.Scope()
		if sc.All != tc.all {
			t.Errorf("%s: All = %v", tc.name, sc.All)
		}
		for _, p := range tc.probes {
			if got := sc.Reaches(p.county, p.school); got != p.want {
				t.Errorf("%s reaches (%s, %s) = %v, want %v", tc.name, p.county, p.school, got, p.want)
			}
		}
		if !tc.all && !slices.ContainsFunc(tc.probes, func(p probe) bool { return p.want }) {
			if cond, _ := sc.SQL("county_code", "code", 1); cond != "1=0" {
				t.Errorf("%s: SQL %q, want 1=0", tc.name, cond)
			}
		}
	}
	// The inspector's scope is a copy: changing it does not change the user.
	u := auth.User{Role: auth.Inspector, Schools: []string{"a"}}
	u.Scope().Schools[0] = "b"
	if u.Schools[0] != "a" {
		t.Error("Scope shares the user's slice")
	}
	_ = scope.Everything
}

func TestRestrictions(t *testing.T) {
	for _, tc := range []struct {
		user            auth.User
		method, pattern string
		ok              bool
		goTo            string
	}{
		{auth.User{Role: auth.Admin}, "GET", "/schools", true, ""},
		{auth.User{MustChangePassword: true}, "GET", "/schools", false, "/account/password"},
		{auth.User{MustChangePassword: true}, "GET", "/{$}", false, "/account/password"},
		{auth.User{MustChangePassword: true}, "GET", "/account/password", true, "/account/password"},
		{auth.User{MustChangePassword: true}, "POST", "/account/password", true, "/account/password"},
		{auth.User{MustChangePassword: true}, "POST", "/logout", true, "/account/password"},
		{auth.User{MustChangePassword: true}, "GET", "/static/{file...}", true, "/account/password"},
		{auth.User{MustChangePassword: true}, "GET", "/lang", true, "/account/password"},
		{auth.User{MustChangePassword: true}, "POST", "/account/totp/start", false, "/account/password"},
		{auth.User{MustChangePassword: true}, "GET", "/api/v1/schools", false, "/account/password"},
		{auth.User{MustChangePassword: true, MustEnrolTOTP: true}, "GET", "/account/totp", false, "/account/password"},
		{auth.User{MustEnrolTOTP: true}, "GET", "/account/totp", true, "/account/totp"},
		{auth.User{MustEnrolTOTP: true}, "POST", "/account/totp/confirm", true, "/account/totp"},
		{auth.User{MustEnrolTOTP: true}, "GET", "/users", false, "/account/totp"},
		{auth.User{MustEnrolTOTP: true}, "POST", "/logout", true, "/account/totp"},
	} {
		ok, goTo := auth.Allowed(tc.user, tc.method, tc.pattern)
		if ok != tc.ok || goTo != tc.goTo {
			t.Errorf("%+v %s %s: (%v, %q), want (%v, %q)", tc.user.Restriction(), tc.method, tc.pattern, ok, goTo, tc.ok, tc.goTo)
		}
	}
}
