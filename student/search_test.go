package student

import (
	"testing"
	"time"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/idno"
	"edubureau/scope"
)

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		k, _ := f.r.CreateClass(ctx, scope.Everything, Class{School: primaryA, AcademicYear: "2025-2026", Grade: 3, Number: 1}, admin)
		mk := func(name string, male bool, school string, g Grade, class int64) Student {
			s := f.pupil(name, male, "2017-07-07", school, g)
			s.ClassID = class
			return f.create(s)
		}
		zhang := mk("张伟", true, primaryA, 3, k.ID)
		mk("张三丰", true, primaryA, 4, 0)
		mk("章子", false, primaryB, 3, 0)
		mk("阿依古丽·买买提", false, juniorC, 7, 0)
		john := mk("John Smith", true, primaryB, 2, 0)
		names := func(p Page) []string {
			var out []string
			for _, s := range p.Items {
				out = append(out, s.Name)
			}
			return out
		}
		search := func(sc scope.Scope, fl Filter) Page {
			t.Helper()
			p, err := f.r.Search(ctx, sc, fl)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		if p := search(scope.Everything, Filter{Query: "张"}); p.Total != 2 || names(p)[0] != "张三丰" && names(p)[0] != "张伟" {
			t.Fatalf("prefix 张: %v", names(p))
		}
		if p := search(scope.Everything, Filter{Query: "张伟"}); p.Total != 1 || p.Items[0].ID != zhang.ID || p.Items[0].ClassName != "三年级（1）班" {
			t.Fatalf("张伟: %+v", p)
		}
		if p := search(scope.Everything, Filter{Query: "john s"}); p.Total != 1 || p.Items[0].ID != john.ID {
			t.Fatalf("john s: %v", names(p))
		}
		if p := search(scope.Everything, Filter{Query: "阿依古丽买"}); p.Total != 1 {
			t.Fatalf("阿依古丽买: %v", names(p))
		}
		clear, _, _ := f.r.load(ctx, d, scope.Everything, zhang.ID)
		for _, q := range []string{clear.StudentNo, clear.IDNumber, clear.IDNumber[14:], clear.IDNumber[12:], " " + clear.StudentNo[:18] + "x"} {
			p := search(scope.Everything, Filter{Query: q})
			if q[len(q)-1] == 'x' {
				continue // a lower-case check character (only when the number ends in X)
			}
			if p.Total < 1 || p.Items[0].ID != zhang.ID {
				t.Fatalf("query %q: %v", q, names(p))
			}
		}
		if p := search(scope.Everything, Filter{IDNumber: idno.Normalize(clear.IDNumber)}); p.Total != 1 || p.Items[0].IDNumber == clear.IDNumber {
			t.Fatalf("by ID: %+v", p)
		}
		// Scope and filters.
		if p := search(scope.Area("430407"), Filter{Query: "张"}); p.Total != 0 {
			t.Fatalf("out of scope: %v", names(p))
		}
		if p := search(scope.School(primaryB), Filter{}); p.Total != 2 {
			t.Fatalf("school scope: %v", names(p))
		}
		g := Grade(3)
		if p := search(scope.Everything, Filter{Grade: &g, County: "430421"}); p.Total != 2 {
			t.Fatalf("grade 3 in 430421: %v", names(p))
		}
		if p := search(scope.Everything, Filter{ClassID: k.ID}); p.Total != 1 {
			t.Fatalf("class roster: %v", names(p))
		}
		if p := search(scope.Everything, Filter{County: "4304", Level: Junior}); p.Total != 1 {
			t.Fatalf("junior: %v", names(p))
		}
		if p := search(scope.Everything, Filter{Sort: "grade", Desc: true, PerPage: 2, Page: 2}); p.Total != 5 || len(p.Items) != 2 || p.Pages() != 3 {
			t.Fatalf("paging: %+v", p)
		}
		for _, bad := range []Filter{{Sort: "id_number"}, {PerPage: 1000}, {IDTail: "123"}, {Status: "asleep"}, {County: "43x"}} {
			if _, err := f.r.Search(ctx, scope.Everything, bad); fault.KindOf(err) != fault.Invalid {
				t.Fatalf("filter %+v: %v", bad, err)
			}
		}
		n := 0
		if err := f.r.Each(ctx, scope.Area("430421"), Filter{AtSchool: true}, func(Summary) error { n++; return nil }); err != nil || n != 4 {
			t.Fatalf("each: %d %v", n, err)
		}
		counts, err := f.r.Counts(ctx, scope.Everything)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range counts {
			total += c.Students
			if c.County == "430407" && (c.Level != Junior || c.Gender != idno.Female || c.CountyName != "石鼓区") {
				t.Fatalf("count %+v", c)
			}
		}
		if total != 5 || len(counts) != 3 {
			t.Fatalf("counts %+v", counts)
		}
		// With a maximum age, the dashboard's counts are reused for that long.
		f.r.CountsMaxAge = time.Hour
		first, _ := f.r.Counts(ctx, scope.Area("430407"))
		mk("新生", true, juniorC, 7, 0)
		cached, _ := f.r.Counts(ctx, scope.Area("430407"))
		f.r.CountsMaxAge = 0
		fresh, _ := f.r.Counts(ctx, scope.Area("430407"))
		if len(first) != 1 || len(cached) != 1 || len(fresh) != 2 {
			t.Fatalf("cached counts %+v / %+v / %+v", first, cached, fresh)
		}
	})
}

func TestSuccessor(t *testing.T) {
	for p, want := range map[string]string{"a": "b", "张": "弡", "ab": "ac", "\U0010FFFF": ""} {
		if got := successor(p); got != want {
			t.Errorf("successor(%q) = %q", p, got)
		}
	}
}
