package casework

import (
	"context"
	"testing"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/school"
	"edubureau/scope"
)

// Schools of the tests that need the registry: private ones running,
// suspended and closed, a public one, a training institution.
var testSchools = []school.School{
	{Code: "2143000101", Name: "珠晖区育才民办小学", Type: school.Primary, Ownership: school.Private, County: "430405", Status: school.Active,
		OpenedOn: "2010-09-01", LicenceNo: "教民143040500001号", LicenceIssuedOn: "2021-07-01", LicenceExpiresOn: "2026-06-30"},
	{Code: "1143000102", Name: "珠晖区阳光幼儿园", Type: school.Kindergarten, Ownership: school.Private, County: "430405", Status: school.Active,
		OpenedOn: "2012-03-01", LicenceNo: "教民143040500002号", LicenceIssuedOn: "2022-01-01", LicenceExpiresOn: "2027-01-01"},
	{Code: "3143000103", Name: "衡阳县明德民办中学", Type: school.Junior, Ownership: school.Private, County: "430421", Status: school.Active,
		OpenedOn: "2005-09-01", LicenceNo: "教民143042100003号", LicenceIssuedOn: "2020-09-01", LicenceExpiresOn: "2025-08-31"},
	{Code: "2143000104", Name: "珠晖区东风小学", Type: school.Primary, Ownership: school.Public, County: "430405", Status: school.Active,
		OpenedOn: "1980-09-01"},
	{Code: "1143000105", Name: "珠晖区旧址幼儿园", Type: school.Kindergarten, Ownership: school.Private, County: "430405", Status: school.Closed,
		OpenedOn: "2001-09-01", ClosedOn: "2024-07-01"},
	{Code: "9243000106", Name: "珠晖区启航艺术培训学校", Type: school.Training, Ownership: school.Private, County: "430405", Status: school.Active,
		OpenedOn: "2019-05-01", LicenceNo: "教民143040500006号", LicenceIssuedOn: "2024-05-01", LicenceExpiresOn: "2029-04-30"},
	{Code: "1143000107", Name: "珠晖区小星星幼儿园", Type: school.Kindergarten, Ownership: school.Private, County: "430405", Status: school.Suspended,
		OpenedOn: "2015-09-01", LicenceNo: "教民143040500007号", LicenceIssuedOn: "2022-09-01", LicenceExpiresOn: "2027-08-31"},
}

// withSchools syncs Hengyang's areas and registers testSchools.
func withSchools(t *testing.T, d *db.DB) *school.Registry {
	t.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	reg := school.New(d)
	if err := reg.CreateMany(ctx, scope.Everything, testSchools, school.Actor{Username: "seed"}, nil); err != nil {
		t.Fatal(err)
	}
	return reg
}

// checkOf is the annual check of school code in year, as its case.
func checkOf(t *testing.T, e *Engine, year int, code string) Case {
	t.Helper()
	rows, _, err := e.AnnualChecks(context.Background(), scope.Everything, CheckFilter{Year: year, Query: code})
	if err != nil || len(rows) != 1 {
		t.Fatalf("the %d check of %s: %v %v", year, code, rows, err)
	}
	return rows[0].Case
}

// TestAnnualCheckBatch: the year's check opens one case per private school
// running or suspended in scope, in one go; a second start opens none, a
// school registered since gets its own; a county's start stays in its county.
func TestAnnualCheckBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := withSchools(t, d)
		e := newEngine(t, d, "2026-03-02")
		due := date(t, "2026-03-31")

		county := clerk
		county.Scope = scope.Area("430421")
		plan, err := e.PlanAnnualCheck(ctx, reg, 2025, county)
		if err != nil || plan != (CheckPlan{Year: 2025, Schools: 1, ToOpen: 1}) {
			t.Fatalf("county plan %+v %v", plan, err)
		}
		st, err := e.StartAnnualCheck(ctx, reg, 2025, due, county)
		if err != nil || st.Opened != 1 || st.Existing != 0 || st.Area != "430421" {
			t.Fatalf("county start %+v %v", st, err)
		}

		plan, err = e.PlanAnnualCheck(ctx, reg, 2025, clerk)
		// Private and running or suspended: 101, 102, 103, 106, 107 — not the public 104 nor the closed 105.
		if err != nil || plan != (CheckPlan{Year: 2025, Schools: 5, Existing: 1, ToOpen: 4}) {
			t.Fatalf("plan %+v %v", plan, err)
		}
		st, err = e.StartAnnualCheck(ctx, reg, 2025, due, clerk)
		if err != nil || st.Opened != 4 || st.Existing != 1 {
			t.Fatalf("start %+v %v", st, err)
		}
		again, err := e.StartAnnualCheck(ctx, reg, 2025, due, clerk)
		if err != nil || again.Opened != 0 || again.Existing != 5 {
			t.Fatalf("second start %+v %v", again, err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM case_file WHERE type = $1`, AnnualCheck).Scan(&n); err != nil || n != 5 {
			t.Fatalf("%d annual check cases after three starts: %v", n, err)
		}
		// A school registered since gets its case; the others are not touched.
		if _, err := reg.Create(ctx, scope.Everything, school.School{Code: "1143000108", Name: "珠晖区新苗幼儿园", Type: school.Kindergarten,
			Ownership: school.Private, County: "430405", Status: school.Active, OpenedOn: "2025-09-01", LicenceNo: "教民143040500008号",
			LicenceIssuedOn: "2025-08-01", LicenceExpiresOn: "2030-07-31"}, school.Actor{Username: "seed"}); err != nil {
			t.Fatal(err)
		}
		if st, err := e.StartAnnualCheck(ctx, reg, 2025, due, clerk); err != nil || st.Opened != 1 || st.Existing != 5 {
			t.Fatalf("start after a new school %+v %v", st, err)
		}
		starts, err := e.CheckStarts(ctx, 2025)
		if err != nil || len(starts) != 4 || starts[0].Opened != 1 || starts[len(starts)-1].Area != "430421" {
			t.Fatalf("starts %+v %v", starts, err)
		}

		c := checkOf(t, e, 2025, "2143000101")
		wantDue(t, c, "notified", "2026-03-31")
		if c.Number != "衡教检〔2026〕3号" || c.SchoolCode != "2143000101" || c.Fields["check_year"] != "2025" || c.Section != "schools" {
			t.Errorf("case %+v", c)
		}
		p, err := e.AnnualCheckProgress(ctx, scope.Everything, 2025)
		if err != nil || p.Total != 6 || p.ByState["notified"] != 6 || p.ByResult[""] != 6 {
			t.Fatalf("progress %+v %v", p, err)
		}
		if p, _ := e.AnnualCheckProgress(ctx, scope.Area("430421"), 2025); p.Total != 1 {
			t.Errorf("county progress %+v", p)
		}
		rows, total, err := e.AnnualChecks(ctx, scope.Everything, CheckFilter{Year: 2025, County: "430405", Page: 1, PerPage: 2})
		if err != nil || total != 5 || len(rows) != 2 || rows[0].SchoolCode != "1143000102" {
			t.Fatalf("list %d %+v %v", total, rows, err)
		}
		if rows, _, _ := e.AnnualChecks(ctx, scope.Everything, CheckFilter{Year: 2025, Query: "明德"}); len(rows) != 1 || rows[0].County != "430421" {
			t.Errorf("search %+v", rows)
		}

		// Refused, nothing opened: a year in the future, a due date past, no permission.
		for _, tc := range []struct {
			year  int
			due   string
			by    Actor
			kind  fault.Kind
			field string
		}{
			{2027, "2026-03-31", clerk, fault.Invalid, "year"},
			{2025, "2026-03-01", clerk, fault.Invalid, "report_due"},
			{2024, "2028-03-01", clerk, fault.Invalid, "report_due"},
			{2024, "2026-03-31", viewerActor(), fault.Forbidden, ""},
		} {
			_, err := e.StartAnnualCheck(ctx, reg, tc.year, date(t, tc.due), tc.by)
			wantKind(t, err, tc.kind)
			if tc.field != "" && !names(err, tc.field) {
				t.Errorf("%d %s: %v does not name %s", tc.year, tc.due, err, tc.field)
			}
		}
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM case_file WHERE type = $1`, AnnualCheck).Scan(&n); err != nil || n != 6 {
			t.Fatalf("%d cases after refused starts", n)
		}
	})
}

func viewerActor() Actor {
	v := clerk
	v.Can = func(p string) bool { return p == auth.CaseView }
	return v
}

func names(err error, field string) bool {
	for _, f := range fault.As(err).Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

var selfReport = map[string]string{"students": "640", "staff": "58", "teachers_certified": "41", "income": "9600000",
	"expenditure": "8800000", "net_assets": "5200000"}

// TestAnnualCheckFullPath walks the check's paths with their deadlines: a
// self-report, more material asked for (the review's clock stops and
// resumes), passed; failed, rectification extended once (the second refused)
// and re-checked; not reported in time; basically passed.
func TestAnnualCheckFullPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := withSchools(t, d)
		e := newEngine(t, d, "2026-03-02")
		if _, err := e.StartAnnualCheck(ctx, reg, 2025, date(t, "2026-03-31"), clerk); err != nil {
			t.Fatal(err)
		}
		setToday(t, e, "2026-07-31")

		// Reported, more asked for, passed.
		a := checkOf(t, e, 2025, "2143000101")
		a = step(t, e, a, "submit_report", "2026-03-20", selfReport, "self_report", "financial_audit")
		wantDue(t, a, "submitted", "2026-04-20") // 20 WD; 4–6 April (Qingming) off
		a = step(t, e, a, "request_supplement", "2026-03-25", map[string]string{"items": "固定资产明细"}, "supplement_notice")
		wantDue(t, a, "awaiting_supplement", "")
		a = step(t, e, a, "supplement", "2026-04-01", map[string]string{"students": "642"})
		wantDue(t, a, "submitted", "2026-04-28") // 2 WD used before the stop, 18 from 2 April
		if a.Fields["students"] != "642" {
			t.Errorf("the supplemented figure: %v", a.Fields)
		}
		a = step(t, e, a, "pass", "2026-04-24", nil, "review_opinion")
		wantDue(t, a, "passed", "")
		if a.Late || !a.Closed() {
			t.Errorf("passed: late %v closed %v", a.Late, a.Closed())
		}
		checkAudited(t, e, a)

		// Failed: rectification by 20 May, extended by 30 days once, re-checked.
		b := checkOf(t, e, 2025, "1143000102")
		b = step(t, e, b, "submit_report", "2026-03-10", selfReport, "self_report", "financial_audit")
		_, err := e.Take(ctx, b.ID, "fail", Input{On: date(t, "2026-03-20"), Fields: map[string]string{"issues": "消防通道堵塞", "rectify_by": "2026-03-19"},
			Documents: []Upload{doc("rectification_notice")}}, clerk)
		wantKind(t, err, fault.Invalid) // a deadline before the notice
		if !names(err, "rectify_by") {
			t.Errorf("%v does not name rectify_by", err)
		}
		b = step(t, e, b, "fail", "2026-03-20", map[string]string{"issues": "消防通道堵塞；财务制度不健全", "rectify_by": "2026-05-20"}, "rectification_notice")
		wantDue(t, b, "rectifying", "2026-05-20")
		b = step(t, e, b, "extend_rectification", "2026-05-15", map[string]string{"approved_by": "李局长", "extension_days": "30"}, "extension_approval")
		wantDue(t, b, "rectifying", "2026-06-22") // 19 June falls in the Dragon Boat holiday: the next working day
		_, err = e.Take(ctx, b.ID, "extend_rectification", Input{On: date(t, "2026-05-20"),
			Fields: map[string]string{"approved_by": "李局长", "extension_days": "10"}, Documents: []Upload{doc("extension_approval")}}, clerk)
		wantKind(t, err, fault.Conflict)
		b = step(t, e, b, "submit_rectification", "2026-06-10", nil, "rectification_report")
		wantDue(t, b, "rechecking", "2026-07-09")
		b = step(t, e, b, "recheck_pass", "2026-06-30", nil, "recheck_opinion")
		wantDue(t, b, "rectified", "")
		checkAudited(t, e, b)

		// Not reported by 31 March: failed — but not before then.
		setToday(t, e, "2026-03-31")
		c := checkOf(t, e, 2025, "3143000103")
		_, err = e.Take(ctx, c.ID, "not_submitted", Input{Fields: map[string]string{"issues": "未按期报送", "rectify_by": "2026-05-31"},
			Documents: []Upload{doc("rectification_notice")}}, clerk)
		wantKind(t, err, fault.Invalid)
		setToday(t, e, "2026-07-31")
		c = step(t, e, c, "not_submitted", "2026-04-01", map[string]string{"issues": "未按期报送年检材料", "rectify_by": "2026-05-29"}, "rectification_notice")
		wantDue(t, c, "rectifying", "2026-05-29")
		if c.Late {
			t.Error("the school's lateness counted against the bureau")
		}
		c = step(t, e, c, "submit_rectification", "2026-05-28", nil, "rectification_report")
		c = step(t, e, c, "recheck_fail", "2026-06-05", map[string]string{"measures": "责令暂停招生"}, "recheck_opinion")
		wantDue(t, c, "failed", "")

		// Basically passed, with what to fix.
		k := checkOf(t, e, 2025, "9243000106")
		k = step(t, e, k, "submit_report", "2026-03-30", selfReport, "self_report", "financial_audit")
		_, err = e.Take(ctx, k.ID, "basic_pass", Input{On: date(t, "2026-04-10"), Documents: []Upload{doc("review_opinion")}}, clerk)
		wantKind(t, err, fault.Invalid) // the issues are required
		k = step(t, e, k, "basic_pass", "2026-04-10", map[string]string{"issues": "教师持证率偏低"}, "review_opinion")
		wantDue(t, k, "basic_passed", "")

		p, err := e.AnnualCheckProgress(ctx, scope.Everything, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 5 || p.ByResult[CheckPass] != 1 || p.ByResult[CheckFail] != 2 || p.ByResult[CheckBasicPass] != 1 || p.ByResult[""] != 1 ||
			p.Rectified != 1 || p.Failed != 1 || p.ByState["notified"] != 1 || p.ByState["rectified"] != 1 {
			t.Errorf("progress %+v", p)
		}
		if rows, total, _ := e.AnnualChecks(ctx, scope.Everything, CheckFilter{Year: 2025, Result: CheckFail}); total != 2 || len(rows) != 2 {
			t.Errorf("failed ones: %d %+v", total, rows)
		}
		if rows, _, _ := e.AnnualChecks(ctx, scope.Everything, CheckFilter{Year: 2025, Result: "pending"}); len(rows) != 1 || rows[0].SchoolCode != "1143000107" {
			t.Errorf("pending ones: %+v", rows)
		}
		if _, _, err := e.AnnualChecks(ctx, scope.Everything, CheckFilter{Year: 2025, Result: "excellent"}); !names(err, "result") {
			t.Errorf("a bad result filter: %v", err)
		}
	})
}

// TestAnnualCheckBadSteps: steps refused with nothing changed — from the
// wrong state, by a reader, without the documents, dated before the case was
// opened, an extension twice; a school outside the clerk's county is not found.
func TestAnnualCheckBadSteps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := withSchools(t, d)
		e := newEngine(t, d, "2026-03-02")
		if _, err := e.StartAnnualCheck(ctx, reg, 2025, date(t, "2026-03-31"), clerk); err != nil {
			t.Fatal(err)
		}
		setToday(t, e, "2026-05-20")
		c := checkOf(t, e, 2025, "1143000102")
		c = step(t, e, c, "submit_report", "2026-03-10", selfReport, "self_report", "financial_audit")
		c = step(t, e, c, "fail", "2026-03-20", map[string]string{"issues": "x", "rectify_by": "2026-05-20"}, "rectification_notice")
		c = step(t, e, c, "extend_rectification", "2026-05-15", map[string]string{"approved_by": "李局长"}, "extension_approval")
		wantDue(t, c, "rectifying", "2026-06-22") // the full 30 days when none is given
		county := clerk
		county.Scope = scope.Area("430421")
		ext := Input{Fields: map[string]string{"approved_by": "李局长"}, Documents: []Upload{doc("extension_approval")}}
		for _, tc := range []struct {
			name, step string
			in         Input
			by         Actor
			kind       fault.Kind
			field      string
		}{
			{"not from this state", "pass", Input{Documents: []Upload{doc("review_opinion")}}, clerk, fault.Conflict, ""},
			{"a reader", "submit_rectification", Input{Documents: []Upload{doc("rectification_report")}}, viewerActor(), fault.Forbidden, ""},
			{"no report", "submit_rectification", Input{}, clerk, fault.Invalid, "documents"},
			{"before opened", "submit_rectification", Input{On: date(t, "2026-03-01"), Documents: []Upload{doc("rectification_report")}}, clerk, fault.Invalid, "on"},
			{"extension twice", "extend_rectification", ext, clerk, fault.Conflict, ""},
			{"out of scope", "submit_rectification", Input{Documents: []Upload{doc("rectification_report")}}, county, fault.NotFound, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := snap(t, e, c.ID)
				_, err := e.Take(ctx, c.ID, tc.step, tc.in, tc.by)
				wantKind(t, err, tc.kind)
				if tc.field != "" && !names(err, tc.field) {
					t.Errorf("%v does not name %s", err, tc.field)
				}
				if after := snap(t, e, c.ID); after != before {
					t.Errorf("changed: %+v → %+v", before, after)
				}
			})
		}
		// The self-report's figures are required, and whole numbers.
		o := checkOf(t, e, 2025, "2143000101")
		before := snap(t, e, o.ID)
		bad := map[string]string{"students": "很多", "staff": "58"}
		_, err := e.Take(ctx, o.ID, "submit_report", Input{On: date(t, "2026-03-20"), Fields: bad,
			Documents: []Upload{doc("self_report"), doc("financial_audit")}}, clerk)
		wantKind(t, err, fault.Invalid)
		for _, f := range []string{"students", "teachers_certified", "income", "net_assets"} {
			if !names(err, f) {
				t.Errorf("%v does not name %s", err, f)
			}
		}
		if after := snap(t, e, o.ID); after != before {
			t.Errorf("a refused self-report changed the case")
		}
		var result string
		if err := d.QueryRowContext(ctx, `SELECT result FROM annual_check WHERE case_id = $1`, o.ID).Scan(&result); err != nil || result != "" {
			t.Errorf("result %q %v", result, err)
		}
	})
}
