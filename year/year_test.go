package year_test

import (
	"context"
	"testing"
	"time"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/year"
)

func d(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func TestAcademicOf(t *testing.T) {
	for in, want := range map[string]string{
		"2026-08-31": "2025-2026", "2026-09-01": "2026-2027", "2027-01-15": "2026-2027", "2026-11-23": "2026-2027",
	} {
		if got := year.AcademicOf(d(in)); got.Code != want {
			t.Errorf("%s: %s, want %s", in, got.Code, want)
		}
	}
	a := year.AcademicStarting(2026)
	if a.StartsOn != "2026-09-01" || a.EndsOn != "2027-08-31" {
		t.Fatal(a)
	}
	for _, bad := range []string{"2026-2028", "2026/2027", "26-27", ""} {
		if _, err := year.ParseAcademic(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if f := year.FiscalOf(d("2026-11-23")); f.Year != 2026 || f.StartsOn != "2026-01-01" || f.EndsOn != "2026-12-31" {
		t.Fatal(f)
	}
}

func TestEnsureAndCurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dd *db.DB) {
		ctx := context.Background()
		if err := year.Ensure(ctx, dd, d("2026-11-23")); err != nil {
			t.Fatal(err)
		}
		if err := year.Ensure(ctx, dd, d("2026-11-24")); err != nil {
			t.Fatal(err)
		}
		cur, err := year.CurrentAcademic(ctx, dd)
		if err != nil || cur.Code != "2026-2027" {
			t.Fatal(cur, err)
		}
		f, err := year.CurrentFiscal(ctx, dd)
		if err != nil || f.Year != 2026 {
			t.Fatal(f, err)
		}
		if err := year.SetCurrentAcademic(ctx, dd, "2027-2028"); err != nil {
			t.Fatal(err)
		}
		// Ensure later does not move the current year back.
		if err := year.Ensure(ctx, dd, d("2026-12-01")); err != nil {
			t.Fatal(err)
		}
		cur, _ = year.CurrentAcademic(ctx, dd)
		list, _ := year.ListAcademic(ctx, dd)
		if cur.Code != "2027-2028" || len(list) != 4 {
			t.Fatalf("current %s, %d years", cur.Code, len(list))
		}
		n := 0
		for _, a := range list {
			if a.Current {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d current years", n)
		}
	})
}
