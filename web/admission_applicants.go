package web

// Children applying for a place in primary 1 or junior 7: the list (names
// and ID numbers masked) with filters, paging and a masked export; adding
// one by form or many from a CSV file; a child's page, where a holder of
// admission.view_pii may see the unmasked data by giving a reason (audited).

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
	"edubureau/pii"
	"edubureau/student"
)

type applicantRow struct {
	ID                          int64
	Href                        string
	Number, Name, IDNumber      string
	County, Zone, ZoneState     string
	ZoneHref                    string
	Prefs                       string
	Uncovered, Overlap, Pending bool
}

func applicantRowOf(l i18n.Lang, a enrol.Applicant) applicantRow {
	row := applicantRow{ID: a.ID, Href: "/admission/applicants/" + strconv.FormatInt(a.ID, 10), Number: a.Number,
		Name: pii.MaskName(a.Name), IDNumber: pii.MaskID(a.IDNumber), County: a.County, Zone: a.ZoneCode,
		ZoneState: a.ZoneState.Name().In(l), Prefs: strings.Join(a.Prefs, " › "),
		Uncovered: a.ZoneState == enrol.ZoneUncovered, Overlap: a.ZoneState == enrol.ZoneOverlap, Pending: a.ZoneState == enrol.ZonePending}
	if a.ZoneID != 0 {
		row.ZoneHref = "/admission/zones/" + strconv.FormatInt(a.ZoneID, 10)
	}
	return row
}

type applicantListData struct {
	Year, Grade             int
	County, State, Number   string
	IDNumber, Name, Zone    string
	Years, Grades, Counties []option
	States                  []option
	Rows                    []applicantRow
	Total                   int
	Export                  string
	CanEdit                 bool
	Notice                  string
	Problem                 *problem
	Form                    applicantForm
	Feeder                  student.Grade // the registry's grade whose leavers apply (when the registry is there)
	FeederName              string
	Registry                *registryReport
	pager
}

// registryReport is what a draw from the student registry did, with the
// leavers it could not register.
type registryReport struct {
	Notice  string
	Skipped []skippedRow
	More    int
}

type skippedRow struct {
	Name, School, Reason, Href string
}

// applicantForm is the form adding one child, kept as typed when refused.
type applicantForm struct {
	Values map[string]string
	Errors map[string][]string
}

func (ui *UI) applicantFilter(q url.Values) (enrol.ApplicantFilter, error) {
	year, err := ui.yearOf(q)
	if err != nil {
		return enrol.ApplicantFilter{}, err
	}
	grade, err := gradeOf(q, enrol.GradePrimary, enrol.GradePrimary, enrol.GradeJunior)
	if err != nil {
		return enrol.ApplicantFilter{}, err
	}
	page, err := pageOf(q)
	if err != nil {
		return enrol.ApplicantFilter{}, err
	}
	f := enrol.ApplicantFilter{Year: year, Grade: grade, County: strings.TrimSpace(q.Get("county")), State: enrol.ZoneState(q.Get("state")),
		Number: strings.TrimSpace(q.Get("number")), IDNumber: strings.TrimSpace(q.Get("id_number")), Name: strings.TrimSpace(q.Get("name")),
		Page: page, PerPage: 50}
	if z := q.Get("zone"); z != "" {
		id, err := strconv.ParseInt(z, 10, 64)
		if err != nil {
			return f, paramError("zone", z)
		}
		f.Zone = id
	}
	switch f.State {
	case "", enrol.ZonePending, enrol.ZoneAssigned, enrol.ZoneUncovered, enrol.ZoneOverlap:
	default:
		return f, paramError("state", string(f.State))
	}
	return f, nil
}

// applicantList is GET /admission/applicants.
func (ui *UI) applicantList(w http.ResponseWriter, r *http.Request) {
	ui.showApplicants(w, r, http.StatusOK, nil, applicantForm{})
}

func (ui *UI) showApplicants(w http.ResponseWriter, r *http.Request, status int, prob *problem, form applicantForm) {
	ui.renderApplicants(w, r, status, prob, form, nil)
}

// renderApplicants is the list, with the report of a draw from the student
// registry when there is one to show.
func (ui *UI) renderApplicants(w http.ResponseWriter, r *http.Request, status int, prob *problem, form applicantForm, rep *registryReport) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	ctx, l, q := r.Context(), i18n.FromRequest(r), r.URL.Query()
	if r.Method == http.MethodPost {
		q = url.Values{"year": {r.FormValue("year")}, "grade": {r.FormValue("grade")}}
	}
	f, err := ui.applicantFilter(q)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	pg, err := o.Applicants(ctx, u.Scope(), f)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if form.Values == nil {
		form = applicantForm{Values: map[string]string{"county": f.County}, Errors: map[string][]string{}}
	}
	d := &applicantListData{Year: f.Year, Grade: f.Grade, County: f.County, State: string(f.State), Number: f.Number, IDNumber: f.IDNumber,
		Name: f.Name, Years: ui.yearOptions(f.Year), Grades: gradeOptions(l, f.Grade, enrol.GradePrimary, enrol.GradeJunior),
		Total: pg.Total, CanEdit: u.Can(auth.AdmissionEdit), Notice: noticeOf(l, q), Problem: prob, Form: form, Registry: rep}
	if d.Feeder, ok = o.FeederGrade(f.Grade); ok {
		d.FeederName = d.Feeder.Name().In(l)
	}
	if f.Zone != 0 {
		d.Zone = strconv.FormatInt(f.Zone, 10)
	}
	if d.Counties, err = ui.countyOptions(ctx, &u, f.County); err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, s := range []enrol.ZoneState{enrol.ZonePending, enrol.ZoneAssigned, enrol.ZoneUncovered, enrol.ZoneOverlap} {
		d.States = append(d.States, option{Value: string(s), Label: s.Name().In(l), Selected: s == f.State})
	}
	for _, a := range pg.Items {
		d.Rows = append(d.Rows, applicantRowOf(l, a))
	}
	link := func(n int) string {
		v := url.Values{"year": {strconv.Itoa(f.Year)}, "grade": {strconv.Itoa(f.Grade)}}
		for k, val := range map[string]string{"county": f.County, "state": string(f.State), "number": f.Number, "zone": d.Zone} {
			if val != "" {
				v.Set(k, val)
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return "/admission/applicants?" + v.Encode()
	}
	d.Export = "/admission/applicants/export.csv" + strings.TrimPrefix(link(1), "/admission/applicants")
	d.pager = newPager(f.Page, f.PerPage, pg.Total, link)
	ui.render(w, r, status, "admission_applicants", ui.newPage(r, i18n.Tr(l, "admission.applicants.title"), d))
}

// applicantExport is GET /admission/applicants/export.csv: names and ID
// numbers masked, like the list.
func (ui *UI) applicantExport(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admUser(w, r)
	if !ok {
		return
	}
	f, err := ui.applicantFilter(r.URL.Query())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	zh := func(key string) string { return i18n.Tr(i18n.ZH, key) }
	str := func(fn func(enrol.Applicant) string) func(enrol.Applicant) any {
		return func(a enrol.Applicant) any { return fn(a) }
	}
	day := ui.now().In(shanghai).Format("2006-01-02")
	e := Export[enrol.Applicant]{
		Name: zh("admission.applicants.file") + "-" + day, ASCIIName: "applicants-" + day, Sheet: zh("admission.applicants.title"),
		Columns: []Column[enrol.Applicant]{
			{zh("admission.col.number"), 22, str(func(a enrol.Applicant) string { return a.Number })},
			{zh("admission.col.name"), 10, str(func(a enrol.Applicant) string { return pii.MaskName(a.Name) })},
			{zh("admission.col.id_number"), 20, str(func(a enrol.Applicant) string { return pii.MaskID(a.IDNumber) })},
			{zh("admission.col.county"), 10, str(func(a enrol.Applicant) string { return a.County })},
			{zh("admission.col.zone"), 10, str(func(a enrol.Applicant) string { return a.ZoneCode })},
			{zh("admission.col.zone_state"), 12, str(func(a enrol.Applicant) string { return a.ZoneState.Name().ZH })},
			{zh("admission.col.prefs"), 30, str(func(a enrol.Applicant) string { return strings.Join(a.Prefs, "|") })},
		},
		Rows: func(yield func(enrol.Applicant) error) error {
			return o.EachApplicant(r.Context(), u.Scope(), f, yield)
		},
	}
	if err := e.CSV(w); err != nil {
		ui.exportFailed(w, r, err)
	}
}

var applicantFields = []string{"county", "name", "id_number", "address", "lng", "lat", "prefs"}

// createApplicant is POST /admission/applicants: one child from the form.
func (ui *UI) createApplicant(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	form := applicantForm{Values: map[string]string{}, Errors: map[string][]string{}}
	for _, f := range applicantFields {
		form.Values[f] = strings.TrimSpace(r.FormValue(f))
	}
	year, _ := strconv.Atoi(r.FormValue("year"))
	grade, _ := strconv.Atoi(r.FormValue("grade"))
	in := enrol.ApplicantInput{Year: year, Grade: grade, County: form.Values["county"], Name: form.Values["name"], IDNumber: form.Values["id_number"],
		Address: form.Values["address"], Prefs: strings.FieldsFunc(form.Values["prefs"], func(c rune) bool { return c == '|' || c == ',' || c == ' ' })}
	var v fault.Validation
	var err1, err2 error
	in.Lng, err1 = strconv.ParseFloat(form.Values["lng"], 64)
	in.Lat, err2 = strconv.ParseFloat(form.Values["lat"], 64)
	if err1 != nil {
		v.Add("lng", "请填写经度（数字）", "the longitude (a number) is required")
	}
	if err2 != nil {
		v.Add("lat", "请填写纬度（数字）", "the latitude (a number) is required")
	}
	err := v.Err()
	var apps []enrol.Applicant
	if err == nil {
		apps, err = o.AddApplicants(r.Context(), actorOf(u, r), []enrol.ApplicantInput{in})
	}
	if err != nil {
		status, ok := refusal(err)
		if !ok {
			ui.Fail(w, r, err)
			return
		}
		fe := fault.As(err)
		var other []string
		for _, f := range fe.Fields {
			if _, known := form.Values[f.Field]; known {
				form.Errors[f.Field] = append(form.Errors[f.Field], f.Msg.In(l))
			} else {
				other = append(other, fieldProblem(l, f))
			}
		}
		ui.showApplicants(w, r, status, &problem{Message: fe.Msg.In(l), Fields: other}, form)
		return
	}
	http.Redirect(w, r, doneURL("/admission/applicants/"+strconv.FormatInt(apps[0].ID, 10), "applicant_saved"), http.StatusSeeOther)
}

// applicantsFromRegistry is POST /admission/applicants/from-registry: the
// student registry's leavers (大班 for primary 1, the last primary grade for
// junior 7) become applicants. It may be run again: it adds only the new
// ones. With leavers it could not register, the list is shown with them
// (their students to correct in the registry); otherwise back to the list.
func (ui *UI) applicantsFromRegistry(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	year, _ := strconv.Atoi(r.FormValue("year"))
	grade, _ := strconv.Atoi(r.FormValue("grade"))
	rep, err := o.ApplicantsFromRegistry(r.Context(), actorOf(u, r), year, grade)
	if err != nil {
		ui.refuse(w, r, err, func(w http.ResponseWriter, r *http.Request, status int, p *problem) {
			ui.showApplicants(w, r, status, p, applicantForm{})
		})
		return
	}
	list := fmt.Sprintf("/admission/applicants?year=%d&grade=%d", year, grade)
	if rep.SkippedTotal == 0 {
		http.Redirect(w, r, doneURL(list, "from_registry", rep.Created, rep.Existing, 0), http.StatusSeeOther)
		return
	}
	out := &registryReport{Notice: i18n.Trf(l, "admission.notice.from_registry", rep.Created, rep.Existing, rep.SkippedTotal),
		More: rep.SkippedTotal - len(rep.Skipped)}
	names, err := o.SchoolNames(r.Context())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, s := range rep.Skipped {
		row := skippedRow{Name: s.Name, School: names[s.School], Reason: s.Reason.In(l)}
		if u.Can(auth.StudentView) {
			row.Href = "/students/" + strconv.FormatInt(s.StudentID, 10)
		}
		out.Skipped = append(out.Skipped, row)
	}
	ui.renderApplicants(w, r, http.StatusOK, nil, applicantForm{}, out)
}

// importApplicants is POST /admission/applicants/import: children from a CSV file.
func (ui *UI) importApplicants(w http.ResponseWriter, r *http.Request) {
	u, o, ok := ui.admForm(w, r)
	if !ok {
		return
	}
	refuse := func(err error) {
		ui.refuse(w, r, err, func(w http.ResponseWriter, r *http.Request, status int, p *problem) {
			ui.showApplicants(w, r, status, p, applicantForm{})
		})
	}
	year, _ := strconv.Atoi(r.FormValue("year"))
	grade, _ := strconv.Atoi(r.FormValue("grade"))
	file, name, err := uploadFile(r, "file")
	if err != nil {
		refuse(err)
		return
	}
	defer file.Close()
	n, err := o.ImportApplicants(r.Context(), actorOf(u, r), year, grade, file, name)
	if err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, doneURL(fmt.Sprintf("/admission/applicants?year=%d&grade=%d", year, grade), "applicants_imported", n), http.StatusSeeOther)
}

type applicantDetailData struct {
	applicantRow
	Year, Grade    int
	GradeName      string
	Address, Point string
	Revealed       bool
	CanReveal      bool
	ListHref       string
	Notice         string
	Problem        *problem
}

// applicantDetail is GET /admission/applicants/{id}.
func (ui *UI) applicantDetail(w http.ResponseWriter, r *http.Request) {
	ui.showApplicant(w, r, http.StatusOK, nil, nil)
}

func (ui *UI) showApplicant(w http.ResponseWriter, r *http.Request, status int, revealed *enrol.Applicant, prob *problem) {
	u, o, id, ok := ui.admRecord(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	a, err := o.Applicant(r.Context(), u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &applicantDetailData{applicantRow: applicantRowOf(l, a), Year: a.Year, Grade: a.Grade, GradeName: enrol.GradeName(a.Grade).In(l),
		Address: maskAddress(a.Address), Point: "***", CanReveal: u.Can(auth.AdmissionPII),
		ListHref: fmt.Sprintf("/admission/applicants?year=%d&grade=%d", a.Year, a.Grade), Notice: noticeOf(l, r.URL.Query()), Problem: prob}
	if revealed != nil {
		d.Revealed, d.Name, d.IDNumber, d.Address = true, revealed.Name, revealed.IDNumber, revealed.Address
		d.Point = strconv.FormatFloat(revealed.Lng, 'f', 6, 64) + ", " + strconv.FormatFloat(revealed.Lat, 'f', 6, 64)
	}
	ui.render(w, r, status, "admission_applicant", ui.newPage(r, a.Number, d))
}

// maskAddress keeps an address's first four characters.
func maskAddress(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-4)
}

// revealApplicant is POST /admission/applicants/{id}/reveal: the unmasked
// data, once, for a reason that is audited.
func (ui *UI) revealApplicant(w http.ResponseWriter, r *http.Request) {
	u, o, id, ok := ui.admFormRecord(w, r)
	if !ok {
		return
	}
	a, err := o.RevealApplicant(r.Context(), actorOf(u, r), id, r.FormValue("reason"))
	if err != nil {
		if status, ok := refusal(err); ok {
			ui.showApplicant(w, r, status, nil, problemOf(i18n.FromRequest(r), err))
			return
		}
		ui.Fail(w, r, err)
		return
	}
	ui.showApplicant(w, r, http.StatusOK, &a, nil)
}
