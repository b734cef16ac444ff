package enrol

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"edubureau/admission"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/idno"
	"edubureau/importer"
	"edubureau/scope"
)

// A small 中考: s1 gives one quota seat to each of j1 and j2 in batch 1
// (line 550) and two general seats in batch 2; s2 two general seats in
// batch 2 (line 480).
var seniorPlan = "batch,school,junior,places,min_score\n" +
	"1," + s1 + "," + j1 + ",1,550\n" +
	"1," + s1 + "," + j2 + ",1,550\n" +
	"2," + s1 + ",,2,\n" +
	"2," + s2 + ",,2,480\n"

func zkID(seq int) string {
	return idno.MakeResidentID("430405", time.Date(2011, 5, seq, 0, 0, 0, 0, time.UTC), 100+seq)
}

func cohortFile() string {
	rows := []string{"exam_no,junior,total,chinese,math,b1,b2,id_no,name"}
	add := func(exam, junior, total, chinese, math, b1, b2 string, seq int, name string) {
		rows = append(rows, strings.Join([]string{exam, junior, total, chinese, math, b1, b2, zkID(seq), name}, ","))
	}
	add("E01", j1, "620", "110", "120", s1, s1+"|"+s2, 1, "赵一")
	add("E02", j1, "600", "100", "110", s1, s1+"|"+s2, 2, "钱二")
	add("E03", j2, "590", "100", "110", s1, s1+"|"+s2, 3, "孙三")
	add("E04", j2, "540", "100", "110", s1, s2+"|"+s1, 4, "李四")
	add("E05", j1, "600", "105", "100", "", s1+"|"+s2, 5, "周五")
	add("E06", "", "500", "90", "90", "", s2, 6, "吴六")
	add("E07", j2, "470", "90", "90", "", s2, 7, "郑七")
	add("E08", "3143009999", "610", "100", "100", "", s1, 8, "王八")
	return strings.Join(rows, "\n") + "\n"
}

func TestZhongkao(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := setup(t, d)
		city := cityStaff()
		tb := []string{"chinese", "math"}

		// The 中考 is the city's: a county's staff is refused.
		_, err := loadCohort(o, countyStaff(), 2026, tb, cohortFile(), "cohort.csv")
		wantKind(t, err, fault.Invalid, "全市范围")
		// The plans come first: a choice is checked against them.
		if _, err := importPlans(o, city, 2026, seniorPlan, "PLAN.csv"); err != nil {
			t.Fatal(err)
		}
		// Bad files name the row and column; nothing is loaded.
		for _, tc := range []struct{ file, where string }{
			{strings.Replace(cohortFile(), ",id_no,name", ",card,name", 1), "缺少必填的列：“身份证号”"},
			{strings.Replace(cohortFile(), zkID(3), "430405201105031234", 1), "第 4 行 id_no（H4）"},
			{strings.Replace(cohortFile(), "E05,", "E01,", 1), "第 6 行 exam_no（A6）"},
			{strings.Replace(cohortFile(), ",590,", ",five hundred,", 1), "第 4 行 total（C4）"},
			{"exam_no,junior,total,chinese,math,id_no\nE01,,600,1,1," + zkID(1) + "\n", "志愿列"},
		} {
			res, err := loadCohort(o, city, 2026, tb, tc.file, "cohort.csv")
			if err == nil {
				t.Fatalf("%s: accepted %+v", tc.where, res)
			}
			wantKind(t, err, fault.Invalid, tc.where)
		}
		if _, ok, _ := o.Cohort(ctx, 2026); ok {
			t.Fatal("a refused file left a cohort")
		}
		_, err = loadCohort(o, city, 2026, []string{"physics"}, cohortFile(), "cohort.csv")
		wantKind(t, err, fault.Invalid, "物理")

		res, err := loadCohort(o, city, 2026, tb, cohortFile(), "cohort.csv")
		if err != nil {
			t.Fatal(err)
		}
		c, _, _ := o.Cohort(ctx, 2026)
		if c.Students != 8 || res.Created != 8 || res.Warnings != 1 || len(c.Batches) != 2 || c.Source != "cohort.csv" || len(c.SHA256) != 64 {
			t.Fatalf("cohort %+v, result %+v", c, res.Counts)
		}
		// A leading zero in a choice column's name is read as the batch.
		res, err = loadCohort(o, city, 2026, tb, strings.Replace(cohortFile(), ",b1,b2,", ",b01,b02,", 1), "cohort.csv")
		if err != nil || res.Unchanged != 8 {
			t.Fatalf("b01, b02: %+v %v", res.Counts, err)
		}
		// No plan approved yet: the simulation says so.
		_, err = o.Simulate(ctx, city, 2026)
		wantKind(t, err, fault.Invalid, "高中招生计划")
		if _, _, err := o.ApproveAll(ctx, city, 2026, 10); err != nil {
			t.Fatal(err)
		}
		run, err := o.Simulate(ctx, city, 2026)
		if err != nil {
			t.Fatal(err)
		}

		// The database path gives exactly what the file mode gives on the same files.
		plan, _, _ := admission.ReadPlan(strings.NewReader(seniorPlan), "PLAN.csv")
		apps, _, _ := admission.ReadApplicants(strings.NewReader(cohortFile()), "cohort.csv", []int{1, 2}, tb)
		want, err := admission.Place(plan, apps)
		if err != nil {
			t.Fatal(err)
		}
		if run.ResultDigest != resultDigest(&want) || run.Students != 8 || run.Placed != 6 || run.Places != 6 {
			t.Fatalf("run %+v", run)
		}
		pg, err := o.RunResults(ctx, scope.Everything, run.ID, ResultFilter{PerPage: 50})
		if err != nil || pg.Total != 8 {
			t.Fatalf("results %d %v", pg.Total, err)
		}
		for _, r := range pg.Items {
			i := slices_index(apps, r.ExamNo)
			out := want.Outcomes[i]
			if r.Rank != out.Rank || r.School != out.School || r.Batch != out.Batch || (r.Seat == "quota") != out.Quota {
				t.Errorf("%s: %+v, file mode %+v", r.ExamNo, r, out)
			}
		}
		// Cut-offs per row and per school.
		cs, err := o.Cutoffs(ctx, run.ID)
		if err != nil || len(cs) != 4 {
			t.Fatalf("cut-offs %+v %v", cs, err)
		}
		bs := BySchool(cs)
		if len(bs) != 3 || bs[0].School != s1 || bs[0].Batch != 1 || bs[0].QuotaAdmitted != 2 {
			t.Fatalf("by school %+v", bs)
		}
		// Scope: the county sees the students of its junior schools only.
		cpg, _ := o.RunResults(ctx, countyStaff().Scope, run.ID, ResultFilter{})
		for _, r := range cpg.Items {
			if r.County != "430405" {
				t.Errorf("the county sees %s of %s", r.ExamNo, r.County)
			}
		}
		if cpg.Total != 3 {
			t.Errorf("the county sees %d students, want 3", cpg.Total)
		}
		// Explanations, from the simulation kept in memory and, after it is
		// forgotten, by running it again.
		ex, err := o.Explain(ctx, scope.Everything, run.ID, "E04")
		if err != nil {
			t.Fatal(err)
		}
		wantEx := want.Explain(slices_index(apps, "E04"))
		if ex.Outcome != wantEx.Outcome || len(ex.Reasons) != len(wantEx.Reasons) || len(ex.Reasons) == 0 {
			t.Fatalf("explanation %+v, want %+v", ex.Explanation, wantEx)
		}
		o.sims = simCache{}
		if ex2, err := o.Explain(ctx, scope.Everything, run.ID, "E04"); err != nil || ex2.Outcome != ex.Outcome {
			t.Fatalf("recomputed explanation %+v %v", ex2, err)
		}
		if _, err := o.Explain(ctx, otherCounty().Scope, run.ID, "E01"); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("another county's student: %v", err)
		}

		// Publishing after the inputs changed is refused.
		changed := strings.Replace(cohortFile(), "E07,"+j2+",470", "E07,"+j2+",475", 1)
		if _, err := loadCohort(o, city, 2026, tb, changed, "cohort2.csv"); err != nil {
			t.Fatal(err)
		}
		_, err = o.Publish(ctx, city, 2026, run.ID)
		wantKind(t, err, fault.Conflict)
		// Kept in memory, the simulation still explains itself; forgotten, it
		// cannot be reproduced from the changed inputs.
		if _, err := o.Explain(ctx, scope.Everything, run.ID, "E04"); err != nil {
			t.Fatal(err)
		}
		o.sims = simCache{}
		if _, err := o.Explain(ctx, scope.Everything, run.ID, "E04"); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("explaining a stale simulation: %v", err)
		}
		if _, err := loadCohort(o, city, 2026, tb, cohortFile(), "cohort.csv"); err != nil {
			t.Fatal(err)
		}
		// Two simulations: only the latest keeps its rows and may be published.
		run2, err := o.Simulate(ctx, city, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if old, _ := o.Run(ctx, run.ID); old.ResultsKept {
			t.Fatal("the older simulation kept its rows")
		}
		_, err = o.Publish(ctx, city, 2026, run.ID)
		wantKind(t, err, fault.Conflict)
		pub, err := o.Publish(ctx, city, 2026, run2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Kind != RunPublished || pub.ID != run2.ID || pub.ResultDigest != run2.ResultDigest || len(pub.SnapshotSHA256) != 64 {
			t.Fatalf("published %+v", pub)
		}

		// Results day: the snapshot is loaded from the head and answers from memory.
		rd := &ResultsDay{Office: o}
		if changed, err := rd.Refresh(ctx); err != nil || !changed {
			t.Fatalf("refresh %v %v", changed, err)
		}
		snap := rd.Current()
		if snap.SHA256 != pub.SnapshotSHA256 || snap.Students() != 8 || snap.Year() != 2026 {
			t.Fatalf("snapshot %s %d", snap.SHA256, snap.Students())
		}
		ans, _, ok := rd.Lookup(o.Keyring, "E03", zkID(3)[12:])
		i3 := slices_index(apps, "E03")
		if !ok || ans.School != want.Outcomes[i3].School || ans.Rank != want.Outcomes[i3].Rank || ans.SchoolName == "" || ans.Snapshot != pub.SnapshotSHA256 {
			t.Fatalf("lookup %+v %v", ans, ok)
		}
		if _, _, ok := rd.Lookup(o.Keyring, "E03", zkID(4)[12:]); ok {
			t.Fatal("a wrong ID suffix found a result")
		}
		if _, _, ok := rd.Lookup(o.Keyring, "E99", zkID(3)[12:]); ok {
			t.Fatal("an unknown exam number found a result")
		}
		if low := strings.ToLower(zkID(3)[12:]); true {
			if _, _, ok := rd.Lookup(o.Keyring, " E03 ", low); !ok {
				t.Fatal("the lookup does not trim the exam number or fold the suffix's case")
			}
		}
		// The head has not moved: nothing to load.
		if changed, _ := rd.Refresh(ctx); changed {
			t.Fatal("refreshed without a new publication")
		}
		// The published explanation comes from the snapshot.
		if ex, err := o.Explain(ctx, scope.Everything, pub.ID, "E04"); err != nil || ex.Outcome != wantEx.Outcome {
			t.Fatalf("published explanation %+v %v", ex, err)
		}
		// The snapshot as stored decodes, and a changed byte is refused.
		content, sum, err := o.SnapshotContent(ctx, pub.ID)
		if err != nil || sum != pub.SnapshotSHA256 {
			t.Fatal(err)
		}
		if _, err := DecodeSnapshot(content, sum); err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(content)
		bad[len(bad)/2] ^= 1
		if _, err := DecodeSnapshot(bad, sum); err == nil {
			t.Fatal("a changed snapshot was accepted")
		}
		// What was published cannot change in the database.
		for _, q := range []string{
			`UPDATE zhongkao_result SET school_code = '' WHERE run_id = $1`,
			`DELETE FROM zhongkao_result WHERE run_id = $1`,
			`DELETE FROM zhongkao_cutoff WHERE run_id = $1`,
			`INSERT INTO zhongkao_result (run_id, exam_no, county_code, rank, total) VALUES ($1, 'X', '430405', 99, 1)`,
			`UPDATE zhongkao_run SET placed = 0 WHERE id = $1`,
			`DELETE FROM zhongkao_run WHERE id = $1`,
			`UPDATE zhongkao_snapshot SET size = 0 WHERE run_id = $1`,
			`DELETE FROM zhongkao_snapshot WHERE run_id = $1`,
		} {
			if _, err := d.ExecContext(ctx, q, pub.ID); err == nil {
				t.Errorf("the database let through: %s", q)
			}
		}
		if _, err := d.ExecContext(ctx, `UPDATE zhongkao_publication SET serial = 0 WHERE id = 1`); err == nil {
			t.Error("the publication head moved back")
		}
		// A simulation after publishing is still possible (what-if), and
		// leaves the published rows alone.
		if _, err := o.Simulate(ctx, city, 2026); err != nil {
			t.Fatal(err)
		}
		if pg, _ := o.RunResults(ctx, scope.Everything, pub.ID, ResultFilter{}); pg.Total != 8 {
			t.Fatalf("published rows: %d", pg.Total)
		}
		// Once published, the cohort is frozen: even the same file is refused.
		_, err = loadCohort(o, city, 2026, tb, cohortFile(), "cohort.csv")
		wantKind(t, err, fault.Invalid, "已公布", "冻结")
		if n := auditCount(t, o, "admission.zhongkao.*"); n != 7 {
			t.Errorf("%d 中考 audit entries, want 7", n)
		}
	})
}

func slices_index(apps []admission.Applicant, exam string) int {
	for i, a := range apps {
		if a.ExamNo == exam {
			return i
		}
	}
	return -1
}

func TestZhongkaoChoiceErrorNamesTheStudent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o, city := planned(t, d)
		if _, err := loadCohort(o, city, 2026, []string{"chinese", "math"}, cohortFile(), "cohort.csv"); err != nil {
			t.Fatal(err)
		}
		// The plans change after the cohort was loaded: s2 moves to batch 1,
		// so the choices of s2 in batch 2 no longer have places. The first
		// student in the file listing it is E01 (row 2).
		moved := strings.Replace(seniorPlan, "2,"+s2+",,2,480", "1,"+s2+",,2,480", 1)
		if _, err := importPlans(o, city, 2026, moved, "PLAN.csv"); err != nil {
			t.Fatal(err)
		}
		o.ApproveAll(ctx, city, 2026, 10)
		_, err := o.Simulate(ctx, city, 2026)
		wantKind(t, err, fault.Invalid, "E01", "cohort.csv 第 2 行", "b2", s2)
	})
}

// planned is the fixture's office with the year's senior plans imported
// (drafts), and the city's staff.
func planned(t *testing.T, d *db.DB) (*Office, Actor) {
	t.Helper()
	o, city := setup(t, d), cityStaff()
	if _, err := importPlans(o, city, 2026, seniorPlan, "PLAN.csv"); err != nil {
		t.Fatal(err)
	}
	return o, city
}

// loadCohort imports a cohort file through the engine (ZhongkaoKind).
func loadCohort(o *Office, by Actor, year int, tiebreaks []string, file, name string) (importer.Result, error) {
	return o.Import(context.Background(), by, ZhongkaoKind{Office: o}, name, []byte(file),
		map[string]string{"year": strconv.Itoa(year), "tiebreak": strings.Join(tiebreaks, ",")})
}

// importPlans imports a senior plan file through the engine (SeniorPlanKind).
func importPlans(o *Office, by Actor, year int, file, name string) (importer.Result, error) {
	return o.Import(context.Background(), by, SeniorPlanKind{Office: o}, name, []byte(file), map[string]string{"year": strconv.Itoa(year)})
}

// TestPublishWaitsForAnImport: on PostgreSQL a publication waits for a
// cohort import in progress (which holds the publication head shared) and,
// when the import changed the cohort it placed, refuses rather than
// publishing results of a cohort no longer in the database.
func TestPublishWaitsForAnImport(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx := context.Background()
	o := setup(t, d)
	city := cityStaff()
	if _, err := importPlans(o, city, 2026, seniorPlan, "PLAN.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := loadCohort(o, city, 2026, []string{"chinese", "math"}, cohortFile(), "cohort.csv"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.ApproveAll(ctx, city, 2026, 10); err != nil {
		t.Fatal(err)
	}
	run, err := o.Simulate(ctx, city, 2026)
	if err != nil {
		t.Fatal(err)
	}
	// An import half-way: it holds the head shared and has rewritten the cohort.
	imp, err := d.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer imp.Rollback()
	if _, err := imp.ExecContext(ctx, `SELECT serial FROM zhongkao_publication WHERE id = 1 FOR SHARE`); err != nil {
		t.Fatal(err)
	}
	if _, err := imp.ExecContext(ctx, `UPDATE zhongkao_cohort SET sha256 = 'changed by the import' WHERE year = 2026`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := o.Publish(ctx, city, 2026, run.ID)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the publication did not wait for the import: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := imp.Commit(); err != nil {
		t.Fatal(err)
	}
	wantKind(t, <-done, fault.Conflict)
	if pub, _ := o.Run(ctx, run.ID); pub.Kind == RunPublished {
		t.Fatal("published a cohort that changed under it")
	}
}
