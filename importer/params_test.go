package importer

import (
	"strings"
	"testing"
)

// A kind's parameters are checked like its columns: a key of its own, both labels.
func TestCheckSpecParams(t *testing.T) {
	spec := Spec{Name: "cohort", Columns: []Column{{Key: "exam_no", ZH: "准考证号", EN: "Exam number"}}}
	for _, tc := range []struct {
		params []Param
		bad    string
	}{
		{[]Param{{Key: "year", ZH: "入学年份", EN: "Year of entry"}, {Key: "tiebreak", ZH: "同分比较科目", EN: "Tie-break subjects"}}, ""},
		{[]Param{{Key: "mode", ZH: "方式", EN: "Mode"}}, "engine's own"},
		{[]Param{{Key: "year", ZH: "入学年份", EN: "Year"}, {Key: "year", ZH: "年份", EN: "Year"}}, "twice"},
		{[]Param{{Key: "Year", ZH: "入学年份", EN: "Year"}}, "lower-case"},
		{[]Param{{Key: "year", ZH: "入学年份"}}, "both labels"},
	} {
		spec.Params = tc.params
		err := CheckSpec(spec)
		if (err == nil) != (tc.bad == "") || err != nil && !strings.Contains(err.Error(), tc.bad) {
			t.Errorf("%+v: %v, want %q", tc.params, err, tc.bad)
		}
	}
	if (Options{Params: map[string]string{"year": "2026"}}).Param("year") != "2026" || (Options{}).Param("year") != "" {
		t.Error("Options.Param")
	}
}
