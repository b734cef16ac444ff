package calendar

import (
	"bytes"
	"io/fs"
	"testing"
	"time"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-09-28", "2024-02-29", "2025-02-31", "0000-01-01", "9999-12-31", "2025-1-1", "abcd-ef-gh", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		if fromDays(d.days()) != d {
			t.Fatalf("%s does not survive day numbers", d)
		}
		tm := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		if DateOf(tm) != d || tm.Weekday() != d.Weekday() {
			t.Fatalf("%s disagrees with the time package", d)
		}
	})
}

func FuzzParseNotice(f *testing.F) {
	files, _ := fs.Glob(dataFS, "data/20*.json")
	for _, name := range files {
		b, _ := fs.ReadFile(dataFS, name)
		f.Add(b)
	}
	f.Add([]byte(notice("2025", okEntry, okEntry)))
	f.Add([]byte(notice("2023", `{"name":"元旦","date":"2022-12-31","isOffDay":true}`)))
	f.Add([]byte(notice("2025", `{"name":"x","date":"2025-10-08","isOffDay":false}`)))
	f.Add([]byte(`{"year": 2025, "days": [`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseNotice(bytes.NewReader(b), "fuzz.json")
		if err != nil {
			return
		}
		if len(n.Days) == 0 {
			t.Fatal("accepted a notice without days")
		}
		for i, e := range n.Days {
			if i > 0 && !n.Days[i-1].Date.Before(e.Date) {
				t.Fatalf("days not strictly increasing at %s", e.Date)
			}
			if !inNoticeYear(e.Date, n.Year) {
				t.Fatalf("%s accepted in the notice for %d", e.Date, n.Year)
			}
			wd := e.Date.Weekday()
			if _, known := returnToWork[e.Date]; !e.OffDay && !known && wd != time.Saturday && wd != time.Sunday {
				t.Fatalf("make-up workday on a %s accepted", wd)
			}
		}
		c, err := New(n)
		if err != nil {
			t.Fatalf("New refused a parsed notice: %v", err)
		}
		for _, e := range n.Days {
			if w, _ := c.IsWorkday(e.Date); w == e.OffDay {
				t.Fatalf("%s: IsWorkday = %v", e.Date, w)
			}
		}
	})
}
