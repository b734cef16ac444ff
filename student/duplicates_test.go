package student

import (
	"strings"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/idno"
	"edubureau/scope"
)

func TestDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		first := f.create(f.pupil("何小丽", false, "2016-10-10", primaryA, 4))
		clear, _, _ := f.r.load(ctx, d, scope.Everything, first.ID)
		// Same name, birth date and guardian phone; another ID (a wrong area code): a probable duplicate.
		twin := f.pupil("何 小丽", false, "2016-10-10", juniorC, 7)
		twin.School, twin.Grade = primaryB, 4
		twin.IDNumber = idno.MakeResidentID("430482", birth("2016-10-10"), 88)
		twin.Guardians = []Guardian{{Name: "何母", Relation: "mother", Phone: "+86 " + clear.Guardians[0].Phone}}
		second := f.create(twin)
		// Same name and birth date, another phone: not listed.
		f.create(f.pupil("何小丽", false, "2016-10-10", primaryB, 4))
		list, err := f.r.Duplicates(ctx, scope.Area("430421"), DuplicateFilter{})
		if err != nil || list.Total != 1 || !list.Items[0].A.Visible || !list.Items[0].B.Visible || strings.Contains(list.Items[0].A.IDNumber, clear.IDNumber[6:14]) {
			t.Fatalf("duplicates %+v %v", list, err)
		}
		// A school admin sees the pair, but the other school's side only as "elsewhere".
		sch, _ := f.r.Duplicates(ctx, scope.School(primaryA), DuplicateFilter{})
		if sch.Total != 1 || !sch.Items[0].A.Visible || sch.Items[0].B.Visible || sch.Items[0].B.Name != "" {
			t.Fatalf("school view %+v", sch)
		}
		if _, err := f.r.Merge(ctx, scope.School(primaryA), first.ID, second.ID, "同一人", schoolActor(primaryA)); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("merge across the scope: %v", err)
		}
		if other, _ := f.r.Duplicates(ctx, scope.Area("430407"), DuplicateFilter{}); other.Total != 0 {
			t.Fatal("another county sees the pair")
		}
		// Not a duplicate needs a note; merging an unlisted pair is refused.
		if err := f.r.NotDuplicate(ctx, scope.Everything, first.ID, second.ID, "", admin); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("no note: %v", err)
		}
		third := f.create(f.pupil("X", true, "2016-01-01", primaryA, 4))
		if _, err := f.r.Merge(ctx, scope.Everything, first.ID, third.ID, "同一人", admin); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("merge an unlisted pair: %v", err)
		}
		// Merge keeps the history of both.
		kept, err := f.r.Merge(ctx, scope.Area("430421"), first.ID, second.ID, "核实为同一学生，第二条证件号录入错误", countyActor("430421"))
		if err != nil || kept.Status != Enrolled || kept.School != primaryA {
			t.Fatalf("merge %+v %v", kept, err)
		}
		m, _ := f.r.Get(ctx, scope.Everything, second.ID)
		if m.Status != Merged || m.MergedInto != first.ID {
			t.Fatalf("merged record %+v", m)
		}
		p, _ := f.r.Profile(ctx, scope.Area("430421"), first.ID)
		if len(p.Merged) != 1 || len(p.Enrolments) != 2 || len(p.Events) != 4 {
			t.Fatalf("profile after merge: %d merged, %d enrolments, %d events", len(p.Merged), len(p.Enrolments), len(p.Events))
		}
		if _, err := f.r.Merge(ctx, scope.Everything, first.ID, second.ID, "再合并", admin); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("merge twice: %v", err)
		}
		if _, err := f.r.Suspend(ctx, scope.Everything, second.ID, "", "病休", admin); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("change a merged record: %v", err)
		}
		// The merged record's ID still refuses a new entry.
		again := f.pupil("何小丽", false, "2016-10-10", primaryB, 4)
		again.IDNumber = twin.IDNumber
		if _, err := f.r.Create(ctx, scope.Everything, again, admin); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("the merged ID again: %v", err)
		}
		if list, _ := f.r.Duplicates(ctx, scope.Everything, DuplicateFilter{}); list.Total != 0 {
			t.Fatalf("open list after merge %+v", list)
		}
		if list, _ := f.r.Duplicates(ctx, scope.Everything, DuplicateFilter{Status: "merged"}); list.Total != 1 || list.Items[0].KeptID != first.ID {
			t.Fatalf("merged list %+v", list)
		}

		// "Not a duplicate": the pair leaves the list, and a rescan does not bring it back.
		a := f.create(f.pupil("吕双", true, "2015-05-05", primaryA, 5))
		ca, _, _ := f.r.load(ctx, d, scope.Everything, a.ID)
		b := f.pupil("吕双", true, "2015-05-05", primaryA, 5)
		b.Guardians[0].Phone = ca.Guardians[0].Phone
		bb := f.create(b)
		if err := f.r.NotDuplicate(ctx, scope.School(primaryA), a.ID, bb.ID, "双胞胎，已核对户口本", schoolActor(primaryA)); err != nil {
			t.Fatal(err)
		}
		if n, err := f.r.FindDuplicates(ctx, admin); err != nil || n != 0 {
			t.Fatalf("rescan %d %v", n, err)
		}
		if list, _ := f.r.Duplicates(ctx, scope.Everything, DuplicateFilter{}); list.Total != 0 {
			t.Fatalf("open list %+v", list)
		}
	})
}
