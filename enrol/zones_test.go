package enrol

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"edubureau/catchment"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
)

func rectFeature(code string, schools []string, x0, y0, x1, y1 float64) string {
	q := make([]string, len(schools))
	for i, s := range schools {
		q[i] = `"` + s + `"`
	}
	return fmt.Sprintf(`{"type":"Feature","properties":{"zone":%q,"name":"%s片区","schools":[%s]},"geometry":{"type":"Polygon",
		"coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`, code, code, strings.Join(q, ","),
		x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

// The layer of the tests: Z1 (p1) and Z2 (p2) side by side, sharing the
// line x = 112.61; Z3 (p1 and p2, 多校划片) north of them; Z4 (p3, in the
// other county) overlapping Z2's east end.
var layer = collection(
	rectFeature("Z1", []string{p1}, 112.55, 26.85, 112.61, 26.95),
	rectFeature("Z2", []string{p2}, 112.61, 26.85, 112.67, 26.95),
	rectFeature("Z3", []string{p1, p2}, 112.60, 26.95, 112.62, 27.00),
	rectFeature("Z4", []string{p3}, 112.66, 26.90, 112.70, 26.93),
)

func approvePrimary(t *testing.T, o *Office, school string, places int) {
	t.Helper()
	ctx := context.Background()
	p, err := o.CreatePlan(ctx, cityStaff(), PlanInput{Year: 2026, Grade: 1, School: school, Rows: []PlanRow{{Batch: 1, Places: places}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.SetPlanState(ctx, cityStaff(), p.ID, 0, "approve"); err != nil {
		t.Fatal(err)
	}
}

func TestZonesAndApplicants(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := setup(t, d)
		city, county := cityStaff(), countyStaff()

		// The county's staff cannot import a zone of another county's school.
		_, err := o.ImportZones(ctx, county, 2026, 1, strings.NewReader(layer), "zones.geojson")
		wantKind(t, err, fault.Invalid, "features[3]", "Z4")
		// A private school has no zone.
		_, err = o.ImportZones(ctx, city, 2026, 1, strings.NewReader(collection(rectFeature("ZP", []string{pv}, 112, 26, 113, 27))), "p.geojson")
		wantKind(t, err, fault.Invalid, "民办")
		// A malformed file names the place.
		_, err = o.ImportZones(ctx, city, 2026, 1, strings.NewReader(`{"type":"FeatureCollection","features":[{"type":"Feature"`), "bad.geojson")
		wantKind(t, err, fault.Invalid, "bad.geojson", "第 1 行")
		sum, err := o.ImportZones(ctx, city, 2026, 1, strings.NewReader(layer), "zones.geojson")
		if err != nil || sum.Created != 4 {
			t.Fatalf("import %+v %v", sum, err)
		}
		if sum, err = o.ImportZones(ctx, city, 2026, 1, strings.NewReader(layer), "zones.geojson"); err != nil || sum.Unchanged != 4 {
			t.Fatalf("again %+v %v", sum, err)
		}
		pg, err := o.Zones(ctx, county.Scope, ZoneFilter{Year: 2026, Grade: 1})
		if err != nil || pg.Total != 3 {
			t.Fatalf("the county sees %d zones (%v), want 3", pg.Total, err)
		}
		if z := pg.Items[2]; z.Code != "Z3" || !z.Multi() || z.Schools[1].Name != "珠晖区第二小学" || z.AreaKm2 < 10 || z.Vertices != 4 {
			t.Fatalf("Z3 %+v", z)
		}
		if pg, _ := o.Zones(ctx, county.Scope, ZoneFilter{Year: 2026, Grade: 1, Multi: true}); pg.Total != 1 {
			t.Fatalf("multi-school zones: %d", pg.Total)
		}
		// Export and read back.
		var buf bytes.Buffer
		if err := o.ExportZones(ctx, scope.Everything, 2026, 1, "", &buf); err != nil {
			t.Fatal(err)
		}
		back, err := catchment.ReadZones(&buf, "export")
		if err != nil || len(back) != 4 || back[2].Schools[1] != p2 {
			t.Fatalf("export read back %+v %v", back, err)
		}

		approvePrimary(t, o, p1, 2)
		approvePrimary(t, o, p2, 90)
		// Children: one in each of Z1, Z2, Z3, one in Z2 and Z4, one on the
		// Z1/Z2 border, one in no zone; and one more in Z1 (Z1 takes 2).
		points := [][2]float64{{112.58, 26.90}, {112.64, 26.90}, {112.61, 26.97}, {112.665, 26.92}, {112.61, 26.90}, {112.80, 26.90}, {112.57, 26.88}, {112.59, 26.86}}
		var ins []ApplicantInput
		for i, p := range points {
			ins = append(ins, ApplicantInput{Year: 2026, Grade: 1, County: "430405", Name: "测试" + string([]rune("甲乙丙丁戊己庚辛")[i]) + "童",
				IDNumber: childID(2020, i+1), Address: "珠晖区东风路 " + fmt.Sprint(i+1) + " 号", Lng: p[0], Lat: p[1]})
		}
		apps, err := o.AddApplicants(ctx, county, ins)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			zone  string
			state ZoneState
		}{{"Z1", ZoneAssigned}, {"Z2", ZoneAssigned}, {"Z3", ZoneAssigned}, {"Z2", ZoneOverlap}, {"Z1", ZoneOverlap}, {"", ZoneUncovered}, {"Z1", ZoneAssigned}, {"Z1", ZoneAssigned}}
		for i, a := range apps {
			if a.ZoneCode != want[i].zone || a.ZoneState != want[i].state {
				t.Errorf("child %d at %v: zone %q %s, want %q %s", i+1, points[i], a.ZoneCode, a.ZoneState, want[i].zone, want[i].state)
			}
		}
		if apps[0].Number != "2026-1-430405-00001" || apps[7].Number != "2026-1-430405-00008" {
			t.Fatalf("numbers %s … %s", apps[0].Number, apps[7].Number)
		}
		// Personal data is encrypted at rest.
		var rawName, rawID, rawPoint string
		if err := d.QueryRowContext(ctx, `SELECT name, id_number, point FROM admission_applicant WHERE id = $1`, apps[0].ID).Scan(&rawName, &rawID, &rawPoint); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(rawName, "v1:") || strings.Contains(rawID, ins[0].IDNumber[:10]) || strings.Contains(rawPoint, "112.58") {
			t.Fatalf("stored in the clear: %s %s %s", rawName, rawID, rawPoint)
		}
		// The same ID number twice in a year and grade: a conflict.
		_, err = o.AddApplicants(ctx, county, []ApplicantInput{ins[0]})
		wantKind(t, err, fault.Conflict)
		// Bad input names the field.
		bad := ins[0]
		bad.IDNumber, bad.Lng = "430405202003011234", 200
		_, err = o.AddApplicants(ctx, county, []ApplicantInput{bad})
		wantKind(t, err, fault.Invalid)
		if fe := fault.As(err); len(fe.Fields) != 2 || fe.Fields[0].Field != "id_number" || fe.Fields[1].Field != "lng" {
			t.Fatalf("fields %+v", fe.Fields)
		}

		// The layer: demand against capacity, the uncovered child, the children
		// in several zones, and the overlap of Z2 and Z4.
		l, err := o.Layer(ctx, county.Scope, 2026, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		byCode := map[string]ZoneDemand{}
		for _, z := range l.Zones {
			byCode[z.Code] = z
		}
		if z := byCode["Z1"]; z.Demand != 4 || z.Capacity != 2 || z.Balance != -2 {
			t.Errorf("Z1 %+v", z)
		}
		if z := byCode["Z3"]; z.Demand != 1 || z.Capacity != 92 {
			t.Errorf("Z3 %+v", z)
		}
		if l.Applicants != 8 || l.Uncovered != 1 || l.InSeveral != 2 || len(l.Overlaps) != 1 || l.Overlaps[0].A != "Z2" || l.Overlaps[0].B != "Z4" {
			t.Fatalf("layer %+v", l)
		}

		// Move Z4 east by hand (vertices form): the overlap goes, and the
		// assignment is stale until run again.
		z4, err := o.zoneByCode(ctx, o.DB, 2026, 1, "Z4")
		if err != nil {
			t.Fatal(err)
		}
		_, err = o.UpdateZone(ctx, county, z4.ID, z4.Version, ZoneEdit{Name: "x", Schools: []string{p3}, Ring: "112.68,26.90\n112.70,26.90\n112.70,26.93"})
		wantKind(t, err, fault.NotFound) // Z4 is the other county's
		_, err = o.UpdateZone(ctx, city, z4.ID, z4.Version, ZoneEdit{Name: "衡阳县片区", Schools: []string{p3}, Ring: "112.68,26.90\n112.70\n"})
		wantKind(t, err, fault.Invalid, "第 2 行")
		nz, err := o.UpdateZone(ctx, city, z4.ID, z4.Version, ZoneEdit{Name: "衡阳县片区", Schools: []string{p3}, Ring: "112.68, 26.90\n112.70, 26.90\n112.70, 26.93\n112.68, 26.93"})
		if err != nil || nz.Version != 2 || nz.Vertices != 4 {
			t.Fatalf("update %+v %v", nz, err)
		}
		_, err = o.UpdateZone(ctx, city, z4.ID, z4.Version, ZoneEdit{Name: "again", Schools: []string{p3}})
		wantKind(t, err, fault.Conflict)
		// A GeoJSON feature for the zone replaces its shape.
		_, err = o.UpdateZone(ctx, city, z4.ID, nz.Version, ZoneEdit{Schools: []string{p3}, File: "z4.geojson",
			Feature: strings.NewReader(rectFeature("Z9", []string{p3}, 112.68, 26.90, 112.71, 26.93))})
		wantKind(t, err, fault.Invalid, "Z9")
		if nz, err = o.UpdateZone(ctx, city, z4.ID, nz.Version, ZoneEdit{File: "z4.geojson",
			Feature: strings.NewReader(rectFeature("Z4", []string{p3}, 112.68, 26.90, 112.71, 26.93))}); err != nil || nz.Name != "Z4片区" {
			t.Fatalf("feature update %+v %v", nz, err)
		}
		l, _ = o.Layer(ctx, city.Scope, 2026, 1, "")
		if len(l.Overlaps) != 0 || l.Pending != 8 {
			t.Fatalf("after the move: overlaps %v, pending %d", l.Overlaps, l.Pending)
		}
		rep, err := o.AssignApplicants(ctx, county, 2026, 1)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Applicants != 8 || rep.Uncovered != 1 || rep.InSeveral != 1 || rep.Changed != 8 {
			t.Fatalf("assignment %+v", rep)
		}
		a4, err := o.Applicant(ctx, county.Scope, apps[3].ID)
		if err != nil || a4.ZoneCode != "Z2" || a4.ZoneState != ZoneAssigned || a4.Lng != 112.665 || a4.Address == "" {
			t.Fatalf("child 4 after the move: %+v %v", a4, err)
		}
		// Run again: nothing changes.
		if rep, _ = o.AssignApplicants(ctx, county, 2026, 1); rep.Changed != 0 {
			t.Fatalf("second assignment changed %d", rep.Changed)
		}

		// Lists: by zone, by ID number (blind index), by name; out of scope nothing.
		ap, err := o.Applicants(ctx, county.Scope, ApplicantFilter{Year: 2026, Grade: 1, Zone: apps[0].ZoneID})
		if err != nil || ap.Total != 4 { // three inside, one on its border with Z2
			t.Fatalf("zone Z1 lists %d (%v)", ap.Total, err)
		}
		if ap, _ = o.Applicants(ctx, county.Scope, ApplicantFilter{Year: 2026, Grade: 1, IDNumber: strings.ToLower(ins[2].IDNumber)}); ap.Total != 1 || ap.Items[0].Name != "测试丙童" {
			t.Fatalf("by ID number: %+v", ap)
		}
		if ap, _ = o.Applicants(ctx, county.Scope, ApplicantFilter{Year: 2026, Grade: 1, Name: "测试 乙童"}); ap.Total != 1 {
			t.Fatalf("by name: %d", ap.Total)
		}
		if ap, _ = o.Applicants(ctx, otherCounty().Scope, ApplicantFilter{Year: 2026, Grade: 1}); ap.Total != 0 {
			t.Fatalf("the other county sees %d", ap.Total)
		}
		// Revealing is for the permission holder with a reason, and audited.
		_, err = o.RevealApplicant(ctx, county, apps[0].ID, "")
		wantKind(t, err, fault.Invalid)
		_, err = o.RevealApplicant(ctx, schoolsStaff(), apps[0].ID, "核对材料")
		wantKind(t, err, fault.Forbidden)
		if a, err := o.RevealApplicant(ctx, county, apps[0].ID, "核对户籍材料"); err != nil || a.IDNumber != ins[0].IDNumber {
			t.Fatalf("reveal %+v %v", a, err)
		}
		if n := auditCount(t, o, "admission.applicant.view_pii"); n != 1 {
			t.Fatalf("%d view_pii entries", n)
		}

		// A CSV import names the file's row and column.
		csvFile := "name,id_number,county,address,lng,lat,prefs\n" +
			"王小明," + childID(2020, 40) + ",430405,珠晖区,112.58,26.90,\n" +
			"李小红," + childID(2020, 41) + ",430405,珠晖区,east,26.90,\n"
		_, err = o.ImportApplicants(ctx, county, 2026, 1, strings.NewReader(csvFile), "children.csv")
		wantKind(t, err, fault.Invalid, "children.csv 第 3 行“lng”列")
		csvFile = strings.Replace(csvFile, "east", "112.58", 1)
		csvFile = strings.Replace(csvFile, childID(2020, 41), "430405202003011234", 1)
		_, err = o.ImportApplicants(ctx, county, 2026, 1, strings.NewReader(csvFile), "children.csv")
		wantKind(t, err, fault.Invalid, "children.csv 第 3 行“id_number”列")
		csvFile = strings.Replace(csvFile, "430405202003011234", childID(2020, 41), 1)
		if n, err := o.ImportApplicants(ctx, county, 2026, 1, strings.NewReader(csvFile), "children.csv"); err != nil || n != 2 {
			t.Fatalf("import %d %v", n, err)
		}

		// Deleting a zone clears its children's assignment.
		if err := o.DeleteZone(ctx, city, z4.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Zone(ctx, city.Scope, z4.ID); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("deleted zone: %v", err)
		}
	})
}
