package web

import (
	"strconv"
	"testing"
)

func TestPager(t *testing.T) {
	link := func(n int) string { return "/x?page=" + strconv.Itoa(n) }
	render := func(p pager) string {
		out := ""
		for _, l := range p.Pages {
			switch {
			case l.Gap:
				out += "… "
			case l.Current:
				out += "[" + strconv.Itoa(l.Num) + "] "
			default:
				out += strconv.Itoa(l.Num) + " "
			}
		}
		return out
	}
	for _, tc := range []struct {
		page, per, total int
		pages            string
		first, last      int
		prev, next       bool
	}{
		{1, 50, 0, "", 0, 0, false, false},
		{1, 50, 30, "", 1, 30, false, false},
		{1, 20, 325, "[1] 2 3 … 17 ", 1, 20, false, true},
		{9, 20, 325, "1 … 7 8 [9] 10 11 … 17 ", 161, 180, true, true},
		{17, 20, 325, "1 … 15 16 [17] ", 321, 325, true, false},
		{4, 10, 60, "1 2 3 [4] 5 6 ", 31, 40, true, true},
	} {
		p := newPager(tc.page, tc.per, tc.total, link)
		if got := render(p); got != tc.pages || p.First != tc.first || p.Last != tc.last || (p.Prev != "") != tc.prev || (p.Next != "") != tc.next {
			t.Errorf("page %d of %d/%d: %q %d–%d prev %q next %q", tc.page, tc.total, tc.per, got, p.First, p.Last, p.Prev, p.Next)
		}
	}
	if p := newPager(2, 10, 30, link); p.Prev != "/x?page=1" || p.Next != "/x?page=3" {
		t.Errorf("links: %+v", p)
	}
}
