package catchment

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

// convex returns a random convex polygon: vertices at sorted random angles on
// a circle (counter-clockwise), so the ring is convex and simple.
func convex(g *splitMix, cx, cy, radius float64) Polygon {
	n := 3 + g.intn(14)
	angles := make([]float64, n)
	for i := range angles {
		angles[i] = 2 * math.Pi * g.float()
	}
	slices.Sort(angles)
	angles = slices.Compact(angles)
	r := make(Ring, 0, len(angles)+1)
	for _, a := range angles {
		r = append(r, LngLat{cx + radius*math.Cos(a), cy + radius*math.Sin(a)})
	}
	return Polygon{append(r, r[0])}
}

func bruteLocate(zones []Zone, lng, lat float64) []int {
	var out []int
	for i, z := range zones {
		if z.Contains(lng, lat) {
			out = append(out, i)
		}
	}
	return out
}

func TestIndexMatchesBruteForce(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		g := &splitMix{uint64(seed)}
		var zones []Zone
		for i := range 150 + 50*int(seed) {
			var polys []Polygon
			for range 1 + g.intn(2) { // some zones are MultiPolygons
				polys = append(polys, convex(g, 112+g.float(), 26.5+g.float(), 0.002+0.15*g.float()*g.float()))
			}
			zones = append(zones, Zone{Code: string(rune('A' + i%26)), Schools: []string{"2143000001"}, Polygons: polys})
		}
		ix := NewIndex(zones)
		var pts []LngLat
		for range 6000 {
			pts = append(pts, LngLat{111.9 + 1.2*g.float(), 26.4 + 1.2*g.float()})
		}
		for _, z := range zones {
			r := z.Polygons[0][0]
			pts = append(pts, r[0], LngLat{(r[0].Lng + r[1].Lng) / 2, (r[0].Lat + r[1].Lat) / 2})
		}
		pts = append(pts, LngLat{ix.box.MinLng, ix.box.MinLat}, LngLat{ix.box.MaxLng, ix.box.MaxLat}, LngLat{math.NaN(), 26.9})
		hits := 0
		for _, p := range pts {
			want := bruteLocate(zones, p.Lng, p.Lat)
			got := ix.Locate(p.Lng, p.Lat)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d: Locate(%v) = %v, brute force %v", seed, p, got, want)
			}
			first := -1
			if len(want) > 0 {
				first = want[0]
				hits++
			}
			if f := ix.First(p.Lng, p.Lat); f != first {
				t.Fatalf("seed %d: First(%v) = %d, want %d", seed, p, f, first)
			}
		}
		if hits < 500 {
			t.Errorf("seed %d: only %d of %d points hit a zone; the test is too weak", seed, hits, len(pts))
		}
	}
}

func TestIndexEdgeCases(t *testing.T) {
	empty := NewIndex(nil)
	if got := empty.Locate(1, 1); got != nil {
		t.Errorf("empty Locate = %v", got)
	}
	if empty.First(1, 1) != -1 || empty.Overlaps() != nil {
		t.Error("empty index found something")
	}
	one := NewIndex([]Zone{zone("A", Polygon{rect(0, 0, 1, 1)})})
	for _, tt := range []struct {
		lng, lat float64
		want     int
	}{{0.5, 0.5, 0}, {1, 1, 0}, {0, 0, 0}, {1.0000001, 0.5, -1}, {-1, -1, -1}, {math.Inf(1), 0, -1}} {
		if got := one.First(tt.lng, tt.lat); got != tt.want {
			t.Errorf("First(%g, %g) = %d, want %d", tt.lng, tt.lat, got, tt.want)
		}
	}
	// A zone covering every other one must not blow up the cell lists.
	zones := []Zone{zone("all", Polygon{rect(0, 0, 100, 100)})}
	for i := range 1000 {
		x, y := float64(i%32)*3, float64(i/32)*3
		zones = append(zones, zone("z", Polygon{rect(x, y, x+1, y+1)}))
	}
	ix := NewIndex(zones)
	if len(ix.cells) > 64*len(zones) {
		t.Errorf("cell lists hold %d entries for %d zones", len(ix.cells), len(zones))
	}
	if got := ix.Locate(3.5, 3.5); !reflect.DeepEqual(got, []int{0, 34}) {
		t.Errorf("Locate in nested zones = %v", got)
	}
}

func TestSyntheticZones(t *testing.T) {
	box := BBox{112.4, 26.7, 112.8, 27.1}
	for _, n := range []int{1, 2, 7, 120, 997} {
		zones := SyntheticZones(42, n, box)
		if len(zones) != n {
			t.Fatalf("n=%d: got %d zones", n, len(zones))
		}
		if err := Validate(zones); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		var area float64
		var verts []int
		for _, z := range zones {
			area += z.Area()
			verts = append(verts, len(z.Polygons[0][0])-1)
		}
		boxArea := Zone{Polygons: []Polygon{{rect(box.MinLng, box.MinLat, box.MaxLng, box.MaxLat)}}}.Area()
		if math.Abs(area-boxArea)/boxArea > 1e-9 {
			t.Errorf("n=%d: zones cover %.0f m², the box %.0f m²", n, area, boxArea)
		}
		if n >= 120 {
			mean := 0
			for _, v := range verts {
				mean += v
			}
			if m := float64(mean) / float64(n); m < 10 || m > 20 {
				t.Errorf("n=%d: mean vertices per zone %.1f, want 10–20 (min %d, max %d)", n, m, slices.Min(verts), slices.Max(verts))
			}
		}
		// Every point of the box is in exactly one zone.
		ix := NewIndex(zones)
		for _, p := range SyntheticPoints(5, 5000, box) {
			if got := ix.Locate(p.Lng, p.Lat); len(got) != 1 {
				t.Fatalf("n=%d: point %v is in zones %v", n, p, got)
			}
		}
	}
	a, b := SyntheticZones(1, 50, box), SyntheticZones(1, 50, box)
	if !reflect.DeepEqual(a, b) {
		t.Error("SyntheticZones is not deterministic")
	}
	if reflect.DeepEqual(a, SyntheticZones(2, 50, box)) {
		t.Error("SyntheticZones ignores the seed")
	}
	if SyntheticZones(1, 0, box) != nil || SyntheticZones(1, 5, BBox{1, 1, 1, 2}) != nil {
		t.Error("SyntheticZones made zones from nothing")
	}
	if z := SyntheticZones(1, 12000, box)[11999]; z.Code != "Z12000" || z.Schools[0] != "2143012000" || z.Name != "第12000片区" {
		t.Errorf("zone 12000 = %s %s %v", z.Code, z.Name, z.Schools)
	}
}

// For convex polygons the crossing-number rule must agree with the half-plane
// test: inside when the point is left of every counter-clockwise edge.
func TestLocateConvexAgainstHalfPlanes(t *testing.T) {
	g := &splitMix{99}
	for range 300 {
		p := convex(g, 0, 0, 1)
		r := p[0]
		for range 200 {
			x, y := 2.4*g.float()-1.2, 2.4*g.float()-1.2
			in := true
			for i := 0; i+1 < len(r); i++ {
				if orient(r[i], r[i+1], LngLat{x, y}) <= 0 {
					in = false
				}
			}
			if got := p.Locate(x, y); (got == Inside) != in || got == OnBorder {
				t.Fatalf("Locate(%g, %g) = %d, half-planes say inside=%v, polygon %v", x, y, got, in, r)
			}
		}
	}
}
