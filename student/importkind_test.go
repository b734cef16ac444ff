package student

import (
	"testing"

	"edubureau/importer"
)

func TestParseClassNumber(t *testing.T) {
	for in, want := range map[string]int{"2": 2, "02": 2, "2班": 2, "(2)班": 2, "（2）班": 2, "二班": 2, "三年级2班": 2, "三年级（12）班": 12, "高一(3)班": 3, "3.0": 3} {
		if got, ok := parseClassNumber(in); !ok || got != want {
			t.Errorf("%q: %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"甲班", "0", "100", "x"} {
		if _, ok := parseClassNumber(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestImportSpec(t *testing.T) {
	if err := importer.CheckSpec(ImportKind{}.Spec()); err != nil {
		t.Fatal(err)
	}
	// Every validation field of the record lands on a column of the file.
	spec := ImportKind{}.Spec()
	cols := map[string]bool{}
	for _, c := range spec.Columns {
		cols[c.Key] = true
	}
	for _, fld := range Fields {
		key := fld.Key
		if m, ok := importFields[key]; ok {
			key = m
		}
		if !cols[key] {
			t.Errorf("field %s has no column", fld.Key)
		}
	}
}
