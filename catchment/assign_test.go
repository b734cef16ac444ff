package catchment

import (
	"reflect"
	"runtime"
	"testing"
)

func TestAssignSmall(t *testing.T) {
	// A and B overlap on [1,2]×[0,2]; C stands apart; nothing covers x in (3,4).
	zones := []Zone{
		{Code: "A", Name: "甲", Schools: []string{"2143000001"}, Polygons: []Polygon{{rect(0, 0, 2, 2)}}},
		{Code: "B", Name: "乙", Schools: []string{"2143000002", "2143000003"}, Polygons: []Polygon{{rect(1, 0, 3, 2)}}},
		{Code: "C", Name: "丙", Schools: []string{"2143000004"}, Polygons: []Polygon{{rect(4, 0, 6, 2)}}},
	}
	points := []Point{
		{ID: 11, Lng: 0.5, Lat: 1}, // A
		{ID: 12, Lng: 1.5, Lat: 1}, // A and B: assigned to A, listed as overlapping
		{ID: 13, Lng: 2.5, Lat: 1}, // B
		{ID: 14, Lng: 5, Lat: 1},   // C
		{ID: 15, Lng: 3.5, Lat: 1}, // uncovered, inside the grid
		{ID: 16, Lng: 10, Lat: 10}, // uncovered, outside the grid
		{ID: 17, Lng: 5, Lat: 0},   // on C's border: in C
		{ID: 18, Lng: 2, Lat: 1},   // on A's border and inside B
	}
	ix := NewIndex(zones)
	a := Assign(ix, points)
	if want := []int{0, 0, 1, 2, Uncovered, Uncovered, 2, 0}; !reflect.DeepEqual(a.Zone, want) {
		t.Errorf("Zone = %v, want %v", a.Zone, want)
	}
	if want := []Point{points[4], points[5]}; !reflect.DeepEqual(a.Uncovered, want) {
		t.Errorf("Uncovered = %v, want %v", a.Uncovered, want)
	}
	wantMulti := []MultiZone{{Point: points[1], Index: 1, Zones: []int{0, 1}}, {Point: points[7], Index: 7, Zones: []int{0, 1}}}
	if !reflect.DeepEqual(a.Overlapping, wantMulti) {
		t.Errorf("Overlapping = %+v, want %+v", a.Overlapping, wantMulti)
	}
	if want := []int{3, 1, 2}; !reflect.DeepEqual(a.Demand, want) {
		t.Errorf("Demand = %v, want %v", a.Demand, want)
	}
	if want := []int{2, 2, 0}; !reflect.DeepEqual(a.Shared, want) {
		t.Errorf("Shared = %v, want %v", a.Shared, want)
	}

	report := DemandReport(ix, a, Capacity{"2143000001": 2, "2143000002": 1, "2143000003": 4, "9999999999": 50})
	want := []ZoneDemand{
		{Zone: "A", Name: "甲", Schools: []string{"2143000001"}, Demand: 3, Shared: 2, Capacity: 2, Balance: -1},
		{Zone: "B", Name: "乙", Schools: []string{"2143000002", "2143000003"}, Demand: 1, Shared: 2, Capacity: 5, Balance: 4},
		{Zone: "C", Name: "丙", Schools: []string{"2143000004"}, Demand: 2, Capacity: 0, Unknown: []string{"2143000004"}, Balance: -2},
	}
	if !reflect.DeepEqual(report, want) {
		t.Errorf("DemandReport =\n%+v\nwant\n%+v", report, want)
	}
	if !report[0].Over() || report[1].Over() || !report[2].Over() {
		t.Error("Over is wrong")
	}
}

func TestAssignEmpty(t *testing.T) {
	a := Assign(NewIndex(nil), []Point{{ID: 1, Lng: 1, Lat: 1}})
	if !reflect.DeepEqual(a.Zone, []int{Uncovered}) || len(a.Uncovered) != 1 || len(a.Demand) != 0 {
		t.Errorf("Assign with no zones = %+v", a)
	}
	b := Assign(NewIndex([]Zone{zone("A", Polygon{rect(0, 0, 1, 1)})}), nil)
	if len(b.Zone) != 0 || !reflect.DeepEqual(b.Demand, []int{0}) {
		t.Errorf("Assign with no points = %+v", b)
	}
}

// The result must not depend on how many goroutines did the work.
func TestAssignDeterministic(t *testing.T) {
	box := BBox{112.5, 26.8, 112.7, 27.0}
	zones := SyntheticZones(9, 200, box)
	// Overlap two zones so that there are overlapping points too.
	zones[50].Polygons = append(zones[50].Polygons, zones[51].Polygons[0])
	pts := SyntheticPoints(9, 70000, BBox{112.49, 26.79, 112.71, 27.01})
	ix := NewIndex(zones)
	prev := runtime.GOMAXPROCS(1)
	one := Assign(ix, pts)
	runtime.GOMAXPROCS(4)
	four := Assign(ix, pts)
	runtime.GOMAXPROCS(prev)
	if !reflect.DeepEqual(one, four) {
		t.Fatal("Assign differs between 1 and 4 goroutines")
	}
	if len(one.Uncovered) == 0 || len(one.Overlapping) == 0 {
		t.Fatalf("test too weak: %d uncovered, %d overlapping", len(one.Uncovered), len(one.Overlapping))
	}
	total := len(one.Uncovered)
	for _, d := range one.Demand {
		total += d
	}
	if total != len(pts) {
		t.Errorf("demand + uncovered = %d, want %d points", total, len(pts))
	}
	for _, m := range one.Overlapping {
		if one.Zone[m.Index] != m.Zones[0] || m.Zones[0] != 50 || m.Zones[1] != 51 {
			t.Fatalf("overlapping point %+v assigned to %d", m, one.Zone[m.Index])
		}
	}
}
