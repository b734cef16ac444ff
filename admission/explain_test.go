package admission

import (
	"slices"
	"testing"
)

func TestExplain(t *testing.T) {
	plan := []PlanRow{
		gen(1, "S003", 1),
		withMin(gen(1, "S004", 5), 650),
		gen(1, "S005", 0),
		quota(1, "S006", "J9", 2),
		quota(1, "S007", "J1", 1), gen(1, "S007", 1),
		gen(1, "S008", 9),
		gen(2, "S009", 1),
	}
	apps := []Applicant{
		app("A", "J2", 612, []float64{90}, "1:S003"),
		app("B", "J1", 608.5, []float64{80}, "1:S003|S004|S005|S006|S007|S008"),
		app("C", "J1", 640, nil, "1:S007"),
		app("D", "J2", 630, nil, "1:S007"),
		app("E", "J2", 612, []float64{80}, "1:S003", "2:S009"),
		app("F", "J2", 100, []float64{0}),
		app("G", "J2", 612, []float64{70}, "1:S003", "2:S009"),
	}
	for i := range apps {
		if apps[i].TieBreak == nil {
			apps[i].TieBreak = []float64{0}
		}
	}
	res, err := Place(plan, apps)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		outcomeEN string
		reasonsEN []string
		reasonZH0 string
	}
	tests := map[string]want{
		"A": {outcomeEN: "admitted to S003 (batch 1, general seat)"},
		"B": {
			outcomeEN: "admitted to S008 (batch 1, general seat)",
			reasonsEN: []string{
				"not admitted to S003 (batch 1): its last place went to 612.0; your total is 608.5",
				"not admitted to S004 (batch 1): its minimum score is 650.0; your total is 608.5",
				"not admitted to S005 (batch 1): it has no places in this batch; your total is 608.5",
				"not admitted to S006 (batch 1): its places in this batch are quotas for other junior schools",
				"not admitted to S007 (batch 1): quota for J1: the last place went to 640.0; general places: the last place went to 630.0; your total is 608.5",
			},
			reasonZH0: "未被 S003 录取（第 1 批次）：其最后一个名额给了总分 612.0 的考生；你的总分为 608.5",
		},
		"C": {outcomeEN: "admitted to S007 (batch 1, quota seat for J1)"},
		"E": {
			outcomeEN: "admitted to S009 (batch 2, general seat)",
			reasonsEN: []string{"not admitted to S003 (batch 1): its last place went to 612.0 (same total, ranked ahead of you by the tie-break rules); your total is 612.0"},
		},
		"F": {outcomeEN: "not admitted: no choices were listed"},
		"G": {
			outcomeEN: "not admitted: none of the schools listed had a seat for you",
			reasonsEN: []string{
				"not admitted to S003 (batch 1): its last place went to 612.0 (same total, ranked ahead of you by the tie-break rules); your total is 612.0",
				"not admitted to S009 (batch 2): its last place went to 612.0 (same total, ranked ahead of you by the tie-break rules); your total is 612.0",
			},
		},
	}
	for i, a := range apps {
		w, ok := tests[a.ExamNo]
		if !ok {
			continue
		}
		ex := res.Explain(i)
		if ex.ExamNo != a.ExamNo || ex.Outcome.EN != w.outcomeEN {
			t.Errorf("%s: outcome %q, want %q", a.ExamNo, ex.Outcome.EN, w.outcomeEN)
		}
		var got []string
		for _, r := range ex.Reasons {
			got = append(got, r.Text.EN)
			if r.Text.ZH == "" || r.Text.ZH == r.Text.EN {
				t.Errorf("%s: no Chinese text for %q", a.ExamNo, r.Text.EN)
			}
		}
		if !slices.Equal(got, w.reasonsEN) {
			t.Errorf("%s: reasons\n%q\nwant\n%q", a.ExamNo, got, w.reasonsEN)
		}
		if w.reasonZH0 != "" && ex.Reasons[0].Text.ZH != w.reasonZH0 {
			t.Errorf("%s: zh %q, want %q", a.ExamNo, ex.Reasons[0].Text.ZH, w.reasonZH0)
		}
	}
	// The causes are there for machines too.
	b := res.Explain(1)
	kinds := []CauseKind{}
	for _, r := range b.Reasons {
		for _, c := range r.Causes {
			kinds = append(kinds, c.Kind)
		}
	}
	if want := []CauseKind{CauseFull, CauseBelowMin, CauseNoPlaces, CauseOtherJuniors, CauseFull, CauseFull}; !slices.Equal(kinds, want) {
		t.Errorf("causes %v, want %v", kinds, want)
	}
}
