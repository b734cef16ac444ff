package importer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"edubureau/db/dbtest"
)

func TestKeySet(t *testing.T) {
	for _, limit := range []int{0, 64 * 256 * 12 * 2} { // no limit; full almost at once
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			savedRun := spillRun
			spillRun = 1000 // several runs to merge
			defer func() { spillRun = savedRun }()
			s := newKeySet()
			s.limit = limit
			defer s.close()
			r := rand.New(rand.NewPCG(1, 2))
			first := map[uint64]int{}
			repeats := map[uint64][]int{}
			for row := 1; row <= 50000; row++ {
				h := r.Uint64()%40000 + 1 // many repeats
				got, dup, err := s.add(h, row)
				if err != nil {
					t.Fatal(err)
				}
				want, had := first[h]
				if !had {
					first[h] = row
				}
				switch {
				case dup && (!had || got != want):
					t.Fatalf("row %d hash %d: got (%d, %v), want (%d, %v)", row, h, got, dup, want, had)
				case had && !dup:
					repeats[h] = append(repeats[h], row) // must come out of the file
				}
			}
			found := map[uint64][]int{}
			if err := s.repeats(func(h uint64, rows []int) error { found[h] = slices.Clone(rows); return nil }); err != nil {
				t.Fatal(err)
			}
			if limit == 0 && (len(repeats) > 0 || s.spill != nil) {
				t.Fatal("no limit, yet keys went to the file")
			}
			for h, rows := range repeats {
				got := found[h]
				if len(got) < 2 || !slices.Equal(got[len(got)-len(rows):], rows) {
					t.Fatalf("hash %d: repeats %v, found %v", h, rows, got)
				}
			}
		})
	}
}

// TestSpilledDuplicatesRefuseTheImport imports with almost no memory for
// keys, so that duplicates are found only after the file has been read.
func TestSpilledDuplicatesRefuseTheImport(t *testing.T) {
	saved, savedRun := keySetLimit, spillRun
	keySetLimit, spillRun = 1, 100
	defer func() { keySetLimit, spillRun = saved, savedRun }()
	f := newFixture(t, dbtest.SQLite(t))
	var b strings.Builder
	b.WriteString("编号,姓名,性别,出生日期\n")
	for i := 1; i <= 30000; i++ {
		fmt.Fprintf(&b, "P%06d,人%d,男,2015-09-01\n", i, i)
	}
	clean := b.String()
	// Keys of the last rows no longer fit in memory: their repeats show only at the end.
	for i := 29901; i <= 30000; i++ {
		fmt.Fprintf(&b, "P%06d,重复,男,2015-09-01\n", i)
	}
	res := f.importCSV("big-dup.csv", b.String(), Options{Mode: ValidOnly})
	if res.Status != Refused || f.count() != 0 {
		t.Fatalf("status %s, %d written", res.Status, f.count())
	}
	wantProblem(t, res, 30002, "编号", "与第 29902 行重复")
	wantProblem(t, res, 30101, "编号", "与第 30001 行重复")
	wantProblem(t, res, 0, "", "读完全部行之后")
	res = f.importCSV("big.csv", clean, Options{Mode: ValidOnly})
	wantCounts(t, res, Done, 30000, 30000, 0, 0, 0)
}

// BenchmarkKeySet3M reports the set's memory for three million keys.
func BenchmarkKeySet3M(b *testing.B) {
	for range b.N {
		s := newKeySet()
		r := rand.New(rand.NewPCG(3, 4))
		for row := 1; row <= 3000000; row++ {
			s.add(r.Uint64(), row)
		}
		b.ReportMetric(float64(s.bytes())/(1<<20), "MB")
		s.close()
	}
}
