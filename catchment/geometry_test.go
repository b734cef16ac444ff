package catchment

import (
	"math"
	"testing"
)

// ring builds a closed ring from lng, lat pairs (the closing position is added).
func ring(c ...float64) Ring {
	r := make(Ring, 0, len(c)/2+1)
	for i := 0; i+1 < len(c); i += 2 {
		r = append(r, LngLat{c[i], c[i+1]})
	}
	return append(r, r[0])
}

// rect is the counter-clockwise rectangle [x0,x1]×[y0,y1].
func rect(x0, y0, x1, y1 float64) Ring {
	return ring(x0, y0, x1, y0, x1, y1, x0, y1)
}

func zone(code string, polys ...Polygon) Zone {
	return Zone{Code: code, Name: code, Schools: []string{"2143000001"}, Polygons: polys}
}

func TestPolygonLocate(t *testing.T) {
	square := Polygon{rect(0, 0, 4, 4)}
	// A "U": the notch is x in (2,4), y in (2,6).
	u := Polygon{ring(0, 0, 6, 0, 6, 6, 4, 6, 4, 2, 2, 2, 2, 6, 0, 6)}
	holed := Polygon{rect(0, 0, 10, 10), ring(3, 3, 3, 7, 7, 7, 7, 3)} // hole clockwise
	triangle := Polygon{ring(0, 0, 2, 2, 4, 0)}
	tests := []struct {
		name     string
		p        Polygon
		lng, lat float64
		want     Location
	}{
		{"square inside", square, 2, 2, Inside},
		{"square outside east", square, 5, 2, Outside},
		{"square outside west", square, -1, 2, Outside},
		{"square outside level with top edge", square, -1, 4, Outside},
		{"square outside level with bottom edge", square, -1, 0, Outside},
		{"square east edge", square, 4, 2, OnBorder},
		{"square south edge", square, 2, 0, OnBorder},
		{"square north edge", square, 2, 4, OnBorder},
		{"square vertex", square, 0, 0, OnBorder},
		{"square far vertex", square, 4, 4, OnBorder},
		{"square just inside", square, 3.999999, 3.999999, Inside},
		{"square just outside", square, 4.000001, 2, Outside},
		{"U left arm", u, 1, 5, Inside},
		{"U right arm", u, 5, 5, Inside},
		{"U base", u, 3, 1, Inside},
		{"U notch", u, 3, 4, Outside},
		{"U above notch", u, 3, 6, Outside},
		{"U notch floor", u, 3, 2, OnBorder},
		{"U reflex vertex", u, 4, 2, OnBorder},
		{"U ray along notch floor", u, 1, 2, Inside},
		{"U ray through top vertices", u, -1, 6, Outside},
		{"U top edge of right arm", u, 5, 6, OnBorder},
		{"holed in the hole", holed, 5, 5, Outside},
		{"holed in the ring", holed, 1, 1, Inside},
		{"holed beyond the hole", holed, 8, 8, Inside},
		{"holed level with the hole", holed, 9, 5, Inside},
		{"holed hole edge", holed, 3, 5, OnBorder},
		{"holed hole vertex", holed, 7, 7, OnBorder},
		{"holed outer edge", holed, 10, 5, OnBorder},
		{"triangle slanted edge", triangle, 1, 1, OnBorder},
		{"triangle inside", triangle, 2, 1, Inside},
		{"triangle apex", triangle, 2, 2, OnBorder},
		{"triangle beside apex", triangle, 1, 2, Outside},
	}
	for _, tt := range tests {
		if got := tt.p.Locate(tt.lng, tt.lat); got != tt.want {
			t.Errorf("%s: Locate(%g, %g) = %d, want %d", tt.name, tt.lng, tt.lat, got, tt.want)
		}
	}
}

func TestZoneContainsMultiPolygon(t *testing.T) {
	z := zone("M", Polygon{rect(0, 0, 1, 1)}, Polygon{rect(5, 5, 6, 6), rect(5.4, 5.4, 5.6, 5.6)})
	for _, tt := range []struct {
		lng, lat float64
		want     bool
	}{
		{0.5, 0.5, true}, {5.2, 5.2, true}, {5.5, 5.5, false}, {3, 3, false}, {1, 0.5, true}, {5.4, 5.5, true},
	} {
		if got := z.Contains(tt.lng, tt.lat); got != tt.want {
			t.Errorf("Contains(%g, %g) = %v, want %v", tt.lng, tt.lat, got, tt.want)
		}
	}
	if got, want := z.BBox(), (BBox{0, 0, 6, 6}); got != want {
		t.Errorf("BBox = %v, want %v", got, want)
	}
}

func TestArea(t *testing.T) {
	// A 0.01° square near Hengyang, against the small-square approximation.
	const d = 0.01
	sq := zone("A", Polygon{rect(112.6, 26.9, 112.6+d, 26.9+d)})
	side := d * math.Pi / 180 * EarthRadius
	want := side * side * math.Cos((26.9+d/2)*math.Pi/180)
	if got := sq.Area(); math.Abs(got-want)/want > 1e-4 {
		t.Errorf("Area = %.1f m², want about %.1f m²", got, want)
	}
	holed := zone("H", Polygon{rect(112.6, 26.9, 112.6+2*d, 26.9+2*d), rect(112.6+d/2, 26.9+d/2, 112.6+d, 26.9+d)})
	wantHoled := 4*want - want/4
	if got := holed.Area(); math.Abs(got-wantHoled)/wantHoled > 1e-3 {
		t.Errorf("holed Area = %.1f m², want about %.1f m²", got, wantHoled)
	}
	// Winding does not change the area.
	rev := slicesReverse(sq.Polygons[0][0])
	if a, b := (Polygon{rev}).Area(), sq.Area(); math.Abs(a-b) > 1e-6*b {
		t.Errorf("clockwise area %f != counter-clockwise %f", a, b)
	}
}

func slicesReverse(r Ring) Ring {
	out := make(Ring, len(r))
	for i := range r {
		out[len(r)-1-i] = r[i]
	}
	return out
}

func TestOverlaps(t *testing.T) {
	big := Polygon{rect(0, 0, 10, 10)}
	holed := Polygon{rect(0, 0, 10, 10), ring(3, 3, 3, 7, 7, 7, 7, 3)}
	tests := []struct {
		name string
		a, b Polygon
		want bool
	}{
		{"overlapping squares", Polygon{rect(0, 0, 2, 2)}, Polygon{rect(1, 1, 3, 3)}, true},
		{"sharing an edge", Polygon{rect(0, 0, 2, 2)}, Polygon{rect(2, 0, 4, 2)}, false},
		{"sharing part of an edge", Polygon{rect(0, 0, 2, 2)}, Polygon{rect(2, 1, 4, 3)}, false},
		{"touching at a vertex", Polygon{rect(0, 0, 2, 2)}, Polygon{rect(2, 2, 4, 4)}, false},
		{"apart", Polygon{rect(0, 0, 2, 2)}, Polygon{rect(3, 0, 4, 2)}, false},
		{"one inside another", big, Polygon{rect(2, 2, 3, 3)}, true},
		{"identical", big, Polygon{rect(0, 0, 10, 10)}, true},
		{"identical, other winding and start", big, Polygon{ring(10, 10, 10, 0, 0, 0, 0, 10)}, true},
		{"inside, sharing two edges", big, Polygon{rect(0, 0, 5, 5)}, true},
		{"cross, no vertex inside the other", Polygon{rect(0, 1, 3, 2)}, Polygon{rect(1, 0, 2, 3)}, true},
		{"T-junction on a shared border", Polygon{rect(0, 0, 4, 2)}, Polygon{rect(0, 2, 2, 4)}, false},
		{"inside the hole", holed, Polygon{rect(4, 4, 6, 6)}, false},
		{"filling the hole exactly", holed, Polygon{rect(3, 3, 7, 7)}, false},
		{"across the hole's edge", holed, Polygon{rect(2, 4, 4, 6)}, true},
		{"diamond in a square touching its edges", Polygon{rect(0, 0, 2, 2)}, Polygon{ring(1, 0, 2, 1, 1, 2, 0, 1)}, true},
		{"zigzag shared border", Polygon{ring(0, 0, 2, 0, 2, 1, 1, 1.5, 2, 2, 0, 2)}, Polygon{ring(2, 0, 3, 0, 3, 2, 2, 2, 1, 1.5, 2, 1)}, false},
		{"sliver thinner than the tolerance", Polygon{rect(0, 0, 2, 2)}, Polygon{rect(2-1e-12, 0, 4, 2)}, false},
		{"sliver of a metre", Polygon{rect(0, 0, 0.02, 0.02)}, Polygon{rect(0.02-1e-5, 0, 0.04, 0.02)}, true},
	}
	for _, tt := range tests {
		for _, swap := range []bool{false, true} {
			a, b := tt.a, tt.b
			if swap {
				a, b = b, a
			}
			got := Overlaps([]Zone{zone("A", a), zone("B", b)})
			if (len(got) == 1) != tt.want || len(got) > 1 {
				t.Errorf("%s (swapped %v): Overlaps = %v, want overlap %v", tt.name, swap, got, tt.want)
				continue
			}
			if tt.want {
				if got[0].A != 0 || got[0].B != 1 {
					t.Errorf("%s: pair = %d,%d", tt.name, got[0].A, got[0].B)
				}
				if n := got[0].Near; !(a.BBox().Contains(n.Lng, n.Lat) && b.BBox().Contains(n.Lng, n.Lat)) {
					t.Errorf("%s: Near %v is outside the boxes", tt.name, n)
				}
			}
		}
	}
}

func TestOverlapsMultiPolygonAndOrder(t *testing.T) {
	zones := []Zone{
		zone("A", Polygon{rect(0, 0, 2, 2)}, Polygon{rect(10, 10, 12, 12)}),
		zone("B", Polygon{rect(2, 0, 4, 2)}),         // touches A
		zone("C", Polygon{rect(11, 11, 13, 13)}),     // overlaps A's second part
		zone("D", Polygon{rect(3, 1, 5, 3)}),         // overlaps B
		zone("E", Polygon{rect(100, 100, 101, 101)}), // far away
	}
	got := Overlaps(zones)
	want := [][2]int{{0, 2}, {1, 3}}
	if len(got) != len(want) {
		t.Fatalf("Overlaps = %v, want pairs %v", got, want)
	}
	for i, o := range got {
		if [2]int{o.A, o.B} != want[i] {
			t.Errorf("Overlaps[%d] = %d,%d, want %v", i, o.A, o.B, want[i])
		}
	}
}

func TestSyntheticTilingHasNoOverlap(t *testing.T) {
	box := BBox{112.5, 26.8, 112.7, 27.0}
	zones := SyntheticZones(7, 300, box)
	if got := Overlaps(zones); len(got) != 0 {
		t.Fatalf("synthetic tiling reports %d overlaps, first %v", len(got), got[0])
	}
	// Shifting one zone onto its neighbour must be caught.
	moved := append([]Zone(nil), zones...)
	var r Ring
	for _, q := range zones[10].Polygons[0][0] {
		r = append(r, LngLat{q.Lng + 0.002, q.Lat})
	}
	moved[10] = zone("moved", Polygon{r})
	if got := Overlaps(moved); len(got) == 0 {
		t.Fatal("a shifted zone overlapping its neighbours was not reported")
	}
}
