package enrol

import (
	"context"
	"strings"
	"testing"

	"edubureau/admission"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
)

func TestPlans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := setup(t, d)
		city, county := cityStaff(), countyStaff()

		// A primary plan: one general row.
		p, err := o.CreatePlan(ctx, county, PlanInput{Year: 2026, Grade: 1, School: p1, Classes: 6, Rows: []PlanRow{{Batch: 1, Places: 270}}})
		if err != nil {
			t.Fatal(err)
		}
		if p.State != PlanDraft || p.Places != 270 || p.SchoolName != "珠晖区第一小学" || p.County != "430405" {
			t.Fatalf("created %+v", p)
		}
		// The same school, year and grade twice: a conflict naming the school.
		_, err = o.CreatePlan(ctx, county, PlanInput{Year: 2026, Grade: 1, School: p1, Rows: []PlanRow{{Batch: 1, Places: 1}}})
		wantKind(t, err, fault.Conflict, "珠晖区第一小学")

		// Rules: a primary school does not teach grade 10; quotas and lines are
		// the senior highs'; a county's staff reaches only their county.
		for _, tc := range []struct {
			by    Actor
			in    PlanInput
			kind  fault.Kind
			field string
		}{
			{county, PlanInput{Year: 2026, Grade: 10, School: p2, Rows: []PlanRow{{Batch: 1, Places: 10}}}, fault.Invalid, "school"},
			{county, PlanInput{Year: 2026, Grade: 1, School: p2, Rows: []PlanRow{{Batch: 1, Junior: j1, Places: 10}}}, fault.Invalid, "rows[1].junior"},
			{county, PlanInput{Year: 2026, Grade: 1, School: p2, Rows: []PlanRow{{Batch: 1, Places: 10, MinScore: fptr(500)}}}, fault.Invalid, "rows[1].min_score"},
			{county, PlanInput{Year: 2026, Grade: 1, School: p2, Rows: []PlanRow{{Batch: 1, Places: -1}}}, fault.Invalid, "rows[1].places"},
			{county, PlanInput{Year: 2026, Grade: 1, School: p2}, fault.Invalid, "rows"},
			{county, PlanInput{Year: 1999, Grade: 1, School: p2, Rows: []PlanRow{{Batch: 1, Places: 1}}}, fault.Invalid, "year"},
			{county, PlanInput{Year: 2026, Grade: 10, School: s1, Rows: []PlanRow{{Batch: 1, Junior: p1, Places: 10}}}, fault.Invalid, "rows[1].junior"},
			{county, PlanInput{Year: 2026, Grade: 1, School: p3, Rows: []PlanRow{{Batch: 1, Places: 1}}}, fault.Invalid, "school"}, // another county
			{schoolsStaff(), PlanInput{Year: 2026, Grade: 1, School: p2, Rows: []PlanRow{{Batch: 1, Places: 1}}}, fault.Forbidden, ""},
		} {
			_, err := o.CreatePlan(ctx, tc.by, tc.in)
			wantKind(t, err, tc.kind)
			if tc.field != "" {
				fe := fault.As(err)
				if len(fe.Fields) == 0 || fe.Fields[0].Field != tc.field {
					t.Errorf("%+v: fields %+v, want %s", tc.in, fe.Fields, tc.field)
				}
			}
		}

		// A quality senior high: below half its places as quotas, it is not approved.
		sp, err := o.CreatePlan(ctx, county, PlanInput{Year: 2026, Grade: 10, School: s1, Quality: true, Rows: []PlanRow{
			{Batch: 1, Junior: j1, Places: 100, MinScore: fptr(550)},
			{Batch: 2, Places: 300},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if sp.QuotaPlaces != 100 || sp.Places != 400 || sp.QuotaShare() != 0.25 {
			t.Fatalf("senior plan sums %d/%d", sp.QuotaPlaces, sp.Places)
		}
		_, err = o.SetPlanState(ctx, county, sp.ID, sp.Version, "approve")
		wantKind(t, err, fault.Invalid, "25.0%")
		sp, err = o.UpdatePlan(ctx, county, sp.ID, sp.Version, PlanInput{Quality: true, Rows: []PlanRow{
			{Batch: 1, Junior: j1, Places: 150, MinScore: fptr(550)}, {Batch: 1, Junior: j2, Places: 50}, {Batch: 2, Places: 200},
		}})
		if err != nil {
			t.Fatal(err)
		}
		// A stale version is refused.
		_, err = o.SetPlanState(ctx, county, sp.ID, sp.Version-1, "approve")
		wantKind(t, err, fault.Conflict)
		if sp, err = o.SetPlanState(ctx, county, sp.ID, sp.Version, "approve"); err != nil {
			t.Fatal(err)
		}
		if sp.State != PlanApproved || sp.ApprovedBy != "county" || sp.ApprovedAt.IsZero() {
			t.Fatalf("approved %+v", sp)
		}
		// An approved plan is not edited; reopened, it is.
		_, err = o.UpdatePlan(ctx, county, sp.ID, 0, PlanInput{Rows: sp.Rows})
		wantKind(t, err, fault.Conflict)
		if sp, err = o.SetPlanState(ctx, county, sp.ID, 0, "reopen"); err != nil || sp.State != PlanDraft {
			t.Fatal(sp.State, err)
		}
		if _, err = o.SetPlanState(ctx, county, sp.ID, 0, "approve"); err != nil {
			t.Fatal(err)
		}
		if sp, err = o.SetPlanState(ctx, county, sp.ID, 0, "publish"); err != nil || sp.State != PlanPublished {
			t.Fatal(err)
		}
		if n := auditCount(t, o, "admission.plan.*"); n != 7 {
			t.Errorf("%d plan audit entries, want 7", n)
		}

		// Scope: the other county does not find the plan; the city does.
		if _, err := o.Plan(ctx, otherCounty().Scope, sp.ID); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("out of scope: %v", err)
		}
		pg, err := o.Plans(ctx, city.Scope, PlanFilter{Year: 2026})
		if err != nil || pg.Total != 2 || pg.Places != 670 || pg.Quota != 200 || pg.QualityPlaces != 400 || pg.QualityQuota != 200 {
			t.Fatalf("city list %+v %v", pg, err)
		}
		pg, _ = o.Plans(ctx, otherCounty().Scope, PlanFilter{Year: 2026})
		if pg.Total != 0 {
			t.Fatalf("the other county sees %d plans", pg.Total)
		}
		// The public sees published plans only.
		pub, err := o.PublicPlans(ctx, 2026, 0, "", 1)
		if err != nil || pub.Total != 1 || pub.Items[0].School != s1 || len(pub.Items[0].Rows) != 3 {
			t.Fatalf("public %+v %v", pub, err)
		}
	})
}

func TestImportSeniorPlans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := setup(t, d)
		city := cityStaff()
		file := "batch,school,junior,places,min_score\n" +
			"1," + s1 + "," + j1 + ",60,560\n" +
			"1," + s1 + "," + j2 + ",40,560\n" +
			"2," + s1 + ",,100,\n" +
			"2," + s2 + ",,300,480\n"
		res, err := importPlans(o, city, 2026, file, "PLAN.csv")
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 4 || res.Rows != 4 || auditCount(t, o, "admission.plan.create") != 2 {
			t.Fatalf("result %+v", res.Counts)
		}
		// Again: unchanged, and nothing recorded. With a row changed: that school's plan replaced.
		imports := auditCount(t, o, "admission.plan.import")
		if res, err = importPlans(o, city, 2026, file, "PLAN.csv"); err != nil || res.Unchanged != 4 || auditCount(t, o, "admission.plan.import") != imports {
			t.Fatalf("again %+v %v", res.Counts, err)
		}
		changed := strings.Replace(file, ",300,480", ",320,480", 1)
		if res, err = importPlans(o, city, 2026, changed, "PLAN.csv"); err != nil || res.Updated != 1 || res.Unchanged != 3 ||
			auditCount(t, o, "admission.plan.update") != 1 {
			t.Fatalf("changed %+v %v", res.Counts, err)
		}
		// Bad input names the row and column, and writes nothing.
		for _, tc := range []struct{ file, where string }{
			{"batch,school,junior,places,min_score\n1," + p1 + ",,5,\n", "第 2 行 school（B2）：珠晖区第一小学"},
			{"batch,school,junior,places,min_score\n1,9999999999,,5,\n", "第 2 行 school（B2）"},
			{"batch,school,junior,places,min_score\n2," + s2 + ",,5,\n1," + s1 + "," + p1 + ",5,\n", "第 3 行 junior（C3）"},
			{"batch,school,junior,min_score\n1," + s1 + ",,\n", "计划数"},
			{"batch,school,junior,places,min_score\n1," + s1 + ",,-5,\n", "第 2 行 places（D2）"},
			{"batch,school,junior,places,min_score\n10," + s1 + ",,5,\n", "第 2 行 batch（A2）"},
			{"批次,学校标识码,指标到校初中,计划数,最低控制线\n1," + s1 + ",,5,abc\n", "第 2 行 最低控制线（E2）"},
		} {
			_, err := importPlans(o, city, 2026, tc.file, "PLAN.csv")
			wantKind(t, err, fault.Invalid, tc.where)
		}
		// A county's staff cannot import another county's school.
		_, err = importPlans(o, countyStaff(), 2026, file, "PLAN.csv")
		wantKind(t, err, fault.Invalid, "第 5 行", "范围")
		// The year is needed, and the file is imported whole.
		_, err = o.Import(ctx, city, SeniorPlanKind{Office: o}, "PLAN.csv", []byte(file), nil)
		wantKind(t, err, fault.Invalid, "入学年份")
		// An approved plan stops the import.
		pg, _ := o.Plans(ctx, scope.Everything, PlanFilter{Year: 2026, Grade: 10})
		var s2plan Plan
		for _, p := range pg.Items {
			if p.School == s2 {
				s2plan = p
			}
		}
		if s2plan.Places != 320 {
			t.Fatalf("the bad imports changed the plan: %+v", s2plan)
		}
		if n, problems, err := o.ApproveAll(ctx, city, 2026, 10); err != nil || n != 2 || len(problems) != 0 {
			t.Fatalf("approve all: %d %v %v", n, problems, err)
		}
		_, err = importPlans(o, city, 2026, file, "PLAN.csv")
		wantKind(t, err, fault.Invalid, "第 5 行 school", "已审批")
		// The plans as the placement reads them.
		plans, err := o.countingPlans(ctx, o.DB, 2026, 10)
		if err != nil || len(plans) != 2 || len(plans[0].Rows) != 3 {
			t.Fatalf("counting plans %+v %v", plans, err)
		}
		var rows []admission.PlanRow
		for _, p := range plans {
			for _, r := range p.Rows {
				rows = append(rows, admission.PlanRow{Batch: r.Batch, School: p.School, Junior: r.Junior, Places: r.Places})
			}
		}
		if rows[0].Junior != j1 || rows[3].School != s2 || rows[3].Places != 320 {
			t.Fatalf("rows %+v", rows)
		}
	})
}
