package catchment

import (
	"testing"
	"time"
)

// benchBox is a city-sized area around Hengyang (about 60 × 67 km).
var benchBox = BBox{112.3, 26.6, 112.9, 27.2}

// BenchmarkAssign1200kPoints3000Zones measures the target: catchment
// assignment of 1,200,000 addresses against 3,000 zones within 5 s, index
// building included. It reports the time as a fraction of that limit.
func BenchmarkAssign1200kPoints3000Zones(b *testing.B) {
	zones := SyntheticZones(1, 3000, benchBox)
	// A slightly wider box than the zones', so that about 4% are uncovered.
	pts := SyntheticPoints(2, 1_200_000, BBox{112.29, 26.59, 112.91, 27.21})
	var elapsed time.Duration
	runs := 0
	var a Assignment
	for b.Loop() {
		start := time.Now()
		ix := NewIndex(zones)
		a = Assign(ix, pts)
		elapsed += time.Since(start)
		runs++
	}
	per := elapsed / time.Duration(runs)
	b.ReportMetric(per.Seconds()/5, "x-of-5s-limit")
	b.ReportMetric(float64(per.Nanoseconds())/float64(len(pts)), "ns/point")
	if len(a.Uncovered) == 0 || len(a.Uncovered) > len(pts)/10 {
		b.Fatalf("%d uncovered points: the synthetic data is wrong", len(a.Uncovered))
	}
}

// BenchmarkOverlaps3000Zones checks a jurisdiction's zones for overlaps.
func BenchmarkOverlaps3000Zones(b *testing.B) {
	zones := SyntheticZones(1, 3000, benchBox)
	for b.Loop() {
		if got := Overlaps(zones); len(got) != 0 {
			b.Fatalf("%d overlaps in a tiling", len(got))
		}
	}
}
