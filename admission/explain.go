package admission

import (
	"strings"

	"edubureau/i18n"
)

// CauseKind says why one plan row did not take an applicant.
type CauseKind string

const (
	CauseFull         CauseKind = "full"          // every seat went to applicants ranked higher
	CauseBelowMin     CauseKind = "below_min"     // the applicant's total is under the row's minimum score
	CauseNoPlaces     CauseKind = "no_places"     // the row offers no places at all
	CauseOtherJuniors CauseKind = "other_juniors" // the school's only rows in the batch are quotas for other junior schools
)

// Cause is why one plan row did not take the applicant.
type Cause struct {
	Row      int // plan row, or -1 for CauseOtherJuniors
	Kind     CauseKind
	Lowest   float64 // CauseFull: the total of the last applicant admitted
	MinScore float64 // CauseBelowMin: the row's minimum score
}

// Reason is why an applicant was not admitted to one school ranked above the
// place they got (or to any school they listed, when they got none).
type Reason struct {
	Batch  int
	School string
	Causes []Cause // one per row the applicant could have taken at that school
	Text   i18n.Text
}

// Explanation is what the bureau tells one student about their placement.
type Explanation struct {
	ExamNo  string
	Outcome i18n.Text
	Reasons []Reason // in the order the student listed the schools, batch by batch
}

// Explain says where applicant i was placed and, for each school the student
// listed above it (all schools of earlier batches, the schools before it in its
// batch; every school listed when the student got no seat), why not there.
func (res *Result) Explain(i int) Explanation {
	a := &res.Applicants[i]
	o := res.Outcomes[i]
	c := res.c
	nb := len(c.batches)
	ex := Explanation{ExamNo: a.ExamNo}
	total := scoreText(a.Total)
	listed := 0
	for k := 0; k < nb; k++ {
		if o.Placed() && c.batches[k] > o.Batch {
			break
		}
		base := (o.Rank-1)*nb + k
		list := c.choices[c.choiceOff[base]:c.choiceOff[base+1]]
		listed += len(list)
		for _, bs := range list {
			code := c.bsCode[bs]
			if o.Placed() && c.batches[k] == o.Batch && code == o.School {
				break
			}
			ex.Reasons = append(ex.Reasons, res.reason(a, c.juniorID[o.Rank-1], c.batches[k], bs, o.Rank, total))
		}
	}
	switch {
	case o.Placed() && o.Quota:
		ex.Outcome = i18n.T("被 %s 录取（第 %d 批次，%s 的指标到校名额）", "admitted to %s (batch %d, quota seat for %s)", o.School, o.Batch, a.Junior)
	case o.Placed():
		ex.Outcome = i18n.T("被 %s 录取（第 %d 批次，统招名额）", "admitted to %s (batch %d, general seat)", o.School, o.Batch)
	case listed == 0:
		ex.Outcome = i18n.T("未被录取：没有填报志愿", "not admitted: no choices were listed")
	default:
		ex.Outcome = i18n.T("未被录取：所填志愿学校都没有可录取的名额", "not admitted: none of the schools listed had a seat for you")
	}
	return ex
}

func (res *Result) reason(a *Applicant, junior int32, batch int, bs int32, rank int, total string) Reason {
	c := res.c
	code := c.bsCode[bs]
	r := Reason{Batch: batch, School: code}
	var rows []int32
	if junior >= 0 {
		q := c.quota[c.quotaOff[bs]:c.quotaOff[bs+1]]
		for x := lowerBound(q, junior); x < len(q) && q[x].junior == junior; x++ {
			rows = append(rows, q[x].row)
		}
	}
	nquota := len(rows)
	rows = append(rows, c.general[c.genOff[bs]:c.genOff[bs+1]]...)
	var zh, en strings.Builder
	head := i18n.T("未被 %s 录取（第 %d 批次）：", "not admitted to %s (batch %d): ", code, batch)
	zh.WriteString(head.ZH)
	en.WriteString(head.EN)
	if len(rows) == 0 {
		r.Causes = []Cause{{Row: -1, Kind: CauseOtherJuniors}}
		t := i18n.T("该校本批次的名额都是其他初中的指标到校名额", "its places in this batch are quotas for other junior schools")
		zh.WriteString(t.ZH)
		en.WriteString(t.EN)
		r.Text = i18n.Text{ZH: zh.String(), EN: en.String()}
		return r
	}
	labelled := len(rows) > 1
	ngen := len(rows) - nquota
	for x, row := range rows {
		p := res.Plan[row]
		rr := res.Rows[row]
		cause := Cause{Row: int(row)}
		var t i18n.Text
		switch {
		case p.Places == 0:
			cause.Kind = CauseNoPlaces
			t = i18n.T("没有名额", "no places")
			if !labelled {
				t = i18n.T("本批次没有名额", "it has no places in this batch")
			}
		case p.HasMin && a.Total < p.MinScore:
			cause.Kind, cause.MinScore = CauseBelowMin, p.MinScore
			t = i18n.T("最低控制线为 %s", "the minimum score is %s", scoreText(p.MinScore))
			if !labelled {
				t = i18n.T("其最低控制线为 %s", "its minimum score is %s", scoreText(p.MinScore))
			}
		default:
			// The row was full when the applicant's turn came: every seat
			// went to someone ranked higher.
			cause.Kind, cause.Lowest = CauseFull, rr.LowestTotal
			if rr.Admitted == 0 {
				t = i18n.T("名额已满", "no seat was left")
				break
			}
			t = i18n.T("最后一个名额给了总分 %s 的考生", "the last place went to %s", scoreText(rr.LowestTotal))
			if !labelled {
				t = i18n.T("其最后一个名额给了总分 %s 的考生", "its last place went to %s", scoreText(rr.LowestTotal))
			}
			if rr.LowestTotal == a.Total && rr.Last >= 0 && res.Outcomes[rr.Last].Rank < rank {
				t.ZH += "（同分，按同分比较规则排在你之前）"
				t.EN += " (same total, ranked ahead of you by the tie-break rules)"
			}
		}
		r.Causes = append(r.Causes, cause)
		if x > 0 {
			zh.WriteString("；")
			en.WriteString("; ")
		}
		if labelled {
			var l i18n.Text
			switch {
			case x < nquota:
				l = i18n.T("%s 的指标到校名额", "quota for %s", p.Junior)
			case ngen > 1:
				l = i18n.T("统招名额（计划第 %d 行）", "general places (plan row %d)", int(row)+1)
			default:
				l = i18n.T("统招名额", "general places")
			}
			zh.WriteString(l.ZH + "：")
			en.WriteString(l.EN + ": ")
		}
		zh.WriteString(t.ZH)
		en.WriteString(t.EN)
	}
	tail := i18n.T("；你的总分为 %s", "; your total is %s", total)
	zh.WriteString(tail.ZH)
	en.WriteString(tail.EN)
	r.Text = i18n.Text{ZH: zh.String(), EN: en.String()}
	return r
}
