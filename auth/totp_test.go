package auth_test

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"

	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

// rfcKey is the SHA-1 secret of RFC 6238 Appendix B (and RFC 4226 Appendix D).
var rfcKey = []byte("12345678901234567890")

func TestTOTPVectorsRFC6238(t *testing.T) {
	// RFC 6238 Appendix B, the SHA-1 column: 8 digits.
	for _, tc := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		at := time.Unix(tc.unix, 0).UTC()
		if got := auth.TOTP(rfcKey, at, 8); got != tc.code {
			t.Errorf("TOTP(%d, 8) = %s, want %s", tc.unix, got, tc.code)
		}
		// The product's 6 digits are the same number modulo 10^6.
		if got := auth.TOTP(rfcKey, at, 6); got != tc.code[2:] {
			t.Errorf("TOTP(%d, 6) = %s, want %s", tc.unix, got, tc.code[2:])
		}
		if _, ok := auth.MatchTOTP(rfcKey, tc.code[2:], at, 0, 6); !ok {
			t.Errorf("MatchTOTP refuses the RFC code at %d", tc.unix)
		}
	}
}

func TestHOTPVectorsRFC4226(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := auth.HOTP(rfcKey, uint64(i), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", i, got, w)
		}
	}
}

func TestTOTPWindowAndReuse(t *testing.T) {
	now := time.Unix(1_800_000_015, 0) // the middle of a step
	step := auth.TOTPStepAt(now)
	code := func(d time.Duration) string { return auth.TOTP(rfcKey, now.Add(d), 6) }
	for _, tc := range []struct {
		name string
		code string
		last int64
		ok   bool
		step int64
	}{
		{"now", code(0), 0, true, step},
		{"one step early (phone behind)", code(-30 * time.Second), 0, true, step - 1},
		{"one step late (phone ahead)", code(30 * time.Second), 0, true, step + 1},
		{"two steps early", code(-60 * time.Second), 0, false, 0},
		{"two steps late", code(60 * time.Second), 0, false, 0},
		{"already used", code(0), step, false, 0},
		{"earlier than the last used", code(-30 * time.Second), step - 1, false, 0},
		{"later than the last used", code(30 * time.Second), step, true, step + 1},
		{"spaces typed", code(0)[:3] + " " + code(0)[3:], 0, true, step},
		{"full-width digits", toFullWidth(code(0)), 0, true, step},
		{"too short", code(0)[:5], 0, false, 0},
		{"letters", "12a456", 0, false, 0},
		{"empty", "", 0, false, 0},
		{"eight digits", auth.TOTP(rfcKey, now, 8), 0, false, 0},
	} {
		got, ok := auth.MatchTOTP(rfcKey, tc.code, now, tc.last, 6)
		if ok != tc.ok || got != tc.step {
			t.Errorf("%s: (%d, %v), want (%d, %v)", tc.name, got, ok, tc.step, tc.ok)
		}
	}
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune { return r - '0' + '０' }, s)
}

func TestTOTPURI(t *testing.T) {
	uri := auth.TOTPURI("衡阳市教育局", "wang", rfcKey)
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("%s: %v", uri, err)
	}
	if u.Path != "/衡阳市教育局:wang" {
		t.Errorf("label %q", u.Path)
	}
	q := u.Query()
	if q.Get("secret") != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" || q.Get("issuer") != "衡阳市教育局" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("query %v", q)
	}
	if got := auth.FormatSecret("GEZDGNBVGY"); got != "GEZD GNBV GY" {
		t.Errorf("FormatSecret = %q", got)
	}
}

// sealed marks what the fake keyring sealed, to check nothing is stored plain.
func fakeSeal(p string) (string, error) { return "sealed:" + reverse(p), nil }
func fakeOpen(s string) (string, error) {
	if !strings.HasPrefix(s, "sealed:") {
		return "", fault.New(fault.Internal, "未加密", "not sealed")
	}
	return reverse(strings.TrimPrefix(s, "sealed:")), nil
}
func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func TestTOTPSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.s.Seal, h.s.Open = fakeSeal, fakeOpen
		h.s.TOTPIssuer = "衡阳市教育局"
		u := h.add(auth.NewUser{Username: "zhao", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "finance"})
		me := auth.Actor{User: u, IP: "10.0.0.2"}

		// Enrol: a secret shown once, inactive until a code confirms it.
		en, err := h.s.StartTOTP(h.ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
		if err != nil || len(key) != 20 {
			t.Fatalf("secret %q: %v", en.Secret, err)
		}
		if !strings.HasPrefix(en.URI, "otpauth://totp/") || !strings.Contains(en.URI, "secret="+en.Secret) {
			t.Errorf("URI %s", en.URI)
		}
		var stored string
		d.QueryRowContext(h.ctx, `SELECT totp_secret FROM app_user WHERE id = $1`, u.ID).Scan(&stored)
		if stored == en.Secret || !strings.HasPrefix(stored, "sealed:") {
			t.Errorf("secret stored as %q", stored)
		}
		if p, ok, err := h.s.PendingTOTP(h.ctx, u); err != nil || !ok || p.Secret != en.Secret {
			t.Errorf("PendingTOTP: %v %v %v", p, ok, err)
		}
		// Not yet active: the password alone still signs in.
		if _, _, err := h.s.SignIn(h.ctx, "zhao", testPassword, "10.0.0.2", "t"); err != nil {
			t.Fatalf("sign in before confirmation: %v", err)
		}
		if err := h.s.ConfirmTOTP(h.ctx, me, "000000"); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("confirm with a wrong code: %v", err)
		}
		if err := h.s.ConfirmTOTP(h.ctx, me, auth.TOTP(key, h.now, 6)); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		if a := h.actions(); !has(a, "user.totp_enable/ok") {
			t.Errorf("events: %v", a)
		}
		if _, err := h.s.StartTOTP(h.ctx, u); fault.KindOf(err) != fault.Conflict {
			t.Errorf("second enrolment: %v", err)
		}

		// Sign-in now takes two steps; the first yields no session.
		h.now = h.now.Add(30 * time.Second)
		res, err := h.s.BeginSignIn(h.ctx, "zhao", testPassword, "10.0.0.2", "t")
		if err != nil || !res.NeedTOTP || res.Token == "" {
			t.Fatalf("BeginSignIn: %+v %v", res, err)
		}
		if _, err := h.s.Session(h.ctx, res.Token); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("the pending token opened a session: %v", err)
		}
		if _, _, err := h.s.CompleteSignIn(h.ctx, res.Token, "000000", "10.0.0.2", "t"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("wrong code: %v", err)
		}
		code := auth.TOTP(key, h.now, 6)
		token, got, err := h.s.CompleteSignIn(h.ctx, res.Token, code, "10.0.0.2", "t")
		if err != nil || got.ID != u.ID {
			t.Fatalf("CompleteSignIn: %v", err)
		}
		if s, err := h.s.Session(h.ctx, token); err != nil || !s.TOTPEnabled {
			t.Fatalf("session after the code: %+v %v", s, err)
		}
		if a := h.actions(); !has(a, "auth.sign_in/ok") || !has(a, "auth.sign_in_failed/failed") {
			t.Errorf("events: %v", a)
		}
		// The pending token is spent.
		if _, _, err := h.s.CompleteSignIn(h.ctx, res.Token, code, "10.0.0.2", "t"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("pending token reused: %v", err)
		}
		// The same code cannot open a second session (a code seen over a shoulder).
		res2, _ := h.s.BeginSignIn(h.ctx, "zhao", testPassword, "10.0.0.3", "t")
		if _, _, err := h.s.CompleteSignIn(h.ctx, res2.Token, code, "10.0.0.3", "t"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("code reused: %v", err)
		}
		// The next step's code does.
		h.now = h.now.Add(30 * time.Second)
		if _, _, err := h.s.CompleteSignIn(h.ctx, res2.Token, auth.TOTP(key, h.now, 6), "10.0.0.3", "t"); err != nil {
			t.Fatalf("next code: %v", err)
		}
		// A pending token lasts five minutes.
		res3, _ := h.s.BeginSignIn(h.ctx, "zhao", testPassword, "10.0.0.3", "t")
		h.now = h.now.Add(5 * time.Minute)
		if _, _, err := h.s.CompleteSignIn(h.ctx, res3.Token, auth.TOTP(key, h.now, 6), "10.0.0.3", "t"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("expired pending token: %v", err)
		}

		// One call for the API: without the code refused, with it accepted.
		if _, _, err := h.s.SignIn(h.ctx, "zhao", testPassword, "10.0.0.4", "t"); fault.KindOf(err) != fault.Unauthorized ||
			!strings.Contains(fault.As(err).Msg.EN, "one-time code") {
			t.Fatalf("SignIn without a code: %v", err)
		}
		h.now = h.now.Add(30 * time.Second)
		if _, _, err := h.s.SignInWithCode(h.ctx, "zhao", testPassword, auth.TOTP(key, h.now, 6), "10.0.0.4", "t"); err != nil {
			t.Fatalf("SignInWithCode: %v", err)
		}

		// Wrong codes count towards the lockout.
		h.s.LockoutAttempts = 3
		res4, _ := h.s.BeginSignIn(h.ctx, "zhao", testPassword, "10.0.0.5", "t")
		var lerr error
		for range 3 {
			_, _, lerr = h.s.CompleteSignIn(h.ctx, res4.Token, "000000", "10.0.0.5", "t")
		}
		if fault.KindOf(lerr) != fault.Forbidden {
			t.Fatalf("three wrong codes: %v", lerr)
		}
		if _, err := h.s.BeginSignIn(h.ctx, "zhao", testPassword, "10.0.0.5", "t"); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("locked after wrong codes: %v", err)
		}
		h.now = h.now.Add(16 * time.Minute)

		// Turning it off takes the password.
		if err := h.s.DisableTOTP(h.ctx, me, "Wrong-Pass-000"); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("disable with a wrong password: %v", err)
		}
		if err := h.s.DisableTOTP(h.ctx, me, testPassword); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.SignIn(h.ctx, "zhao", testPassword, "10.0.0.6", "t"); err != nil {
			t.Fatalf("sign in after disabling: %v", err)
		}
		// An administrator can clear it (a lost phone).
		if _, err := h.s.StartTOTP(h.ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := h.s.ResetTOTP(h.ctx, auth.Actor{}, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := h.s.PendingTOTP(h.ctx, u); ok {
			t.Error("secret kept after reset")
		}
	})
}

func TestTOTPRequiredForAdmins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.s.RequireTOTPForAdmins = true
		admin := h.add(auth.NewUser{Username: "root", Role: auth.Admin})
		h.add(auth.NewUser{Username: "clerk", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "office"})
		token, u, err := h.s.SignIn(h.ctx, "root", testPassword, "10.0.0.1", "t")
		if err != nil {
			t.Fatal(err)
		}
		if u.Restriction() != auth.NeedTOTPEnrolment {
			t.Fatalf("admin without TOTP: restriction %q", u.Restriction())
		}
		s, _ := h.s.Session(h.ctx, token)
		if ok, goTo := auth.Allowed(s, "GET", "/schools"); ok || goTo != "/account/totp" {
			t.Fatalf("admin without TOTP reaches /schools: %v %q", ok, goTo)
		}
		if ok, _ := auth.Allowed(s, "POST", "/account/totp/start"); !ok {
			t.Fatal("cannot start the enrolment")
		}
		// Staff are not concerned.
		_, c, _ := h.s.SignIn(h.ctx, "clerk", testPassword, "10.0.0.1", "t")
		if c.Restriction() != auth.Unrestricted {
			t.Errorf("staff restricted: %q", c.Restriction())
		}
		// Enrolled: free.
		en, _ := h.s.StartTOTP(h.ctx, admin)
		key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
		if err := h.s.ConfirmTOTP(h.ctx, auth.Actor{User: admin}, auth.TOTP(key, h.now, 6)); err != nil {
			t.Fatal(err)
		}
		if s, _ := h.s.Session(h.ctx, token); s.Restriction() != auth.Unrestricted {
			t.Errorf("after enrolment: %q", s.Restriction())
		}
	})
}
