package web

// The litigation register (行政诉讼): lawsuits in which the bureau is the
// defendant, listed with their court, case number, parties, next hearing and
// the deadline running (the defence, the appeal); each with a page of its
// own that gathers the hearings, the judgment and the linked reconsideration.
// The steps are taken on the case page.

import (
	"net/http"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/casework"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

func init() {
	addFeature(feature{
		pages: []string{"litigation", "litigation_detail"},
		nav:   []NavItem{{Key: "nav.litigation", Href: "/litigation", Permission: auth.CaseView, Order: 53}},
		routes: func(ui *UI) []httpx.Route {
			return []httpx.Route{
				{Method: "GET", Pattern: "/litigation", Access: httpx.SignedIn, Permission: auth.CaseView, Handler: ui.litigationList},
				{Method: "GET", Pattern: "/litigation/{id}", Access: httpx.SignedIn, Permission: auth.CaseView, Handler: ui.litigationDetail},
			}
		},
	})
}

type litigationRow struct {
	caseRow
	Court, CourtCaseNo, Plaintiff, Claims string
	Hearing                               string // the next hearing (today or later)
	Judgment                              string
	Reconsideration                       string
	Detail                                string // the register's page of the suit
}

type litigationData struct {
	Rows    []litigationRow
	Total   int
	Capped  bool
	Status  []option
	States  []option
	Q       string
	Errors  []string
	CanOpen bool
	pager
}

const litigationPerPage = 50

func (ui *UI) litigationRowOf(l i18n.Lang, e *casework.Engine, t *casework.Type, c casework.Case) litigationRow {
	f := c.Fields
	row := litigationRow{caseRow: ui.caseRowOf(l, e, c), Court: f["court"], CourtCaseNo: f["court_case_no"], Plaintiff: f["plaintiff"],
		Claims: f["claims"], Reconsideration: f["reconsideration_no"], Detail: "/litigation/" + strconv.FormatInt(c.ID, 10)}
	if h := f["hearing_on"]; h != "" && h >= e.Today().String() && !c.Closed() {
		row.Hearing = h
	}
	if j := f["judgment"]; j != "" {
		row.Judgment = choiceLabel(l, "judgment", j)
	}
	return row
}

// litigationList is GET /litigation?status=…&state=…&q=…&page=….
func (ui *UI) litigationList(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	t, _ := e.Type(casework.Litigation)
	var v fault.Validation
	cq := casework.Query{Type: casework.Litigation, Status: q.Get("status"), State: q.Get("state"), Text: strings.TrimSpace(q.Get("q")),
		PerPage: litigationPerPage}
	cq.Page, _ = parsePage(&v, q.Get("page"), "", 0)
	d := &litigationData{Q: cq.Text, CanOpen: u.Can(auth.CaseEdit)}
	status := http.StatusOK
	pg, err := casework.Page{}, v.Err()
	if err == nil {
		pg, err = e.Find(ctx, u.Scope(), cq)
	}
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			ui.Fail(w, r, err)
			return
		}
		status = http.StatusBadRequest
		for _, x := range fault.As(err).Fields {
			d.Errors = append(d.Errors, fieldProblem(l, x))
		}
	}
	d.Total, d.Capped = pg.Total, pg.Capped
	for _, c := range pg.Items {
		d.Rows = append(d.Rows, ui.litigationRowOf(l, e, t, c))
	}
	for _, s := range []string{"open", "closed"} {
		d.Status = append(d.Status, option{Value: s, Label: i18n.Tr(l, "litigation.status."+s), Selected: s == cq.Status})
	}
	for _, st := range t.States {
		d.States = append(d.States, option{Value: st.Code, Label: st.Name.In(l), Selected: st.Code == cq.State})
	}
	d.pager = queryPager("/litigation", map[string]string{"status": cq.Status, "state": cq.State, "q": cq.Text}, cq.Page, litigationPerPage, pg.Total)
	ui.render(w, r, status, "litigation", ui.newPage(r, i18n.Tr(l, "litigation.title"), d))
}

type hearingView struct {
	On, Place, Noted string
}

type linkView struct {
	Kind, Number, Href, Type, State string
}

type litigationDetailData struct {
	litigationRow
	Fields   []fieldView
	Basis    string
	Hearings []hearingView
	History  []historyRow
	Links    []linkView
	CaseHref string
}

// litigationDetail is GET /litigation/{id}: one suit of the register.
func (ui *UI) litigationDetail(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, l, sc := r.Context(), i18n.FromRequest(r), u.Scope()
	c, err := e.Get(ctx, sc, id)
	if err == nil && c.Type != casework.Litigation {
		err = fault.New(fault.NotFound, "没有这个诉讼案件", "no such lawsuit")
	}
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	t, _ := e.Type(c.Type)
	events, err := e.History(ctx, sc, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	links, err := e.Links(ctx, sc, id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &litigationDetailData{litigationRow: ui.litigationRowOf(l, e, t, c), CaseHref: "/cases/" + strconv.FormatInt(id, 10),
		Fields: fieldViews(l, t, c.Fields)}
	if rule, ok := t.Rule(c.Clock); ok {
		d.Basis = rule.Basis.In(l)
	}
	d.History = historyRows(l, t, events)
	for _, ev := range events {
		if h := ev.Fields["hearing_on"]; h != "" {
			d.Hearings = append(d.Hearings, hearingView{On: h, Place: ev.Fields["hearing_place"], Noted: ev.On.String()})
		}
	}
	d.Links = linkViews(l, e, links)
	ui.render(w, r, http.StatusOK, "litigation_detail", ui.newPage(r, c.Fields["court_case_no"]+" · "+c.Number, d))
}
