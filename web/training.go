package web

// Off-campus training institutions: the list with their supervised accounts
// and checks, and an institution's page — its account (recorded or changed),
// a charge or course package checked against the prepaid-fee rules (which
// limit, by how much), the checks so far and its supervision cases.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/training"
)

func init() {
	addFeature(feature{
		pages: []string{"training", "training_detail"},
		nav:   []NavItem{{Key: "nav.training", Href: "/training", Permission: auth.CaseView, Order: 52}},
		routes: func(ui *UI) []httpx.Route {
			v, e := auth.CaseView, auth.CaseEdit
			return []httpx.Route{
				{Method: "GET", Pattern: "/training", Access: httpx.SignedIn, Permission: v, Handler: ui.trainingList},
				{Method: "GET", Pattern: "/training/{code}", Access: httpx.SignedIn, Permission: v, Handler: ui.trainingDetail},
				{Method: "POST", Pattern: "/training/{code}/account", Access: httpx.SignedIn, Permission: e, Handler: ui.trainingAccount},
				{Method: "POST", Pattern: "/training/{code}/checks", Access: httpx.SignedIn, Permission: e, Handler: ui.trainingCheck},
			}
		},
	})
}

func (ui *UI) trainingService() (*training.Service, error) {
	if ui.d.Training == nil || ui.d.Cases == nil {
		return nil, fault.New(fault.Unavailable, "校外培训监管未启用", "the supervision of training institutions is not enabled")
	}
	return ui.d.Training, nil
}

type trainingRow struct {
	Code, Name, County, Status string
	Account                    string // kind · bank, "" when none
	Checks, Violating, Open    int
}

type trainingListData struct {
	Rows     []trainingRow
	Total    int
	Counties []option
	Statuses []option
	Accounts []option
	Q        string
	Errors   []string
	pager
}

const trainingPerPage = 50

// trainingList is GET /training?county=…&status=…&account=…&q=…&page=….
func (ui *UI) trainingList(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	s, err := ui.trainingService()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	var v fault.Validation
	f := training.Filter{County: q.Get("county"), Status: school.Status(q.Get("status")), Account: q.Get("account"),
		Query: strings.TrimSpace(q.Get("q")), PerPage: trainingPerPage}
	f.Page, _ = parsePage(&v, q.Get("page"), "", 0)
	d := &trainingListData{Q: f.Query}
	status := http.StatusOK
	var rows []training.Row
	if err = v.Err(); err == nil {
		rows, d.Total, err = s.List(ctx, u.Scope(), f)
	}
	if err != nil {
		if k := fault.KindOf(err); k != fault.Invalid {
			ui.Fail(w, r, err)
			return
		}
		status = http.StatusBadRequest
		for _, x := range fault.As(err).Fields {
			d.Errors = append(d.Errors, fieldProblem(l, x))
		}
	}
	for _, row := range rows {
		tr := trainingRow{Code: row.Code, Name: row.Name, County: row.CountyName, Status: school.StatusName(row.Status).In(l),
			Checks: row.Checks, Violating: row.Violating, Open: row.OpenCases}
		if row.Account != nil {
			tr.Account = training.KindName(row.Account.Kind).In(l) + " · " + row.Account.Bank
		}
		d.Rows = append(d.Rows, tr)
	}
	counties, err := ui.counties(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, a := range counties {
		if u.Scope().Reaches(a.Code, "") || u.Scope().All {
			d.Counties = append(d.Counties, option{Value: a.Code, Label: a.Name, Selected: a.Code == f.County})
		}
	}
	for _, st := range school.Statuses {
		d.Statuses = append(d.Statuses, option{Value: string(st.Status), Label: st.Name.In(l), Selected: st.Status == f.Status})
	}
	for _, a := range []string{"none", "yes"} {
		d.Accounts = append(d.Accounts, option{Value: a, Label: i18n.Tr(l, "training.account_filter."+a), Selected: a == f.Account})
	}
	d.pager = queryPager("/training", map[string]string{"county": f.County, "status": string(f.Status), "account": f.Account, "q": f.Query},
		f.Page, trainingPerPage, d.Total)
	ui.render(w, r, status, "training", ui.newPage(r, i18n.Tr(l, "training.title"), d))
}

type violationView struct {
	Rule, Message string
}

type checkView struct {
	ID                   int64
	CheckedAt, By        string
	ChargedOn, Course    string
	Hours                int
	Amount, PaidInto     string
	Loan                 bool
	Note                 string
	Violations           []violationView
	CaseNumber, CaseHref string
}

type trainingDetailData struct {
	Code, Name, County, Status, Address, Licence string
	HasAccount                                   bool
	Account                                      map[string]string // as shown
	AccountVersion                               int
	AccountForm                                  trainingForm
	CheckForm                                    trainingForm
	Kinds                                        []option
	Checks                                       []checkView
	Cases                                        []caseRow
	CanEdit                                      bool
	Today                                        string
	Basis                                        string
}

// trainingForm is a form's values and problems.
type trainingForm struct {
	Values  map[string]string
	Errors  map[string][]string
	Message string
	Other   []string
}

func (ui *UI) trainingDetail(w http.ResponseWriter, r *http.Request) {
	ui.showTraining(w, r, http.StatusOK, nil, nil)
}

// showTraining renders an institution's page; a refused form comes back
// with its values and problems.
func (ui *UI) showTraining(w http.ResponseWriter, r *http.Request, status int, accountForm, checkForm *trainingForm) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	s, err := ui.trainingService()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, l, sc := r.Context(), i18n.FromRequest(r), u.Scope()
	code := r.PathValue("code")
	inst, err := s.Institution(ctx, sc, code)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	acct, has, err := s.Account(ctx, sc, code)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	today := e.Today()
	d := &trainingDetailData{Code: inst.Code, Name: inst.Name, County: inst.CountyName, Status: school.StatusName(inst.Status).In(l),
		Address: inst.Address, Licence: inst.LicenceNo, HasAccount: has, CanEdit: u.Can(auth.CaseEdit), Today: today.String(),
		Basis: training.Basis.In(l)}
	if has {
		d.AccountVersion = acct.Version
		d.Account = map[string]string{"kind": training.KindName(acct.Kind).In(l), "bank": acct.Bank, "account_no": acct.AccountNo,
			"deposit": yuan(acct.DepositFen), "since": acct.Since.String(), "updated": formatDateTime(acct.UpdatedAt) + " " + acct.UpdatedBy}
	}
	if accountForm != nil {
		d.AccountForm = *accountForm
	} else {
		d.AccountForm = trainingForm{Values: map[string]string{"kind": string(training.BankCustody), "since": today.String()}}
		if has {
			d.AccountForm.Values = map[string]string{"kind": string(acct.Kind), "bank": acct.Bank, "account_no": acct.AccountNo,
				"deposit": yuan(acct.DepositFen), "since": acct.Since.String()}
		}
	}
	for _, k := range training.AccountKinds {
		d.Kinds = append(d.Kinds, option{Value: string(k.Kind), Label: k.Name.In(l), Selected: string(k.Kind) == d.AccountForm.Values["kind"]})
	}
	if checkForm != nil {
		d.CheckForm = *checkForm
	} else {
		d.CheckForm = trainingForm{Values: map[string]string{"charged_on": today.String(), "open_case": "yes"}}
		if has {
			d.CheckForm.Values["paid_into"] = acct.AccountNo
		}
	}
	checks, err := s.Checks(ctx, sc, code, 50)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, c := range checks {
		cv := checkView{ID: c.ID, CheckedAt: formatDateTime(c.CheckedAt), By: c.CheckedBy, ChargedOn: c.Charge.ChargedOn.String(),
			Course: c.Charge.CourseFrom.String() + " – " + c.Charge.CourseTo.String(), Hours: c.Charge.ClassHours,
			Amount: yuan(c.Charge.AmountFen), PaidInto: c.Charge.PaidInto, Loan: c.Charge.Loan, Note: c.Charge.Note, CaseNumber: c.CaseNumber}
		if c.CaseID != 0 {
			cv.CaseHref = "/cases/" + strconv.FormatInt(c.CaseID, 10)
		}
		for _, v := range c.Violations {
			cv.Violations = append(cv.Violations, violationView{Rule: v.Rule, Message: v.Msg.In(l)})
		}
		d.Checks = append(d.Checks, cv)
	}
	pg, err := e.Find(ctx, sc, casework.Query{Type: casework.TrainingCase, School: code, PerPage: 50})
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, c := range pg.Items {
		d.Cases = append(d.Cases, ui.caseRowOf(l, e, c))
	}
	ui.render(w, r, status, "training_detail", ui.newPage(r, inst.Name, d))
}

// yuan writes fen as yuan with two decimals ("" for 0).
func yuan(fen int64) string {
	if fen == 0 {
		return ""
	}
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + twoDigits(int(fen%100))
}

// parseYuan reads an amount in yuan (at most two decimals) as fen.
func parseYuan(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, true
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || strings.Trim(whole, "0123456789") != "" || dot && (len(frac) == 0 || len(frac) > 2 || strings.Trim(frac, "0123456789") != "") {
		return 0, false
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	f := 0
	if frac != "" {
		f, _ = strconv.Atoi((frac + "0")[:2])
	}
	return n*100 + int64(f), true
}

func formErrors(l i18n.Lang, err error, known ...string) trainingForm {
	fe := fault.As(err)
	out := trainingForm{Errors: map[string][]string{}, Message: fe.Msg.In(l)}
	for _, x := range fe.Fields {
		found := false
		for _, k := range known {
			found = found || k == x.Field
		}
		if found {
			out.Errors[x.Field] = append(out.Errors[x.Field], x.Msg.In(l))
		} else {
			out.Other = append(out.Other, fieldProblem(l, x))
		}
	}
	return out
}

// trainingAccount is POST /training/{code}/account: record or change the
// supervised account.
func (ui *UI) trainingAccount(w http.ResponseWriter, r *http.Request) {
	u, ok := ui.formUser(w, r)
	if !ok {
		return
	}
	s, err := ui.trainingService()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, l, code := r.Context(), i18n.FromRequest(r), r.PathValue("code")
	vals := map[string]string{}
	for _, k := range []string{"kind", "bank", "account_no", "deposit", "since", "version"} {
		vals[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	var v fault.Validation
	a := training.Account{Kind: training.AccountKind(vals["kind"]), Bank: vals["bank"], AccountNo: vals["account_no"]}
	var okFen bool
	if a.DepositFen, okFen = parseYuan(vals["deposit"]); !okFen {
		v.Add("deposit", "金额 %q 应为元，至多两位小数", "%q is not an amount in yuan (at most two decimals)", vals["deposit"])
	}
	if vals["since"] != "" {
		if a.Since, err = calendar.ParseDate(vals["since"]); err != nil {
			v.AddText("since", fault.As(err).Msg)
		}
	}
	ver, _ := strconv.Atoi(vals["version"])
	err = v.Err()
	if err == nil {
		_, err = s.SetAccount(ctx, u.Scope(), code, a, ver, casework.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(ctx)))
	}
	if err != nil {
		switch fault.KindOf(err) {
		case fault.Invalid, fault.Precondition, fault.Conflict:
		default:
			ui.Fail(w, r, err)
			return
		}
		f := formErrors(l, err, "kind", "bank", "account_no", "deposit", "since")
		f.Values = vals
		ui.showTraining(w, r, httpx.Status(fault.KindOf(err)), &f, nil)
		return
	}
	ui.setFlash(w, "flash.training_account_saved")
	http.Redirect(w, r, "/training/"+url.PathEscape(code)+"#account", http.StatusSeeOther)
}

// trainingCheck is POST /training/{code}/checks: check a charge against the
// prepaid-fee rules; a violation opens a supervision case when asked.
func (ui *UI) trainingCheck(w http.ResponseWriter, r *http.Request) {
	u, ok := ui.formUser(w, r)
	if !ok {
		return
	}
	s, err := ui.trainingService()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, l, code := r.Context(), i18n.FromRequest(r), r.PathValue("code")
	vals := map[string]string{}
	for _, k := range []string{"charged_on", "course_from", "course_to", "class_hours", "amount", "paid_into", "loan", "note", "open_case"} {
		vals[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	var v fault.Validation
	var c training.Charge
	for _, dk := range []struct {
		name string
		to   *calendar.Date
	}{{"charged_on", &c.ChargedOn}, {"course_from", &c.CourseFrom}, {"course_to", &c.CourseTo}} {
		if vals[dk.name] == "" {
			continue
		}
		d, err := calendar.ParseDate(vals[dk.name])
		if err != nil {
			v.AddText(dk.name, fault.As(err).Msg)
			continue
		}
		*dk.to = d
	}
	if vals["class_hours"] != "" {
		n, err := strconv.Atoi(vals["class_hours"])
		if err != nil {
			v.Add("class_hours", "课时数 %q 应为整数", "%q is not a whole number of class hours", vals["class_hours"])
		}
		c.ClassHours = n
	}
	var okFen bool
	if c.AmountFen, okFen = parseYuan(vals["amount"]); !okFen {
		v.Add("amount", "金额 %q 应为元，至多两位小数", "%q is not an amount in yuan (at most two decimals)", vals["amount"])
	}
	c.PaidInto, c.Loan, c.Note = vals["paid_into"], vals["loan"] == "yes", vals["note"]
	err = v.Err()
	var rec training.CheckRecord
	if err == nil {
		rec, err = s.CheckCharge(ctx, u.Scope(), code, c, vals["open_case"] == "yes", casework.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(ctx)))
	} else if cerr := c.Validate(calendar.DateOf(ui.now().In(shanghai))); cerr != nil {
		// Say every problem at once: the parse errors and the rules' own.
		for _, x := range fault.As(cerr).Fields {
			if !v.Has(x.Field) {
				v.Fields = append(v.Fields, x)
			}
		}
		err = v.Err()
	}
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			ui.Fail(w, r, err)
			return
		}
		f := formErrors(l, err, "charged_on", "course_from", "course_to", "class_hours", "amount", "paid_into", "note")
		f.Values = vals
		ui.showTraining(w, r, http.StatusUnprocessableEntity, nil, &f)
		return
	}
	switch {
	case len(rec.Violations) == 0:
		ui.setFlash(w, "flash.training_check_ok")
	case rec.CaseID != 0:
		ui.setFlash(w, "flash.training_check_case")
	default:
		ui.setFlash(w, "flash.training_check_violation")
	}
	http.Redirect(w, r, "/training/"+url.PathEscape(code)+"#check-"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
}
