package calendar

import (
	"encoding/json"
	"testing"
	"time"
)

// day parses a test date or stops the test run.
func day(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2025-09-28", true},
		{"2024-02-29", true}, // leap year
		{"2000-02-29", true}, // divisible by 400
		{"0001-01-01", true},
		{"9999-12-31", true},
		{"2025-02-31", false},
		{"2023-02-29", false},
		{"1900-02-29", false}, // divisible by 100, not 400
		{"2025-04-31", false},
		{"2025-13-01", false},
		{"2025-00-10", false},
		{"2025-01-00", false},
		{"0000-01-01", false},
		{"2025-1-01", false},
		{"2025/01/01", false},
		{" 2025-01-01", false},
		{"2025-01-01T00:00:00Z", false},
		{"+025-01-01", false},
		{"２０２５-01-01", false},
		{"", false},
	} {
		d, err := ParseDate(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDate(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && d.String() != tc.in {
			t.Errorf("ParseDate(%q).String() = %q", tc.in, d.String())
		}
	}
}

// The day arithmetic must agree with the time package day by day over eight centuries.
func TestDayNumbersAgreeWithTime(t *testing.T) {
	start := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	z0 := DateOf(start).days()
	for i := 0; i < 800*366; i += 1 {
		tm := start.AddDate(0, 0, i)
		d := DateOf(tm)
		if got := d.days(); got != z0+i {
			t.Fatalf("%s.days() = %d, want %d", d, got, z0+i)
		}
		if got := fromDays(z0 + i); got != d {
			t.Fatalf("fromDays(%d) = %s, want %s", z0+i, got, d)
		}
		if d.Weekday() != tm.Weekday() {
			t.Fatalf("%s.Weekday() = %s, want %s", d, d.Weekday(), tm.Weekday())
		}
	}
	if z := day("1970-01-01").days(); z != 0 {
		t.Fatalf("epoch = %d", z)
	}
}

func TestDateArithmetic(t *testing.T) {
	d := day("2024-12-31")
	if got := d.AddDays(1); got != day("2025-01-01") {
		t.Errorf("AddDays(1) = %s", got)
	}
	if got := d.AddDays(-366); got != day("2023-12-31") {
		t.Errorf("AddDays(-366) = %s", got)
	}
	if n := DaysBetween(day("2025-01-01"), day("2025-03-01")); n != 59 {
		t.Errorf("DaysBetween = %d, want 59", n)
	}
	if n := DaysBetween(day("2025-03-01"), day("2025-01-01")); n != -59 {
		t.Errorf("DaysBetween backwards = %d, want -59", n)
	}
	a, b := day("2025-09-28"), day("2025-10-01")
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("ordering is wrong")
	}
	if day("2025-09-28").Weekday() != time.Sunday {
		t.Error("2025-09-28 is a Sunday")
	}
	if !(Date{}).IsZero() || a.IsZero() {
		t.Error("IsZero is wrong")
	}
	if y, m, dd := a.Year(), a.Month(), a.Day(); y != 2025 || m != time.September || dd != 28 {
		t.Errorf("parts = %d %d %d", y, m, dd)
	}
	loc := time.FixedZone("CST", 8*3600)
	if tm := a.In(loc); DateOf(tm) != a || tm.Hour() != 0 {
		t.Errorf("In = %v", tm)
	}
	if _, err := NewDate(2025, time.February, 29); err == nil {
		t.Error("NewDate(2025-02-29) accepted")
	}
}

func TestDateJSON(t *testing.T) {
	in := struct {
		Date Date `json:"date"`
	}{day("2025-10-11")}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `{"date":"2025-10-11"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var out struct {
		Date Date `json:"date"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Date != in.Date {
		t.Fatalf("Unmarshal = %v, %v", out.Date, err)
	}
	if err := json.Unmarshal([]byte(`{"date":"2025-02-31"}`), &out); err == nil {
		t.Fatal("Unmarshal accepted 2025-02-31")
	}
}
