package admission

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// SyntheticCohort builds a deterministic 中考 cohort of n applicants for tests,
// demos and benchmarks: 300 senior schools; batch 1 gives half the places of
// the 60 best schools as 指标到校 quotas (8 junior schools each, with minimum
// scores); batch 2 is the general batch of all 300 (a few schools with two
// general rows, the better ones with minimum scores); batch 3 is a
// supplementary batch of the 100 last schools. Every applicant lists up to 12
// schools in each batch (a fifth list none in batch 1) and has the tie-break
// scores chinese, math, english. The same n and seed give the same cohort.
func SyntheticCohort(n int, seed uint64) (plan []PlanRow, apps []Applicant, tiebreaks []string) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const nSchools, nQuota = 300, 60
	schools := make([]string, nSchools)
	for i := range schools {
		schools[i] = fmt.Sprintf("S%03d", i+1)
	}
	nJuniors := max(10, n/600)
	juniors := make([]string, nJuniors)
	for i := range juniors {
		juniors[i] = fmt.Sprintf("J%04d", i+1)
	}
	capacity := max(2, n*85/100/nSchools)

	for i := 0; i < nQuota; i++ {
		q := capacity / 2
		picks := rng.Perm(nJuniors)[:8]
		for x, j := range picks {
			places := q / 8
			if x == 0 {
				places += q % 8
			}
			plan = append(plan, PlanRow{Batch: 1, School: schools[i], Junior: juniors[j], Places: places, MinScore: float64(560 - i), HasMin: true})
		}
	}
	for i := 0; i < nSchools; i++ {
		places := capacity
		if i < nQuota {
			places -= capacity / 2
		}
		row := PlanRow{Batch: 2, School: schools[i], Places: places}
		if i < 100 {
			row.MinScore, row.HasMin = float64(500-2*i), true
		}
		if i%50 == 7 { // two general rows: a second, lower line for a few places
			second := row
			second.Places = places / 4
			if second.HasMin {
				second.MinScore -= 20
			}
			row.Places -= second.Places
			plan = append(plan, row, second)
			continue
		}
		plan = append(plan, row)
	}
	for i := 200; i < nSchools; i++ {
		plan = append(plan, PlanRow{Batch: 3, School: schools[i], Places: max(1, n*5/100/100)})
	}

	clamp := func(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
	pick := func(lo, hi, k int) []string { // k distinct schools in [lo,hi), mostly best first
		hi = min(hi, nSchools)
		lo = max(0, min(lo, hi-k))
		idx := make([]int, 0, k)
		for len(idx) < k {
			s := lo + rng.IntN(hi-lo)
			if !slices.Contains(idx, s) {
				idx = append(idx, s)
			}
		}
		slices.Sort(idx)
		if k > 3 && rng.IntN(3) == 0 { // not everyone lists strictly by quality
			idx[1], idx[2] = idx[2], idx[1]
		}
		out := make([]string, k)
		for x, s := range idx {
			out[x] = schools[s]
		}
		return out
	}
	apps = make([]Applicant, n)
	tiebreaks = []string{"chinese", "math", "english"}
	for i := range apps {
		total := math.Round(clamp(480+90*rng.NormFloat64(), 0, 750)*2) / 2
		a := Applicant{
			ExamNo:   fmt.Sprintf("2026%07d", i+1),
			Junior:   juniors[rng.IntN(nJuniors)],
			Total:    total,
			TieBreak: make([]float64, 3),
		}
		for x := range a.TieBreak {
			a.TieBreak[x] = math.Round(clamp(total/5+10*rng.NormFloat64(), 0, 150))
		}
		if rng.IntN(5) != 0 {
			a.Choices = append(a.Choices, BatchChoice{Batch: 1, Schools: pick(0, nQuota, 12)})
		}
		center := int((1 - total/750) * nSchools)
		a.Choices = append(a.Choices,
			BatchChoice{Batch: 2, Schools: pick(center-60, center+60, 12)},
			BatchChoice{Batch: 3, Schools: pick(200, nSchools, 12)})
		apps[i] = a
	}
	return plan, apps, tiebreaks
}
