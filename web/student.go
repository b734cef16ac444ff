package web

// One student: the profile with the enrolment timeline (events, transfers,
// follow-ups and the records merged into this one), the guardians masked,
// "show in full" with a reason (Registry.Reveal, audited), and the forms of
// the lifecycle actions, each with a confirmation where it ends a stay.

import (
	"net/http"
	"net/url"
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

// actionField is one input of an action's form.
type actionField struct {
	Name, Label string
	Type        string // text, date, select, textarea, checkbox
	Value       string
	Options     []option
	Errors      []string
	Required    bool
	Hint        string
}

// actionView is one lifecycle action offered on the profile.
type actionView struct {
	Name        string
	Label       string
	Destructive bool
	Confirm     string // the question asked before it is sent
	Fields      []actionField
	Open        bool     // shown open (after a refusal)
	Message     string   // what was wrong, in the user's language
	Other       []string // problems with fields not on the form
}

type timelineItem struct {
	student.Event
	ClassBefore, ClassAfter string
	Detail                  string // the dropout reason's name, the other school
	Merged                  bool   // from a record merged into this one
}

type profileData struct {
	P         student.Profile
	S         student.Student
	Revealed  bool
	CanEdit   bool
	CanPII    bool
	Reveal    actionView
	Actions   []actionView
	Timeline  []timelineItem
	Ethnicity string
	Hukou     string
	Township  string
	HomeURL   string // the list filtered to the student's school
}

// studentProfile is GET /students/{id}.
func (ui *UI) studentProfile(w http.ResponseWriter, r *http.Request) {
	u, _, ok := ui.studentUser(w, r)
	if !ok {
		return
	}
	ui.showProfile(w, r, u, http.StatusOK, nil, "", nil)
}

// showProfile renders the profile; revealed replaces the masked record,
// and a refused action (with what was typed) is shown open with its errors.
func (ui *UI) showProfile(w http.ResponseWriter, r *http.Request, u auth.User, status int, revealed *student.Student, action string, actionErr error) {
	ctx, l, reg := r.Context(), i18n.FromRequest(r), ui.d.Students
	id, err := pathID(r, "id")
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	p, err := reg.Profile(ctx, u.Scope(), id)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &profileData{P: p, S: p.Student, CanEdit: u.Can(auth.StudentEdit), CanPII: u.Can(auth.StudentViewPII)}
	if revealed != nil {
		d.S, d.Revealed = *revealed, true
	}
	s := d.S
	if e, ok := student.LookupEthnicity(s.Ethnicity); ok {
		d.Ethnicity = e.Name.In(l)
	}
	if s.Hukou != "" {
		d.Hukou = s.Hukou
		if a, ok := area.Lookup(s.Hukou); ok {
			d.Hukou = a.Name + " " + s.Hukou
		}
	}
	if s.Township != "" {
		d.Township = s.Township
		if a, ok := area.Lookup(s.Township); ok {
			d.Township = a.Name + " " + s.Township
		}
	}
	d.HomeURL = "/students?school=" + url.QueryEscape(s.School)
	// Class names for the timeline: the classes of the schools it mentions.
	classNames := map[int64]string{}
	var current []student.Class
	seen := map[string]bool{}
	thisYear := ui.currentYear(ctx)
	for _, sch := range append([]string{s.School}, eventSchools(p.Events)...) {
		if seen[sch] || sch == "" {
			continue
		}
		seen[sch] = true
		cs, err := reg.SchoolClasses(ctx, u.Scope(), sch, "")
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		for _, c := range cs {
			classNames[c.ID] = c.Name
			if sch == s.School && c.AcademicYear == thisYear {
				current = append(current, c)
			}
		}
	}
	for i := len(p.Events) - 1; i >= 0; i-- { // newest first
		ev := p.Events[i]
		it := timelineItem{Event: ev, ClassBefore: classNames[ev.ClassBefore], ClassAfter: classNames[ev.ClassAfter], Merged: ev.StudentID != s.ID}
		if ev.Kind == student.EvDropout && ev.Reason != "" {
			it.Detail = student.ChoiceName(student.DropoutReasons, ev.Reason).In(l)
		}
		d.Timeline = append(d.Timeline, it)
	}
	d.Reveal = actionView{Name: "reveal", Label: i18n.Tr(l, "students.reveal"),
		Fields: []actionField{{Name: "reason", Label: i18n.Tr(l, "students.reveal_reason"), Type: "text", Required: true}}}
	if d.CanEdit {
		if d.Actions, err = ui.studentActions(r, u, s, current); err != nil {
			ui.Fail(w, r, err)
			return
		}
	}
	if action != "" {
		views := d.Actions
		if action == "reveal" {
			views = []actionView{d.Reveal}
		}
		for i := range views {
			if views[i].Name != action {
				continue
			}
			a := &views[i]
			a.Open = true
			for j := range a.Fields {
				f := &a.Fields[j]
				if f.Type == "checkbox" {
					f.Value = r.PostForm.Get(f.Name)
				} else {
					f.Value = strings.TrimSpace(r.PostForm.Get(f.Name))
				}
				for k := range f.Options {
					f.Options[k].Selected = f.Options[k].Value == f.Value
				}
			}
			if actionErr != nil {
				fe := fault.As(actionErr)
				a.Message = fe.Msg.In(l)
				for _, x := range fe.Fields {
					placed := false
					for j := range a.Fields {
						if a.Fields[j].Name == x.Field || x.Field == "class_id" && a.Fields[j].Name == "class" {
							a.Fields[j].Errors = append(a.Fields[j].Errors, x.Msg.In(l))
							placed = true
						}
					}
					if !placed {
						a.Other = append(a.Other, studentProblem(l, x))
					}
				}
			}
		}
		if action == "reveal" {
			d.Reveal = views[0]
		}
	}
	title := s.Name
	ui.render(w, r, status, "student", ui.newPage(r, title, d))
}

func eventSchools(evs []student.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.School)
	}
	return out
}

// studentActions lists the actions the student's state allows, with their forms.
func (ui *UI) studentActions(r *http.Request, u auth.User, s student.Student, classes []student.Class) ([]actionView, error) {
	l := i18n.FromRequest(r)
	tr := func(k string) string { return i18n.Tr(l, k) }
	date := func(name, label string) actionField {
		return actionField{Name: name, Label: label, Type: "date", Hint: tr("students.date_hint")}
	}
	reason := func(required bool) actionField {
		return actionField{Name: "reason", Label: tr("sfield.reason"), Type: "text", Required: required}
	}
	note := actionField{Name: "note", Label: tr("sfield.note"), Type: "textarea"}
	var schoolType school.Type
	if sch, err := ui.d.Schools.Get(r.Context(), u.Scope(), s.School); err == nil {
		schoolType = sch.Type
	}
	classOpts := func(g student.Grade) []option {
		var out []option
		for _, c := range classes {
			out = append(out, option{strconv.FormatInt(c.ID, 10), c.Name, c.ID == s.ClassID})
		}
		return out
	}
	var out []actionView
	add := func(name string, destructive bool, fields ...actionField) {
		a := actionView{Name: name, Label: tr("students.action." + name), Destructive: destructive, Fields: fields}
		if destructive {
			a.Confirm = i18n.Trf(l, "students.confirm."+name, s.Name)
		}
		out = append(out, a)
	}
	dropout := func() {
		add("dropout", true, date("on", tr("sfield.on")),
			actionField{Name: "reason", Label: tr("students.dropout_reason"), Type: "select", Required: true, Options: studentChoices(l, student.DropoutReasons, "", false)},
			note)
	}
	leave := func() {
		add("move_away", true, date("on", tr("sfield.on")),
			actionField{Name: "destination", Label: tr("sfield.destination"), Type: "text", Required: true, Hint: tr("students.destination_hint")})
		add("death", true, date("on", tr("sfield.on")), note)
	}
	switch s.Status {
	case student.Enrolled, student.Suspended:
		if s.Status == student.Enrolled {
			add("suspend", false, date("on", tr("sfield.on")), reason(true))
		} else {
			add("resume", false, date("on", tr("sfield.on")), reason(false))
		}
		add("place", false,
			actionField{Name: "grade", Label: tr("sfield.grade"), Type: "select", Required: true, Options: studentGrades(l, schoolType, s.Grade.String())},
			actionField{Name: "class", Label: tr("sfield.class"), Type: "select", Options: classOpts(s.Grade), Hint: tr("students.class_hint")},
			date("on", tr("sfield.on")), reason(false))
		if s.RepeatMarked {
			add("unrepeat", false, reason(false))
		} else {
			add("repeat", false, reason(true))
		}
		if s.Status == student.Enrolled {
			if s.AbsentSince == "" {
				add("absence", false, date("since", tr("sfield.since")), reason(true))
			} else {
				add("absence_end", false, date("on", tr("sfield.on")), note)
			}
		}
		dropout()
		leave()
	case student.DroppedOut, student.MovedAway, student.Graduated:
		schools, _, err := ui.schoolsIn(r.Context(), u.Scope(), s.County)
		if err != nil {
			return nil, err
		}
		add("readmit", false,
			actionField{Name: "school", Label: tr("sfield.school"), Type: "select", Required: true, Options: schoolOptions(schools, s.School, true)},
			actionField{Name: "grade", Label: tr("sfield.grade"), Type: "select", Required: true, Options: studentGrades(l, "", s.Grade.String())},
			date("on", tr("sfield.on")), reason(false))
	}
	return out, nil
}

// revealStudent is POST /students/{id}/reveal: the record in full, for a
// holder of student.view_pii who says why (the registry audits it).
func (ui *UI) revealStudent(w http.ResponseWriter, r *http.Request) {
	u, reg, id, ok := ui.studentPostID(w, r)
	if !ok {
		return
	}
	s, err := reg.Reveal(r.Context(), u, id, r.PostForm.Get("reason"), studentActor(r, u))
	if err != nil {
		if k := fault.KindOf(err); k == fault.Invalid {
			ui.showProfile(w, r, u, httpx.Status(k), nil, "reveal", err)
			return
		}
		ui.Fail(w, r, err)
		return
	}
	ui.showProfile(w, r, u, http.StatusOK, &s, "", nil)
}

// studentAction is POST /students/{id}/actions/{action}: one lifecycle
// action. A refusal shows the profile again with the form open, what was
// typed kept and the problems beside the fields.
func (ui *UI) studentAction(w http.ResponseWriter, r *http.Request) {
	u, reg, id, ok := ui.studentPostID(w, r)
	if !ok {
		return
	}
	var err error
	ctx, sc, by, action := r.Context(), u.Scope(), studentActor(r, u), r.PathValue("action")
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	var v fault.Validation
	grade := func() student.Grade {
		g, ok := student.ParseGrade(get("grade"))
		if !ok {
			v.Add("grade", "请选择年级", "choose the grade")
		}
		return g
	}
	class := func() int64 {
		if get("class") == "" {
			return 0
		}
		n, err := strconv.ParseInt(get("class"), 10, 64)
		if err != nil || n <= 0 {
			v.Add("class", "班级无效", "the class is not valid")
		}
		return n
	}
	switch action {
	case "suspend":
		_, err = reg.Suspend(ctx, sc, id, get("on"), get("reason"), by)
	case "resume":
		_, err = reg.Resume(ctx, sc, id, get("on"), get("reason"), by)
	case "place":
		g, c := grade(), class()
		if err = v.Err(); err == nil {
			_, err = reg.Place(ctx, sc, id, g, c, get("on"), get("reason"), by)
		}
	case "repeat", "unrepeat":
		_, err = reg.MarkRepeat(ctx, sc, id, action == "repeat", get("reason"), by)
	case "absence":
		_, err = reg.MarkAbsent(ctx, sc, id, get("since"), get("reason"), by)
	case "absence_end":
		_, err = reg.EndAbsence(ctx, sc, id, get("on"), get("note"), by)
	case "dropout":
		if get("reason") == "" {
			v.Add("reason", "请选择辍学原因", "choose why the student left")
			err = v.Err()
		} else {
			_, err = reg.Dropout(ctx, sc, id, get("on"), get("reason"), get("note"), by)
		}
	case "move_away":
		_, err = reg.MoveAway(ctx, sc, id, get("on"), get("destination"), by)
	case "death":
		_, err = reg.Death(ctx, sc, id, get("on"), get("note"), by)
	case "readmit":
		if get("school") == "" {
			v.Add("school", "请选择学校", "choose the school")
		}
		g := grade()
		if err = v.Err(); err == nil {
			_, err = reg.Readmit(ctx, sc, id, student.Placement{School: get("school"), Grade: g}, get("on"), get("reason"), by)
		}
	default:
		ui.Fail(w, r, fault.New(fault.NotFound, "没有“%s”这个操作", "there is no action %q", action))
		return
	}
	if err != nil {
		if status, ok := studentRefusal(err); ok {
			ui.showProfile(w, r, u, status, nil, action, err)
		} else {
			ui.Fail(w, r, err)
		}
		return
	}
	ui.setFlash(w, "flash.student."+action)
	http.Redirect(w, r, "/students/"+strconv.FormatInt(id, 10)+"#timeline", http.StatusSeeOther)
}
