package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// model is the slow, obviously right calendar the index is checked against:
// the notices' entries, the weekend rule, one day at a time.
type model struct {
	entries   map[Date]bool // date → working?
	published map[int]bool
}

func newModel(t testing.TB) model {
	notices, err := builtinNotices()
	if err != nil {
		t.Fatal(err)
	}
	m := model{entries: map[Date]bool{}, published: map[int]bool{}}
	for _, n := range notices {
		m.published[n.Year] = true
		for _, e := range n.Days {
			m.entries[e.Date] = !e.OffDay
		}
	}
	return m
}

func (m model) work(d Date) bool {
	if w, ok := m.entries[d]; ok {
		return w
	}
	return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
}

func (m model) settled(d Date) bool {
	if !m.published[d.Year()] {
		return false
	}
	return d.Month() != time.December || d.Day() < 25 || m.published[d.Year()+1]
}

func (m model) add(from Date, n int) (Date, bool) {
	d, prov := from, false
	for n > 0 {
		d = d.AddDays(1)
		prov = prov || !m.settled(d)
		if m.work(d) {
			n--
		}
	}
	return d, prov
}

func (m model) between(from, to Date) int {
	n := 0
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if m.work(d) {
			n++
		}
	}
	return n
}

func TestIsWorkday(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		date       string
		work, prov bool
	}{
		{"2025-09-26", true, false},  // Friday
		{"2025-09-27", false, false}, // Saturday
		{"2025-09-28", true, false},  // Sunday, make-up workday for National Day
		{"2025-10-01", false, false},
		{"2025-10-08", false, false}, // Wednesday, last day off
		{"2025-10-09", true, false},
		{"2025-10-11", true, false}, // Saturday make-up
		{"2025-01-26", true, false}, // Sunday make-up for Spring Festival
		{"2025-01-28", false, false},
		{"2025-02-04", false, false},
		{"2025-02-08", true, false}, // Saturday make-up
		{"2024-10-07", false, false},
		{"2024-10-12", true, false},
		{"2022-12-31", false, false}, // Saturday, listed by the 2023 notice
		{"2026-12-24", true, false},  // Thursday, before the year-end window
		{"2026-12-28", true, true},   // Monday: the 2027 notice may still move it
		{"2027-01-01", true, true},   // unpublished: weekend rule, provisional
		{"2027-01-02", false, true},
		{"2019-12-31", true, true},
		{"1999-12-31", true, true}, // outside the index
		{"2150-06-01", true, true},
	} {
		w, p := c.IsWorkday(day(tc.date))
		if w != tc.work || p != tc.prov {
			t.Errorf("IsWorkday(%s) = %v, %v; want %v, %v", tc.date, w, p, tc.work, tc.prov)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name, from string
		n          int
		want       string
		prov       bool
	}{
		{"the law's example: Friday → make-up Sunday", "2025-09-26", 1, "2025-09-28", false},
		{"zero", "2025-10-04", 0, "2025-10-04", false},
		// Spring Festival 2025: off 01-28…02-04, make-up Sunday 01-26 and Saturday 02-08.
		{"Spring Festival +1", "2025-01-24", 1, "2025-01-26", false},
		{"Spring Festival +2", "2025-01-24", 2, "2025-01-27", false},
		{"Spring Festival +3 jumps the holiday", "2025-01-24", 3, "2025-02-05", false},
		{"Spring Festival +6 lands on the make-up Saturday", "2025-01-24", 6, "2025-02-08", false},
		{"Spring Festival +7", "2025-01-24", 7, "2025-02-10", false},
		{"from inside the holiday", "2025-01-30", 1, "2025-02-05", false},
		// National Day 2024: off 10-01…10-07, make-up Sunday 09-29 and Saturday 10-12.
		{"National Day 2024 make-up Sunday", "2024-09-27", 1, "2024-09-29", false},
		{"National Day 2024 across", "2024-09-30", 1, "2024-10-08", false},
		{"National Day 2024 make-up Saturday", "2024-10-11", 1, "2024-10-12", false},
		// National Day 2025: off 10-01…10-08, make-up 09-28 and 10-11.
		{"National Day 2025 across", "2025-09-30", 1, "2025-10-09", false},
		{"National Day 2025 make-up Saturday", "2025-10-09", 2, "2025-10-11", false},
		{"20 working days across National Day 2025", "2025-09-15", 20, "2025-10-17", false},
		{"20 working days across National Day 2024", "2024-09-20", 20, "2024-10-23", false},
		{"into an unpublished year", "2026-12-20", 20, "2027-01-15", true},
		{"within 2026, before the window", "2026-12-01", 10, "2026-12-15", false},
		{"into the year-end window", "2026-12-21", 4, "2026-12-25", true},
		{"before the year-end window", "2026-12-21", 3, "2026-12-24", false},
		{"across published years and New Year 2023", "2022-12-28", 3, "2023-01-03", false},
		{"wholly unpublished", "2027-03-01", 5, "2027-03-08", true},
		{"out of a year with no notice", "2019-12-20", 5, "2019-12-27", true},
		{"far future, weekend rule", "2200-01-03", 5, "2200-01-10", true},
		{"backwards 1 from a working day", "2025-10-09", -1, "2025-09-30", false},
		{"backwards 1 from a holiday", "2025-10-05", -1, "2025-09-30", false},
		{"backwards 2 over the make-up Sunday", "2025-09-29", -2, "2025-09-26", false},
	} {
		got, prov := c.AddWorkdays(day(tc.from), tc.n)
		if got != day(tc.want) || prov != tc.prov {
			t.Errorf("%s: AddWorkdays(%s, %d) = %s, %v; want %s, %v", tc.name, tc.from, tc.n, got, prov, tc.want, tc.prov)
		}
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		from, to string
		want     int
		prov     bool
	}{
		{"2025-09-26", "2025-09-28", 1, false},
		{"2025-09-28", "2025-09-26", -1, false},
		{"2025-09-30", "2025-10-08", 0, false},
		{"2025-09-30", "2025-10-09", 1, false},
		{"2025-01-01", "2025-12-31", 248, false}, // 1 January is off, so this is the whole year
		{"2024-01-01", "2024-12-31", 251, false},
		{"2026-01-01", "2026-12-24", 248 - 5, false}, // 2026 has 248; 25–31 December hold 5
		{"2025-10-01", "2025-10-01", 0, false},
		{"2026-12-20", "2027-01-15", 20, true},
	} {
		got, prov := c.WorkdaysBetween(day(tc.from), day(tc.to))
		if got != tc.want || prov != tc.prov {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, %v; want %d, %v", tc.from, tc.to, got, prov, tc.want, tc.prov)
		}
	}
}

// The index agrees with the day-by-day model, and WorkdaysBetween inverts
// AddWorkdays, for random dates inside, around and far outside the data.
func TestAddWorkdaysProperty(t *testing.T) {
	c, m := Default(), newModel(t)
	rng := rand.New(rand.NewPCG(1, 2))
	base := day("2017-01-01").days()
	for i := 0; i < 20000; i++ {
		var z int
		switch i % 4 {
		case 0, 1, 2:
			z = base + rng.IntN(12*366) // 2017…2028
		default:
			z = day("1990-01-01").days() + rng.IntN(80000) // 1990…2208
		}
		from, n := fromDays(z), rng.IntN(300)
		got, prov := c.AddWorkdays(from, n)
		if i%4 != 3 || n < 60 { // keep the slow model to a few seconds
			want, wprov := m.add(from, n)
			if got != want || prov != wprov {
				t.Fatalf("AddWorkdays(%s, %d) = %s, %v; model %s, %v", from, n, got, prov, want, wprov)
			}
		}
		if back, _ := c.WorkdaysBetween(from, got); back != n {
			t.Fatalf("WorkdaysBetween(%s, AddWorkdays(%s, %d) = %s) = %d", from, from, n, got, back)
		}
		if back, _ := c.WorkdaysBetween(got, from); back != -n {
			t.Fatalf("WorkdaysBetween(%s, %s) = %d, want %d", got, from, back, -n)
		}
		if n > 0 {
			if w, _ := c.IsWorkday(got); !w {
				t.Fatalf("AddWorkdays(%s, %d) = %s is not a working day", from, n, got)
			}
			// Going back n working days from the result lands on the last working day ≤ from.
			back, _ := c.AddWorkdays(got, -n)
			if back.After(from) || m.between(back, from) != 0 {
				t.Fatalf("AddWorkdays(%s, -%d) = %s, from %s", got, n, back, from)
			}
		}
		to := fromDays(z + rng.IntN(200) - 50)
		if got, _ := c.WorkdaysBetween(from, to); !to.Before(from) && got != m.between(from, to) {
			t.Fatalf("WorkdaysBetween(%s, %s) = %d, model %d", from, to, got, m.between(from, to))
		}
	}
}

func TestWeekendRuleClosedForm(t *testing.T) {
	// W counts Monday–Friday; nthWeekday inverts it, across negative day numbers too.
	for z := -3000; z < 3000; z++ {
		w := weekdaysBefore(z+1) - weekdaysBefore(z)
		if (w == 1) != isWeekday(z) {
			t.Fatalf("day %d (%s): W step %d", z, fromDays(z).Weekday(), w)
		}
		if isWeekday(z) && nthWeekday(weekdaysBefore(z+1)) != z {
			t.Fatalf("nthWeekday(W(%d+1)) = %d", z, nthWeekday(weekdaysBefore(z+1)))
		}
	}
}

func TestNoNotices(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got, prov := c.AddWorkdays(day("2025-09-26"), 1); got != day("2025-09-29") || !prov {
		t.Errorf("weekend rule: %s, %v", got, prov)
	}
	if c.Published(2025) || len(c.Years()) != 0 {
		t.Error("nothing is published")
	}
}

func TestAddCalendarDays(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name, from string
		n          int
		want       string
		prov       bool
	}{
		{"ordinary", "2025-03-10", 60, "2025-05-09", false},
		{"last day on Labour Day moves past the holiday", "2025-03-03", 60, "2025-05-06", false},
		{"last day on National Day moves to the next working day", "2025-08-02", 60, "2025-10-09", false},
		{"last day on a make-up Saturday stays", "2025-09-11", 30, "2025-10-11", false},
		{"last day on a plain Sunday moves to Monday", "2025-06-06", 30, "2025-07-07", false},
		{"unpublished year", "2026-12-01", 60, "2027-02-01", true}, // 2027-01-30 is a Saturday
		{"last day in the year-end window", "2026-11-01", 60, "2026-12-31", true},
		{"published", "2026-10-01", 60, "2026-11-30", false},
	} {
		got, prov := c.AddCalendarDays(day(tc.from), tc.n)
		if got != day(tc.want) || prov != tc.prov {
			t.Errorf("%s: AddCalendarDays(%s, %d) = %s, %v; want %s, %v", tc.name, tc.from, tc.n, got, prov, tc.want, tc.prov)
		}
	}
}
