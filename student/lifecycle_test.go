package student

import (
	"strings"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
)

func TestLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		sc := scope.School(primaryA)
		by := schoolActor(primaryA)
		s := f.create(f.pupil("冯小宝", true, "2016-02-02", primaryA, 4))

		// Suspension and return.
		if _, err := f.r.Suspend(ctx, sc, s.ID, "", "", by); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("suspend without reason: %v", err)
		}
		if _, err := f.r.Suspend(ctx, sc, s.ID, "2030-01-01", "病休", by); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("suspend in the future: %v", err)
		}
		if _, err := f.r.Suspend(ctx, sc, s.ID, "2020-01-01", "病休", by); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("suspend before enrolment: %v", err)
		}
		got, err := f.r.Suspend(ctx, sc, s.ID, "2026-03-01", "病休", by)
		if err != nil || got.Status != Suspended {
			t.Fatalf("suspend %+v %v", got, err)
		}
		if _, err := f.r.Suspend(ctx, sc, s.ID, "", "再休", by); fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "休学") {
			t.Fatalf("suspend twice: %v", err)
		}
		if got, err = f.r.Resume(ctx, sc, s.ID, "2026-04-01", "康复", by); err != nil || got.Status != Enrolled {
			t.Fatalf("resume %+v %v", got, err)
		}
		// Another school cannot touch the student.
		if _, err := f.r.Suspend(ctx, scope.School(primaryB), s.ID, "", "病休", schoolActor(primaryB)); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("other school: %v", err)
		}
		// Placement within the school.
		k, _ := f.r.CreateClass(ctx, scope.Everything, Class{School: primaryA, AcademicYear: "2025-2026", Grade: 3, Number: 1}, admin)
		if got, err = f.r.Place(ctx, sc, s.ID, 3, k.ID, "2026-04-15", "年级登记有误", by); err != nil || got.Grade != 3 || got.ClassID != k.ID {
			t.Fatalf("place %+v %v", got, err)
		}
		if _, err := f.r.Place(ctx, sc, s.ID, 7, 0, "", "x", by); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("place in a grade the school lacks: %v", err)
		}
		if _, err := f.r.MarkAbsent(ctx, sc, s.ID, "2026-04-10", "缺课", by); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "最近一次") {
			t.Fatalf("a change dated before the last one: %v", err)
		}
		// Long-term absence: on the follow-up list at once (age 10).
		if got, err = f.r.MarkAbsent(ctx, sc, s.ID, "2026-05-01", "连续缺课一个月", by); err != nil || got.AbsentSince != "2026-05-01" {
			t.Fatalf("absent %+v %v", got, err)
		}
		list, err := f.r.FollowUps(ctx, scope.Area("430421"), FollowUpFilter{})
		if err != nil || list.Total != 1 || list.Items[0].Reason != "absence" || list.ByCounty["430421"] != 1 || list.Items[0].Age != 10 {
			t.Fatalf("follow-ups %+v %v", list, err)
		}
		if other, _ := f.r.FollowUps(ctx, scope.Area("430407"), FollowUpFilter{}); other.Total != 0 {
			t.Fatal("another county sees the case")
		}
		fu := list.Items[0].ID
		if _, err := f.r.AddFollowUpAction(ctx, scope.Area("430421"), fu, FollowUpAction{Kind: "visit", On: "2026-05-10", Note: "家访，家长称孩子在家照顾老人"}, countyActor("430421")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.AddFollowUpAction(ctx, scope.Area("430421"), fu, FollowUpAction{Kind: "dance", Note: "x"}, countyActor("430421")); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("bad action: %v", err)
		}
		if _, err := f.r.AddFollowUpAction(ctx, scope.Area("430421"), fu, FollowUpAction{Kind: "call", On: "2026-04-01", Note: "电话"}, countyActor("430421")); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("action before the case: %v", err)
		}
		// The absence becomes a dropout: the same case continues.
		if _, err := f.r.Dropout(ctx, sc, s.ID, "", "dance", "", by); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("unknown dropout reason: %v", err)
		}
		if got, err = f.r.Dropout(ctx, sc, s.ID, "2026-06-01", "family_hardship", "家中无人照看", by); err != nil || got.Status != DroppedOut || got.ClassID != 0 {
			t.Fatalf("dropout %+v %v", got, err)
		}
		c, err := f.r.FollowUpCase(ctx, scope.Area("430421"), fu)
		if err != nil || c.Reason != "dropout" || c.Detail != "family_hardship" || len(c.Log) != 1 || c.Log[0].Note != "家访，家长称孩子在家照顾老人" {
			t.Fatalf("case %+v %v", c, err)
		}
		var sealed string
		d.QueryRowContext(ctx, `SELECT note FROM student_followup_action WHERE followup_id = $1`, fu).Scan(&sealed)
		if !strings.HasPrefix(sealed, "v1:") {
			t.Fatal("the note is not encrypted")
		}
		// The school no longer has the student on its roll, but still sees the record.
		if _, err := f.r.Suspend(ctx, sc, s.ID, "", "病休", by); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("suspend a dropout: %v", err)
		}
		// Closing by hand as "returned" is refused: a return is recorded on the student.
		if err := f.r.CloseFollowUp(ctx, scope.Area("430421"), fu, "returned", "回来了", countyActor("430421")); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("close as returned: %v", err)
		}
		// Back to school at another school of the county: the case closes.
		if got, err = f.r.Readmit(ctx, scope.Area("430421"), s.ID, Placement{School: primaryB, Grade: 4}, "", "劝返复学", countyActor("430421")); err != nil ||
			got.Status != Enrolled || got.School != primaryB {
			t.Fatalf("readmit %+v %v", got, err)
		}
		c, _ = f.r.FollowUpCase(ctx, scope.Area("430421"), fu)
		if c.Status != "closed" || c.Outcome != "returned" {
			t.Fatalf("case after return %+v", c)
		}
		if list, _ := f.r.FollowUps(ctx, scope.Area("430421"), FollowUpFilter{}); list.Total != 0 {
			t.Fatalf("still listed %+v", list)
		}
		if list, _ := f.r.FollowUps(ctx, scope.Area("430421"), FollowUpFilter{Closed: true}); list.Total != 1 {
			t.Fatalf("closed list %+v", list)
		}
		p, _ := f.r.Profile(ctx, scope.Everything, s.ID)
		var kinds []string
		for _, e := range p.Events {
			kinds = append(kinds, string(e.Kind))
		}
		if strings.Join(kinds, ",") != "enrol,suspend,resume,placement,absence,dropout,reenrol" || len(p.Enrolments) != 2 || len(p.FollowUps) != 1 {
			t.Fatalf("timeline %v, %d enrolments", kinds, len(p.Enrolments))
		}

		// A 16-year-old who drops out is not of compulsory age: no case.
		old := f.create(f.pupil("陈大", true, "2010-01-01", nineYearE, 9))
		if _, err := f.r.Dropout(ctx, scope.Everything, old.ID, "", "work", "", admin); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.r.FollowUps(ctx, scope.Everything, FollowUpFilter{AllAges: true}); list.Total != 0 {
			t.Fatalf("a 16-year-old on the list %+v", list)
		}
		// Moving away ends the enrolment; death is recorded once.
		m := f.create(f.pupil("卫小", false, "2017-01-01", primaryA, 3))
		if _, err := f.r.MoveAway(ctx, sc, m.ID, "", "", by); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("move away without destination: %v", err)
		}
		if got, err = f.r.MoveAway(ctx, sc, m.ID, "", "广东省深圳市南山区第二实验学校", by); err != nil || got.Status != MovedAway {
			t.Fatalf("move away %+v %v", got, err)
		}
		// A graduate of elsewhere is admitted by number and name; the name must match.
		clear, _, _ := f.r.load(ctx, d, scope.Everything, m.ID)
		if _, err := f.r.AdmitByNumber(ctx, scope.School(juniorC), clear.IDNumber, "别人", Placement{School: juniorC, Grade: 7}, "", "", schoolActor(juniorC)); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("admit with the wrong name: %v", err)
		}
		if got, err = f.r.AdmitByNumber(ctx, scope.School(primaryB), clear.StudentNo, "卫小", Placement{School: primaryB, Grade: 3}, "", "返回本地", schoolActor(primaryB)); err != nil ||
			got.School != primaryB {
			t.Fatalf("admit by number %+v %v", got, err)
		}
		if _, err := f.r.AdmitByNumber(ctx, scope.School(juniorC), clear.IDNumber, "卫小", Placement{School: juniorC, Grade: 7}, "", "", schoolActor(juniorC)); fault.KindOf(err) != fault.Conflict ||
			strings.Contains(err.Error(), "第二小学") {
			t.Fatalf("admit a child at another school: %v", err)
		}
		if got, err = f.r.Death(ctx, scope.Everything, m.ID, "", "溺水", admin); err != nil || got.Status != Deceased {
			t.Fatalf("death %+v %v", got, err)
		}
		if _, err := f.r.Death(ctx, scope.Everything, m.ID, "", "", admin); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("death twice: %v", err)
		}
		var current int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM student_enrolment WHERE student_id = $1 AND left_on IS NULL`, m.ID).Scan(&current)
		if current != 0 {
			t.Fatal("a deceased student is still enrolled")
		}
		if f.auditCount("student.death") != 1 || f.auditCount("student.dropout") != 2 {
			t.Fatal("audit entries")
		}
	})
}
