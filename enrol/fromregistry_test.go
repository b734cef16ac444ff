package enrol

import (
	"context"
	"strings"
	"testing"
	"time"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/student"
	"edubureau/year"
)

const (
	nineYear = "3143000106" // 九年一贯制, 430405: its grade-6 pupils stay on
	kinder   = "1143000107" // kindergarten, 430405
)

func TestApplicantsFromRegistry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := setup(t, d)
		city := cityStaff()
		if err := year.Ensure(ctx, d, testNow); err != nil {
			t.Fatal(err)
		}
		for _, s := range []school.School{
			{Code: nineYear, Name: "珠晖区九年一贯制学校", Type: school.NineYear, Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "2001-09-01"},
			{Code: kinder, Name: "珠晖区第一幼儿园", Type: school.Kindergarten, Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "2001-09-01"},
		} {
			if _, err := o.Schools.Create(ctx, scope.Everything, s, school.Actor{Username: "seed"}); err != nil {
				t.Fatal(err)
			}
		}
		// Junior 7's zone around 珠晖区 (112.60–112.64, 26.88–26.92), for j1.
		geo := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"J7-01","schools":["` + j1 + `"]},
			"geometry":{"type":"Polygon","coordinates":[[[112.6,26.88],[112.64,26.88],[112.64,26.92],[112.6,26.92],[112.6,26.88]]]}}]}`
		if _, err := o.ImportZones(ctx, city, 2026, GradeJunior, strings.NewReader(geo), "zones.geojson"); err != nil {
			t.Fatal(err)
		}
		seq := 0
		register := func(name, schoolCode string, g student.Grade, born time.Time, lng, lat *float64) student.Student {
			t.Helper()
			seq++
			s := student.Student{Name: name, Gender: idno.Female, BirthDate: born.Format(time.DateOnly), IDType: idno.ResidentIDCard,
				IDNumber: idno.MakeResidentID("430405", born, 2*seq), Ethnicity: "01", Nationality: "CHN", Address: "珠晖区东风路 " + name + " 号",
				Lng: lng, Lat: lat, School: schoolCode, Grade: g, EnrolledOn: "2020-09-01",
				Guardians: []student.Guardian{{Name: "家长" + name, Relation: "mother", Phone: "1390000000" + string(rune('0'+seq%10))}}}
			got, err := o.Students.Create(ctx, scope.Everything, s, student.Actor{Username: "seed"})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got.IDNumber = s.IDNumber
			return got
		}
		born6 := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
		in, out := fptr(112.62), fptr(112.9)
		lat := fptr(26.9)
		a := register("甲", p1, 6, born6, in, lat)                                           // in the zone
		b := register("乙", p2, 6, born6.AddDate(0, 1, 0), out, lat)                         // in no zone
		register("丙", p1, 6, born6.AddDate(0, 2, 0), nil, nil)                              // no position: skipped
		c := register("丁", p1, 6, born6.AddDate(0, 3, 0), in, lat)                          // already an applicant, entered by hand
		register("戊", nineYear, 6, born6.AddDate(0, 4, 0), in, lat)                         // stays on at the nine-year school
		register("己", p1, 5, born6.AddDate(1, 0, 0), in, lat)                               // not finishing
		k := register("庚", kinder, 0, time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC), in, lat) // 大班: primary 1
		e := register("辛", p3, 6, born6.AddDate(0, 5, 0), fptr(112.4), fptr(26.97))         // 衡阳县
		if _, err := o.AddApplicants(ctx, city, []ApplicantInput{{Year: 2026, Grade: GradeJunior, County: "430405", Name: "丁",
			IDNumber: c.IDNumber, Lng: 112.62, Lat: 26.9}}); err != nil {
			t.Fatal(err)
		}

		// Only the intake being prepared, by the admissions staff.
		_, err := o.ApplicantsFromRegistry(ctx, city, 2027, GradeJunior)
		wantKind(t, err, fault.Invalid, "2026")
		_, err = o.ApplicantsFromRegistry(ctx, schoolsStaff(), 2026, GradeJunior)
		wantKind(t, err, fault.Forbidden)

		// A county's staff: the leavers of their county's schools.
		rep, err := o.ApplicantsFromRegistry(ctx, countyStaff(), 2026, GradeJunior)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Leavers != 4 || rep.Created != 2 || rep.Existing != 1 || rep.SkippedTotal != 1 || len(rep.Skipped) != 1 ||
			!strings.Contains(rep.Skipped[0].Reason.ZH, "经纬度") || rep.Skipped[0].Name != pii.MaskName("丙") {
			t.Fatalf("county: %+v", rep)
		}
		pg, err := o.Applicants(ctx, scope.Everything, ApplicantFilter{Year: 2026, Grade: GradeJunior, PerPage: 50})
		if err != nil || pg.Total != 3 {
			t.Fatalf("applicants %d %v", pg.Total, err)
		}
		byName := map[string]Applicant{}
		for _, x := range pg.Items {
			byName[x.Name] = x
		}
		if x := byName["甲"]; x.IDNumber != a.IDNumber || x.County != "430405" || x.ZoneCode != "J7-01" || x.ZoneState != ZoneAssigned {
			t.Fatalf("甲: %+v", x)
		}
		if x := byName["乙"]; x.ZoneState != ZoneUncovered {
			t.Fatalf("乙: %+v", x)
		}
		full, err := o.Applicant(ctx, scope.Everything, byName["甲"].ID)
		if err != nil || full.Address != "珠晖区东风路 甲 号" || full.Lng != 112.62 || full.Lat != 26.9 {
			t.Fatalf("甲 in full: %+v %v", full, err)
		}
		// The applicant's ID number has the registry's own blind index.
		var same int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM admission_applicant a JOIN student s ON s.id_index = a.id_index
			WHERE a.year = 2026 AND s.id IN ($1, $2)`, a.ID, b.ID).Scan(&same); err != nil || same != 2 {
			t.Fatalf("blind indexes shared by %d of 2 (%v)", same, err)
		}
		if auditCount(t, o, "admission.applicant.from_registry") != 1 {
			t.Fatal("no audit entry")
		}

		// Again, city-wide: nothing twice; 衡阳县's leaver is added.
		rep, err = o.ApplicantsFromRegistry(ctx, city, 2026, GradeJunior)
		if err != nil || rep.Leavers != 5 || rep.Created != 1 || rep.Existing != 3 || rep.SkippedTotal != 1 {
			t.Fatalf("again: %+v %v", rep, err)
		}
		pg, _ = o.Applicants(ctx, scope.Everything, ApplicantFilter{Year: 2026, Grade: GradeJunior, IDNumber: e.IDNumber})
		if pg.Total != 1 || pg.Items[0].County != "430421" || pg.Items[0].ZoneState != ZoneUncovered {
			t.Fatalf("衡阳县's leaver %+v", pg.Items)
		}
		if rep, err = o.ApplicantsFromRegistry(ctx, city, 2026, GradeJunior); err != nil || rep.Created != 0 || rep.Existing != 4 {
			t.Fatalf("a third time: %+v %v", rep, err)
		}
		if pg, _ = o.Applicants(ctx, scope.Everything, ApplicantFilter{Year: 2026, Grade: GradeJunior}); pg.Total != 4 {
			t.Fatalf("%d applicants for junior 7", pg.Total)
		}

		// Primary 1: the kindergartens' 大班.
		rep, err = o.ApplicantsFromRegistry(ctx, city, 2026, GradePrimary)
		if err != nil || rep.Leavers != 1 || rep.Created != 1 {
			t.Fatalf("primary 1: %+v %v", rep, err)
		}
		pg, _ = o.Applicants(ctx, scope.Everything, ApplicantFilter{Year: 2026, Grade: GradePrimary, IDNumber: k.IDNumber})
		if pg.Total != 1 || pg.Items[0].Name != "庚" {
			t.Fatalf("primary 1 applicant %+v", pg.Items)
		}
	})
}
