package calendar

import (
	"math/rand/v2"
	"strings"
	"testing"

	"edubureau/fault"
)

func TestDeadline(t *testing.T) {
	c := Default()
	resume := func(a, b string) Stop { return Stop{From: day(a), To: day(b)} }
	restart := func(a, b string) Stop { return Stop{From: day(a), To: day(b), Restart: true} }
	for _, tc := range []struct {
		name  string
		start string
		n     int
		unit  Unit
		stops []Stop
		ext   int
		want  string
		prov  bool
	}{
		// License Law Art. 42: 20 working days; the 20th is the make-up Sunday 2025-09-28.
		{"20 working days", "2025-09-01", 20, Workdays, nil, 0, "2025-09-28", false},
		// Art. 45: a hearing Wed 09-10 … Fri 09-12 (3 working days) does not count.
		{"resume after a hearing", "2025-09-01", 20, Workdays, []Stop{resume("2025-09-10", "2025-09-12")}, 0, "2025-10-09", false},
		// GIDR Art. 30: supplement asked 03-05, received Thu 03-20; 20 working days from then (Qingming 04-04 off).
		{"restart on supplement", "2025-03-03", 20, Workdays, []Stop{restart("2025-03-05", "2025-03-20")}, 0, "2025-04-18", false},
		{"two resumed stops", "2025-09-01", 20, Workdays,
			[]Stop{resume("2025-09-10", "2025-09-12"), resume("2025-09-22", "2025-09-23")}, 0, "2025-10-11", false},
		{"restart then resume", "2025-03-03", 20, Workdays,
			[]Stop{restart("2025-03-05", "2025-03-20"), resume("2025-04-01", "2025-04-03")}, 0, "2025-04-23", false},
		{"a restart discards an earlier resume", "2025-03-03", 20, Workdays,
			[]Stop{resume("2025-03-05", "2025-03-06"), restart("2025-03-10", "2025-03-20")}, 0, "2025-04-18", false},
		{"stops in any order", "2025-09-01", 20, Workdays,
			[]Stop{resume("2025-09-22", "2025-09-23"), resume("2025-09-10", "2025-09-12")}, 0, "2025-10-11", false},
		{"adjacent stops", "2025-09-01", 20, Workdays,
			[]Stop{resume("2025-09-10", "2025-09-12"), resume("2025-09-13", "2025-09-15")}, 0, "2025-10-10", false},
		// Art. 42: extended once by 10 working days, after a resumed stop.
		{"stop then extension", "2025-09-01", 20, Workdays, []Stop{resume("2025-09-10", "2025-09-12")}, 10, "2025-10-22", false},
		{"extension only", "2025-09-01", 20, Workdays, nil, 10, "2025-10-17", false},
		{"a stop after the period ran out changes nothing", "2025-09-01", 20, Workdays,
			[]Stop{resume("2025-11-03", "2025-11-05")}, 0, "2025-09-28", false},
		{"a stop from the next day", "2025-09-01", 5, Workdays, []Stop{resume("2025-09-02", "2025-09-03")}, 0, "2025-09-10", false},
		{"a stop over holidays only costs nothing", "2025-09-26", 5, Workdays,
			[]Stop{resume("2025-10-01", "2025-10-08")}, 0, "2025-10-10", false},
		// Reconsideration Law: 60 calendar days; the 60th, 10-01, is a holiday → first working day after.
		{"calendar days, rolled past National Day", "2025-08-02", 60, CalendarDays, nil, 0, "2025-10-09", false},
		{"calendar days, resume", "2025-03-10", 60, CalendarDays, []Stop{resume("2025-03-20", "2025-03-29")}, 0, "2025-05-19", false},
		{"calendar days, restart", "2025-03-10", 60, CalendarDays, []Stop{restart("2025-03-20", "2025-03-29")}, 0, "2025-05-28", false},
		{"calendar days, extension 30 rolled off a Sunday", "2025-03-10", 60, CalendarDays, nil, 30, "2025-06-09", false},
		{"into the year-end window", "2026-12-01", 20, Workdays, []Stop{resume("2026-12-07", "2026-12-08")}, 0, "2026-12-31", true},
		{"into an unpublished year", "2026-12-01", 20, Workdays, nil, 10, "2027-01-12", true},
		{"calendar days ending in an unpublished year", "2026-12-01", 60, CalendarDays, nil, 0, "2027-02-01", true},
		// 2019-12-01 + 60 = 2020-01-30, inside the extended 2020 Spring Festival → Monday 02-03.
		{"calendar days: unpublished days in between do not matter", "2019-12-01", 60, CalendarDays, nil, 0, "2020-02-03", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			due, prov, err := c.Deadline(day(tc.start), tc.n, tc.unit, tc.stops, tc.ext)
			if err != nil {
				t.Fatal(err)
			}
			if due != day(tc.want) || prov != tc.prov {
				t.Errorf("Deadline = %s, %v; want %s, %v", due, prov, tc.want, tc.prov)
			}
		})
	}
}

func TestDeadlineInvalid(t *testing.T) {
	c := Default()
	start := day("2025-09-01")
	st := func(a, b string) []Stop { return []Stop{{From: day(a), To: day(b)}} }
	for _, tc := range []struct {
		name  string
		n     int
		unit  Unit
		stops []Stop
		ext   int
		want  string
	}{
		{"overlapping stops", 20, Workdays, []Stop{{From: day("2025-09-10"), To: day("2025-09-15")}, {From: day("2025-09-15"), To: day("2025-09-20")}}, 0, "overlap"},
		{"a stop inside another", 20, Workdays, []Stop{{From: day("2025-09-10"), To: day("2025-09-30")}, {From: day("2025-09-12"), To: day("2025-09-13")}}, 0, "overlap"},
		{"reversed stop", 20, Workdays, st("2025-09-12", "2025-09-10"), 0, "ends before it begins"},
		{"stop on the start day", 20, Workdays, st("2025-09-01", "2025-09-03"), 0, "must begin after the start date"},
		{"stop before the start", 20, Workdays, st("2025-08-20", "2025-09-03"), 0, "must begin after the start date"},
		{"stop without an end", 20, Workdays, []Stop{{From: day("2025-09-10")}}, 0, "no start or end"},
		{"zero days", 0, Workdays, nil, 0, "at least 1 day"},
		{"negative extension", 20, Workdays, nil, -1, "cannot be negative"},
		{"no unit", 20, 0, nil, 0, "unknown unit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.Deadline(start, tc.n, tc.unit, tc.stops, tc.ext)
			if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want invalid %q", err, tc.want)
			}
		})
	}
	if _, _, err := c.Deadline(Date{}, 20, Workdays, nil, 0); fault.KindOf(err) != fault.Invalid {
		t.Errorf("zero start: %v", err)
	}
}

// modelDeadline walks the days one by one, straight from Deadline's doc comment.
func modelDeadline(m model, start Date, n int, unit Unit, stops []Stop, ext int) Date {
	total, counted := n+ext, 0
	for d := start.AddDays(1); ; d = d.AddDays(1) {
		stopped := false
		for _, s := range stops {
			if !d.Before(s.From) && !d.After(s.To) {
				stopped = true
				if d == s.To && s.Restart {
					counted = 0
				}
			}
		}
		if stopped {
			continue
		}
		if unit == CalendarDays || m.work(d) {
			counted++
		}
		if counted == total {
			for unit == CalendarDays && !m.work(d) {
				d = d.AddDays(1)
			}
			return d
		}
	}
}

func TestDeadlineProperty(t *testing.T) {
	c, m := Default(), newModel(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		start := day("2020-01-01").AddDays(rng.IntN(7 * 365))
		unit := Workdays
		if i%3 == 0 {
			unit = CalendarDays
		}
		n, ext := 1+rng.IntN(60), 0
		if rng.IntN(2) == 0 {
			ext = rng.IntN(30)
		}
		var stops []Stop
		at := start
		for k := rng.IntN(4); k > 0; k-- {
			from := at.AddDays(1 + rng.IntN(20))
			to := from.AddDays(rng.IntN(15))
			stops = append(stops, Stop{From: from, To: to, Restart: rng.IntN(3) == 0})
			at = to
		}
		got, _, err := c.Deadline(start, n, unit, stops, ext)
		if err != nil {
			t.Fatal(err)
		}
		if want := modelDeadline(m, start, n, unit, stops, ext); got != want {
			t.Fatalf("Deadline(%s, %d, %s, %+v, %d) = %s, model %s", start, n, unit, stops, ext, got, want)
		}
	}
}

func TestRemaining(t *testing.T) {
	c := Default()
	due := day("2025-10-09") // Thursday after National Day
	for _, tc := range []struct {
		today string
		want  int
	}{
		{"2025-09-26", 4}, // 09-28, 09-29, 09-30, 10-09
		{"2025-09-30", 1},
		{"2025-10-05", 1},
		{"2025-10-09", 0},
		{"2025-10-10", -1},
		{"2025-10-11", -2}, // make-up Saturday
		{"2025-10-12", -2},
	} {
		if got, _ := c.Remaining(day(tc.today), due); got != tc.want {
			t.Errorf("Remaining(%s, %s) = %d, want %d", tc.today, due, got, tc.want)
		}
	}
	// Due on a Friday, today the Saturday after: overdue even though no working day passed.
	if got, _ := c.Remaining(day("2025-09-13"), day("2025-09-12")); got != -1 {
		t.Errorf("overdue over a weekend = %d, want -1", got)
	}
}
