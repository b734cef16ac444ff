package web

// The dropout follow-up list (控辍保学) per county: children of compulsory
// age who left without a transfer or are absent long-term, the actions
// taken for each, and closing a case by hand.

import (
	"net/http"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/student"
)

type countyCount struct {
	Code, Name string
	Open       int
	Href       string
}

type followUpListData struct {
	County, School  string
	Closed, AllAges bool
	Counties        []option
	Page            student.FollowUpPage
	ByCounty        []countyCount
	Errors          []string
	pager
}

// followUpList is GET /followups.
func (ui *UI) followUpList(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	d := &followUpListData{County: strings.TrimSpace(q.Get("county")), School: strings.TrimSpace(q.Get("school")),
		Closed: q.Get("closed") != "", AllAges: q.Get("all_ages") != ""}
	counties, err := ui.counties(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Counties = areaOptions(counties, d.County)
	var v fault.Validation
	page, _ := parsePage(&v, q.Get("page"), "", 0)
	status := http.StatusOK
	err = v.Err()
	if err == nil {
		d.Page, err = reg.FollowUps(ctx, u.Scope(), student.FollowUpFilter{County: d.County, School: d.School, Closed: d.Closed,
			AllAges: d.AllAges, Page: max(page, 1), PerPage: 50})
	}
	if err != nil {
		var ok bool
		if d.Errors, ok = listProblems(l, err); !ok {
			ui.Fail(w, r, err)
			return
		}
		status = http.StatusBadRequest
	}
	for _, c := range counties {
		if n := d.Page.ByCounty[c.Code]; n > 0 {
			d.ByCounty = append(d.ByCounty, countyCount{Code: c.Code, Name: c.Name, Open: n, Href: "/followups?county=" + c.Code})
		}
	}
	filters := map[string]string{"county": d.County, "school": d.School}
	if d.Closed {
		filters["closed"] = "1"
	}
	if d.AllAges {
		filters["all_ages"] = "1"
	}
	d.pager = queryPager("/followups", filters, d.Page.Page, d.Page.PerPage, d.Page.Total)
	ui.render(w, r, status, "followups", ui.newPage(r, i18n.Tr(l, "followups.title"), d))
}

type followUpData struct {
	F          student.FollowUp
	Kinds      []option
	Outcomes   []option
	CanEdit    bool
	Form       string // the form shown open after a refusal: action | close
	Values     map[string]string
	Errors     map[string][]string
	Message    string
	StudentURL string
}

// followUpCase is GET /followups/{id}.
func (ui *UI) followUpCase(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	ui.showFollowUp(w, r, u, http.StatusOK, "", nil)
}

func (ui *UI) showFollowUp(w http.ResponseWriter, r *http.Request, u auth.User, status int, form string, ferr error) {
	ctx, l := r.Context(), i18n.FromRequest(r)
	id, err := pathID(r, "id")
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f, err := ui.d.Students.FollowUpCase(ctx, u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &followUpData{F: f, CanEdit: u.Can(auth.StudentEdit), Form: form, Values: map[string]string{}, Errors: map[string][]string{},
		StudentURL: "/students/" + strconv.FormatInt(f.StudentID, 10)}
	if form != "" {
		for _, k := range []string{"kind", "on", "note", "outcome"} {
			d.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
		}
		fe := fault.As(ferr)
		d.Message = fe.Msg.In(l)
		for _, x := range fe.Fields {
			d.Errors[x.Field] = append(d.Errors[x.Field], x.Msg.In(l))
		}
	}
	d.Kinds = studentChoices(l, student.FollowUpActions, d.Values["kind"], false)
	for _, o := range student.FollowUpOutcomes {
		switch o.Code {
		case "returned", "moved_away", "deceased": // set by the registry's own events
			continue
		}
		d.Outcomes = append(d.Outcomes, option{o.Code, o.Name.In(l), o.Code == d.Values["outcome"]})
	}
	ui.render(w, r, status, "followup", ui.newPage(r, i18n.Trf(l, "followups.case_title", f.Name), d))
}

// addFollowUpAction is POST /followups/{id}/actions: a visit, a call… with its date and notes.
func (ui *UI) addFollowUpAction(w http.ResponseWriter, r *http.Request) {
	ui.followUpChange(w, r, "action", func(u auth.User, id int64) error {
		_, err := ui.d.Students.AddFollowUpAction(r.Context(), u.Scope(), id, student.FollowUpAction{Kind: strings.TrimSpace(r.PostForm.Get("kind")),
			On: strings.TrimSpace(r.PostForm.Get("on")), Note: strings.TrimSpace(r.PostForm.Get("note"))}, studentActor(r, u))
		return err
	}, "flash.followup_action")
}

// closeFollowUp is POST /followups/{id}/close: an outcome and a note.
func (ui *UI) closeFollowUp(w http.ResponseWriter, r *http.Request) {
	ui.followUpChange(w, r, "close", func(u auth.User, id int64) error {
		return ui.d.Students.CloseFollowUp(r.Context(), u.Scope(), id, strings.TrimSpace(r.PostForm.Get("outcome")),
			strings.TrimSpace(r.PostForm.Get("note")), studentActor(r, u))
	}, "flash.followup_closed")
}

func (ui *UI) followUpChange(w http.ResponseWriter, r *http.Request, form string, do func(auth.User, int64) error, flash string) {
	u, _, id, ok := ui.studentPostID(w, r)
	if !ok {
		return
	}
	if err := do(u, id); err != nil {
		if status, ok := studentRefusal(err); ok {
			ui.showFollowUp(w, r, u, status, form, err)
		} else {
			ui.Fail(w, r, err)
		}
		return
	}
	ui.setFlash(w, flash)
	http.Redirect(w, r, "/followups/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
