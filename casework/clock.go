package casework

import (
	"maps"
	"slices"
	"strconv"

	"edubureau/calendar"
	"edubureau/fault"
)

// Stop is a stretch of days, both ends included, when a period's clock did
// not run: waiting for the applicant's supplement, a hearing, expert review,
// an inspection, a third party's opinion. The clock runs again from the day
// after To — from where it stopped, or from zero when Restart.
type Stop struct {
	From    calendar.Date `json:"from"`
	To      calendar.Date `json:"to"`
	Restart bool          `json:"restart,omitempty"`
}

// Clock is one legal period of a case as it stands.
type Clock struct {
	Start        calendar.Date `json:"start"`                  // the day it runs from (not counted)
	Stops        []Stop        `json:"stops,omitempty"`        // ended stops
	StoppedSince calendar.Date `json:"stopped_since,omitzero"` // a stop not yet ended
	Extension    int           `json:"extension,omitempty"`    // units added by the one extension
	Fixed        calendar.Date `json:"fixed,omitzero"`         // the last day, for a Fixed rule
	Ended        calendar.Date `json:"ended,omitzero"`         // the day the step it called for was taken
	Late         bool          `json:"late,omitempty"`         // that step came after the last day
}

// Running reports whether the clock counts now: started, not stopped, not ended.
func (cl Clock) Running() bool { return cl.StoppedSince.IsZero() && cl.Ended.IsZero() }

// Due is the period's last day on cal, and whether a day it depends on is
// not yet settled by a published notice.
func (cl Clock) Due(cal *calendar.Calendar, r *Rule) (calendar.Date, bool, error) {
	if r.Fixed {
		if cl.Extension > 0 {
			// The one extension moves the given last day on: by calendar days
			// (to a working day, as calendar-day periods end) or working days.
			if r.Unit == calendar.Workdays {
				d, provisional := cal.AddWorkdays(cl.Fixed, cl.Extension)
				return d, provisional, nil
			}
			d, provisional := cal.AddCalendarDays(cl.Fixed, cl.Extension)
			return d, provisional, nil
		}
		_, provisional := cal.IsWorkday(cl.Fixed)
		return cl.Fixed, provisional, nil
	}
	return cal.Deadline(cl.Start, r.N, r.Unit, cl.calendarStops(), cl.Extension)
}

// calendarStops turns the recorded stops into what calendar.Deadline takes:
// a stop beginning on the start day begins the day after (the start day is
// never counted anyway), and stops that touch or overlap — a hearing ending
// the day an expert review begins — merge into one.
func (cl Clock) calendarStops() []calendar.Stop {
	sorted := slices.Clone(cl.Stops)
	slices.SortFunc(sorted, func(a, b Stop) int { return a.From.Compare(b.From) })
	first := cl.Start.AddDays(1)
	var out []calendar.Stop
	for _, s := range sorted {
		from := s.From
		if from.Before(first) {
			from = first
		}
		if s.To.Before(from) {
			continue // over by the start day: nothing was counted yet
		}
		if n := len(out); n > 0 && !from.After(out[n-1].To) {
			if s.To.After(out[n-1].To) {
				out[n-1].To = s.To
			}
			out[n-1].Restart = out[n-1].Restart || s.Restart
			continue
		}
		out = append(out, calendar.Stop{From: from, To: s.To, Restart: s.Restart})
	}
	return out
}

// windowEnd is the last day of a Window counted from received.
func windowEnd(cal *calendar.Calendar, received calendar.Date, w *Window) calendar.Date {
	if w.Unit == calendar.CalendarDays {
		d, _ := cal.AddCalendarDays(received, w.N)
		return d
	}
	d, _ := cal.AddWorkdays(received, w.N)
	return d
}

// advance applies transition tr, taken on day on, to a case of type t in
// state from that was received on received with clocks. It returns the new
// clocks and whether the step ended one of the bureau's periods after its last
// day. It checks the law's timing: the window a step must come within, an
// extension after the period ran out or asked for twice. It changes nothing
// it was given.
func advance(cal *calendar.Calendar, t *Type, from string, received calendar.Date, clocks map[string]Clock,
	tr *Transition, on calendar.Date, fields map[string]string) (map[string]Clock, bool, error) {
	next := maps.Clone(clocks)
	if next == nil {
		next = map[string]Clock{}
	}
	src, _ := t.State(from)
	dst, _ := t.State(tr.To)
	if src == nil || dst == nil {
		return nil, false, fault.New(fault.Internal, "案件状态 %q 未定义", "case state %q is not defined", from)
	}

	if w := tr.Within; w != nil {
		if end := windowEnd(cal, received, w); on.After(end) {
			return nil, false, failure(fault.Invalid, "“%s”须在收到申请后 %d 日内（%s 前）办理（%s），%s 已逾期",
				"%q must be taken within %d days of receipt (by %s, %s); %s is too late",
				tr.Name, w.N, end, w.Basis, on)
		}
	}

	// The period running in the current state, and its last day.
	var cur *Rule
	var curDue calendar.Date
	if src.Clock != "" {
		if c, ok := next[src.Clock]; ok && c.Running() {
			cur, _ = t.Rule(src.Clock)
			due, _, err := c.Due(cal, cur)
			if err != nil {
				return nil, false, err
			}
			curDue = due
		}
	}
	if tr.WithinClock {
		if cur == nil {
			return nil, false, failure(fault.Conflict, "当前没有计算中的期限，不能办理“%s”", "no period is running, so %q cannot be taken", tr.Name)
		}
		if on.After(curDue) {
			return nil, false, failure(fault.Invalid, "“%s”须在%s期限届满（%s）前办理，%s 已逾期",
				"%q must be taken before the %s period ends (%s); %s is too late",
				tr.Name, cur.Name, curDue, on)
		}
	}

	if tr.AfterClock && (cur == nil || !on.After(curDue)) {
		if cur == nil {
			return nil, false, failure(fault.Conflict, "当前没有计算中的期限，不能办理“%s”", "no period is running, so %q cannot be taken", tr.Name)
		}
		return nil, false, failure(fault.Invalid, "“%s”须在%s期限届满（%s）后办理", "%q can only be taken after the %s period ends (%s)",
			tr.Name, cur.Name, curDue)
	}

	late := false
	if cur != nil && tr.Stop != src.Clock && (dst.Clock != src.Clock || tr.Start == src.Clock) {
		c := next[src.Clock]
		c.Ended = on
		c.Late = on.After(curDue)
		next[src.Clock] = c
		late = c.Late && !cur.OtherParty
	}

	if code := tr.Stop; code != "" {
		c, ok := next[code]
		r, _ := t.Rule(code)
		if !ok || !c.StoppedSince.IsZero() {
			return nil, false, failure(fault.Conflict, "%s期限已经中止，不能再次中止", "the %s period is already stopped", r.Name)
		}
		if !c.Ended.IsZero() {
			return nil, false, failure(fault.Conflict, "%s期限已经结束，不能中止", "the %s period has ended and cannot be stopped", r.Name)
		}
		c.StoppedSince = on
		next[code] = c
	}
	for _, s := range []struct {
		code    string
		restart bool
	}{{tr.Resume, false}, {tr.Restart, true}} {
		if s.code == "" {
			continue
		}
		c := next[s.code]
		r, _ := t.Rule(s.code)
		if c.StoppedSince.IsZero() {
			return nil, false, failure(fault.Conflict, "%s期限没有中止，无从恢复", "the %s period is not stopped, so it cannot resume", r.Name)
		}
		c.Stops = append(slices.Clone(c.Stops), Stop{From: c.StoppedSince, To: on, Restart: s.restart})
		c.StoppedSince = calendar.Date{}
		next[s.code] = c
	}
	if code := tr.Extend; code != "" {
		c, ok := next[code]
		r, _ := t.Rule(code)
		if !ok {
			return nil, false, failure(fault.Conflict, "%s期限尚未开始，不能延长", "the %s period has not started and cannot be extended", r.Name)
		}
		if c.Extension > 0 {
			return nil, false, failure(fault.Conflict, "%s期限已经延长过一次（%d 日），不能再次延长（%s）",
				"the %s period was already extended once (by %d days); it cannot be extended again (%s)",
				r.Name, c.Extension, r.Basis)
		}
		n := r.Extension
		if f := tr.ExtensionField; f != "" && fields[f] != "" {
			v, err := strconv.Atoi(fields[f])
			if err != nil || v < 1 || v > r.Extension {
				var val fault.Validation
				val.Add(f, "延长期限应为 1–%d 日", "the extension must be from 1 to %d days", r.Extension)
				return nil, false, val.Err()
			}
			n = v
		}
		c.Extension = n
		next[code] = c
	}
	if code := tr.Start; code != "" {
		start := on
		if cur != nil && on.After(curDue) {
			switch tr.StartFrom {
			case DeemedOnReceipt:
				start = received
			case DeemedAtDue:
				start = curDue
			}
		}
		cl := Clock{Start: start}
		if r, _ := t.Rule(code); r.Fixed {
			// The step gives the last day (a rectification notice's deadline).
			f := r.dueField()
			due, err := calendar.ParseDate(fields[f])
			if err != nil || !due.After(on) {
				var val fault.Validation
				fd, _ := t.Field(f)
				val.AddText(f, text("%s应为 %s 之后的日期", "%s must be a date after %s", fd.Label, on))
				return nil, false, val.Err()
			}
			cl.Fixed = due
		}
		next[code] = cl
	}

	if dst.Clock != "" {
		if c, ok := next[dst.Clock]; !ok || !c.Running() {
			return nil, false, failure(fault.Internal, "案件类型 %s：进入“%s”时期限 %s 未在计算",
				"case type %s: entering %q, the period %s is not running", t.Code, dst.Name, dst.Clock)
		}
	}
	return next, late, nil
}
