package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"edubureau/db"
)

// benchBuild measures what `edubureau demo` does before serving: open an
// empty SQLite file (migrations included) and Build. The figure printed is
// the time as a fraction of the limit (small 10 s, city 60 s, both
// for the whole command, so this package should use a small part of it).
func benchBuild(b *testing.B, sc Scale, limit time.Duration) {
	ctx := context.Background()
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		path := filepath.Join(b.TempDir(), "demo.db")
		start := time.Now()
		d, err := db.Open(ctx, "sqlite:"+path)
		if err != nil {
			b.Fatal(err)
		}
		sum, err := Build(ctx, d, Options{Scale: sc, Seed: int64(i + 1)}, nil)
		took := time.Since(start)
		d.Close()
		if err != nil {
			b.Fatal(err)
		}
		total += took
		for _, st := range sum.Steps {
			b.Logf("%s: %s in %s", sc, st.Step, st.Took.Round(time.Millisecond))
		}
		b.Logf("%s: %d schools, open+build %s", sc, sum.Schools, took.Round(time.Millisecond))
	}
	secs := total.Seconds() / float64(b.N)
	b.ReportMetric(secs, "s/build")
	b.ReportMetric(secs/limit.Seconds(), "x-of-limit")
}

func BenchmarkBuildSmall(b *testing.B) { benchBuild(b, Small, 10*time.Second) }

func BenchmarkBuildCity(b *testing.B) { benchBuild(b, City, 60*time.Second) }

// BenchmarkSchoolsCity is the pure generator alone.
func BenchmarkSchoolsCity(b *testing.B) {
	for b.Loop() {
		if _, err := Schools(Options{Scale: City, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
