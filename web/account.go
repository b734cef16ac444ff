package web

// The account pages: every signed-in user's own password, second factor
// (TOTP) and sessions. A user who must change their password, or an
// administrator who must enrol a second factor, is sent here by the server's
// guard (auth.Allowed) and reaches nothing else until done.

import (
	"net/http"
	"net/url"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/scope"
)

func init() {
	addFeature(feature{
		pages: []string{"account", "account_password", "account_totp"},
		nav:   []NavItem{{Key: "nav.account", Href: "/account", Order: 990}},
		routes: func(ui *UI) []httpx.Route {
			return []httpx.Route{
				{Method: "GET", Pattern: "/login/totp", Access: httpx.Public, Handler: ui.totpForm},
				{Method: "POST", Pattern: "/login/totp", Access: httpx.Public, Handler: ui.loginTOTP},
				{Method: "GET", Pattern: "/account", Access: httpx.SignedIn, Handler: ui.account},
				{Method: "GET", Pattern: auth.PasswordChangePath, Access: httpx.SignedIn, Handler: ui.passwordForm},
				{Method: "POST", Pattern: auth.PasswordChangePath, Access: httpx.SignedIn, Handler: ui.changePassword},
				{Method: "GET", Pattern: auth.TOTPEnrolPath, Access: httpx.SignedIn, Handler: ui.totpPage},
				{Method: "POST", Pattern: auth.TOTPEnrolPath + "/start", Access: httpx.SignedIn, Handler: ui.startTOTP},
				{Method: "POST", Pattern: auth.TOTPEnrolPath + "/confirm", Access: httpx.SignedIn, Handler: ui.confirmTOTP},
				{Method: "POST", Pattern: auth.TOTPEnrolPath + "/disable", Access: httpx.SignedIn, Handler: ui.disableTOTP},
				{Method: "POST", Pattern: "/account/sessions/revoke", Access: httpx.SignedIn, Handler: ui.signOutEverywhere},
			}
		},
	})
}

// actor is the signed-in user acting, with their address, for the audit log.
func actor(r *http.Request, u auth.User) auth.Actor {
	return auth.Actor{User: u, IP: httpx.ClientIP(r)}
}

func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(auth.CookieName); err == nil {
		return c.Value
	}
	return ""
}

type accountData struct {
	User        auth.User
	RoleName    string
	Org         string
	SectionName string
	Permissions []string
	Sessions    []auth.SessionInfo
	TOTPPending bool
}

// account is GET /account: who the user is, what they may do, their sessions.
func (ui *UI) account(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	d := &accountData{User: u, RoleName: auth.RoleName(u.Role).In(l), Org: ui.userOrg(r, l, u)}
	if s, ok := auth.Section(u.Section); ok {
		d.SectionName = s.Name.In(l)
	}
	for _, p := range u.Permissions() {
		d.Permissions = append(d.Permissions, auth.PermissionLabel(p).In(l))
	}
	if d.Sessions, err = ui.d.Auth.LiveSessions(r.Context(), u.ID); err != nil {
		ui.Fail(w, r, err)
		return
	}
	if !u.TOTPEnabled {
		if _, d.TOTPPending, err = ui.d.Auth.PendingTOTP(r.Context(), u); err != nil {
			ui.Fail(w, r, err)
			return
		}
	}
	ui.render(w, r, http.StatusOK, "account", ui.newPage(r, i18n.Tr(l, "account.title"), d))
}

type passwordData struct {
	Forced  bool // after a reset: the only page reachable
	Rules   string
	Next    string
	Errors  map[string][]string
	Message string
}

// passwordForm is GET /account/password.
func (ui *UI) passwordForm(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	ui.render(w, r, http.StatusOK, "account_password", ui.newPage(r, i18n.Tr(l, "account.password_title"),
		&passwordData{Forced: u.MustChangePassword, Rules: ui.passwordRules(l), Next: safeNext(r.URL.Query().Get("next")), Errors: map[string][]string{}}))
}

// changePassword is POST /account/password: the current password, the new
// one twice. Other sessions end; this one stays.
func (ui *UI) changePassword(w http.ResponseWriter, r *http.Request) {
	u, ok := ui.formUser(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	d := &passwordData{Forced: u.MustChangePassword, Rules: ui.passwordRules(l), Next: safeNext(r.PostForm.Get("next")), Errors: map[string][]string{}}
	current, next, again := r.PostForm.Get("current_password"), r.PostForm.Get("password"), r.PostForm.Get("password_confirm")
	if len(current) > maxPasswordLen || len(next) > maxPasswordLen || len(again) > maxPasswordLen {
		ui.Fail(w, r, fault.New(fault.TooLarge, "密码过长", "the password is too long"))
		return
	}
	if next != again {
		// Nothing is saved; say every other problem with the new password too.
		d.Errors["password_confirm"] = append(d.Errors["password_confirm"], i18n.Tr(l, "account.password_mismatch"))
		if err := ui.d.Auth.CheckPassword(u.Username, next); err != nil {
			for _, f := range fault.As(err).Fields {
				d.Errors[f.Field] = append(d.Errors[f.Field], f.Msg.In(l))
			}
		}
		ui.render(w, r, http.StatusUnprocessableEntity, "account_password", ui.newPage(r, i18n.Tr(l, "account.password_title"), d))
		return
	}
	if err := ui.d.Auth.ChangePassword(r.Context(), actor(r, u), current, next, sessionToken(r)); err != nil {
		fe := fault.As(err)
		status := httpx.Status(fe.Kind)
		switch fe.Kind {
		case fault.Invalid:
		case fault.Forbidden, fault.TooMany:
			d.Message = fe.Msg.In(l)
		default:
			ui.Fail(w, r, err)
			return
		}
		for _, f := range fe.Fields {
			d.Errors[f.Field] = append(d.Errors[f.Field], f.Msg.In(l))
		}
		ui.render(w, r, status, "account_password", ui.newPage(r, i18n.Tr(l, "account.password_title"), d))
		return
	}
	ui.setFlash(w, "flash.password_changed")
	dest := d.Next
	if dest == "/" || dest == auth.PasswordChangePath {
		dest = "/account"
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// passwordRules states the service's password policy.
func (ui *UI) passwordRules(l i18n.Lang) string {
	p := ui.d.Auth.Policy
	if p.MinLength <= 0 || p.Classes <= 0 {
		p = auth.DefaultPolicy
	}
	return i18n.Trf(l, "account.password_rules", p.MinLength, p.Classes)
}

type totpData struct {
	Forced  bool // an administrator who must enrol before anything else
	Enabled bool
	Pending bool
	Secret  string // grouped by four, when pending
	URI     string
	Errors  map[string][]string
	Message string
}

// totpPage is GET /account/totp: start, confirm or turn off the second factor.
func (ui *UI) totpPage(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ui.showTOTP(w, r, u, http.StatusOK, map[string][]string{}, "")
}

func (ui *UI) showTOTP(w http.ResponseWriter, r *http.Request, u auth.User, status int, errs map[string][]string, msg string) {
	l := i18n.FromRequest(r)
	d := &totpData{Forced: u.MustEnrolTOTP, Enabled: u.TOTPEnabled, Errors: errs, Message: msg}
	if !u.TOTPEnabled {
		en, ok, err := ui.d.Auth.PendingTOTP(r.Context(), u)
		if err != nil {
			ui.Fail(w, r, err)
			return
		}
		if ok {
			d.Pending, d.Secret, d.URI = true, auth.FormatSecret(en.Secret), en.URI
		}
	}
	ui.render(w, r, status, "account_totp", ui.newPage(r, i18n.Tr(l, "account.totp_title"), d))
}

// startTOTP is POST /account/totp/start: a new secret to put in the app.
func (ui *UI) startTOTP(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if _, err := ui.d.Auth.StartTOTP(r.Context(), u); err != nil {
		ui.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, auth.TOTPEnrolPath, http.StatusSeeOther)
}

// confirmTOTP is POST /account/totp/confirm: the first code turns it on.
func (ui *UI) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	u, ok := ui.formUser(w, r)
	if !ok {
		return
	}
	code := r.PostForm.Get("totp_code")
	if len(code) > maxCodeLen {
		code = ""
	}
	if err := ui.d.Auth.ConfirmTOTP(r.Context(), actor(r, u), code); err != nil {
		ui.totpFailed(w, r, u, err)
		return
	}
	ui.setFlash(w, "flash.totp_enabled")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// disableTOTP is POST /account/totp/disable: it takes the password.
func (ui *UI) disableTOTP(w http.ResponseWriter, r *http.Request) {
	u, ok := ui.formUser(w, r)
	if !ok {
		return
	}
	pw := r.PostForm.Get("password")
	if len(pw) > maxPasswordLen {
		pw = ""
	}
	if pw == "" {
		var v fault.Validation
		v.Add("password", "请填写密码", "enter your password")
		ui.totpFailed(w, r, u, v.Err())
		return
	}
	if err := ui.d.Auth.DisableTOTP(r.Context(), actor(r, u), pw); err != nil {
		if fe := fault.As(err); fe.Kind == fault.Invalid {
			// The service names the field current_password; on this form it is "password".
			var v fault.Validation
			for _, f := range fe.Fields {
				v.AddText("password", f.Msg)
			}
			err = v.Err()
		}
		ui.totpFailed(w, r, u, err)
		return
	}
	ui.setFlash(w, "flash.totp_disabled")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (ui *UI) totpFailed(w http.ResponseWriter, r *http.Request, u auth.User, err error) {
	l := i18n.FromRequest(r)
	fe := fault.As(err)
	switch fe.Kind {
	case fault.Invalid, fault.Conflict, fault.Forbidden:
	default:
		ui.Fail(w, r, err)
		return
	}
	errs := map[string][]string{}
	for _, f := range fe.Fields {
		errs[f.Field] = append(errs[f.Field], f.Msg.In(l))
	}
	msg := ""
	if len(fe.Fields) == 0 {
		msg = fe.Msg.In(l)
	}
	ui.showTOTP(w, r, u, httpx.Status(fe.Kind), errs, msg)
}

// signOutEverywhere is POST /account/sessions/revoke: every session of the
// user ends, this one too.
func (ui *UI) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if _, err := ui.d.Auth.SignOutEverywhere(r.Context(), actor(r, u), u.ID); err != nil {
		ui.Fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: ui.d.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login?next="+url.QueryEscape("/account"), http.StatusSeeOther)
}

// userOrg names a user's organisation: the bureau, a county, or a school.
func (ui *UI) userOrg(r *http.Request, l i18n.Lang, u auth.User) string {
	switch u.OrgKind {
	case auth.OrgCity:
		return i18n.Trf(l, "app.bureau", ui.d.Jurisdiction.Name)
	case auth.OrgCounty:
		if counties, err := ui.counties(r.Context()); err == nil {
			for _, c := range counties {
				if c.Code == u.OrgCode {
					return c.Name + " (" + c.Code + ")"
				}
			}
		}
	case auth.OrgSchool:
		if s, err := ui.d.Schools.Get(r.Context(), scope.Everything, u.OrgCode); err == nil {
			return s.Name + " (" + s.Code + ")"
		}
	}
	return u.OrgKind + " " + u.OrgCode
}
