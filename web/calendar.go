package web

// The working-day calendar page: the years the calendar knows (built in or
// imported, and the first year without a notice), the upload of a new
// year's notice, and a year shown as twelve month grids.

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

func init() {
	addFeature(feature{
		pages: []string{"calendar"},
		nav:   []NavItem{{Key: "nav.calendar", Href: "/calendar", Permission: auth.CalendarManage, Order: 800}},
		routes: func(ui *UI) []httpx.Route {
			return []httpx.Route{
				{Method: "GET", Pattern: "/calendar", Access: httpx.SignedIn, Permission: auth.CalendarManage, Handler: ui.calendarYears},
				{Method: "POST", Pattern: "/calendar", Access: httpx.SignedIn, Permission: auth.CalendarManage, Handler: ui.importNotice},
				{Method: "GET", Pattern: "/calendar/{year}", Access: httpx.SignedIn, Permission: auth.CalendarManage, Handler: ui.calendarYear},
			}
		},
	})
}

// calendarData is what the calendar template shows: the list with the
// upload form (Mode "list") or one year (Mode "year").
type calendarData struct {
	Mode   string
	Years  []calendarRow
	Upload calendarUpload
	Year   *calendarYearView
}

type calendarRow struct {
	Year                  int
	Href                  string
	Published, BuiltIn    bool
	Shadowed, Provisional bool
	Source, ImportedBy    string
	ImportedAt            time.Time
	Off, MakeUp, Workdays int
}

type calendarUpload struct {
	Message string   // why the last upload was refused
	Fields  []string // its problems, "field: message"
	MaxKB   int
}

type calendarYearView struct {
	calendarRow
	Papers     []string
	Holidays   []holidayRow
	Months     []monthGrid
	Weekdays   []string // the grid's column heads, from Monday
	Prev, Next string
}

type holidayRow struct {
	Name   string
	Off    string
	MakeUp string
}

type monthGrid struct {
	Name  string
	Weeks [][]dayCell
}

// dayCell is one square of a month grid; Day 0 is a blank before the 1st or after the last.
type dayCell struct {
	Day   int
	Date  string
	Kind  string // work | weekend | off | makeup
	Mark  string // 休 / 班 for the notice's days
	Label string // what the day is, for the title and screen readers
	Prov  bool   // not settled by a published notice
}

func rowOf(y calendar.YearInfo) calendarRow {
	return calendarRow{Year: y.Year, Href: "/calendar/" + strconv.Itoa(y.Year), Published: y.Published, BuiltIn: y.BuiltIn,
		Shadowed: y.Shadowed, Provisional: y.Provisional, Source: y.Source, ImportedBy: y.ImportedBy, ImportedAt: y.ImportedAt,
		Off: y.Off, MakeUp: y.MakeUp, Workdays: y.Workdays}
}

// calendarYears is GET /calendar.
func (ui *UI) calendarYears(w http.ResponseWriter, r *http.Request) {
	ui.showCalendarYears(w, r, http.StatusOK, calendarUpload{})
}

func (ui *UI) showCalendarYears(w http.ResponseWriter, r *http.Request, status int, up calendarUpload) {
	ys, _, err := calendar.Years(r.Context(), ui.d.DB)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &calendarData{Mode: "list", Upload: up}
	d.Upload.MaxKB = calendar.MaxNoticeBytes >> 10
	for i := len(ys) - 1; i >= 0; i-- { // the newest first
		d.Years = append(d.Years, rowOf(ys[i]))
	}
	l := i18n.FromRequest(r)
	ui.render(w, r, status, "calendar", ui.newPage(r, i18n.Tr(l, "calendar.title"), d))
}

// maxUploadMemory is what a multipart form may hold in memory; the server's
// body limit applies first, and calendar.Import bounds the file itself.
const maxUploadMemory = 1 << 20

// importNotice is POST /calendar: a notice file uploaded as multipart form
// field "notice". A refused file is reported on the list page, naming the
// entry at fault; nothing is stored.
func (ui *UI) importNotice(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	refuse := func(err error) {
		fe := fault.As(err)
		if fe.Kind == fault.Internal {
			ui.Fail(w, r, err)
			return
		}
		up := calendarUpload{Message: fe.Msg.In(l)}
		for _, f := range fe.Fields {
			up.Fields = append(up.Fields, fieldProblem(l, f))
		}
		ui.showCalendarYears(w, r, httpx.Status(fe.Kind), up)
	}
	if err := r.ParseMultipartForm(maxUploadMemory); err != nil {
		if errors.Is(err, http.ErrNotMultipart) || errors.Is(err, http.ErrMissingBoundary) {
			refuse(fault.New(fault.Invalid, "请选择要上传的节假日文件（JSON）", "choose a holiday file (JSON) to upload"))
			return
		}
		refuse(httpx.BodyError(err))
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("notice")
	if err != nil {
		refuse(fault.New(fault.Invalid, "请选择要上传的节假日文件（JSON）", "choose a holiday file (JSON) to upload"))
		return
	}
	defer file.Close()
	name := strings.TrimSpace(hdr.Filename)
	if name == "" {
		name = "notice.json"
	}
	n, stored, err := calendar.Import(r.Context(), ui.d.DB, file, name,
		audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context())))
	if err != nil {
		refuse(err)
		return
	}
	if stored {
		ui.setFlash(w, "flash.calendar_imported")
	} else {
		ui.setFlash(w, "flash.calendar_unchanged")
	}
	http.Redirect(w, r, "/calendar/"+strconv.Itoa(n.Year), http.StatusSeeOther)
}

// calendarYear is GET /calendar/{year}: the year as month grids.
func (ui *UI) calendarYear(w http.ResponseWriter, r *http.Request) {
	s := r.PathValue("year")
	year, err := strconv.Atoi(s)
	if err != nil || len(s) != 4 {
		ui.Fail(w, r, fault.New(fault.NotFound, "没有 %s 年的日历", "there is no calendar for %s", s))
		return
	}
	y, c, err := calendar.Year(r.Context(), ui.d.DB, year)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	v := &calendarYearView{calendarRow: rowOf(y), Papers: y.Papers,
		Prev: "/calendar/" + strconv.Itoa(year-1), Next: "/calendar/" + strconv.Itoa(year+1)}
	for _, h := range y.Notice.Holidays() {
		v.Holidays = append(v.Holidays, holidayRow{Name: h.Name, Off: dateRuns(l, year, h.Off), MakeUp: dateRuns(l, year, h.MakeUp)})
	}
	for i := 1; i <= 7; i++ {
		v.Weekdays = append(v.Weekdays, i18n.Tr(l, weekdayKeys[i%7]))
	}
	for m := time.January; m <= time.December; m++ {
		v.Months = append(v.Months, monthOf(l, c, year, m))
	}
	ui.render(w, r, http.StatusOK, "calendar", ui.newPage(r, i18n.Trf(l, "calendar.year_title", year), &calendarData{Mode: "year", Year: v}))
}

// monthOf lays out a month in weeks from Monday, as Chinese calendars do.
func monthOf(l i18n.Lang, c *calendar.Calendar, year int, m time.Month) monthGrid {
	g := monthGrid{Name: monthName(l, m)}
	first, _ := calendar.NewDate(year, m, 1)
	var week []dayCell
	for i := 0; i < (int(first.Weekday())+6)%7; i++ {
		week = append(week, dayCell{})
	}
	for d := first; d.Month() == m && d.Year() == year; d = d.AddDays(1) {
		work, prov := c.IsWorkday(d)
		cell := dayCell{Day: d.Day(), Date: d.String(), Prov: prov}
		e, listed := c.Lookup(d)
		switch {
		case listed && e.OffDay:
			cell.Kind, cell.Mark, cell.Label = "off", i18n.Tr(l, "calendar.mark_off"), e.Name+" · "+i18n.Tr(l, "calendar.kind.off")
		case listed:
			cell.Kind, cell.Mark, cell.Label = "makeup", i18n.Tr(l, "calendar.mark_work"), e.Name+" · "+i18n.Tr(l, "calendar.kind.makeup")
		case work:
			cell.Kind, cell.Label = "work", i18n.Tr(l, "calendar.kind.work")
		default:
			cell.Kind, cell.Label = "weekend", i18n.Tr(l, "calendar.kind.weekend")
		}
		if prov {
			cell.Label += " · " + i18n.Tr(l, "calendar.provisional")
		}
		week = append(week, cell)
		if len(week) == 7 {
			g.Weeks = append(g.Weeks, week)
			week = nil
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, dayCell{})
		}
		g.Weeks = append(g.Weeks, week)
	}
	return g
}

func monthName(l i18n.Lang, m time.Month) string {
	if l == i18n.EN {
		return m.String()
	}
	return fmt.Sprintf("%d月", int(m))
}

// dateRuns writes dates as runs of consecutive days, "01-28 Tue – 02-04 Tue
// (8 days), 02-08 Sat"; a date outside year (a December day in the next
// year's notice) is written in full.
func dateRuns(l i18n.Lang, year int, ds []calendar.Date) string {
	day := func(d calendar.Date) string {
		s := d.String()
		if d.Year() == year {
			s = s[5:]
		}
		return s + " " + i18n.Tr(l, weekdayKeys[d.Weekday()])
	}
	var parts []string
	for i := 0; i < len(ds); {
		j := i
		for j+1 < len(ds) && ds[j+1] == ds[j].AddDays(1) {
			j++
		}
		s := day(ds[i])
		if j > i {
			s += " – " + day(ds[j]) + i18n.Trf(l, "calendar.days", j-i+1)
		}
		parts = append(parts, s)
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

var weekdayKeys = [...]string{"calendar.wd.sun", "calendar.wd.mon", "calendar.wd.tue", "calendar.wd.wed", "calendar.wd.thu", "calendar.wd.fri", "calendar.wd.sat"}
