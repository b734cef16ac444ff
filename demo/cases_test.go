package demo

import (
	"context"
	"testing"
	"time"

	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/db/dbtest"
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

		type row struct{ n, open, overdue, extended, stopped, late int }
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
		if total < 140 || total > 160 {
			t.Errorf("%d cases, want about 150", total)
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
		if err := d.QueryRowContext(ctx, `SELECT MIN(received_on), MAX(received_on) FROM case_file`).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		if first < today.AddDays(-366).String() || last >= today.String() {
			t.Errorf("received from %s to %s, want the year before %s", first, last, today)
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
	})
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
