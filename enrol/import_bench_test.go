package enrol

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"edubureau/admission"
	"edubureau/area"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/idno"
	"edubureau/school"
	"edubureau/scope"
)

// cityCohortFiles is the synthetic city cohort (admission.SyntheticCohort:
// n students, 300 senior schools, three batches of up to 12 choices) as the
// two files the bureau imports, its schools registered in d.
func cityCohortFiles(tb testing.TB, d *db.DB, n int) (plan, cohort []byte, tiebreaks []string) {
	tb.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "4304"); err != nil {
		tb.Fatal(err)
	}
	rows, apps, tiebreaks := admission.SyntheticCohort(n, 1)
	code := func(c string) string { // S001 → 3443000001, J0001 → 3143000001
		k, _ := strconv.Atoi(c[1:])
		if c[0] == 'S' {
			return fmt.Sprintf("3443%06d", k)
		}
		return fmt.Sprintf("3143%06d", k)
	}
	seen := map[string]bool{}
	var schools []school.School
	add := func(c string) {
		if c == "" || seen[c] {
			return
		}
		seen[c] = true
		typ := school.Senior
		if c[0] == 'J' {
			typ = school.Junior
		}
		schools = append(schools, school.School{Code: code(c), Name: "学校" + c, Type: typ, Ownership: school.Public, County: "430405",
			Status: school.Active, OpenedOn: "2001-09-01"})
	}
	var pb bytes.Buffer
	pw := csv.NewWriter(&pb)
	pw.Write([]string{"batch", "school", "junior", "places", "min_score"})
	for _, r := range rows {
		add(r.School)
		add(r.Junior)
		j, m := "", ""
		if r.Junior != "" {
			j = code(r.Junior)
		}
		if r.HasMin {
			m = admission.FormatScore(r.MinScore)
		}
		pw.Write([]string{strconv.Itoa(r.Batch), code(r.School), j, strconv.Itoa(r.Places), m})
	}
	pw.Flush()
	var cb bytes.Buffer
	cw := csv.NewWriter(&cb)
	cw.Write(append(append([]string{"exam_no", "junior", "total"}, tiebreaks...), "b1", "b2", "b3", "id_no", "name"))
	born := time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, a := range apps {
		add(a.Junior)
		rec := []string{a.ExamNo, code(a.Junior), admission.FormatScore(a.Total)}
		for _, x := range a.TieBreak {
			rec = append(rec, admission.FormatScore(x))
		}
		b := make([]string, 3)
		for _, c := range a.Choices {
			list := make([]string, len(c.Schools))
			for k, s := range c.Schools {
				list[k] = code(s)
			}
			b[c.Batch-1] = strings.Join(list, "|")
		}
		rec = append(rec, b...)
		rec = append(rec, idno.MakeResidentID("430405", born.AddDate(0, 0, i%365), i%1000), "考生"+strconv.Itoa(i))
		cw.Write(rec)
	}
	cw.Flush()
	if err := school.New(d).CreateMany(ctx, scope.Everything, schools, school.Actor{Username: "seed"}, nil); err != nil {
		tb.Fatal(err)
	}
	return pb.Bytes(), cb.Bytes(), tiebreaks
}

// BenchmarkZhongkaoImportCity imports the city's cohort (90,000 students)
// through the engine, first into an empty year, then again unchanged. The
// figure is the first import's time as a share of the city demo's whole
// limit (60 s), of which it is one step.
func BenchmarkZhongkaoImportCity(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			var d *db.DB
			if name == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				if dbtest.PostgresDSN(b) == "" {
					b.Skip("EDUBUREAU_TEST_POSTGRES is not set")
				}
				d = dbtest.Postgres(b)
			}
			ctx := context.Background()
			plan, cohort, tiebreaks := cityCohortFiles(b, d, 90000)
			o := New(d, school.New(d), testRing(b), "4304")
			city := System("bench", "benchmark")
			if _, err := o.Import(ctx, city, SeniorPlanKind{Office: o}, "PLAN.csv", plan, map[string]string{"year": "2026"}); err != nil {
				b.Fatal(err)
			}
			params := map[string]string{"year": "2026", "tiebreak": strings.Join(tiebreaks, ",")}
			var first, again time.Duration
			for b.Loop() {
				d.ExecContext(ctx, `DELETE FROM zhongkao_student`)
				d.ExecContext(ctx, `DELETE FROM zhongkao_cohort`)
				start := time.Now()
				res, err := o.Import(ctx, city, ZhongkaoKind{Office: o}, "cohort.csv", cohort, params)
				first += time.Since(start)
				if err != nil || res.Created != 90000 {
					b.Fatalf("%+v %v", res.Counts, err)
				}
				start = time.Now()
				if res, err = o.Import(ctx, city, ZhongkaoKind{Office: o}, "cohort.csv", cohort, params); err != nil || res.Unchanged != 90000 {
					b.Fatalf("%+v %v", res.Counts, err)
				}
				again += time.Since(start)
			}
			n := float64(b.N)
			b.ReportMetric(first.Seconds()/n, "s/import")
			b.ReportMetric(again.Seconds()/n, "s/unchanged")
			b.ReportMetric(first.Seconds()/n/60, "x-of-demo-limit")
		})
	}
}
