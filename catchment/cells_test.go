package catchment

import (
	"math"
	"strings"
	"testing"

	"edubureau/fault"
)

// CellsAround tiles the box: every site lies in its own cell and in no
// other, no two cells overlap, and their areas add up to the box's.
func TestCellsAround(t *testing.T) {
	box := BBox{MinLng: 112.3, MinLat: 26.6, MaxLng: 113.0, MaxLat: 27.2}
	g := &splitMix{7}
	var sites []LngLat
	for range 300 {
		sites = append(sites, LngLat{box.MinLng + g.float()*(box.MaxLng-box.MinLng), box.MinLat + g.float()*(box.MaxLat-box.MinLat)})
	}
	sites = append(sites, LngLat{120, 30}) // outside the box: no cell
	cells := CellsAround(sites, box)
	if cells[len(cells)-1] != nil {
		t.Fatal("a site outside the box got a cell")
	}
	var zones []Zone
	for i, c := range cells[:len(cells)-1] {
		if c == nil {
			t.Fatalf("site %d has no cell", i)
		}
		zones = append(zones, Zone{Code: "Z" + string(rune('A'+i%26)) + strings.Repeat("x", i/26), Schools: []string{"2143000001"}, Polygons: []Polygon{c}})
	}
	if err := Validate(zones); err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(zones)
	for i, s := range sites[:len(sites)-1] {
		if hits := ix.Locate(s.Lng, s.Lat); len(hits) != 1 || hits[0] != i {
			t.Fatalf("site %d lies in zones %v", i, hits)
		}
	}
	if ov := ix.Overlaps(); len(ov) != 0 {
		t.Fatalf("cells overlap: %v", ov[:min(3, len(ov))])
	}
	var sum float64
	for _, c := range cells[:len(cells)-1] {
		sum += planarArea(c[0])
	}
	want := (box.MaxLng - box.MinLng) * (box.MaxLat - box.MinLat)
	if math.Abs(math.Abs(sum)-want) > want*1e-9 {
		t.Fatalf("the cells cover %g of the box's %g", sum, want)
	}
}

func TestParseRing(t *testing.T) {
	r, err := ParseRing("112.6, 26.88\r\n112.64，26.88\n\n112.64 26.92\n112.6\t26.92\n")
	if err != nil || len(r) != 5 || r[0] != r[4] || r[2] != (LngLat{112.64, 26.92}) {
		t.Fatalf("%v %v", r, err)
	}
	for _, tc := range []struct{ text, want string }{
		{"112.6,26.88\n112.64\n112.64,26.92", "第 2 行"},
		{"112.6,26.88\n112.64,26.88\n190,26.92", "第 3 行"},
		{"112.6,26.88\n112.64,26.88", "至少需要 4 个"},
		{"1,1\n2,2\n3,3", "面积为零"},
	} {
		_, err := ParseRing(tc.text)
		if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestGeometryAndFeature(t *testing.T) {
	z := Zone{Code: "Z1", Schools: []string{"2143000001"}, Polygons: []Polygon{{rect(0, 0, 1, 1)}, {rect(2, 2, 3, 3)}}}
	g, err := MarshalGeometry(z.Polygons)
	if err != nil || !strings.HasPrefix(string(g), `{"type":"MultiPolygon"`) {
		t.Fatalf("%s %v", g, err)
	}
	back, err := UnmarshalGeometry(g)
	if err != nil || len(back) != 2 || back[1][0][2] != (LngLat{3, 3}) {
		t.Fatalf("%v %v", back, err)
	}
	if _, err := UnmarshalGeometry([]byte(`{"type":"Point","coordinates":[1,2]}`)); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("a point: %v", err)
	}
	one := `{"type":"Feature","properties":{"zone":"Z1","schools":["2143000001"]},"geometry":` + string(g) + `}`
	f, err := ReadFeature(strings.NewReader(one), "z.geojson")
	if err != nil || f.Code != "Z1" || len(f.Polygons) != 2 {
		t.Fatalf("%+v %v", f, err)
	}
	if _, err := ReadFeature(strings.NewReader(`{"type":"FeatureCollection","features":[`+one+`,`+strings.Replace(one, "Z1", "Z2", 1)+`]}`), "two.geojson"); err == nil ||
		!strings.Contains(err.Error(), "two.geojson") {
		t.Fatalf("two features: %v", err)
	}
	if _, err := ReadFeature(strings.NewReader(`{"type":"Feature","properties":{"schools":["2143000001"]},"geometry":`+string(g)+`}`), "nocode.geojson"); err == nil ||
		!strings.Contains(err.Error(), "zone") {
		t.Fatalf("no code: %v", err)
	}
	if Vertices(z.Polygons) != 8 {
		t.Fatalf("vertices %d", Vertices(z.Polygons))
	}
}
