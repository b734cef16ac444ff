package web

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/school"
)

// formFields are the school form's inputs, by the JSON names that
// fault.Error.Fields uses, in the order shown.
var formFields = []string{"code", "name", "name_en", "type", "ownership", "status", "county", "township",
	"address", "lng", "lat", "opened_on", "closed_on", "headmaster", "capacity", "licence_no",
	"licence_issued_on", "licence_expires_on", "renamed_on"}

// schoolForm is the create/edit form exactly as the user typed it.
type schoolForm struct {
	New     bool
	Action  string // where the form posts
	Code    string
	Version string // the version read, for optimistic locking
	// CurrentName is the stored name when editing (to tell a rename).
	CurrentName string
	Values      map[string]string   // by field name
	Errors      map[string][]string // by field name, in the user's language
	Message     string              // a problem with the whole form
	Other       []string            // problems with fields not on the form

	Types, Ownerships, Statuses, Counties, Townships []option
}

func (f *schoolForm) get(field string) string { return f.Values[field] }

// readSchoolForm reads the posted form.
func readSchoolForm(r *http.Request) (*schoolForm, error) {
	if err := r.ParseForm(); err != nil {
		return nil, httpx.BodyError(err)
	}
	f := &schoolForm{Values: map[string]string{}, Errors: map[string][]string{}, Version: r.PostForm.Get("version")}
	for _, name := range formFields {
		f.Values[name] = strings.TrimSpace(r.PostForm.Get(name))
	}
	return f, nil
}

func formFromSchool(s school.School) *schoolForm {
	f := &schoolForm{Code: s.Code, Version: strconv.Itoa(s.Version), CurrentName: s.Name,
		Errors: map[string][]string{}, Values: map[string]string{
			"code": s.Code, "name": s.Name, "name_en": s.NameEN, "type": string(s.Type), "ownership": string(s.Ownership),
			"status": string(s.Status), "county": s.County, "township": s.Township, "address": s.Address,
			"opened_on": s.OpenedOn, "closed_on": s.ClosedOn, "headmaster": s.Headmaster,
			"capacity": strconv.Itoa(s.Capacity), "licence_no": s.LicenceNo, "licence_issued_on": s.LicenceIssuedOn,
			"licence_expires_on": s.LicenceExpiresOn,
		}}
	if s.Lng != nil && s.Lat != nil {
		f.Values["lng"] = strconv.FormatFloat(*s.Lng, 'f', -1, 64)
		f.Values["lat"] = strconv.FormatFloat(*s.Lat, 'f', -1, 64)
	}
	return f
}

// school builds the record from the form. Numbers that do not parse are
// field problems, never a failure of the page.
func (f *schoolForm) school() (school.School, *fault.Validation) {
	v := &fault.Validation{}
	s := school.School{Code: f.get("code"), Name: f.get("name"), NameEN: f.get("name_en"), Type: school.Type(f.get("type")),
		Ownership: school.Ownership(f.get("ownership")), Status: school.Status(f.get("status")), County: f.get("county"),
		Township: f.get("township"), Address: f.get("address"), OpenedOn: f.get("opened_on"), ClosedOn: f.get("closed_on"),
		Headmaster: f.get("headmaster"), LicenceNo: f.get("licence_no"), LicenceIssuedOn: f.get("licence_issued_on"),
		LicenceExpiresOn: f.get("licence_expires_on")}
	// Empty choices get a plain request rather than the registry's "unknown value".
	for _, req := range []struct{ field, zh, en string }{
		{"code", "请填写学校标识码", "the school identifier is required"},
		{"type", "请选择办学类型", "choose the type of school"},
		{"ownership", "请选择举办者类型", "choose the ownership"},
		{"status", "请选择办学状态", "choose the status"},
		{"county", "请选择所在县区", "choose the county"},
	} {
		if f.get(req.field) == "" {
			v.AddText(req.field, i18n.Text{ZH: req.zh, EN: req.en})
		}
	}
	if c := f.get("capacity"); c != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(c, ",", ""))
		if err != nil {
			v.Add("capacity", "规模（学位数）%q 应为整数", "capacity %q must be a whole number", c)
		} else {
			s.Capacity = n
		}
	}
	coord := func(field, zh, en string) *float64 {
		raw := f.get(field)
		if raw == "" {
			return nil
		}
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			v.Add(field, zh, en, raw)
			return nil
		}
		return &x
	}
	s.Lng = coord("lng", "经度 %q 应为数字（如 112.571997）", "longitude %q must be a number (e.g. 112.571997)")
	s.Lat = coord("lat", "纬度 %q 应为数字（如 26.893230）", "latitude %q must be a number (e.g. 26.893230)")
	if d := f.get("renamed_on"); d != "" {
		if _, ok := school.ParseDate(d); !ok {
			v.Add("renamed_on", "更名日期 %q 不是有效日期（YYYY-MM-DD）", "rename date %q is not a valid date (YYYY-MM-DD)", d)
		}
	}
	return s, v
}

// setErrors files err's field problems beside their fields (the rest in Other).
func (f *schoolForm) setErrors(l i18n.Lang, err error) {
	fe := fault.As(err)
	onForm := map[string]bool{}
	for _, n := range formFields {
		onForm[n] = true
	}
	for _, x := range fe.Fields {
		if onForm[x.Field] {
			f.Errors[x.Field] = append(f.Errors[x.Field], x.Msg.In(l))
		} else {
			f.Other = append(f.Other, fieldProblem(l, x))
		}
	}
	f.Message = fe.Msg.In(l)
}

// options fills the form's select lists; the townships are those of the chosen county.
func (ui *UI) options(ctx context.Context, l i18n.Lang, f *schoolForm) error {
	f.Types = typeOptions(l, f.get("type"))
	f.Ownerships = ownershipOptions(l, f.get("ownership"))
	f.Statuses = statusOptions(l, f.get("status"))
	counties, err := ui.counties(ctx)
	if err != nil {
		return err
	}
	f.Counties = areaOptions(counties, f.get("county"))
	if c := f.get("county"); len(c) == 6 {
		towns, err := area.List(ctx, ui.d.DB, c, 0)
		if err != nil {
			return err
		}
		f.Townships = areaOptions(towns, f.get("township"))
	}
	return nil
}

func (ui *UI) showForm(w http.ResponseWriter, r *http.Request, status int, f *schoolForm) {
	l := i18n.FromRequest(r)
	if err := ui.options(r.Context(), l, f); err != nil {
		ui.Fail(w, r, err)
		return
	}
	title := i18n.Tr(l, "form.new_title")
	if !f.New {
		title = i18n.Trf(l, "form.edit_title", f.CurrentName)
	}
	ui.render(w, r, status, "school_form", ui.newPage(r, title, f))
}

// newSchool is GET /schools/new.
func (ui *UI) newSchool(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f := &schoolForm{New: true, Action: "/schools", Errors: map[string][]string{},
		Values: map[string]string{"ownership": string(school.Public), "status": string(school.Active)}}
	// A county bureau's staff create schools in their own county.
	if sc := u.Scope(); !sc.All && len(sc.Areas) == 1 && len(sc.Areas[0]) == 6 {
		f.Values["county"] = sc.Areas[0]
	}
	ui.showForm(w, r, http.StatusOK, f)
}

// createSchool is POST /schools.
func (ui *UI) createSchool(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f, err := readSchoolForm(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f.New, f.Action = true, "/schools"
	s, ferr := f.school()
	if ui.formFailed(w, r, f, s, ferr) {
		return
	}
	created, err := ui.d.Schools.Create(r.Context(), u.Scope(), s, audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context())))
	if err != nil {
		ui.saveFailed(w, r, f, err)
		return
	}
	ui.setFlash(w, "flash.created")
	http.Redirect(w, r, "/schools/"+url.PathEscape(created.Code), http.StatusSeeOther)
}

// editSchool is GET /schools/{code}/edit.
func (ui *UI) editSchool(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	s, err := ui.d.Schools.Get(r.Context(), u.Scope(), r.PathValue("code"))
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f := formFromSchool(s)
	f.Action = "/schools/" + url.PathEscape(s.Code)
	ui.showForm(w, r, http.StatusOK, f)
}

// updateSchool is POST /schools/{code}: the version read travels in the form,
// so a change made meanwhile by someone else is not overwritten.
func (ui *UI) updateSchool(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, code := r.Context(), r.PathValue("code")
	current, err := ui.d.Schools.Get(ctx, u.Scope(), code)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f, err := readSchoolForm(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f.Code, f.CurrentName, f.Action = current.Code, current.Name, "/schools/"+url.PathEscape(current.Code)
	f.Values["code"] = current.Code // the identifier is not editable
	version, verr := strconv.Atoi(f.Version)
	if verr != nil || version < 1 {
		f.Message = i18n.Tr(i18n.FromRequest(r), "form.bad_version")
		f.Version = strconv.Itoa(current.Version)
		ui.showForm(w, r, http.StatusBadRequest, f)
		return
	}
	s, ferr := f.school()
	if ui.formFailed(w, r, f, s, ferr) {
		return
	}
	if _, err := ui.d.Schools.Update(ctx, u.Scope(), code, s, version, f.get("renamed_on"), audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context()))); err != nil {
		ui.saveFailed(w, r, f, err)
		return
	}
	ui.setFlash(w, "flash.saved")
	http.Redirect(w, r, "/schools/"+url.PathEscape(code), http.StatusSeeOther)
}

// formFailed shows the form again when some values did not even parse,
// together with every other rule they break, so the user fixes all at once.
func (ui *UI) formFailed(w http.ResponseWriter, r *http.Request, f *schoolForm, s school.School, v *fault.Validation) bool {
	if len(v.Fields) == 0 {
		return false
	}
	if err := s.Validate(ui.now()); err != nil {
		for _, x := range fault.As(err).Fields {
			if !v.Has(x.Field) && !(x.Field == "lng" && (v.Has("lat"))) {
				v.Fields = append(v.Fields, x)
			}
		}
	}
	f.setErrors(i18n.FromRequest(r), v.Err())
	ui.showForm(w, r, http.StatusUnprocessableEntity, f)
	return true
}

// saveFailed shows the registry's refusal beside the fields; failures that
// are not the user's go to the error page.
func (ui *UI) saveFailed(w http.ResponseWriter, r *http.Request, f *schoolForm, err error) {
	switch k := fault.KindOf(err); k {
	case fault.Invalid, fault.Conflict, fault.Precondition, fault.Forbidden:
		f.setErrors(i18n.FromRequest(r), err)
		ui.showForm(w, r, httpx.Status(k), f)
	default:
		ui.Fail(w, r, err)
	}
}
