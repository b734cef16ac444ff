package web

import (
	"net/http"
	"time"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

type loginData struct {
	Username string
	Next     string
	Error    string
}

// loginForm shows the sign-in form.
func (ui *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	l := i18n.FromRequest(r)
	ui.render(w, r, http.StatusOK, "login", ui.newPage(r, i18n.Tr(l, "login.title"),
		&loginData{Next: safeNext(r.URL.Query().Get("next"))}))
}

// login checks the credentials; on success it sets the session cookie and
// returns to next, otherwise it shows the form again with the user name kept.
func (ui *UI) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		ui.Fail(w, r, httpx.BodyError(err))
		return
	}
	l := i18n.FromRequest(r)
	data := &loginData{Username: r.PostForm.Get("username"), Next: safeNext(r.PostForm.Get("next"))}
	password := r.PostForm.Get("password")
	if data.Username == "" || password == "" {
		data.Error = i18n.Tr(l, "login.missing")
		ui.render(w, r, http.StatusUnprocessableEntity, "login", ui.newPage(r, i18n.Tr(l, "login.title"), data))
		return
	}
	token, _, err := ui.d.Auth.SignIn(r.Context(), data.Username, password, httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		switch k := fault.KindOf(err); k {
		case fault.Unauthorized, fault.Forbidden, fault.TooMany:
			data.Error = fault.As(err).Msg.In(l)
			ui.render(w, r, httpx.Status(k), "login", ui.newPage(r, i18n.Tr(l, "login.title"), data))
		default:
			ui.Fail(w, r, err)
		}
		return
	}
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: ui.d.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
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
