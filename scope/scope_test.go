package scope

import (
	"reflect"
	"testing"
)

func TestSQL(t *testing.T) {
	for _, tc := range []struct {
		s     Scope
		where string
		args  []any
	}{
		{Everything, "1=1", nil},
		{Scope{}, "1=0", nil},
		{Area("430421"), "((county_code >= $3 AND county_code < $4))", []any{"430421", "430422"}},
		{Scope{Areas: []string{"430421"}, Schools: []string{"2143000001"}}, "((county_code >= $3 AND county_code < $4) OR code IN ($5))", []any{"430421", "430422", "2143000001"}},
	} {
		w, a := tc.s.SQL("county_code", "code", 3)
		if w != tc.where || !reflect.DeepEqual(a, tc.args) {
			t.Errorf("%+v: got %q %v", tc.s, w, a)
		}
	}
}

func TestReaches(t *testing.T) {
	s := Scope{Areas: []string{"430421"}, Schools: []string{"X"}}
	if !s.Reaches("430421", "Y") || !s.Reaches("430422", "X") || s.Reaches("430422", "Y") {
		t.Fatal("Reaches")
	}
	if (Scope{}).Reaches("430421", "X") {
		t.Fatal("zero scope reaches")
	}
}
