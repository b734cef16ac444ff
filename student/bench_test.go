package student_test

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/demo"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/student"
)

// Surnames with their approximate shares (per mille) in China; the rest
// share "other" surnames. Realistic shares make name-prefix searches as
// selective as in a real city (张 matches about 7 % of children).
var surnames = []struct {
	s string
	w int
}{{"王", 71}, {"李", 70}, {"张", 67}, {"刘", 54}, {"陈", 45}, {"杨", 31}, {"黄", 22}, {"赵", 20}, {"吴", 20}, {"周", 19},
	{"徐", 13}, {"孙", 12}, {"马", 12}, {"朱", 11}, {"胡", 10}, {"郭", 10}, {"何", 9}, {"高", 9}, {"林", 9}, {"罗", 8},
	{"郑", 8}, {"梁", 8}, {"谢", 7}, {"宋", 6}, {"唐", 6}, {"许", 6}, {"韩", 5}, {"冯", 5}, {"邓", 5}, {"曹", 5},
	{"彭", 5}, {"曾", 5}, {"肖", 5}, {"田", 5}, {"董", 5}, {"袁", 4}, {"潘", 4}, {"于", 4}, {"蒋", 4}, {"蔡", 4}}

var others = []string{"欧阳", "司马", "诸葛", "上官", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆",
	"郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤"}

const givenChars = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文博宇浩然子涵欣怡梓轩一诺雨彤思远嘉懿佳琪俊熙晨阳紫萱"

type cityData struct {
	d        *db.DB
	r        *student.Registry
	n        int
	took     time.Duration
	samples  []string // clear student numbers of some students, for lookups
	tails    []string
	ids      []int64
	counties []string
}

func pickSurname(r *rand.Rand) string {
	x := r.IntN(1000)
	for _, s := range surnames {
		if x < s.w {
			return s.s
		}
		x -= s.w
	}
	return others[r.IntN(len(others))]
}

func givenName(r *rand.Rand) string {
	g := []rune(givenChars)
	n := 1 + r.IntN(2)
	out := make([]rune, n)
	for i := range out {
		out[i] = g[r.IntN(len(g))]
	}
	return string(out)
}

// students generates n students over the schools with grades, in
// proportion to their capacity, with ID numbers whose area and birth date
// agree with the child.
func students(schools []school.School, n int, seed uint64, keep func(i int, s student.Student)) iter.Seq[student.Student] {
	type place struct {
		s    school.School
		span student.Span
	}
	var places []place
	total := 0
	for _, s := range schools {
		span, ok := student.SixThree.Grades(s.Type)
		if !ok || s.Status != school.Active || s.Capacity == 0 {
			continue
		}
		places = append(places, place{s, span})
		total += s.Capacity
	}
	return func(yield func(student.Student) bool) {
		r := rand.New(rand.NewPCG(seed, 2))
		seqs := map[string]int{}
		made := 0
		for pi, p := range places {
			want := p.s.Capacity * n / total
			if pi == len(places)-1 {
				want = n - made
			}
			grades := int(p.span.Last-p.span.First) + 1
			for k := 0; k < want; k++ {
				g := p.span.First + student.Grade(k%grades)
				male := r.IntN(2) == 0
				// Born in the school year of their grade: grade 1 turned 6 by 31 August 2025.
				by := 2025 - 6 - int(g-1)
				born := time.Date(by-1, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365))
				key := p.s.County + born.Format("20060102")
				seq := seqs[key]
				seqs[key]++
				if seq >= 500 {
					born = born.AddDate(-1, 0, 0)
					key = p.s.County + born.Format("20060102")
					seq = seqs[key] + 500
					seqs[key]++
				}
				// Spread the sequences over 0–999 as real ones are (unique per key).
				h := 0
				for _, ch := range key {
					h = h*31 + int(ch)
				}
				sq := ((h&0xffff)+seq%500*7)%500*2 + 1
				if !male {
					sq--
				}
				id := idno.MakeResidentID(p.s.County, born, sq)
				gender := idno.Female
				if male {
					gender = idno.Male
				}
				s := student.Student{Name: pickSurname(r) + givenName(r), Gender: gender, BirthDate: born.Format(time.DateOnly),
					IDType: idno.ResidentIDCard, IDNumber: id, Ethnicity: "01", Nationality: "CHN", Hukou: p.s.County,
					Address: p.s.Address + fmt.Sprintf("%d 号", 1+r.IntN(300)), Township: p.s.Township,
					Guardians: []student.Guardian{{Name: "家长", Relation: "mother", Phone: fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1e9))}},
					School:    p.s.Code, Grade: g, EnrolledOn: "2025-09-01"}
				if keep != nil {
					keep(made, s)
				}
				made++
				if !yield(s) {
					return
				}
			}
		}
	}
}

var (
	city        *cityData
	cityCleanup []func()
)

// TestMain removes the city-scale database the benchmarks shared.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range cityCleanup {
		f()
	}
	os.Exit(code)
}

// openBenchDB opens a scratch database that lives as long as the process
// (the city is built once for all the city benchmarks): a fresh schema on
// the test PostgreSQL server, or a SQLite file in a temporary directory.
func openBenchDB(ctx context.Context) (*db.DB, error) {
	if base := os.Getenv(dbtest.EnvPostgres); base != "" {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return nil, err
		}
		schema := fmt.Sprintf("bench_students_%d", time.Now().UnixNano())
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			return nil, err
		}
		cityCleanup = append(cityCleanup, func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() })
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		d, err := db.Open(ctx, u.String())
		if err == nil {
			cityCleanup = append([]func(){func() { d.Close() }}, cityCleanup...)
		}
		return d, err
	}
	dir, err := os.MkdirTemp("", "student-bench")
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(dir, "bench.db"))
	cityCleanup = append(cityCleanup, func() {
		if d != nil {
			d.Close()
		}
		os.RemoveAll(dir)
	})
	return d, err
}

// setupCity builds (once per process) a city-scale registry: the demo's
// 3,000 institutions and EDUBUREAU_BENCH_STUDENTS students (1,200,000 by
// default), on PostgreSQL when EDUBUREAU_TEST_POSTGRES is set, else SQLite.
func setupCity(b *testing.B) *cityData {
	if city != nil {
		return city
	}
	ctx := context.Background()
	n := 1_200_000
	if v := os.Getenv("EDUBUREAU_BENCH_STUDENTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	d, err := openBenchDB(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := area.Sync(ctx, d, demo.DefaultJurisdiction); err != nil {
		b.Fatal(err)
	}
	keys, _ := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	r := student.New(d, keys)
	r.Now = func() time.Time { return demo.Today().Add(8 * time.Hour) }
	r.Schools.Now = r.Now
	schools, err := demo.Schools(demo.Options{Scale: demo.City, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	by := student.Actor{Username: "bench"}
	if err := r.Schools.CreateMany(ctx, scope.Everything, schools, by, nil); err != nil {
		b.Fatal(err)
	}
	c := &cityData{d: d, r: r, n: n}
	rng := rand.New(rand.NewPCG(9, 9))
	start := time.Now()
	got, err := r.CreateMany(ctx, scope.Everything, students(schools, n, 1, func(i int, s student.Student) {
		if rng.IntN(n/2000+1) == 0 {
			c.samples = append(c.samples, "G"+s.IDNumber)
			c.tails = append(c.tails, s.IDNumber[12:])
		}
	}), by, nil)
	if err != nil {
		b.Fatal(err)
	}
	c.took = time.Since(start)
	b.Logf("CreateMany: %d students in %s (%s, %.0f students/s)", got, c.took.Round(time.Second), d.Dialect, float64(got)/c.took.Seconds())
	if d.Dialect == db.Postgres {
		if _, err := d.ExecContext(ctx, `VACUUM ANALYZE student`); err != nil {
			b.Fatal(err)
		}
	} else if _, err := d.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	rows, err := d.QueryContext(ctx, `SELECT id FROM student ORDER BY id LIMIT 2000`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		c.ids = append(c.ids, id)
	}
	rows.Close()
	for _, s := range schools {
		if !slices.Contains(c.counties, s.County) {
			c.counties = append(c.counties, s.County)
		}
	}
	city = c
	return c
}

func p95(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)*95/100]
}

// BenchmarkCityCreateMany reports the bulk load of the city (done once by
// the setup shared with the other city benchmarks).
func BenchmarkCityCreateMany(b *testing.B) {
	c := setupCity(b)
	for b.Loop() {
	}
	b.ReportMetric(c.took.Seconds(), "s/load")
	b.ReportMetric(float64(c.n)/c.took.Seconds(), "students/s")
}

// BenchmarkCitySearch measures name-prefix, student-number and ID-tail
// searches (a page of 50 and its total), city-wide and in one county, and
// prints the p95 as a fraction of the 50 ms target.
func BenchmarkCitySearch(b *testing.B) {
	c := setupCity(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 3))
	kinds := map[string][]time.Duration{}
	var all []time.Duration
	run := func(kind string, sc scope.Scope, f student.Filter) {
		start := time.Now()
		if _, err := c.r.Search(ctx, sc, f); err != nil {
			b.Fatal(err)
		}
		t := time.Since(start)
		kinds[kind] = append(kinds[kind], t)
		all = append(all, t)
	}
	for b.Loop() {
		for i := 0; i < 100; i++ {
			county := scope.Area(c.counties[rng.IntN(len(c.counties))])
			sur := pickSurname(rng)
			run("name: surname, city", scope.Everything, student.Filter{Query: sur})
			run("name: surname+1, city", scope.Everything, student.Filter{Query: sur + givenName(rng)[:3]})
			run("name: surname, county", county, student.Filter{Query: sur})
			run("name: surname, county, at school", county, student.Filter{Query: sur, AtSchool: true})
			run("student number", scope.Everything, student.Filter{Query: c.samples[rng.IntN(len(c.samples))]})
			run("ID last 6", scope.Everything, student.Filter{Query: c.tails[rng.IntN(len(c.tails))]})
			run("ID last 4, county", county, student.Filter{Query: c.tails[rng.IntN(len(c.tails))][2:]})
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		b.Logf("%-34s p95 %6.2f ms", k, float64(p95(kinds[k]).Microseconds())/1000)
	}
	p := p95(all)
	b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(p)/float64(50*time.Millisecond), "x-of-50ms")
	explain := "EXPLAIN QUERY PLAN "
	if c.d.Dialect == db.Postgres {
		explain = "EXPLAIN ANALYZE "
	}
	tail := c.r.IDTailIndex(4, c.tails[0])
	for _, q := range []string{
		`SELECT s.id FROM student s WHERE s.county_code = '430421' AND s.name_key >= '张' AND s.name_key < '弡' ORDER BY s.name_key, s.id LIMIT 50`,
		`SELECT COUNT(*) FROM student s WHERE s.county_code = '430421' AND s.name_key >= '张' AND s.name_key < '弡'`,
		`SELECT COUNT(*) FROM student s WHERE s.county_code = '430421' AND s.id_last4 = '` + tail + `'`,
		`SELECT COUNT(*) FROM student s WHERE (s.county_code = $1) AND s.id_last4 = $2`,
		`SELECT COUNT(*) FROM student s WHERE s.county_code = '430421' AND s.name_key >= '张' AND s.name_key < '弡' AND s.status IN ('enrolled', 'suspended')`,
		`SELECT s.county_code, s.level, s.gender, COUNT(*) FROM student s WHERE s.status IN ('enrolled', 'suspended') GROUP BY s.county_code, s.level, s.gender`,
	} {
		rows, err := c.d.QueryContext(ctx, explain+q)
		if strings.Contains(q, "$1") {
			rows, err = c.d.QueryContext(ctx, explain+q, "430421", tail)
		}
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := rows.Columns()
		var plan []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
		}
		rows.Close()
		b.Logf("%s\n  %s", q, strings.Join(plan, "\n  "))
	}
}

// BenchmarkCityProfile measures the profile query (record, enrolments,
// events, transfers, follow-ups) and prints the p95 against 30 ms.
func BenchmarkCityProfile(b *testing.B) {
	c := setupCity(b)
	ctx := context.Background()
	var ds []time.Duration
	for b.Loop() {
		for _, id := range c.ids[:500] {
			start := time.Now()
			if _, err := c.r.Profile(ctx, scope.Everything, id); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(start))
		}
	}
	p := p95(ds)
	b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(p)/float64(30*time.Millisecond), "x-of-30ms")
}

// BenchmarkCityCounts measures the dashboard's counts by county, level and gender.
func BenchmarkCityCounts(b *testing.B) {
	c := setupCity(b)
	ctx := context.Background()
	var ds []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := c.r.Counts(ctx, scope.Everything); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	b.ReportMetric(float64(p95(ds).Microseconds())/1000, "p95-ms")
}
