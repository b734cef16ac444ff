package student

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
	"edubureau/year"
)

// snapshot is everything a promotion may touch, as text, to compare states.
func snapshot(t *testing.T, f *fixture) string {
	t.Helper()
	var b strings.Builder
	rows, err := f.d.QueryContext(f.ctx, `SELECT id, status, grade, COALESCE(class_id, 0), level, repeat_marked FROM student ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, class int64
		var status, level string
		var grade int
		var rep bool
		rows.Scan(&id, &status, &grade, &class, &level, &rep)
		fmt.Fprintf(&b, "%d %s %d %d %s %v\n", id, status, grade, class, level, rep)
	}
	rows.Close()
	rows, _ = f.d.QueryContext(f.ctx, `SELECT id, COALESCE(left_on, ''), COALESCE(exit_kind, '') FROM student_enrolment ORDER BY id`)
	for rows.Next() {
		var id int64
		var left, exit string
		rows.Scan(&id, &left, &exit)
		fmt.Fprintf(&b, "e %d %s %s\n", id, left, exit)
	}
	rows.Close()
	fmt.Fprintf(&b, "classes %d\n", f.count("student_class"))
	return b.String()
}

func TestPromotion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		k5, _ := f.r.CreateClass(ctx, scope.Everything, Class{School: primaryA, AcademicYear: "2025-2026", Grade: 5, Number: 1, HeadTeacher: "刘老师"}, admin)
		k6, _ := f.r.CreateClass(ctx, scope.Everything, Class{School: primaryA, AcademicYear: "2025-2026", Grade: 6, Number: 1}, admin)
		mk := func(name string, g Grade, class int64) Student {
			s := f.pupil(name, len(name)%2 == 0, fmt.Sprintf("%d-03-03", 2021-int(g)), primaryA, g)
			s.ClassID = class
			return f.create(s)
		}
		a := mk("甲五", 5, k5.ID)
		b := mk("乙五", 5, k5.ID)
		c := mk("丙六", 6, k6.ID)
		rep := mk("丁五", 5, k5.ID)
		sus := mk("戊三", 3, 0)
		other := f.create(f.pupil("己", true, "2014-01-01", primaryB, 6)) // another school of the county
		if _, err := f.r.MarkRepeat(ctx, scope.Everything, rep.ID, true, "成绩不合格，家长申请留级", admin); err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.Suspend(ctx, scope.Everything, sus.ID, "", "病休", admin); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, f)

		// Bad targets.
		if _, err := f.r.PreviewPromotion(ctx, scope.Everything, PromotionTarget{}); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("no target: %v", err)
		}
		if _, err := f.r.PreviewPromotion(ctx, scope.School(primaryB), PromotionTarget{School: primaryA}); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("school out of scope: %v", err)
		}
		if _, err := f.r.PreviewPromotion(ctx, scope.School(primaryA), PromotionTarget{County: "430421"}); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("county for a school admin: %v", err)
		}

		plan, err := f.r.PreviewPromotion(ctx, scope.School(primaryA), PromotionTarget{School: primaryA})
		if err != nil {
			t.Fatal(err)
		}
		if plan.FromYear != "2025-2026" || plan.ToYear != "2026-2027" || plan.Promoted != 2 || plan.Graduated != 1 || plan.Repeating != 1 ||
			plan.Unchanged != 1 || len(plan.Items) != 5 || plan.UndoUntil != "2026-08-31" {
			t.Fatalf("plan %+v", plan)
		}
		for _, it := range plan.Items {
			if it.StudentID == a.ID && (it.Action != ActionPromote || it.ToGrade != 6 || it.ToClass != "六年级（1）班") ||
				it.StudentID == c.ID && it.Action != ActionGraduate || it.StudentID == rep.ID && (it.Action != ActionRepeat || it.ToClass != "五年级（1）班") {
				t.Fatalf("item %+v", it)
			}
		}
		if snapshot(t, f) != before {
			t.Fatal("the preview changed something")
		}

		run, err := f.r.Promote(ctx, scope.School(primaryA), PromotionTarget{School: primaryA}, schoolActor(primaryA))
		if err != nil || run.Status != "done" || run.Promoted != 2 || run.Graduated != 1 {
			t.Fatalf("run %+v %v", run, err)
		}
		ga, _ := f.r.Get(ctx, scope.Everything, a.ID)
		gc, _ := f.r.Get(ctx, scope.Everything, c.ID)
		gr, _ := f.r.Get(ctx, scope.Everything, rep.ID)
		gs, _ := f.r.Get(ctx, scope.Everything, sus.ID)
		gb, _ := f.r.Get(ctx, scope.Everything, b.ID)
		if ga.Grade != 6 || ga.ClassName != "六年级（1）班" || ga.ClassID == k6.ID || gb.ClassID != ga.ClassID || gc.Status != Graduated || gc.ClassID != 0 ||
			gr.Grade != 5 || gr.RepeatMarked || gr.ClassID == k5.ID || gs.Grade != 3 || gs.Status != Suspended {
			t.Fatalf("after: %+v\n%+v\n%+v\n%+v", ga, gc, gr, gs)
		}
		newClasses, _ := f.r.Classes(ctx, scope.Everything, ClassFilter{School: primaryA, AcademicYear: "2026-2027"})
		if len(newClasses) != 2 || newClasses[1].HeadTeacher != "刘老师" || newClasses[1].Students != 2 {
			t.Fatalf("new classes %+v", newClasses)
		}
		// Once per school and year.
		if _, err := f.r.Promote(ctx, scope.Everything, PromotionTarget{School: primaryA}, admin); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("promote twice: %v", err)
		}
		if _, err := f.r.Promote(ctx, scope.Everything, PromotionTarget{County: "430421"}, admin); fault.KindOf(err) != fault.Conflict ||
			!strings.Contains(err.Error(), primaryA) {
			t.Fatalf("county promotion over a promoted school: %v", err)
		}
		if g, _ := f.r.Get(ctx, scope.Everything, other.ID); g.Status != Enrolled {
			t.Fatal("the failed county run changed another school")
		}

		// Undo restores exactly the previous state, with events.
		if _, err := f.r.UndoPromotion(ctx, scope.School(primaryB), run.ID, "误操作", schoolActor(primaryB)); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("undo out of scope: %v", err)
		}
		if _, err := f.r.UndoPromotion(ctx, scope.School(primaryA), run.ID, "", schoolActor(primaryA)); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("undo without reason: %v", err)
		}
		undone, err := f.r.UndoPromotion(ctx, scope.School(primaryA), run.ID, "班级分配有误，重新升级", schoolActor(primaryA))
		if err != nil || undone.Status != "undone" {
			t.Fatalf("undo %+v %v", undone, err)
		}
		if after := snapshot(t, f); after != before {
			t.Fatalf("undo did not restore the state:\nbefore\n%s\nafter\n%s", before, after)
		}
		var undoneEvents int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM student_event WHERE kind = 'promotion_undone' AND ref_id = $1`, run.ID).Scan(&undoneEvents)
		if undoneEvents != 4 {
			t.Fatalf("%d undo events", undoneEvents)
		}
		if _, err := f.r.UndoPromotion(ctx, scope.Everything, run.ID, "再撤销", admin); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("undo twice: %v", err)
		}

		// The whole county, after the undo.
		run2, err := f.r.Promote(ctx, scope.Area("430421"), PromotionTarget{County: "430421"}, countyActor("430421"))
		if err != nil || run2.Graduated != 2 || run2.Promoted != 2 {
			t.Fatalf("county run %+v %v", run2, err)
		}
		if runs, _ := f.r.PromotionRuns(ctx, scope.Area("430421")); len(runs) != 2 {
			t.Fatalf("runs %+v", runs)
		}
		// A student changed after the run blocks the undo, named.
		if _, err := f.r.Suspend(ctx, scope.Everything, a.ID, "", "病休", admin); err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.UndoPromotion(ctx, scope.Everything, run2.ID, "撤销", admin); fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "甲五") {
			t.Fatalf("undo after a change: %v", err)
		}
		if _, err := f.r.Resume(ctx, scope.Everything, a.ID, "", "", admin); err != nil {
			t.Fatal(err)
		}
		// After the new year began, no undo (the change above is now also in the way, but the year comes first).
		f.now = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
		if _, err := f.r.UndoPromotion(ctx, scope.Everything, run2.ID, "撤销", admin); fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "新学年") {
			t.Fatalf("undo after the new year began: %v", err)
		}
		// Or when the new year was marked current early.
		f.now = time.Date(2026, 8, 20, 8, 0, 0, 0, time.UTC)
		if err := year.SetCurrentAcademic(ctx, d, "2026-2027"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.UndoPromotion(ctx, scope.Everything, run2.ID, "撤销", admin); fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "新学年") {
			t.Fatalf("undo after the new year was marked current: %v", err)
		}
	})
}
