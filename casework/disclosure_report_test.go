package casework

import (
	"context"
	"math/rand/v2"
	"testing"

	"edubureau/calendar"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
)

// TestBuildDisclosureReport counts a year by hand: what is new, carried
// over, answered (by outcome and reason, by applicant), carried forward, and
// the reviews.
func TestBuildDisclosureReport(t *testing.T) {
	d := func(s string) calendar.Date { return date(t, s) }
	var zero calendar.Date
	reqs := []ReportRequest{
		{"natural_person", d("2025-03-01"), d("2025-03-20"), "replied", "disclose", ""},             // new, answered
		{"enterprise", d("2025-04-01"), d("2025-04-25"), "replied", "refuse", "third_party"},        // new, answered
		{"legal_service", d("2025-12-20"), zero, "received", "", ""},                                // new, forward (open)
		{"research", d("2025-12-22"), d("2026-01-10"), "replied", "partial", ""},                    // new, forward (closed next year)
		{"natural_person", d("2024-12-15"), d("2025-01-08"), "replied", "unable", "not_held"},       // carried over, answered
		{"", d("2024-12-30"), d("2025-01-20"), "abandoned", "", ""},                                 // carried over (no type), other/1
		{"public_interest", d("2025-06-01"), d("2025-06-03"), "withdrawn", "", ""},                  // new, other/3
		{"other_org", d("2025-07-01"), d("2025-07-20"), "replied", "not_processed", "repeat"},       // new, answered
		{"natural_person", d("2024-11-01"), d("2024-12-20"), "replied", "disclose", ""},             // last year's business
		{"natural_person", d("2026-01-02"), zero, "received", "", ""},                               // next year's
		{"natural_person", d("2025-02-01"), d("2025-02-10"), "replied", "refuse", "no_such_reason"}, // a reason that is not the outcome's: its last row
	}
	reviews := []ReportReview{
		{ReviewReconsideration, d("2025-05-01"), ReviewUpheld},
		{ReviewReconsideration, d("2025-08-01"), ReviewCorrected},
		{ReviewReconsideration, zero, ReviewUpheld},            // still open: pending
		{ReviewReconsideration, d("2024-12-01"), ReviewUpheld}, // decided last year
		{ReviewSuedDirectly, d("2026-02-01"), ReviewOther},     // decided next year: pending at the end of 2025
		{ReviewSuedAfter, d("2025-10-10"), ReviewOther},
	}
	r := BuildDisclosureReport(2025, reqs, reviews)
	want := func(name string, got, want Counts) {
		t.Helper()
		if got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	//                    natural enterprise research public legal other total
	want("new", r.New, Counts{2, 1, 1, 1, 1, 1, 7})
	want("carried", r.Carried, Counts{2, 0, 0, 0, 0, 0, 2})
	want("forward", r.Forward, Counts{0, 0, 1, 0, 1, 0, 2})
	want("answered", r.AnsweredTotal, Counts{4, 1, 0, 1, 0, 1, 7})
	want("disclose", r.Answered["disclose"], Counts{1, 0, 0, 0, 0, 0, 1})
	want("refuse/third_party", r.Answered["refuse/third_party"], Counts{0, 1, 0, 0, 0, 0, 1})
	want("refuse/inquiry", r.Answered["refuse/inquiry"], Counts{1, 0, 0, 0, 0, 0, 1})
	want("unable/not_held", r.Answered["unable/not_held"], Counts{1, 0, 0, 0, 0, 0, 1})
	want("other/no_supplement", r.Answered["other/no_supplement"], Counts{1, 0, 0, 0, 0, 0, 1})
	want("other/other_reason", r.Answered["other/other_reason"], Counts{0, 0, 0, 1, 0, 0, 1})
	want("not_processed/repeat", r.Answered["not_processed/repeat"], Counts{0, 0, 0, 0, 0, 1, 1})
	if r.Unspecified != 1 || !r.Balanced() {
		t.Errorf("unspecified %d balanced %v", r.Unspecified, r.Balanced())
	}
	if r.Due != d("2026-01-31") {
		t.Errorf("due %s", r.Due)
	}
	if got := r.Review[ReviewReconsideration]; got != [5]int{1, 1, 0, 1, 3} {
		t.Errorf("reconsiderations %v", got)
	}
	if got := r.Review[ReviewSuedDirectly]; got != [5]int{0, 0, 0, 1, 1} {
		t.Errorf("sued directly %v", got)
	}
	if got := r.Review[ReviewSuedAfter]; got != [5]int{0, 0, 1, 0, 1} {
		t.Errorf("sued after reconsideration %v", got)
	}
	if len(ReportRows) != 2+8+3+5+3 {
		t.Errorf("%d answer rows, want the template's 21", len(ReportRows))
	}
}

// TestDisclosureReportBalances: whatever the cases, new + carried over =
// answered + carried forward in every column (the template's check).
func TestDisclosureReportBalances(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	start := date(t, "2023-06-01")
	for range 200 {
		var reqs []ReportRequest
		for range r.IntN(60) {
			q := ReportRequest{ApplicantType: append(ApplicantTypes, "")[r.IntN(len(ApplicantTypes)+1)], ReceivedOn: start.AddDays(r.IntN(1000))}
			if r.IntN(4) > 0 {
				q.ClosedOn = q.ReceivedOn.AddDays(r.IntN(90))
				o := Outcomes[r.IntN(len(Outcomes))]
				q.State, q.Outcome = []string{"replied", "replied", "abandoned", "withdrawn"}[r.IntN(4)], o.Code
				if len(o.Reasons) > 0 {
					q.Reason = o.Reasons[r.IntN(len(o.Reasons))]
				}
			}
			reqs = append(reqs, q)
		}
		for _, year := range []int{2023, 2024, 2025} {
			rep := BuildDisclosureReport(year, reqs, nil)
			if !rep.Balanced() {
				t.Fatalf("%d unbalanced: new %v carried %v answered %v forward %v", year, rep.New, rep.Carried, rep.AnsweredTotal, rep.Forward)
			}
			sum := Counts{}
			for _, row := range ReportRows {
				for i, n := range rep.Answered[row.Key()] {
					sum[i] += n
				}
			}
			if sum != rep.AnsweredTotal || len(rep.Answered) > len(ReportRows) {
				t.Fatalf("rows %v do not add up to %v", rep.Answered, rep.AnsweredTotal)
			}
		}
	}
}

// TestDisclosureReportFromCases: the report of a year read from real cases
// on both databases, with a reconsideration and a lawsuit about a request,
// the reply's reason checked, and the due date provisional when the
// calendar does not cover January of the next year.
func TestDisclosureReportFromCases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEngine(t, d, "2026-12-03")
		req := func(received, kind string) Case {
			return open(t, e, InfoDisclosure, received, map[string]string{"applicant_type": kind})
		}
		a := req("2025-12-10", "natural_person") // carried into 2026, answered in January
		step(t, e, a, "reply", "2026-01-06", map[string]string{"outcome": "disclose"}, "reply")
		b := req("2026-03-02", "enterprise")
		_, err := e.Take(ctx, b.ID, "reply", Input{On: date(t, "2026-03-10"), Fields: map[string]string{"outcome": "refuse"},
			Documents: []Upload{doc("reply")}}, clerk)
		wantKind(t, err, fault.Invalid) // a refusal needs its reason
		if !names(err, "outcome_reason") {
			t.Errorf("%v does not name outcome_reason", err)
		}
		_, err = e.Take(ctx, b.ID, "reply", Input{On: date(t, "2026-03-10"), Fields: map[string]string{"outcome": "refuse", "outcome_reason": "not_held"},
			Documents: []Upload{doc("reply")}}, clerk)
		wantKind(t, err, fault.Invalid) // a reason of another outcome
		b = step(t, e, b, "reply", "2026-03-10", map[string]string{"outcome": "refuse", "outcome_reason": "process_info"}, "reply")
		c := req("2026-04-01", "")
		c = step(t, e, c, "notify_supplement", "2026-04-03", map[string]string{"items": "具体信息名称"}, "supplement_notice")
		step(t, e, c, "abandon", "2026-05-20", nil)
		req("2026-11-20", "legal_service") // open at the year's end

		rc := open(t, e, Reconsideration, "2026-04-01", map[string]string{"respondent": "本局", "disclosure_no": b.Number})
		rc = step(t, e, rc, "accept", "2026-04-03", nil)
		step(t, e, rc, "decide", "2026-05-20", map[string]string{"outcome": "revoke", "decision_no": "衡复决〔2026〕2号"}, "decision")
		suit := open(t, e, Litigation, "2026-06-10", map[string]string{"court": "珠晖区人民法院", "court_case_no": "（2026）湘0405行初9号",
			"plaintiff": "某公司", "claims": "撤销答复", "disclosure_no": b.Number, "reconsideration_no": rc.Number})
		open(t, e, Reconsideration, "2026-07-01", map[string]string{"respondent": "本局"}) // not about disclosure
		_ = suit

		r, err := e.DisclosureReport(ctx, scope.Everything, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if r.New != (Counts{1, 1, 0, 0, 1, 0, 3}) || r.Carried != (Counts{1, 0, 0, 0, 0, 0, 1}) || r.Forward != (Counts{0, 0, 0, 0, 1, 0, 1}) ||
			r.Answered["refuse/process_info"] != (Counts{0, 1, 0, 0, 0, 0, 1}) || r.Answered["other/no_supplement"] != (Counts{1, 0, 0, 0, 0, 0, 1}) ||
			r.Answered["disclose"] != (Counts{1, 0, 0, 0, 0, 0, 1}) || r.Unspecified != 1 || !r.Balanced() {
			t.Errorf("report %+v", r)
		}
		if r.Review[ReviewReconsideration] != [5]int{0, 1, 0, 0, 1} || r.Review[ReviewSuedAfter] != [5]int{0, 0, 0, 1, 1} ||
			r.Review[ReviewSuedDirectly] != [5]int{} {
			t.Errorf("reviews %v", r.Review)
		}
		if r.Due != date(t, "2027-01-31") || !r.DueProvisional {
			t.Errorf("due %s provisional %v: 2027 has no published calendar", r.Due, r.DueProvisional)
		}
		last, _ := e.DisclosureReport(ctx, scope.Everything, 2025)
		if last.DueProvisional || last.New.total() != 1 || last.Forward.total() != 1 {
			t.Errorf("2025: %+v", last)
		}
		if out, _ := e.DisclosureReport(ctx, scope.Area("430421"), 2026); out.New.total() != 0 {
			t.Errorf("another county's report counts %v", out.New)
		}
		for _, y := range []int{2007, 2027} {
			_, err := e.DisclosureReport(ctx, scope.Everything, y)
			wantKind(t, err, fault.Invalid)
		}
	})
}

func (c Counts) total() int { return c[len(c)-1] }
