package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

type loginData struct {
	Step     string // "password" or "totp"
	Username string
	Next     string
	Error    string
}

// pendingCookie carries the token between the password and the one-time
// code. It is no session: only POST /login/totp accepts it, for five minutes.
const pendingCookie = "edubureau_pending"

// signInForm is the sign-in form as posted, checked.
type signInForm struct {
	Username string
	Password string
	Code     string // the one-time code, on the second step
	Next     string // where to go after, always a path on this site
}

// Limits on what the form may carry: longer values are refused before any
// work (argon2 on a megabyte password would be a cheap way to load the server).
const (
	maxUsernameLen = 100
	maxPasswordLen = 1024
	maxCodeLen     = 20
)

// parseSignInForm reads POST /login and POST /login/totp: the user name is
// trimmed, control characters refused, lengths bounded, next made safe.
// A missing user name or password is reported when the password step is
// meant (a form without "code").
func parseSignInForm(v url.Values) (signInForm, error) {
	f := signInForm{Username: strings.TrimSpace(v.Get("username")), Password: v.Get("password"),
		Code: strings.TrimSpace(v.Get("code")), Next: safeNext(v.Get("next"))}
	var fv fault.Validation
	if len(f.Username) > maxUsernameLen || !utf8.ValidString(f.Username) ||
		strings.ContainsFunc(f.Username, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		fv.Add("username", "用户名无效", "the user name is not valid")
		f.Username = ""
	}
	if len(f.Password) > maxPasswordLen {
		fv.Add("password", "密码过长", "the password is too long")
		f.Password = ""
	}
	if len(f.Code) > maxCodeLen {
		fv.Add("code", "验证码无效", "the code is not valid")
		f.Code = ""
	}
	if !v.Has("code") && !fv.Has("username") && !fv.Has("password") && (f.Username == "" || f.Password == "") {
		fv.Add("password", "请填写用户名和密码", "enter your user name and password")
	}
	return f, fv.Err()
}

// loginForm shows the sign-in form.
func (ui *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	l := i18n.FromRequest(r)
	ui.render(w, r, http.StatusOK, "login", ui.newPage(r, i18n.Tr(l, "login.title"),
		&loginData{Step: "password", Next: safeNext(r.URL.Query().Get("next"))}))
}

func (ui *UI) loginFailed(w http.ResponseWriter, r *http.Request, data *loginData, err error) {
	l := i18n.FromRequest(r)
	switch k := fault.KindOf(err); k {
	case fault.Unauthorized, fault.Forbidden, fault.TooMany, fault.Invalid:
		data.Error = fault.As(err).Msg.In(l)
		if fe := fault.As(err); k == fault.Invalid && len(fe.Fields) > 0 {
			data.Error = fe.Fields[0].Msg.In(l)
		}
		if wait, ok := auth.RetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(max(wait.Round(time.Second), time.Second)/time.Second)))
		}
		ui.render(w, r, httpx.Status(k), "login", ui.newPage(r, i18n.Tr(l, "login.title"), data))
	default:
		ui.Fail(w, r, err)
	}
}

// login checks the credentials. Without a second factor it sets the session
// cookie and goes on (to the password change first when one is due); with
// one it keeps the pending step in a cookie and asks for the code.
func (ui *UI) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		ui.Fail(w, r, httpx.BodyError(err))
		return
	}
	f, err := parseSignInForm(r.PostForm)
	data := &loginData{Step: "password", Username: f.Username, Next: f.Next}
	if err != nil {
		ui.loginFailed(w, r, data, err)
		return
	}
	res, err := ui.d.Auth.BeginSignIn(r.Context(), f.Username, f.Password, httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		ui.loginFailed(w, r, data, err)
		return
	}
	if res.NeedTOTP {
		http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: res.Token, Path: "/login", MaxAge: 300, HttpOnly: true,
			Secure: ui.d.Secure, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/login/totp?next="+url.QueryEscape(f.Next), http.StatusSeeOther)
		return
	}
	ui.signedIn(w, r, res.Token, res.User, f.Next)
}

// signedIn sets the session cookie and sends the browser on: to the
// password change or the TOTP enrolment when one is due, else to next.
func (ui *UI) signedIn(w http.ResponseWriter, r *http.Request, token string, u auth.User, next string) {
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: ui.d.Secure, SameSite: http.SameSiteLaxMode})
	switch u.Restriction() {
	case auth.NeedPasswordChange:
		next = auth.PasswordChangePath + "?next=" + url.QueryEscape(next)
	case auth.NeedTOTPEnrolment:
		next = auth.TOTPEnrolPath
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (ui *UI) clearPending(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true,
		Secure: ui.d.Secure, SameSite: http.SameSiteStrictMode})
}

// totpForm is GET /login/totp: the second step, asking for the code.
func (ui *UI) totpForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if c, err := r.Cookie(pendingCookie); err != nil || c.Value == "" {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	l := i18n.FromRequest(r)
	ui.render(w, r, http.StatusOK, "login", ui.newPage(r, i18n.Tr(l, "login.totp_title"), &loginData{Step: "totp", Next: next}))
}

// loginTOTP is POST /login/totp: the pending step and the code. A wrong code
// asks again; a timed-out or locked step goes back to the password.
func (ui *UI) loginTOTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		ui.Fail(w, r, httpx.BodyError(err))
		return
	}
	f, err := parseSignInForm(r.PostForm)
	data := &loginData{Step: "totp", Next: f.Next}
	if err != nil {
		ui.loginFailed(w, r, data, err)
		return
	}
	pending := ""
	if c, err := r.Cookie(pendingCookie); err == nil {
		pending = c.Value
	}
	token, u, err := ui.d.Auth.CompleteSignIn(r.Context(), pending, f.Code, httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		if errors.Is(err, auth.ErrSignInTimedOut) || fault.KindOf(err) == fault.Forbidden {
			ui.clearPending(w)
			data.Step = "password"
		}
		ui.loginFailed(w, r, data, err)
		return
	}
	ui.clearPending(w)
	ui.signedIn(w, r, token, u, f.Next)
}

// logout ends the session and clears the cookie.
func (ui *UI) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(auth.CookieName); err == nil && c.Value != "" {
		if err := ui.d.Auth.SignOut(r.Context(), c.Value); err != nil {
			ui.Fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: ui.d.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// switchLang remembers the chosen language in the "lang" cookie and returns to next.
func (ui *UI) switchLang(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l := i18n.ParseLang(q.Get("to"))
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: ui.d.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(q.Get("next")), http.StatusSeeOther)
}

const flashCookie = "flash"

// setFlash leaves a one-time message (a catalogue key) for the next page.
func (ui *UI) setFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: ui.d.Secure, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the pending message in l and clears it. Only catalogue
// keys are shown, so a forged cookie cannot put text on the page.
func (ui *UI) takeFlash(w http.ResponseWriter, r *http.Request, l i18n.Lang) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0),
		HttpOnly: true, Secure: ui.d.Secure, SameSite: http.SameSiteLaxMode})
	if !i18n.Has(c.Value) || len(c.Value) < 6 || c.Value[:6] != "flash." {
		return ""
	}
	return i18n.Tr(l, c.Value)
}
