package web

// Casework, the staff side: the work views (my cases by deadline, due within
// three working days, overdue, my section's, all open cases), the on-time
// rates by section, case type and month, and (case.go) the case page with
// its steps, documents and the opening form.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

func init() {
	addFeature(feature{
		pages: []string{"cases", "case", "case_new"},
		nav:   []NavItem{{Key: "nav.cases", Href: "/cases", Permission: auth.CaseView, Order: 50, Badge: caseBadge}},
		routes: func(ui *UI) []httpx.Route {
			v, e := auth.CaseView, auth.CaseEdit
			return []httpx.Route{
				{Method: "GET", Pattern: "/cases", Access: httpx.SignedIn, Permission: v, Handler: ui.caseList},
				{Method: "GET", Pattern: "/cases/stats", Access: httpx.SignedIn, Permission: v, Handler: ui.caseStats},
				{Method: "GET", Pattern: "/cases/new", Access: httpx.SignedIn, Permission: e, Handler: ui.newCase},
				{Method: "POST", Pattern: "/cases", Access: httpx.SignedIn, Permission: e, Handler: ui.openCase},
				{Method: "GET", Pattern: "/cases/{id}", Access: httpx.SignedIn, Permission: v, Handler: ui.caseDetail},
				{Method: "GET", Pattern: "/cases/{id}/documents/{doc}", Access: httpx.SignedIn, Permission: v, Handler: ui.caseDocument},
				{Method: "POST", Pattern: "/cases/{id}/steps/{transition}", Access: httpx.SignedIn, Permission: e, Handler: ui.takeStep},
			}
		},
	})
}

// The work views, in the order of their tabs.
const (
	viewMine    = "mine"
	viewDue     = "due"
	viewOverdue = "overdue"
	viewSection = "section"
	viewAll     = "all"
)

// dueSoonDays is "due within 3 working days".
const dueSoonDays = 3

// casesPerPage is a work view's page.
const casesPerPage = 50

// engine is the case engine; a UI built without one has no casework pages.
func (ui *UI) engine() (*casework.Engine, error) {
	if ui.d.Cases == nil {
		return nil, fault.New(fault.Unavailable, "案件办理未启用", "casework is not enabled")
	}
	return ui.d.Cases, nil
}

// caseUser is how every case page starts: the signed-in user and the case
// engine, or the error page (ok is false, and the response is written).
func (ui *UI) caseUser(w http.ResponseWriter, r *http.Request) (auth.User, *casework.Engine, bool) {
	u, err := currentUser(r)
	if err == nil {
		var e *casework.Engine
		if e, err = ui.engine(); err == nil {
			return u, e, true
		}
	}
	ui.Fail(w, r, err)
	return auth.User{}, nil, false
}

type caseTab struct {
	View   string
	Label  string
	Href   string
	Count  int
	Capped bool
	Active bool
}

// caseRow is one case of a work view, as shown.
type caseRow struct {
	ID                  int64
	Href                string
	Number, Type        string
	Subject, Applicant  string
	State               string
	Closed              bool
	Received            string
	Due                 string // "" when no period runs
	Left                string // the working days left, in words
	Overdue, DueSoon    bool
	Provisional         bool
	Extended, Stopped   bool
	Escalated, Late     bool
	StoppedSince, Clock string
}

type casesData struct {
	Mode    string // "list"
	View    string
	Tabs    []caseTab
	Rows    []caseRow
	Total   int
	Capped  bool
	NoteKey string // a note about the view (e.g. no section)
	CanOpen bool
	// Reminders is how many of the user's cases are overdue, due within 3
	// working days or escalated (the banner links to /cases/reminders).
	Reminders int
	pager
}

// caseBadge is the navigation's count for Cases: the user's reminders.
func caseBadge(ui *UI, r *http.Request, u auth.User) int {
	if ui.d.Cases == nil {
		return 0
	}
	n, err := ui.d.Cases.ReminderCount(r.Context(), u.ID, u.Section, u.Scope(), 100)
	if err != nil {
		httpx.LogError(r, err)
		return 0
	}
	return n
}

// workView pages through view for u.
func workView(ctx context.Context, e *casework.Engine, u auth.User, view string, page, perPage int) (casework.Page, error) {
	sc := u.Scope()
	switch view {
	case viewMine:
		return e.Mine(ctx, u.ID, sc, page, perPage)
	case viewDue:
		return e.DueWithin(ctx, sc, dueSoonDays, page, perPage)
	case viewOverdue:
		return e.Overdue(ctx, sc, page, perPage)
	case viewSection:
		if u.Section == "" {
			return casework.Page{Page: page, PerPage: perPage}, nil
		}
		return e.ForSection(ctx, u.Section, sc, page, perPage)
	case viewAll:
		return e.AllOpen(ctx, sc, page, perPage)
	}
	return casework.Page{}, fault.New(fault.Invalid, "没有“%s”这个视图", "there is no view %q", view)
}

// caseList is GET /cases?view=…&page=…: a work view with the counts of all.
func (ui *UI) caseList(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	view := q.Get("view")
	if view == "" {
		view = viewMine
	}
	var v fault.Validation
	page, _ := parsePage(&v, q.Get("page"), "", 0)
	if v.Err() != nil || page > casework.MaxCount/casesPerPage+1 {
		ui.Fail(w, r, fault.New(fault.Malformed, "页码 %q 无效", "page %q is not valid", q.Get("page")))
		return
	}
	page = max(page, 1)
	d := &casesData{Mode: "list", View: view, CanOpen: u.Can(auth.CaseEdit)}
	views := []string{viewMine, viewDue, viewOverdue}
	if u.Section != "" {
		views = append(views, viewSection)
	} else if view == viewSection {
		d.NoteKey = "cases.no_section"
	}
	views = append(views, viewAll)
	found := false
	for _, v := range views {
		found = found || v == view
	}
	if !found && view != viewSection {
		ui.Fail(w, r, fault.New(fault.Malformed, "没有“%s”这个视图", "there is no view %q", view))
		return
	}
	link := func(v string, p int) string {
		vals := url.Values{"view": {v}}
		if p > 1 {
			vals.Set("page", strconv.Itoa(p))
		}
		return "/cases?" + vals.Encode()
	}
	for _, v := range views {
		tab := caseTab{View: v, Label: i18n.Tr(l, "cases.view."+v), Href: link(v, 1), Active: v == view}
		if v == view {
			pg, err := workView(ctx, e, u, v, page, casesPerPage)
			if err != nil {
				ui.Fail(w, r, err)
				return
			}
			tab.Count, tab.Capped = pg.Total, pg.Capped
			d.Total, d.Capped = pg.Total, pg.Capped
			for _, c := range pg.Items {
				d.Rows = append(d.Rows, ui.caseRowOf(l, e, c))
			}
			d.pager = newPager(page, casesPerPage, pg.Total, func(n int) string { return link(v, n) })
		} else {
			pg, err := workView(ctx, e, u, v, 1, 1)
			if err != nil {
				ui.Fail(w, r, err)
				return
			}
			tab.Count, tab.Capped = pg.Total, pg.Capped
		}
		d.Tabs = append(d.Tabs, tab)
	}
	p := ui.newPage(r, i18n.Tr(l, "cases.title"), d)
	// The banner says what the navigation's badge counts (read once).
	for _, n := range p.Nav {
		if n.Href == "/cases" {
			d.Reminders = n.Count
		}
	}
	ui.render(w, r, http.StatusOK, "cases", p)
}

func (ui *UI) caseRowOf(l i18n.Lang, e *casework.Engine, c casework.Case) caseRow {
	row := caseRow{ID: c.ID, Href: "/cases/" + strconv.FormatInt(c.ID, 10), Number: c.Number, Subject: c.Subject,
		Applicant: c.ApplicantName, Received: c.ReceivedOn.String(), Closed: c.Closed(),
		Extended: c.Extended, Stopped: !c.StoppedSince.IsZero(), Escalated: c.Escalated, Late: c.Late}
	t, ok := e.Type(c.Type)
	row.Type, row.State = c.Type, c.State
	if ok {
		row.Type = t.Name.In(l)
		if st, ok := t.State(c.State); ok {
			row.State = st.Name.In(l)
		}
		if r, ok := t.Rule(c.Clock); ok {
			row.Clock = r.Name.In(l)
		}
	}
	if row.Stopped {
		row.StoppedSince = c.StoppedSince.String()
	}
	if left, prov, ok := e.Remaining(c); ok {
		row.Due, row.Provisional = c.DueOn.String(), c.DueProvisional || prov
		row.Overdue, row.DueSoon = left < 0, left >= 0 && left <= dueSoonDays
		row.Left = daysLeft(l, left)
	}
	return row
}

// daysLeft says how many working days are left, or how late it is.
func daysLeft(l i18n.Lang, left int) string {
	switch {
	case left < 0:
		return i18n.Trf(l, "cases.days_over", -left)
	case left == 0:
		return i18n.Tr(l, "cases.due_today")
	}
	return i18n.Trf(l, "cases.days_left", left)
}

// statsMonths is how far back the on-time rates go.
const statsMonths = 12

type rateCell struct {
	Closed, OnTime int
	Pct            string // "" when nothing closed
}

type rateRow struct {
	Section, Type string
	Months        []rateCell
	Total         rateCell
}

type statsData struct {
	Mode     string // "stats"
	From, To string
	Months   []string
	Rows     []rateRow
	Chart    map[string]any
}

// caseStats is GET /cases/stats: the on-time rates of the last twelve months
// per section and case type, as a chart and a table.
func (ui *UI) caseStats(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	today := e.Today()
	y, m := today.Year(), int(today.Month())-statsMonths+1
	for m < 1 {
		m, y = m+12, y-1
	}
	from, _ := calendar.NewDate(y, time.Month(m), 1)
	rates, err := e.OnTimeRates(r.Context(), u.Scope(), from, today)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := summarizeRates(l, e, rates, from, statsMonths)
	d.From, d.To = from.String(), today.String()
	p := ui.newPage(r, i18n.Tr(l, "cases.stats.title"), d)
	p.Charts = true
	ui.render(w, r, http.StatusOK, "cases", p)
}

// summarizeRates lays rates out by section and type (rows) and month
// (columns), and writes the chart: cases closed per month, stacked by row,
// with the on-time rate of each month as a line.
func summarizeRates(l i18n.Lang, e *casework.Engine, rates []casework.Rate, from calendar.Date, months int) *statsData {
	d := &statsData{Mode: "stats"}
	col := map[string]int{}
	y, m := from.Year(), int(from.Month())
	for i := 0; i < months; i++ {
		key := strconv.Itoa(y) + "-" + twoDigits(m)
		col[key] = i
		d.Months = append(d.Months, key)
		if m++; m > 12 {
			m, y = 1, y+1
		}
	}
	row := map[string]int{}
	for _, rt := range rates {
		k := rt.Section + "/" + rt.Type
		i, ok := row[k]
		if !ok {
			i = len(d.Rows)
			row[k] = i
			sec, typ := rt.Section, rt.Type
			if s, ok := auth.Section(sec); ok {
				sec = s.Name.In(l)
			}
			if t, ok := e.Type(typ); ok {
				typ = t.Name.In(l)
			}
			d.Rows = append(d.Rows, rateRow{Section: sec, Type: typ, Months: make([]rateCell, months)})
		}
		j, ok := col[rt.Month]
		if !ok {
			continue
		}
		c := &d.Rows[i].Months[j]
		c.Closed += rt.Closed
		c.OnTime += rt.OnTime
		d.Rows[i].Total.Closed += rt.Closed
		d.Rows[i].Total.OnTime += rt.OnTime
	}
	monthClosed, monthOnTime := make([]int, months), make([]int, months)
	series := []any{}
	for i := range d.Rows {
		rw := &d.Rows[i]
		data := make([]int, months)
		for j := range rw.Months {
			rw.Months[j].Pct = pct(rw.Months[j])
			data[j] = rw.Months[j].Closed
			monthClosed[j] += rw.Months[j].Closed
			monthOnTime[j] += rw.Months[j].OnTime
		}
		rw.Total.Pct = pct(rw.Total)
		series = append(series, map[string]any{"name": rw.Section + " · " + rw.Type, "type": "bar", "stack": "closed",
			"emphasis": map[string]any{"focus": "series"}, "data": data})
	}
	rate := make([]any, months)
	for j := range rate {
		if monthClosed[j] > 0 {
			rate[j] = float64(monthOnTime[j]*1000/monthClosed[j]) / 10
		}
	}
	rateName := i18n.Tr(l, "cases.stats.rate")
	series = append(series, map[string]any{"name": rateName, "type": "line", "yAxisIndex": 1, "connectNulls": true, "data": rate})
	d.Chart = map[string]any{
		"color":   palette,
		"aria":    map[string]any{"enabled": true},
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"type": "scroll", "top": 0},
		"grid":    map[string]any{"left": 8, "right": 16, "bottom": 8, "top": 48, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": d.Months},
		"yAxis": []any{
			map[string]any{"type": "value", "minInterval": 1, "name": i18n.Tr(l, "cases.stats.closed")},
			map[string]any{"type": "value", "min": 0, "max": 100, "name": rateName + " %"},
		},
		"series": series,
	}
	return d
}

func pct(c rateCell) string {
	if c.Closed == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(c.OnTime*1000/c.Closed)/10, 'f', 1, 64) + "%"
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
