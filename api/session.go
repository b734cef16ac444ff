package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
)

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header, or "" when there is none (the scheme is case-insensitive).
func BearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// SessionToken is the token a request is signed in with: the bearer token,
// else the session cookie.
func SessionToken(r *http.Request) string {
	if t := BearerToken(r); t != "" {
		return t
	}
	if c, err := r.Cookie(auth.CookieName); err == nil {
		return c.Value
	}
	return ""
}

type signInRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp"` // the one-time code, for accounts with a second factor
}

// userView is a user as the API shows them. The id is a string: it is a
// 63-bit number, beyond what JavaScript's numbers hold exactly.
type userView struct {
	ID                 int64     `json:"id,string"`
	Username           string    `json:"username"`
	DisplayName        string    `json:"display_name"`
	Role               auth.Role `json:"role"`
	OrgKind            string    `json:"org_kind"`
	OrgCode            string    `json:"org_code"`
	Section            string    `json:"section,omitempty"`
	MustChangePassword bool      `json:"must_change_password"`
}

func viewUser(u auth.User) userView {
	return userView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgKind: u.OrgKind,
		OrgCode: u.OrgCode, Section: u.Section, MustChangePassword: u.MustChangePassword}
}

type sessionView struct {
	Token              string    `json:"token"`
	User               userView  `json:"user"`
	ExpiresAt          time.Time `json:"expires_at"`
	IdleTimeoutSeconds int       `json:"idle_timeout_seconds"`
}

// signIn is POST /api/v1/session: a user name and password for a session
// token, also set as the session cookie.
func (a *API) signIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	if err := decodeJSON(r, &req); err != nil {
		a.Fail(w, r, err)
		return
	}
	var v fault.Validation
	if strings.TrimSpace(req.Username) == "" {
		v.Add("username", "请填写用户名", "the user name is required")
	}
	if req.Password == "" {
		v.Add("password", "请填写密码", "the password is required")
	}
	if err := v.Err(); err != nil {
		a.Fail(w, r, err)
		return
	}
	// Taken before the session opens, so the time shown is never later than the real end.
	expires := a.d.Auth.Now().UTC().Add(a.d.Auth.Absolute).Truncate(time.Second)
	signIn := a.d.Auth.SignIn
	if req.TOTP != "" {
		signIn = func(ctx context.Context, user, pw, ip, ua string) (string, auth.User, error) {
			return a.d.Auth.SignInWithCode(ctx, user, pw, req.TOTP, ip, ua)
		}
	}
	token, u, err := signIn(r.Context(), req.Username, req.Password, httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: auth.CookieName, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
	writeJSON(w, http.StatusCreated, sessionView{Token: token, User: viewUser(u), ExpiresAt: expires,
		IdleTimeoutSeconds: int(a.d.Auth.Idle / time.Second)})
}

// signOut is DELETE /api/v1/session: it revokes the sessions the request
// carries (the bearer token, and the cookie if it names another) and clears
// the cookie.
func (a *API) signOut(w http.ResponseWriter, r *http.Request) {
	var tokens []string
	if t := BearerToken(r); t != "" {
		tokens = append(tokens, t)
	}
	if c, err := r.Cookie(auth.CookieName); err == nil && c.Value != "" && !slices.Contains(tokens, c.Value) {
		tokens = append(tokens, c.Value)
	}
	if len(tokens) == 0 {
		a.Fail(w, r, fault.New(fault.Unauthorized, "请先登录", "please sign in"))
		return
	}
	for _, t := range tokens {
		if err := a.d.Auth.SignOut(r.Context(), t); err != nil {
			a.Fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
