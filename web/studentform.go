package web

// The student record's form: creating a student (with where they are first
// enrolled) and editing the record (never the placement, which only events
// change). Problems are shown beside their fields and what was typed is kept.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/school"
	"edubureau/student"
)

// formGuardians is how many guardian rows the form offers.
const formGuardians = 3

// studentFormFields are the record's inputs in form order (fault keys).
var studentFormFields = []string{"name", "gender", "birth_date", "id_type", "id_number", "student_no", "ethnicity",
	"nationality", "hukou", "address", "township", "migrant", "left_behind", "special_needs", "financial_aid",
	"county", "school", "grade", "class_id", "enrolled_on"}

type guardianRow struct {
	Index                    int
	Name, Relation, Phone    string // field names
	NameV, RelationV, PhoneV string
	Relations                []option
	NameE, RelationE, PhoneE []string
}

type studentForm struct {
	New       bool
	ID        int64
	Action    string
	Version   string
	Title     string
	Values    map[string]string
	Errors    map[string][]string
	Message   string
	Other     []string
	Guardians []guardianRow
	Masked    bool // the personal values shown are masked (editing)

	Genders, IDTypes, Ethnicities, SpecialNeeds, Aid []option
	Counties, Schools, Grades, Classes               []option
	FixedSchool                                      string // the only school in the user's scope
}

func (f *studentForm) get(k string) string { return f.Values[k] }

func newStudentForm() *studentForm {
	return &studentForm{Values: map[string]string{}, Errors: map[string][]string{}}
}

func guardianKey(i int, field string) string { return fmt.Sprintf("guardians[%d].%s", i, field) }

// readStudentForm reads a posted form.
func readStudentForm(r *http.Request) *studentForm {
	f := newStudentForm()
	f.Version = r.PostForm.Get("version")
	for _, k := range studentFormFields {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	for i := 0; i < student.MaxGuardians; i++ {
		for _, k := range []string{"name", "relation", "phone"} {
			f.Values[guardianKey(i, k)] = strings.TrimSpace(r.PostForm.Get(guardianKey(i, k)))
		}
	}
	return f
}

// formFromStudent fills the form with a record (masked, as Get gives it).
func formFromStudent(s student.Student) *studentForm {
	f := newStudentForm()
	f.ID, f.Version, f.Masked = s.ID, strconv.Itoa(s.Version), s.Masked
	yes := func(b bool) string {
		if b {
			return "1"
		}
		return ""
	}
	for k, v := range map[string]string{"name": s.Name, "gender": string(s.Gender), "birth_date": s.BirthDate,
		"id_type": string(s.IDType), "id_number": s.IDNumber, "student_no": s.StudentNo, "ethnicity": s.Ethnicity,
		"nationality": s.Nationality, "hukou": s.Hukou, "address": s.Address, "township": s.Township,
		"migrant": yes(s.Migrant), "left_behind": yes(s.LeftBehind), "special_needs": s.SpecialNeeds,
		"financial_aid": s.FinancialAid, "school": s.School, "county": s.County, "grade": s.Grade.String(),
		"enrolled_on": s.EnrolledOn} {
		f.Values[k] = v
	}
	if s.ClassID != 0 {
		f.Values["class_id"] = strconv.FormatInt(s.ClassID, 10)
	}
	for i, g := range s.Guardians {
		f.Values[guardianKey(i, "name")], f.Values[guardianKey(i, "relation")], f.Values[guardianKey(i, "phone")] = g.Name, g.Relation, g.Phone
	}
	return f
}

// record builds the student from the form; values that cannot even be
// read are field problems.
func (f *studentForm) record() (student.Student, *fault.Validation) {
	v := &fault.Validation{}
	s := student.Student{Name: f.get("name"), BirthDate: f.get("birth_date"), IDType: idno.IDType(f.get("id_type")),
		IDNumber: f.get("id_number"), StudentNo: f.get("student_no"), Ethnicity: f.get("ethnicity"), Nationality: f.get("nationality"),
		Hukou: f.get("hukou"), Address: f.get("address"), Township: f.get("township"), Migrant: f.get("migrant") != "",
		LeftBehind: f.get("left_behind") != "", SpecialNeeds: f.get("special_needs"), FinancialAid: f.get("financial_aid"),
		School: f.get("school"), EnrolledOn: f.get("enrolled_on"), Masked: f.Masked}
	if g := f.get("gender"); g != "" {
		gender, ok := student.ParseGender(g)
		if !ok {
			v.Add("gender", "性别“%s”无效", "gender %q is not valid", g)
		}
		s.Gender = gender
	}
	if f.New {
		if g := f.get("grade"); g != "" {
			grade, ok := student.ParseGrade(g)
			if !ok {
				v.Add("grade", "年级“%s”无效", "grade %q is not valid", g)
			}
			s.Grade = grade
		} else {
			v.Add("grade", "请选择年级", "choose the grade")
		}
		if f.get("school") == "" {
			v.Add("school", "请选择学校", "choose the school")
		}
		if c := f.get("class_id"); c != "" {
			n, err := strconv.ParseInt(c, 10, 64)
			if err != nil || n <= 0 {
				v.Add("class_id", "班级无效", "the class is not valid")
			}
			s.ClassID = n
		}
	}
	for i := 0; i < student.MaxGuardians; i++ {
		g := student.Guardian{Name: f.get(guardianKey(i, "name")), Relation: f.get(guardianKey(i, "relation")), Phone: f.get(guardianKey(i, "phone"))}
		if g.Name == "" && g.Relation == "" && g.Phone == "" {
			continue
		}
		s.Guardians = append(s.Guardians, g)
	}
	return s, v
}

// setErrors files err's field problems beside their fields.
func (f *studentForm) setErrors(l i18n.Lang, err error) {
	fe := fault.As(err)
	onForm := map[string]bool{}
	for _, k := range studentFormFields {
		onForm[k] = true
	}
	for i := 0; i < student.MaxGuardians; i++ {
		for _, k := range []string{"name", "relation", "phone"} {
			onForm[guardianKey(i, k)] = true
		}
	}
	for _, x := range fe.Fields {
		if onForm[x.Field] {
			f.Errors[x.Field] = append(f.Errors[x.Field], x.Msg.In(l))
		} else {
			f.Other = append(f.Other, studentProblem(l, x))
		}
	}
	f.Message = fe.Msg.In(l)
}

// options fills the selects; the schools follow the county, the classes the school.
func (ui *UI) studentFormOptions(r *http.Request, u auth.User, f *studentForm) error {
	ctx, l, sc := r.Context(), i18n.FromRequest(r), u.Scope()
	f.Genders = []option{{"male", genderName(idno.Male).In(l), f.get("gender") == "male"}, {"female", genderName(idno.Female).In(l), f.get("gender") == "female"}}
	for _, t := range idno.IDTypes {
		f.IDTypes = append(f.IDTypes, option{string(t), idTypeName(t).In(l), string(t) == f.get("id_type")})
	}
	for _, e := range student.Ethnicities {
		f.Ethnicities = append(f.Ethnicities, option{e.Code, e.Name.In(l), e.Code == f.get("ethnicity")})
	}
	f.SpecialNeeds = studentChoices(l, student.SpecialNeeds, f.get("special_needs"), true)
	f.Aid = studentChoices(l, student.FinancialAid, f.get("financial_aid"), true)
	rows := formGuardians
	for i := formGuardians; i < student.MaxGuardians; i++ {
		if f.get(guardianKey(i, "name"))+f.get(guardianKey(i, "relation"))+f.get(guardianKey(i, "phone")) != "" {
			rows = i + 1
		}
	}
	f.Guardians = nil
	for i := 0; i < rows; i++ {
		row := guardianRow{Index: i + 1, Name: guardianKey(i, "name"), Relation: guardianKey(i, "relation"), Phone: guardianKey(i, "phone")}
		row.NameV, row.RelationV, row.PhoneV = f.get(row.Name), f.get(row.Relation), f.get(row.Phone)
		row.NameE, row.RelationE, row.PhoneE = f.Errors[row.Name], f.Errors[row.Relation], f.Errors[row.Phone]
		row.Relations = studentChoices(l, student.Relations, row.RelationV, false)
		f.Guardians = append(f.Guardians, row)
	}
	if !f.New {
		return nil
	}
	counties, err := ui.counties(ctx)
	if err != nil {
		return err
	}
	f.Counties = areaOptions(counties, f.get("county"))
	schools, listed, err := ui.schoolsIn(ctx, sc, f.get("county"))
	if err != nil {
		return err
	}
	if listed && len(schools) == 1 && !sc.All && len(sc.Schools) > 0 {
		f.FixedSchool = schools[0].Name
		f.Values["school"] = schools[0].Code
	}
	f.Schools = schoolOptions(schools, f.get("school"), true)
	var t school.Type
	for _, s := range schools {
		if s.Code == f.get("school") {
			t = s.Type
		}
	}
	f.Grades = studentGrades(l, t, f.get("grade"))
	if f.get("school") != "" {
		classes, err := ui.d.Students.SchoolClasses(ctx, sc, f.get("school"), ui.currentYear(ctx))
		if err != nil {
			return err
		}
		for _, c := range classes {
			id := strconv.FormatInt(c.ID, 10)
			f.Classes = append(f.Classes, option{id, c.Name + "（" + c.Grade.Name().In(l) + "）", id == f.get("class_id")})
		}
	}
	return nil
}

func (ui *UI) showStudentForm(w http.ResponseWriter, r *http.Request, u auth.User, status int, f *studentForm) {
	l := i18n.FromRequest(r)
	if err := ui.studentFormOptions(r, u, f); err != nil {
		ui.Fail(w, r, err)
		return
	}
	f.Title = i18n.Tr(l, "students.new")
	if !f.New {
		f.Title = i18n.Trf(l, "students.edit_title", f.get("name"))
	}
	ui.render(w, r, status, "student_form", ui.newPage(r, f.Title, f))
}

// newStudent is GET /students/new (?county= and ?school= narrow the selects).
func (ui *UI) newStudent(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := newStudentForm()
	f.New, f.Action = true, "/students"
	f.Values["nationality"], f.Values["id_type"], f.Values["ethnicity"] = "CHN", string(idno.ResidentIDCard), "01"
	f.Values["county"], f.Values["school"], f.Values["grade"] = q.Get("county"), q.Get("school"), q.Get("grade")
	f.Values["enrolled_on"] = ui.now().In(shanghai).Format("2006-01-02")
	if sc := u.Scope(); !sc.All && len(sc.Areas) == 1 && len(sc.Areas[0]) == 6 && f.Values["county"] == "" {
		f.Values["county"] = sc.Areas[0]
	}
	ui.showStudentForm(w, r, u, http.StatusOK, f)
}

// createStudent is POST /students.
func (ui *UI) createStudent(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := ui.studentPost(w, r)
	if !ok {
		return
	}
	f := readStudentForm(r)
	f.New, f.Action = true, "/students"
	s, v := f.record()
	if len(v.Fields) > 0 {
		ui.studentFormFailed(w, r, u, f, s, v)
		return
	}
	created, err := reg.Create(r.Context(), u.Scope(), s, studentActor(r, u))
	if err != nil {
		ui.studentSaveFailed(w, r, u, f, err)
		return
	}
	ui.setFlash(w, "flash.student.created")
	http.Redirect(w, r, "/students/"+strconv.FormatInt(created.ID, 10), http.StatusSeeOther)
}

// editStudent is GET /students/{id}/edit: the record, masked.
func (ui *UI) editStudent(w http.ResponseWriter, r *http.Request) {
	u, reg, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		var s student.Student
		if s, err = reg.Get(r.Context(), u.Scope(), id); err == nil {
			f := formFromStudent(s)
			f.Action = "/students/" + strconv.FormatInt(id, 10)
			ui.showStudentForm(w, r, u, http.StatusOK, f)
			return
		}
	}
	ui.Fail(w, r, err)
}

// updateStudent is POST /students/{id}: the version read travels in the
// form, so a change made meanwhile is not overwritten; masked values left
// as they are keep what is stored.
func (ui *UI) updateStudent(w http.ResponseWriter, r *http.Request) {
	u, reg, id, ok := ui.studentPostID(w, r)
	if !ok {
		return
	}
	cur, err := reg.Get(r.Context(), u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f := readStudentForm(r)
	f.ID, f.Action, f.Masked = id, "/students/"+strconv.FormatInt(id, 10), true
	version, verr := strconv.Atoi(f.Version)
	if verr != nil || version < 1 {
		f.Message = i18n.Tr(i18n.FromRequest(r), "form.bad_version")
		f.Version = strconv.Itoa(cur.Version)
		ui.showStudentForm(w, r, u, http.StatusBadRequest, f)
		return
	}
	s, v := f.record()
	s.School, s.Grade, s.ClassID = cur.School, cur.Grade, cur.ClassID
	if len(v.Fields) > 0 {
		ui.studentFormFailed(w, r, u, f, s, v)
		return
	}
	if _, err := reg.Update(r.Context(), u.Scope(), id, s, version, studentActor(r, u)); err != nil {
		ui.studentSaveFailed(w, r, u, f, err)
		return
	}
	ui.setFlash(w, "flash.saved")
	http.Redirect(w, r, "/students/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// studentFormFailed shows the form again with the values that did not
// parse and every rule the rest breaks, so the user fixes all at once.
func (ui *UI) studentFormFailed(w http.ResponseWriter, r *http.Request, u auth.User, f *studentForm, s student.Student, v *fault.Validation) {
	if !s.Masked {
		s.Normalize()
		if err := s.Validate(ui.now()); err != nil {
			for _, x := range fault.As(err).Fields {
				if !v.Has(x.Field) {
					v.Fields = append(v.Fields, x)
				}
			}
		}
	}
	f.setErrors(i18n.FromRequest(r), v.Err())
	ui.showStudentForm(w, r, u, http.StatusUnprocessableEntity, f)
}

// studentSaveFailed shows the registry's refusal beside the fields.
func (ui *UI) studentSaveFailed(w http.ResponseWriter, r *http.Request, u auth.User, f *studentForm, err error) {
	switch k := fault.KindOf(err); k {
	case fault.Invalid, fault.Conflict, fault.Precondition, fault.Forbidden:
		f.setErrors(i18n.FromRequest(r), err)
		ui.showStudentForm(w, r, u, httpx.Status(k), f)
	case fault.NotFound:
		if f.New && f.get("school") != "" {
			// The school chosen is not in the user's scope (a forged form).
			f.setErrors(i18n.FromRequest(r), err)
			f.Errors["school"] = append(f.Errors["school"], fault.As(err).Msg.In(i18n.FromRequest(r)))
			ui.showStudentForm(w, r, u, http.StatusUnprocessableEntity, f)
			return
		}
		ui.Fail(w, r, err)
	default:
		ui.Fail(w, r, err)
	}
}
