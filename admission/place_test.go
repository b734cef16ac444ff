package admission

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"edubureau/fault"
)

func gen(batch int, school string, places int) PlanRow {
	return PlanRow{Batch: batch, School: school, Places: places}
}

func quota(batch int, school, junior string, places int) PlanRow {
	return PlanRow{Batch: batch, School: school, Junior: junior, Places: places}
}

func withMin(r PlanRow, min float64) PlanRow {
	r.MinScore, r.HasMin = min, true
	return r
}

// app builds an applicant; choices are "1:S1|S2" strings, one per batch.
func app(examNo, junior string, total float64, tie []float64, choices ...string) Applicant {
	a := Applicant{ExamNo: examNo, Junior: junior, Total: total, TieBreak: tie}
	for _, c := range choices {
		var b int
		var list string
		fmt.Sscanf(c, "%d:%s", &b, &list)
		bc := BatchChoice{Batch: b}
		if list != "" {
			bc.Schools = strings.Split(list, "|")
		}
		a.Choices = append(a.Choices, bc)
	}
	return a
}

// where is "batch:school:seat" for each applicant, "-" when not placed.
func where(res Result) []string {
	out := make([]string, len(res.Outcomes))
	for i, o := range res.Outcomes {
		out[i] = "-"
		if o.Placed() {
			seat := "general"
			if o.Quota {
				seat = "quota"
			}
			out[i] = fmt.Sprintf("%d:%s:%s", o.Batch, o.School, seat)
		}
	}
	return out
}

func TestPlaceRules(t *testing.T) {
	tests := []struct {
		name string
		plan []PlanRow
		apps []Applicant
		want []string
	}{{
		name: "ties broken by the tie-break columns in order, then exam number",
		plan: []PlanRow{gen(1, "S1", 2), gen(1, "S2", 10)},
		apps: []Applicant{
			app("E5", "", 600, []float64{100, 90}, "1:S1|S2"),
			app("E4", "", 600, []float64{110, 80}, "1:S1|S2"),
			app("E3", "", 600, []float64{110, 80}, "1:S1|S2"), // same as E4: E3 < E4
			app("E2", "", 600, []float64{110, 95}, "1:S1|S2"), // second key decides against E3/E4
			app("E1", "", 599, []float64{150, 150}, "1:S1|S2"),
		},
		want: []string{"1:S2:general", "1:S2:general", "1:S1:general", "1:S1:general", "1:S2:general"},
	}, {
		name: "the ranking is total first, whatever the tie-breaks",
		plan: []PlanRow{gen(1, "S1", 1), gen(1, "S2", 1)},
		apps: []Applicant{
			app("A", "", 600.5, []float64{0}, "1:S1|S2"),
			app("B", "", 600, []float64{150}, "1:S1|S2"),
		},
		want: []string{"1:S1:general", "1:S2:general"},
	}, {
		name: "a quota row only takes its own junior school's applicants",
		plan: []PlanRow{quota(1, "S1", "J1", 1), gen(1, "S2", 5)},
		apps: []Applicant{
			app("A", "J2", 700, nil, "1:S1|S2"), // higher, but not from J1
			app("B", "J1", 500, nil, "1:S1|S2"),
			app("C", "J1", 490, nil, "1:S1|S2"), // J1's only quota seat is gone
		},
		want: []string{"1:S2:general", "1:S1:quota", "1:S2:general"},
	}, {
		name: "min scores: a free seat is refused below the line, and the next choice is tried",
		plan: []PlanRow{withMin(gen(1, "S1", 5), 600), gen(1, "S2", 5)},
		apps: []Applicant{
			app("A", "", 600, nil, "1:S1|S2"), // exactly on the line
			app("B", "", 599.5, nil, "1:S1|S2"),
		},
		want: []string{"1:S1:general", "1:S2:general"},
	}, {
		name: "a quota row's own min score",
		plan: []PlanRow{withMin(quota(1, "S1", "J1", 5), 550), gen(1, "S1", 1), gen(1, "S2", 5)},
		apps: []Applicant{
			app("A", "J1", 560, nil, "1:S1|S2"),
			app("B", "J1", 540, nil, "1:S1|S2"), // under the quota line: the general seat
			app("C", "J1", 530, nil, "1:S1|S2"), // under the quota line, general seat gone
		},
		want: []string{"1:S1:quota", "1:S1:general", "1:S2:general"},
	}, {
		name: "quota full falls back to the general row of the same school",
		plan: []PlanRow{gen(1, "S1", 2), quota(1, "S1", "J1", 1)},
		apps: []Applicant{
			app("A", "J1", 600, nil, "1:S1"),
			app("B", "J1", 590, nil, "1:S1"),
			app("C", "J2", 580, nil, "1:S1"),
			app("D", "J1", 570, nil, "1:S1"),
		},
		want: []string{"1:S1:quota", "1:S1:general", "1:S1:general", "-"},
	}, {
		name: "a student placed in batch 1 is absent from batch 2",
		plan: []PlanRow{gen(2, "S2", 1), gen(1, "S1", 1)}, // batches run in ascending order, not file order
		apps: []Applicant{
			app("A", "", 700, nil, "1:S1", "2:S2"),
			app("B", "", 600, nil, "1:S1", "2:S2"),
		},
		want: []string{"1:S1:general", "2:S2:general"},
	}, {
		name: "an empty choice list places nobody; an empty batch 1 still tries batch 2",
		plan: []PlanRow{gen(1, "S1", 5), gen(2, "S2", 5)},
		apps: []Applicant{
			app("A", "", 700, nil),
			app("B", "", 690, nil, "1:", "2:"),
			app("C", "", 680, nil, "1:", "2:S2"),
		},
		want: []string{"-", "-", "2:S2:general"},
	}, {
		name: "several general rows of a school are taken in file order",
		plan: []PlanRow{withMin(gen(1, "S1", 1), 600), gen(1, "S1", 1), gen(1, "S2", 1)},
		apps: []Applicant{
			app("A", "", 590, nil, "1:S1|S2"),
			app("B", "", 610, nil, "1:S1|S2"),
			app("C", "", 580, nil, "1:S1|S2"),
		},
		want: []string{"1:S1:general", "1:S1:general", "1:S2:general"},
	}, {
		name: "zero places and only other juniors' quotas",
		plan: []PlanRow{gen(1, "S0", 0), quota(1, "S1", "J9", 3), gen(1, "S2", 1)},
		apps: []Applicant{app("A", "J1", 600, nil, "1:S0|S1|S2")},
		want: []string{"1:S2:general"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Place(tt.plan, tt.apps)
			if err != nil {
				t.Fatal(err)
			}
			if got := where(res); !slices.Equal(got, tt.want) {
				t.Errorf("placement\n got %v\nwant %v", got, tt.want)
			}
			checkStable(t, tt.plan, tt.apps, res)
		})
	}
}

func TestPlaceCutoffsAndRanks(t *testing.T) {
	plan := []PlanRow{gen(1, "S1", 2), quota(1, "S1", "J1", 1), gen(1, "S2", 5), gen(2, "S3", 1)}
	apps := []Applicant{
		app("A", "J1", 612, nil, "1:S1"),
		app("B", "J2", 620, nil, "1:S1"),
		app("C", "J2", 608.5, nil, "1:S1|S2"),
		app("D", "J2", 615, nil, "1:S1"),
		app("E", "J2", 500, nil, "2:S3"),
	}
	res, err := Place(plan, apps)
	if err != nil {
		t.Fatal(err)
	}
	type cut struct {
		admitted int
		lowest   float64
	}
	want := []cut{{2, 615}, {1, 612}, {1, 608.5}, {1, 500}}
	for j, w := range want {
		if got := (cut{res.Rows[j].Admitted, res.Rows[j].LowestTotal}); got != w {
			t.Errorf("row %d: got %+v, want %+v", j, got, w)
		}
	}
	ranks := []int{}
	for _, o := range res.Outcomes {
		ranks = append(ranks, o.Rank)
	}
	if want := []int{3, 1, 4, 2, 5}; !slices.Equal(ranks, want) {
		t.Errorf("ranks %v, want %v", ranks, want)
	}
}

func TestPlaceRejectsBadInput(t *testing.T) {
	ok := []PlanRow{gen(1, "S1", 1), gen(2, "S2", 1)}
	tests := []struct {
		name       string
		plan       []PlanRow
		apps       []Applicant
		index      int // applicant, or plan row when planRow
		planRow    bool
		field, msg string
	}{
		{"unknown school", ok, []Applicant{app("A", "", 1, nil, "1:S1|S9")}, 0, false, "b1", "S9"},
		{"school of another batch", ok, []Applicant{app("A", "", 1, nil, "1:S2")}, 0, false, "b1", "batch 1"},
		{"batch without plan rows", ok, []Applicant{app("A", "", 1, nil, "3:S1")}, 0, false, "b3", "batch 3"},
		{"school listed twice", ok, []Applicant{app("A", "", 1, nil, "1:S1|S1")}, 0, false, "b1", "twice"},
		{"batch given twice", ok, []Applicant{app("A", "", 1, nil, "1:S1", "1:S1")}, 0, false, "b1", "twice"},
		{"duplicate exam number", ok, []Applicant{app("A", "", 1, nil), app("B", "", 1, nil), app("A", "", 2, nil)}, 2, false, "exam_no", "repeated"},
		{"the first repeat in file order", ok, []Applicant{app("A", "", 1, nil), app("B", "", 1, nil), app("B", "", 1, nil), app("A", "", 1, nil)}, 2, false, "exam_no", "B is repeated"},
		{"the first bad school in file order, not in rank order", ok, []Applicant{app("X", "", 1, nil, "1:S8"), app("Y", "", 100, nil, "1:S9")}, 0, false, "b1", "S8"},
		{"a bad school before a bad total", ok, []Applicant{app("X", "", 1, nil, "1:S8"), app("Y", "", math.NaN(), nil)}, 0, false, "b1", "S8"},
		{"a bad total before a bad school", ok, []Applicant{app("X", "", math.NaN(), nil), app("Y", "", 1, nil, "1:S8")}, 0, false, "total", "finite"},
		{"empty exam number", ok, []Applicant{app("", "", 1, nil)}, 0, false, "exam_no", "empty"},
		{"tie-break count differs", ok, []Applicant{app("A", "", 1, []float64{1}), app("B", "", 1, nil)}, 1, false, "tiebreak", "tie-break"},
		{"negative places", []PlanRow{gen(1, "S1", -1)}, nil, 0, true, "places", "negative"},
		{"bad batch", []PlanRow{gen(1, "S1", 1), gen(0, "S1", 1)}, nil, 1, true, "batch", "positive"},
		{"empty school", []PlanRow{gen(1, " ", 1)}, nil, 0, true, "school", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Place(tt.plan, tt.apps)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want an *InputError", err)
			}
			idx := ie.Applicant
			if tt.planRow {
				idx = ie.PlanRow
			}
			if idx != tt.index || ie.Field != tt.field || !strings.Contains(ie.Msg.EN, tt.msg) {
				t.Errorf("got %+v (%v), want index %d field %s message with %q", ie, err, tt.index, tt.field, tt.msg)
			}
			if ie.Msg.ZH == "" || ie.Msg.ZH == ie.Msg.EN {
				t.Errorf("no Chinese message: %+v", ie.Msg)
			}
			if fault.KindOf(err) != fault.Invalid {
				t.Errorf("kind %s, want invalid", fault.KindOf(err))
			}
		})
	}
}

// checkStable checks the placement against the rules directly: seats are not
// overfilled, every seat is one the applicant listed, may take and reaches the
// line of; and no applicant envies a seat at a school they listed higher (in an
// earlier batch, or earlier in the batch they were placed in) that was left
// unfilled or went to someone ranked lower.
func checkStable(t *testing.T, plan []PlanRow, apps []Applicant, res Result) {
	t.Helper()
	eligible := func(a Applicant, r PlanRow) bool {
		return (r.Junior == "" || r.Junior == a.Junior) && (!r.HasMin || a.Total >= r.MinScore)
	}
	rank := func(i int) int { return res.Outcomes[i].Rank }
	// Independent ranking check.
	byRank := make([]int, len(apps))
	for i := range apps {
		byRank[i] = i
	}
	slices.SortFunc(byRank, func(x, y int) int {
		a, b := apps[x], apps[y]
		if a.Total != b.Total {
			if a.Total > b.Total {
				return -1
			}
			return 1
		}
		for k := range a.TieBreak {
			if a.TieBreak[k] != b.TieBreak[k] {
				if a.TieBreak[k] > b.TieBreak[k] {
					return -1
				}
				return 1
			}
		}
		return strings.Compare(a.ExamNo, b.ExamNo)
	})
	for pos, i := range byRank {
		if rank(i) != pos+1 {
			t.Fatalf("%s has rank %d, want %d", apps[i].ExamNo, rank(i), pos+1)
		}
	}
	admitted := make([][]int, len(plan))
	for i, o := range res.Outcomes {
		if !o.Placed() {
			continue
		}
		r := plan[o.Row]
		if !eligible(apps[i], r) || r.Batch != o.Batch || r.School != o.School || r.Quota() != o.Quota {
			t.Fatalf("%s holds a seat of row %d (%+v) they may not take", apps[i].ExamNo, o.Row, r)
		}
		listed := false
		for _, bc := range apps[i].Choices {
			listed = listed || (bc.Batch == r.Batch && slices.Contains(bc.Schools, r.School))
		}
		if !listed {
			t.Fatalf("%s placed at %s in batch %d, which they did not list", apps[i].ExamNo, r.School, r.Batch)
		}
		admitted[o.Row] = append(admitted[o.Row], i)
	}
	for j, r := range plan {
		if len(admitted[j]) > r.Places || len(admitted[j]) != res.Rows[j].Admitted {
			t.Fatalf("row %d: %d admitted, %d places, reported %d", j, len(admitted[j]), r.Places, res.Rows[j].Admitted)
		}
		if n := len(admitted[j]); n > 0 {
			low := admitted[j][0]
			for _, i := range admitted[j] {
				if rank(i) > rank(low) {
					low = i
				}
			}
			if res.Rows[j].LowestTotal != apps[low].Total || res.Rows[j].Last != low {
				t.Fatalf("row %d: cut-off %v (last %d), want %v (last %d)", j, res.Rows[j].LowestTotal, res.Rows[j].Last, apps[low].Total, low)
			}
		}
	}
	for i, a := range apps {
		o := res.Outcomes[i]
		for _, bc := range a.Choices {
			if o.Placed() && bc.Batch > o.Batch {
				continue
			}
			for _, s := range bc.Schools {
				if o.Placed() && bc.Batch == o.Batch && s == o.School {
					break
				}
				for j, r := range plan {
					if r.Batch != bc.Batch || r.School != s || !eligible(a, r) {
						continue
					}
					if len(admitted[j]) < r.Places {
						t.Fatalf("%s envies an unfilled seat of row %d (%s, batch %d)", a.ExamNo, j, s, r.Batch)
					}
					for _, other := range admitted[j] {
						if rank(other) > rank(i) {
							t.Fatalf("%s envies the seat of lower-ranked %s at row %d (%s, batch %d)", a.ExamNo, apps[other].ExamNo, j, s, r.Batch)
						}
					}
				}
			}
		}
	}
}

// randomInstance makes a small random plan and cohort with many ties.
func randomInstance(rng *rand.Rand) ([]PlanRow, []Applicant) {
	nSchools, nJuniors, nBatches := 1+rng.IntN(6), 1+rng.IntN(3), 1+rng.IntN(3)
	school := func(i int) string { return fmt.Sprintf("S%d", i) }
	junior := func(i int) string { return fmt.Sprintf("J%d", i) }
	var plan []PlanRow
	offered := map[int][]string{}
	for b := 1; b <= nBatches; b++ {
		for s := 0; s < nSchools; s++ {
			if rng.IntN(3) == 0 {
				continue
			}
			for n := 1 + rng.IntN(2); n > 0; n-- {
				r := PlanRow{Batch: b, School: school(s), Places: rng.IntN(4)}
				if rng.IntN(3) == 0 {
					r.Junior = junior(rng.IntN(nJuniors))
				}
				if rng.IntN(3) == 0 {
					r.MinScore, r.HasMin = float64(rng.IntN(10)), true
				}
				plan = append(plan, r)
			}
			offered[b] = append(offered[b], school(s))
		}
	}
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	nTie := rng.IntN(3)
	apps := make([]Applicant, rng.IntN(25))
	for i := range apps {
		a := Applicant{ExamNo: fmt.Sprintf("E%02d", rng.IntN(1000)*100+i), Junior: junior(rng.IntN(nJuniors + 1)), Total: float64(rng.IntN(12)) / 2}
		for k := 0; k < nTie; k++ {
			a.TieBreak = append(a.TieBreak, float64(rng.IntN(3)))
		}
		for b := 1; b <= nBatches; b++ {
			if len(offered[b]) == 0 || rng.IntN(4) == 0 {
				continue
			}
			list := slices.Clone(offered[b])
			rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
			a.Choices = append(a.Choices, BatchChoice{Batch: b, Schools: list[:rng.IntN(len(list)+1)]})
		}
		rng.Shuffle(len(a.Choices), func(i, j int) { a.Choices[i], a.Choices[j] = a.Choices[j], a.Choices[i] })
		apps[i] = a
	}
	return plan, apps
}

// referencePlace is the rule written the plain way, with maps and no interning.
func referencePlace(plan []PlanRow, apps []Applicant) []int {
	order := make([]int, len(apps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		a, b := apps[x], apps[y]
		if a.Total != b.Total {
			if a.Total > b.Total {
				return -1
			}
			return 1
		}
		if c := slices.Compare(b.TieBreak, a.TieBreak); c != 0 {
			return c
		}
		return strings.Compare(a.ExamNo, b.ExamNo)
	})
	seat := make([]int, len(apps))
	for i := range seat {
		seat[i] = -1
	}
	left := make([]int, len(plan))
	for j, r := range plan {
		left[j] = r.Places
	}
	for _, b := range Batches(plan) {
		for _, i := range order {
			if seat[i] >= 0 {
				continue
			}
			var list []string
			for _, bc := range apps[i].Choices {
				if bc.Batch == b {
					list = bc.Schools
				}
			}
		next:
			for _, s := range list {
				for _, quotaPass := range []bool{true, false} {
					for j, r := range plan {
						if r.Batch != b || r.School != s || r.Quota() != quotaPass || (quotaPass && r.Junior != apps[i].Junior) {
							continue
						}
						if left[j] > 0 && (!r.HasMin || apps[i].Total >= r.MinScore) {
							left[j]--
							seat[i] = j
							break next
						}
					}
				}
			}
		}
	}
	return seat
}

func TestPlaceRandomIsStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for n := 0; n < 2000; n++ {
		plan, apps := randomInstance(rng)
		res, err := Place(plan, apps)
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) && ie.Field == "exam_no" {
				continue // the generator repeated an exam number
			}
			t.Fatalf("instance %d: %v", n, err)
		}
		checkStable(t, plan, apps, res)
		want := referencePlace(plan, apps)
		for i, o := range res.Outcomes {
			if o.Row != want[i] {
				t.Fatalf("instance %d: %s placed at row %d, the reference says %d\nplan %+v\napps %+v", n, apps[i].ExamNo, o.Row, want[i], plan, apps)
			}
		}
		for i := range apps {
			res.Explain(i) // must not panic on any instance
		}
	}
}

func TestSyntheticCohortIsStable(t *testing.T) {
	plan, apps, _ := SyntheticCohort(3000, 3)
	res, err := Place(plan, apps)
	if err != nil {
		t.Fatal(err)
	}
	checkStable(t, plan, apps, res)
	placed := 0
	for _, o := range res.Outcomes {
		if o.Placed() {
			placed++
		}
	}
	if placed < len(apps)/2 {
		t.Errorf("only %d of %d placed: the synthetic cohort is not realistic", placed, len(apps))
	}
}
