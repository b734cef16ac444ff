package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
)

// userRun runs `edubureau user …` with stdin and an environment.
func userRun(stdin string, environ map[string]string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"user"}, args...), env{stdin: strings.NewReader(stdin), stdout: &out,
		stderr: &errb, getenv: func(k string) string { return environ[k] }})
	return code, out.String(), errb.String()
}

func TestUserCommands(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := area.Sync(ctx, d, "430400"); err != nil {
				t.Fatal(err)
			}
			d.Close()
			environ := map[string]string{"EDUBUREAU_DB": dsn, "USER": "ops"}

			// add with a generated password: printed once, must be changed.
			code, out, errs := userRun("", environ, "add", "--username", "zhang", "--role", "staff", "--org-kind", "county",
				"--org-code", "430421", "--section", "schools", "--display-name", "张伟")
			if code != 0 {
				t.Fatalf("add: %d %s", code, errs)
			}
			m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
			if !strings.Contains(out, "created user zhang (staff, county 430421)") || m == nil {
				t.Fatalf("add output:\n%s", out)
			}
			generated := m[1]
			// add with a password from stdin, flags from --db.
			code, out, errs = userRun("Jiaoyu-Pass-2026\n", nil, "add", "--db", dsn, "--username", "root2", "--role", "admin", "--password-stdin")
			if code != 0 || strings.Contains(out, "password:") {
				t.Fatalf("add --password-stdin: %d %s %s", code, out, errs)
			}
			// Bad input: one line naming the flags at fault, status 1.
			code, _, errs = userRun("", environ, "add", "--username", "x!", "--role", "staff", "--org-kind", "county", "--org-code", "430521")
			if code != 1 || strings.Count(strings.TrimSpace(errs), "\n") != 0 ||
				!strings.Contains(errs, "--username:") || !strings.Contains(errs, "--org-code:") || !strings.Contains(errs, "--section:") {
				t.Errorf("bad add: %d %q", code, errs)
			}
			code, _, errs = userRun("", environ, "add", "--username", "zhang", "--role", "auditor", "--org-kind", "city", "--password", "Jiaoyu-Pass-2026")
			if code != 1 || !strings.Contains(errs, "user name zhang is taken") {
				t.Errorf("duplicate: %d %q", code, errs)
			}
			// Usage errors: status 2.
			for _, args := range [][]string{{"add", "--role", "admin"}, {"add", "--nope"}, {"frobnicate"}, {}, {"disable"}, {"disable", "a", "b"},
				{"list", "--status", "gone"}} {
				if code, _, _ := userRun("", environ, args...); code != 2 {
					t.Errorf("%v: status %d, want 2", args, code)
				}
			}
			// -h everywhere: status 0, usage on stderr.
			for _, sub := range []string{"-h", "add", "list", "disable", "enable", "reset-password"} {
				args := []string{sub, "-h"}
				if sub == "-h" {
					args = []string{"-h"}
				}
				code, _, errs := userRun("", environ, args...)
				if code != 0 || !strings.Contains(errs, "usage: edubureau user") {
					t.Errorf("user %s -h: %d %q", sub, code, errs)
				}
			}

			// list prints a table.
			code, out, _ = userRun("", environ, "list")
			if code != 0 || !strings.Contains(out, "USERNAME") || !strings.Contains(out, "zhang") || !strings.Contains(out, "county:430421") ||
				!strings.Contains(out, "must-change-password") || !strings.Contains(out, "2 user(s)") {
				t.Errorf("list:\n%s", out)
			}
			code, out, _ = userRun("", environ, "list", "--role", "admin")
			if code != 0 || strings.Contains(out, "zhang") || !strings.Contains(out, "root2") {
				t.Errorf("list --role admin:\n%s", out)
			}

			svc := func() (*auth.Service, func()) {
				d, err := db.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				s := auth.New(d)
				s.Argon2 = auth.DefaultArgon2
				return s, func() { d.Close() }
			}
			s, done := svc()
			if _, u, err := s.SignIn(ctx, "zhang", generated, "127.0.0.1", "t"); err != nil || !u.MustChangePassword {
				t.Errorf("sign in with the generated password: %v %v", u, err)
			}
			done()

			// disable, enable, reset-password.
			if code, out, errs := userRun("", environ, "disable", "zhang"); code != 0 || !strings.Contains(out, "user zhang disabled") {
				t.Errorf("disable: %d %s %s", code, out, errs)
			}
			if code, out, _ := userRun("", environ, "list", "--status", "disabled"); code != 0 || !strings.Contains(out, "zhang") {
				t.Errorf("list disabled:\n%s", out)
			}
			if code, out, _ := userRun("", environ, "enable", "zhang"); code != 0 || !strings.Contains(out, "user zhang enabled") {
				t.Errorf("enable: %d %s", code, out)
			}
			code, out, _ = userRun("", environ, "reset-password", "zhang")
			m = regexp.MustCompile(`temporary password for zhang: (\S+)`).FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("reset-password: %d\n%s", code, out)
			}
			s, done = svc()
			defer done()
			if _, u, err := s.SignIn(ctx, "zhang", m[1], "127.0.0.1", "t"); err != nil || !u.MustChangePassword {
				t.Errorf("sign in with the temporary password: %v %v", u, err)
			}
			if code, _, errs := userRun("", environ, "disable", "nobody"); code != 1 || !strings.Contains(errs, "no user nobody") {
				t.Errorf("disable nobody: %d %q", code, errs)
			}
			// The last administrator cannot be disabled.
			if code, _, errs := userRun("", environ, "disable", "root2"); code != 1 || !strings.Contains(errs, "last active administrator") {
				t.Errorf("disable the last admin: %d %q", code, errs)
			}
		})
	}
}
