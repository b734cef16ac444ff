package web

// The users pages (user.manage, administrators): the list with search,
// filters and pages; creating and editing users (role, organisation,
// section, an inspector's schools); disabling and enabling; a temporary
// password shown once; ending someone's sessions; clearing a lost second
// factor; lifting a lockout. Every change is audited by auth (OnEvent).

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
)

func init() {
	addFeature(feature{
		pages: []string{"users", "users_form", "users_password"},
		nav:   []NavItem{{Key: "nav.users", Href: "/users", Permission: auth.UserManage, Order: 900}},
		routes: func(ui *UI) []httpx.Route {
			p := auth.UserManage
			return []httpx.Route{
				{Method: "GET", Pattern: "/users", Access: httpx.SignedIn, Permission: p, Handler: ui.userList},
				{Method: "GET", Pattern: "/users/new", Access: httpx.SignedIn, Permission: p, Handler: ui.newUser},
				{Method: "POST", Pattern: "/users", Access: httpx.SignedIn, Permission: p, Handler: ui.createUser},
				{Method: "GET", Pattern: "/users/{id}", Access: httpx.SignedIn, Permission: p, Handler: ui.editUser},
				{Method: "POST", Pattern: "/users/{id}", Access: httpx.SignedIn, Permission: p, Handler: ui.updateUser},
				{Method: "POST", Pattern: "/users/{id}/disable", Access: httpx.SignedIn, Permission: p, Handler: ui.userAction},
				{Method: "POST", Pattern: "/users/{id}/enable", Access: httpx.SignedIn, Permission: p, Handler: ui.userAction},
				{Method: "POST", Pattern: "/users/{id}/unlock", Access: httpx.SignedIn, Permission: p, Handler: ui.userAction},
				{Method: "POST", Pattern: "/users/{id}/revoke-sessions", Access: httpx.SignedIn, Permission: p, Handler: ui.userAction},
				{Method: "POST", Pattern: "/users/{id}/reset-totp", Access: httpx.SignedIn, Permission: p, Handler: ui.userAction},
				{Method: "POST", Pattern: "/users/{id}/reset-password", Access: httpx.SignedIn, Permission: p, Handler: ui.resetUserPassword},
			}
		},
	})
}

// userQuery is the list's query string as typed.
type userQuery struct {
	Q, Role, Org, Status, Page string
}

func (q userQuery) url(page int) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", q.Q}, {"role", q.Role}, {"org", q.Org}, {"status", q.Status}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if enc := v.Encode(); enc != "" {
		return "/users?" + enc
	}
	return "/users"
}

// filter reads the query: org is "city", "school" or "county:CODE".
func (q userQuery) filter() (auth.UserFilter, error) {
	f := auth.UserFilter{Query: q.Q, Role: auth.Role(q.Role), Status: q.Status}
	var v fault.Validation
	switch kind, code, _ := strings.Cut(q.Org, ":"); kind {
	case "":
	case auth.OrgCity, auth.OrgSchool:
		f.OrgKind = kind
	case auth.OrgCounty:
		f.OrgKind, f.OrgCode = kind, code
	default:
		v.Add("org", "单位 %q 无效", "organisation %q is not valid", q.Org)
	}
	f.Page, _ = parsePage(&v, q.Page, "", 0)
	if err := f.Check(); err != nil {
		for _, fe := range fault.As(err).Fields {
			if !v.Has(fe.Field) {
				v.Fields = append(v.Fields, fe)
			}
		}
	}
	return f, v.Err()
}

type userRow struct {
	ID                    int64
	Username, DisplayName string
	Role, Org, Section    string
	Status, StatusLabel   string
	TOTP                  bool
	CreatedAt             string
	Schools               int
}

type usersData struct {
	Query    userQuery
	Roles    []option
	Orgs     []option
	Statuses []option
	Errors   []string
	Rows     []userRow
	Total    int
	pager
}

// userStatus is a user's state for the list: disabled, locked, must change
// their password, or active.
func (ui *UI) userStatus(u auth.User) string {
	switch {
	case u.Disabled:
		return "disabled"
	case u.LockedUntil != nil && ui.now().Before(*u.LockedUntil):
		return "locked"
	case u.MustChangePassword:
		return "must_change"
	}
	return "active"
}

func roleOptions(l i18n.Lang, sel string) []option {
	var out []option
	for _, r := range auth.Roles {
		out = append(out, option{string(r.Role), r.Name.In(l), string(r.Role) == sel})
	}
	return out
}

func sectionOptions(l i18n.Lang, sel string) []option {
	var out []option
	for _, s := range auth.Sections {
		out = append(out, option{s.Code, s.Name.In(l), s.Code == sel})
	}
	return out
}

func orgKindOptions(l i18n.Lang, sel string) []option {
	var out []option
	for _, k := range []string{auth.OrgCity, auth.OrgCounty, auth.OrgSchool} {
		out = append(out, option{k, i18n.Tr(l, "users.org."+k), k == sel})
	}
	return out
}

// userList is GET /users.
func (ui *UI) userList(w http.ResponseWriter, r *http.Request) {
	l := i18n.FromRequest(r)
	qv := r.URL.Query()
	g := func(k string) string { return strings.TrimSpace(qv.Get(k)) }
	q := userQuery{Q: g("q"), Role: g("role"), Org: g("org"), Status: g("status"), Page: g("page")}
	d := &usersData{Query: q, Roles: roleOptions(l, q.Role)}
	d.Orgs = []option{{auth.OrgCity, i18n.Trf(l, "app.bureau", ui.d.Jurisdiction.Name), q.Org == auth.OrgCity}}
	counties, err := ui.counties(r.Context())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	for _, c := range counties {
		v := auth.OrgCounty + ":" + c.Code
		d.Orgs = append(d.Orgs, option{v, c.Name, v == q.Org})
	}
	d.Orgs = append(d.Orgs, option{auth.OrgSchool, i18n.Tr(l, "users.org.schools"), q.Org == auth.OrgSchool})
	for _, s := range []string{"active", "disabled", "locked"} {
		d.Statuses = append(d.Statuses, option{s, i18n.Tr(l, "users.status."+s), s == q.Status})
	}
	status := http.StatusOK
	f, err := q.filter()
	var page auth.UserPage
	if err == nil {
		page, err = ui.d.Auth.ListUsers(r.Context(), f)
	}
	if err != nil {
		fe := fault.As(err)
		if fe.Kind != fault.Invalid {
			ui.Fail(w, r, err)
			return
		}
		status = http.StatusBadRequest
		for _, x := range fe.Fields {
			d.Errors = append(d.Errors, fieldProblem(l, x))
		}
	}
	for _, u := range page.Items {
		st := ui.userStatus(u)
		row := userRow{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: auth.RoleName(u.Role).In(l),
			Org: ui.userOrgShort(l, u, counties), Status: st, StatusLabel: i18n.Tr(l, "users.status."+st), TOTP: u.TOTPEnabled,
			CreatedAt: formatDate(u.CreatedAt), Schools: len(u.Schools)}
		if s, ok := auth.Section(u.Section); ok {
			row.Section = s.Name.In(l)
		}
		d.Rows = append(d.Rows, row)
	}
	d.Total = page.Total
	d.pager = newPager(page.Page, page.PerPage, page.Total, q.url)
	ui.render(w, r, status, "users", ui.newPage(r, i18n.Tr(l, "users.title"), d))
}

// userOrgShort names an organisation in a list, without a query per row.
func (ui *UI) userOrgShort(l i18n.Lang, u auth.User, counties []area.Area) string {
	switch u.OrgKind {
	case auth.OrgCity:
		return i18n.Trf(l, "app.bureau", ui.d.Jurisdiction.Name)
	case auth.OrgCounty:
		for _, c := range counties {
			if c.Code == u.OrgCode {
				return c.Name
			}
		}
	}
	return u.OrgCode
}

// userFormFields are the form's inputs, in the order shown.
var userFormFields = []string{"username", "display_name", "email", "role", "org_kind", "county", "school", "section", "schools", "password"}

// userForm is the create/edit form exactly as the user typed it.
type userForm struct {
	New      bool
	Action   string
	User     auth.User // when editing
	Values   map[string]string
	Errors   map[string][]string
	Message  string
	Other    []string
	Status   string // when editing: the user's state
	Locked   string // when locked: until when, in China Standard Time
	Roles    []option
	OrgKinds []option
	Counties []option
	Sections []option
}

func (f *userForm) get(k string) string { return f.Values[k] }

func readUserForm(r *http.Request) (*userForm, error) {
	if err := r.ParseForm(); err != nil {
		return nil, httpx.BodyError(err)
	}
	f := &userForm{Values: map[string]string{}, Errors: map[string][]string{}}
	for _, n := range userFormFields {
		v := r.PostForm.Get(n)
		if n != "password" {
			v = strings.TrimSpace(v)
		}
		if len(v) > 8000 {
			v = v[:8000]
		}
		f.Values[n] = v
	}
	return f, nil
}

func userFormFrom(u auth.User) *userForm {
	f := &userForm{User: u, Errors: map[string][]string{}, Values: map[string]string{
		"username": u.Username, "display_name": u.DisplayName, "email": u.Email, "role": string(u.Role), "org_kind": u.OrgKind,
		"section": u.Section, "schools": strings.Join(u.Schools, "\n")}}
	switch u.OrgKind {
	case auth.OrgCounty:
		f.Values["county"] = u.OrgCode
	case auth.OrgSchool:
		f.Values["school"] = u.OrgCode
	}
	return f
}

// org returns the organisation code the form means for its kind.
func (f *userForm) org() string {
	switch f.get("org_kind") {
	case auth.OrgCounty:
		return f.get("county")
	case auth.OrgSchool:
		return f.get("school")
	}
	return ""
}

// schools splits the inspector's schools: commas, spaces or lines.
func (f *userForm) schools() []string {
	return strings.FieldsFunc(f.get("schools"), func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == ';'
	})
}

// setErrors files the service's field problems beside the form's inputs:
// org_code goes to the county or school input, whichever the kind uses.
func (f *userForm) setErrors(l i18n.Lang, err error) {
	fe := fault.As(err)
	onForm := map[string]bool{}
	for _, n := range userFormFields {
		onForm[n] = true
	}
	for _, x := range fe.Fields {
		field := x.Field
		if field == "org_code" {
			switch f.get("org_kind") {
			case auth.OrgCounty:
				field = "county"
			case auth.OrgSchool:
				field = "school"
			default:
				field = "org_kind"
			}
		}
		if onForm[field] {
			f.Errors[field] = append(f.Errors[field], x.Msg.In(l))
		} else {
			f.Other = append(f.Other, fieldProblem(l, x))
		}
	}
	f.Message = fe.Msg.In(l)
}

func (ui *UI) showUserForm(w http.ResponseWriter, r *http.Request, status int, f *userForm) {
	l := i18n.FromRequest(r)
	f.Roles = roleOptions(l, f.get("role"))
	f.OrgKinds = orgKindOptions(l, f.get("org_kind"))
	f.Sections = sectionOptions(l, f.get("section"))
	counties, err := ui.counties(r.Context())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f.Counties = areaOptions(counties, f.get("county"))
	title := i18n.Tr(l, "users.new_title")
	if !f.New {
		title = i18n.Trf(l, "users.edit_title", f.User.Username)
		st := ui.userStatus(f.User)
		f.Status = i18n.Tr(l, "users.status."+st)
		if st == "locked" {
			f.Locked = formatDateTime(*f.User.LockedUntil)
		}
	}
	ui.render(w, r, status, "users_form", ui.newPage(r, title, f))
}

// newUser is GET /users/new.
func (ui *UI) newUser(w http.ResponseWriter, r *http.Request) {
	f := &userForm{New: true, Action: "/users", Errors: map[string][]string{}, Values: map[string]string{"org_kind": auth.OrgCity}}
	ui.showUserForm(w, r, http.StatusOK, f)
}

type createdUser struct {
	User     auth.User
	Password string
	Reset    bool // a reset rather than a new account
}

// createUser is POST /users. Without a password typed, one is generated and
// shown once; either way the user chooses their own at first sign-in.
func (ui *UI) createUser(w http.ResponseWriter, r *http.Request) {
	me, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f, err := readUserForm(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f.New, f.Action = true, "/users"
	pw, generated := f.get("password"), false
	if pw == "" {
		pw, generated = auth.RandomPassword(), true
		for ui.d.Auth.CheckPassword(f.get("username"), pw) != nil && len(pw) < 200 {
			pw += auth.RandomPassword()
		}
	}
	u, err := ui.d.Auth.CreateUser(r.Context(), auth.NewUser{Username: f.get("username"), DisplayName: f.get("display_name"),
		Email: f.get("email"), Password: pw, Role: auth.Role(f.get("role")), OrgKind: f.get("org_kind"), OrgCode: f.org(), Section: f.get("section"),
		Schools: f.schools(), MustChangePassword: true, By: actor(r, me)})
	if err != nil {
		switch k := fault.KindOf(err); k {
		case fault.Invalid, fault.Conflict:
			if k == fault.Conflict {
				f.Errors["username"] = append(f.Errors["username"], fault.As(err).Msg.In(i18n.FromRequest(r)))
			} else {
				f.setErrors(i18n.FromRequest(r), err)
			}
			f.Values["password"] = ""
			ui.showUserForm(w, r, httpx.Status(k), f)
		default:
			ui.Fail(w, r, err)
		}
		return
	}
	if generated {
		l := i18n.FromRequest(r)
		ui.render(w, r, http.StatusCreated, "users_password", ui.newPage(r, i18n.Trf(l, "users.created_title", u.Username),
			&createdUser{User: u, Password: pw}))
		return
	}
	ui.setFlash(w, "flash.user_created")
	http.Redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

func (ui *UI) pathUser(r *http.Request) (auth.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return auth.User{}, fault.New(fault.NotFound, "没有这个用户", "no such user")
	}
	return ui.d.Auth.GetUser(r.Context(), id)
}

// editUser is GET /users/{id}: the user, the form and the actions.
func (ui *UI) editUser(w http.ResponseWriter, r *http.Request) {
	u, err := ui.pathUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f := userFormFrom(u)
	f.Action = "/users/" + strconv.FormatInt(u.ID, 10)
	ui.showUserForm(w, r, http.StatusOK, f)
}

// updateUser is POST /users/{id}.
func (ui *UI) updateUser(w http.ResponseWriter, r *http.Request) {
	me, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	u, err := ui.pathUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f, err := readUserForm(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	f.User, f.Action = u, "/users/"+strconv.FormatInt(u.ID, 10)
	f.Values["username"] = u.Username
	if _, err := ui.d.Auth.UpdateUser(r.Context(), actor(r, me), u.ID, auth.UserChange{DisplayName: f.get("display_name"),
		Email: f.get("email"), Role: auth.Role(f.get("role")), OrgKind: f.get("org_kind"), OrgCode: f.org(), Section: f.get("section"), Schools: f.schools()}); err != nil {
		switch k := fault.KindOf(err); k {
		case fault.Invalid, fault.Conflict:
			f.setErrors(i18n.FromRequest(r), err)
			ui.showUserForm(w, r, httpx.Status(k), f)
		default:
			ui.Fail(w, r, err)
		}
		return
	}
	ui.setFlash(w, "flash.saved")
	http.Redirect(w, r, f.Action, http.StatusSeeOther)
}

// userAction is POST /users/{id}/disable, enable, unlock, revoke-sessions
// and reset-totp: one change, then back to the user's page.
func (ui *UI) userAction(w http.ResponseWriter, r *http.Request) {
	me, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	u, err := ui.pathUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, by := r.Context(), actor(r, me)
	var flash string
	switch action := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]; action {
	case "disable":
		err, flash = ui.d.Auth.SetDisabled(ctx, by, u.ID, true), "flash.user_disabled"
	case "enable":
		err, flash = ui.d.Auth.SetDisabled(ctx, by, u.ID, false), "flash.user_enabled"
	case "unlock":
		err, flash = ui.d.Auth.Unlock(ctx, by, u.ID), "flash.user_unlocked"
	case "revoke-sessions":
		_, err = ui.d.Auth.SignOutEverywhere(ctx, by, u.ID)
		flash = "flash.sessions_revoked"
	case "reset-totp":
		err, flash = ui.d.Auth.ResetTOTP(ctx, by, u.ID), "flash.totp_reset"
	default:
		err = fault.New(fault.NotFound, "没有这个操作", "no such action")
	}
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ui.setFlash(w, flash)
	http.Redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

// resetUserPassword is POST /users/{id}/reset-password: the temporary
// password is on this page, once; it is stored only as a hash.
func (ui *UI) resetUserPassword(w http.ResponseWriter, r *http.Request) {
	me, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	u, err := ui.pathUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	temp, err := ui.d.Auth.ResetPassword(r.Context(), actor(r, me), u.ID)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	ui.render(w, r, http.StatusOK, "users_password", ui.newPage(r, i18n.Trf(l, "users.reset_title", u.Username),
		&createdUser{User: u, Password: temp, Reset: true}))
}
