package web

// Probable duplicates for review (疑似重复学籍): two records side by side,
// merged (one kept, with the history of both) or marked "not a duplicate".

import (
	"net/http"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/student"
)

type duplicateView struct {
	student.Duplicate
	Key    string // "A-B", for element ids
	Both   bool   // both records visible: the reviewer may decide
	Diff   map[string]bool
	Error  string
	Reason string
}

type duplicateListData struct {
	Status   string
	Statuses []option
	Pairs    []duplicateView
	Total    int
	CanEdit  bool
	Errors   []string
	pager
}

// duplicateList is GET /duplicates (?status=open|not_duplicate|merged).
func (ui *UI) duplicateList(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	ui.showDuplicates(w, r, u, http.StatusOK, r.URL.Query().Get("status"), r.URL.Query().Get("page"), "", nil)
}

func (ui *UI) showDuplicates(w http.ResponseWriter, r *http.Request, u auth.User, status int, st, pageParam, pairKey string, perr error) {
	ctx, l := r.Context(), i18n.FromRequest(r)
	d := &duplicateListData{Status: st, CanEdit: u.Can(auth.StudentEdit)}
	for _, s := range []string{"open", "not_duplicate", "merged"} {
		d.Statuses = append(d.Statuses, option{s, i18n.Tr(l, "duplicates.status."+s), s == st || st == "" && s == "open"})
	}
	var v fault.Validation
	page, _ := parsePage(&v, pageParam, "", 0)
	err := v.Err()
	var pg student.DuplicatePage
	if err == nil {
		pg, err = ui.d.Students.Duplicates(ctx, u.Scope(), student.DuplicateFilter{Status: st, Page: max(page, 1), PerPage: 20})
	}
	if err != nil {
		var ok bool
		if d.Errors, ok = listProblems(l, err); !ok {
			ui.Fail(w, r, err)
			return
		}
		status = http.StatusBadRequest
	}
	d.Total = pg.Total
	for _, p := range pg.Items {
		dv := duplicateView{Duplicate: p, Key: strconv.FormatInt(p.A.ID, 10) + "-" + strconv.FormatInt(p.B.ID, 10),
			Both: p.A.Visible && p.B.Visible, Diff: map[string]bool{}}
		if dv.Both {
			dv.Diff["id_number"] = p.A.IDNumber != p.B.IDNumber
			dv.Diff["school"] = p.A.School != p.B.School
			dv.Diff["gender"] = p.A.Gender != p.B.Gender
			dv.Diff["grade"] = gradeText(l, p.A.Grade) != gradeText(l, p.B.Grade)
			dv.Diff["status"] = p.A.Status != p.B.Status
		}
		if dv.Key == pairKey && perr != nil {
			fe := fault.As(perr)
			msgs := []string{fe.Msg.In(l)}
			for _, x := range fe.Fields {
				msgs = append(msgs, studentProblem(l, x))
			}
			dv.Error = strings.Join(msgs, "；")
			dv.Reason = strings.TrimSpace(r.PostForm.Get("reason") + r.PostForm.Get("note"))
		}
		d.Pairs = append(d.Pairs, dv)
	}
	d.pager = queryPager("/duplicates", map[string]string{"status": st}, pg.Page, pg.PerPage, pg.Total)
	ui.render(w, r, status, "duplicates", ui.newPage(r, i18n.Tr(l, "duplicates.title"), d))
}

// mergeDuplicate is POST /duplicates/merge: keep one record, close the other.
func (ui *UI) mergeDuplicate(w http.ResponseWriter, r *http.Request) {
	ui.duplicateDecision(w, r, func(u auth.User, keep, other int64) error {
		_, err := ui.d.Students.Merge(r.Context(), u.Scope(), keep, other, strings.TrimSpace(r.PostForm.Get("reason")), studentActor(r, u))
		return err
	}, "flash.merged")
}

// notDuplicate is POST /duplicates/not-duplicate: two different children.
func (ui *UI) notDuplicate(w http.ResponseWriter, r *http.Request) {
	ui.duplicateDecision(w, r, func(u auth.User, a, b int64) error {
		return ui.d.Students.NotDuplicate(r.Context(), u.Scope(), a, b, strings.TrimSpace(r.PostForm.Get("note")), studentActor(r, u))
	}, "flash.not_duplicate")
}

func (ui *UI) duplicateDecision(w http.ResponseWriter, r *http.Request, do func(u auth.User, x, y int64) error, flash string) {
	u, _, ok := ui.studentPost(w, r)
	if !ok {
		return
	}
	x, err1 := strconv.ParseInt(r.PostForm.Get("keep"), 10, 64)
	y, err2 := strconv.ParseInt(r.PostForm.Get("other"), 10, 64)
	if err1 != nil || err2 != nil || x <= 0 || y <= 0 {
		ui.Fail(w, r, fault.New(fault.Malformed, "表单缺少两条学籍的编号", "the form lacks the two records' ids"))
		return
	}
	if err := do(u, x, y); err != nil {
		switch k := fault.KindOf(err); k {
		case fault.Invalid, fault.Conflict, fault.Forbidden, fault.NotFound:
			a, b := min(x, y), max(x, y)
			ui.showDuplicates(w, r, u, httpx.Status(k), "", "", strconv.FormatInt(a, 10)+"-"+strconv.FormatInt(b, 10), err)
		default:
			ui.Fail(w, r, err)
		}
		return
	}
	ui.setFlash(w, flash)
	http.Redirect(w, r, "/duplicates", http.StatusSeeOther)
}
