package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/mail/mailtest"
	"edubureau/scope"
)

// casesDB opens dsn with Hengyang's areas, closed when the test ends.
func casesDB(t *testing.T, dsn string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := area.Sync(context.Background(), d, "4304"); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCasesCommand(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d := casesDB(t, dsn)
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

// TestCasesRemind runs `cases remind` against a real SMTP exchange with the
// in-process test server: each user with an address and something to be
// reminded of gets one digest (their overdue case; their section's escalated
// task), with links; run again the same day, nobody gets a second one; a
// refused recipient fails the run (exit 1) and is sent on the next run.
func TestCasesRemind(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d := casesDB(t, dsn)
			svc := auth.New(d)
			svc.Argon2 = auth.Argon2{Time: 1, Memory: 64, Threads: 1}
			user := func(name, section, email string) auth.User {
				u, err := svc.CreateUser(ctx, auth.NewUser{Username: name, Password: "Remind-Pass-2026", Role: auth.Staff,
					OrgKind: auth.OrgCity, Section: section, Email: email})
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			zhang := user("zhang", "legal", "zhang@jyj.example.cn")
			user("wang", "office", "wang@jyj.example.cn")
			li := user("li", "legal", "")                  // no address
			user("zhao", "schools", "zhao@jyj.example.cn") // nothing due
			if _, err := svc.CreateUser(ctx, auth.NewUser{Username: "bad", Password: "Remind-Pass-2026", Role: auth.Staff, OrgKind: auth.OrgCity,
				Section: "legal", Email: "not-an-address"}); err == nil {
				t.Fatal("a malformed e-mail address was accepted")
			}
			e, err := casework.New(d, casework.Shipped(casework.Config{})...)
			if err != nil {
				t.Fatal(err)
			}
			e.Argon2 = auth.Argon2{Time: 1, Memory: 64, Threads: 1}
			as := func(u auth.User) casework.Actor { return casework.ActorOf(u, "", "") }
			today := e.Today()
			cal := calendar.Default()
			back := func(n int) calendar.Date {
				d := today
				for i := 0; i < n; {
					d = d.AddDays(-1)
					if ok, _ := cal.IsWorkday(d); ok {
						i++
					}
				}
				return d
			}
			admin := casework.Actor{Actor: audit.Actor{Username: "staff"}, Can: func(string) bool { return true }, Scope: scope.Everything}
			open := func(by casework.Actor, typ string, in casework.OpenInput) casework.Case {
				t.Helper()
				in.CountyCode = "4304"
				if by.UserID != 0 {
					in.HandlerID, in.Handler = by.UserID, by.Username
				}
				c, err := e.Open(ctx, typ, in, admin)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			overdue := open(as(zhang), casework.InfoDisclosure, casework.OpenInput{Subject: "申请公开2025年校舍安全鉴定报告", ReceivedOn: back(25)})
			open(as(li), casework.InfoDisclosure, casework.OpenInput{Subject: "申请公开教辅目录", ReceivedOn: back(25)})
			task := open(casework.Actor{}, casework.AssignedTask, casework.OpenInput{Subject: "防溺水专项工作部署落实", ReceivedOn: back(40),
				Fields: map[string]string{"owner_section": "office", "due_on": back(12).String(), "assigned_by": "市政府督查室"}})
			if n, err := e.EscalateOverdue(ctx, admin); err != nil || n != 1 {
				t.Fatalf("escalate %d %v", n, err)
			}

			srv := mailtest.Start(t)
			srv.Users = map[string]string{"notify": "Smtp-Pass-1"}
			srv.Reject = func(to string) bool { return to == "wang@jyj.example.cn" }
			args := []string{"cases", "remind", "--smtp-host", srv.Host, "--smtp-port", strconv.Itoa(srv.Port), "--smtp-tls", "none",
				"--smtp-user", "notify", "--smtp-password", "Smtp-Pass-1", "--smtp-from", "衡阳市教育局 <noreply@jyj.example.cn>",
				"--public-url", "https://jyj.example.cn/"}
			code, out, errs := auditRun(dsn, args...)
			if code != 1 || !strings.Contains(out, "sent 1 digests") || !strings.Contains(errs, "wang") || !strings.Contains(out, "1 without an e-mail address") {
				t.Fatalf("first run: exit %d\n%s%s", code, out, errs)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 || msgs[0].To[0] != "zhang@jyj.example.cn" || msgs[0].User != "notify" ||
				!strings.Contains(msgs[0].Subject, "逾期 1 件") || !strings.Contains(msgs[0].Body, overdue.Number) ||
				!strings.Contains(msgs[0].Body, "https://jyj.example.cn/cases/"+strconv.FormatInt(overdue.ID, 10)) {
				t.Fatalf("messages %v\n%s", msgs, msgs)
			}
			srv.Reject = nil
			code, out, errs = auditRun(dsn, args...)
			if code != 0 || !strings.Contains(out, "sent 1 digests; 1 already sent today") {
				t.Fatalf("second run: exit %d\n%s%s", code, out, errs)
			}
			msgs = srv.Messages()
			if len(msgs) != 2 || msgs[1].To[0] != "wang@jyj.example.cn" || !strings.Contains(msgs[1].Body, task.Number) ||
				!strings.Contains(msgs[1].Body, "督办") {
				t.Fatalf("messages %v", msgs)
			}
			code, out, _ = auditRun(dsn, args...)
			if code != 0 || !strings.Contains(out, "sent 0 digests; 2 already sent today") || len(srv.Messages()) != 2 {
				t.Fatalf("third run: exit %d\n%s", code, out)
			}
			var audited int
			if err := d.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'case.remind' AND username = 'cli:ops'`).Scan(&audited); err != nil || audited != 2 {
				t.Fatalf("%d digests audited (%v)", audited, err)
			}
			// --dry-run prints the digests, sends and records nothing.
			code, out, _ = auditRun(dsn, "cases", "remind", "--dry-run")
			if code != 0 || !strings.Contains(out, "To: li <(no e-mail address)>") || !strings.Contains(out, "3 digests (dry run") {
				t.Fatalf("dry run: exit %d\n%s", code, out)
			}
		})
	}
}

func TestCasesRemindNeedsSMTP(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cases", "remind"}, "SMTP is not configured"},
		{[]string{"cases", "remind", "--smtp-host", "smtp.example.cn"}, "bad SMTP settings"},
		{[]string{"cases", "remind", "--smtp-host", "smtp.example.cn", "--smtp-from", "x@y.cn", "--smtp-tls", "ssl"}, "bad --smtp-tls"},
		{[]string{"cases", "remind", "--public-url", "jyj.example.cn"}, "bad --public-url"},
	} {
		code, out, errs := auditRun(dsn, tc.args...)
		if code != 2 || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q\n%s%s", tc.args, code, tc.want, out, errs)
		}
	}
}
