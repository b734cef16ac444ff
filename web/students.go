package web

// The student status registry's pages (学籍, issue 4): the list with search,
// filters and exports (this file), the profile with its timeline and the
// lifecycle actions (student.go), the record's form (studentform.go),
// classes and rosters (classes.go), transfers and their inboxes
// (transfers.go), year-end promotion (promotion.go), the dropout follow-up
// list (followups.go) and probable duplicates (duplicates.go). The numbers
// on the dashboard are in home.go.

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/student"
	"edubureau/year"
)

func init() {
	addFeature(feature{
		pages: []string{"students", "student", "student_form", "classes", "class", "transfers", "transfer",
			"transfer_new", "promotion", "followups", "followup", "duplicates"},
		nav: []NavItem{
			{Key: "nav.students", Href: "/students", Permission: auth.StudentView, Order: 20},
			{Key: "nav.classes", Href: "/classes", Permission: auth.StudentView, Order: 21},
			{Key: "nav.transfers", Href: "/transfers", Permission: auth.StudentView, Order: 22, Badge: transferBadge},
			{Key: "nav.followups", Href: "/followups", Permission: auth.StudentView, Order: 23},
			{Key: "nav.duplicates", Href: "/duplicates", Permission: auth.StudentView, Order: 24},
			{Key: "nav.promotion", Href: "/promotion", Permission: auth.StudentView, Order: 25},
		},
		routes: func(ui *UI) []httpx.Route {
			v, e, pii := auth.StudentView, auth.StudentEdit, auth.StudentViewPII
			in := httpx.SignedIn
			return []httpx.Route{
				{Method: "GET", Pattern: "/students", Access: in, Permission: v, Handler: ui.studentList},
				{Method: "GET", Pattern: "/students/export.csv", Access: in, Permission: v, Handler: ui.studentExportFile},
				{Method: "GET", Pattern: "/students/export.xlsx", Access: in, Permission: v, Handler: ui.studentExportFile},
				{Method: "GET", Pattern: "/students/new", Access: in, Permission: e, Handler: ui.newStudent},
				{Method: "POST", Pattern: "/students", Access: in, Permission: e, Handler: ui.createStudent},
				{Method: "GET", Pattern: "/students/{id}", Access: in, Permission: v, Handler: ui.studentProfile},
				{Method: "GET", Pattern: "/students/{id}/edit", Access: in, Permission: e, Handler: ui.editStudent},
				{Method: "POST", Pattern: "/students/{id}", Access: in, Permission: e, Handler: ui.updateStudent},
				{Method: "POST", Pattern: "/students/{id}/reveal", Access: in, Permission: pii, Handler: ui.revealStudent},
				{Method: "POST", Pattern: "/students/{id}/actions/{action}", Access: in, Permission: e, Handler: ui.studentAction},
				{Method: "GET", Pattern: "/classes", Access: in, Permission: v, Handler: ui.classList},
				{Method: "POST", Pattern: "/classes", Access: in, Permission: e, Handler: ui.createClass},
				{Method: "GET", Pattern: "/classes/{id}", Access: in, Permission: v, Handler: ui.classRoster},
				{Method: "POST", Pattern: "/classes/{id}", Access: in, Permission: e, Handler: ui.updateClass},
				{Method: "GET", Pattern: "/transfers", Access: in, Permission: v, Handler: ui.transferInbox},
				{Method: "GET", Pattern: "/transfers/new", Access: in, Permission: e, Handler: ui.newTransfer},
				{Method: "POST", Pattern: "/transfers", Access: in, Permission: e, Handler: ui.requestTransfer},
				{Method: "GET", Pattern: "/transfers/{id}", Access: in, Permission: v, Handler: ui.transferDetail},
				{Method: "POST", Pattern: "/transfers/{id}/{decision}", Access: in, Permission: e, Handler: ui.decideTransfer},
				{Method: "GET", Pattern: "/promotion", Access: in, Permission: v, Handler: ui.promotionPage},
				{Method: "POST", Pattern: "/promotion", Access: in, Permission: e, Handler: ui.runPromotion},
				{Method: "POST", Pattern: "/promotion/runs/{id}/undo", Access: in, Permission: e, Handler: ui.undoPromotion},
				{Method: "GET", Pattern: "/followups", Access: in, Permission: v, Handler: ui.followUpList},
				{Method: "GET", Pattern: "/followups/{id}", Access: in, Permission: v, Handler: ui.followUpCase},
				{Method: "POST", Pattern: "/followups/{id}/actions", Access: in, Permission: e, Handler: ui.addFollowUpAction},
				{Method: "POST", Pattern: "/followups/{id}/close", Access: in, Permission: e, Handler: ui.closeFollowUp},
				{Method: "GET", Pattern: "/duplicates", Access: in, Permission: v, Handler: ui.duplicateList},
				{Method: "POST", Pattern: "/duplicates/merge", Access: in, Permission: e, Handler: ui.mergeDuplicate},
				{Method: "POST", Pattern: "/duplicates/not-duplicate", Access: in, Permission: e, Handler: ui.notDuplicate},
			}
		},
	})
}

// studentUser is how every student page starts: the signed-in user and the
// registry, or the error page (ok is false, and the response is written).
func (ui *UI) studentUser(w http.ResponseWriter, r *http.Request) (auth.User, *student.Registry, bool) {
	u, err := currentUser(r)
	if err == nil {
		if ui.d.Students != nil {
			return u, ui.d.Students, true
		}
		err = fault.New(fault.Unavailable, "学籍管理未启用（未配置个人信息加密密钥）", "the student registry is not enabled (no key for personal data is configured)")
	}
	ui.Fail(w, r, err)
	return auth.User{}, nil, false
}

// studentPost is how a student form's POST handler starts: the signed-in
// user, the parsed form and the registry, or the error page (ok is false).
func (ui *UI) studentPost(w http.ResponseWriter, r *http.Request) (auth.User, *student.Registry, bool) {
	u, ok := ui.formUser(w, r)
	if !ok {
		return auth.User{}, nil, false
	}
	if ui.d.Students == nil {
		ui.studentUser(w, r)
		return auth.User{}, nil, false
	}
	return u, ui.d.Students, true
}

// studentPostID is studentPost for a record's URL: with its {id}.
func (ui *UI) studentPostID(w http.ResponseWriter, r *http.Request) (auth.User, *student.Registry, int64, bool) {
	u, reg, ok := ui.studentPost(w, r)
	if !ok {
		return u, nil, 0, false
	}
	id, err := pathID(r, "id")
	if err != nil {
		ui.Fail(w, r, err)
		return u, nil, 0, false
	}
	return u, reg, id, true
}

// studentRefusal reports whether err is the user's to put right on the page they
// came from (shown again with the problem), and the status it answers.
func studentRefusal(err error) (int, bool) {
	switch k := fault.KindOf(err); k {
	case fault.Invalid, fault.Conflict, fault.Forbidden, fault.Precondition:
		return httpx.Status(k), true
	}
	return 0, false
}

// listProblems turns a list's refused filter into the lines shown above it
// (each field named); ok is false when the fault is not the user's to fix.
func listProblems(l i18n.Lang, err error) (lines []string, ok bool) {
	fe := fault.As(err)
	if fe.Kind != fault.Invalid {
		return nil, false
	}
	for _, x := range fe.Fields {
		lines = append(lines, studentProblem(l, x))
	}
	if len(lines) == 0 {
		lines = append(lines, fe.Msg.In(l))
	}
	return lines, true
}

// studentActor is the signed-in user acting, for the registry's audit log.
func studentActor(r *http.Request, u auth.User) student.Actor {
	return audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context()))
}

// pathID reads a numeric id from the path; anything else is not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.New(fault.NotFound, "找不到 %s", "nothing at %s", r.URL.Path)
	}
	return id, nil
}

// transferBadge is the navigation's count for transfers: what waits for the
// user's school or county bureau to decide.
func transferBadge(ui *UI, r *http.Request, u auth.User) int {
	if ui.d.Students == nil || !hasInbox(u) {
		return 0
	}
	n, err := ui.d.Students.WaitingCount(r.Context(), u.Scope(), u.OrgKind, u.OrgCode)
	if err != nil {
		httpx.LogError(r, err)
		return 0
	}
	return n
}

// studentLabel names a field of the student pages in l: the record's
// fields as package student names them, the pages' own otherwise.
func studentLabel(l i18n.Lang, key string) string {
	if i18n.Has("sfield." + key) {
		return i18n.Tr(l, "sfield."+key)
	}
	if t := student.FieldLabel(key); t.ZH != key {
		return t.In(l)
	}
	return key
}

// studentProblem writes "label: message" for a field of the student pages.
func studentProblem(l i18n.Lang, fe fault.FieldError) string {
	sep := "："
	if l == i18n.EN {
		sep = ": "
	}
	return studentLabel(l, fe.Field) + sep + fe.Msg.In(l)
}

// gradeOptions lists grades K1–12 (those of a school type when t is set).
func studentGrades(l i18n.Lang, t school.Type, sel string) []option {
	first, last := student.K1, student.Grade(12)
	if t != "" {
		if span, ok := student.SixThree.Grades(t); ok {
			first, last = span.First, span.Last
		}
	}
	var out []option
	for g := first; g <= last; g++ {
		name := g.Name()
		if t != "" {
			name = g.NameAt(t)
		}
		out = append(out, option{g.String(), name.In(l), g.String() == sel})
	}
	return out
}

func studentChoices(l i18n.Lang, list []student.Choice, sel string, skipEmpty bool) []option {
	var out []option
	for _, c := range list {
		if c.Code == "" && skipEmpty {
			continue
		}
		out = append(out, option{c.Code, c.Name.In(l), c.Code == sel})
	}
	return out
}

// currentYear is the academic year marked current, else the one today is in.
func (ui *UI) currentYear(ctx context.Context) string {
	if a, err := year.CurrentAcademic(ctx, ui.d.DB); err == nil && a.Code != "" {
		return a.Code
	}
	return year.AcademicOf(ui.now()).Code
}

// schoolsIn lists the schools of sc (of a county when given) that keep
// student records, for a select; when neither a county nor a small scope
// narrows them (a whole city's thousands), it returns nil and false.
func (ui *UI) schoolsIn(ctx context.Context, sc scope.Scope, county string) ([]school.School, bool, error) {
	if county == "" && (sc.All || len(sc.Schools) == 0) {
		return nil, false, nil
	}
	var out []school.School
	err := ui.d.Schools.Each(ctx, sc, school.Filter{County: county, Sort: "name"}, func(s school.School) error {
		if _, ok := student.SixThree.Grades(s.Type); ok {
			out = append(out, s)
		}
		return nil
	})
	return out, true, err
}

func schoolOptions(list []school.School, sel string, activeOnly bool) []option {
	out := make([]option, 0, len(list))
	for _, s := range list {
		if activeOnly && s.Status != school.Active && s.Code != sel {
			continue
		}
		out = append(out, option{s.Code, s.Name, s.Code == sel})
	}
	return out
}

// studentQuery is the student list's query string as typed.
type studentQuery struct {
	Q, County, School, Grade, Class, Status, Sort, Desc, Page, PerPage string
}

func readStudentQuery(q url.Values) studentQuery {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return studentQuery{Q: g("q"), County: g("county"), School: g("school"), Grade: g("grade"), Class: g("class"),
		Status: g("status"), Sort: g("sort"), Desc: g("desc"), Page: g("page"), PerPage: g("per_page")}
}

func (sq studentQuery) url(path string) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", sq.Q}, {"county", sq.County}, {"school", sq.School}, {"grade", sq.Grade},
		{"class", sq.Class}, {"status", sq.Status}, {"sort", sq.Sort}, {"desc", sq.Desc}, {"page", sq.Page}, {"per_page", sq.PerPage}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if enc := v.Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}

// statusAtSchool is the list's pseudo-status "on a school's roll".
const statusAtSchool = "at_school"

// filter turns the query into a student.Filter, naming every bad value.
func (sq studentQuery) filter() (student.Filter, error) {
	f := student.Filter{Query: sq.Q, County: sq.County, School: sq.School, Sort: sq.Sort}
	var v fault.Validation
	if sq.Grade != "" {
		if g, ok := student.ParseGrade(sq.Grade); ok {
			f.Grade = &g
		} else {
			v.Add("grade", "年级“%s”无效", "grade %q is not valid", sq.Grade)
		}
	}
	if sq.Class != "" {
		if n, err := strconv.ParseInt(sq.Class, 10, 64); err == nil && n > 0 {
			f.ClassID = n
		} else {
			v.Add("class", "班级“%s”无效", "class %q is not valid", sq.Class)
		}
	}
	switch sq.Status {
	case "":
	case statusAtSchool:
		f.AtSchool = true
	default:
		f.Status = student.Status(sq.Status)
	}
	switch strings.ToLower(sq.Desc) {
	case "", "0", "false":
	case "1", "true", "on":
		f.Desc = true
	default:
		v.Add("desc", "排序方向 %q 无效（应为 1 或 0）", "sort direction %q is not valid (use 1 or 0)", sq.Desc)
	}
	f.Page, f.PerPage = parsePage(&v, sq.Page, sq.PerPage, student.MaxPerPage)
	if err := f.Check(); err != nil {
		for _, fe := range fault.As(err).Fields {
			if !v.Has(fe.Field) {
				v.Fields = append(v.Fields, fe)
			}
		}
	}
	return f, v.Err()
}

type studentListData struct {
	Query      studentQuery
	Counties   []option
	Schools    []option
	NoSchools  bool // no county chosen: the school list waits for one
	Classes    []option
	Grades     []option
	Statuses   []option
	PerPage    []option
	Errors     []string
	Result     student.Page
	Columns    []sortColumn
	ExportCSV  string
	ExportXLSX string
	CanEdit    bool
	CanPII     bool
	OOB        bool // htmx: the school and class selects follow the county and school (out of band)
	pager
}

// studentList is GET /students: search by name, student number or the
// last digits of the ID, with filters, sorting and pages. htmx asks for the
// results fragment, with the school and class selects refreshed beside it.
func (ui *UI) studentList(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	ctx, l, sc := r.Context(), i18n.FromRequest(r), u.Scope()
	sq := readStudentQuery(r.URL.Query())
	d := &studentListData{Query: sq, CanEdit: u.Can(auth.StudentEdit), CanPII: u.Can(auth.StudentViewPII), OOB: isHTMX(r)}
	counties, err := ui.counties(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Counties = areaOptions(counties, sq.County)
	// The school and class selects follow the county and school chosen; a
	// school (or class) left over from another county (or school) is dropped.
	if err := ui.studentFilterChoices(ctx, l, sc, d); err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Grades = studentGrades(l, "", sq.Grade)
	d.Statuses = append(d.Statuses, option{statusAtSchool, i18n.Tr(l, "students.at_school"), sq.Status == statusAtSchool})
	for _, s := range student.Statuses {
		d.Statuses = append(d.Statuses, option{string(s.Status), s.Name.In(l), string(s.Status) == sq.Status})
	}
	for _, n := range perPageChoices {
		s := strconv.Itoa(n)
		d.PerPage = append(d.PerPage, option{s, s, s == sq.PerPage || sq.PerPage == "" && n == 50})
	}
	status := http.StatusOK
	f, ferr := d.Query.filter()
	if ferr == nil {
		d.Result, ferr = reg.Search(ctx, sc, f)
	}
	if ferr != nil {
		var ok bool
		if d.Errors, ok = listProblems(l, ferr); !ok {
			ui.Fail(w, r, ferr)
			return
		}
		status = http.StatusBadRequest
	} else {
		d.paginate(l)
	}
	p := ui.newPage(r, i18n.Tr(l, "students.title"), d)
	if isHTMX(r) {
		ui.renderTemplate(w, r, status, "students", "student-results", p)
		return
	}
	ui.render(w, r, status, "students", p)
}

// studentFilterChoices fills the school and class selects of the list.
func (ui *UI) studentFilterChoices(ctx context.Context, l i18n.Lang, sc scope.Scope, d *studentListData) error {
	county := d.Query.County
	if county == "" && !sc.All && len(sc.Areas) == 1 && len(sc.Areas[0]) == 6 {
		county = sc.Areas[0] // a county's staff: their county's schools
	}
	schools, listed, err := ui.schoolsIn(ctx, sc, county)
	if err != nil {
		return err
	}
	d.NoSchools = !listed
	found := false
	for _, s := range schools {
		found = found || s.Code == d.Query.School
	}
	if listed && !found && d.Query.School != "" {
		d.Query.School, d.Query.Class = "", ""
	}
	d.Schools = schoolOptions(schools, d.Query.School, false)
	if !listed && d.Query.School != "" {
		// A school given in the link (from a class roster, say) stays selectable.
		if s, err := ui.d.Schools.Get(ctx, sc, d.Query.School); err == nil {
			d.Schools = []option{{s.Code, s.Name, true}}
		}
	}
	if d.Query.School == "" {
		d.Query.Class = ""
		return nil
	}
	classes, err := ui.d.Students.SchoolClasses(ctx, sc, d.Query.School, ui.currentYear(ctx))
	if err != nil {
		return err
	}
	found = false
	for _, c := range classes {
		sel := strconv.FormatInt(c.ID, 10) == d.Query.Class
		found = found || sel
		d.Classes = append(d.Classes, option{strconv.FormatInt(c.ID, 10), c.Name, sel})
	}
	if !found {
		d.Query.Class = ""
	}
	return nil
}

// paginate builds the sort headers, the page links and the export links.
func (d *studentListData) paginate(l i18n.Lang) {
	sq := d.Query
	for _, c := range []struct{ key, label string }{{"name", "sfield.name"}, {"birth_date", "sfield.birth_date"},
		{"school", "sfield.school"}, {"grade", "sfield.grade"}, {"status", "sfield.status"}} {
		q := sq
		q.Page = ""
		active := sq.Sort == c.key || sq.Sort == "" && c.key == "name"
		desc := active && (sq.Desc == "1" || strings.EqualFold(sq.Desc, "true") || sq.Desc == "on")
		q.Sort, q.Desc = c.key, ""
		if active && !desc {
			q.Desc = "1"
		}
		d.Columns = append(d.Columns, sortColumn{Key: c.key, Label: i18n.Tr(l, c.label), URL: q.url("/students"), Active: active, Desc: desc})
	}
	pg := d.Result
	d.pager = newPager(pg.Page, pg.PerPage, pg.Total, func(n int) string {
		q := sq
		q.Page = ""
		if n > 1 {
			q.Page = strconv.Itoa(n)
		}
		return q.url("/students")
	})
	d.HXTarget = "#student-results"
	ex := sq
	ex.Page, ex.PerPage = "", ""
	d.ExportCSV, d.ExportXLSX = ex.url("/students/export.csv"), ex.url("/students/export.xlsx")
}

// studentColumns are the columns of the student list's exports, with
// Chinese headers (the files go to other offices and systems).
func studentColumns() []Column[student.Summary] {
	zh := func(key string) string { return i18n.Tr(i18n.ZH, key) }
	str := func(f func(student.Summary) string) func(student.Summary) any {
		return func(s student.Summary) any { return f(s) }
	}
	yes := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	return []Column[student.Summary]{
		{zh("sfield.student_no"), 22, str(func(s student.Summary) string { return s.StudentNo })},
		{zh("sfield.name"), 12, str(func(s student.Summary) string { return s.Name })},
		{zh("sfield.gender"), 6, str(func(s student.Summary) string { return genderName(s.Gender).ZH })},
		{zh("sfield.birth_date"), 12, str(func(s student.Summary) string { return s.BirthDate })},
		{zh("sfield.id_type"), 14, str(func(s student.Summary) string { return idTypeName(s.IDType).ZH })},
		{zh("sfield.id_number"), 22, str(func(s student.Summary) string { return s.IDNumber })},
		{zh("export.school_code"), 13, str(func(s student.Summary) string { return s.School })},
		{zh("sfield.school_name"), 26, str(func(s student.Summary) string { return s.SchoolName })},
		{zh("export.county_code"), 10, str(func(s student.Summary) string { return s.County })},
		{zh("field.county"), 10, str(func(s student.Summary) string { return s.CountyName })},
		{zh("sfield.level"), 10, str(func(s student.Summary) string { return student.LevelName(s.Level).ZH })},
		{zh("sfield.grade"), 8, str(func(s student.Summary) string { return s.Grade.Name().ZH })},
		{zh("sfield.class"), 14, str(func(s student.Summary) string { return s.ClassName })},
		{zh("sfield.status"), 8, str(func(s student.Summary) string { return student.StatusName(s.Status).ZH })},
		{zh("sfield.absent_since"), 12, str(func(s student.Summary) string { return s.AbsentSince })},
		{zh("sfield.migrant"), 8, str(func(s student.Summary) string { return yes(s.Migrant) })},
		{zh("sfield.left_behind"), 8, str(func(s student.Summary) string { return yes(s.LeftBehind) })},
		{zh("sfield.special_needs"), 10, str(func(s student.Summary) string {
			if s.SpecialNeeds == "" {
				return ""
			}
			return student.ChoiceName(student.SpecialNeeds, s.SpecialNeeds).ZH
		})},
	}
}

// studentExport is every student matching the list's filters (pages
// ignored), masked unless the user may see personal data — the registry
// writes the export to the audit log before the first row.
func (ui *UI) studentExport(w http.ResponseWriter, r *http.Request) (Export[student.Summary], bool) {
	u, reg, ok := ui.studentUser(w, r)
	if !ok {
		return Export[student.Summary]{}, false
	}
	sq := readStudentQuery(r.URL.Query())
	sq.Page, sq.PerPage = "", ""
	f, err := sq.filter()
	if err != nil {
		ui.Fail(w, r, err)
		return Export[student.Summary]{}, false
	}
	day := ui.now().In(shanghai).Format("2006-01-02")
	by := studentActor(r, u)
	return Export[student.Summary]{
		Name:      i18n.Tr(i18n.ZH, "export.students_file") + "-" + day,
		ASCIIName: "students-" + day,
		Sheet:     i18n.Tr(i18n.ZH, "export.students_sheet"),
		Columns:   studentColumns(),
		Rows: func(yield func(student.Summary) error) error {
			_, err := reg.Export(r.Context(), u, f, by, yield)
			return err
		},
	}, true
}

// studentExportFile is GET /students/export.csv and /students/export.xlsx.
func (ui *UI) studentExportFile(w http.ResponseWriter, r *http.Request) {
	if e, ok := ui.studentExport(w, r); ok {
		e.Serve(ui, w, r)
	}
}

// genderName and idTypeName name the codes of package idno.
func genderName(g idno.Gender) i18n.Text {
	switch g {
	case idno.Male:
		return i18n.T("男", "Male")
	case idno.Female:
		return i18n.T("女", "Female")
	}
	return i18n.Text{ZH: string(g), EN: string(g)}
}

func idTypeName(t idno.IDType) i18n.Text {
	n := t.Label()
	if n.EN != "" {
		n.EN = strings.ToUpper(n.EN[:1]) + n.EN[1:]
	}
	return n
}

// studentFuncs are the template functions of the student pages, bound to l.
func studentFuncs(l i18n.Lang) template.FuncMap {
	choices := map[string][]student.Choice{"dropout": student.DropoutReasons, "relation": student.Relations,
		"special": student.SpecialNeeds, "aid": student.FinancialAid, "action": student.FollowUpActions,
		"outcome": student.FollowUpOutcomes}
	return template.FuncMap{
		"gradeName":  func(g student.Grade) string { return g.Name().In(l) },
		"gradeOf":    func(g *student.Grade) string { return gradeText(l, g) },
		"stStatus":   func(s student.Status) string { return student.StatusName(s).In(l) },
		"eventName":  func(k student.EventKind) string { return student.EventName(k).In(l) },
		"levelName":  func(v student.Level) string { return student.LevelName(v).In(l) },
		"genderName": func(g any) string { return genderName(idno.Gender(fmt.Sprint(g))).In(l) },
		"idTypeName": func(t idno.IDType) string { return idTypeName(t).In(l) },
		"stepName":   func(s student.Step) string { return student.StepName(s).In(l) },
		"sfield":     func(key string) string { return studentLabel(l, key) },
		"inc":        func(i int) int { return i + 1 },
		"minus":      func(a, b int) int { return a - b },
		"list":       func(xs ...any) []any { return xs },
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"transferStatus": func(s student.TransferStatus) string {
			for _, x := range student.TransferStatuses {
				if x.Status == s {
					return x.Name.In(l)
				}
			}
			return string(s)
		},
		"choice": func(list, code string) string {
			if code == "" {
				return ""
			}
			return student.ChoiceName(choices[list], code).In(l)
		},
		"ethnicityName": func(code string) string {
			if e, ok := student.LookupEthnicity(code); ok {
				return e.Name.In(l)
			}
			return code
		},
	}
}

func gradeText(l i18n.Lang, g *student.Grade) string {
	if g == nil {
		return "—"
	}
	return g.Name().In(l)
}
