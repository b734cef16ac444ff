package enrol

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// The fixture: Hengyang's areas, a few schools in 珠晖区 (430405) and 衡阳县
// (430421), and the office with a test key.
const (
	p1 = "2143000101" // primary, public, 430405
	p2 = "2143000102" // primary, public, 430405
	p3 = "2143000103" // primary, public, 430421
	pv = "2143000104" // primary, private, 430405
	j1 = "3143000201" // junior, public, 430405
	j2 = "3143000202" // junior, public, 430421
	s1 = "3443000301" // senior, public, 430405
	s2 = "3443000302" // senior, public, 430421
)

var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func fptr(f float64) *float64 { return &f }

func testRing(t testing.TB) *pii.Keyring {
	t.Helper()
	k, err := pii.NewKeyring(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func setup(t *testing.T, d *db.DB) *Office {
	t.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "4304"); err != nil {
		t.Fatal(err)
	}
	reg := school.New(d)
	mk := func(code, name string, typ school.Type, own school.Ownership, county string, lng, lat float64) school.School {
		s := school.School{Code: code, Name: name, Type: typ, Ownership: own, County: county, Status: school.Active,
			OpenedOn: "2001-09-01", Capacity: 1000, Lng: fptr(lng), Lat: fptr(lat)}
		if own == school.Private {
			s.LicenceNo, s.LicenceIssuedOn, s.LicenceExpiresOn = "教民143040570001号", "2020-01-01", "2030-01-01"
		}
		return s
	}
	schools := []school.School{
		mk(p1, "珠晖区第一小学", school.Primary, school.Public, "430405", 112.60, 26.90),
		mk(p2, "珠晖区第二小学", school.Primary, school.Public, "430405", 112.62, 26.90),
		mk(p3, "衡阳县第一小学", school.Primary, school.Public, "430421", 112.40, 26.97),
		mk(pv, "珠晖区育才民办小学", school.Primary, school.Private, "430405", 112.61, 26.92),
		mk(j1, "珠晖区第一中学", school.Junior, school.Public, "430405", 112.61, 26.91),
		mk(j2, "衡阳县第一初级中学", school.Junior, school.Public, "430421", 112.41, 26.97),
		mk(s1, "衡阳市第一中学", school.Senior, school.Public, "430405", 112.63, 26.91),
		mk(s2, "衡阳县第一中学", school.Senior, school.Public, "430421", 112.42, 26.98),
	}
	if err := reg.CreateMany(ctx, scope.Everything, schools, school.Actor{Username: "seed"}, nil); err != nil {
		t.Fatal(err)
	}
	o := New(d, reg, testRing(t), "4304")
	o.Now = func() time.Time { return testNow }
	return o
}

// actors: the city's admissions staff, a county's (珠晖区), an inspector of
// school p1 (read only), and the schools section (no admissions permission).
func cityStaff() Actor {
	return actorOf(auth.User{ID: 1, Username: "city", Role: auth.Staff, OrgKind: auth.OrgCity, OrgCode: "4304", Section: "admissions"})
}
func countyStaff() Actor {
	return actorOf(auth.User{ID: 2, Username: "county", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "admissions"})
}
func otherCounty() Actor {
	return actorOf(auth.User{ID: 3, Username: "other", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430421", Section: "admissions"})
}
func schoolsStaff() Actor {
	return actorOf(auth.User{ID: 4, Username: "schools", Role: auth.Staff, OrgKind: auth.OrgCity, OrgCode: "4304", Section: "schools"})
}

func actorOf(u auth.User) Actor { return ActorOf(u, "192.0.2.1", "test") }

// kindOf fails the test unless err is a fault of kind k.
func wantKind(t *testing.T, err error, k fault.Kind, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", k)
	}
	if got := fault.KindOf(err); got != k {
		t.Fatalf("error %v is %s, want %s", err, got, k)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not mention %q", err.Error(), c)
		}
	}
}

// auditCount counts audit entries with action.
func auditCount(t *testing.T, o *Office, action string) int {
	t.Helper()
	pg, err := o.Audit.Search(context.Background(), audit.Filter{Action: action, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	return pg.Total
}

// childID makes a valid resident ID number for a child born in year.
func childID(year, seq int) string {
	return idno.MakeResidentID("430405", time.Date(year, 3, 1+seq%27, 0, 0, 0, 0, time.UTC), seq%1000)
}
