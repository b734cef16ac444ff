package auth

// API tokens for machine clients: a school's own system, another agency.
//
// An administrator creates a token for a user (it then acts as that user,
// with the role, organisation and scope the user has at each use) or for an
// organisation (the token carries its own org kind, org code, role and
// section). Either kind may be read-only: it then holds only the permissions
// whose names end in ".view". Every token expires (at most two years after it
// is made), can be revoked, and records every use.
//
// A token is "ebt_" followed by 43 characters: 32 random bytes in base64url
// without padding. It is shown once, when created; the table keeps only its
// SHA-256 (hex) and the first 8 characters ("ebt_Ab3d") to tell tokens apart.
//
// The server's authenticate takes a Bearer value starting with "ebt_" to
// TokenUser instead of Session.

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/db"
	"edubureau/fault"
	"edubureau/pii"
)

const (
	// TokenPrefix starts every API token.
	TokenPrefix = "ebt_"
	// TokenLength is the length of a token: the prefix and 43 base64url characters (32 bytes).
	TokenLength = len(TokenPrefix) + 43
	// MaxTokenLifetime is how far ahead a token's expiry may be set, in years.
	MaxTokenLifetime = 2

	displayPrefixLen = len(TokenPrefix) + 4
)

// The second factor's secret is personal data encrypted at rest: register it
// so that `edubureau keys rotate` re-encrypts it. (totp.go writes the column,
// sealed with secretAAD, "app_user.totp_secret".)
func init() {
	pii.RegisterColumn(pii.Column{Table: "app_user", KeyColumn: "id", Column: "totp_secret", AAD: secretAAD})
}

// ReadOnlyAllows reports whether a read-only token may use a permission: only
// the ".view" ones ("student.view_pii", which unmasks personal data, is not).
// User.Can applies it when User.ReadOnly is set.
func ReadOnlyAllows(permission string) bool {
	return strings.HasSuffix(permission, ".view")
}

// TokenState says whether a token can still be used.
type TokenState string

const (
	TokenActive  TokenState = "active"
	TokenExpired TokenState = "expired"
	TokenRevoked TokenState = "revoked"
)

// Token is an API token as listed: never its secret.
type Token struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Prefix  string `json:"prefix"` // "ebt_Ab3d": the first characters, to tell tokens apart
	UserID  int64  `json:"user_id,omitempty"`
	User    string `json:"user,omitempty"` // user name, when the token acts as a user
	OrgKind string `json:"org_kind,omitempty"`
	OrgCode string `json:"org_code,omitempty"`
	Role    Role   `json:"role,omitempty"`
	Section string `json:"section,omitempty"`
	// For a token tied to a user: that user's role and organisation now.
	UserRole     Role       `json:"user_role,omitempty"`
	UserOrgKind  string     `json:"user_org_kind,omitempty"`
	UserOrgCode  string     `json:"user_org_code,omitempty"`
	UserDisabled bool       `json:"user_disabled,omitempty"`
	ReadOnly     bool       `json:"read_only"`
	ExpiresAt    time.Time  `json:"expires_at"`
	CreatedBy    string     `json:"created_by"` // user name of the creator
	CreatedAt    time.Time  `json:"created_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt   *time.Time `json:"last_used_at,omitempty"`
	LastUsedIP   string     `json:"last_used_ip,omitempty"`
	UseCount     int64      `json:"use_count"`

	userSection, userDisplay string // of the user it acts as, for TokenUser
}

// State is the token's state at now.
func (t Token) State(now time.Time) TokenState {
	switch {
	case t.RevokedAt != nil:
		return TokenRevoked
	case !now.Before(t.ExpiresAt):
		return TokenExpired
	}
	return TokenActive
}

// NewToken is what creating a token takes: a name, an expiry, and either a
// user (UserID, or Username when UserID is 0) or an organisation (OrgKind,
// OrgCode, Role and, for section staff, Section).
type NewToken struct {
	Name      string
	UserID    int64
	Username  string
	OrgKind   string
	OrgCode   string
	Role      Role
	Section   string
	ReadOnly  bool
	ExpiresAt time.Time
}

var errMalformedToken = fault.New(fault.Unauthorized, "API 令牌格式不正确", "the API token is malformed")

// ParseToken checks the form of a token ("ebt_" and 43 base64url characters
// encoding 32 bytes, canonically) and returns the hex SHA-256 under which it
// is stored. It reads outside input: it never panics and never echoes it.
func ParseToken(s string) (secretHash string, err error) {
	if len(s) != TokenLength || !strings.HasPrefix(s, TokenPrefix) {
		return "", errMalformedToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s[len(TokenPrefix):])
	if err != nil || len(b) != 32 {
		return "", errMalformedToken
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:]), nil
}

func newTokenSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fault.Wrap(err, "random token")
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// mayManageTokens refuses callers without the permission, and tokens
// themselves: a token never mints or revokes tokens.
func mayManageTokens(by User) error {
	if by.TokenID != 0 || by.Disabled || !by.Can(TokenManage) {
		return fault.New(fault.Forbidden, "您没有管理接口令牌的权限", "you may not manage API tokens")
	}
	return nil
}

// CheckNewToken applies every rule a new token must meet, without making
// it: its name; its expiry (in the future, at most MaxTokenLifetime years
// ahead); and either a user that exists and is not disabled, or an
// organisation whose kind, code, role and section fit together (the same
// rules as a user's, see checkOrg; an inspector's token must be tied to the
// inspector's account, since inspectors reach the schools assigned to them).
func (s *Service) CheckNewToken(ctx context.Context, nt NewToken) error {
	_, v, err := s.checkNewToken(ctx, nt, s.now())
	if err != nil {
		return err
	}
	return v.Err()
}

func (s *Service) checkNewToken(ctx context.Context, nt NewToken, now time.Time) (Token, fault.Validation, error) {
	var v fault.Validation
	nt.Name = strings.TrimSpace(nt.Name)
	nt.Username = strings.TrimSpace(nt.Username)
	switch n := utf8.RuneCountInString(nt.Name); {
	case n == 0:
		v.Add("name", "请为令牌命名（如“某校学籍系统”）", "give the token a name (e.g. “school records system”)")
	case n > 100 || strings.ContainsFunc(nt.Name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		v.Add("name", "令牌名称应为 1–100 个字符，不含控制字符", "the token's name must be 1–100 characters without control characters")
	}
	switch {
	case nt.ExpiresAt.IsZero():
		v.Add("expires_at", "请填写失效日期", "the expiry date is required")
	case !nt.ExpiresAt.After(now):
		v.Add("expires_at", "失效日期应在将来", "the expiry must be in the future")
	case nt.ExpiresAt.After(now.AddDate(MaxTokenLifetime, 0, 0)):
		v.Add("expires_at", "令牌有效期最长 %d 年", "a token may last at most %d years", MaxTokenLifetime)
	}
	t := Token{Name: nt.Name, ReadOnly: nt.ReadOnly, ExpiresAt: nt.ExpiresAt.UTC().Truncate(time.Microsecond)}
	forUser := nt.UserID != 0 || nt.Username != ""
	forOrg := strings.TrimSpace(nt.OrgKind) != "" || strings.TrimSpace(nt.OrgCode) != "" || nt.Role != "" || strings.TrimSpace(nt.Section) != ""
	switch {
	case forUser && forOrg:
		v.Add("username", "令牌只能代表一个用户或一个机构，不能两者兼有", "a token acts as a user or as an organisation, not both")
	case forUser:
		q, arg := `SELECT `+userColumns+` FROM app_user u WHERE u.id = $1`, any(nt.UserID)
		if nt.UserID == 0 {
			q, arg = `SELECT `+userColumns+` FROM app_user u WHERE u.username = $1`, nt.Username
		}
		u, err := scanUser(s.DB.QueryRowContext(ctx, q, arg))
		switch {
		case db.IsNoRows(err):
			v.Add("username", "没有用户 %s", "there is no user %s", cmp.Or(nt.Username, strconv.FormatInt(nt.UserID, 10)))
		case err != nil:
			return t, v, fmt.Errorf("check token: read user: %w", err)
		case u.Disabled:
			v.Add("username", "用户 %s 已停用", "user %s is disabled", u.Username)
		default:
			t.UserID, t.User, t.UserRole, t.UserOrgKind, t.UserOrgCode = u.ID, u.Username, u.Role, u.OrgKind, u.OrgCode
		}
	case nt.Role == Inspector:
		v.Add("role", "督学的令牌须关联其本人账号（督学只能访问分配给本人的学校）",
			"an inspector's token must be tied to their user account (inspectors reach the schools assigned to them)")
	default:
		o := s.checkOrg(ctx, s.DB, org{Role: nt.Role, OrgKind: nt.OrgKind, OrgCode: nt.OrgCode, Section: nt.Section}, &v)
		t.OrgKind, t.OrgCode, t.Role, t.Section = o.OrgKind, o.OrgCode, o.Role, o.Section
	}
	return t, v, nil
}

// CreateToken makes a token after CheckNewToken's rules and returns it in
// plain text: this is the only time it can be read. The table keeps only its hash.
func (s *Service) CreateToken(ctx context.Context, by User, nt NewToken) (string, Token, error) {
	if err := mayManageTokens(by); err != nil {
		return "", Token{}, err
	}
	now := s.now()
	t, v, err := s.checkNewToken(ctx, nt, now)
	if err != nil {
		return "", Token{}, err
	}
	if err := v.Err(); err != nil {
		return "", Token{}, err
	}
	t.ID, t.CreatedBy, t.CreatedAt = db.NewID(), by.Username, now
	plain, err := newTokenSecret()
	if err != nil {
		return "", Token{}, err
	}
	hash, _ := ParseToken(plain)
	t.Prefix = plain[:displayPrefixLen]
	var userID any
	if t.UserID != 0 {
		userID = t.UserID
	}
	_, err = s.DB.ExecContext(ctx, `INSERT INTO api_token (id, name, secret_hash, prefix, user_id, org_kind, org_code, role,
		section, read_only, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		t.ID, t.Name, hash, t.Prefix, userID, t.OrgKind, t.OrgCode, string(t.Role), t.Section, t.ReadOnly, t.ExpiresAt, by.ID, now)
	if err != nil {
		return "", Token{}, fmt.Errorf("create token %q: %w", t.Name, err)
	}
	s.emit(ctx, Event{Action: "token.create", Outcome: "ok", UserID: by.ID, Username: by.Username, OrgKind: by.OrgKind,
		OrgCode: by.OrgCode, RecordType: "token", RecordID: strconv.FormatInt(t.ID, 10), Detail: t.describe()})
	return plain, t, nil
}

// describe is the audit note of a token: its name, whom it acts as, limits.
func (t Token) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "token %q (%s…)", t.Name, t.Prefix)
	if t.UserID != 0 {
		fmt.Fprintf(&b, " acts as user %s", t.User)
	} else {
		fmt.Fprintf(&b, " acts as %s %s, role %s", t.OrgKind, t.OrgCode, t.Role)
		if t.Section != "" {
			fmt.Fprintf(&b, ", section %s", t.Section)
		}
	}
	if t.ReadOnly {
		b.WriteString(", read-only")
	}
	fmt.Fprintf(&b, ", expires %s", t.ExpiresAt.UTC().Format(time.RFC3339))
	return b.String()
}

const tokenColumns = `t.id, t.name, t.prefix, COALESCE(t.user_id, 0), COALESCE(u.username, ''), t.org_kind, t.org_code, t.role,
	t.section, COALESCE(u.role, ''), COALESCE(u.org_kind, ''), COALESCE(u.org_code, ''), COALESCE(u.disabled, FALSE),
	COALESCE(u.section, ''), COALESCE(u.display_name, ''), t.read_only, t.expires_at, COALESCE(c.username, ''), t.created_at, t.revoked_at, t.last_used_at, t.last_used_ip, t.use_count`

const tokenFrom = ` FROM api_token t LEFT JOIN app_user u ON u.id = t.user_id LEFT JOIN app_user c ON c.id = t.created_by`

func scanToken(sc interface{ Scan(...any) error }) (Token, error) {
	var t Token
	err := sc.Scan(&t.ID, &t.Name, &t.Prefix, &t.UserID, &t.User, &t.OrgKind, &t.OrgCode, &t.Role, &t.Section,
		&t.UserRole, &t.UserOrgKind, &t.UserOrgCode, &t.UserDisabled, &t.userSection, &t.userDisplay, &t.ReadOnly, &t.ExpiresAt, &t.CreatedBy,
		&t.CreatedAt, &t.RevokedAt, &t.LastUsedAt, &t.LastUsedIP, &t.UseCount)
	return t, err
}

// ListTokens lists every token, newest first.
func (s *Service) ListTokens(ctx context.Context, by User) ([]Token, error) {
	if err := mayManageTokens(by); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+tokenColumns+tokenFrom+` ORDER BY t.created_at DESC, t.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetToken returns one token by id.
func (s *Service) GetToken(ctx context.Context, by User, id int64) (Token, error) {
	if err := mayManageTokens(by); err != nil {
		return Token{}, err
	}
	t, err := scanToken(s.DB.QueryRowContext(ctx, `SELECT `+tokenColumns+tokenFrom+` WHERE t.id = $1`, id))
	if db.IsNoRows(err) {
		return Token{}, fault.New(fault.NotFound, "没有编号为 %d 的接口令牌", "there is no API token %d", id)
	}
	if err != nil {
		return Token{}, fmt.Errorf("read token %d: %w", id, err)
	}
	return t, nil
}

// RevokeToken ends a token at once. Revoking a revoked token changes nothing.
func (s *Service) RevokeToken(ctx context.Context, by User, id int64) error {
	t, err := s.GetToken(ctx, by, id)
	if err != nil {
		return err
	}
	if t.RevokedAt != nil {
		return nil
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE api_token SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL`,
		id, s.now(), by.ID)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		s.emit(ctx, Event{Action: "token.revoke", Outcome: "ok", UserID: by.ID, Username: by.Username, OrgKind: by.OrgKind,
			OrgCode: by.OrgCode, RecordType: "token", RecordID: strconv.FormatInt(id, 10), Detail: t.describe()})
	}
	return nil
}

// TokenUser is the user a request with an API token acts as. It refuses a
// malformed, unknown, revoked or expired token, and one whose user is
// disabled, as Unauthorized (each refusal is an auth.token_denied event); it
// records every accepted use (time, IP, count). The user's Role, organisation
// and so scope come from the token (or its user); TokenID and TokenName say a
// token acted, and ReadOnly limits Can to ".view" permissions.
func (s *Service) TokenUser(ctx context.Context, token, ip string) (User, error) {
	deny := func(t *Token, detail string, err error) (User, error) {
		e := Event{Action: "auth.token_denied", Outcome: "denied", IP: ip, RecordType: "token", Detail: detail}
		if t != nil {
			e.RecordID = strconv.FormatInt(t.ID, 10)
			e.Username = "token:" + t.Name
			if t.UserID != 0 {
				e.UserID, e.Username = t.UserID, t.User
			}
			e.Detail = t.describe() + ": " + detail
		}
		s.emit(ctx, e)
		return User{}, err
	}
	hash, err := ParseToken(token)
	if err != nil {
		return deny(nil, "malformed token", err)
	}
	t, err := scanToken(s.DB.QueryRowContext(ctx, `SELECT `+tokenColumns+tokenFrom+` WHERE t.secret_hash = $1`, hash))
	if db.IsNoRows(err) {
		return deny(nil, "unknown token "+token[:displayPrefixLen]+"…",
			fault.New(fault.Unauthorized, "API 令牌无效", "the API token is not valid"))
	}
	if err != nil {
		return User{}, fmt.Errorf("read token: %w", err)
	}
	now := s.now()
	switch t.State(now) {
	case TokenRevoked:
		return deny(&t, "revoked", fault.New(fault.Unauthorized, "API 令牌“%s”已被吊销", "the API token “%s” was revoked", t.Name))
	case TokenExpired:
		return deny(&t, "expired", fault.New(fault.Unauthorized, "API 令牌“%s”已于 %s 过期", "the API token “%s” has expired (%s)",
			t.Name, t.ExpiresAt.UTC().Format(time.RFC3339)))
	}
	u := User{TokenID: t.ID, TokenName: t.Name, ReadOnly: t.ReadOnly}
	if t.UserID != 0 {
		if t.UserDisabled {
			return deny(&t, "user disabled", fault.New(fault.Unauthorized, "API 令牌“%s”所代表的用户 %s 已停用",
				"the user %[2]s the API token “%[1]s” acts as is disabled", t.Name, t.User))
		}
		u.ID, u.Username, u.DisplayName, u.Role = t.UserID, t.User, t.userDisplay, t.UserRole
		u.OrgKind, u.OrgCode, u.Section = t.UserOrgKind, t.UserOrgCode, t.userSection
		if u.Role == Inspector {
			// An inspector reaches the schools assigned to them (User.Scope).
			if u.Schools, err = assignedSchools(ctx, s.DB, u.ID); err != nil {
				return User{}, fmt.Errorf("read the schools of token %d: %w", t.ID, err)
			}
		}
	} else {
		u.Username, u.DisplayName = "token:"+t.Name, t.Name
		u.Role, u.OrgKind, u.OrgCode, u.Section = t.Role, t.OrgKind, t.OrgCode, t.Section
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE api_token SET last_used_at = $2, last_used_ip = $3, use_count = use_count + 1
		WHERE id = $1`, t.ID, now, tokenClip(ip, 64)); err != nil {
		return User{}, fmt.Errorf("record use of token %d: %w", t.ID, err)
	}
	return u, nil
}

func tokenClip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
