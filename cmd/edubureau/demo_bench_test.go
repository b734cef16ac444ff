package main

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkDemoStartToServing runs `edubureau demo` on an empty SQLite file and
// measures the time from start until it serves (the "listening on" line):
// limits 10 s for --scale small and 60 s for --scale city.
// Run: go test -run '^$' -bench DemoStartToServing -benchtime 1x ./cmd/edubureau
func BenchmarkDemoStartToServing(b *testing.B) {
	for _, tc := range []struct {
		scale string
		limit time.Duration
	}{{"small", 10 * time.Second}, {"city", 60 * time.Second}} {
		b.Run(tc.scale, func(b *testing.B) {
			for range b.N {
				dsn := "sqlite:" + filepath.Join(b.TempDir(), "demo.db")
				began := time.Now()
				srv := start(b, "demo", "--db", dsn, "--scale", tc.scale, "--addr", "127.0.0.1:0", "--log-level", "warn")
				took := time.Since(began)
				srv.stop()
				b.ReportMetric(took.Seconds(), "s-to-serving")
				b.ReportMetric(took.Seconds()/tc.limit.Seconds(), "x-of-limit")
			}
		})
	}
}
