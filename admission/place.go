package admission

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Outcome is where one applicant was placed.
type Outcome struct {
	Rank   int    // 1-based position in the common ranking (total, tie-breaks, exam number)
	Row    int    // index of the plan row whose seat the applicant took, or -1
	Batch  int    // 0 when not placed
	School string // "" when not placed
	Quota  bool   // the seat is a 指标到校 quota seat
}

// Placed reports whether the applicant got a seat.
func (o Outcome) Placed() bool { return o.Row >= 0 }

// RowResult is what became of one plan row: how many it admitted and the total
// of the last (lowest-ranked) applicant admitted, its cut-off score.
type RowResult struct {
	Admitted    int
	LowestTotal float64 // meaningful only when Admitted > 0
	Last        int     // index of the last applicant admitted, or -1
}

// Result is a whole placement. Outcomes[i] belongs to Applicants[i], Rows[j] to Plan[j].
type Result struct {
	Plan       []PlanRow
	Applicants []Applicant
	Outcomes   []Outcome
	Rows       []RowResult

	c *compiled // the interned plan and choices, for Explain
}

// compiled is the plan and the choices with school codes interned to ints, so
// that the placement loop touches no map and no string.
type compiled struct {
	batches []int         // distinct batch numbers, ascending
	bsIndex []map[string]int32 // per batch: school code → batch-school id
	bsCode  []string      // batch-school id → school code
	bsBatch []int32       // batch-school id → batch position
	// rows of a batch-school: quota rows sorted by (junior id, file order) in
	// quota[quotaOff[bs]:quotaOff[bs+1]], general rows in file order likewise.
	quotaOff, genOff []int32
	quota            []quotaRow
	general          []int32
	juniorID         []int32 // per applicant: interned junior of the quota rows, or -1
	choiceOff        []int32 // per applicant and batch position: choices[choiceOff[i*nb+k]:choiceOff[i*nb+k+1]]
	choices          []int32 // batch-school ids
}

type quotaRow struct{ junior, row int32 }

// Place runs the 平行志愿 placement. Batches run in ascending order; in each
// batch the applicants not yet placed are taken in order of Total descending,
// then each TieBreak score descending in order, then ExamNo ascending (bytewise);
// each in turn is placed at the first school of their list for that batch where
// a row has a free seat and its minimum score is met: first the quota rows of
// that school for the applicant's own junior school, then its general rows, each
// kind in plan order. A placed applicant leaves the later batches.
//
// With one common ranking this is serial dictatorship, which equals
// student-proposing deferred acceptance: the result is stable.
//
// Inputs are validated first; a problem is returned as an *InputError.
func Place(plan []PlanRow, apps []Applicant) (Result, error) {
	c, err := compile(plan, apps)
	if err != nil {
		return Result{}, err
	}
	n := len(apps)
	nb := len(c.batches)

	// The ranking is the same in every batch, so sort once.
	order := make([]int32, n)
	totals := make([]float64, n)
	for i := range apps {
		order[i] = int32(i)
		totals[i] = apps[i].Total
	}
	slices.SortFunc(order, func(a, b int32) int {
		if ta, tb := totals[a], totals[b]; ta != tb {
			if ta > tb {
				return -1
			}
			return 1
		}
		return compareTies(&apps[a], &apps[b])
	})

	places := make([]int32, len(plan))
	minScore := make([]float64, len(plan))
	for j, r := range plan {
		places[j] = int32(r.Places)
		minScore[j] = math.Inf(-1)
		if r.HasMin {
			minScore[j] = r.MinScore
		}
	}
	filled := make([]int32, len(plan))
	last := make([]int32, len(plan))
	for j := range last {
		last[j] = -1
	}
	seat := make([]int32, n) // plan row taken, or -1
	for i := range seat {
		seat[i] = -1
	}

	for k := 0; k < nb; k++ {
		for _, ai := range order {
			if seat[ai] >= 0 {
				continue
			}
			base := int(ai)*nb + k
			list := c.choices[c.choiceOff[base]:c.choiceOff[base+1]]
			if len(list) == 0 {
				continue
			}
			t := totals[ai]
			jr := c.juniorID[ai]
			r := int32(-1)
		choices:
			for _, bs := range list {
				if jr >= 0 {
					q := c.quota[c.quotaOff[bs]:c.quotaOff[bs+1]]
					for x := lowerBound(q, jr); x < len(q) && q[x].junior == jr; x++ {
						if row := q[x].row; filled[row] < places[row] && t >= minScore[row] {
							r = row
							break choices
						}
					}
				}
				for _, row := range c.general[c.genOff[bs]:c.genOff[bs+1]] {
					if filled[row] < places[row] && t >= minScore[row] {
						r = row
						break choices
					}
				}
			}
			if r >= 0 {
				seat[ai] = r
				filled[r]++
				last[r] = ai
			}
		}
	}

	res := Result{Plan: plan, Applicants: apps, Outcomes: make([]Outcome, n), Rows: make([]RowResult, len(plan)), c: c}
	for pos, ai := range order {
		o := Outcome{Rank: pos + 1, Row: int(seat[ai])}
		if r := seat[ai]; r >= 0 {
			o.Batch, o.School, o.Quota = plan[r].Batch, plan[r].School, plan[r].Quota()
		}
		res.Outcomes[ai] = o
	}
	for j := range plan {
		rr := RowResult{Admitted: int(filled[j]), Last: int(last[j])}
		if last[j] >= 0 {
			rr.LowestTotal = apps[last[j]].Total
		}
		res.Rows[j] = rr
	}
	return res, nil
}

// compareTies orders two applicants of equal total: tie-break scores
// descending, then exam number ascending.
func compareTies(a, b *Applicant) int {
	for x := range a.TieBreak {
		if va, vb := a.TieBreak[x], b.TieBreak[x]; va != vb {
			if va > vb {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(a.ExamNo, b.ExamNo)
}

func lowerBound(q []quotaRow, junior int32) int {
	lo, hi := 0, len(q)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if q[m].junior < junior {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// compile validates the inputs and interns school and junior codes.
func compile(plan []PlanRow, apps []Applicant) (*compiled, error) {
	c := &compiled{}
	for j, r := range plan {
		switch {
		case r.Batch < 1:
			return nil, planErr(j, "batch", "批次必须是正整数，而不是 %d", "the batch must be a positive integer, not %d", r.Batch)
		case strings.TrimSpace(r.School) == "":
			return nil, planErr(j, "school", "学校代码为空", "the school code is empty")
		case r.Places < 0:
			return nil, planErr(j, "places", "计划数不能为负数（%d）", "places cannot be negative (%d)", r.Places)
		case r.Places > math.MaxInt32:
			return nil, planErr(j, "places", "计划数过大（%d）", "places is too large (%d)", r.Places)
		case r.HasMin && (math.IsNaN(r.MinScore) || math.IsInf(r.MinScore, 0)):
			return nil, planErr(j, "min_score", "最低控制线不是有效数字", "the minimum score is not a finite number")
		}
		if _, found := slices.BinarySearch(c.batches, r.Batch); !found {
			c.batches = append(c.batches, r.Batch)
			slices.Sort(c.batches)
		}
	}
	nb := len(c.batches)
	c.bsIndex = make([]map[string]int32, nb)
	for k := range c.bsIndex {
		c.bsIndex[k] = map[string]int32{}
	}
	batchPos := func(b int) int {
		k, found := slices.BinarySearch(c.batches, b)
		if !found {
			return -1
		}
		return k
	}
	juniors := map[string]int32{}
	rowBS := make([]int32, len(plan))
	for j, r := range plan {
		k := batchPos(r.Batch)
		bs, ok := c.bsIndex[k][r.School]
		if !ok {
			bs = int32(len(c.bsCode))
			c.bsIndex[k][r.School] = bs
			c.bsCode = append(c.bsCode, r.School)
			c.bsBatch = append(c.bsBatch, int32(k))
		}
		rowBS[j] = bs
		if r.Quota() {
			if _, ok := juniors[r.Junior]; !ok {
				juniors[r.Junior] = int32(len(juniors))
			}
		}
	}
	nbs := len(c.bsCode)
	c.quotaOff = make([]int32, nbs+1)
	c.genOff = make([]int32, nbs+1)
	for j, r := range plan {
		if r.Quota() {
			c.quotaOff[rowBS[j]+1]++
		} else {
			c.genOff[rowBS[j]+1]++
		}
	}
	for bs := 0; bs < nbs; bs++ {
		c.quotaOff[bs+1] += c.quotaOff[bs]
		c.genOff[bs+1] += c.genOff[bs]
	}
	c.quota = make([]quotaRow, c.quotaOff[nbs])
	c.general = make([]int32, c.genOff[nbs])
	qn := slices.Clone(c.quotaOff[:nbs])
	gn := slices.Clone(c.genOff[:nbs])
	for j, r := range plan {
		bs := rowBS[j]
		if r.Quota() {
			c.quota[qn[bs]] = quotaRow{junior: juniors[r.Junior], row: int32(j)}
			qn[bs]++
		} else {
			c.general[gn[bs]] = int32(j)
			gn[bs]++
		}
	}
	for bs := 0; bs < nbs; bs++ {
		q := c.quota[c.quotaOff[bs]:c.quotaOff[bs+1]]
		sort.SliceStable(q, func(a, b int) bool { return q[a].junior < q[b].junior })
	}

	// Applicants.
	if len(apps) > math.MaxInt32/2 {
		return nil, appErr(-1, "applicants", "考生人数过多", "too many applicants")
	}
	ntb := -1
	seen := make(map[string]int32, len(apps))
	c.juniorID = make([]int32, len(apps))
	c.choiceOff = make([]int32, len(apps)*nb+1)
	counted := 0
	for i := range apps {
		for _, bc := range apps[i].Choices {
			counted += len(bc.Schools)
		}
	}
	c.choices = make([]int32, 0, counted)
	stamp := make([]int32, nbs) // batch-school → 1 + the last applicant that listed it
	var byBatch [8]int
	for i := range apps {
		a := &apps[i]
		if a.ExamNo == "" {
			return nil, appErr(i, "exam_no", "准考证号为空", "the exam number is empty")
		}
		if first, dup := seen[a.ExamNo]; dup {
			return nil, appErr(i, "exam_no", "准考证号 %s 重复（第 %d 个考生已使用）", "exam number %s is repeated (already used by applicant %d)", a.ExamNo, first)
		}
		seen[a.ExamNo] = int32(i)
		if math.IsNaN(a.Total) || math.IsInf(a.Total, 0) {
			return nil, appErr(i, "total", "总分不是有效数字", "the total is not a finite number")
		}
		if ntb < 0 {
			ntb = len(a.TieBreak)
		}
		if len(a.TieBreak) != ntb {
			return nil, appErr(i, "tiebreak", "同分比较科目数为 %d，其他考生为 %d", "has %d tie-break scores where the others have %d", len(a.TieBreak), ntb)
		}
		for x, v := range a.TieBreak {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, appErr(i, "tiebreak["+strconv.Itoa(x)+"]", "同分比较成绩不是有效数字", "the tie-break score is not a finite number")
			}
		}
		c.juniorID[i] = -1
		if a.Junior != "" {
			if id, ok := juniors[a.Junior]; ok {
				c.juniorID[i] = id
			}
		}
		// Lists by batch position; Choices may come in any order.
		pos := byBatch[:0]
		if nb > len(byBatch) {
			pos = make([]int, 0, nb)
		}
		for k := 0; k < nb; k++ {
			pos = append(pos, -1)
		}
		for x, bc := range a.Choices {
			col := BatchColumn(bc.Batch)
			k := batchPos(bc.Batch)
			if k < 0 {
				return nil, appErr(i, col, "第 %d 批次没有招生计划", "batch %d has no rows in the plan", bc.Batch)
			}
			if pos[k] >= 0 {
				return nil, appErr(i, col, "第 %d 批次的志愿出现了两次", "the choices for batch %d are given twice", bc.Batch)
			}
			pos[k] = x
		}
		for k := 0; k < nb; k++ {
			c.choiceOff[i*nb+k] = int32(len(c.choices))
			if pos[k] < 0 {
				continue
			}
			bc := a.Choices[pos[k]]
			for _, s := range bc.Schools {
				bs, ok := c.bsIndex[k][s]
				if !ok {
					return nil, appErr(i, BatchColumn(bc.Batch), "志愿学校 %q 在第 %d 批次没有招生计划", "school %q has no places in batch %d", s, bc.Batch)
				}
				if stamp[bs] == int32(i)+1 {
					return nil, appErr(i, BatchColumn(bc.Batch), "志愿学校 %s 填报了两次", "school %s is listed twice", s)
				}
				stamp[bs] = int32(i) + 1
				c.choices = append(c.choices, bs)
			}
		}
	}
	c.choiceOff[len(apps)*nb] = int32(len(c.choices))
	return c, nil
}

// Batches lists the distinct batch numbers of a plan, ascending.
func Batches(plan []PlanRow) []int {
	var bs []int
	for _, r := range plan {
		bs = append(bs, r.Batch)
	}
	slices.Sort(bs)
	return slices.Compact(bs)
}

// ByExamNo returns the indexes of the applicants sorted by exam number, the
// order of the results file.
func ByExamNo(apps []Applicant) []int {
	idx := make([]int, len(apps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(apps[a].ExamNo, apps[b].ExamNo) })
	return idx
}
