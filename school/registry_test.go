package school_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/school"
	"edubureau/scope"
)

func f64(x float64) *float64 { return &x }

func setup(t *testing.T, d *db.DB) *school.Registry {
	t.Helper()
	if err := area.Sync(context.Background(), d, "430400"); err != nil {
		t.Fatal(err)
	}
	r := school.New(d)
	r.Now = func() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) }
	return r
}

func primary(code, name, county string) school.School {
	return school.School{Code: code, Name: name, Type: school.Primary, Ownership: school.Public, County: county,
		Status: school.Active, OpenedOn: "2001-09-01", Capacity: 900}
}

func TestCreateGetUpdateHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := setup(t, d)
		admin := school.Actor{Username: "admin"}
		s := primary("2143000001", "衡阳县第一小学", "430421")
		s.Township, s.Lng, s.Lat = "430421100", f64(112.37), f64(26.97)
		got, err := r.Create(ctx, scope.Everything, s, admin)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 || got.CountyName != "衡阳县" || got.TownshipName == "" || *got.Lng != 112.37 {
			t.Fatalf("created %+v", got)
		}
		// A duplicate identifier is a conflict and changes nothing.
		_, err = r.Create(ctx, scope.Everything, primary("2143000001", "别的学校", "430421"), admin)
		if fault.KindOf(err) != fault.Conflict {
			t.Fatalf("duplicate: %v", err)
		}
		// A county outside the jurisdiction.
		_, err = r.Create(ctx, scope.Everything, primary("2143000002", "外地小学", "430521"), admin)
		if fault.KindOf(err) != fault.Invalid {
			t.Fatalf("outside county: %v", err)
		}
		// Rename with a stale version fails; with the right one it records the former name.
		s2 := got
		s2.Name = "衡阳县实验小学"
		if _, err := r.Update(ctx, scope.Everything, s.Code, s2, 7, "", admin); fault.KindOf(err) != fault.Precondition {
			t.Fatalf("stale version: %v", err)
		}
		got2, err := r.Update(ctx, scope.Everything, s.Code, s2, 1, "2026-09-01", admin)
		if err != nil {
			t.Fatal(err)
		}
		if got2.Version != 2 || got2.Name != "衡阳县实验小学" {
			t.Fatalf("after rename %+v", got2)
		}
		names, err := r.Names(ctx, scope.Everything, s.Code)
		if err != nil || len(names) != 2 || names[1].Name != "衡阳县第一小学" || names[1].ValidTo != "2026-09-01" || names[0].ValidFrom != "2026-09-01" {
			t.Fatalf("names %+v %v", names, err)
		}
		// The former name still finds the school.
		p, err := r.List(ctx, scope.Everything, school.Filter{Query: "第一小学"})
		if err != nil || p.Total != 1 {
			t.Fatalf("search by former name: %+v %v", p, err)
		}
		// Close it: it stays, with its closing date.
		s3 := got2
		s3.Status, s3.ClosedOn = school.Closed, "2026-11-01"
		if _, err := r.Update(ctx, scope.Everything, s.Code, s3, 0, "", admin); err != nil {
			t.Fatal(err)
		}
		h, err := r.History(ctx, scope.Everything, s.Code)
		if err != nil || len(h) != 3 || h[0].Action != "close" || h[1].Action != "rename" || h[2].Action != "create" {
			t.Fatalf("history %+v %v", h, err)
		}
		if h[1].Fields[0].Field != "name" || h[1].Fields[0].Old != "衡阳县第一小学" {
			t.Fatalf("rename change %+v", h[1].Fields)
		}
		// An update that changes nothing adds no version.
		cur, _ := r.Get(ctx, scope.Everything, s.Code)
		if same, err := r.Update(ctx, scope.Everything, s.Code, cur, cur.Version, "", admin); err != nil || same.Version != cur.Version {
			t.Fatalf("no-op update: %v %v", same.Version, err)
		}
		// An invalid update leaves the row as it was.
		bad := cur
		bad.Capacity = -5
		if _, err := r.Update(ctx, scope.Everything, s.Code, bad, 0, "", admin); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("invalid update: %v", err)
		}
		again, _ := r.Get(ctx, scope.Everything, s.Code)
		if again.Capacity != cur.Capacity || again.Version != cur.Version {
			t.Fatal("invalid update changed the row")
		}
	})
}

func TestListFiltersSortScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := setup(t, d)
		admin := school.Actor{Username: "admin"}
		for _, s := range []school.School{
			primary("2143000011", "衡阳县A小学", "430421"),
			primary("2143000012", "衡阳县B小学", "430421"),
			primary("2143000013", "衡南县C小学", "430422"),
			{Code: "1143000014", Name: "耒阳市民办D幼儿园", Type: school.Kindergarten, Ownership: school.Private, County: "430481",
				Status: school.Active, OpenedOn: "2015-03-01", Capacity: 300, LicenceNo: "教民1", LicenceIssuedOn: "2021-01-01", LicenceExpiresOn: "2027-01-01"},
		} {
			if _, err := r.Create(ctx, scope.Everything, s, admin); err != nil {
				t.Fatal(err)
			}
		}
		count := func(sc scope.Scope, f school.Filter) int {
			t.Helper()
			p, err := r.List(ctx, sc, f)
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		if n := count(scope.Everything, school.Filter{}); n != 4 {
			t.Fatalf("all: %d", n)
		}
		if n := count(scope.Everything, school.Filter{County: "430421"}); n != 2 {
			t.Fatalf("county: %d", n)
		}
		if n := count(scope.Everything, school.Filter{County: "430400"}); n != 4 {
			t.Fatalf("city: %d", n)
		}
		if n := count(scope.Everything, school.Filter{Ownership: school.Private, Type: school.Kindergarten}); n != 1 {
			t.Fatalf("private kindergartens: %d", n)
		}
		if n := count(scope.Everything, school.Filter{Query: "'; DROP TABLE school; --"}); n != 0 {
			t.Fatalf("injection text matched %d", n)
		}
		if n := count(scope.Everything, school.Filter{Query: "%"}); n != 0 {
			t.Fatalf("a literal %% matched %d", n)
		}
		// Scope is part of the query: a county user sees only their county, and
		// a school outside it is not found.
		if n := count(scope.Area("430421"), school.Filter{}); n != 2 {
			t.Fatalf("scoped: %d", n)
		}
		if _, err := r.Get(ctx, scope.Area("430421"), "2143000013"); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("out of scope get: %v", err)
		}
		if n := count(scope.School("2143000013"), school.Filter{}); n != 1 {
			t.Fatalf("school scope: %d", n)
		}
		p, err := r.List(ctx, scope.Everything, school.Filter{Sort: "capacity", Desc: true, PerPage: 2, Page: 2})
		if err != nil || len(p.Items) != 2 || p.Pages() != 2 || p.Items[1].Code != "1143000014" {
			t.Fatalf("sorted page: %+v %v", p, err)
		}
		if _, err := r.List(ctx, scope.Everything, school.Filter{Sort: "password"}); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("bad sort: %v", err)
		}
		if _, err := r.List(ctx, scope.Everything, school.Filter{Status: "open"}); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("bad status: %v", err)
		}
		counts, err := r.Counts(ctx, scope.Everything)
		if err != nil || len(counts) != 3 || counts[0].County != "430421" || counts[0].Schools != 2 || counts[0].CountyName != "衡阳县" {
			t.Fatalf("counts %+v %v", counts, err)
		}
		var n int
		if err := r.Each(ctx, scope.Everything, school.Filter{}, func(school.School) error { n++; return nil }); err != nil || n != 4 {
			t.Fatalf("each: %d %v", n, err)
		}
	})
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := setup(t, d)
		s, err := r.Create(ctx, scope.Everything, primary("2143000021", "并发小学", "430421"), school.Actor{Username: "a"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := s
				u.Capacity = 1000 + i
				_, errs[i] = r.Update(ctx, scope.Everything, s.Code, u, s.Version, "", school.Actor{Username: "a"})
			}()
		}
		wg.Wait()
		ok := 0
		for _, e := range errs {
			if e == nil {
				ok++
			} else if k := fault.KindOf(e); k != fault.Precondition && k != fault.Conflict {
				t.Fatalf("unexpected error %v", e)
			}
		}
		if ok != 1 {
			t.Fatalf("%d updates succeeded: %v", ok, errs)
		}
	})
}
