package web

// Lotteries (电脑随机录取): the list and the form opening one (a private
// school's, or a multi-school zone's); a lottery's page walks it through its
// states — applications added by number, from a CSV file or from the zone;
// the list frozen with its SHA-256; the seed announced, with its time; the
// draw, computed by the published algorithm; results, recomputed and checked
// on demand.

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/i18n"
)

type lotteryRow struct {
	enrol.Lottery
	Href, KindName, StateName, GradeName, Where string
	Open, Frozen, Seeded, Drawn, Cancelled      bool
}

func lotteryRowOf(l i18n.Lang, x enrol.Lottery) lotteryRow {
	row := lotteryRow{Lottery: x, Href: "/admission/lotteries/" + strconv.FormatInt(x.ID, 10), KindName: x.Kind.Name().In(l),
		StateName: x.State.Name().In(l), GradeName: enrol.GradeName(x.Grade).In(l),
		Open: x.State == enrol.LotteryOpen, Frozen: x.State == enrol.LotteryFrozen, Seeded: x.State == enrol.LotterySeeded,
		Drawn: x.State == enrol.LotteryDrawn, Cancelled: x.State == enrol.LotteryCancelled}
	row.Where = x.SchoolName
	if x.Kind == enrol.LotteryZone {
		row.Where = x.ZoneCode
	}
	return row
}

type lotteryListData struct {
	Year, Grade   int
	State         string
	Years, Grades []option
	States        []option
	Zones         []option
	Rows          []lotteryRow
	Total         int
	CanEdit       bool
	Notice        string
	Problem       *problem
	Form          map[string]string
	pager
}

// lotteryList is GET /admission/lotteries.
func (ui *UI) lotteryList(w http.ResponseWriter, r *http.Request) {
	ui.showLotteries(w, r, http.StatusOK, nil, nil)
}

func (ui *UI) showLotteries(w http.ResponseWriter, r *http.Request, status int, prob *problem, form map[string]string) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	if r.Method == http.MethodPost {
		q = url.Values{"year": {r.FormValue("year")}, "grade": {r.FormValue("grade")}}
	}
	year, err := ui.yearOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	grade, err := gradeOf(q, 0, enrol.GradePrimary, enrol.GradeJunior)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	page, err := pageOf(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	state := enrol.LotteryState(q.Get("state"))
	pg, err := o.Lotteries(ctx, u.Scope(), enrol.LotteryFilter{Year: year, Grade: grade, State: state, Page: page, PerPage: 50})
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if form == nil {
		form = map[string]string{"kind": "school", "grade": strconv.Itoa(max(grade, 1))}
	}
	d := &lotteryListData{Year: year, Grade: grade, State: string(state), Years: ui.yearOptions(year),
		Grades: gradeOptions(l, grade, enrol.GradePrimary, enrol.GradeJunior), Total: pg.Total, CanEdit: u.Can(auth.AdmissionEdit),
		Notice: noticeOf(l, q), Problem: prob, Form: form}
	for _, s := range []enrol.LotteryState{enrol.LotteryOpen, enrol.LotteryFrozen, enrol.LotterySeeded, enrol.LotteryDrawn, enrol.LotteryCancelled} {
		d.States = append(d.States, option{Value: string(s), Label: s.Name().In(l), Selected: s == state})
	}
	for _, x := range pg.Items {
		d.Rows = append(d.Rows, lotteryRowOf(l, x))
	}
	if d.CanEdit {
		for _, g := range []int{enrol.GradePrimary, enrol.GradeJunior} {
			zs, err := o.Zones(ctx, u.Scope(), enrol.ZoneFilter{Year: year, Grade: g, Multi: true, PerPage: -1})
			if err != nil {
				ui.Fail(w, r, err)
				return
			}
			for _, z := range zs.Items {
				id := strconv.FormatInt(z.ID, 10)
				d.Zones = append(d.Zones, option{Value: id, Label: fmt.Sprintf("%s %s（%s）", z.Code, z.Name, enrol.GradeName(g).In(l)), Selected: form["zone"] == id})
			}
		}
	}
	d.pager = newPager(max(page, 1), 50, pg.Total, func(n int) string {
		v := url.Values{"year": {strconv.Itoa(year)}}
		if grade != 0 {
			v.Set("grade", strconv.Itoa(grade))
		}
		if state != "" {
			v.Set("state", string(state))
		}
		v.Set("page", strconv.Itoa(n))
		return "/admission/lotteries?" + v.Encode()
	})
	ui.render(w, r, status, "admission_lotteries", ui.newPage(r, i18n.Tr(l, "admission.lotteries.title"), d))
}

// createLottery is POST /admission/lotteries.
func (ui *UI) createLottery(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	form := map[string]string{}
	for _, f := range []string{"kind", "grade", "school", "zone", "places", "title"} {
		form[f] = strings.TrimSpace(r.FormValue(f))
	}
	year, _ := strconv.Atoi(r.FormValue("year"))
	grade, _ := strconv.Atoi(form["grade"])
	in := enrol.LotteryInput{Year: year, Grade: grade, Kind: enrol.LotteryKind(form["kind"]), School: form["school"], Title: form["title"]}
	var v fault.Validation
	if in.Kind == enrol.LotterySchool {
		n, err := strconv.Atoi(form["places"])
		if err != nil {
			v.Add("places", "请填写名额数（整数）", "the number of places (a whole number) is required")
		}
		in.Places = n
	} else if form["zone"] != "" {
		in.ZoneID, _ = strconv.ParseInt(form["zone"], 10, 64)
	}
	err := v.Err()
	var x enrol.Lottery
	if err == nil {
		x, err = o.CreateLottery(r.Context(), actorOf(u, r), in)
	}
	if err != nil {
		ui.refuse(w, r, err, func(w http.ResponseWriter, r *http.Request, status int, p *problem) {
			ui.showLotteries(w, r, status, p, form)
		})
		return
	}
	http.Redirect(w, r, doneURL("/admission/lotteries/"+strconv.FormatInt(x.ID, 10), "lottery_created"), http.StatusSeeOther)
}

type lotteryDetailData struct {
	lotteryRow
	Schools      []zoneSchoolView
	Entries      []entryView
	EntriesTotal int
	EntriesPager pager
	Results      []resultView
	ResultsTotal int
	ResultsPager pager
	Admitted     int
	CanEdit      bool
	Verification *lotteryVerifyView
	Notice       string
	Problem      *problem
	PublicHref   string
}

type zoneSchoolView struct {
	Code, Name string
	Places     int
}

type entryView struct {
	Ticket, Prefs string
}

type resultView struct {
	enrol.Ticket
	SchoolName string
}

type lotteryVerifyView struct {
	Match, ListOK, ResultsOK, DigestOK bool
	ListDigest, ResultsSHA             string
	Rows                               int
	Mismatch                           string
}

// lotteryDetail is GET /admission/lotteries/{id}.
func (ui *UI) lotteryDetail(w http.ResponseWriter, r *http.Request) {
	ui.showLottery(w, r, http.StatusOK, nil, nil)
}

func (ui *UI) showLottery(w http.ResponseWriter, r *http.Request, status int, prob *problem, ver *enrol.Verification) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	x, err := o.Lottery(ctx, u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	names, err := o.SchoolNames(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &lotteryDetailData{lotteryRow: lotteryRowOf(l, x), CanEdit: u.Can(auth.AdmissionEdit), Notice: noticeOf(l, q), Problem: prob,
		PublicHref: "/portal/admission/lotteries/" + strconv.FormatInt(x.ID, 10)}
	for _, s := range x.Schools {
		d.Schools = append(d.Schools, zoneSchoolView{Code: s.School, Name: names[s.School], Places: s.Places})
	}
	var v fault.Validation
	ep, _ := parsePage(&v, q.Get("entries"), "", 0)
	rp, _ := parsePage(&v, q.Get("results"), "", 0)
	if v.Err() != nil {
		ui.Fail(w, r, paramError("page", q.Get("entries")+q.Get("results")))
		return
	}
	ep, rp = max(ep, 1), max(rp, 1)
	const per = 100
	es, total, err := o.Entries(ctx, u.Scope(), id, ep, per)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, e := range es {
		d.Entries = append(d.Entries, entryView{Ticket: e.Ticket, Prefs: strings.Join(e.Prefs, " › ")})
	}
	d.EntriesTotal = total
	link := func(param string, n int) string {
		v := url.Values{}
		if param == "entries" && n > 1 {
			v.Set("entries", strconv.Itoa(n))
		}
		if param == "results" && n > 1 {
			v.Set("results", strconv.Itoa(n))
		}
		return d.Href + "?" + v.Encode()
	}
	d.EntriesPager = newPager(ep, per, total, func(n int) string { return link("entries", n) })
	if x.State == enrol.LotteryDrawn {
		ts, total, err := o.Results(ctx, u.Scope(), id, rp, per)
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		for _, t := range ts {
			d.Results = append(d.Results, resultView{Ticket: t, SchoolName: names[t.School]})
		}
		d.ResultsTotal = total
		d.ResultsPager = newPager(rp, per, total, func(n int) string { return link("results", n) })
		d.Admitted = min(x.Places, x.Entries)
	}
	if ver != nil {
		vv := &lotteryVerifyView{Match: ver.Match(), ListOK: ver.ListOK, ResultsOK: ver.ResultsOK, DigestOK: ver.DigestOK,
			ListDigest: ver.ListDigest, ResultsSHA: ver.ResultsSHA, Rows: ver.Rows}
		if ver.Mismatch != nil {
			vv.Mismatch = ver.Mismatch.In(l)
		}
		d.Verification = vv
	}
	ui.render(w, r, status, "admission_lottery", ui.newPage(r, x.Title, d))
}

// lotteryAct runs one action on a lottery and returns to its page.
func (ui *UI) lotteryAct(w http.ResponseWriter, r *http.Request, notice string, act func(o *enrol.Office, by enrol.Actor, id int64) ([]int, error)) {
	u, o, id, ok := ui.admFormRecord(w, r)
	if !ok {
		return
	}
	// Out of scope is not found, whatever the form holds.
	if _, err := o.Lottery(r.Context(), u.Scope(), id); err != nil {
		ui.Fail(w, r, err)
		return
	}
	nums, err := act(o, actorOf(u, r), id)
	if err != nil {
		ui.refuse(w, r, err, func(w http.ResponseWriter, r *http.Request, status int, p *problem) {
			ui.showLottery(w, r, status, p, nil)
		})
		return
	}
	http.Redirect(w, r, doneURL("/admission/lotteries/"+strconv.FormatInt(id, 10), notice, nums...), http.StatusSeeOther)
}

// lotteryEntries is POST /admission/lotteries/{id}/entries: application
// numbers typed one per line (with "|"-separated preferences after a
// space or a comma, for a zone), or a CSV file with a column id.
func (ui *UI) lotteryEntries(w http.ResponseWriter, r *http.Request) {
	ui.lotteryAct(w, r, "entries_added", func(o *enrol.Office, by enrol.Actor, id int64) ([]int, error) {
		if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
			file, name, err := uploadFile(r, "file")
			if err != nil {
				return nil, err
			}
			defer file.Close()
			n, err := o.ImportEntries(r.Context(), by, id, file, name)
			return []int{n}, err
		}
		var in []enrol.EntryInput
		for _, line := range strings.Split(r.FormValue("tickets"), "\n") {
			f := strings.FieldsFunc(line, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' || c == '\r' })
			if len(f) == 0 {
				continue
			}
			e := enrol.EntryInput{Ticket: f[0]}
			if len(f) > 1 {
				e.Prefs = strings.Split(f[1], "|")
			}
			in = append(in, e)
		}
		if len(in) == 0 {
			var v fault.Validation
			v.Add("tickets", "请填写申请编号（每行一个）或选择 CSV 文件", "type application numbers (one a line) or choose a CSV file")
			return nil, v.Err()
		}
		n, err := o.AddEntries(r.Context(), by, id, in)
		return []int{n}, err
	})
}

// lotteryFill is POST /admission/lotteries/{id}/fill: the zone's children.
func (ui *UI) lotteryFill(w http.ResponseWriter, r *http.Request) {
	ui.lotteryAct(w, r, "entries_added", func(o *enrol.Office, by enrol.Actor, id int64) ([]int, error) {
		n, err := o.FillFromZone(r.Context(), by, id)
		return []int{n}, err
	})
}

// lotteryRemove is POST /admission/lotteries/{id}/remove.
func (ui *UI) lotteryRemove(w http.ResponseWriter, r *http.Request) {
	ui.lotteryAct(w, r, "entry_removed", func(o *enrol.Office, by enrol.Actor, id int64) ([]int, error) {
		return nil, o.RemoveEntry(r.Context(), by, id, strings.TrimSpace(r.FormValue("ticket")))
	})
}

// lotteryFreeze is POST /admission/lotteries/{id}/freeze.
func (ui *UI) lotteryFreeze(w http.ResponseWriter, r *http.Request) {
	ui.lotteryAct(w, r, "lottery_frozen", func(o *enrol.Office, by enrol.Actor, id int64) ([]int, error) {
		x, err := o.Freeze(r.Context(), by, id, versionOf(r))
		return []int{x.Entries}, err
	})
}

// lotterySeed is POST /admission/lotteries/{id}/seed.
func (ui *UI) lotterySeed(w http.ResponseWriter, r *http.Request) {
	ui.lotteryAct(w, r, "lottery_seeded", func(o *enrol.Office, by enrol.Actor, id int64) ([]int, error) {
		_, err := o.AnnounceSeed(r.Context(), by, id, versionOf(r), r.FormValue("seed"))
		return nil, err
	})
}

// lotteryDraw is POST /admission/lotteries/{id}/draw.
func (ui *UI) lotteryDraw(w http.ResponseWriter, r *http.Request) {
	ui.lotteryAct(w, r, "lottery_drawn", func(o *enrol.Office, by enrol.Actor, id int64) ([]int, error) {
		x, err := o.Draw(r.Context(), by, id, versionOf(r))
		return []int{x.Entries}, err
	})
}

// lotteryCancel is POST /admission/lotteries/{id}/cancel.
func (ui *UI) lotteryCancel(w http.ResponseWriter, r *http.Request) {
	ui.lotteryAct(w, r, "lottery_cancelled", func(o *enrol.Office, by enrol.Actor, id int64) ([]int, error) {
		_, err := o.CancelLottery(r.Context(), by, id, r.FormValue("reason"))
		return nil, err
	})
}

// lotteryVerify is POST /admission/lotteries/{id}/verify: recompute the
// draw from the stored list and seed and compare it with the stored results.
func (ui *UI) lotteryVerify(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admFormRecord(w, r)
	if !ok {
		return
	}
	if _, err := o.Lottery(r.Context(), u.Scope(), id); err != nil {
		ui.Fail(w, r, err)
		return
	}
	v, err := o.VerifyLottery(r.Context(), id)
	if err != nil {
		ui.refuse(w, r, err, func(w http.ResponseWriter, r *http.Request, status int, p *problem) {
			ui.showLottery(w, r, status, p, nil)
		})
		return
	}
	ui.showLottery(w, r, http.StatusOK, nil, &v)
}

// lotteryResultsCSV is GET /admission/lotteries/{id}/results.csv: the draw
// as published (id,rank,admitted[,school]).
func (ui *UI) lotteryResultsCSV(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	x, err := o.Lottery(r.Context(), u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ts, _, err := o.Results(r.Context(), u.Scope(), id, 0, -1)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	writeLotteryCSV(w, x, "results", func(b *strings.Builder) error { return enrol.ResultsCSV(b, x.Kind, ts) })
}

// writeLotteryCSV sends a lottery's file (LF line ends, no byte-order mark:
// byte for byte what its digest covers).
func writeLotteryCSV(w http.ResponseWriter, x enrol.Lottery, what string, write func(*strings.Builder) error) {
	var b strings.Builder
	if err := write(&b); err != nil {
		http.Error(w, "cannot write the file", http.StatusInternalServerError)
		return
	}
	name := fmt.Sprintf("lottery-%d-%s.csv", x.ID, what)
	setDownloadHeaders(w, "text/csv; charset=utf-8", name, name)
	w.Write([]byte(b.String()))
}
