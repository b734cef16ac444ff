package web

// The signed-in user's reminders: their cases overdue or due within three
// working days, and the escalated tasks they handle or their section owns
// (the same lists `edubureau cases remind` e-mails once a day).

import (
	"net/http"

	"edubureau/auth"
	"edubureau/casework"
	"edubureau/httpx"
	"edubureau/i18n"
)

func init() {
	addFeature(feature{
		pages: []string{"reminders"},
		routes: func(ui *UI) []httpx.Route {
			return []httpx.Route{
				{Method: "GET", Pattern: "/cases/reminders", Access: httpx.SignedIn, Permission: auth.CaseView, Handler: ui.reminders},
			}
		},
	})
}

type reminderGroup struct {
	ID, Title string
	Rows      []caseRow
}

type remindersData struct {
	Today  string
	Groups []reminderGroup
	Total  int
	Capped bool
	Email  string
}

// reminders is GET /cases/reminders.
func (ui *UI) reminders(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	rem, err := e.RemindersFor(r.Context(), u.ID, u.Section, u.Scope())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &remindersData{Today: rem.Today.String(), Total: rem.Count(), Capped: rem.Capped, Email: u.Email}
	for _, g := range []struct {
		id    string
		cases []casework.Case
	}{{"overdue", rem.Overdue}, {"due", rem.DueSoon}, {"escalated", rem.Escalated}} {
		grp := reminderGroup{ID: g.id, Title: i18n.Trf(l, "reminders.group."+g.id, len(g.cases))}
		for _, c := range g.cases {
			grp.Rows = append(grp.Rows, ui.caseRowOf(l, e, c))
		}
		d.Groups = append(d.Groups, grp)
	}
	ui.render(w, r, http.StatusOK, "reminders", ui.newPage(r, i18n.Tr(l, "reminders.title"), d))
}
