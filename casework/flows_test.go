package casework

import (
	"context"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/scope"
)

// The dates below were counted by hand on the State Council's notices and
// agree with calendar.Deadline. 2025 National Day: 1–8 October off,
// Sunday 28 September and Saturday 11 October make-up workdays.

// TestInfoDisclosureFullPath: GIDR — 20 WD, the notice to supplement within 7
// WD, the clock restarting on the supplement, a third party's 15 WD not
// counted, the extension by 20 once.
func TestInfoDisclosureFullPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngine(t, d, "2026-01-15")
		c := open(t, e, InfoDisclosure, "2025-09-26", nil) // a Friday
		if c.Number != "衡教公〔2025〕1号" {
			t.Errorf("number %s", c.Number)
		}
		// 9-28 (make-up Sunday) is day 1, 1–8 October off, day 20 is 30 October.
		wantDue(t, c, "received", "2025-10-30")

		// The notice within 7 WD (window ends 13 October) stops the clock.
		c = step(t, e, c, "notify_supplement", "2025-10-09", map[string]string{"items": "身份证明"}, "supplement_notice")
		wantDue(t, c, "awaiting_supplement", "")
		if c.StoppedSince != date(t, "2025-10-09") {
			t.Errorf("stopped since %s", c.StoppedSince)
		}
		// Supplemented on 20 October: 20 WD afresh from then.
		c = step(t, e, c, "supplement", "2025-10-20", nil)
		wantDue(t, c, "received", "2025-11-17")
		if !c.StoppedSince.IsZero() {
			t.Errorf("still stopped since %s", c.StoppedSince)
		}
		// A third party has 15 WD; the reply clock stops meanwhile.
		c = step(t, e, c, "consult_third_party", "2025-10-27", map[string]string{"third_party": "某公司"})
		wantDue(t, c, "third_party", "2025-11-17")
		// Back on 10 November: 4 WD were used (21–24 October), 16 remain.
		c = step(t, e, c, "third_party_replied", "2025-11-10", nil)
		wantDue(t, c, "received", "2025-12-02")
		// Extended by 20 WD with the head's consent.
		c = step(t, e, c, "extend", "2025-11-20", map[string]string{"approved_by": "李局长"}, "extension_notice")
		wantDue(t, c, "received", "2025-12-30")
		if !c.Extended {
			t.Error("not marked extended")
		}
		c = step(t, e, c, "reply", "2025-12-01", map[string]string{"outcome": "partial"}, "reply")
		wantDue(t, c, "replied", "")
		if !c.Closed() || c.ClosedOn != date(t, "2025-12-01") || c.Late {
			t.Errorf("closed %s late %v", c.ClosedOn, c.Late)
		}
		checkAudited(t, e, c)
	})
}

// TestReconsiderationFullPath: review 5 WD; notice to supplement within 5 WD;
// the applicant's 10 WD; review again; decision 60 calendar days; a
// suspension not counted; extension by at most 30 days, once.
func TestReconsiderationFullPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngine(t, d, "2026-01-15")
		c := open(t, e, Reconsideration, "2025-03-03", map[string]string{"respondent": "某县教育局"})
		wantDue(t, c, "received", "2025-03-10")
		c = step(t, e, c, "notify_supplement", "2025-03-05", map[string]string{"items": "原行政行为的决定书"}, "supplement_notice")
		wantDue(t, c, "awaiting_supplement", "2025-03-19") // the applicant's 10 WD
		c = step(t, e, c, "supplement", "2025-03-12", nil)
		wantDue(t, c, "supplemented", "2025-03-19") // review again, 5 WD from the supplement
		c = step(t, e, c, "accept", "2025-03-14", nil)
		wantDue(t, c, "accepted", "2025-05-13") // 60 days from 14 March
		c = step(t, e, c, "suspend", "2025-04-01", nil)
		wantDue(t, c, "suspended", "")
		c = step(t, e, c, "resume", "2025-04-10", nil)
		wantDue(t, c, "accepted", "2025-05-23") // 1–10 April not counted
		// Extension 40 days is over the law's 30.
		_, err := e.Take(context.Background(), c.ID, "extend", Input{On: date(t, "2025-05-20"),
			Fields:    map[string]string{"approved_by": "王主任", "extension_days": "40"},
			Documents: []Upload{doc("extension_approval")}}, clerk)
		wantKind(t, err, "invalid")
		c = step(t, e, c, "extend", "2025-05-20", map[string]string{"approved_by": "王主任", "extension_days": "30"}, "extension_approval")
		wantDue(t, c, "accepted", "2025-06-23") // 22 June is a Sunday: the next working day
		c = step(t, e, c, "decide", "2025-06-20", map[string]string{"outcome": "uphold", "decision_no": "衡复决〔2025〕1号"}, "decision")
		wantDue(t, c, "decided", "")
		if c.Late {
			t.Error("marked late")
		}
		checkAudited(t, e, c)

		// Not refused within the review period: deemed accepted when it ends,
		// so the 60 days run from 10 March; and refusing is then too late.
		late := open(t, e, Reconsideration, "2025-03-03", map[string]string{"respondent": "某县教育局"})
		_, err = e.Take(context.Background(), late.ID, "reject", Input{On: date(t, "2025-03-14"), Reason: "超过申请期限"}, clerk)
		wantKind(t, err, "invalid")
		late = step(t, e, late, "accept", "2025-03-14", nil)
		wantDue(t, late, "accepted", "2025-05-09")
		if !late.Late {
			t.Error("a review past its 5 WD is not marked late")
		}
		// The applicant who does not supplement within 10 WD is deemed to give up — but not before.
		gone := open(t, e, Reconsideration, "2025-03-03", map[string]string{"respondent": "某县教育局"})
		gone = step(t, e, gone, "notify_supplement", "2025-03-05", map[string]string{"items": "身份证明"}, "supplement_notice")
		_, err = e.Take(context.Background(), gone.ID, "abandon", Input{On: date(t, "2025-03-19")}, clerk)
		wantKind(t, err, "invalid")
		gone = step(t, e, gone, "abandon", "2025-03-20", nil)
		wantDue(t, gone, "abandoned", "")
		if gone.Late {
			t.Error("the applicant's lateness counted against the bureau")
		}
	})
}

// TestSchoolLicenceFullPath: License Law — supplement notice within 5 WD,
// decision 20 WD, a hearing (5 to request, 20 to hold) and an expert review
// not counted, extension by 10 with the head's approval, certificate 10 WD.
func TestSchoolLicenceFullPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngine(t, d, "2026-01-15")
		c := open(t, e, SchoolLicence, "2025-09-22", map[string]string{"matter": "rename"})
		if c.Number != "衡教许〔2025〕1号" || c.Section != "schools" {
			t.Errorf("number %s section %s", c.Number, c.Section)
		}
		wantDue(t, c, "received", "2025-09-28") // the make-up Sunday is the 5th WD
		c = step(t, e, c, "notify_supplement", "2025-09-26", map[string]string{"items": "举办者资质证明"}, "supplement_notice")
		wantDue(t, c, "awaiting_supplement", "")
		c = step(t, e, c, "supplement", "2025-10-09", nil)
		wantDue(t, c, "accepted", "2025-11-05")
		c = step(t, e, c, "notify_hearing", "2025-10-13", nil)
		wantDue(t, c, "hearing_notified", "2025-10-20") // the applicant's 5 WD to ask
		c = step(t, e, c, "request_hearing", "2025-10-15", nil)
		wantDue(t, c, "hearing", "2025-11-12") // held within 20 WD of the request
		c = step(t, e, c, "hold_hearing", "2025-10-28", nil, "hearing_record")
		wantDue(t, c, "accepted", "2025-11-21") // 13–28 October not counted: 2 WD used, 18 left
		c = step(t, e, c, "start_expert_review", "2025-11-03", nil)
		wantDue(t, c, "expert_review", "")
		c = step(t, e, c, "finish_expert_review", "2025-11-07", nil, "expert_opinion")
		wantDue(t, c, "accepted", "2025-11-28")
		c = step(t, e, c, "extend", "2025-11-20", map[string]string{"approved_by": "局长"}, "extension_approval")
		wantDue(t, c, "accepted", "2025-12-12")
		_, err := e.Take(context.Background(), c.ID, "extend", Input{On: date(t, "2025-11-21"),
			Fields: map[string]string{"approved_by": "局长"}, Documents: []Upload{doc("extension_approval")}}, clerk)
		wantKind(t, err, "conflict")
		c = step(t, e, c, "approve", "2025-12-10", map[string]string{"decision_no": "衡教许决〔2025〕1号"}, "decision")
		wantDue(t, c, "approved", "2025-12-24") // certificate within 10 WD
		c = step(t, e, c, "issue_certificate", "2025-12-19", map[string]string{"licence_no": "教民143040070000001号"})
		wantDue(t, c, "certified", "")
		if c.Late || c.Fields["matter"] != "rename" || c.Fields["licence_no"] == "" {
			t.Errorf("late %v fields %v", c.Late, c.Fields)
		}
		checkAudited(t, e, c)

		// No notice within 5 WD: deemed accepted on receipt, the 20 WD run from 22 September.
		d2 := open(t, e, SchoolLicence, "2025-09-22", map[string]string{"matter": "establish"})
		_, err = e.Take(context.Background(), d2.ID, "notify_supplement", Input{On: date(t, "2025-09-29"),
			Fields: map[string]string{"items": "x"}, Documents: []Upload{doc("supplement_notice")}}, clerk)
		wantKind(t, err, "invalid")
		d2 = step(t, e, d2, "accept", "2025-10-09", nil)
		wantDue(t, d2, "accepted", "2025-10-24")
		if !d2.Late {
			t.Error("acceptance past 5 WD not marked late")
		}
		// An extension after the period ran out is refused.
		_, err = e.Take(context.Background(), d2.ID, "extend", Input{On: date(t, "2025-10-27"),
			Fields: map[string]string{"approved_by": "局长"}, Documents: []Upload{doc("extension_approval")}}, clerk)
		wantKind(t, err, "invalid")
	})
}

// TestAssignedTaskAndComplaint: a task's last day is set when assigned;
// overdue tasks are escalated once; complaints get 15 WD by default.
func TestAssignedTaskAndComplaint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2025-06-10")
		task := open(t, e, AssignedTask, "2025-06-02", map[string]string{"owner_section": "safety", "due_on": "2025-06-20", "assigned_by": "市政府办公室"})
		wantDue(t, task, "in_progress", "2025-06-20")
		if task.Section != "safety" || task.Number != "衡教督〔2025〕1号" {
			t.Errorf("section %s number %s", task.Section, task.Number)
		}
		task = step(t, e, task, "report_progress", "2025-06-09", map[string]string{"progress": "已排查 12 所学校"})
		_, err := e.Take(ctx, task.ID, "escalate", Input{}, clerk)
		wantKind(t, err, "invalid") // not overdue yet
		if n, err := e.EscalateOverdue(ctx, clerk); err != nil || n != 0 {
			t.Fatalf("escalated %d before the last day: %v", n, err)
		}
		setToday(t, e, "2025-06-23")
		if n, err := e.EscalateOverdue(ctx, clerk); err != nil || n != 1 {
			t.Fatalf("escalated %d: %v", n, err)
		}
		if n, err := e.EscalateOverdue(ctx, clerk); err != nil || n != 0 {
			t.Fatalf("escalated again %d: %v", n, err)
		}
		task, _ = e.Get(ctx, scope.Everything, task.ID)
		if !task.Escalated {
			t.Error("not escalated")
		}
		task = step(t, e, task, "complete", "2025-06-23", map[string]string{"result": "已整改"}, "report")
		if !task.Late || !task.Closed() {
			t.Errorf("a task completed after its last day: late %v closed %v", task.Late, task.Closed())
		}
		checkAudited(t, e, task)

		cp := open(t, e, Complaint, "2025-06-03", map[string]string{"channel": "hotline", "ticket_no": "12345-0001"})
		wantDue(t, cp, "received", "2025-06-24") // 15 WD
		cp = step(t, e, cp, "reply", "2025-06-20", map[string]string{"reply_summary": "已核实并答复"})
		wantDue(t, cp, "replied", "")
		checkAudited(t, e, cp)

		rates, err := e.OnTimeRates(ctx, scope.Everything, date(t, "2025-06-01"), date(t, "2025-06-30"))
		if err != nil {
			t.Fatal(err)
		}
		want := []Rate{{"office", Complaint, "2025-06", 1, 1}, {"safety", AssignedTask, "2025-06", 1, 0}}
		if len(rates) != len(want) || rates[0] != want[0] || rates[1] != want[1] {
			t.Errorf("rates %+v, want %+v", rates, want)
		}
	})
}

// TestComplaintDaysConfigurable: the reply period is the bureau's setting.
func TestComplaintDaysConfigurable(t *testing.T) {
	for _, ty := range Shipped(Config{ComplaintReplyDays: 5}) {
		if ty.Code == Complaint && ty.Rules[0].N != 5 {
			t.Errorf("complaint reply %d WD", ty.Rules[0].N)
		}
	}
}
