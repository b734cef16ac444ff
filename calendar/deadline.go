package calendar

import (
	"slices"

	"edubureau/fault"
)

// Unit is what a legal period is counted in.
type Unit int

const (
	// Workdays: working days (License Law Art. 82, GIDR, Reconsideration Law
	// Art. 88's 3/5/7/10-day periods).
	Workdays Unit = iota + 1
	// CalendarDays: every day counts; the last day moves to the next working day
	// when it is a weekend or holiday (Reconsideration Law's 60-day periods).
	CalendarDays
)

func (u Unit) String() string {
	switch u {
	case Workdays:
		return "workdays"
	case CalendarDays:
		return "calendar-days"
	}
	return "unit(?)"
}

// Stop is a period [From, To], both days included, during which a deadline's
// clock does not run: a hearing, expert review or inspection (License Law
// Art. 45), a third party's opinion (GIDR Art. 33), or the wait for the
// applicant to supplement an application (GIDR Art. 30). To is the day the stop
// ends — the day the hearing ended, the day the supplement arrived; the clock
// runs again from the day after.
//
// Restart = false: the clock resumes, and the units used before the stop still
// count. Restart = true: the clock restarts from zero at To, as GIDR Art. 30
// has the reply period count from receipt of the supplemented application.
type Stop struct {
	From, To Date
	Restart  bool
}

// Deadline computes the last day of a legal period of n units started on start.
//
// The rules, in order:
//   - start is not counted (the period runs from the next day; 期间开始的日不计算在内).
//   - With Workdays, each working day counts one; with CalendarDays every day does.
//     A day inside a stop never counts.
//   - extension (≥ 0) adds that many units to the period, once: License Law
//     Art. 42 (+10 working days), GIDR Art. 33 (+20 working days), the
//     Reconsideration Law's ordinary procedure (+30 days at most). The cap is
//     the caller's business.
//   - A stop with Restart discards every unit counted before it: the full
//     period, extension included, runs again from the day after stop.To.
//   - With CalendarDays, a last day that falls on a weekend or holiday moves to
//     the next working day (see AddCalendarDays); stops are not consulted for
//     that move.
//   - Stops that begin after the period has run out do not change it.
//
// Errors (fault.Invalid): n < 1, extension < 0, an unknown unit, a zero start,
// a stop with a zero or reversed date, a stop beginning on or before start, or
// two stops that overlap (sharing even one day). Stops may be given in any order.
//
// provisional reports an unsettled day among those that decide the answer:
// for Workdays the days after start up to due; for CalendarDays the days from
// the unadjusted last day up to due.
func (c *Calendar) Deadline(start Date, n int, unit Unit, stops []Stop, extension int) (due Date, provisional bool, err error) {
	switch {
	case unit != Workdays && unit != CalendarDays:
		return Date{}, false, fault.New(fault.Invalid, "期限单位无效", "unknown unit for a deadline")
	case n < 1:
		return Date{}, false, fault.New(fault.Invalid, "期限至少为 1 日，实为 %d", "a deadline must be at least 1 day, not %d", n)
	case extension < 0:
		return Date{}, false, fault.New(fault.Invalid, "延长期限不能为负数：%d", "an extension cannot be negative: %d", extension)
	case start.IsZero():
		return Date{}, false, fault.New(fault.Invalid, "缺少期限起算日", "the deadline has no start date")
	}
	sorted := slices.Clone(stops)
	slices.SortFunc(sorted, func(a, b Stop) int { return a.From.Compare(b.From) })
	for i, s := range sorted {
		switch {
		case s.From.IsZero() || s.To.IsZero():
			return Date{}, false, fault.New(fault.Invalid, "中止期间缺少起止日期", "a stop has no start or end date")
		case s.To.Before(s.From):
			return Date{}, false, fault.New(fault.Invalid, "中止期间 %s 至 %s 的结束日早于开始日",
				"the stop %s to %s ends before it begins", s.From, s.To)
		case !s.From.After(start):
			return Date{}, false, fault.New(fault.Invalid, "中止期间 %s 至 %s 应在起算日 %s 之后",
				"the stop %s to %s must begin after the start date %s", s.From, s.To, start)
		case i > 0 && !s.From.After(sorted[i-1].To):
			p := sorted[i-1]
			return Date{}, false, fault.New(fault.Invalid, "中止期间 %s 至 %s 与 %s 至 %s 重叠",
				"the stops %s to %s and %s to %s overlap", p.From, p.To, s.From, s.To)
		}
	}

	total := n + extension
	cur, left := start.days(), total // the clock runs from cur+1 with left units to go
	for _, s := range sorted {
		f := s.From.days()
		avail := f - 1 - cur
		if unit == Workdays {
			avail = c.count(f-1) - c.count(cur)
		}
		if avail >= left {
			break // the period ends before this stop
		}
		left -= avail
		if s.Restart {
			left = total
		}
		cur = s.To.days()
	}

	if unit == Workdays {
		r := c.at(c.count(cur) + left)
		return fromDays(r), c.unsettledIn(start.days()+1, r), nil
	}
	raw := cur + left
	r := c.nextWorkday(raw)
	return fromDays(r), c.unsettledIn(raw, r), nil
}

// Remaining returns the working days left from today until due: WorkdaysBetween(today, due),
// so 0 when due is today and 1 when due is the next working day. Once today is
// past due it is negative — minus the working days elapsed since due, and at
// least −1 even when only rest days have passed, so a negative number always
// means overdue. provisional is as for WorkdaysBetween.
func (c *Calendar) Remaining(today, due Date) (left int, provisional bool) {
	left, provisional = c.WorkdaysBetween(today, due)
	if today.After(due) && left == 0 {
		left = -1
	}
	return left, provisional
}
