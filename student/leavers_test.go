package student

import (
	"slices"
	"testing"
)

// The leavers of a grade are at the schools whose last grade it is.
func TestLeaverTypes(t *testing.T) {
	for _, tc := range []struct {
		sys  System
		g    Grade
		want []string
	}{
		{SixThree, 6, []string{"primary"}},
		{FiveFour, 5, []string{"primary"}},
		{FiveFour, 6, nil},
		{SixThree, K3, []string{"kindergarten"}},
		{SixThree, 8, nil},
	} {
		if got := tc.sys.leaverTypes(tc.g); !slices.Equal(got, tc.want) {
			t.Errorf("%s grade %d: %v, want %v", tc.sys, tc.g, got, tc.want)
		}
	}
	if SixThree.LastPrimary() != 6 || FiveFour.LastPrimary() != 5 {
		t.Error("LastPrimary")
	}
}
