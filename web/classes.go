package web

// Classes (班级) per school and academic year, with their size against the
// limit (over the limit flagged), the form to add one, and a class's roster.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/student"
	"edubureau/year"
)

// classesPerPage is a page of the class list.
const classesPerPage = 100

type classRow struct {
	student.Class
	GradeName string
	Bar       int // the size as a share of the limit, in % (capped at 150)
}

type classListData struct {
	County, School, Year, Grade string
	Over                        bool
	Counties, Schools, Years    []option
	Grades                      []option
	NoSchools                   bool
	NeedChoice                  bool // a whole city: only the classes over their limit are listed
	Rows                        []classRow
	Total, OverCount            int
	Errors                      []string
	CanEdit                     bool
	SchoolType                  school.Type
	New                         classFormView
	pager
}

type classFormView struct {
	Values  map[string]string
	Errors  map[string][]string
	Message string
	Grades  []option
	Open    bool
}

func (ui *UI) classFilterURL(d *classListData, page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"county": d.County, "school": d.School, "year": d.Year, "grade": d.Grade} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if d.Over {
		v.Set("over", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/classes"
	}
	return "/classes?" + v.Encode()
}

// classList is GET /classes: the classes of a school or county in one
// academic year with their sizes; a class over its limit is flagged.
func (ui *UI) classList(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := &classListData{County: strings.TrimSpace(q.Get("county")), School: strings.TrimSpace(q.Get("school")),
		Year: strings.TrimSpace(q.Get("year")), Grade: strings.TrimSpace(q.Get("grade")), Over: q.Get("over") != ""}
	ui.showClasses(w, r, u, http.StatusOK, d, q.Get("page"))
}

func (ui *UI) showClasses(w http.ResponseWriter, r *http.Request, u auth.User, status int, d *classListData, pageParam string) {
	ctx, l, sc, reg := r.Context(), i18n.FromRequest(r), u.Scope(), ui.d.Students
	d.CanEdit = u.Can(auth.StudentEdit)
	var v fault.Validation
	page, _ := parsePage(&v, pageParam, "", 0)
	page = max(page, 1)
	counties, err := ui.counties(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Counties = areaOptions(counties, d.County)
	schools, listed, err := ui.schoolsIn(ctx, sc, d.County)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.NoSchools = !listed
	if listed && len(schools) == 1 && d.School == "" {
		d.School = schools[0].Code
	}
	d.Schools = schoolOptions(schools, d.School, false)
	for _, s := range schools {
		if s.Code == d.School {
			d.SchoolType = s.Type
		}
	}
	if d.School != "" && d.SchoolType == "" {
		s, err := ui.d.Schools.Get(ctx, sc, d.School)
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		d.SchoolType = s.Type
		d.Schools = []option{{s.Code, s.Name, true}}
	}
	years, err := year.ListAcademic(ctx, ui.d.DB)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if d.Year == "" {
		d.Year = ui.currentYear(ctx)
	}
	for _, y := range years {
		d.Years = append(d.Years, option{y.Code, y.Code, y.Code == d.Year})
	}
	if len(d.Years) == 0 || !containsOption(d.Years, d.Year) {
		d.Years = append(d.Years, option{d.Year, d.Year, true})
	}
	d.Grades = studentGrades(l, d.SchoolType, d.Grade)
	f := student.ClassFilter{School: d.School, County: d.County, AcademicYear: d.Year, OverLimit: d.Over}
	if _, err := year.ParseAcademic(d.Year); err != nil {
		v.Add("year", "学年“%s”无效（如 2026-2027）", "academic year %q is not valid (e.g. 2026-2027)", d.Year)
	}
	if d.Grade != "" {
		g, ok := student.ParseGrade(d.Grade)
		if !ok {
			v.Add("grade", "年级“%s”无效", "grade %q is not valid", d.Grade)
		}
		f.Grade = &g
	}
	if d.School == "" && d.County == "" && (sc.All || len(sc.Schools) == 0) && len(counties) > 1 {
		// A whole city's thousands of classes: list those over their limit.
		d.NeedChoice, f.OverLimit = true, true
	}
	if err := v.Err(); err != nil {
		status = http.StatusBadRequest
		d.Errors, _ = listProblems(l, err)
	} else {
		classes, err := reg.Classes(ctx, sc, f)
		if err != nil {
			var ok bool
			if d.Errors, ok = listProblems(l, err); !ok {
				ui.Fail(w, r, err)
				return
			}
			status = http.StatusBadRequest
		}
		d.Total = len(classes)
		for _, c := range classes {
			if c.OverLimit {
				d.OverCount++
			}
		}
		from := min((page-1)*classesPerPage, len(classes))
		to := min(from+classesPerPage, len(classes))
		for _, c := range classes[from:to] {
			row := classRow{Class: c, GradeName: c.Grade.NameAt(c.SchoolType).In(l)}
			if c.Limit > 0 {
				row.Bar = min(150, c.Students*100/c.Limit)
			}
			d.Rows = append(d.Rows, row)
		}
		d.pager = newPager(page, classesPerPage, len(classes), func(n int) string { return ui.classFilterURL(d, n) })
	}
	if d.New.Values == nil {
		d.New = classFormView{Values: map[string]string{"grade": d.Grade}, Errors: map[string][]string{}}
	}
	d.New.Grades = studentGrades(l, d.SchoolType, d.New.Values["grade"])
	ui.render(w, r, status, "classes", ui.newPage(r, i18n.Tr(l, "classes.title"), d))
}

func containsOption(opts []option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// createClass is POST /classes: a class of a school in an academic year.
func (ui *UI) createClass(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentPost(w, r)
	if !ok {
		return
	}
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	d := &classListData{School: get("school"), Year: get("year"), County: get("county")}
	d.New = classFormView{Open: true, Errors: map[string][]string{}, Values: map[string]string{"grade": get("grade"),
		"number": get("number"), "name": get("name"), "head_teacher": get("head_teacher"), "size_limit": get("size_limit")}}
	var v fault.Validation
	c := student.Class{School: d.School, AcademicYear: d.Year, Name: get("name"), HeadTeacher: get("head_teacher")}
	if d.School == "" {
		v.Add("school", "请先选择学校", "choose the school first")
	}
	if g, ok := student.ParseGrade(get("grade")); ok {
		c.Grade = g
	} else {
		v.Add("grade", "请选择年级", "choose the grade")
	}
	if n, err := strconv.Atoi(get("number")); err == nil && n > 0 {
		c.Number = n
	} else {
		v.Add("number", "班号应为正整数", "the class number must be a positive whole number")
	}
	if s := get("size_limit"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			c.SizeLimit = n
		} else {
			v.Add("size_limit", "班额上限应为非负整数（0 为默认）", "the size limit must be a whole number, 0 for the default")
		}
	}
	err := v.Err()
	if err == nil {
		_, err = ui.d.Students.CreateClass(r.Context(), u.Scope(), c, studentActor(r, u))
	}
	if err != nil {
		k := fault.KindOf(err)
		if k != fault.Invalid && k != fault.Conflict {
			ui.Fail(w, r, err)
			return
		}
		l := i18n.FromRequest(r)
		fe := fault.As(err)
		d.New.Message = fe.Msg.In(l)
		for _, x := range fe.Fields {
			d.New.Errors[x.Field] = append(d.New.Errors[x.Field], x.Msg.In(l))
		}
		ui.showClasses(w, r, u, httpx.Status(k), d, "")
		return
	}
	ui.setFlash(w, "flash.class_created")
	http.Redirect(w, r, ui.classFilterURL(&classListData{School: d.School, Year: d.Year, County: d.County}, 1), http.StatusSeeOther)
}

type rosterData struct {
	Class     student.Class
	GradeName string
	Students  []student.Summary
	CanEdit   bool
	Values    map[string]string
	Errors    map[string][]string
	Message   string
	Open      bool
	ListURL   string
	ExportURL string
}

// classRoster is GET /classes/{id}: the class's students (on the roll),
// its size against the limit, and the form to rename it or set its limit.
func (ui *UI) classRoster(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	ui.showRoster(w, r, u, http.StatusOK, nil)
}

func (ui *UI) showRoster(w http.ResponseWriter, r *http.Request, u auth.User, status int, formErr error) {
	ctx, l, reg := r.Context(), i18n.FromRequest(r), ui.d.Students
	id, err := pathID(r, "id")
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	c, err := reg.GetClass(ctx, u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &rosterData{Class: c, GradeName: c.Grade.NameAt(c.SchoolType).In(l), CanEdit: u.Can(auth.StudentEdit),
		Values: map[string]string{"name": c.Name, "head_teacher": c.HeadTeacher, "size_limit": strconv.Itoa(c.SizeLimit)},
		Errors: map[string][]string{}}
	if formErr != nil {
		d.Open = true
		for _, k := range []string{"name", "head_teacher", "size_limit"} {
			d.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
		}
		fe := fault.As(formErr)
		d.Message = fe.Msg.In(l)
		for _, x := range fe.Fields {
			d.Errors[x.Field] = append(d.Errors[x.Field], x.Msg.In(l))
		}
	}
	pg, err := reg.Search(ctx, u.Scope(), student.Filter{ClassID: id, AtSchool: true, PerPage: student.MaxPerPage})
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Students = pg.Items
	d.ListURL = "/classes?school=" + url.QueryEscape(c.School) + "&year=" + url.QueryEscape(c.AcademicYear)
	d.ExportURL = "/students/export.xlsx?school=" + url.QueryEscape(c.School) + "&class=" + strconv.FormatInt(id, 10) + "&status=" + statusAtSchool
	ui.render(w, r, status, "class", ui.newPage(r, c.SchoolName+" "+c.Name, d))
}

// updateClass is POST /classes/{id}: the name, head teacher and size limit.
func (ui *UI) updateClass(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentPost(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		_, err = ui.d.Students.GetClass(r.Context(), u.Scope(), id) // out of scope: not found, whatever the form says
	}
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	limit := 0
	if s := strings.TrimSpace(r.PostForm.Get("size_limit")); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 0 {
			var v fault.Validation
			v.Add("size_limit", "班额上限应为非负整数（0 为默认）", "the size limit must be a whole number, 0 for the default")
			ui.showRoster(w, r, u, http.StatusUnprocessableEntity, v.Err())
			return
		}
		limit = n
	}
	_, err = ui.d.Students.UpdateClass(r.Context(), u.Scope(), id, strings.TrimSpace(r.PostForm.Get("name")),
		strings.TrimSpace(r.PostForm.Get("head_teacher")), limit, studentActor(r, u))
	if err != nil {
		if k := fault.KindOf(err); k == fault.Invalid || k == fault.Conflict {
			ui.showRoster(w, r, u, httpx.Status(k), err)
			return
		}
		ui.Fail(w, r, err)
		return
	}
	ui.setFlash(w, "flash.saved")
	http.Redirect(w, r, "/classes/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
