package web

// The API tokens page: machine clients (a school's own system, another
// agency) call the API with a token an administrator makes here. A new
// token is shown once, on the page that answers its creation, and never again.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

func init() {
	addFeature(feature{
		pages: []string{"tokens"},
		nav:   []NavItem{{Key: "nav.tokens", Href: "/tokens", Permission: auth.TokenManage, Order: 920}},
		routes: func(ui *UI) []httpx.Route {
			return []httpx.Route{
				{Method: "GET", Pattern: "/tokens", Access: httpx.SignedIn, Permission: auth.TokenManage, Handler: ui.tokenList},
				{Method: "GET", Pattern: "/tokens/new", Access: httpx.SignedIn, Permission: auth.TokenManage, Handler: ui.newToken},
				{Method: "POST", Pattern: "/tokens", Access: httpx.SignedIn, Permission: auth.TokenManage, Handler: ui.createToken},
				{Method: "POST", Pattern: "/tokens/{id}/revoke", Access: httpx.SignedIn, Permission: auth.TokenManage, Handler: ui.revokeToken},
			}
		},
	})
}

// tokenFields are the create form's inputs, in the order shown.
var tokenFields = []string{"name", "owner", "username", "org_kind", "org_code", "role", "section", "read_only", "expires_on"}

// tokensData is what the one tokens template shows: the list, the form, or
// a token just made (Mode "list", "new" or "created").
type tokensData struct {
	Mode    string
	Rows    []tokenRow
	Form    *tokenForm
	Created *createdToken
}

type tokenRow struct {
	ID                      int64
	Name, Prefix            string
	Owner                   string // whom it acts as
	Access                  string // role, organisation, section
	ReadOnly                bool
	ExpiresAt, LastUsedAt   time.Time
	LastUsedIP, CreatedBy   string
	UseCount                int64
	State, StateLabel       string
	Active                  bool
	CreatedAt               time.Time
	RevokeURL, ConfirmQuery string
}

type tokenForm struct {
	Values   map[string]string
	Errors   map[string][]string
	Message  string
	Other    []string
	OrgKinds []option
	Roles    []option
	Sections []option
	MaxDate  string
	MinDate  string
}

type createdToken struct {
	Secret    string
	Name      string
	Prefix    string
	Owner     string
	Access    string
	ReadOnly  bool
	ExpiresAt time.Time
}

// tokenList is GET /tokens.
func (ui *UI) tokenList(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	tokens, err := ui.d.Auth.ListTokens(r.Context(), u)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	d := &tokensData{Mode: "list"}
	now := ui.now()
	for _, t := range tokens {
		st := t.State(now)
		row := tokenRow{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Owner: tokenOwner(l, t), Access: tokenAccess(l, t),
			ReadOnly: t.ReadOnly, ExpiresAt: t.ExpiresAt, LastUsedIP: t.LastUsedIP, UseCount: t.UseCount,
			CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, State: string(st), StateLabel: i18n.Tr(l, "tokens.state."+string(st)),
			Active: st == auth.TokenActive, RevokeURL: "/tokens/" + strconv.FormatInt(t.ID, 10) + "/revoke",
			ConfirmQuery: i18n.Trf(l, "tokens.revoke_confirm", t.Name)}
		if t.LastUsedAt != nil {
			row.LastUsedAt = *t.LastUsedAt
		}
		d.Rows = append(d.Rows, row)
	}
	ui.render(w, r, http.StatusOK, "tokens", ui.newPage(r, i18n.Tr(l, "tokens.title"), d))
}

// tokenOwner says whom a token acts as.
func tokenOwner(l i18n.Lang, t auth.Token) string {
	if t.UserID != 0 {
		return i18n.Trf(l, "tokens.owner_user", t.User)
	}
	return i18n.Trf(l, "tokens.owner_org", orgName(l, t.OrgKind, t.OrgCode))
}

// orgName names an organisation: the city bureau, a county by its name, a school by its identifier.
func orgName(l i18n.Lang, kind, code string) string {
	switch kind {
	case auth.OrgCity:
		return i18n.Tr(l, "tokens.org.city")
	case auth.OrgCounty:
		if a, ok := area.Lookup(code); ok {
			return a.Name + " " + code
		}
		return i18n.Tr(l, "tokens.org.county") + " " + code
	case auth.OrgSchool:
		return i18n.Tr(l, "tokens.org.school") + " " + code
	}
	return kind + " " + code
}

// tokenAccess is the role (and section) a token acts with; a user's token
// shows the user's role now, which is what it gets at each use.
func tokenAccess(l i18n.Lang, t auth.Token) string {
	role, section := t.Role, t.Section
	if t.UserID != 0 {
		role, section = t.UserRole, ""
	}
	s := auth.RoleName(role).In(l)
	if sec, ok := auth.Section(section); ok {
		s += " · " + sec.Name.In(l)
	}
	if t.UserID != 0 && t.UserDisabled {
		s += " · " + i18n.Tr(l, "tokens.user_disabled")
	}
	return s
}

// newToken is GET /tokens/new.
func (ui *UI) newToken(w http.ResponseWriter, r *http.Request) {
	f := &tokenForm{Values: map[string]string{"owner": "org", "org_kind": auth.OrgSchool, "role": string(auth.SchoolAdmin),
		"read_only": "on", "expires_on": ui.now().In(shanghai).AddDate(1, 0, 0).Format(time.DateOnly)},
		Errors: map[string][]string{}}
	ui.showTokenForm(w, r, http.StatusOK, f)
}

func (ui *UI) showTokenForm(w http.ResponseWriter, r *http.Request, status int, f *tokenForm) {
	l := i18n.FromRequest(r)
	today := ui.now().In(shanghai)
	f.MinDate = today.AddDate(0, 0, 1).Format(time.DateOnly)
	f.MaxDate = today.AddDate(auth.MaxTokenLifetime, 0, -1).Format(time.DateOnly)
	f.OrgKinds = nil
	for _, k := range []string{auth.OrgCity, auth.OrgCounty, auth.OrgSchool} {
		f.OrgKinds = append(f.OrgKinds, option{k, i18n.Tr(l, "tokens.org."+k), f.Values["org_kind"] == k})
	}
	f.Roles = nil
	for _, ri := range auth.Roles {
		if ri.Role == auth.Inspector {
			continue // an inspector's token is tied to their account
		}
		f.Roles = append(f.Roles, option{string(ri.Role), ri.Name.In(l), f.Values["role"] == string(ri.Role)})
	}
	f.Sections = nil
	for _, s := range auth.Sections {
		f.Sections = append(f.Sections, option{s.Code, s.Name.In(l), f.Values["section"] == s.Code})
	}
	ui.render(w, r, status, "tokens", ui.newPage(r, i18n.Tr(l, "tokens.new_title"), &tokensData{Mode: "new", Form: f}))
}

// createToken is POST /tokens: on success the page shows the token, once.
func (ui *UI) createToken(w http.ResponseWriter, r *http.Request) {
	u, ok := ui.formUser(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	f := &tokenForm{Values: map[string]string{}, Errors: map[string][]string{}}
	for _, n := range tokenFields {
		f.Values[n] = strings.TrimSpace(r.PostForm.Get(n))
	}
	nt := auth.NewToken{Name: f.Values["name"], ReadOnly: f.Values["read_only"] != ""}
	var v fault.Validation
	switch f.Values["owner"] {
	case "user":
		nt.Username = f.Values["username"]
		if nt.Username == "" {
			v.Add("username", "请填写令牌所代表的用户名", "give the user name the token acts as")
		}
	case "org":
		nt.OrgKind, nt.OrgCode, nt.Role = f.Values["org_kind"], f.Values["org_code"], auth.Role(f.Values["role"])
		if nt.Role == auth.Staff {
			nt.Section = f.Values["section"]
		}
	default:
		v.Add("owner", "请选择令牌代表用户还是机构", "choose whether the token acts as a user or an organisation")
	}
	if s := f.Values["expires_on"]; s == "" {
		v.Add("expires_on", "请填写失效日期", "the expiry date is required")
	} else if day, err := time.ParseInLocation(time.DateOnly, s, shanghai); err != nil {
		v.Add("expires_on", "失效日期 %q 不是有效日期（YYYY-MM-DD）", "expiry date %q is not a valid date (YYYY-MM-DD)", s)
	} else {
		nt.ExpiresAt = day // the token ends as that day begins, China time
	}
	var plain string
	var t auth.Token
	var err error
	if len(v.Fields) == 0 {
		plain, t, err = ui.d.Auth.CreateToken(r.Context(), u, nt)
	} else {
		// Show every problem at once: the service's own rules too.
		if nt.ExpiresAt.IsZero() && !v.Has("expires_on") {
			v.Add("expires_on", "请填写失效日期", "the expiry date is required")
		}
		var more []fault.FieldError
		if cerr := ui.d.Auth.CheckNewToken(r.Context(), nt); fault.KindOf(cerr) == fault.Invalid {
			more = fault.As(cerr).Fields
		} else if cerr != nil {
			ui.Fail(w, r, cerr)
			return
		}
		orgField := map[string]bool{"org_kind": true, "org_code": true, "role": true, "section": true}
		for _, x := range more {
			if f.Values["owner"] != "org" && orgField[x.Field] {
				continue // the organisation's fields do not apply
			}
			if !v.Has(x.Field) && !(x.Field == "expires_at" && v.Has("expires_on")) {
				v.Fields = append(v.Fields, x)
			}
		}
		err = v.Err()
	}
	if err != nil {
		switch k := fault.KindOf(err); k {
		case fault.Invalid, fault.Conflict, fault.Forbidden:
			fe := fault.As(err)
			onForm := map[string]bool{}
			for _, n := range tokenFields {
				onForm[n] = true
			}
			for _, x := range fe.Fields {
				name := x.Field
				if name == "expires_at" {
					name = "expires_on"
				}
				if onForm[name] {
					f.Errors[name] = append(f.Errors[name], x.Msg.In(l))
				} else {
					f.Other = append(f.Other, fieldProblem(l, x))
				}
			}
			f.Message = fe.Msg.In(l)
			ui.showTokenForm(w, r, httpx.Status(k), f)
		default:
			ui.Fail(w, r, err)
		}
		return
	}
	c := &createdToken{Secret: plain, Name: t.Name, Prefix: t.Prefix, Owner: tokenOwner(l, t), Access: tokenAccess(l, t),
		ReadOnly: t.ReadOnly, ExpiresAt: t.ExpiresAt}
	ui.render(w, r, http.StatusCreated, "tokens", ui.newPage(r, i18n.Tr(l, "tokens.created_title"), &tokensData{Mode: "created", Created: c}))
}

// revokeToken is POST /tokens/{id}/revoke.
func (ui *UI) revokeToken(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		ui.Fail(w, r, fault.New(fault.NotFound, "没有接口令牌 %s", "there is no API token %s", r.PathValue("id")))
		return
	}
	if err := ui.d.Auth.RevokeToken(r.Context(), u, id); err != nil {
		ui.Fail(w, r, err)
		return
	}
	ui.setFlash(w, "flash.token_revoked")
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
}
