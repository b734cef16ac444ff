package main

import (
	"context"
	"strings"
	"testing"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/scope"
)

func TestCasesCommand(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := area.Sync(ctx, d, "4304"); err != nil {
				t.Fatal(err)
			}
			e, err := casework.New(d, casework.Shipped(casework.Config{})...)
			if err != nil {
				t.Fatal(err)
			}
			e.Argon2 = auth.Argon2{Time: 1, Memory: 64, Threads: 1}
			staff := casework.Actor{Actor: audit.Actor{Username: "staff"}, Can: func(string) bool { return true }, Scope: scope.Everything}
			today := e.Today()
			cal := calendar.Default()
			back := func(n int) calendar.Date { // n working days ago
				d := today
				for i := 0; i < n; {
					d = d.AddDays(-1)
					if ok, _ := cal.IsWorkday(d); ok {
						i++
					}
				}
				return d
			}
			open := func(typ string, in casework.OpenInput) {
				t.Helper()
				in.CountyCode = "4304"
				if _, err := e.Open(ctx, typ, in, staff); err != nil {
					t.Fatal(err)
				}
			}
			// An assigned task 12 working days past its last day, a disclosure
			// request past its 20 working days, a fresh complaint.
			open(casework.AssignedTask, casework.OpenInput{Subject: "防溺水专项工作部署落实", ReceivedOn: back(40),
				Fields: map[string]string{"owner_section": "office", "due_on": back(12).String(), "assigned_by": "市政府督查室"}})
			open(casework.InfoDisclosure, casework.OpenInput{Subject: "申请公开2025年校舍安全鉴定报告", ReceivedOn: back(30)})
			open(casework.Complaint, casework.OpenInput{Subject: "反映某小学违规收取资料费", ReceivedOn: back(1), Fields: map[string]string{"channel": "hotline"}})

			code, out, errs := auditRun(dsn, "cases", "list")
			if code != 0 || strings.Count(out, "\n") != 5 || !strings.Contains(out, "3 open cases") ||
				strings.Index(out, "衡教督") > strings.Index(out, "衡教公") || strings.Index(out, "衡教公") > strings.Index(out, "衡教信") {
				t.Fatalf("list: exit %d\n%s%s", code, out, errs)
			}
			code, out, errs = auditRun(dsn, "cases", "list", "--overdue")
			if code != 0 || !strings.Contains(out, "2 overdue cases") || strings.Contains(out, "衡教信") || !strings.Contains(out, "-12") || !strings.Contains(out, "-10") {
				t.Fatalf("list --overdue: exit %d\n%s%s", code, out, errs)
			}
			code, out, errs = auditRun(dsn, "cases", "escalate")
			if code != 0 || !strings.Contains(out, "escalated 1 overdue cases") {
				t.Fatalf("escalate: exit %d\n%s%s", code, out, errs)
			}
			code, out, _ = auditRun(dsn, "cases", "escalate", "--db", dsn)
			if code != 0 || !strings.Contains(out, "escalated 0 overdue cases") {
				t.Fatalf("escalate again: exit %d\n%s", code, out)
			}
			var by string
			if err := d.QueryRow(`SELECT username FROM audit_log WHERE action = 'case.escalate'`).Scan(&by); err != nil || by != "cli:ops" {
				t.Fatalf("audited by %q (%v)", by, err)
			}
		})
	}
}

func TestCasesCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"cases"}, 2, "usage: edubureau cases escalate"},
		{[]string{"cases", "-h"}, 0, "usage: edubureau cases escalate"},
		{[]string{"cases", "escalate", "-h"}, 0, "--db"},
		{[]string{"cases", "list", "-h"}, 0, "--overdue"},
		{[]string{"cases", "archive"}, 2, "unknown subcommand"},
		{[]string{"cases", "list", "extra"}, 2, "unexpected arguments"},
	} {
		code, out, errs := auditRun("sqlite:/nonexistent/x.db", tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.want, out, errs)
		}
	}
}
