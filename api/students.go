package api

// The student registry's part of the API (issue 4): students (list and
// search, get, create, replace with ETag/If-Match, the profile with the
// timeline), transfers between schools (list, request, approve, reject,
// withdraw) and classes (list, create). Personal data is always masked
// here; unmasking is a page's work, with a reason, for users who may.
// Documented in openapi/students.json.

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/idno"
	"edubureau/student"
)

func init() { addPart(studentRoutes) }

func studentRoutes(a *API) []httpx.Route {
	v, e, in := "student.view", "student.edit", httpx.SignedIn
	return []httpx.Route{
		{Method: "GET", Pattern: Prefix + "/students", Access: in, Permission: v, Handler: a.listStudents},
		{Method: "POST", Pattern: Prefix + "/students", Access: in, Permission: e, Handler: a.createStudent},
		{Method: "GET", Pattern: Prefix + "/students/{id}", Access: in, Permission: v, Handler: a.getStudent},
		{Method: "PUT", Pattern: Prefix + "/students/{id}", Access: in, Permission: e, Handler: a.replaceStudent},
		{Method: "GET", Pattern: Prefix + "/students/{id}/profile", Access: in, Permission: v, Handler: a.studentProfile},
		{Method: "GET", Pattern: Prefix + "/transfers", Access: in, Permission: v, Handler: a.listTransfers},
		{Method: "POST", Pattern: Prefix + "/transfers", Access: in, Permission: e, Handler: a.requestTransfer},
		{Method: "GET", Pattern: Prefix + "/transfers/{id}", Access: in, Permission: v, Handler: a.getTransfer},
		{Method: "POST", Pattern: Prefix + "/transfers/{id}/approve", Access: in, Permission: e, Handler: a.decideTransfer("approve")},
		{Method: "POST", Pattern: Prefix + "/transfers/{id}/reject", Access: in, Permission: e, Handler: a.decideTransfer("reject")},
		{Method: "POST", Pattern: Prefix + "/transfers/{id}/withdraw", Access: in, Permission: e, Handler: a.decideTransfer("withdraw")},
		{Method: "GET", Pattern: Prefix + "/classes", Access: in, Permission: v, Handler: a.listClasses},
		{Method: "POST", Pattern: Prefix + "/classes", Access: in, Permission: e, Handler: a.createClass},
	}
}

// studentCall is how every handler here starts: the signed-in user and the
// registry (503 when the server has none: no key for personal data).
func (a *API) studentCall(w http.ResponseWriter, r *http.Request) (auth.User, *student.Registry, bool) {
	u, err := user(r)
	if err == nil {
		if a.d.Students != nil {
			return u, a.d.Students, true
		}
		err = fault.New(fault.Unavailable, "学籍管理未启用（未配置个人信息加密密钥）", "the student registry is not enabled (no key for personal data is configured)")
	}
	a.Fail(w, r, err)
	return auth.User{}, nil, false
}

func actorOf(r *http.Request, u auth.User) audit.Actor {
	return audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context()))
}

// idParam reads the {id} of a path: anything but a positive integer is not found.
func idParam(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, fault.New(fault.NotFound, "找不到编号为 %s 的记录", "nothing has the id %s", r.PathValue("id"))
	}
	return n, nil
}

// intParam and boolParam read optional query values into q's problems.
func (q *query) intParam(name string, min int64) (int64, bool) {
	s := q.get(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min {
		q.bad.Add(name, "%s 应为不小于 %d 的整数，而不是 %q", "%s must be a whole number of at least %d, not %q", name, min, s)
		return 0, false
	}
	return n, true
}

func (q *query) boolParam(name string) bool {
	switch s := q.get(name); s {
	case "", "false":
		return false
	case "true":
		return true
	default:
		q.bad.Add(name, "%s 应为 true 或 false，而不是 %q", "%s must be true or false, not %q", name, s)
		return false
	}
}

func (q *query) gradeParam(name string) *student.Grade {
	s := q.get(name)
	if s == "" {
		return nil
	}
	g, ok := student.ParseGrade(s)
	if !ok {
		q.bad.Add(name, "年级 %q 无效（K1–K3 或 1–12）", "grade %q is not valid (K1–K3 or 1–12)", s)
		return nil
	}
	return &g
}

// merge adds a fault's field problems to q's, keeping the first per field.
func (q *query) merge(err error) error {
	if err == nil {
		return nil
	}
	fe := fault.As(err)
	if fe.Kind != fault.Invalid {
		return err
	}
	for _, f := range fe.Fields {
		if !q.bad.Has(f.Field) {
			q.bad.AddText(f.Field, f.Msg)
		}
	}
	return nil
}

// flexID is an id in a request: a string (as responses write ids) or a
// number; empty or null is 0.
type flexID int64

func (f *flexID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return &json.UnmarshalTypeError{Value: "id " + string(b), Type: reflect.TypeOf(int64(0))}
	}
	*f = flexID(n)
	return nil
}

// studentsPage is one page of the student list.
type studentsPage struct {
	Items   []student.Summary `json:"items"`
	Total   int               `json:"total"`
	Page    int               `json:"page"`
	PerPage int               `json:"per_page"`
	Pages   int               `json:"pages"`
}

var studentListParams = []string{"q", "county", "school", "grade", "class", "level", "status", "at_school", "sort", "desc", "page", "per_page"}

// listStudents is GET /api/v1/students: one search box (q: a name prefix, a
// national student number, an ID number or its last 4/6 characters) and filters.
func (a *API) listStudents(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	q, err := parseQuery(r, studentListParams...)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	f := student.Filter{Query: q.get("q"), County: q.get("county"), School: q.get("school"), Level: student.Level(q.get("level")),
		Status: student.Status(q.get("status")), Sort: q.get("sort"), Page: 1, PerPage: 50}
	f.Grade = q.gradeParam("grade")
	if n, ok := q.intParam("class", 1); ok {
		f.ClassID = n
	}
	f.AtSchool, f.Desc = q.boolParam("at_school"), q.boolParam("desc")
	if n, ok := q.intParam("page", 1); ok {
		f.Page = int(n)
	}
	if n, ok := q.intParam("per_page", 1); ok {
		f.PerPage = int(n)
	}
	if err := q.merge(f.Check()); err != nil {
		a.Fail(w, r, err)
		return
	}
	if err := q.err(); err != nil {
		a.Fail(w, r, err)
		return
	}
	p, err := reg.Search(r.Context(), u.Scope(), f)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	w.Header().Set("Link", pageLinks(r, p.Page, p.Pages()))
	writeJSON(w, http.StatusOK, studentsPage{Items: p.Items, Total: p.Total, Page: p.Page, PerPage: p.PerPage, Pages: p.Pages()})
}

// studentInput is a student as a client sends it. The members the registry
// keeps (status, county, version…) are accepted so that a client may send
// back what it read, and ignored.
type studentInput struct {
	StudentNo    string             `json:"student_no"`
	Name         string             `json:"name"`
	Gender       idno.Gender        `json:"gender"`
	BirthDate    string             `json:"birth_date"`
	IDType       idno.IDType        `json:"id_type"`
	IDNumber     string             `json:"id_number"`
	Ethnicity    string             `json:"ethnicity"`
	Nationality  string             `json:"nationality"`
	Hukou        string             `json:"hukou"`
	Address      string             `json:"address"`
	Township     string             `json:"township"`
	Lng          *float64           `json:"lng"`
	Lat          *float64           `json:"lat"`
	Migrant      bool               `json:"migrant"`
	LeftBehind   bool               `json:"left_behind"`
	SpecialNeeds string             `json:"special_needs"`
	FinancialAid string             `json:"financial_aid"`
	Guardians    []student.Guardian `json:"guardians"`
	School       string             `json:"school"`
	Grade        json.RawMessage    `json:"grade"`
	ClassID      flexID             `json:"class_id"`
	EnrolledOn   string             `json:"enrolled_on"`

	ID           json.RawMessage `json:"id"`
	Status       json.RawMessage `json:"status"`
	County       json.RawMessage `json:"county"`
	Level        json.RawMessage `json:"level"`
	AbsentSince  json.RawMessage `json:"absent_since"`
	RepeatMarked json.RawMessage `json:"repeat_marked"`
	MergedInto   json.RawMessage `json:"merged_into"`
	Version      json.RawMessage `json:"version"`
	CreatedAt    json.RawMessage `json:"created_at"`
	UpdatedAt    json.RawMessage `json:"updated_at"`
	Masked       json.RawMessage `json:"masked"`
	SchoolName   json.RawMessage `json:"school_name"`
	CountyName   json.RawMessage `json:"county_name"`
	ClassName    json.RawMessage `json:"class_name"`
}

// record builds the student; a grade is a number (-2…12) or a code ("K1", "3").
func (in studentInput) record() (student.Student, error) {
	s := student.Student{StudentNo: in.StudentNo, Name: in.Name, Gender: in.Gender, BirthDate: in.BirthDate, IDType: in.IDType,
		IDNumber: in.IDNumber, Ethnicity: in.Ethnicity, Nationality: in.Nationality, Hukou: in.Hukou, Address: in.Address,
		Township: in.Township, Lng: in.Lng, Lat: in.Lat, Migrant: in.Migrant, LeftBehind: in.LeftBehind,
		SpecialNeeds: in.SpecialNeeds, FinancialAid: in.FinancialAid, Guardians: in.Guardians, School: in.School,
		ClassID: int64(in.ClassID), EnrolledOn: in.EnrolledOn}
	if len(in.Grade) > 0 && string(in.Grade) != "null" {
		g, err := parseGradeJSON(in.Grade)
		if err != nil {
			return s, err
		}
		s.Grade = g
	}
	return s, nil
}

func parseGradeJSON(raw json.RawMessage) (student.Grade, error) {
	var n int
	if err := json.Unmarshal(raw, &n); err == nil && n >= int(student.K1) && n <= 12 {
		return student.Grade(n), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if g, ok := student.ParseGrade(s); ok {
			return g, nil
		}
	}
	var v fault.Validation
	v.Add("grade", "年级 %s 无效：应为 -2–12 的整数（-2、-1、0 为幼儿园小、中、大班）或 \"K1\"、\"3\" 这样的代码", "grade %s is not valid: give a whole number from -2 to 12 (-2, -1, 0 for kindergarten) or a code such as \"K1\" or \"3\"", string(raw))
	return 0, v.Err()
}

func studentETag(version int) string { return schoolETag(version) }

func writeStudent(w http.ResponseWriter, status int, s student.Student) {
	if s.Guardians == nil {
		s.Guardians = []student.Guardian{}
	}
	w.Header().Set("ETag", studentETag(s.Version))
	w.Header().Set("Cache-Control", "private, no-cache")
	writeJSON(w, status, s)
}

// createStudent is POST /api/v1/students: the record and where the student
// is first enrolled; 201 with the student, masked.
func (a *API) createStudent(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	var in studentInput
	if err := decodeJSON(r, &in); err != nil {
		a.Fail(w, r, err)
		return
	}
	s, err := in.record()
	if err == nil {
		s, err = reg.Create(r.Context(), u.Scope(), s, actorOf(r, u))
	}
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/students/"+strconv.FormatInt(s.ID, 10))
	writeStudent(w, http.StatusCreated, s)
}

// getStudent is GET /api/v1/students/{id}, masked; If-None-Match gives 304.
func (a *API) getStudent(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	id, err := idParam(r)
	var s student.Student
	if err == nil {
		s, err = reg.Get(r.Context(), u.Scope(), id)
	}
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	if c := readConditional(r, "If-None-Match"); c.present && c.valid && c.matches(s.Version, false) {
		w.Header().Set("ETag", studentETag(s.Version))
		w.Header().Set("Cache-Control", "private, no-cache")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeStudent(w, http.StatusOK, s)
}

// replaceStudent is PUT /api/v1/students/{id}: the record replaced, only
// of the version If-Match names. The placement is not changed here (it
// changes only by events); personal values sent back masked, as GET gave
// them, keep what is stored.
func (a *API) replaceStudent(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	id, err := idParam(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	cond, err := requireIfMatch(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	var in studentInput
	if err := decodeJSON(r, &in); err != nil {
		a.Fail(w, r, err)
		return
	}
	sc := u.Scope()
	cur, err := reg.Get(r.Context(), sc, id)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	if !cond.matches(cur.Version, true) {
		a.Fail(w, r, fault.New(fault.Precondition, "该学生的记录已被他人修改（当前版本 %d），请重新读取后再改", "the record was changed meanwhile (now version %d); read it again and retry", cur.Version))
		return
	}
	s, err := in.record()
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	s.Masked = true
	s.School, s.Grade, s.ClassID = cur.School, cur.Grade, cur.ClassID
	if s, err = reg.Update(r.Context(), sc, id, s, cur.Version, actorOf(r, u)); err != nil {
		a.Fail(w, r, err)
		return
	}
	writeStudent(w, http.StatusOK, s)
}

// studentProfile is GET /api/v1/students/{id}/profile: the record (masked),
// its enrolments, events, transfers, follow-ups and the records merged into it.
func (a *API) studentProfile(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	id, err := idParam(r)
	var p student.Profile
	if err == nil {
		p, err = reg.Profile(r.Context(), u.Scope(), id)
	}
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	if p.Student.Guardians == nil {
		p.Student.Guardians = []student.Guardian{}
	}
	for _, l := range []*[]student.Enrolment{&p.Enrolments} {
		if *l == nil {
			*l = []student.Enrolment{}
		}
	}
	if p.Events == nil {
		p.Events = []student.Event{}
	}
	if p.Transfers == nil {
		p.Transfers = []student.Transfer{}
	}
	if p.FollowUps == nil {
		p.FollowUps = []student.FollowUp{}
	}
	if p.Merged == nil {
		p.Merged = []int64{}
	}
	writeJSON(w, http.StatusOK, p)
}

type transfersPage struct {
	Items   []student.Transfer `json:"items"`
	Total   int                `json:"total"`
	Page    int                `json:"page"`
	PerPage int                `json:"per_page"`
	Pages   int                `json:"pages"`
}

// listTransfers is GET /api/v1/transfers: those with either end in the
// caller's scope, newest first.
func (a *API) listTransfers(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	q, err := parseQuery(r, "status", "school", "county", "student", "page", "per_page")
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	f := student.TransferFilter{Status: student.TransferStatus(q.get("status")), School: q.get("school"), County: q.get("county"), Page: 1, PerPage: 50}
	if n, ok := q.intParam("student", 1); ok {
		f.StudentID = n
	}
	if n, ok := q.intParam("page", 1); ok {
		f.Page = int(n)
	}
	if n, ok := q.intParam("per_page", 1); ok {
		f.PerPage = int(n)
	}
	if err := q.err(); err != nil {
		a.Fail(w, r, err)
		return
	}
	p, err := reg.Transfers(r.Context(), u.Scope(), f)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	pages := 0
	if p.PerPage > 0 {
		pages = (p.Total + p.PerPage - 1) / p.PerPage
	}
	w.Header().Set("Link", pageLinks(r, p.Page, pages))
	writeJSON(w, http.StatusOK, transfersPage{Items: p.Items, Total: p.Total, Page: p.Page, PerPage: p.PerPage, Pages: pages})
}

// transferInput is the receiving school's request.
type transferInput struct {
	Number    string          `json:"number"`
	Name      string          `json:"name"`
	ToSchool  string          `json:"to_school"`
	ToGrade   json.RawMessage `json:"to_grade"`
	ToClassID flexID          `json:"to_class_id"`
	Reason    string          `json:"reason"`
}

// requestTransfer is POST /api/v1/transfers.
func (a *API) requestTransfer(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	var in transferInput
	if err := decodeJSON(r, &in); err != nil {
		a.Fail(w, r, err)
		return
	}
	req := student.TransferRequest{Number: in.Number, Name: in.Name, ToSchool: in.ToSchool, ToClassID: int64(in.ToClassID), Reason: in.Reason}
	var err error
	if len(in.ToGrade) == 0 || string(in.ToGrade) == "null" {
		var v fault.Validation
		v.Add("to_grade", "请给出转入年级", "to_grade is required")
		err = v.Err()
	} else if req.ToGrade, err = parseGradeJSON(in.ToGrade); err != nil {
		fe := fault.As(err)
		for i := range fe.Fields {
			fe.Fields[i].Field = "to_grade"
		}
	}
	var t student.Transfer
	if err == nil {
		t, err = reg.RequestTransfer(r.Context(), u.Scope(), req, actorOf(r, u))
	}
	if err != nil {
		a.Fail(w, r, transferFields(err))
		return
	}
	w.Header().Set("Location", Prefix+"/transfers/"+strconv.FormatInt(t.ID, 10))
	writeJSON(w, http.StatusCreated, t)
}

// transferFields names the registry's fields as the request's members.
func transferFields(err error) error {
	fe := fault.As(err)
	if len(fe.Fields) == 0 {
		return err
	}
	rename := map[string]string{"school": "to_school", "grade": "to_grade", "class_id": "to_class_id"}
	for i, f := range fe.Fields {
		if n, ok := rename[f.Field]; ok {
			fe.Fields[i].Field = n
		}
	}
	return fe
}

// getTransfer is GET /api/v1/transfers/{id}.
func (a *API) getTransfer(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	id, err := idParam(r)
	var t student.Transfer
	if err == nil {
		t, err = reg.GetTransfer(r.Context(), u.Scope(), id)
	}
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// decisionInput is an approval (note), a refusal (reason) or a withdrawal (note).
type decisionInput struct {
	Note   string `json:"note"`
	Reason string `json:"reason"`
}

// decideTransfer is POST /api/v1/transfers/{id}/approve|reject|withdraw:
// the caller's organisation decides (the sending school, or a county
// bureau across counties); anyone else gets 403 naming who it waits for.
func (a *API) decideTransfer(decision string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, reg, ok := a.studentCall(w, r)
		if !ok {
			return
		}
		id, err := idParam(r)
		if err == nil {
			_, err = reg.GetTransfer(r.Context(), u.Scope(), id) // out of scope: 404, whatever the body
		}
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		var in decisionInput
		if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
			if err := decodeJSON(r, &in); err != nil {
				a.Fail(w, r, err)
				return
			}
		}
		ctx, sc, by := r.Context(), u.Scope(), actorOf(r, u)
		var t student.Transfer
		switch decision {
		case "approve":
			t, err = reg.ApproveTransfer(ctx, sc, id, strings.TrimSpace(in.Note), by)
		case "reject":
			t, err = reg.RejectTransfer(ctx, sc, id, strings.TrimSpace(in.Reason), by)
		default:
			t, err = reg.WithdrawTransfer(ctx, sc, id, strings.TrimSpace(in.Note), by)
		}
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, t)
	}
}

// listClasses is GET /api/v1/classes: with their student counts, limits
// and whether they are over the limit.
func (a *API) listClasses(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	q, err := parseQuery(r, "school", "county", "academic_year", "grade", "over_limit")
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	f := student.ClassFilter{School: q.get("school"), County: q.get("county"), AcademicYear: q.get("academic_year"),
		Grade: q.gradeParam("grade"), OverLimit: q.boolParam("over_limit")}
	if f.School == "" && f.County == "" {
		q.bad.Add("school", "请给出 school 或 county：全辖区的班级太多，不能一次列出", "give school or county: a whole jurisdiction's classes are too many to list at once")
	}
	if err := q.err(); err != nil {
		a.Fail(w, r, err)
		return
	}
	classes, err := reg.Classes(r.Context(), u.Scope(), f)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listOf(classes))
}

// classInput is a new class.
type classInput struct {
	School       string          `json:"school"`
	AcademicYear string          `json:"academic_year"`
	Grade        json.RawMessage `json:"grade"`
	Number       int             `json:"number"`
	Name         string          `json:"name"`
	HeadTeacher  string          `json:"head_teacher"`
	SizeLimit    int             `json:"size_limit"`
}

// createClass is POST /api/v1/classes.
func (a *API) createClass(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := a.studentCall(w, r)
	if !ok {
		return
	}
	var in classInput
	if err := decodeJSON(r, &in); err != nil {
		a.Fail(w, r, err)
		return
	}
	c := student.Class{School: in.School, AcademicYear: in.AcademicYear, Number: in.Number, Name: in.Name, HeadTeacher: in.HeadTeacher, SizeLimit: in.SizeLimit}
	var err error
	if len(in.Grade) == 0 || string(in.Grade) == "null" {
		var v fault.Validation
		v.Add("grade", "请给出年级", "grade is required")
		err = v.Err()
	} else {
		c.Grade, err = parseGradeJSON(in.Grade)
	}
	if err == nil {
		c, err = reg.CreateClass(r.Context(), u.Scope(), c, actorOf(r, u))
	}
	if err == nil {
		c, err = reg.GetClass(r.Context(), u.Scope(), c.ID) // with its limit in force and count
	}
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/classes?school="+c.School+"&academic_year="+c.AcademicYear)
	writeJSON(w, http.StatusCreated, c)
}
