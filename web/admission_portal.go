package web

// The public portal's admission pages (no sign-in): the published plans,
// the lotteries (each with its frozen list's SHA-256, the seed and when it
// was announced, the results, and the files to recompute the draw), and
// the 中考 results lookup by exam number and the ID number's last six
// characters, answered from the published snapshot in memory.

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/scope"
)

type portalAdmissionData struct {
	Mode string // index | plans | lotteries | lottery | results

	Year, Grade   int
	County        string
	Years, Grades []option
	Counties      []option

	Plans  []planView
	Places int
	Quota  int
	Share  string

	Lotteries []lotteryRow
	Lottery   *lotteryRow
	Schools   []zoneSchoolView
	Results   []resultView
	Entries   []entryView
	Total     int

	ExamNo   string
	Error    string
	Answer   *portalAnswer
	Snapshot string
	Open     bool // results are published and served

	pager
}

type portalAnswer struct {
	enrol.Answer
	Outcome, Seat, Published string
	Reasons                  []reasonView
}

func (ui *UI) portalPage(w http.ResponseWriter, r *http.Request, status int, titleKey string, d *portalAdmissionData) {
	l := i18n.FromRequest(r)
	ui.render(w, r, status, "portal_admission", ui.newPage(r, i18n.Tr(l, titleKey), d))
}

func (ui *UI) portalOffice(w http.ResponseWriter, r *http.Request) (*enrol.Office, bool) {
	if ui.d.Admissions == nil {
		ui.Fail(w, r, fault.New(fault.Unavailable, "招生信息暂不可用", "admissions information is not available"))
		return nil, false
	}
	return ui.d.Admissions, true
}

// portalAdmission is GET /portal/admission: what the public may look at.
func (ui *UI) portalAdmission(w http.ResponseWriter, r *http.Request) {
	d := &portalAdmissionData{Mode: "index", Year: enrol.EntryYear(ui.now())}
	if ui.d.Results != nil && ui.d.Results.Current() != nil {
		d.Open = true
	}
	ui.portalPage(w, r, http.StatusOK, "portal.admission.title", d)
}

// portalPlans is GET /portal/admission/plans: the published plans.
func (ui *UI) portalPlans(w http.ResponseWriter, r *http.Request) {
	o, ok := ui.portalOffice(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	year, err := ui.yearOf(q)
	if err == nil {
		_, err = gradeOf(q, 0, enrol.Grades...)
	}
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	grade, _ := gradeOf(q, 0, enrol.Grades...)
	county := strings.TrimSpace(q.Get("county"))
	page, err := pageOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f := enrol.PlanFilter{Year: year, Grade: grade, County: county}
	if err := f.Check(); err != nil {
		ui.Fail(w, r, paramError("county", county))
		return
	}
	pg, err := o.PublicPlans(ctx, year, grade, county, max(page, 1))
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	names, err := o.SchoolNames(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &portalAdmissionData{Mode: "plans", Year: year, Grade: grade, County: county, Years: ui.yearOptions(year), Grades: gradeOptions(l, grade),
		Total: pg.Total, Places: pg.Places, Quota: pg.Quota, Share: share(pg.QualityQuota, pg.QualityPlaces)}
	if d.Counties, err = ui.countyOptions(ctx, nil, county); err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, p := range pg.Items {
		d.Plans = append(d.Plans, ui.planViewOf(l, p, names))
	}
	d.pager = newPager(max(page, 1), pg.PerPage, pg.Total, func(n int) string {
		v := url.Values{"year": {strconv.Itoa(year)}}
		if grade != 0 {
			v.Set("grade", strconv.Itoa(grade))
		}
		if county != "" {
			v.Set("county", county)
		}
		v.Set("page", strconv.Itoa(n))
		return "/portal/admission/plans?" + v.Encode()
	})
	ui.portalPage(w, r, http.StatusOK, "portal.admission.plans", d)
}

// portalLotteries is GET /portal/admission/lotteries: every lottery whose
// list is frozen.
func (ui *UI) portalLotteries(w http.ResponseWriter, r *http.Request) {
	o, ok := ui.portalOffice(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	year, err := ui.yearOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	page, err := pageOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	pg, err := o.Lotteries(ctx, scopeEverything(), enrol.LotteryFilter{Year: year, Public: true, Page: page, PerPage: 50})
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &portalAdmissionData{Mode: "lotteries", Year: year, Years: ui.yearOptions(year), Total: pg.Total}
	for _, x := range pg.Items {
		row := lotteryRowOf(l, x)
		row.Href = "/portal/admission/lotteries/" + strconv.FormatInt(x.ID, 10)
		d.Lotteries = append(d.Lotteries, row)
	}
	d.pager = newPager(max(page, 1), 50, pg.Total, func(n int) string {
		return fmt.Sprintf("/portal/admission/lotteries?year=%d&page=%d", year, n)
	})
	ui.portalPage(w, r, http.StatusOK, "portal.admission.lotteries", d)
}

// portalLottery is GET /portal/admission/lotteries/{id}.
func (ui *UI) portalLottery(w http.ResponseWriter, r *http.Request) {
	o, ok := ui.portalOffice(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	id, err := idOf(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	x, err := o.PublicLottery(ctx, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	page, err := pageOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	page = max(page, 1)
	names, err := o.SchoolNames(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	row := lotteryRowOf(l, x)
	d := &portalAdmissionData{Mode: "lottery", Lottery: &row, Year: x.Year}
	for _, s := range x.Schools {
		d.Schools = append(d.Schools, zoneSchoolView{Code: s.School, Name: names[s.School], Places: s.Places})
	}
	const per = 100
	if x.State == enrol.LotteryDrawn {
		ts, total, err := o.PublicResults(ctx, id, page, per)
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		for _, t := range ts {
			d.Results = append(d.Results, resultView{Ticket: t, SchoolName: names[t.School]})
		}
		d.Total = total
	} else {
		es, total, err := o.PublicEntries(ctx, id, page, per)
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		for _, e := range es {
			d.Entries = append(d.Entries, entryView{Ticket: e.Ticket, Prefs: strings.Join(e.Prefs, " › ")})
		}
		d.Total = total
	}
	d.pager = newPager(page, per, d.Total, func(n int) string { return fmt.Sprintf("/portal/admission/lotteries/%d?page=%d", id, n) })
	ui.render(w, r, http.StatusOK, "portal_admission", ui.newPage(r, x.Title, d))
}

// portalLotteryList is GET /portal/admission/lotteries/{id}/applicants.csv:
// the frozen list (id, and prefs for a zone), to recompute the draw.
func (ui *UI) portalLotteryList(w http.ResponseWriter, r *http.Request) {
	o, x, ok := ui.publicLottery(w, r)
	if !ok {
		return
	}
	es, _, err := o.PublicEntries(r.Context(), x.ID, 0, -1)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	writeLotteryCSV(w, x, "applicants", func(b *strings.Builder) error {
		if x.Kind == enrol.LotteryZone {
			b.WriteString("id,prefs\n")
			for _, e := range es {
				b.WriteString(e.Ticket + "," + strings.Join(e.Prefs, "|") + "\n")
			}
			return nil
		}
		b.WriteString("id\n")
		for _, e := range es {
			b.WriteString(e.Ticket + "\n")
		}
		return nil
	})
}

// portalLotteryResults is GET /portal/admission/lotteries/{id}/results.csv.
func (ui *UI) portalLotteryResults(w http.ResponseWriter, r *http.Request) {
	o, x, ok := ui.publicLottery(w, r)
	if !ok {
		return
	}
	if x.State != enrol.LotteryDrawn {
		ui.Fail(w, r, fault.New(fault.NotFound, "尚未摇号", "the lottery has not been drawn"))
		return
	}
	ts, _, err := o.PublicResults(r.Context(), x.ID, 0, -1)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	writeLotteryCSV(w, x, "results", func(b *strings.Builder) error { return enrol.ResultsCSV(b, x.Kind, ts) })
}

// portalResultForm is GET /portal/admission/results.
func (ui *UI) portalResultForm(w http.ResponseWriter, r *http.Request) {
	d := &portalAdmissionData{Mode: "results"}
	if ui.d.Results != nil {
		if s := ui.d.Results.Current(); s != nil {
			d.Open, d.Snapshot, d.Year = true, s.SHA256, s.Year()
		}
	}
	ui.portalPage(w, r, http.StatusOK, "portal.admission.results", d)
}

// portalResult is POST /portal/admission/results: the lookup, from memory,
// behind the same guards as the API (capacity, wrong attempts).
func (ui *UI) portalResult(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		ui.Fail(w, r, httpx.BodyError(err))
		return
	}
	l := i18n.FromRequest(r)
	exam, suffix := strings.TrimSpace(r.PostForm.Get("exam_no")), strings.TrimSpace(r.PostForm.Get("id_suffix"))
	d := &portalAdmissionData{Mode: "results", ExamNo: exam}
	if len(d.ExamNo) > 32 {
		d.ExamNo = ""
	}
	rd := ui.d.Results
	show := func(status int) { ui.portalPage(w, r, status, "portal.admission.results", d) }
	var snap *enrol.Snapshot
	if rd != nil {
		snap = rd.Current()
	}
	if snap != nil {
		d.Open, d.Snapshot, d.Year = true, snap.SHA256, snap.Year()
		w.Header().Set("X-Snapshot", snap.SHA256)
	}
	now := time.Now()
	if rd != nil {
		if wait, ok := rd.Gate.Enter(now); !ok {
			retryAfter(w, wait)
			d.Error = i18n.Trf(l, "portal.too_many", int(max(time.Second, wait)/time.Second))
			show(http.StatusTooManyRequests)
			return
		}
		defer rd.Gate.Leave()
	}
	if err := enrol.CheckLookup(exam, suffix); err != nil {
		var msgs []string
		for _, f := range fault.As(err).Fields {
			msgs = append(msgs, f.Msg.In(l))
		}
		d.Error = strings.Join(msgs, "；")
		show(http.StatusUnprocessableEntity)
		return
	}
	if snap == nil {
		d.Error = i18n.Tr(l, "portal.admission.not_open")
		show(http.StatusNotFound)
		return
	}
	ip := httpx.ClientIP(r)
	if wait, blocked := rd.Strikes.Blocked(ip, exam, now); blocked {
		retryAfter(w, wait)
		d.Error = i18n.Trf(l, "portal.too_many", int(max(time.Second, wait)/time.Second))
		show(http.StatusTooManyRequests)
		return
	}
	ans, _, ok := rd.Lookup(ui.d.Admissions.Keyring, exam, suffix)
	if !ok {
		rd.Strikes.Strike(ip, exam, now)
		httpx.Logger(r.Context()).Info("portal: results lookup failed", "ip", ip)
		d.Error = i18n.Tr(l, "portal.admission.no_match")
		show(http.StatusNotFound)
		return
	}
	a := &portalAnswer{Answer: ans, Outcome: ans.Outcome.In(l), Published: formatDateTime(ans.PublishedAt)}
	if ans.Seat != "" {
		a.Seat = i18n.Tr(l, "admission.seat."+ans.Seat)
	}
	for _, rs := range ans.Reasons {
		a.Reasons = append(a.Reasons, reasonView{Batch: rs.Batch, School: rs.School, SchoolName: rs.SchoolName, Text: rs.Text.In(l)})
	}
	d.Answer = a
	show(http.StatusOK)
}

// retryAfter sets Retry-After to wait, in whole seconds (at least one).
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(max(time.Second, wait+time.Second-1)/time.Second)))
}

func scopeEverything() scope.Scope { return scope.Everything }

// publicLottery is the lottery of the path, when the public may see it.
func (ui *UI) publicLottery(w http.ResponseWriter, r *http.Request) (*enrol.Office, enrol.Lottery, bool) {
	o, ok := ui.portalOffice(w, r)
	if !ok {
		return nil, enrol.Lottery{}, false
	}
	id, err := idOf(r)
	if err == nil {
		var x enrol.Lottery
		if x, err = o.PublicLottery(r.Context(), id); err == nil {
			return o, x, true
		}
	}
	ui.Fail(w, r, err)
	return nil, enrol.Lottery{}, false
}
