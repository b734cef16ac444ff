package admission

import (
	"testing"
	"time"
)

// BenchmarkPlace100k measures the pure placement of a 100,000-student cohort
// (300 schools, 3 batches with quota rows in batch 1, 12 choices per batch)
// against the limit of 0.5 s of compute on one core.
func BenchmarkPlace100k(b *testing.B) {
	plan, apps, _ := SyntheticCohort(100_000, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Place(plan, apps); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(perOp/(500*time.Millisecond).Seconds(), "x-of-limit")
}
