// Package auth is who is signed in: users, argon2id passwords and sessions kept
// in the database (they survive restarts and can be revoked). Each user
// belongs to an organisation — the city bureau (and a section of it), a county
// bureau, or a school — which gives their scope.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"edubureau/db"
	"edubureau/fault"
)

// CookieName is the session cookie.
const CookieName = "edubureau_session"

// Role is what a user does; roles are granted named permissions (roles.go).
type Role string

const (
	Admin       Role = "admin"        // system administrator
	Staff       Role = "staff"        // staff of a section of the bureau, city-wide or in one county
	SchoolAdmin Role = "school_admin" // a school's administrator: their school only
	Inspector   Role = "inspector"    // read access plus supervision work in assigned schools
	Auditor     Role = "auditor"      // read-only, including the audit log
)

// Organisation kinds.
const (
	OrgCity   = "city"   // the bureau itself (org_code is the jurisdiction)
	OrgCounty = "county" // a county bureau (org_code is the county)
	OrgSchool = "school" // a school (org_code is its identifier)
)

// User is a signed-in person.
type User struct {
	ID                 int64      `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	Role               Role       `json:"role"`
	OrgKind            string     `json:"org_kind"`
	OrgCode            string     `json:"org_code"`
	Section            string     `json:"section,omitempty"`
	Disabled           bool       `json:"disabled"`
	MustChangePassword bool       `json:"must_change_password"`
	CreatedAt          time.Time  `json:"created_at"`
	Schools            []string   `json:"schools,omitempty"`      // an inspector's assigned schools (user_school)
	TOTPEnabled        bool       `json:"totp_enabled"`           // a second factor is on
	MustEnrolTOTP      bool       `json:"must_enrol_totp"`        // an administrator who must enrol one first (Service.RequireTOTPForAdmins)
	LockedUntil        *time.Time `json:"locked_until,omitempty"` // after too many failed sign-ins
	Email              string     `json:"email,omitempty"`        // a work address for reminders; "" when none

	// Set when the request came with an API token (auth/token.go, TokenUser):
	// the token's id and name, for the audit log ("token <name>"), and
	// ReadOnly, which limits Can to ReadOnlyAllows (".view") permissions.
	TokenID   int64  `json:"token_id,omitempty"`
	TokenName string `json:"token_name,omitempty"`
	ReadOnly  bool   `json:"read_only,omitempty"`
}

// Service signs users in and out and keeps the users.
type Service struct {
	DB       *db.DB
	Now      func() time.Time
	Argon2   Argon2
	Idle     time.Duration // a session unused this long ends
	Absolute time.Duration // a session ends this long after sign-in, used or not
	Policy   Policy        // what a new password must be

	LockoutAttempts int           // failed attempts in a row that lock an account (default 5)
	LockoutDuration time.Duration // how long the lock lasts (default 15 minutes)
	SignInRate      int           // sign-in attempts per IP address per minute, across accounts (default 20; <0 = no limit)

	// RequireTOTPForAdmins sends an administrator without a second factor to
	// enrol one right after sign-in; nothing else is reachable until done.
	RequireTOTPForAdmins bool
	TOTPIssuer           string // the name authenticator apps show (default "edubureau")
	// Seal and Open encrypt and decrypt the TOTP secret at rest (the server
	// sets them to pii.Keyring Encrypt/Decrypt with aad "app_user.totp_secret").
	// When nil the secret is stored as it is: acceptable in tests only.
	Seal func(plain string) (string, error)
	Open func(sealed string) (string, error)

	// OnEvent, when set, receives every event the audit log must record
	// (sign-ins, failures, sign-outs, changes to users and tokens). The
	// server connects it to the audit log; auth itself knows nothing of it.
	// tx is the transaction of the change the event describes (nil when
	// there is none): recording in it makes the change and its record commit
	// together, and an error then undoes the change.
	OnEvent func(ctx context.Context, tx db.Tx, e Event) error
	// SessionCacheTTL is how long a checked session is trusted without asking
	// the database again (0 turns the cache off). Changes made through this
	// Service take effect at once; those made by another instance within it.
	SessionCacheTTL time.Duration

	limiterOnce sync.Once
	limiter     *Limiter
	sessions    sessionCache
}

// Event is something about identity and access that must be audited.
type Event struct {
	Action     string // e.g. auth.sign_in, auth.sign_in_failed, auth.sign_out, user.create, token.revoke
	Outcome    string // ok | failed | denied
	UserID     int64  // who acted (0 when unknown, e.g. a failed sign-in with a wrong name)
	Username   string
	OrgKind    string
	OrgCode    string
	IP         string
	RecordType string // what was acted on, e.g. "user", "token"
	RecordID   string
	Detail     string // a short note, never a password or a token
}

func (s *Service) emit(ctx context.Context, e Event) {
	if s.OnEvent != nil {
		s.OnEvent(ctx, nil, e) // outside a transaction the hook reports its own failures
	}
}

// emitTx records an event inside the transaction of the change it describes.
func (s *Service) emitTx(ctx context.Context, tx db.Tx, e Event) error {
	if s.OnEvent == nil {
		return nil
	}
	return s.OnEvent(ctx, tx, e)
}

// Actor is who does something to users (an administrator, or a user to their
// own account), with the address they came from, for the audit log.
type Actor struct {
	User
	IP string
}

// event is an audit event of the actor acting on target (a user).
func (a Actor) event(action, outcome string, target User, detail string) Event {
	return Event{Action: action, Outcome: outcome, UserID: a.ID, Username: a.Username, OrgKind: a.OrgKind,
		OrgCode: a.OrgCode, IP: a.IP, RecordType: "user", RecordID: target.Username, Detail: detail}
}

// New returns the service with the defaults of the configuration: 30 minutes
// idle, 12 hours absolute, passwords of 10 characters of 3 classes, 5
// failures lock for 15 minutes, 20 sign-in attempts per IP address a minute.
func New(d *db.DB) *Service {
	return &Service{DB: d, Now: time.Now, Argon2: DefaultArgon2, Idle: 30 * time.Minute, Absolute: 12 * time.Hour,
		Policy: DefaultPolicy, LockoutAttempts: 5, LockoutDuration: 15 * time.Minute, SignInRate: 20,
		SessionCacheTTL: 2 * time.Second}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Policy is what a password must be.
type Policy struct {
	MinLength int // characters
	Classes   int // of lower case, upper case, digits, symbols
}

// DefaultPolicy is the bureau's: at least 10 characters of three classes (MLPS 2.0 level 3).
var DefaultPolicy = Policy{MinLength: 10, Classes: 3}

// CheckPassword applies the default policy (see Policy.Check).
func CheckPassword(username, password string) error { return DefaultPolicy.Check(username, password) }

// CheckPassword applies the service's policy.
func (s *Service) CheckPassword(username, password string) error {
	return s.policy().Check(username, password)
}

func (s *Service) policy() Policy {
	p := s.Policy
	if p.MinLength <= 0 {
		p.MinLength = DefaultPolicy.MinLength
	}
	if p.Classes <= 0 {
		p.Classes = DefaultPolicy.Classes
	}
	return p
}

// Check applies the policy: at least MinLength characters, Classes of the four
// classes (lower, upper, digit, other), not containing the user name.
func (p Policy) Check(username, password string) error {
	var v fault.Validation
	classes := 0
	for _, has := range []func(rune) bool{
		func(r rune) bool { return r >= 'a' && r <= 'z' },
		func(r rune) bool { return r >= 'A' && r <= 'Z' },
		func(r rune) bool { return r >= '0' && r <= '9' },
		func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') },
	} {
		if strings.ContainsFunc(password, has) {
			classes++
		}
	}
	switch {
	case utf8.RuneCountInString(password) < p.MinLength:
		v.Add("password", "密码至少 %d 个字符", "the password must have at least %d characters", p.MinLength)
	case utf8.RuneCountInString(password) > 200:
		v.Add("password", "密码不能超过 200 个字符", "the password must not exceed 200 characters")
	case classes < p.Classes:
		v.Add("password", "密码须包含小写字母、大写字母、数字、符号中的至少 %d 类", "the password must mix at least %d of: lower case, upper case, digits, symbols", p.Classes)
	case username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		v.Add("password", "密码不能包含用户名", "the password must not contain the user name")
	}
	return v.Err()
}

// CountUsers returns how many users exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM app_user`).Scan(&n)
	return n, err
}

const userColumns = `u.id, u.username, u.display_name, u.role, u.org_kind, u.org_code, u.section, u.disabled, u.must_change_password, u.created_at, u.totp_enabled, u.locked_until, u.email`

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	err := sc.Scan(append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.OrgKind, &u.OrgCode, &u.Section,
		&u.Disabled, &u.MustChangePassword, &u.CreatedAt, &u.TOTPEnabled, &u.LockedUntil, &u.Email}, extra...)...)
	if u.LockedUntil != nil {
		t := u.LockedUntil.UTC()
		u.LockedUntil = &t
	}
	return u, err
}

// complete fills what a user row does not hold: an inspector's schools, and
// whether an administrator must first enrol a second factor.
func (s *Service) complete(ctx context.Context, q db.Querier, u *User) error {
	u.MustEnrolTOTP = s.RequireTOTPForAdmins && u.Role == Admin && !u.TOTPEnabled
	if u.Role != Inspector {
		return nil
	}
	schools, err := assignedSchools(ctx, q, u.ID)
	if err != nil {
		return err
	}
	u.Schools = schools
	return nil
}

var errBadCredentials = fault.New(fault.Unauthorized, "用户名或密码不正确", "wrong user name or password")

var errTOTPRequired = fault.New(fault.Unauthorized, "此账号已启用动态验证码，请同时提供验证码", "this account has a second factor: give the one-time code too")

// SignInResult is the outcome of the password step. When NeedTOTP is set,
// Token is not a session: it is accepted only by CompleteSignIn, for a few
// minutes, and the user must give a one-time code there.
type SignInResult struct {
	Token    string
	User     User
	NeedTOTP bool
}

// pendingLifetime is how long the step between password and code lasts.
const pendingLifetime = 5 * time.Minute

// stageTOTP marks a session row that waits for its one-time code.
const stageTOTP = "totp"

// BeginSignIn checks a user name and password. Without a second factor it
// opens the session; with one it returns a pending token for CompleteSignIn.
// The IP address's rate limit and the account's lockout apply.
func (s *Service) BeginSignIn(ctx context.Context, username, password, ip, userAgent string) (SignInResult, error) {
	if err := s.allowIP(ctx, ip, username); err != nil {
		return SignInResult{}, err
	}
	return s.beginSignIn(ctx, username, password, ip, userAgent)
}

func (s *Service) beginSignIn(ctx context.Context, username, password, ip, userAgent string) (SignInResult, error) {
	username = strings.TrimSpace(username)
	var hash string
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+`, u.password_hash FROM app_user u WHERE u.username = $1`,
		username), &hash)
	if db.IsNoRows(err) || len(password) > 1024 {
		// Spend the same time as a real check so that timing does not reveal which names exist.
		VerifyPassword(dummyHash, password, s.Argon2)
		s.emit(ctx, Event{Action: "auth.sign_in_failed", Outcome: "failed", Username: truncate(username, 100), IP: ip, Detail: "unknown user"})
		return SignInResult{}, errBadCredentials
	}
	if err != nil {
		return SignInResult{}, fmt.Errorf("sign in: %w", err)
	}
	now := s.now()
	if lockedAt(u, now) {
		s.emit(ctx, Event{Action: "auth.sign_in_failed", Outcome: "denied", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind,
			OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username, Detail: "account locked"})
		return SignInResult{}, lockedError(*u.LockedUntil, now)
	}
	ok, rehash, err := VerifyPassword(hash, password, s.Argon2)
	if err != nil {
		return SignInResult{}, fmt.Errorf("sign in %s: %w", username, err)
	}
	if !ok {
		until, err := s.recordFailure(ctx, u, ip, "wrong password")
		if err != nil {
			return SignInResult{}, err
		}
		if until != nil {
			return SignInResult{}, lockedError(*until, now)
		}
		return SignInResult{}, errBadCredentials
	}
	if u.Disabled {
		s.emit(ctx, Event{Action: "auth.sign_in_failed", Outcome: "denied", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind, OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username, Detail: "account disabled"})
		return SignInResult{}, fault.New(fault.Forbidden, "该账号已停用", "this account is disabled")
	}
	if rehash {
		if nh, err := HashPassword(password, s.Argon2); err == nil {
			s.DB.ExecContext(ctx, `UPDATE app_user SET password_hash = $2 WHERE id = $1`, u.ID, nh)
		}
	}
	if u.TOTPEnabled {
		// The password alone never opens a session: a pending row that only
		// CompleteSignIn accepts. The failure count is reset only after the code.
		token, err := s.openSession(ctx, u.ID, ip, userAgent, stageTOTP, pendingLifetime)
		if err != nil {
			return SignInResult{}, err
		}
		s.emit(ctx, Event{Action: "auth.sign_in_password", Outcome: "ok", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind, OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username, Detail: "one-time code pending"})
		return SignInResult{Token: token, User: u, NeedTOTP: true}, nil
	}
	return s.finishSignIn(ctx, u, ip, userAgent, "password")
}

// finishSignIn opens the full session of u after every factor has passed.
func (s *Service) finishSignIn(ctx context.Context, u User, ip, userAgent, how string) (SignInResult, error) {
	if err := s.resetFailures(ctx, u); err != nil {
		return SignInResult{}, err
	}
	u.LockedUntil = nil
	if err := s.complete(ctx, s.DB, &u); err != nil {
		return SignInResult{}, fmt.Errorf("sign in %s: %w", u.Username, err)
	}
	token, err := s.openSession(ctx, u.ID, ip, userAgent, "", s.Absolute)
	if err != nil {
		return SignInResult{}, err
	}
	s.emit(ctx, Event{Action: "auth.sign_in", Outcome: "ok", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind, OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username, Detail: how})
	return SignInResult{Token: token, User: u}, nil
}

// CompleteSignIn is the second step: the pending token of BeginSignIn and a
// one-time code. It opens the session and ends the pending token. A wrong
// code counts as a failed attempt towards the lockout.
func (s *Service) CompleteSignIn(ctx context.Context, pending, code, ip, userAgent string) (string, User, error) {
	if err := s.allowIP(ctx, ip, ""); err != nil {
		return "", User{}, err
	}
	return s.completeSignIn(ctx, pending, code, ip, userAgent)
}

// ErrSignInTimedOut is CompleteSignIn's answer when the pending step is unknown, spent or
// older than five minutes: the user starts again with the password.
var ErrSignInTimedOut = fault.New(fault.Unauthorized, "验证已超时，请重新输入用户名和密码", "the sign-in has timed out; enter your user name and password again")

func (s *Service) completeSignIn(ctx context.Context, pending, code, ip, userAgent string) (string, User, error) {
	if pending == "" || len(pending) > 100 {
		return "", User{}, ErrSignInTimedOut
	}
	id := tokenID(pending)
	var expires time.Time
	var revoked *time.Time
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+`, s.expires_at, s.revoked_at
		FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.id = $1 AND s.stage = $2`, id, stageTOTP), &expires, &revoked)
	if db.IsNoRows(err) {
		return "", User{}, ErrSignInTimedOut
	}
	if err != nil {
		return "", User{}, fmt.Errorf("read pending sign-in: %w", err)
	}
	now := s.now()
	if revoked != nil || !now.Before(expires) || u.Disabled {
		return "", User{}, ErrSignInTimedOut
	}
	if lockedAt(u, now) {
		s.revokeSession(ctx, id)
		return "", User{}, lockedError(*u.LockedUntil, now)
	}
	if err := s.useCode(ctx, u.ID, code, true); err != nil {
		if fault.KindOf(err) != fault.Unauthorized {
			return "", User{}, err
		}
		until, ferr := s.recordFailure(ctx, u, ip, "wrong one-time code")
		if ferr != nil {
			return "", User{}, ferr
		}
		if until != nil {
			s.revokeSession(ctx, id)
			return "", User{}, lockedError(*until, now)
		}
		return "", User{}, err
	}
	s.revokeSession(ctx, id)
	res, err := s.finishSignIn(ctx, u, ip, userAgent, "password+totp")
	return res.Token, res.User, err
}

// SignInWithCode signs in in one call with the password and, when the
// account has a second factor, the one-time code (for the API and scripts).
func (s *Service) SignInWithCode(ctx context.Context, username, password, code, ip, userAgent string) (string, User, error) {
	if err := s.allowIP(ctx, ip, username); err != nil {
		return "", User{}, err
	}
	res, err := s.beginSignIn(ctx, username, password, ip, userAgent)
	if err != nil {
		return "", User{}, err
	}
	if !res.NeedTOTP {
		return res.Token, res.User, nil
	}
	if strings.TrimSpace(code) == "" {
		s.revokeSession(ctx, tokenID(res.Token))
		return "", User{}, errTOTPRequired
	}
	token, u, err := s.completeSignIn(ctx, res.Token, code, ip, userAgent)
	if err != nil {
		s.revokeSession(ctx, tokenID(res.Token))
	}
	return token, u, err
}

// SignIn checks a user name and password and opens a session. It returns the
// token for the cookie; the database keeps only its hash. An account with a
// second factor is refused here (Unauthorized): use BeginSignIn and
// CompleteSignIn, or SignInWithCode.
func (s *Service) SignIn(ctx context.Context, username, password, ip, userAgent string) (string, User, error) {
	return s.SignInWithCode(ctx, username, password, "", ip, userAgent)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var dummyHash, _ = HashPassword("not a real password", DefaultArgon2)

func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Service) openSession(ctx context.Context, userID int64, ip, ua, stage string, lifetime time.Duration) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	ua = truncate(ua, 300)
	_, err := s.DB.ExecContext(ctx, `INSERT INTO user_session (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, stage)
		VALUES ($1, $2, $3, $3, $4, $5, $6, $7)`, tokenID(token), userID, now, now.Add(lifetime), truncate(ip, 100), ua, stage)
	if err != nil {
		return "", fmt.Errorf("open session: %w", err)
	}
	return token, nil
}

func (s *Service) revokeSession(ctx context.Context, id string) {
	s.sessions.forget(id)
	s.DB.ExecContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, s.now())
}

var errNoSession = fault.New(fault.Unauthorized, "请先登录", "please sign in")

// Session returns the user of a live session and marks it used. An unknown,
// revoked, idle or expired session is Unauthorized, and so is the pending
// step of a sign-in waiting for its one-time code.
func (s *Service) Session(ctx context.Context, token string) (User, error) {
	if token == "" || len(token) > 100 {
		return User{}, errNoSession
	}
	id := tokenID(token)
	if s.SessionCacheTTL > 0 {
		if u, ok := s.sessions.get(id, s.now(), s.SessionCacheTTL, s.Idle); ok {
			return u, nil
		}
	}
	var lastSeen, expires time.Time
	var revoked *time.Time
	var stage string
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+`, s.last_seen_at, s.expires_at, s.revoked_at, s.stage
		FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.id = $1`, id), &lastSeen, &expires, &revoked, &stage)
	if db.IsNoRows(err) || err == nil && stage != "" {
		return User{}, errNoSession
	}
	if err != nil {
		return User{}, fmt.Errorf("read session: %w", err)
	}
	now := s.now()
	if revoked != nil || u.Disabled || !now.Before(expires) || now.Sub(lastSeen) >= s.Idle {
		return User{}, fault.New(fault.Unauthorized, "登录已过期，请重新登录", "your session has ended; please sign in again")
	}
	if err := s.complete(ctx, s.DB, &u); err != nil {
		return User{}, fmt.Errorf("read session: %w", err)
	}
	// Write at most once a minute per session, not on every request.
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.DB.ExecContext(ctx, `UPDATE user_session SET last_seen_at = $2 WHERE id = $1`, id, now); err != nil {
			return User{}, fmt.Errorf("touch session: %w", err)
		}
		lastSeen = now
	}
	if s.SessionCacheTTL > 0 {
		s.sessions.put(id, u, lastSeen, expires, now)
	}
	return u, nil
}

// SignOut revokes the session of token.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" || len(token) > 100 {
		return nil
	}
	s.sessions.forget(tokenID(token))
	var userID int64
	err := s.DB.QueryRowContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING user_id`,
		tokenID(token), s.now()).Scan(&userID)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	if u, err := s.GetUser(ctx, userID); err == nil {
		s.emit(ctx, Event{Action: "auth.sign_out", Outcome: "ok", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind,
			OrgCode: u.OrgCode, RecordType: "user", RecordID: u.Username})
	}
	return nil
}

// EnsureAdmin creates the administrator account when no user exists yet.
// It reports whether it created one.
func (s *Service) EnsureAdmin(ctx context.Context, username, password string) (bool, error) {
	n, err := s.CountUsers(ctx)
	if err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	_, err = s.CreateUser(ctx, NewUser{Username: username, DisplayName: "系统管理员", Password: password, Role: Admin, OrgKind: OrgCity})
	return err == nil, err
}

// RandomPassword returns a password that meets the default policy, for a
// first administrator or a reset.
func RandomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	rand.Read(b)
	out := make([]byte, len(b))
	for i, x := range b {
		out[i] = alphabet[int(x)%len(alphabet)]
	}
	// Guarantee four classes whatever the draw.
	return "Ed-" + string(out[:4]) + "7a" + string(out[4:])
}

type ctxKey struct{}

// WithUser returns ctx carrying the signed-in user.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// FromContext returns the signed-in user, if any.
func FromContext(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(ctxKey{}).(User)
	return u, ok
}

// SetPassword replaces a user's password (after the policy check) and ends
// their sessions. It is the operator's tool (demo, CLI); the pages use
// ChangePassword and ResetPassword.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	if err := s.CheckPassword(username, password); err != nil {
		return err
	}
	hash, err := HashPassword(password, s.Argon2)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx db.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM app_user WHERE username = $1`, username).Scan(&id)
		if db.IsNoRows(err) {
			return fault.New(fault.NotFound, "没有用户 %s", "no user %s", username)
		}
		if err != nil {
			return fmt.Errorf("set password of %s: %w", username, err)
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE app_user SET password_hash = $2, failed_logins = 0, locked_until = NULL, updated_at = $3 WHERE id = $1`, id, hash, now); err != nil {
			return fmt.Errorf("set password of %s: %w", username, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, id, now); err != nil {
			return fmt.Errorf("end sessions of %s: %w", username, err)
		}
		s.sessions.forgetUser(id)
		return nil
	})
}
