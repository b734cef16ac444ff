package server

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/config"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/demo"
	"edubureau/pii"
	"edubureau/scope"
	"edubureau/student"
)

// BenchmarkStudentPagesCity measures the student pages, served by the whole
// server (session, guard, page, template), on the demo city with its
// 1,200,000 students (EDUBUREAU_BENCH_STUDENTS=N for another size): the
// list searched by a name prefix (a surname, a surname and a character,
// city-wide and in a county), by national student number and by the last
// 4 or 6 characters of the ID; and a student's profile page. The limits
// are p95 ≤ 50 ms for a search page and ≤ 30 ms for a profile page.
// Run: go test -run '^$' -bench StudentPagesCity -benchtime 1x -timeout 90m ./server
func BenchmarkStudentPagesCity(b *testing.B) {
	for _, tc := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(tc.name, func(b *testing.B) {
			d := tc.open(b)
			ctx := context.Background()
			n := 0
			if v := os.Getenv("EDUBUREAU_BENCH_STUDENTS"); v != "" {
				n, _ = strconv.Atoi(v)
			}
			keys, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
			if err != nil {
				b.Fatal(err)
			}
			began := time.Now()
			sum, err := demo.Build(ctx, d, demo.Options{Scale: demo.City, Seed: 1, Keyring: keys, Students: n}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("demo city with %d students built in %s", sum.Students, time.Since(began).Round(time.Second))
			for _, st := range sum.Steps {
				b.Logf("  %-36s %s", st.Step, st.Took.Round(10*time.Millisecond))
			}
			// Statistics and (PostgreSQL) the visibility map, as a day's autovacuum would leave them.
			analyze := `ANALYZE`
			if d.Dialect == db.Postgres {
				analyze = `VACUUM ANALYZE student, student_enrolment, student_event, student_guardian, student_class, school, area`
			}
			if _, err := d.ExecContext(ctx, analyze); err != nil {
				b.Fatal(err)
			}
			j, _ := area.Jurisdiction("4304")
			srv, err := New(config.Config{MaxBody: 10 << 20, ShutdownTimeout: time.Second}, d, j, keys, slog.New(slog.NewTextHandler(io.Discard, nil)), "bench")
			if err != nil {
				b.Fatal(err)
			}
			a := srv.Auth()
			a.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
			if _, err := a.CreateUser(ctx, auth.NewUser{Username: "bench", Password: "Jiaoyu-Pass-2026", Role: auth.Admin}); err != nil {
				b.Fatal(err)
			}
			token, _, err := a.SignIn(ctx, "bench", "Jiaoyu-Pass-2026", "127.0.0.1", "bench")
			if err != nil {
				b.Fatal(err)
			}
			// A sample of real children: their names, numbers and ID tails, in the clear.
			reg := srv.Students()
			rows, err := d.QueryContext(ctx, `SELECT id FROM student ORDER BY id_index LIMIT 300`)
			if err != nil {
				b.Fatal(err)
			}
			var ids []int64
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
			var names, numbers, tails []string
			for _, id := range ids {
				s, err := reg.Reveal(ctx, auth.User{Role: auth.Admin}, id, "benchmark", student.Actor{Username: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				names, numbers, tails = append(names, s.Name), append(numbers, s.StudentNo), append(tails, s.IDNumber[12:])
			}
			counties := area.Children("4304")
			rng := rand.New(rand.NewPCG(4, 4))
			h := srv.Handler()
			kinds := map[string][]time.Duration{}
			slowest := map[string]time.Duration{}
			slowPath := map[string]string{}
			serve := func(kind, path string) {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				w := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(w, req)
				took := time.Since(start)
				if w.Code != 200 {
					b.Fatalf("GET %s: %d %.300s", path, w.Code, w.Body.String())
				}
				kinds[kind] = append(kinds[kind], took)
				if took > slowest[kind] {
					slowest[kind], slowPath[kind] = took, path
				}
			}
			q := func(v string) string { return url.QueryEscape(v) }
			round := func() {
				for range 40 {
					name := []rune(names[rng.IntN(len(names))])
					county := counties[rng.IntN(len(counties))].Code
					serve("search: surname, city", "/students?q="+q(string(name[:1])))
					serve("search: surname+1, city", "/students?q="+q(string(name[:2])))
					serve("search: surname, county", "/students?county="+county+"&q="+q(string(name[:1])))
					serve("search: student number", "/students?q="+numbers[rng.IntN(len(numbers))])
					serve("search: ID last 6", "/students?q="+tails[rng.IntN(len(tails))])
					serve("search: ID last 4, county", "/students?county="+county+"&q="+tails[rng.IntN(len(tails))][2:])
					serve("profile", "/students/"+strconv.FormatInt(ids[rng.IntN(len(ids))], 10))
				}
			}
			if d.Dialect == db.Postgres { // the plan of the widest search, for the record
				for _, q := range []string{`EXPLAIN ANALYZE SELECT COUNT(*) FROM student s WHERE s.name_key >= '刘' AND s.name_key < '则'`,
					`EXPLAIN ANALYZE SELECT s.id, s.student_no, s.name, sch.name, c.name, k.name FROM student s LEFT JOIN school sch ON sch.code = s.school_code
					LEFT JOIN area c ON c.code = s.county_code LEFT JOIN student_class k ON k.id = s.class_id
					WHERE 1=1 AND s.name_key >= '刘' AND s.name_key < '则' ORDER BY s.name_key ASC, s.id ASC LIMIT 50 OFFSET 0`} {
					rows, err := d.QueryContext(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						var line string
						rows.Scan(&line)
						b.Log(line)
					}
					rows.Close()
				}
			}
			round() // warm up
			kinds = map[string][]time.Duration{}
			for b.Loop() {
				for range 5 {
					round()
				}
			}
			p95 := func(ds []time.Duration) time.Duration {
				ds = slices.Clone(ds)
				slices.Sort(ds)
				return ds[len(ds)*95/100]
			}
			var search []time.Duration
			names2 := make([]string, 0, len(kinds))
			for k, ds := range kinds {
				names2 = append(names2, k)
				if k != "profile" {
					search = append(search, ds...)
				}
			}
			slices.Sort(names2)
			for _, k := range names2 {
				b.Logf("%-28s p95 %6.2f ms (%d pages; slowest %.1f ms: %s)", k, ms(p95(kinds[k])), len(kinds[k]), ms(slowest[k]), slowPath[k])
			}
			ps, pp := p95(search), p95(kinds["profile"])
			b.ReportMetric(ms(ps), "search-p95-ms")
			b.ReportMetric(ps.Seconds()/0.050, "search-x-of-50ms")
			b.ReportMetric(ms(pp), "profile-p95-ms")
			b.ReportMetric(pp.Seconds()/0.030, "profile-x-of-30ms")
			if counts, err := reg.Counts(ctx, scope.Everything); err == nil {
				total := 0
				for _, c := range counts {
					total += c.Students
				}
				b.Logf("students on the roll: %d", total)
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
