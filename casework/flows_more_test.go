package casework

import (
	"context"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
)

// openIn opens a case of type typ for a school in county, that must succeed.
func openIn(t *testing.T, e *Engine, typ, received, county, schoolCode string, fields map[string]string) Case {
	t.Helper()
	ty, _ := e.Type(typ)
	c, err := e.Open(context.Background(), typ, OpenInput{ApplicantName: "申请人", Subject: "测试 " + typ, CountyCode: county,
		SchoolCode: schoolCode, ReceivedOn: date(t, received), Fields: fields, Documents: []Upload{doc(ty.Documents[0].Code)}}, clerk)
	if err != nil {
		t.Fatalf("open %s: %v", typ, err)
	}
	return c
}

// TestLicenceRenewalFullPath: License Law periods (supplement notice within 5
// WD, decision 20 WD with an inspection not counted, +10 once, certificate 10
// WD); the approval renews the licence in the registry in the same
// transaction; schools that cannot be renewed are refused at opening.
func TestLicenceRenewalFullPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := withSchools(t, d)
		e := newEngine(t, d, "2026-06-10")
		e.Hooks = RenewalHooks(reg)

		c := openIn(t, e, LicenceRenewal, "2026-04-01", "430405", "2143000101", nil)
		if c.Number != "衡教续〔2026〕1号" {
			t.Errorf("number %s", c.Number)
		}
		wantDue(t, c, "received", "2026-04-09")
		c = step(t, e, c, "notify_supplement", "2026-04-03", map[string]string{"items": "近三年财务审计报告"}, "supplement_notice")
		c = step(t, e, c, "supplement", "2026-04-10", nil)
		wantDue(t, c, "accepted", "2026-05-12")
		c = step(t, e, c, "start_inspection", "2026-04-15", nil)
		wantDue(t, c, "inspection", "")
		c = step(t, e, c, "finish_inspection", "2026-04-22", nil, "inspection_report")
		wantDue(t, c, "accepted", "2026-05-20") // 13–14 April used, 15–22 April not counted
		c = step(t, e, c, "extend", "2026-05-18", map[string]string{"approved_by": "局长"}, "extension_approval")
		wantDue(t, c, "accepted", "2026-06-03")
		_, err := e.Take(ctx, c.ID, "extend", Input{On: date(t, "2026-05-19"), Fields: map[string]string{"approved_by": "局长"},
			Documents: []Upload{doc("extension_approval")}}, clerk)
		wantKind(t, err, fault.Conflict)

		// An expiry not after the present one is refused by the registry hook: nothing changes.
		before := snap(t, e, c.ID)
		_, err = e.Take(ctx, c.ID, "approve", Input{On: date(t, "2026-05-20"), Fields: map[string]string{"decision_no": "衡教续决〔2026〕1号",
			"new_expires_on": "2026-06-30"}, Documents: []Upload{doc("decision")}}, clerk)
		wantKind(t, err, fault.Invalid)
		if !names(err, "new_expires_on") {
			t.Errorf("%v does not name new_expires_on", err)
		}
		if after := snap(t, e, c.ID); after != before {
			t.Errorf("a refused approval changed the case")
		}
		c = step(t, e, c, "approve", "2026-05-20", map[string]string{"decision_no": "衡教续决〔2026〕1号", "new_expires_on": "2031-06-30",
			"licence_no": "教民143040500101号"}, "decision")
		wantDue(t, c, "approved", "2026-06-03") // certificate within 10 WD
		s, err := reg.Get(ctx, scope.Everything, "2143000101")
		if err != nil || s.LicenceExpiresOn != "2031-06-30" || s.LicenceIssuedOn != "2026-05-20" || s.LicenceNo != "教民143040500101号" {
			t.Fatalf("registry after the renewal: %+v %v", s, err)
		}
		hist, err := reg.History(ctx, scope.Everything, "2143000101")
		if err != nil || len(hist) != 2 || hist[0].Version != 2 {
			t.Fatalf("registry history %+v %v", hist, err)
		}
		c = step(t, e, c, "issue_certificate", "2026-05-25", nil)
		wantDue(t, c, "certified", "")
		if c.Late {
			t.Error("marked late")
		}
		checkAudited(t, e, c)

		// Opening is refused for what cannot be renewed, and nothing is numbered.
		for _, tc := range []struct{ school, county, field string }{
			{"", "430405", "school_code"},           // no school
			{"2143000104", "430405", "school_code"}, // a public school
			{"3143000103", "430421", "school_code"}, // ran out on 31 August 2025
			{"1143000105", "430405", "school_code"}, // closed
			{"3143000103", "430405", "school_code"}, // not in the case's county
		} {
			_, err := e.Open(ctx, LicenceRenewal, OpenInput{Subject: "延续", CountyCode: tc.county, SchoolCode: tc.school,
				ReceivedOn: date(t, "2026-04-01")}, clerk)
			wantKind(t, err, fault.Invalid)
			if !names(err, tc.field) {
				t.Errorf("%s: %v does not name %s", tc.school, err, tc.field)
			}
		}
		next := openIn(t, e, LicenceRenewal, "2026-04-02", "430405", "1143000102", nil)
		if next.Number != "衡教续〔2026〕2号" {
			t.Errorf("refused openings left a gap: %s", next.Number)
		}
	})
}

// TestTrainingSupervisionFullPath: a violation case decided within 90 days of
// registration (Administrative Penalty Law Art. 60); rectification by a day
// the notice sets, extended once by at most 30 days; re-checked in 10 WD.
func TestTrainingSupervisionFullPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2026-06-30")
		c := openIn(t, e, TrainingCase, "2026-03-02", "430405", "9243000106", map[string]string{"violation": "prepaid_fee",
			"details": "一次性收取 96 课时费用"})
		if c.Number != "衡教监〔2026〕1号" {
			t.Errorf("number %s", c.Number)
		}
		wantDue(t, c, "registered", "2026-06-01") // 90 calendar days
		c = step(t, e, c, "order_rectification", "2026-03-20", map[string]string{"items": "退还超期预收费用", "rectify_by": "2026-05-06"}, "rectification_notice")
		wantDue(t, c, "rectifying", "2026-05-06")
		_, err := e.Take(ctx, c.ID, "extend_rectification", Input{On: date(t, "2026-05-05"),
			Fields: map[string]string{"approved_by": "王科长", "extension_days": "31"}, Documents: []Upload{doc("extension_approval")}}, clerk)
		wantKind(t, err, fault.Invalid) // over 30 days
		c = step(t, e, c, "extend_rectification", "2026-05-05", map[string]string{"approved_by": "王科长", "extension_days": "30"}, "extension_approval")
		wantDue(t, c, "rectifying", "2026-06-05")
		_, err = e.Take(ctx, c.ID, "extend_rectification", Input{On: date(t, "2026-05-06"),
			Fields: map[string]string{"approved_by": "王科长"}, Documents: []Upload{doc("extension_approval")}}, clerk)
		wantKind(t, err, fault.Conflict)
		c = step(t, e, c, "submit_rectification", "2026-05-29", nil, "rectification_report")
		wantDue(t, c, "rechecking", "2026-06-12")
		c = step(t, e, c, "recheck_pass", "2026-06-05", nil)
		wantDue(t, c, "rectified", "")
		if c.Late || !c.Extended {
			t.Errorf("late %v extended %v", c.Late, c.Extended)
		}
		checkAudited(t, e, c)

		// A decision after the 90 days is late.
		p := openIn(t, e, TrainingCase, "2026-03-02", "430405", "9243000106", map[string]string{"violation": "advertising"})
		_, err = e.Take(ctx, p.ID, "penalise", Input{On: date(t, "2026-06-02"), Fields: map[string]string{"decision_no": "衡教处〔2026〕3号"},
			Documents: []Upload{doc("decision")}}, clerk)
		wantKind(t, err, fault.Invalid) // the measures are required
		p = step(t, e, p, "penalise", "2026-06-02", map[string]string{"decision_no": "衡教处〔2026〕3号", "measures": "警告，责令停止虚假宣传"}, "decision")
		if !p.Late || p.State != "penalised" {
			t.Errorf("a decision on day 92: state %s late %v", p.State, p.Late)
		}
	})
}

// TestLitigationFullPath: the defence within 15 days of receiving the
// complaint (APL Art. 67), once extended with the court's leave (Art. 36);
// hearings; the judgment's 15 days and the ruling's 10 to appeal (Art. 85),
// calendar days whose last day moves off a holiday; the link to the
// reconsideration it follows.
func TestLitigationFullPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2026-12-03")
		rc := open(t, e, Reconsideration, "2026-05-06", map[string]string{"respondent": "珠晖区教育局"})
		suit := map[string]string{"court": "珠晖区人民法院", "court_case_no": "（2026）湘0405行初88号", "plaintiff": "张某",
			"claims": "撤销被告作出的行政处理决定", "reconsideration_no": rc.Number}
		c := open(t, e, Litigation, "2026-09-18", suit)
		if c.Number != "衡教诉〔2026〕1号" || c.Section != "legal" {
			t.Errorf("number %s section %s", c.Number, c.Section)
		}
		wantDue(t, c, "filed", "2026-10-08") // 15 days end on 3 October, in the National Day holiday
		links, err := e.Links(ctx, scope.Everything, c.ID)
		if err != nil || len(links) != 1 || links[0].Case.ID != rc.ID || links[0].Kind != LinkReconsideration || !links[0].Outgoing {
			t.Fatalf("links %+v %v", links, err)
		}
		if back, _ := e.Links(ctx, scope.Everything, rc.ID); len(back) != 1 || back[0].Outgoing || back[0].Case.ID != c.ID {
			t.Errorf("the reconsideration's links %+v", back)
		}
		c = step(t, e, c, "extend_defence", "2026-09-30", map[string]string{"approved_by": "珠晖区人民法院（准予延期通知）", "extension_days": "15"}, "extension_approval")
		wantDue(t, c, "filed", "2026-10-19") // 30 days end on Sunday 18 October
		_, err = e.Take(ctx, c.ID, "extend_defence", Input{On: date(t, "2026-10-09"), Fields: map[string]string{"approved_by": "法院"},
			Documents: []Upload{doc("extension_approval")}}, clerk)
		wantKind(t, err, fault.Conflict)
		c = step(t, e, c, "file_defence", "2026-10-16", nil, "defence", "evidence")
		wantDue(t, c, "defended", "")
		c = step(t, e, c, "schedule_hearing", "2026-10-20", map[string]string{"hearing_on": "2026-11-12", "hearing_place": "第三审判庭"}, "hearing_notice")
		if c.Fields["hearing_on"] != "2026-11-12" || c.State != "defended" {
			t.Errorf("hearing %v", c.Fields)
		}
		c = step(t, e, c, "serve_judgment", "2026-11-02", map[string]string{"judgment": "dismiss_claims", "judgment_no": "（2026）湘0405行初88号"}, "judgment")
		wantDue(t, c, "judgment_served", "2026-11-17")
		_, err = e.Take(ctx, c.ID, "become_final", Input{On: date(t, "2026-11-17")}, clerk)
		wantKind(t, err, fault.Invalid) // not before the appeal period ends
		c = step(t, e, c, "opponent_appeal", "2026-11-16", map[string]string{"appeal_court": "衡阳市中级人民法院"})
		wantDue(t, c, "appealed", "")
		c = step(t, e, c, "second_instance", "2026-12-01", map[string]string{"judgment": "dismiss_claims", "judgment_no": "（2026）湘04行终12号"}, "judgment")
		wantDue(t, c, "concluded", "")
		checkAudited(t, e, c)

		// A ruling: 10 days; nobody appeals, it becomes final after them.
		r := open(t, e, Litigation, "2026-09-01", map[string]string{"court": "衡阳县人民法院", "court_case_no": "（2026）湘0421行初5号",
			"plaintiff": "李某", "claims": "确认违法"})
		r = step(t, e, r, "file_defence", "2026-09-10", nil, "defence", "evidence")
		r = step(t, e, r, "serve_ruling", "2026-11-02", map[string]string{"judgment": "dismiss_suit", "judgment_no": "（2026）湘0421行初5号"}, "judgment")
		wantDue(t, r, "ruling_served", "2026-11-12")
		_, err = e.Take(ctx, r.ID, "appeal", Input{On: date(t, "2026-11-13"), Documents: []Upload{doc("appeal")}}, clerk)
		wantKind(t, err, fault.Invalid) // too late to appeal
		r = step(t, e, r, "become_final", "2026-11-13", nil)
		wantDue(t, r, "concluded", "")
		if r.Late {
			t.Error("an appeal period nobody used made the bureau late")
		}

		// A link to a case that is not there, or not a reconsideration, is refused.
		for _, no := range []string{"衡教复〔2026〕99号", c.Number} {
			bad := map[string]string{"court": "x", "court_case_no": "x", "plaintiff": "x", "claims": "x", "reconsideration_no": no}
			_, err := e.Open(ctx, Litigation, OpenInput{Subject: "x", CountyCode: "430405", Fields: bad}, clerk)
			wantKind(t, err, fault.Invalid)
			if !names(err, "reconsideration_no") {
				t.Errorf("%s: %v does not name reconsideration_no", no, err)
			}
		}
		// The register lists them, open first.
		pg, err := e.Find(ctx, scope.Everything, Query{Type: Litigation})
		if err != nil || pg.Total != 2 {
			t.Fatalf("register %+v %v", pg, err)
		}
		if pg, _ := e.Find(ctx, scope.Everything, Query{Type: Litigation, Text: "湘0421"}); pg.Total != 1 || pg.Items[0].ID != r.ID {
			t.Errorf("search by court case number: %+v", pg)
		}
		if _, err := e.Find(ctx, scope.Everything, Query{Type: Litigation, Status: "pending"}); !names(err, "status") {
			t.Errorf("bad status: %v", err)
		}
	})
}

// TestAllOpenInEngine: every open case in scope, by deadline then id, paged.
func TestAllOpenInEngine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2026-06-10")
		var ids []int64
		for i, typ := range []string{InfoDisclosure, Complaint, InfoDisclosure, Reconsideration, Complaint} {
			f := map[string]map[string]string{Complaint: {"channel": "hotline"}, Reconsideration: {"respondent": "某局"}}[typ]
			c := open(t, e, typ, date(t, "2026-05-01").AddDays(i*5).String(), f)
			ids = append(ids, c.ID)
		}
		closed := open(t, e, Complaint, "2026-05-02", map[string]string{"channel": "letter"})
		step(t, e, closed, "reply", "2026-05-06", map[string]string{"reply_summary": "已答复"})
		var got []Case
		for page := 1; page <= 3; page++ {
			pg, err := e.AllOpen(ctx, scope.Everything, page, 2)
			if err != nil || pg.Total != 5 {
				t.Fatalf("page %d: %+v %v", page, pg, err)
			}
			got = append(got, pg.Items...)
		}
		if len(got) != 5 {
			t.Fatalf("%d cases", len(got))
		}
		for i := 1; i < len(got); i++ {
			if dueKey(got[i].DueOn) < dueKey(got[i-1].DueOn) || got[i].ID == closed.ID {
				t.Errorf("order or content: %v", got)
			}
		}
		if pg, _ := e.AllOpen(ctx, scope.Area("430421"), 1, 10); pg.Total != 0 {
			t.Errorf("another county sees %d", pg.Total)
		}
	})
}
