package web

// Transfers between schools (转学): the inboxes of schools and county
// bureaus (what waits for them, and their own requests in progress), the
// list of all transfers within the user's scope, the receiving school's
// request, and one transfer with its approvals and the decisions open to
// the user.

import (
	"net/http"
	"strconv"
	"strings"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/student"
)

type transferView struct {
	student.Transfer
	Waiting string // who it waits for, named
}

// hasInbox reports whether u decides transfers for an organisation: a
// school's administrator, or a county bureau's staff.
func hasInbox(u auth.User) bool {
	return u.Role == auth.SchoolAdmin && u.OrgKind == auth.OrgSchool || u.Role == auth.Staff && u.OrgKind == auth.OrgCounty
}

type transferInboxData struct {
	Tab          string // inbox | all
	HasInbox     bool
	OrgName      string
	Inbox        student.Inbox
	ToDecide     []transferView
	InProgress   []transferView
	List         []transferView
	Total        int
	Status       string
	Statuses     []option
	CanRequest   bool
	Errors       []string
	InboxLimited bool
	pager
}

// waitingText names who a pending transfer waits for.
func waitingText(l i18n.Lang, t student.Transfer) string {
	var names []string
	for _, s := range t.Waiting() {
		n := student.StepName(s).In(l)
		switch s {
		case student.StepSchool:
			n += "（" + t.FromSchoolName + "）"
		case student.StepFromCounty:
			n += "（" + countyName(t.FromCounty) + "）"
		case student.StepToCounty:
			n += "（" + countyName(t.ToCounty) + "）"
		}
		names = append(names, n)
	}
	sep := "、"
	if l == i18n.EN {
		sep = ", "
	}
	return strings.Join(names, sep)
}

func countyName(code string) string {
	if a, ok := area.Lookup(code); ok {
		return a.Name
	}
	return code
}

func views(l i18n.Lang, ts []student.Transfer) []transferView {
	out := make([]transferView, 0, len(ts))
	for _, t := range ts {
		out = append(out, transferView{Transfer: t, Waiting: waitingText(l, t)})
	}
	return out
}

// transferInbox is GET /transfers: a school's or county bureau's inbox, or
// (tab=all, and for the city bureau) every transfer in the user's scope.
func (ui *UI) transferInbox(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	ctx, l, sc, q := r.Context(), i18n.FromRequest(r), u.Scope(), r.URL.Query()
	d := &transferInboxData{Tab: q.Get("tab"), Status: q.Get("status"), CanRequest: u.Can(auth.StudentEdit)}
	d.HasInbox = hasInbox(u)
	if d.Tab != "all" && d.HasInbox {
		d.Tab = "inbox"
		var err error
		switch u.OrgKind {
		case auth.OrgSchool:
			d.Inbox, err = reg.SchoolInbox(ctx, sc, u.OrgCode)
			if s, gerr := ui.d.Schools.Get(ctx, sc, u.OrgCode); gerr == nil {
				d.OrgName = s.Name
			}
		case auth.OrgCounty:
			d.Inbox, err = reg.CountyInbox(ctx, sc, u.OrgCode)
			d.OrgName = countyName(u.OrgCode)
		}
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		d.ToDecide, d.InProgress = views(l, d.Inbox.ToDecide), views(l, d.Inbox.InProgress)
		d.InboxLimited = d.Inbox.ToDecideCount > len(d.ToDecide) || d.Inbox.InProgressCount > len(d.InProgress)
	} else {
		d.Tab = "all"
		var v fault.Validation
		page, _ := parsePage(&v, q.Get("page"), "", 0)
		f := student.TransferFilter{Status: student.TransferStatus(d.Status), Page: max(page, 1), PerPage: 50}
		var pg student.TransferPage
		err := v.Err()
		if err == nil {
			pg, err = reg.Transfers(ctx, sc, f)
		}
		if err != nil {
			var ok bool
			if d.Errors, ok = listProblems(l, err); !ok {
				ui.Fail(w, r, err)
				return
			}
		}
		d.List, d.Total = views(l, pg.Items), pg.Total
		filters := map[string]string{"tab": "all", "status": d.Status}
		d.pager = queryPager("/transfers", filters, pg.Page, pg.PerPage, pg.Total)
	}
	for _, s := range student.TransferStatuses {
		d.Statuses = append(d.Statuses, option{string(s.Status), s.Name.In(l), string(s.Status) == d.Status})
	}
	status := http.StatusOK
	if len(d.Errors) > 0 {
		status = http.StatusBadRequest
	}
	ui.render(w, r, status, "transfers", ui.newPage(r, i18n.Tr(l, "transfers.title"), d))
}

type transferFormData struct {
	Values      map[string]string
	Errors      map[string][]string
	Message     string
	Other       []string
	Schools     []option
	Grades      []option
	Classes     []option
	FixedSchool string
}

// transferForm fills the request form's choices: the receiving schools in
// the user's scope (their own school for a school administrator), the
// grades and classes of the one chosen.
func (ui *UI) transferForm(r *http.Request, u auth.User, d *transferFormData) error {
	ctx, l, sc := r.Context(), i18n.FromRequest(r), u.Scope()
	county := ""
	if !sc.All && len(sc.Areas) == 1 && len(sc.Areas[0]) == 6 {
		county = sc.Areas[0]
	}
	schools, listed, err := ui.schoolsIn(ctx, sc, county)
	if err != nil {
		return err
	}
	if u.OrgKind == auth.OrgSchool && d.Values["to_school"] == "" {
		d.Values["to_school"] = u.OrgCode
	}
	var t school.Type
	for _, s := range schools {
		if s.Code == d.Values["to_school"] {
			t = s.Type
			if len(schools) == 1 {
				d.FixedSchool = s.Name
			}
		}
	}
	if listed {
		d.Schools = schoolOptions(schools, d.Values["to_school"], true)
	} else if code := d.Values["to_school"]; code != "" {
		if s, err := ui.d.Schools.Get(ctx, sc, code); err == nil {
			d.Schools, t = []option{{s.Code, s.Name, true}}, s.Type
		}
	}
	d.Grades = studentGrades(l, t, d.Values["to_grade"])
	if code := d.Values["to_school"]; code != "" {
		classes, err := ui.d.Students.SchoolClasses(ctx, sc, code, ui.currentYear(ctx))
		if err != nil {
			return err
		}
		for _, c := range classes {
			id := strconv.FormatInt(c.ID, 10)
			d.Classes = append(d.Classes, option{id, c.Name, id == d.Values["to_class"]})
		}
	}
	return nil
}

func (ui *UI) showTransferForm(w http.ResponseWriter, r *http.Request, u auth.User, status int, d *transferFormData) {
	if err := ui.transferForm(r, u, d); err != nil {
		ui.Fail(w, r, err)
		return
	}
	ui.render(w, r, status, "transfer_new", ui.newPage(r, i18n.Tr(i18n.FromRequest(r), "transfers.request"), d))
}

// newTransfer is GET /transfers/new: the receiving school asks for a child.
func (ui *UI) newTransfer(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := &transferFormData{Values: map[string]string{"to_school": q.Get("to_school"), "to_grade": q.Get("to_grade")}, Errors: map[string][]string{}}
	ui.showTransferForm(w, r, u, http.StatusOK, d)
}

// requestTransfer is POST /transfers.
func (ui *UI) requestTransfer(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := ui.studentPost(w, r)
	if !ok {
		return
	}
	d := &transferFormData{Values: map[string]string{}, Errors: map[string][]string{}}
	for _, k := range []string{"number", "name", "to_school", "to_grade", "to_class", "reason"} {
		d.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	if d.Values["to_school"] == "" && u.OrgKind == auth.OrgSchool {
		d.Values["to_school"] = u.OrgCode // a school asks for itself
	}
	var v fault.Validation
	req := student.TransferRequest{Number: d.Values["number"], Name: d.Values["name"], ToSchool: d.Values["to_school"], Reason: d.Values["reason"]}
	if req.ToSchool == "" {
		v.Add("to_school", "请选择转入学校", "choose the receiving school")
	}
	if g, ok := student.ParseGrade(d.Values["to_grade"]); ok {
		req.ToGrade = g
	} else {
		v.Add("to_grade", "请选择转入年级", "choose the grade")
	}
	if c := d.Values["to_class"]; c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n <= 0 {
			v.Add("to_class", "班级无效", "the class is not valid")
		}
		req.ToClassID = n
	}
	err := v.Err()
	var t student.Transfer
	if err == nil {
		t, err = reg.RequestTransfer(r.Context(), u.Scope(), req, studentActor(r, u))
	}
	if err != nil {
		k := fault.KindOf(err)
		if k != fault.Invalid && k != fault.Conflict && k != fault.NotFound && k != fault.Forbidden {
			ui.Fail(w, r, err)
			return
		}
		l := i18n.FromRequest(r)
		fe := fault.As(err)
		d.Message = fe.Msg.In(l)
		rename := map[string]string{"school": "to_school", "grade": "to_grade", "class_id": "to_class", "id_number": "number", "student_no": "number"}
		for _, x := range fe.Fields {
			key := x.Field
			if n, ok := rename[key]; ok {
				key = n
			}
			if _, ok := d.Values[key]; ok {
				d.Errors[key] = append(d.Errors[key], x.Msg.In(l))
			} else {
				d.Other = append(d.Other, studentProblem(l, x))
			}
		}
		status := httpx.Status(k)
		if k == fault.NotFound {
			status = http.StatusUnprocessableEntity // the child named was not found: the form's problem
		}
		ui.showTransferForm(w, r, u, status, d)
		return
	}
	ui.setFlash(w, "flash.transfer_requested")
	http.Redirect(w, r, "/transfers/"+strconv.FormatInt(t.ID, 10), http.StatusSeeOther)
}

type transferDetailData struct {
	T           transferView
	StudentURL  string // the profile, when the user may see it
	CanDecide   bool
	CanWithdraw bool
	Decision    string // the decision whose form is shown open (after a refusal)
	Message     string
	Values      map[string]string
	Errors      map[string][]string
}

// transferDetail is GET /transfers/{id}.
func (ui *UI) transferDetail(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	ui.showTransfer(w, r, u, http.StatusOK, "", nil)
}

func (ui *UI) showTransfer(w http.ResponseWriter, r *http.Request, u auth.User, status int, decision string, derr error) {
	ctx, l, reg := r.Context(), i18n.FromRequest(r), ui.d.Students
	id, err := pathID(r, "id")
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	t, err := reg.GetTransfer(ctx, u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &transferDetailData{T: transferView{Transfer: t, Waiting: waitingText(l, t)}, Values: map[string]string{}, Errors: map[string][]string{}}
	if _, err := reg.Get(ctx, u.Scope(), t.StudentID); err == nil {
		d.StudentURL = "/students/" + strconv.FormatInt(t.StudentID, 10)
	}
	edit := u.Can(auth.StudentEdit)
	for _, s := range t.Waiting() {
		switch {
		case s == student.StepSchool && u.OrgKind == auth.OrgSchool && u.OrgCode == t.FromSchool,
			s == student.StepFromCounty && u.OrgKind == auth.OrgCounty && u.OrgCode == t.FromCounty && t.SchoolAt != nil,
			s == student.StepToCounty && u.OrgKind == auth.OrgCounty && u.OrgCode == t.ToCounty && t.SchoolAt != nil:
			d.CanDecide = edit
		}
	}
	d.CanWithdraw = edit && t.Status == student.TransferPending && (u.OrgKind == auth.OrgSchool && u.OrgCode == t.ToSchool || t.RequestedBy == u.Username)
	if decision != "" {
		d.Decision = decision
		d.Values["note"] = strings.TrimSpace(r.PostForm.Get("note"))
		d.Values["reason"] = strings.TrimSpace(r.PostForm.Get("reason"))
		fe := fault.As(derr)
		d.Message = fe.Msg.In(l)
		for _, x := range fe.Fields {
			d.Errors[x.Field] = append(d.Errors[x.Field], x.Msg.In(l))
		}
	}
	ui.render(w, r, status, "transfer", ui.newPage(r, i18n.Trf(l, "transfers.detail_title", t.StudentName), d))
}

// decideTransfer is POST /transfers/{id}/approve|reject|withdraw.
func (ui *UI) decideTransfer(w http.ResponseWriter, r *http.Request) {
	u, reg, id, ok := ui.studentPostID(w, r)
	if !ok {
		return
	}
	var err error
	ctx, sc, by := r.Context(), u.Scope(), studentActor(r, u)
	decision := r.PathValue("decision")
	var flash string
	switch decision {
	case "approve":
		var t student.Transfer
		t, err = reg.ApproveTransfer(ctx, sc, id, strings.TrimSpace(r.PostForm.Get("note")), by)
		flash = "flash.transfer_approved"
		if err == nil && t.Status == student.TransferCompleted {
			flash = "flash.transfer_completed"
		}
	case "reject":
		_, err = reg.RejectTransfer(ctx, sc, id, strings.TrimSpace(r.PostForm.Get("reason")), by)
		flash = "flash.transfer_rejected"
	case "withdraw":
		_, err = reg.WithdrawTransfer(ctx, sc, id, strings.TrimSpace(r.PostForm.Get("note")), by)
		flash = "flash.transfer_withdrawn"
	default:
		ui.Fail(w, r, fault.New(fault.NotFound, "没有“%s”这个操作", "there is no action %q", decision))
		return
	}
	if err != nil {
		if status, ok := studentRefusal(err); ok {
			ui.showTransfer(w, r, u, status, decision, err)
		} else {
			ui.Fail(w, r, err)
		}
		return
	}
	ui.setFlash(w, flash)
	back := "/transfers/" + strconv.FormatInt(id, 10)
	if next := r.PostForm.Get("next"); next == "inbox" {
		back = "/transfers"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
