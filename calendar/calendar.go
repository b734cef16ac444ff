package calendar

import (
	"slices"
	"time"

	"edubureau/fault"
)

// Calendar is the bureau's working-day calendar: the weekend rule corrected by
// the published notices. It is immutable and safe for concurrent use.
//
// A day is a working day when a notice marks it a make-up workday, or when it
// is a Monday–Friday that no notice marks off. A day is settled when its year's
// notice is published — and, for 25–31 December, the next year's notice too,
// since that notice can still move the New Year bridge (the 2019 notice made
// 2018-12-29 a workday and 2018-12-31 a holiday). Unsettled days follow the
// plain weekend rule, and every answer that depends on one is provisional.
//
// Answers are O(1): New precomputes prefix counts of working and unsettled
// days over the published years plus a year each side, and uses closed-form
// weekend arithmetic beyond.
type Calendar struct {
	years     []int        // published years, ascending
	entries   map[Date]Day // every notice entry, merged
	lo, hi    int          // epoch days of the first and last indexed day
	work      []int32      // work[i]: working days among indexed days [0, i)
	unsettled []int32      // unsettled[i]: unsettled days among indexed days [0, i)
	nth       []int32      // nth[k]: index of the (k+1)-th working indexed day
}

// New builds a calendar from notices, one per year at most (normally from
// ParseNotice; a hand-built Notice is checked for its year and dates too). Two
// notices that list the same date (a December date in the next year's notice)
// must agree. Errors are fault.Invalid.
// With no notices every day follows the weekend rule and is provisional.
func New(notices ...Notice) (*Calendar, error) {
	c := &Calendar{entries: make(map[Date]Day)}
	source := make(map[Date]int) // date → year of the notice that listed it
	for _, n := range notices {
		if slices.Contains(c.years, n.Year) {
			return nil, fault.New(fault.Invalid, "%d 年的节假日安排提供了两份", "two notices for %d", n.Year)
		}
		if n.Year < 1950 || n.Year > 9999 {
			return nil, fault.New(fault.Invalid, "节假日安排的年份无效：%d", "a notice for an impossible year: %d", n.Year)
		}
		c.years = append(c.years, n.Year)
		for _, d := range n.Days {
			if !inNoticeYear(d.Date, n.Year) {
				return nil, fault.New(fault.Invalid, "%d 年的节假日安排中有不属于该年的日期 %s",
					"the notice for %d lists %s, which is not in that year", n.Year, d.Date)
			}
			if prev, ok := c.entries[d.Date]; ok && prev.OffDay != d.OffDay {
				return nil, fault.New(fault.Invalid, "%d 年与 %d 年的节假日安排对 %s 的规定相互矛盾",
					"the notices for %d and %d disagree about %s", source[d.Date], n.Year, d.Date)
			}
			c.entries[d.Date] = d
			source[d.Date] = n.Year
		}
	}
	slices.Sort(c.years)

	first, last := 2000, 2000
	if len(c.years) > 0 {
		first, last = c.years[0]-1, c.years[len(c.years)-1]+1
	}
	c.lo = Date{first, time.January, 1}.days()
	c.hi = Date{last, time.December, 31}.days()
	size := c.hi - c.lo + 1
	c.work = make([]int32, size+1)
	c.unsettled = make([]int32, size+1)
	c.nth = make([]int32, 0, size*5/7+64)
	for i := 0; i < size; i++ {
		z := c.lo + i
		d := fromDays(z)
		w, settled := c.classify(d, z)
		c.work[i+1] = c.work[i]
		if w {
			c.work[i+1]++
			c.nth = append(c.nth, int32(i))
		}
		c.unsettled[i+1] = c.unsettled[i]
		if !settled {
			c.unsettled[i+1]++
		}
	}
	return c, nil
}

// classify decides one day from the notices, without the index.
func (c *Calendar) classify(d Date, z int) (work, settled bool) {
	if e, ok := c.entries[d]; ok {
		work = !e.OffDay
	} else {
		work = isWeekday(z)
	}
	settled = c.Published(d.y) && (d.m != time.December || d.d <= 31-yearEndWindow || c.Published(d.y+1))
	return work, settled
}

// Published reports whether the State Council's notice for year is in the calendar.
func (c *Calendar) Published(year int) bool {
	_, ok := slices.BinarySearch(c.years, year)
	return ok
}

// Years returns the published years, ascending.
func (c *Calendar) Years() []int { return slices.Clone(c.years) }

// Lookup returns the notice entry for d — a holiday or a make-up workday and
// its name — if a notice lists d.
func (c *Calendar) Lookup(d Date) (Day, bool) {
	e, ok := c.entries[d]
	return e, ok
}

// IsWorkday reports whether d is a working day, and whether that answer is
// provisional (d is not settled by a published notice).
func (c *Calendar) IsWorkday(d Date) (work, provisional bool) {
	z := d.days()
	return c.count(z)-c.count(z-1) == 1, c.unsettledIn(z, z)
}

// AddWorkdays returns the n-th working day after from; from itself is not
// counted, so AddWorkdays(Friday 2025-09-26, 1) is Sunday 2025-09-28, a
// make-up workday. n = 0 returns from. A negative n counts backwards: the
// |n|-th working day before from.
//
// provisional reports that a day that decides the answer — any day after from
// up to the result (for n < 0: from the result up to the day before from) —
// is not settled by a published notice.
//
// For n ≥ 0, WorkdaysBetween(from, AddWorkdays(from, n)) == n. Callers
// reading n from outside input should bound it (any legal period is far below
// ±100,000); results beyond year 9999 are not meaningful dates.
func (c *Calendar) AddWorkdays(from Date, n int) (Date, bool) {
	z := from.days()
	switch {
	case n > 0:
		r := c.at(c.count(z) + n)
		return fromDays(r), c.unsettledIn(z+1, r)
	case n < 0:
		r := c.at(c.count(z-1) + n + 1)
		return fromDays(r), c.unsettledIn(r, z-1)
	}
	return from, false
}

// WorkdaysBetween counts the working days in (from, to]: after from, up to and
// including to. When to is before from it returns minus the working days in
// (to, from], so WorkdaysBetween(a, b) == -WorkdaysBetween(b, a) and
// WorkdaysBetween(from, AddWorkdays(from, n)) == n for n ≥ 0. provisional
// reports an unsettled day in the counted interval.
func (c *Calendar) WorkdaysBetween(from, to Date) (int, bool) {
	a, b := from.days(), to.days()
	n := c.count(b) - c.count(a)
	if a > b {
		a, b = b, a
	}
	return n, c.unsettledIn(a+1, b)
}

// AddCalendarDays returns the last day of a period of n calendar days after
// from (from not counted): from + n, moved forward to the next working day when
// it falls on a weekend or holiday. That is the Civil Procedure Law's rule on
// periods (民事诉讼法 Art. 85 in the 2021 text: 期间届满的最后一日是法定休假日的，
// 以法定休假日后的第一日为期间届满的日期), which Administrative Reconsideration
// Law Art. 88 applies to its calendar-day periods. Days in between are counted
// whatever they are. provisional reports an unsettled day from from + n up to
// the result. For plain arithmetic use Date.AddDays.
func (c *Calendar) AddCalendarDays(from Date, n int) (Date, bool) {
	raw := from.days() + n
	r := c.nextWorkday(raw)
	return fromDays(r), c.unsettledIn(raw, r)
}

// nextWorkday: the first working day on or after z.
func (c *Calendar) nextWorkday(z int) int { return c.at(c.count(z-1) + 1) }

// count returns F(z), the working days in [lo, z] — extended below lo as minus
// the weekdays in (z, lo) — so that F(b) − F(a) is the working days in (a, b]
// for any a ≤ b. Outside the index the weekend rule holds.
func (c *Calendar) count(z int) int {
	i := z - c.lo + 1
	switch {
	case i < 0:
		return weekdaysBefore(z+1) - weekdaysBefore(c.lo)
	case i >= len(c.work):
		return int(c.work[len(c.work)-1]) + weekdaysBefore(z+1) - weekdaysBefore(c.hi+1)
	}
	return int(c.work[i])
}

// at returns the smallest z with F(z) ≥ k: the k-th working day on F's scale.
func (c *Calendar) at(k int) int {
	total := int(c.work[len(c.work)-1])
	switch {
	case k <= 0:
		return nthWeekday(k + weekdaysBefore(c.lo))
	case k > total:
		return nthWeekday(k - total + weekdaysBefore(c.hi+1))
	}
	return c.lo + int(c.nth[k-1])
}

// unsettledIn reports whether any day in [a, b] is unsettled (false when a > b).
func (c *Calendar) unsettledIn(a, b int) bool {
	if a > b {
		return false
	}
	return c.unsettledTo(b)-c.unsettledTo(a-1) > 0
}

// unsettledTo is count's twin for unsettled days: every day outside the index is unsettled.
func (c *Calendar) unsettledTo(z int) int {
	i := z - c.lo + 1
	switch {
	case i < 0:
		return i
	case i >= len(c.unsettled):
		return int(c.unsettled[len(c.unsettled)-1]) + i - (len(c.unsettled) - 1)
	}
	return int(c.unsettled[i])
}

// The weekend rule in closed form. t = z + 3 puts Monday 1969-12-29 at t = 0.

// weekdaysBefore returns W(z), Monday–Friday days counted from a fixed origin
// up to but excluding z: W(b) − W(a) is the weekdays in [a, b).
func weekdaysBefore(z int) int {
	t := z + 3
	return 5*floorDiv(t, 7) + min(floorMod(t, 7), 5)
}

// nthWeekday returns the weekday z with W(z+1) = m.
func nthWeekday(m int) int {
	return 7*floorDiv(m-1, 5) + floorMod(m-1, 5) - 3
}

func isWeekday(z int) bool { return floorMod(z+3, 7) < 5 }
