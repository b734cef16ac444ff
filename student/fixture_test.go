package student

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/year"
)

// The fixture's schools: two primaries in 衡阳县 (430421), a junior and a
// kindergarten in 石鼓区 (430407), a nine-year school in 衡南县 (430422) and
// a closed primary.
const (
	primaryA  = "2143000001" // 衡阳县
	primaryB  = "2143000002" // 衡阳县
	juniorC   = "3143000003" // 石鼓区
	kinderD   = "1143000004" // 石鼓区
	nineYearE = "3143000005" // 衡南县
	closedF   = "2143000006" // 衡阳县, closed
)

type fixture struct {
	t   testing.TB
	ctx context.Context
	d   *db.DB
	r   *Registry
	now time.Time
	seq int
}

var admin = Actor{UserID: 1, Username: "admin", OrgKind: auth.OrgCity, OrgCode: "430400"}

func testKeys(t testing.TB) *pii.Keyring {
	k, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, d: d, now: testNow}
	r := New(d, testKeys(t))
	r.Now = func() time.Time { return f.now }
	r.Schools.Now = r.Now
	r.Audit.Now = r.Now
	f.r = r
	if err := year.Ensure(ctx, d, f.now); err != nil {
		t.Fatal(err)
	}
	mk := func(code, name string, typ school.Type, county string) {
		s := school.School{Code: code, Name: name, Type: typ, Ownership: school.Public, County: county,
			Status: school.Active, OpenedOn: "2001-09-01", Capacity: 1000}
		if _, err := r.Schools.Create(ctx, scope.Everything, s, admin); err != nil {
			t.Fatal(err)
		}
	}
	mk(primaryA, "衡阳县第一小学", school.Primary, "430421")
	mk(primaryB, "衡阳县第二小学", school.Primary, "430421")
	mk(juniorC, "石鼓区第三中学", school.Junior, "430407")
	mk(kinderD, "石鼓区第四幼儿园", school.Kindergarten, "430407")
	mk(nineYearE, "衡南县第五学校", school.NineYear, "430422")
	mk(closedF, "衡阳县第六小学", school.Primary, "430421")
	s, _ := r.Schools.Get(ctx, scope.Everything, closedF)
	s.Status, s.ClosedOn = school.Closed, "2020-07-01"
	if _, err := r.Schools.Update(ctx, scope.Everything, closedF, s, 0, "", admin); err != nil {
		t.Fatal(err)
	}
	return f
}

// pupil returns a valid new student of the given gender and age at a school
// and grade, with a fresh ID number from 衡阳县.
func (f *fixture) pupil(name string, male bool, born, schoolCode string, g Grade) Student {
	f.seq++
	seq := f.seq % 500 * 2
	if male {
		seq++
	}
	areas := []string{"430421", "430422", "430423", "430424", "430426", "430481", "430482", "430405", "430406", "430407"}
	id := idno.MakeResidentID(areas[f.seq/500%len(areas)], birth(born), seq)
	gender := idno.Female
	if male {
		gender = idno.Male
	}
	return Student{Name: name, Gender: gender, BirthDate: born, IDType: idno.ResidentIDCard, IDNumber: id,
		Ethnicity: "01", Nationality: "CHN", Hukou: "430421", Address: "衡阳县西渡镇新街 12 号",
		Guardians: []Guardian{{Name: "家长" + name, Relation: "mother", Phone: fmt.Sprintf("139%08d", f.seq)}},
		School:    schoolCode, Grade: g, EnrolledOn: "2022-09-01"}
}

func (f *fixture) create(s Student) Student {
	f.t.Helper()
	got, err := f.r.Create(f.ctx, scope.Everything, s, admin)
	if err != nil {
		f.t.Fatalf("create %s: %v", s.Name, err)
	}
	return got
}

func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) auditCount(action string) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// schoolActor is an administrator of a school acting.
func schoolActor(code string) Actor {
	n, _ := strconv.ParseInt(code[6:], 10, 64)
	return Actor{UserID: 1000 + n, Username: "sch" + code, OrgKind: auth.OrgSchool, OrgCode: code}
}

// countyActor is the students section of a county bureau acting.
func countyActor(code string) Actor {
	n, _ := strconv.ParseInt(code, 10, 64)
	return Actor{UserID: n, Username: "county" + code, OrgKind: auth.OrgCounty, OrgCode: code}
}
