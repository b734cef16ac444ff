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

// compiled is the plan and the choices with school codes interned to ints and
// the applicants' data laid out in rank order, so that the placement loop
// touches no map and no string and walks memory sequentially.
type compiled struct {
	batches []int       // distinct batch numbers, ascending
	codes   []codeTable // per batch position: school code → batch-school id
	bsCode  []string    // batch-school id → school code
	// rows of a batch-school: quota rows sorted by (junior id, file order) in
	// quota[quotaOff[bs]:quotaOff[bs+1]], general rows in file order likewise.
	quotaOff, genOff []int32
	quota            []quotaRow
	general          []int32
	juniors          codeTable // junior codes of the quota rows → junior id

	// Per rank position p (0 = first):
	order     []int32   // the applicant at p
	totals    []float64 // their total
	juniorID  []int32   // their junior school's id, or -1 when no quota row names it
	choiceOff []int32   // their choices for batch position k: choices[choiceOff[p*nb+k]:choiceOff[p*nb+k+1]]
	choices   []int32   // batch-school ids

	byExam []int32 // applicant indexes by exam number
}

type quotaRow struct{ junior, row int32 }

// Place runs the 平行志愿 placement. Batches run in ascending order; in each
// batch the applicants not yet placed are taken in order of Total descending,
// then each TieBreak score descending in order, then ExamNo ascending
// (bytewise). Each in turn is placed at the first school of their list for
// that batch where a row has a seat for them: first the school's quota rows
// for the applicant's own junior school, then the school's general rows, each
// kind in plan order; a row has a seat when fewer than Places took it and the
// applicant's total is at least its MinScore (when it has one). Quota rows of
// other junior schools are never open to the applicant. A placed applicant
// leaves the later batches.
//
// With one common ranking this is serial dictatorship, which equals
// student-proposing deferred acceptance: the result is stable (no applicant
// would rather have a seat that stayed free or went to someone ranked lower).
//
// Inputs are validated first: a school code in a list must have plan rows in
// that batch and appear once in the list; exam numbers must be unique and
// non-empty; every applicant has as many tie-break scores. The first problem
// in plan order, then in applicant order, is returned as an *InputError.
func Place(plan []PlanRow, apps []Applicant) (Result, error) {
	c := &compiled{}
	if err := c.compilePlan(plan); err != nil {
		return Result{}, err
	}
	if err := c.checkApplicants(apps); err != nil {
		// A bad list of schools earlier in the file comes first.
		if ie, ok := err.(*InputError); ok && ie.Applicant > 0 {
			if cerr := c.choiceErrorBefore(apps, ie.Applicant); cerr != nil {
				return Result{}, cerr
			}
		}
		return Result{}, err
	}
	c.rank(apps)
	if err := c.internChoices(apps); err != nil {
		return Result{}, err
	}
	n := len(apps)
	nb := len(c.batches)

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
	last := make([]int32, len(plan)) // rank position of the last admitted
	for j := range last {
		last[j] = -1
	}
	seat := make([]int32, n) // by rank position: plan row taken, or -1
	for p := range seat {
		seat[p] = -1
	}

	for k := 0; k < nb; k++ {
		for p := 0; p < n; p++ {
			if seat[p] >= 0 {
				continue
			}
			list := c.choices[c.choiceOff[p*nb+k]:c.choiceOff[p*nb+k+1]]
			if len(list) == 0 {
				continue
			}
			t := c.totals[p]
			jr := c.juniorID[p]
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
				seat[p] = r
				filled[r]++
				last[r] = int32(p)
			}
		}
	}

	res := Result{Plan: plan, Applicants: apps, Outcomes: make([]Outcome, n), Rows: make([]RowResult, len(plan)), c: c}
	for p, ai := range c.order {
		o := Outcome{Rank: p + 1, Row: int(seat[p])}
		if r := seat[p]; r >= 0 {
			o.Batch, o.School, o.Quota = plan[r].Batch, plan[r].School, plan[r].Quota()
		}
		res.Outcomes[ai] = o
	}
	for j := range plan {
		rr := RowResult{Admitted: int(filled[j]), Last: -1}
		if p := last[j]; p >= 0 {
			rr.Last = int(c.order[p])
			rr.LowestTotal = c.totals[p]
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

// codeTable interns codes: open addressing with linear probing, FNV-1a,
// at most half full. Faster than a map for millions of short lookups.
type codeTable struct {
	keys []string
	vals []int32 // -1: empty slot
	mask uint32
	n    int
}

func newCodeTable(capacity int) codeTable {
	size := 8
	for size < 2*capacity+2 {
		size *= 2
	}
	t := codeTable{keys: make([]string, size), vals: make([]int32, size), mask: uint32(size - 1)}
	for i := range t.vals {
		t.vals[i] = -1
	}
	return t
}

func hashCode(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func (t *codeTable) get(s string) (int32, bool) {
	for i := hashCode(s) & t.mask; ; i = (i + 1) & t.mask {
		v := t.vals[i]
		if v < 0 {
			return -1, false
		}
		if t.keys[i] == s {
			return v, true
		}
	}
}

// put adds s with value v; the table was sized for every code it will hold.
func (t *codeTable) put(s string, v int32) {
	i := hashCode(s) & t.mask
	for t.vals[i] >= 0 {
		i = (i + 1) & t.mask
	}
	t.keys[i], t.vals[i] = s, v
	t.n++
}

// compilePlan validates the plan and interns its school and junior codes.
func (c *compiled) compilePlan(plan []PlanRow) error {
	for j, r := range plan {
		switch {
		case r.Batch < 1:
			return planErr(j, "batch", "批次必须是正整数，而不是 %d", "the batch must be a positive integer, not %d", r.Batch)
		case strings.TrimSpace(r.School) == "":
			return planErr(j, "school", "学校代码为空", "the school code is empty")
		case r.Places < 0:
			return planErr(j, "places", "计划数不能为负数（%d）", "places cannot be negative (%d)", r.Places)
		case r.Places > math.MaxInt32:
			return planErr(j, "places", "计划数过大（%d）", "places is too large (%d)", r.Places)
		case r.HasMin && (math.IsNaN(r.MinScore) || math.IsInf(r.MinScore, 0)):
			return planErr(j, "min_score", "最低控制线不是有效数字", "the minimum score is not a finite number")
		}
	}
	c.batches = Batches(plan)
	nb := len(c.batches)
	c.codes = make([]codeTable, nb)
	for k := range c.codes {
		c.codes[k] = newCodeTable(len(plan))
	}
	c.juniors = newCodeTable(len(plan))
	rowBS := make([]int32, len(plan))
	for j, r := range plan {
		k := c.batchPos(r.Batch)
		bs, ok := c.codes[k].get(r.School)
		if !ok {
			bs = int32(len(c.bsCode))
			c.codes[k].put(r.School, bs)
			c.bsCode = append(c.bsCode, r.School)
		}
		rowBS[j] = bs
		if r.Quota() {
			if _, ok := c.juniors.get(r.Junior); !ok {
				c.juniors.put(r.Junior, int32(c.juniors.n))
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
			id, _ := c.juniors.get(r.Junior)
			c.quota[qn[bs]] = quotaRow{junior: id, row: int32(j)}
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
	return nil
}

func (c *compiled) batchPos(b int) int {
	k, found := slices.BinarySearch(c.batches, b)
	if !found {
		return -1
	}
	return k
}

// checkApplicants validates everything about the applicants but their
// schools, reporting the first problem in applicant order.
func (c *compiled) checkApplicants(apps []Applicant) error {
	if len(apps) > math.MaxInt32/max(1, 2*len(c.batches)) {
		return appErr(-1, "applicants", "考生人数过多", "too many applicants")
	}
	// Repeated exam numbers, found by sorting (which the results file needs anyway).
	c.byExam = make([]int32, len(apps))
	for i := range c.byExam {
		c.byExam[i] = int32(i)
	}
	slices.SortFunc(c.byExam, func(a, b int32) int {
		if x := strings.Compare(apps[a].ExamNo, apps[b].ExamNo); x != 0 {
			return x
		}
		return cmp.Compare(a, b)
	})
	dup, dupOf := -1, -1 // the first applicant, in file order, whose exam number was used before
	for x := 1; x < len(c.byExam); x++ {
		a, b := c.byExam[x-1], c.byExam[x]
		if apps[a].ExamNo == apps[b].ExamNo && (x < 2 || apps[c.byExam[x-2]].ExamNo != apps[a].ExamNo) {
			if dup < 0 || int(b) < dup {
				dup, dupOf = int(b), int(a)
			}
		}
	}
	ntb := -1
	for i := range apps {
		a := &apps[i]
		if a.ExamNo == "" {
			return appErr(i, "exam_no", "准考证号为空", "the exam number is empty")
		}
		if i == dup {
			return appErr(i, "exam_no", "准考证号 %s 重复（第 %d 个考生已使用）", "exam number %s is repeated (already used by applicant %d)", a.ExamNo, dupOf)
		}
		if math.IsNaN(a.Total) || math.IsInf(a.Total, 0) {
			return appErr(i, "total", "总分不是有效数字", "the total is not a finite number")
		}
		if ntb < 0 {
			ntb = len(a.TieBreak)
		}
		if len(a.TieBreak) != ntb {
			return appErr(i, "tiebreak", "同分比较成绩有 %d 项，其他考生有 %d 项", "has %d tie-break scores where the others have %d", len(a.TieBreak), ntb)
		}
		for x, v := range a.TieBreak {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return appErr(i, "tiebreak["+strconv.Itoa(x)+"]", "同分比较成绩不是有效数字", "the tie-break score is not a finite number")
			}
		}
		for x, bc := range a.Choices {
			if c.batchPos(bc.Batch) < 0 {
				return appErr(i, BatchColumn(bc.Batch), "第 %d 批次没有招生计划", "batch %d has no rows in the plan", bc.Batch)
			}
			for _, prev := range a.Choices[:x] {
				if prev.Batch == bc.Batch {
					return appErr(i, BatchColumn(bc.Batch), "第 %d 批次的志愿出现了两次", "the choices for batch %d are given twice", bc.Batch)
				}
			}
		}
	}
	return nil
}

// rankKey orders by total descending: the bits of the total, turned so that
// unsigned order is descending numeric order.
type rankKey struct {
	t uint64
	i int32
}

func descending(x float64) uint64 {
	if x == 0 {
		x = 0 // -0 ties with +0
	}
	b := math.Float64bits(x)
	if b>>63 != 0 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	return ^b
}

// rank sorts the applicants once (the ranking is the same in every batch) and
// lays out totals and juniors in rank order. The sort compares compact keys:
// the total, then the tie-break scores copied into one flat array.
func (c *compiled) rank(apps []Applicant) {
	keys := make([]rankKey, len(apps))
	ntb := 0
	if len(apps) > 0 {
		ntb = len(apps[0].TieBreak)
	}
	tb := make([]uint64, len(apps)*ntb)
	for i := range apps {
		keys[i] = rankKey{descending(apps[i].Total), int32(i)}
		for x, v := range apps[i].TieBreak {
			tb[i*ntb+x] = descending(v)
		}
	}
	slices.SortFunc(keys, func(a, b rankKey) int {
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		if x := slices.Compare(tb[int(a.i)*ntb:int(a.i)*ntb+ntb], tb[int(b.i)*ntb:int(b.i)*ntb+ntb]); x != 0 {
			return x
		}
		return strings.Compare(apps[a.i].ExamNo, apps[b.i].ExamNo)
	})
	c.order = make([]int32, len(apps))
	c.totals = make([]float64, len(apps))
	c.juniorID = make([]int32, len(apps))
	for p, k := range keys {
		a := &apps[k.i]
		c.order[p], c.totals[p], c.juniorID[p] = k.i, a.Total, -1
		if a.Junior != "" {
			if id, ok := c.juniors.get(a.Junior); ok {
				c.juniorID[p] = id
			}
		}
	}
}

// internChoices turns every list of school codes into batch-school ids laid
// out in rank order for the placement loop. It reads the applicants in file
// order (sequential memory, and the first problem in file order is the one
// reported) and writes each applicant's ids straight to their rank's place.
func (c *compiled) internChoices(apps []Applicant) error {
	nb := len(c.batches)
	n := len(apps)
	count := make([]int32, n*nb) // by applicant and batch position
	total := 0
	for i := range apps {
		for _, bc := range apps[i].Choices {
			count[i*nb+c.batchPos(bc.Batch)] = int32(len(bc.Schools))
			if total += len(bc.Schools); total > math.MaxInt32 {
				return appErr(i, BatchColumn(bc.Batch), "志愿总数过多", "too many choices in all")
			}
		}
	}
	c.choiceOff = make([]int32, n*nb+1)
	rankOf := make([]int32, n)
	off := int32(0)
	for p, ai := range c.order {
		rankOf[ai] = int32(p)
		for k := 0; k < nb; k++ {
			c.choiceOff[p*nb+k] = off
			off += count[int(ai)*nb+k]
		}
	}
	c.choiceOff[n*nb] = off
	c.choices = make([]int32, off)
	stamp := make([]int32, len(c.bsCode)) // batch-school → 1 + the last applicant that listed it
	for i := range apps {
		p := int(rankOf[i])
		for k := 0; k < nb; k++ {
			from, to := c.choiceOff[p*nb+k], c.choiceOff[p*nb+k+1]
			// Capacity is exactly the list's length: append writes in place.
			if _, err := c.appendChoices(c.choices[from:from:to], &apps[i], i, k, stamp, int32(i)+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// choiceErrorBefore returns the first problem with the lists of schools of
// the applicants before end, or nil.
func (c *compiled) choiceErrorBefore(apps []Applicant, end int) error {
	stamp := make([]int32, len(c.bsCode))
	var scratch []int32
	for i := range apps[:end] {
		for k := range c.batches {
			var err error
			if scratch, err = c.appendChoices(scratch[:0], &apps[i], i, k, stamp, int32(i)+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendChoices appends applicant i's interned list for batch position k.
func (c *compiled) appendChoices(dst []int32, a *Applicant, i, k int, stamp []int32, mark int32) ([]int32, error) {
	b := c.batches[k]
	for _, bc := range a.Choices {
		if bc.Batch != b {
			continue
		}
		for _, s := range bc.Schools {
			bs, ok := c.codes[k].get(s)
			if !ok {
				return dst, appErr(i, BatchColumn(b), "志愿学校 %q 在第 %d 批次没有招生计划", "school %q has no places in batch %d", s, b)
			}
			if stamp[bs] == mark {
				return dst, appErr(i, BatchColumn(b), "志愿学校 %s 填报了两次", "school %s is listed twice", s)
			}
			stamp[bs] = mark
			dst = append(dst, bs)
		}
	}
	return dst, nil
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

// ByExamNo returns the indexes of the applicants sorted by exam number.
func (res *Result) ByExamNo() []int {
	if res.c == nil {
		return ByExamNo(res.Applicants)
	}
	idx := make([]int, len(res.c.byExam))
	for x, i := range res.c.byExam {
		idx[x] = int(i)
	}
	return idx
}
