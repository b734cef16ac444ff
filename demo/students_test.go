package demo

import (
	"context"
	"slices"
	"testing"
	"time"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/scope"
	"edubureau/student"
)

func demoKeys(t testing.TB) *pii.Keyring {
	k, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestDemoStudentsDeterministic: the same seed gives the same children, and
// every child is valid where it is placed: ID numbers agree with the birth
// date, gender and area, children of a grade are of its age, and no ID
// number is used twice.
func TestDemoStudentsDeterministic(t *testing.T) {
	opt, err := Options{Seed: 5, Students: 4000}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	schools := generate(t, opt)
	draw := func() []student.Student {
		w, err := newWorld(opt.Jurisdiction)
		if err != nil {
			t.Fatal(err)
		}
		g := newStudentGen(opt, w, schools)
		var out []student.Student
		for s := range g.students(nil) {
			out = append(out, s)
		}
		return out
	}
	a, b := draw(), draw()
	if len(a) < 3000 || len(a) > 5000 || len(a) != len(b) {
		t.Fatalf("drew %d and %d students", len(a), len(b))
	}
	ids := map[string]bool{}
	now := opt.casesAsOf().Add(12 * time.Hour)
	for i := range a {
		if a[i].Name != b[i].Name || a[i].IDNumber != b[i].IDNumber || a[i].School != b[i].School {
			t.Fatalf("student %d differs: %+v / %+v", i, a[i], b[i])
		}
		s := a[i]
		if ids[s.IDNumber] {
			t.Fatalf("ID number %s drawn twice", s.IDNumber)
		}
		ids[s.IDNumber] = true
		s.Normalize()
		if err := s.Validate(now); err != nil {
			t.Fatalf("student %d (%+v) is not valid: %v", i, s, err)
		}
		if s.Hukou != s.IDNumber[:6] {
			t.Errorf("student %d: hukou %s but ID area %s", i, s.Hukou, s.IDNumber[:6])
		}
		if _, err := idno.ValidResidentID(s.IDNumber); err != nil {
			t.Fatal(err)
		}
		born, _ := time.Parse(time.DateOnly, s.BirthDate)
		age := opt.casesAsOf().Year() - born.Year() // on 1 September, a child of grade 1 is 6 or 7
		if want := int(s.Grade) + 5; s.Grade >= 1 && (age < want-1 || age > want+2) {
			t.Errorf("student %d of grade %d born %s", i, s.Grade, s.BirthDate)
		}
		if len(s.Guardians) == 0 {
			t.Errorf("student %d has no guardian", i)
		}
	}
}

// TestDemoStudents builds a demo with a few thousand students and the lists
// after the load, on each database.
func TestDemoStudents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var steps []string
		sum, err := Build(ctx, d, Options{Seed: 2, Students: 3000, Keyring: demoKeys(t)}, func(step string, done, total int) {
			if len(steps) == 0 || steps[len(steps)-1] != step {
				steps = append(steps, step)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(steps, "students") || sum.Students < 2500 || sum.Classes == 0 {
			t.Fatalf("summary %+v, steps %v", sum, steps)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := d.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for q, min := range map[string]int{
			`SELECT COUNT(*) FROM student`:                                   sum.Students,
			`SELECT COUNT(*) FROM student WHERE class_id IS NOT NULL`:        sum.Students * 9 / 10,
			`SELECT COUNT(*) FROM student_transfer WHERE status = 'pending'`: 2,
			`SELECT COUNT(*) FROM student WHERE status = 'suspended'`:        2,
			`SELECT COUNT(*) FROM student_followup WHERE status = 'open'`:    2,
			`SELECT COUNT(*) FROM student_followup_action`:                   1,
			`SELECT COUNT(*) FROM student_duplicate WHERE status = 'open'`:   1,
			`SELECT COUNT(*) FROM student_guardian`:                          sum.Students,
			`SELECT COUNT(*) FROM student_event WHERE kind = 'enrol'`:        sum.Students,
			`SELECT COUNT(*) FROM student_enrolment WHERE left_on IS NULL`:   sum.Students * 9 / 10,
			`SELECT COUNT(DISTINCT school_code) FROM student`:                50,
			`SELECT COUNT(*) FROM student WHERE migrant`:                     1,
		} {
			if n := count(q); n < min {
				t.Errorf("%s: %d, want at least %d", q, n, min)
			}
		}
		// The indexes dropped for the load are back.
		for _, x := range []string{"student_id_index", "student_no_index", "student_name", "student_county_name", "student_school_name",
			"student_last4", "student_last6", "student_by_class", "student_counts", "student_merged", "student_enrolment_current",
			"student_enrolment_student", "student_event_student", "student_guardian_dup"} {
			q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '` + x + `'`
			if d.Dialect == db.Postgres {
				q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = '` + x + `'`
			}
			if count(q) != 1 {
				t.Errorf("index %s is missing after the load", x)
			}
		}
		// The personal data is sealed: a stored ID number is a ciphertext.
		var stored string
		if err := d.QueryRowContext(ctx, `SELECT id_number FROM student LIMIT 1`).Scan(&stored); err != nil || len(stored) < 40 || stored[:3] != "v1:" {
			t.Errorf("stored ID number %q, %v", stored, err)
		}
		// The registry finds them: search by a name prefix, and the counts.
		reg := student.New(d, demoKeys(t))
		counts, err := reg.Counts(ctx, scope.Everything)
		if err != nil || len(counts) == 0 {
			t.Fatalf("counts %v %v", counts, err)
		}
		page, err := reg.Search(ctx, scope.Everything, student.Filter{Query: "王", PerPage: 5})
		if err != nil || page.Total == 0 {
			t.Errorf("search: %+v %v", page, err)
		}
	})
}
