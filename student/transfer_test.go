package student

import (
	"strings"
	"sync"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
)

func TestTransferWithinCounty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		s := f.create(f.pupil("周小红", false, "2016-09-09", primaryA, 4))
		clear, _, _ := f.r.load(ctx, d, scope.Everything, s.ID)
		k, _ := f.r.CreateClass(ctx, scope.Everything, Class{School: primaryB, AcademicYear: "2025-2026", Grade: 4, Number: 1}, admin)
		reqB := TransferRequest{Number: clear.IDNumber, Name: "周小红", ToSchool: primaryB, ToGrade: 4, ToClassID: k.ID, Reason: "随父母搬家"}

		// Bad requests: wrong name, a school outside the requester's scope, no reason, a grade the school lacks.
		bad := reqB
		bad.Name = "周小绿"
		if _, err := f.r.RequestTransfer(ctx, scope.School(primaryB), bad, schoolActor(primaryB)); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("wrong name: %v", err)
		}
		if _, err := f.r.RequestTransfer(ctx, scope.School(juniorC), reqB, schoolActor(juniorC)); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("school out of scope: %v", err)
		}
		bad = reqB
		bad.Reason = ""
		if _, err := f.r.RequestTransfer(ctx, scope.School(primaryB), bad, schoolActor(primaryB)); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("no reason: %v", err)
		}
		bad = reqB
		bad.ToGrade, bad.ToClassID = 7, 0
		if _, err := f.r.RequestTransfer(ctx, scope.School(primaryB), bad, schoolActor(primaryB)); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("grade 7 at a primary: %v", err)
		}
		bad = reqB
		bad.ToSchool, bad.ToClassID = primaryA, 0
		if _, err := f.r.RequestTransfer(ctx, scope.Everything, bad, admin); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("to the same school: %v", err)
		}

		tr, err := f.r.RequestTransfer(ctx, scope.School(primaryB), reqB, schoolActor(primaryB))
		if err != nil || tr.Status != TransferPending || tr.CrossCounty || len(tr.Waiting()) != 1 || tr.Waiting()[0] != StepSchool {
			t.Fatalf("request %+v %v", tr, err)
		}
		// The student stays at the old school until approved.
		if got, _ := f.r.Get(ctx, scope.Everything, s.ID); got.School != primaryA {
			t.Fatal("moved before approval")
		}
		// A second request is refused clearly.
		if _, err := f.r.RequestTransfer(ctx, scope.Everything, TransferRequest{Number: clear.StudentNo, Name: "周小红", ToSchool: nineYearE, ToGrade: 4, Reason: "另有打算"}, admin); fault.KindOf(err) != fault.Conflict ||
			!strings.Contains(err.Error(), "已有一项转学申请") {
			t.Fatalf("second request: %v", err)
		}
		// Inboxes.
		inA, _ := f.r.SchoolInbox(ctx, scope.School(primaryA), primaryA)
		inB, _ := f.r.SchoolInbox(ctx, scope.School(primaryB), primaryB)
		if inA.ToDecideCount != 1 || inA.InProgressCount != 0 || inB.ToDecideCount != 0 || inB.InProgressCount != 1 || inB.InProgress[0].StudentName != "周小红" {
			t.Fatalf("inboxes %+v / %+v", inA, inB)
		}
		if _, err := f.r.SchoolInbox(ctx, scope.School(primaryB), primaryA); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("another school's inbox: %v", err)
		}
		// The wrong party: the receiving school cannot approve; a county has no step within a county.
		if _, err := f.r.ApproveTransfer(ctx, scope.School(primaryB), tr.ID, "", schoolActor(primaryB)); fault.KindOf(err) != fault.Forbidden ||
			!strings.Contains(err.Error(), "衡阳县第一小学") {
			t.Fatalf("receiving school approving: %v", err)
		}
		if _, err := f.r.ApproveTransfer(ctx, scope.Area("430421"), tr.ID, "", countyActor("430421")); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("county approving a transfer within the county: %v", err)
		}
		// Out of scope, the transfer is not found.
		if _, err := f.r.ApproveTransfer(ctx, scope.School(juniorC), tr.ID, "", schoolActor(juniorC)); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("out of scope: %v", err)
		}
		done, err := f.r.ApproveTransfer(ctx, scope.School(primaryA), tr.ID, "同意", schoolActor(primaryA))
		if err != nil || done.Status != TransferCompleted {
			t.Fatalf("approve: %+v %v", done, err)
		}
		got, _ := f.r.Get(ctx, scope.Everything, s.ID)
		if got.School != primaryB || got.ClassID != k.ID || got.Status != Enrolled || got.Version != 2 {
			t.Fatalf("after transfer %+v", got)
		}
		// The sending school no longer sees the student; the receiving one does.
		if _, err := f.r.Get(ctx, scope.School(primaryA), s.ID); fault.KindOf(err) != fault.NotFound {
			t.Fatal("still visible to the old school")
		}
		p, err := f.r.Profile(ctx, scope.School(primaryB), s.ID)
		if err != nil || len(p.Enrolments) != 2 || p.Enrolments[0].Exit != "transfer_out" || !p.Enrolments[1].Current() || len(p.Transfers) != 1 {
			t.Fatalf("profile %+v %v", p, err)
		}
		kinds := []string{}
		for _, e := range p.Events {
			kinds = append(kinds, string(e.Kind))
		}
		if strings.Join(kinds, ",") != "enrol,transfer_out,transfer_in" {
			t.Fatalf("events %v", kinds)
		}
		// Approving again: already decided.
		if _, err := f.r.ApproveTransfer(ctx, scope.School(primaryA), tr.ID, "", schoolActor(primaryA)); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("approve twice: %v", err)
		}

		// Reject needs a reason and the right party; withdraw only by the requester.
		back, err := f.r.RequestTransfer(ctx, scope.School(primaryA), TransferRequest{Number: clear.IDNumber, Name: "周小红", ToSchool: primaryA, ToGrade: 4, Reason: "回原校"}, schoolActor(primaryA))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.r.RejectTransfer(ctx, scope.School(primaryB), back.ID, "", schoolActor(primaryB)); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("reject without reason: %v", err)
		}
		if _, err := f.r.WithdrawTransfer(ctx, scope.School(primaryB), back.ID, "", schoolActor(primaryB)); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("withdraw by the sending school: %v", err)
		}
		rej, err := f.r.RejectTransfer(ctx, scope.School(primaryB), back.ID, "学期中途不宜转学", schoolActor(primaryB))
		if err != nil || rej.Status != TransferRejected || rej.DecisionNote != "学期中途不宜转学" || rej.DecidedStep != StepSchool {
			t.Fatalf("reject %+v %v", rej, err)
		}
		again, _ := f.r.RequestTransfer(ctx, scope.School(primaryA), TransferRequest{Number: clear.IDNumber, Name: "周小红", ToSchool: primaryA, ToGrade: 4, Reason: "再次申请"}, schoolActor(primaryA))
		if w, err := f.r.WithdrawTransfer(ctx, scope.School(primaryA), again.ID, "家长改变主意", schoolActor(primaryA)); err != nil || w.Status != TransferWithdrawn {
			t.Fatalf("withdraw %+v %v", w, err)
		}
		if got, _ := f.r.Get(ctx, scope.Everything, s.ID); got.School != primaryB {
			t.Fatal("a rejected or withdrawn transfer moved the student")
		}
		list, _ := f.r.Transfers(ctx, scope.School(primaryA), TransferFilter{})
		if list.Total != 3 {
			t.Fatalf("transfers %+v", list)
		}
	})
}

func TestTransferAcrossCounties(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		s := f.create(f.pupil("吴刚", true, "2016-09-09", primaryA, 5))
		clear, _, _ := f.r.load(ctx, d, scope.Everything, s.ID)
		tr, err := f.r.RequestTransfer(ctx, scope.School(nineYearE), TransferRequest{Number: clear.IDNumber, Name: "吴 刚", ToSchool: nineYearE, ToGrade: 5, Reason: "户籍迁入衡南县"}, schoolActor(nineYearE))
		if err != nil || !tr.CrossCounty || len(tr.Waiting()) != 3 {
			t.Fatalf("request %+v %v", tr, err)
		}
		// The counties wait for the school.
		if _, err := f.r.ApproveTransfer(ctx, scope.Area("430421"), tr.ID, "", countyActor("430421")); fault.KindOf(err) != fault.Conflict ||
			!strings.Contains(err.Error(), "转出学校") {
			t.Fatalf("county before school: %v", err)
		}
		in, _ := f.r.CountyInbox(ctx, scope.Area("430422"), "430422")
		if in.ToDecideCount != 0 || in.InProgressCount != 1 {
			t.Fatalf("county inbox before the school %+v", in)
		}
		if _, err := f.r.ApproveTransfer(ctx, scope.School(primaryA), tr.ID, "", schoolActor(primaryA)); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"430421", "430422"} {
			in, _ := f.r.CountyInbox(ctx, scope.Area(c), c)
			if in.ToDecideCount != 1 {
				t.Fatalf("county %s inbox %+v", c, in)
			}
		}
		if _, err := f.r.CountyInbox(ctx, scope.Area("430421"), "430422"); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("another county's inbox: %v", err)
		}
		// A third county is not a party (and does not see it).
		if _, err := f.r.ApproveTransfer(ctx, scope.Area("430407"), tr.ID, "", countyActor("430407")); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("third county: %v", err)
		}
		if _, err := f.r.ApproveTransfer(ctx, scope.Everything, tr.ID, "", countyActor("430407")); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("third county with a wide scope: %v", err)
		}
		t1, err := f.r.ApproveTransfer(ctx, scope.Area("430422"), tr.ID, "", countyActor("430422"))
		if err != nil || t1.Status != TransferPending || len(t1.Waiting()) != 1 || t1.Waiting()[0] != StepFromCounty {
			t.Fatalf("receiving county %+v %v", t1, err)
		}
		if _, err := f.r.ApproveTransfer(ctx, scope.Area("430422"), tr.ID, "", countyActor("430422")); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("approve twice: %v", err)
		}
		if got, _ := f.r.Get(ctx, scope.Everything, s.ID); got.School != primaryA {
			t.Fatal("moved before the last approval")
		}
		t2, err := f.r.ApproveTransfer(ctx, scope.Area("430421"), tr.ID, "", countyActor("430421"))
		if err != nil || t2.Status != TransferCompleted {
			t.Fatalf("last approval %+v %v", t2, err)
		}
		got, _ := f.r.Get(ctx, scope.Everything, s.ID)
		if got.School != nineYearE || got.County != "430422" || got.Level != Primary {
			t.Fatalf("moved %+v", got)
		}
		var gc string
		d.QueryRowContext(ctx, `SELECT county_code FROM student_guardian WHERE student_id = $1`, s.ID).Scan(&gc)
		if gc != "430422" {
			t.Fatalf("guardians stayed in %s", gc)
		}
	})
}

// Two receiving schools ask for the same child at the same moment, in real
// concurrent transactions: exactly one request is recorded.
func TestConcurrentTransfers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		for round := 0; round < 5; round++ {
			s := f.create(f.pupil("郑"+string(rune('一'+round)), round%2 == 0, "2016-09-09", primaryA, 3))
			clear, _, _ := f.r.load(ctx, d, scope.Everything, s.ID)
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for i, to := range []string{primaryB, nineYearE} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = f.r.RequestTransfer(ctx, scope.School(to), TransferRequest{Number: clear.IDNumber, Name: clear.Name,
						ToSchool: to, ToGrade: 3, Reason: "并发申请"}, schoolActor(to))
				}()
			}
			close(start)
			wg.Wait()
			ok, conflict := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case fault.KindOf(err) == fault.Conflict && strings.Contains(err.Error(), "已有一项转学申请"):
					conflict++
				default:
					t.Fatalf("round %d: unexpected %v", round, err)
				}
			}
			var pending int
			d.QueryRowContext(ctx, `SELECT COUNT(*) FROM student_transfer WHERE student_id = $1 AND status = 'pending'`, s.ID).Scan(&pending)
			if ok != 1 || conflict != 1 || pending != 1 {
				t.Fatalf("round %d: %d succeeded, %d conflicts, %d pending", round, ok, conflict, pending)
			}
			// And two approvals of the same step at once: one wins.
			var id int64
			d.QueryRowContext(ctx, `SELECT id FROM student_transfer WHERE student_id = $1 AND status = 'pending'`, s.ID).Scan(&id)
			start = make(chan struct{})
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = f.r.ApproveTransfer(ctx, scope.School(primaryA), id, "", schoolActor(primaryA))
				}()
			}
			close(start)
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: approvals %v / %v", round, errs[0], errs[1])
			}
			for _, err := range errs {
				if err != nil && fault.KindOf(err) != fault.Conflict && fault.KindOf(err) != fault.Forbidden {
					t.Fatalf("round %d: second approval %v", round, err)
				}
			}
			var current int
			d.QueryRowContext(ctx, `SELECT COUNT(*) FROM student_enrolment WHERE student_id = $1 AND left_on IS NULL`, s.ID).Scan(&current)
			if current != 1 {
				t.Fatalf("round %d: %d current enrolments", round, current)
			}
		}
	})
}

// The database refuses a second current enrolment even when code does not check.
func TestOneSchoolAtATimeConstraint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := f.create(f.pupil("孙一", true, "2016-09-09", primaryA, 3))
		_, err := d.ExecContext(f.ctx, `INSERT INTO student_enrolment (id, student_id, school_code, county_code, grade, entry_kind, entered_on)
			VALUES ($1, $2, $3, '430421', 3, 'enrol', '2026-01-01')`, db.NewID(), s.ID, primaryB)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("a second current enrolment: %v", err)
		}
	})
}
