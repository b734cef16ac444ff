package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkAddWorkdays1M computes 1,000,000 deadlines per op — dates spread over
// 2018–2029 (published, unpublished and year-end days alike), n from 1 to 60
// working days — and reports the time against the 1 s target.
func BenchmarkAddWorkdays1M(b *testing.B) {
	const count = 1_000_000
	c := Default()
	rng := rand.New(rand.NewPCG(5, 6))
	from := make([]Date, count)
	n := make([]int, count)
	base := day("2018-01-01").days()
	for i := range from {
		from[i] = fromDays(base + rng.IntN(12*365))
		n[i] = 1 + rng.IntN(60)
	}
	var sink int
	b.ResetTimer()
	for b.Loop() {
		for i := range from {
			d, p := c.AddWorkdays(from[i], n[i])
			sink += d.d
			if p {
				sink++
			}
		}
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(perOp.Seconds()/1.0, "x-of-1s-limit")
	if sink == 0 {
		b.Fatal("no work done")
	}
}

// BenchmarkDeadline is one Deadline with two stops and an extension.
func BenchmarkDeadline(b *testing.B) {
	c := Default()
	stops := []Stop{{From: day("2025-09-10"), To: day("2025-09-12")}, {From: day("2025-09-22"), To: day("2025-09-23"), Restart: true}}
	start := day("2025-09-01")
	for b.Loop() {
		if _, _, err := c.Deadline(start, 20, Workdays, stops, 10); err != nil {
			b.Fatal(err)
		}
	}
}
