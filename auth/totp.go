package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"

	"edubureau/db"
	"edubureau/fault"
)

// TOTP (RFC 6238): HMAC-SHA1 over the number of 30-second steps since the
// Unix epoch, 6 digits, a code accepted one step early or late (clock drift),
// and never twice: the last step used is stored and a code must be later.
const (
	TOTPStep    = 30 * time.Second
	TOTPDigits  = 6
	TOTPWindow  = 1  // steps either side of now
	totpKeySize = 20 // bytes: 160 bits, RFC 4226's recommendation for SHA-1
	// secretAAD binds a sealed secret to its column, so it cannot be moved to another.
	secretAAD = "app_user.totp_secret"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// HOTP is RFC 4226's code for key and counter, with digits digits (6 to 8).
func HOTP(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTPStepAt is the step number of t.
func TOTPStepAt(t time.Time) int64 {
	return t.Unix() / int64(TOTPStep/time.Second)
}

// TOTP is RFC 6238's code for key at t.
func TOTP(key []byte, t time.Time, digits int) string {
	return HOTP(key, uint64(TOTPStepAt(t)), digits)
}

// MatchTOTP looks for code among the steps around now (±TOTPWindow) that are
// later than lastStep, and returns the step it matched. Comparison is in
// constant time; a code of the wrong shape never matches.
func MatchTOTP(key []byte, code string, now time.Time, lastStep int64, digits int) (int64, bool) {
	code = normalizeCode(code)
	if len(code) != digits {
		return 0, false
	}
	cur := TOTPStepAt(now)
	for st := cur - TOTPWindow; st <= cur+TOTPWindow; st++ {
		if st <= lastStep || st < 0 {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(HOTP(key, uint64(st), digits)), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// normalizeCode drops the spaces and dashes people type ("123 456").
func normalizeCode(code string) string {
	code = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\u00a0':
			return -1
		case r >= '０' && r <= '９': // full-width digits from a Chinese input method
			return r - '０' + '0'
		}
		return r
	}, code)
	for _, r := range code {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return code
}

// NewTOTPKey returns a fresh random key.
func NewTOTPKey() ([]byte, error) {
	k := make([]byte, totpKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("totp key: %w", err)
	}
	return k, nil
}

// TOTPURI is the otpauth:// URI an authenticator app reads (Key Uri Format).
func TOTPURI(issuer, account string, key []byte) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{}
	q.Set("secret", b32.EncodeToString(key))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(TOTPDigits))
	q.Set("period", fmt.Sprint(int(TOTPStep/time.Second)))
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// Enrolment is a second factor waiting for its first code.
type Enrolment struct {
	Secret string // base32, for typing into an app
	URI    string // otpauth://, for apps that take a link or a QR code
}

// FormatSecret groups a base32 secret by four for reading aloud or typing.
func FormatSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Service) seal(plain string) (string, error) {
	if s.Seal == nil {
		return plain, nil
	}
	return s.Seal(plain)
}

func (s *Service) open(stored string) (string, error) {
	if s.Open == nil || stored == "" {
		return stored, nil
	}
	return s.Open(stored)
}

func (s *Service) issuer() string {
	if s.TOTPIssuer != "" {
		return s.TOTPIssuer
	}
	return "edubureau"
}

// StartTOTP begins u's enrolment: a new secret, stored (sealed) but not yet
// active. Starting again replaces a secret never confirmed.
func (s *Service) StartTOTP(ctx context.Context, u User) (Enrolment, error) {
	cur, err := s.GetUser(ctx, u.ID)
	if err != nil {
		return Enrolment{}, err
	}
	if cur.TOTPEnabled {
		return Enrolment{}, fault.New(fault.Conflict, "已启用动态验证码；如需更换请先停用", "a second factor is already on; turn it off first to replace it")
	}
	key, err := NewTOTPKey()
	if err != nil {
		return Enrolment{}, err
	}
	secret := b32.EncodeToString(key)
	sealed, err := s.seal(secret)
	if err != nil {
		return Enrolment{}, fmt.Errorf("seal totp secret: %w", err)
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE app_user SET totp_secret = $2, totp_enabled = FALSE, totp_last_step = 0,
		updated_at = $3 WHERE id = $1`, u.ID, sealed, s.now()); err != nil {
		return Enrolment{}, fmt.Errorf("start totp for %s: %w", u.Username, err)
	}
	return Enrolment{Secret: secret, URI: TOTPURI(s.issuer(), cur.Username, key)}, nil
}

// PendingTOTP returns the enrolment started and not yet confirmed, if any
// (to show the secret again on the page).
func (s *Service) PendingTOTP(ctx context.Context, u User) (Enrolment, bool, error) {
	key, enabled, _, err := s.totpKey(ctx, s.DB, u.ID)
	if err != nil || enabled || key == nil {
		return Enrolment{}, false, err
	}
	return Enrolment{Secret: b32.EncodeToString(key), URI: TOTPURI(s.issuer(), u.Username, key)}, true, nil
}

func (s *Service) totpKey(ctx context.Context, q db.Querier, id int64) (key []byte, enabled bool, lastStep int64, err error) {
	var stored string
	err = q.QueryRowContext(ctx, `SELECT totp_secret, totp_enabled, totp_last_step FROM app_user WHERE id = $1`, id).
		Scan(&stored, &enabled, &lastStep)
	if db.IsNoRows(err) {
		return nil, false, 0, errNoUser
	}
	if err != nil || stored == "" {
		return nil, enabled, lastStep, err
	}
	secret, err := s.open(stored)
	if err != nil {
		return nil, false, 0, fmt.Errorf("open totp secret: %w", err)
	}
	key, err = b32.DecodeString(secret)
	if err != nil {
		return nil, false, 0, fmt.Errorf("totp secret of user %d is not base32", id)
	}
	return key, enabled, lastStep, nil
}

var errBadCode = fault.New(fault.Unauthorized, "动态验证码不正确或已使用", "the one-time code is wrong or was already used")

// useCode checks code for user id and records its step, so that it cannot be
// used again. The update is conditional: two requests racing with the same
// code cannot both succeed.
func (s *Service) useCode(ctx context.Context, id int64, code string, requireEnabled bool) error {
	key, enabled, last, err := s.totpKey(ctx, s.DB, id)
	if err != nil {
		return err
	}
	if key == nil || enabled != requireEnabled {
		return fault.New(fault.Conflict, "没有待确认的动态验证码", "there is no second factor to check")
	}
	step, ok := MatchTOTP(key, code, s.now(), last, TOTPDigits)
	if !ok {
		return errBadCode
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE app_user SET totp_last_step = $2, totp_enabled = TRUE
		WHERE id = $1 AND totp_last_step < $2`, id, step)
	if err != nil {
		return fmt.Errorf("record totp step: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errBadCode
	}
	return nil
}

// ConfirmTOTP turns u's second factor on once a code from the app matches.
func (s *Service) ConfirmTOTP(ctx context.Context, by Actor, code string) error {
	defer s.sessions.forgetUser(by.User.ID)
	if err := s.useCode(ctx, by.ID, code, false); err != nil {
		if fault.KindOf(err) == fault.Unauthorized {
			// A wrong code here is a form error, not a lost session.
			var v fault.Validation
			v.Add("totp_code", "验证码不正确，请核对手机时间后重试", "the code does not match; check the phone's clock and try again")
			return v.Err()
		}
		return err
	}
	s.emit(ctx, by.event("user.totp_enable", "ok", by.User, ""))
	return nil
}

// DisableTOTP turns u's second factor off; it takes u's password.
func (s *Service) DisableTOTP(ctx context.Context, by Actor, password string) error {
	defer s.sessions.forgetUser(by.User.ID)
	if err := s.checkOwnPassword(ctx, by.ID, password); err != nil {
		return err
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE app_user SET totp_secret = '', totp_enabled = FALSE, totp_last_step = 0,
		updated_at = $2 WHERE id = $1`, by.ID, s.now()); err != nil {
		return fmt.Errorf("disable totp: %w", err)
	}
	s.emit(ctx, by.event("user.totp_disable", "ok", by.User, ""))
	return nil
}

// ResetTOTP is an administrator clearing someone's second factor (a lost
// phone); the user enrols again.
func (s *Service) ResetTOTP(ctx context.Context, by Actor, id int64) error {
	defer s.sessions.forgetUser(id)
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE app_user SET totp_secret = '', totp_enabled = FALSE, totp_last_step = 0,
		updated_at = $2 WHERE id = $1`, id, s.now()); err != nil {
		return fmt.Errorf("reset totp of %s: %w", u.Username, err)
	}
	s.emit(ctx, by.event("user.totp_reset", "ok", u, ""))
	return nil
}
