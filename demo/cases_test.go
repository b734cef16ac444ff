package demo

import (
	"context"
	"strconv"
	"testing"
	"time"

	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/school"
	"edubureau/scope"
)

// TestDemoCases builds the small demo (areas, schools, cases) and checks the
// promised mix: every type, a year of receipts before Today, and for each
// type an overdue case, plus an extended and a stopped (suspended) case for
// each type whose rules allow them, and a hearing.
func TestDemoCases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		start := time.Now()
		sum, err := Build(ctx, d, Options{Seed: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sum.Steps {
			t.Logf("step %s: %v", s.Step, s.Took)
		}
		t.Logf("build: %v", time.Since(start))
		today := calendar.DateOf(Today())

		type row = struct{ n, open, overdue, extended, stopped, late int }
		got := map[string]row{}
		rows, err := d.QueryContext(ctx, `SELECT type, COUNT(*),
			SUM(CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN closed_on IS NULL AND due_key < $1 THEN 1 ELSE 0 END),
			SUM(CASE WHEN extended THEN 1 ELSE 0 END),
			SUM(CASE WHEN closed_on IS NULL AND stopped_since IS NOT NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN late THEN 1 ELSE 0 END)
			FROM case_file GROUP BY type`, today.String())
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for rows.Next() {
			var typ string
			var r row
			if err := rows.Scan(&typ, &r.n, &r.open, &r.overdue, &r.extended, &r.stopped, &r.late); err != nil {
				t.Fatal(err)
			}
			got[typ] = r
			total += r.n
			t.Logf("%-16s %+v", typ, r)
		}
		rows.Close()
		if total < 220 || total > 320 {
			t.Errorf("%d cases, want about 260", total)
		}
		for _, typ := range []string{casework.SchoolLicence, casework.Reconsideration, casework.InfoDisclosure, casework.AssignedTask, casework.Complaint} {
			r := got[typ]
			if r.n < 4 || r.overdue < 1 || r.open == r.n || r.open == 0 {
				t.Errorf("%s: %+v: want some of each, open and closed, one overdue at least", typ, r)
			}
		}
		for _, typ := range []string{casework.SchoolLicence, casework.Reconsideration, casework.InfoDisclosure} {
			if r := got[typ]; r.extended < 1 || r.stopped < 1 || r.late < 1 {
				t.Errorf("%s: %+v: want an extended, a stopped and a late case", typ, r)
			}
		}
		var first, last string
		var hearings, escalated, events, audited int
		// A year of cases; disclosure requests from 1 January of last year (the report's year).
		if err := d.QueryRowContext(ctx, `SELECT MIN(received_on), MAX(received_on) FROM case_file WHERE type <> $1`,
			casework.InfoDisclosure).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		if first < today.AddDays(-366).String() || last > today.String() {
			t.Errorf("received from %s to %s, want the year before %s", first, last, today)
		}
		if err := d.QueryRowContext(ctx, `SELECT MIN(received_on) FROM case_file WHERE type = $1`, casework.InfoDisclosure).Scan(&first); err != nil ||
			first > strconv.Itoa(today.Year()-1)+"-01-31" || first < strconv.Itoa(today.Year()-1)+"-01-01" {
			t.Errorf("disclosure requests from %s (%v), want January of last year", first, err)
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(DISTINCT case_id) FROM case_event WHERE transition = 'request_hearing'`).Scan(&hearings); err != nil || hearings < 2 {
			t.Errorf("%d cases with a hearing (%v)", hearings, err)
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_file WHERE escalated`).Scan(&escalated); err != nil || escalated < 1 {
			t.Errorf("%d escalated tasks (%v)", escalated, err)
		}
		// Every step audited, none dated after Today.
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_event`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE record_type = 'case'`).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if events != audited || events < 2*total {
			t.Errorf("%d events, %d audit entries for %d cases", events, audited, total)
		}
		var after int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_event WHERE on_date > $1`, today.String()).Scan(&after); err != nil || after != 0 {
			t.Errorf("%d steps after Today (%v)", after, err)
		}
		checkDemoSecondPart(t, d, sum, got)
	})
}

// checkDemoSecondPart: the annual check of every private school (some
// failing and under rectification), renewals that reached the registry,
// training institutions with a prepaid-fee violation, lawsuits, and last
// year's disclosure report computable and balanced.
func checkDemoSecondPart(t *testing.T, d *db.DB, sum Summary, got map[string]struct{ n, open, overdue, extended, stopped, late int }) {
	t.Helper()
	ctx := context.Background()
	today := calendar.DateOf(Today())
	schools, err := Schools(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	private := 0
	for _, s := range schools {
		if s.Ownership == school.Private && (s.Status == school.Active || s.Status == school.Suspended) {
			private++
		}
	}
	e, err := casework.New(d, casework.Shipped(casework.Config{})...)
	if err != nil {
		t.Fatal(err)
	}
	e.Now = func() time.Time { return Today().Add(4 * time.Hour) }
	p, err := e.AnnualCheckProgress(ctx, scope.Everything, today.Year()-1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("annual check %d: %+v", today.Year()-1, p)
	if p.Total != private || p.ByResult[casework.CheckPass] < private/3 || p.ByResult[casework.CheckFail] < 2 || p.ByResult[casework.CheckBasicPass] < 1 ||
		p.ByState["rectifying"] < 1 || p.ByState["rectified"] < 1 || p.ByState["failed"] < 1 || p.ByState["notified"] < 1 {
		t.Errorf("annual check %+v for %d private schools", p, private)
	}
	if got[casework.LicenceRenewal].n < 4 || got[casework.Litigation].n < 4 || got[casework.TrainingCase].n < 2 {
		t.Errorf("renewals %+v, lawsuits %+v, training cases %+v", got[casework.LicenceRenewal], got[casework.Litigation], got[casework.TrainingCase])
	}
	if r := got[casework.Litigation]; r.open == 0 || r.open == r.n {
		t.Errorf("lawsuits %+v: want open and concluded ones", r)
	}
	if r := got[casework.TrainingCase]; r.open == 0 || r.open == r.n {
		t.Errorf("training cases %+v: want open and closed ones", r)
	}
	var renewed, prepaid, linked int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM school_history WHERE reason LIKE '准予延续%'`).Scan(&renewed); err != nil || renewed < 1 {
		t.Errorf("%d licences renewed in the registry (%v)", renewed, err)
	}
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM training_charge_check WHERE violations LIKE '%"hours"%' AND case_id IS NOT NULL`).Scan(&prepaid); err != nil || prepaid < 1 {
		t.Errorf("%d prepaid-fee violations with a case (%v)", prepaid, err)
	}
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_link`).Scan(&linked); err != nil || linked < 2 {
		t.Errorf("%d links (%v)", linked, err)
	}
	rep, err := e.DisclosureReport(ctx, scope.Everything, today.Year()-1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("disclosure report %d: new %v carried %v answered %v forward %v reviews %v", rep.Year, rep.New, rep.Carried, rep.AnsweredTotal, rep.Forward, rep.Review)
	if !rep.Balanced() || rep.New[6] < 20 || rep.AnsweredTotal[6] < 15 || rep.New[0] == rep.New[6] || rep.Unspecified != 0 {
		t.Errorf("last year's disclosure report: %+v", rep)
	}
	if rep.Review[casework.ReviewReconsideration][casework.ReviewTotal] < 1 {
		t.Errorf("no reconsideration about disclosure in last year's report: %v", rep.Review)
	}
	_ = sum
}

// TestDemoCasePlansDeterministic: the same seed plans the same cases.
func TestDemoCasePlansDeterministic(t *testing.T) {
	w, err := newWorld(DefaultJurisdiction)
	if err != nil {
		t.Fatal(err)
	}
	schools, err := Schools(Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	plan := func() []casePlan {
		g := newCaseGen(Options{Seed: 7, Jurisdiction: DefaultJurisdiction}, w, schools, calendar.Default())
		return generateCasePlans(g, 150)
	}
	a, b := plan(), plan()
	if len(a) != len(b) || len(a) < 140 {
		t.Fatalf("%d and %d plans", len(a), len(b))
	}
	for i := range a {
		if a[i].open.Subject != b[i].open.Subject || a[i].open.ReceivedOn != b[i].open.ReceivedOn || len(a[i].steps) != len(b[i].steps) {
			t.Fatalf("plan %d differs: %+v vs %+v", i, a[i].open, b[i].open)
		}
	}
}

// BenchmarkDemoCasesCity builds the city demo on SQLite and reports how long
// the cases step took (the whole demo must stay far under 60 s before serving).
func BenchmarkDemoCasesCity(b *testing.B) {
	for b.Loop() {
		d := dbtest.SQLite(b)
		sum, err := Build(context.Background(), d, Options{Scale: City, Seed: 1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		var total time.Duration
		for _, s := range sum.Steps {
			total += s.Took
			b.Logf("step %s: %v", s.Step, s.Took)
			if s.Step == "cases" {
				b.ReportMetric(s.Took.Seconds(), "cases-s")
			}
		}
		b.ReportMetric(total.Seconds()/60, "x-of-limit")
		d.Close()
	}
}

// TestDemoCasesOnOtherDays: the demo stands on the day it is built (the
// demo command passes the real date), so its plans must hold whatever that
// day is — before March (the annual check of the year before last), over
// the Spring Festival and National Day, and in a year with no published
// calendar.
func TestDemoCasesOnOtherDays(t *testing.T) {
	if testing.Short() {
		t.Skip("builds several demos")
	}
	for _, day := range []string{"2026-02-20", "2026-10-05", "2026-12-31", "2027-05-04"} {
		t.Run(day, func(t *testing.T) {
			d := dbtest.SQLite(t)
			asOf, _ := time.Parse(time.DateOnly, day)
			if _, err := Build(context.Background(), d, Options{Seed: 3, CasesAsOf: asOf.Add(10 * time.Hour)}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}
