package api

import (
	"net/http"
	"strconv"

	"edubureau/calendar"
	"edubureau/i18n"
)

// The working-day calendar, public: anyone may ask when a period counted in
// working days ends (GET /api/v1/calendar/add-workdays) or how many working
// days lie between two dates (GET /api/v1/calendar/workdays-between).

// maxWorkdays bounds days: any legal period is far below it.
const maxWorkdays = 10000

type workdayDate struct {
	Date        string `json:"date"`
	Provisional bool   `json:"provisional"`
}

type workdayCount struct {
	Workdays    int  `json:"workdays"`
	Provisional bool `json:"provisional"`
}

// date reads a required date parameter, recording its problem.
func (q *query) date(name string) calendar.Date {
	s := q.get(name)
	if s == "" {
		q.bad.Add(name, "缺少日期（YYYY-MM-DD）", "a date (YYYY-MM-DD) is required")
		return calendar.Date{}
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		q.bad.Add(name, "%q 不是有效日期，应为 YYYY-MM-DD", "%q is not a real date written YYYY-MM-DD", s)
		return calendar.Date{}
	}
	return d
}

// calendarOf is the calendar the requests use: built in plus imported, held in memory.
func (a *API) calendarOf(r *http.Request) (*calendar.Calendar, error) {
	return calendar.HolderFor(a.d.DB).Calendar(r.Context())
}

// addWorkdays is GET /api/v1/calendar/add-workdays?from=YYYY-MM-DD&days=N:
// the N-th working day after from (from itself not counted; N < 0 counts back).
func (a *API) addWorkdays(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r, "from", "days")
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	from := q.date("from")
	var n int
	switch s := q.get("days"); {
	case s == "":
		q.bad.Add("days", "缺少工作日数", "the number of working days is required")
	default:
		v, err := strconv.Atoi(s)
		if err != nil || v < -maxWorkdays || v > maxWorkdays {
			q.bad.Add("days", "工作日数 %q 应为 -%d 到 %d 之间的整数", "days %q must be a whole number from -%d to %d", s, maxWorkdays, maxWorkdays)
		}
		n = v
	}
	if err := q.err(); err != nil {
		a.Fail(w, r, err)
		return
	}
	c, err := a.calendarOf(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	due, prov := c.AddWorkdays(from, n)
	if due.Year() < 1 || due.Year() > 9999 {
		q.bad.AddText("days", i18n.T("结果超出 0001–9999 年", "the result falls outside the years 0001–9999"))
		a.Fail(w, r, q.err())
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, workdayDate{Date: due.String(), Provisional: prov})
}

// workdaysBetween is GET /api/v1/calendar/workdays-between?from=…&to=…: the
// working days in (from, to], negative when to is before from.
func (a *API) workdaysBetween(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r, "from", "to")
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	from, to := q.date("from"), q.date("to")
	if err := q.err(); err != nil {
		a.Fail(w, r, err)
		return
	}
	c, err := a.calendarOf(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	n, prov := c.WorkdaysBetween(from, to)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, workdayCount{Workdays: n, Provisional: prov})
}
