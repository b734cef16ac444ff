package admission

import (
	"testing"
	"time"
)

// BenchmarkPlace100k measures the pure placement of a 100,000-student cohort
// (300 schools, 3 batches with quota rows in batch 1, 12 choices per batch)
// against the limit of 0.5 s of compute on one core: run it with -cpu 1.
// x-of-limit is wall time per run over 0.5 s; cpu-x-of-limit is the CPU
// time of the process (GC included) per run over 0.5 s, which a busy shared
// machine does not inflate.
func BenchmarkPlace100k(b *testing.B) {
	plan, apps, _ := SyntheticCohort(100_000, 1)
	limit := (500 * time.Millisecond).Seconds()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		if _, err := Place(plan, apps); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/limit, "x-of-limit")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(cpu/float64(b.N)/limit, "cpu-x-of-limit")
	}
}

// BenchmarkDraw100k draws a lottery among 100,000 applications.
func BenchmarkDraw100k(b *testing.B) {
	_, apps, _ := SyntheticCohort(100_000, 1)
	ids := make([]string, len(apps))
	for i, a := range apps {
		ids[i] = a.ExamNo
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Draw("seed", ids, 5000); err != nil {
			b.Fatal(err)
		}
	}
}
