package demo

import (
	"bytes"
	"context"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/enrol"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// TestDemoAdmissions builds the small demo and checks what the admission
// step promises: plans, a zone for every public primary and junior school,
// children in them, the two private schools' lotteries (one drawn), and a
// published 中考 of ~9,000 that the results lookup answers from.
func TestDemoAdmissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ring, err := pii.NewKeyring(bytes.Repeat([]byte{5}, pii.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		opt := Options{Seed: 2, Keyring: ring}
		if _, err := Build(ctx, d, opt, nil); err != nil {
			t.Fatal(err)
		}
		year := opt.admissionYear()
		o := enrol.New(d, school.New(d), ring, DefaultJurisdiction)
		schools, err := Schools(opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, grade := range []int{enrol.GradePrimary, enrol.GradeJunior} {
			pg, err := o.Zones(ctx, scope.Everything, enrol.ZoneFilter{Year: year, Grade: grade, PerPage: -1})
			if err != nil {
				t.Fatal(err)
			}
			in := map[string]int{}
			multi := 0
			for _, z := range pg.Items {
				for _, s := range z.Schools {
					in[s.Code]++
				}
				if z.Multi() {
					multi++
				}
			}
			for _, s := range schools {
				if s.Status == school.Active && s.Ownership == school.Public && teaches(s, grade) && s.Type != school.Special && in[s.Code] != 1 {
					t.Errorf("grade %d: %s %s is in %d zones", grade, s.Code, s.Name, in[s.Code])
				}
			}
			if grade == enrol.GradePrimary && multi == 0 {
				t.Error("no multi-school zone")
			}
			l, err := o.Layer(ctx, scope.Everything, year, grade, "")
			if err != nil {
				t.Fatal(err)
			}
			if l.Applicants == 0 || l.Pending != 0 || len(l.Overlaps) != 0 {
				t.Errorf("grade %d layer: %d applicants, %d pending, overlaps %v", grade, l.Applicants, l.Pending, l.Overlaps)
			}
		}
		lots, err := o.Lotteries(ctx, scope.Everything, enrol.LotteryFilter{Year: year})
		if err != nil {
			t.Fatal(err)
		}
		states := map[enrol.LotteryState]int{}
		for _, l := range lots.Items {
			states[l.State]++
			if l.Kind == enrol.LotterySchool && !l.Oversubscribed() {
				t.Errorf("lottery %s is not oversubscribed: %d for %d", l.Title, l.Entries, l.Places)
			}
		}
		if states[enrol.LotteryDrawn] != 1 || states[enrol.LotteryFrozen] != 1 || states[enrol.LotteryOpen] != 1 {
			t.Errorf("lottery states %v", states)
		}
		for _, l := range lots.Items {
			if l.State == enrol.LotteryDrawn {
				if v, err := o.VerifyLottery(ctx, l.ID); err != nil || !v.Match() {
					t.Errorf("the drawn lottery does not verify: %+v %v", v, err)
				}
			}
		}
		c, ok, err := o.Cohort(ctx, year)
		if err != nil || !ok || c.Students != cohortSizes[Small] || len(c.Batches) != 3 {
			t.Fatalf("cohort %+v %v", c, err)
		}
		rd := enrol.NewResultsDay(o, nil)
		if _, err := rd.Refresh(ctx); err != nil || rd.Current() == nil {
			t.Fatalf("no published snapshot: %v", err)
		}
		// Look one student up with the ID number's last six characters.
		var exam, enc string
		if err := d.QueryRowContext(ctx, `SELECT exam_no, id_number FROM zhongkao_student WHERE year = $1 ORDER BY line LIMIT 1`, year).Scan(&exam, &enc); err != nil {
			t.Fatal(err)
		}
		id, err := ring.Decrypt(enc, "zhongkao_student.id_number")
		if err != nil {
			t.Fatal(err)
		}
		if a, _, ok := rd.Lookup(ring, exam, id[12:]); !ok || a.ExamNo != exam {
			t.Fatalf("lookup of %s: %+v %v", exam, a, ok)
		}
		// Quality senior highs give more than half their places as quotas.
		pg, err := o.Plans(ctx, scope.Everything, enrol.PlanFilter{Year: year, Grade: enrol.GradeSenior, Quality: true})
		if err != nil || pg.Total == 0 || pg.QualityQuota*2 <= pg.QualityPlaces {
			t.Fatalf("quality plans: %d, %d of %d as quotas (%v)", pg.Total, pg.QualityQuota, pg.QualityPlaces, err)
		}
	})
}
