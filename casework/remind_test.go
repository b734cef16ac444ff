package casework

import (
	"context"
	"errors"
	"strings"
	"testing"

	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/scope"
)

// TestReminders: a user's overdue cases and those due within 3 working days,
// and the escalated tasks they handle or their section owns; the count the
// badge shows; one digest a day, given back when sending fails.
func TestReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2026-06-01")
		me := clerk // user 7
		other := clerk
		other.UserID, other.Username = 8, "other"
		openBy := func(by Actor, typ, received string, fields map[string]string) Case {
			ty, _ := e.Type(typ)
			c, err := e.Open(ctx, typ, OpenInput{Subject: "提醒测试 " + typ, CountyCode: "430405", ReceivedOn: date(t, received),
				Fields: fields, Documents: []Upload{doc(ty.Documents[0].Code)}}, by)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		soon := openBy(me, Complaint, "2026-05-12", map[string]string{"channel": "hotline"}) // 15 WD: due 2 June
		late := openBy(me, Complaint, "2026-05-06", map[string]string{"channel": "letter"})  // due 26 May: overdue
		openBy(me, Complaint, "2026-05-29", map[string]string{"channel": "online"})          // due in June: not yet
		openBy(other, Complaint, "2026-05-06", map[string]string{"channel": "hotline"})      // someone else's
		task := openBy(other, AssignedTask, "2026-05-06", map[string]string{"owner_section": "legal", "due_on": "2026-05-20",
			"assigned_by": "市政府办公室"}) // the legal section's, overdue
		if n, err := e.EscalateOverdue(ctx, clerk); err != nil || n != 1 {
			t.Fatalf("escalated %d: %v", n, err)
		}
		r, err := e.RemindersFor(ctx, me.UserID, "legal", scope.Everything)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Overdue) != 1 || r.Overdue[0].ID != late.ID || len(r.DueSoon) != 1 || r.DueSoon[0].ID != soon.ID ||
			len(r.Escalated) != 1 || r.Escalated[0].ID != task.ID || r.Count() != 3 {
			t.Fatalf("reminders %+v", r)
		}
		if n, err := e.ReminderCount(ctx, me.UserID, "legal", scope.Everything, 100); err != nil || n != 3 {
			t.Errorf("count %d %v", n, err)
		}
		if n, _ := e.ReminderCount(ctx, me.UserID, "schools", scope.Everything, 100); n != 2 {
			t.Errorf("count without the section's task: %d", n)
		}
		if n, _ := e.ReminderCount(ctx, me.UserID, "legal", scope.Everything, 2); n != 2 {
			t.Errorf("capped count %d", n)
		}
		if n, _ := e.ReminderCount(ctx, me.UserID, "legal", scope.Area("430421"), 100); n != 0 {
			t.Errorf("out of scope count %d", n)
		}

		subject, body := e.Digest(r, "张三", "https://jyj.example.cn/")
		for _, want := range []string{late.Number, soon.Number, task.Number, "https://jyj.example.cn/cases/", "已逾期", "Overdue", "张三"} {
			if !strings.Contains(body, want) {
				t.Errorf("digest lacks %q:\n%s", want, body)
			}
		}
		if !strings.Contains(subject, "逾期 1 件") || strings.ContainsAny(subject, "\r\n") {
			t.Errorf("subject %q", subject)
		}

		users := []auth.User{
			{ID: 7, Username: "clerk", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "legal", Email: "clerk@jyj.example.cn"},
			{ID: 8, Username: "other", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "finance", Email: "other@jyj.example.cn"}, // no case.view
			{ID: 9, Username: "noaddr", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "legal"},
			{ID: 10, Username: "idle", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "schools", Email: "idle@jyj.example.cn"},
		}
		var sent []string
		fail := true
		send := func(to, subject, body string) error {
			if fail {
				return errors.New("connection refused")
			}
			sent = append(sent, to)
			return nil
		}
		rep, err := e.SendReminders(ctx, users, send, "", clerk)
		if err != nil || rep.Failed != 1 || rep.Sent != 0 || rep.NoAddress != 1 || rep.Nothing != 1 {
			t.Fatalf("a failed send: %+v %v", rep, err)
		}
		fail = false
		rep, err = e.SendReminders(ctx, users, send, "", clerk)
		if err != nil || rep.Sent != 1 || len(sent) != 1 || sent[0] != "clerk@jyj.example.cn" {
			t.Fatalf("the retry: %+v %v %v", rep, sent, err)
		}
		rep, err = e.SendReminders(ctx, users, send, "", clerk)
		if err != nil || rep.Sent != 0 || rep.AlreadySent != 1 || len(sent) != 1 {
			t.Fatalf("the same day again: %+v %v", rep, err)
		}
		setToday(t, e, "2026-06-02")
		if rep, _ := e.SendReminders(ctx, users, send, "", clerk); rep.Sent != 1 {
			t.Errorf("the next day: %+v", rep)
		}
		var audited int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'case.remind'`).Scan(&audited); err != nil || audited != 2 {
			t.Errorf("%d digests audited: %v", audited, err)
		}
	})
}
