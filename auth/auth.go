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
	"time"
	"unicode/utf8"

	"edubureau/db"
	"edubureau/fault"
	"edubureau/scope"
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
	ID                 int64     `json:"id"`
	Username           string    `json:"username"`
	DisplayName        string    `json:"display_name"`
	Role               Role      `json:"role"`
	OrgKind            string    `json:"org_kind"`
	OrgCode            string    `json:"org_code"`
	Section            string    `json:"section,omitempty"`
	Disabled           bool      `json:"disabled"`
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
}

// Scope is the part of the jurisdiction the user reaches.
func (u User) Scope() scope.Scope {
	switch {
	case u.Role == Admin || u.OrgKind == OrgCity:
		return scope.Everything
	case u.OrgKind == OrgCounty:
		return scope.Area(u.OrgCode)
	case u.OrgKind == OrgSchool:
		return scope.School(u.OrgCode)
	}
	return scope.Scope{}
}

// Can reports whether the user holds a named permission (e.g. "school.edit").
// For now there is one role, the administrator, who holds them all.
func (u User) Can(permission string) bool {
	return u.Role == Admin && !u.Disabled
}

// Service signs users in and out.
type Service struct {
	DB       *db.DB
	Now      func() time.Time
	Argon2   Argon2
	Idle     time.Duration // a session unused this long ends
	Absolute time.Duration // a session ends this long after sign-in, used or not
	// OnEvent, when set, receives every event the audit log must record
	// (sign-ins, failures, sign-outs, changes to users and tokens). The
	// server connects it to the audit log; auth itself knows nothing of it.
	OnEvent func(ctx context.Context, e Event)
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
		s.OnEvent(ctx, e)
	}
}

// New returns the service with the default timeouts (30 minutes idle, 12 hours absolute).
func New(d *db.DB) *Service {
	return &Service{DB: d, Now: time.Now, Argon2: DefaultArgon2, Idle: 30 * time.Minute, Absolute: 12 * time.Hour}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// NewUser is what creating a user takes.
type NewUser struct {
	Username    string
	DisplayName string
	Password    string
	Role        Role
	OrgKind     string
	OrgCode     string
	Section     string
}

// CheckPassword applies the password policy: at least 10 characters, three
// of the four classes (lower, upper, digit, other), not containing the user name.
func CheckPassword(username, password string) error {
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
	case utf8.RuneCountInString(password) < 10:
		v.Add("password", "密码至少 10 个字符", "the password must have at least 10 characters")
	case classes < 3:
		v.Add("password", "密码须包含小写字母、大写字母、数字、符号中的至少三类", "the password must mix at least three of: lower case, upper case, digits, symbols")
	case username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		v.Add("password", "密码不能包含用户名", "the password must not contain the user name")
	}
	return v.Err()
}

// CreateUser adds a user after checking the name and the password policy.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	var v fault.Validation
	nu.Username = strings.TrimSpace(nu.Username)
	if len(nu.Username) < 2 || len(nu.Username) > 50 || strings.ContainsFunc(nu.Username, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) {
		v.Add("username", "用户名应为 2–50 个字母、数字或 . _ -", "the user name must be 2–50 letters, digits or . _ -")
	}
	if err := CheckPassword(nu.Username, nu.Password); err != nil {
		v.Fields = append(v.Fields, err.(*fault.Error).Fields...)
	}
	if nu.Role == "" {
		nu.Role = Admin
	}
	if nu.OrgKind == "" {
		nu.OrgKind = OrgCity
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password, s.Argon2)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	u := User{ID: db.NewID(), Username: nu.Username, DisplayName: nu.DisplayName, Role: nu.Role, OrgKind: nu.OrgKind,
		OrgCode: nu.OrgCode, Section: nu.Section, CreatedAt: now}
	_, err = s.DB.ExecContext(ctx, `INSERT INTO app_user (id, username, display_name, password_hash, role, org_kind, org_code,
		section, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		u.ID, u.Username, u.DisplayName, hash, string(u.Role), u.OrgKind, u.OrgCode, u.Section, now)
	if db.IsUniqueViolation(err) {
		return User{}, fault.New(fault.Conflict, "用户名 %s 已存在", "user name %s is taken", u.Username)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	return u, nil
}

// CountUsers returns how many users exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM app_user`).Scan(&n)
	return n, err
}

const userColumns = `u.id, u.username, u.display_name, u.role, u.org_kind, u.org_code, u.section, u.disabled, u.must_change_password, u.created_at`

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	err := sc.Scan(append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.OrgKind, &u.OrgCode, &u.Section,
		&u.Disabled, &u.MustChangePassword, &u.CreatedAt}, extra...)...)
	return u, err
}

var errBadCredentials = fault.New(fault.Unauthorized, "用户名或密码不正确", "wrong user name or password")

// SignIn checks a user name and password and opens a session. It returns the
// token for the cookie; the database keeps only its hash.
func (s *Service) SignIn(ctx context.Context, username, password, ip, userAgent string) (string, User, error) {
	var hash string
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+`, u.password_hash FROM app_user u WHERE u.username = $1`,
		strings.TrimSpace(username)), &hash)
	if db.IsNoRows(err) {
		// Spend the same time as a real check so that timing does not reveal which names exist.
		VerifyPassword(dummyHash, password, s.Argon2)
		s.emit(ctx, Event{Action: "auth.sign_in_failed", Outcome: "failed", Username: username, IP: ip, Detail: "unknown user"})
		return "", User{}, errBadCredentials
	}
	if err != nil {
		return "", User{}, fmt.Errorf("sign in: %w", err)
	}
	ok, rehash, err := VerifyPassword(hash, password, s.Argon2)
	if err != nil {
		return "", User{}, fmt.Errorf("sign in %s: %w", username, err)
	}
	if !ok {
		s.emit(ctx, Event{Action: "auth.sign_in_failed", Outcome: "failed", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind, OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username, Detail: "wrong password"})
		return "", User{}, errBadCredentials
	}
	if u.Disabled {
		s.emit(ctx, Event{Action: "auth.sign_in_failed", Outcome: "denied", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind, OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username, Detail: "account disabled"})
		return "", User{}, fault.New(fault.Forbidden, "该账号已停用", "this account is disabled")
	}
	if rehash {
		if nh, err := HashPassword(password, s.Argon2); err == nil {
			s.DB.ExecContext(ctx, `UPDATE app_user SET password_hash = $2 WHERE id = $1`, u.ID, nh)
		}
	}
	token, err := s.openSession(ctx, u.ID, ip, userAgent)
	if err == nil {
		s.emit(ctx, Event{Action: "auth.sign_in", Outcome: "ok", UserID: u.ID, Username: u.Username, OrgKind: u.OrgKind, OrgCode: u.OrgCode, IP: ip, RecordType: "user", RecordID: u.Username})
	}
	return token, u, err
}

var dummyHash, _ = HashPassword("not a real password", DefaultArgon2)

func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Service) openSession(ctx context.Context, userID int64, ip, ua string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err := s.DB.ExecContext(ctx, `INSERT INTO user_session (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $3, $4, $5, $6)`, tokenID(token), userID, now, now.Add(s.Absolute), ip, ua)
	if err != nil {
		return "", fmt.Errorf("open session: %w", err)
	}
	return token, nil
}

var errNoSession = fault.New(fault.Unauthorized, "请先登录", "please sign in")

// Session returns the user of a live session and marks it used. An unknown,
// revoked, idle or expired session is Unauthorized.
func (s *Service) Session(ctx context.Context, token string) (User, error) {
	if token == "" || len(token) > 100 {
		return User{}, errNoSession
	}
	id := tokenID(token)
	var lastSeen, expires time.Time
	var revoked *time.Time
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+`, s.last_seen_at, s.expires_at, s.revoked_at
		FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.id = $1`, id), &lastSeen, &expires, &revoked)
	if db.IsNoRows(err) {
		return User{}, errNoSession
	}
	if err != nil {
		return User{}, fmt.Errorf("read session: %w", err)
	}
	now := s.now()
	if revoked != nil || u.Disabled || !now.Before(expires) || now.Sub(lastSeen) >= s.Idle {
		return User{}, fault.New(fault.Unauthorized, "登录已过期，请重新登录", "your session has ended; please sign in again")
	}
	// Write at most once a minute per session, not on every request.
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.DB.ExecContext(ctx, `UPDATE user_session SET last_seen_at = $2 WHERE id = $1`, id, now); err != nil {
			return User{}, fmt.Errorf("touch session: %w", err)
		}
	}
	return u, nil
}

// SignOut revokes the session of token.
func (s *Service) SignOut(ctx context.Context, token string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE user_session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, tokenID(token), s.now())
	if err != nil {
		return fmt.Errorf("sign out: %w", err)
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

// RandomPassword returns a password that meets the policy, for a first administrator.
func RandomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	rand.Read(b)
	out := make([]byte, len(b))
	for i, x := range b {
		out[i] = alphabet[int(x)%len(alphabet)]
	}
	// Guarantee three classes whatever the draw.
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
// their sessions.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	if err := CheckPassword(username, password); err != nil {
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
		return nil
	})
}
