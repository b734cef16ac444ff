package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

const goodToken = "ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" // bytes 0…31

func TestParseToken(t *testing.T) {
	sum := sha256.Sum256([]byte(goodToken))
	if h, err := auth.ParseToken(goodToken); err != nil || h != hex.EncodeToString(sum[:]) {
		t.Fatalf("good token: %q %v", h, err)
	}
	for _, bad := range []string{
		"",
		"ebt_",
		"ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh",    // one short
		"ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A",  // one long
		"EBT_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",   // prefix is case-sensitive
		"xyz_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",   // another prefix
		"ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+",   // standard alphabet, not URL
		"ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",   // non-canonical last character (stray bits)
		"ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh=",   // padding
		"ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH h8",  // space
		"ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", // newline
		" ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
		"ebt_全全全全全全全全全全全全全全",
	} {
		if h, err := auth.ParseToken(bad); err == nil || h != "" || fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("ParseToken(%q) = %q, %v; want an Unauthorized refusal", bad, h, err)
		} else if strings.Contains(err.Error(), "AAEC") {
			t.Errorf("the refusal echoes the token: %v", err)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	for _, s := range []string{goodToken, "", "ebt_", "ebt_" + strings.Repeat("_", 43), "ebt_" + strings.Repeat("-", 42) + "A",
		"ebt_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9", strings.Repeat("\xff", 47)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := auth.ParseToken(s)
		if err != nil {
			if h != "" || fault.KindOf(err) != fault.Unauthorized {
				t.Fatalf("refusal %q, %v", h, err)
			}
			return
		}
		// Accepted: the exact form, and the hash of exactly these bytes.
		if len(s) != auth.TokenLength || !strings.HasPrefix(s, auth.TokenPrefix) {
			t.Fatalf("accepted %q", s)
		}
		for _, c := range s[len(auth.TokenPrefix):] {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				t.Fatalf("accepted %q with %q", s, c)
			}
		}
		sum := sha256.Sum256([]byte(s))
		if h != hex.EncodeToString(sum[:]) {
			t.Fatalf("hash of %q is %s", s, h)
		}
	})
}

func TestReadOnlyAllows(t *testing.T) {
	for p, want := range map[string]bool{"school.view": true, "student.view": true, "audit.view": true,
		"student.view_pii": false, "school.edit": false, "token.manage": false, "audit.export": false, "": false} {
		if auth.ReadOnlyAllows(p) != want {
			t.Errorf("ReadOnlyAllows(%q) = %v", p, !want)
		}
	}
}

// tokenFixture is a database with Hengyang's areas, two schools in two
// counties, an administrator, and a service whose clock the test moves.
type tokenFixture struct {
	ctx    context.Context
	d      *db.DB
	s      *auth.Service
	reg    *school.Registry
	admin  auth.User
	now    time.Time
	mu     sync.Mutex
	events []auth.Event
}

const (
	schoolA = "2143000001" // in 430405
	schoolB = "3443000004" // in 430421
)

func newTokenFixture(t *testing.T, d *db.DB) *tokenFixture {
	t.Helper()
	f := &tokenFixture{ctx: context.Background(), d: d, now: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	if err := area.Sync(f.ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	f.reg = school.New(d)
	for _, sc := range []school.School{
		{Code: schoolA, Name: "衡阳市实验小学", Type: school.Primary, Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "1950-09-01", Capacity: 1800},
		{Code: schoolB, Name: "衡阳县第一中学", Type: school.Senior, Ownership: school.Public, County: "430421", Status: school.Active, OpenedOn: "1940-09-01", Capacity: 3000},
	} {
		if _, err := f.reg.Create(f.ctx, scope.Everything, sc, school.Actor{Username: "seed"}); err != nil {
			t.Fatal(err)
		}
	}
	f.s = auth.New(d)
	f.s.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	f.s.Now = func() time.Time { return f.now }
	f.s.OnEvent = func(_ context.Context, _ db.Tx, e auth.Event) error {
		f.mu.Lock()
		f.events = append(f.events, e)
		f.mu.Unlock()
		return nil
	}
	var err error
	if f.admin, err = f.s.CreateUser(f.ctx, auth.NewUser{Username: "admin", Password: "Correct-Horse-9", Role: auth.Admin, OrgKind: auth.OrgCity}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *tokenFixture) lastEvent(action string) (auth.Event, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.events) - 1; i >= 0; i-- {
		if f.events[i].Action == action {
			return f.events[i], true
		}
	}
	return auth.Event{}, false
}

func (f *tokenFixture) create(t *testing.T, nt auth.NewToken) (string, auth.Token) {
	t.Helper()
	if nt.ExpiresAt.IsZero() {
		nt.ExpiresAt = f.now.AddDate(0, 6, 0)
	}
	plain, tok, err := f.s.CreateToken(f.ctx, f.admin, nt)
	if err != nil {
		t.Fatalf("create token %q: %v", nt.Name, err)
	}
	return plain, tok
}

func (f *tokenFixture) stored(t *testing.T, id int64) auth.Token {
	t.Helper()
	tok, err := f.s.GetToken(f.ctx, f.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantRefusal(t *testing.T, what string, err error, text string) {
	t.Helper()
	if fault.KindOf(err) != fault.Unauthorized {
		t.Fatalf("%s: %v, want Unauthorized", what, err)
	}
	if msg := fault.As(err).Msg; !strings.Contains(msg.EN, text) || msg.ZH == "" || msg.ZH == msg.EN {
		t.Fatalf("%s: message %q, want it to say %q in both languages", what, msg, text)
	}
}

func TestTokenForSchool(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTokenFixture(t, d)
		plain, tok := f.create(t, auth.NewToken{Name: "实验小学学籍系统", OrgKind: auth.OrgSchool, OrgCode: schoolA, Role: auth.SchoolAdmin})
		if !strings.HasPrefix(plain, "ebt_") || len(plain) != auth.TokenLength || tok.Prefix != plain[:8] {
			t.Fatalf("token %q, prefix %q", plain, tok.Prefix)
		}
		if _, err := auth.ParseToken(plain); err != nil {
			t.Fatal(err)
		}
		// The table holds only the hash and the short prefix.
		var hash, prefix string
		if err := d.QueryRowContext(f.ctx, `SELECT secret_hash, prefix FROM api_token WHERE id = $1`, tok.ID).Scan(&hash, &prefix); err != nil {
			t.Fatal(err)
		}
		if want, _ := auth.ParseToken(plain); hash != want || strings.Contains(hash, plain[4:]) || prefix != plain[:8] {
			t.Fatalf("stored %q / %q", hash, prefix)
		}
		if e, ok := f.lastEvent("token.create"); !ok || e.UserID != f.admin.ID || e.RecordType != "token" || strings.Contains(e.Detail, plain[8:]) {
			t.Fatalf("create event %+v", e)
		}

		u, err := f.s.TokenUser(f.ctx, plain, "10.1.2.3")
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != auth.SchoolAdmin || u.OrgKind != auth.OrgSchool || u.OrgCode != schoolA || u.TokenID != tok.ID ||
			u.TokenName != tok.Name || u.Username != "token:"+tok.Name || u.ReadOnly || u.ID != 0 {
			t.Fatalf("token user %+v", u)
		}
		// Its scope is the school's: the other school is not found, in the query itself.
		sc := u.Scope()
		if sc.All || !sc.Reaches("430405", schoolA) || sc.Reaches("430421", schoolB) {
			t.Fatalf("scope %+v", sc)
		}
		if _, err := f.reg.Get(f.ctx, sc, schoolB); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("school B through the token: %v", err)
		}
		if _, err := f.reg.Get(f.ctx, sc, schoolA); err != nil {
			t.Fatalf("school A through the token: %v", err)
		}
		page, err := f.reg.List(f.ctx, sc, school.Filter{})
		if err != nil || page.Total != 1 || page.Items[0].Code != schoolA {
			t.Fatalf("list through the token: %+v %v", page, err)
		}
		if !u.Can("student.edit") || u.Can("school.edit") || u.Can(auth.TokenManage) {
			t.Fatalf("a school administrator's token: permissions %v", u.Permissions())
		}
		// A token never makes tokens, even one with the permission.
		if _, _, err := f.s.CreateToken(f.ctx, u, auth.NewToken{Name: "x", OrgKind: auth.OrgSchool, OrgCode: schoolA,
			Role: auth.SchoolAdmin, ExpiresAt: f.now.AddDate(0, 1, 0)}); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("token made a token: %v", err)
		}

		// Every use is recorded.
		got := f.stored(t, tok.ID)
		if got.UseCount != 1 || got.LastUsedAt == nil || !got.LastUsedAt.Equal(f.now) || got.LastUsedIP != "10.1.2.3" {
			t.Fatalf("after one use: %d %v %q", got.UseCount, got.LastUsedAt, got.LastUsedIP)
		}
		for i := 0; i < 4; i++ {
			f.now = f.now.Add(time.Second)
			if _, err := f.s.TokenUser(f.ctx, plain, "10.9.9.9"); err != nil {
				t.Fatal(err)
			}
		}
		got = f.stored(t, tok.ID)
		if got.UseCount != 5 || !got.LastUsedAt.Equal(f.now) || got.LastUsedIP != "10.9.9.9" {
			t.Fatalf("after five uses: %d %v %q", got.UseCount, got.LastUsedAt, got.LastUsedIP)
		}
	})
}

func TestTokenExpiryAndRevocation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTokenFixture(t, d)
		expires := f.now.Add(48 * time.Hour)
		plain, tok := f.create(t, auth.NewToken{Name: "county stats", OrgKind: auth.OrgCounty, OrgCode: "430421",
			Role: auth.Staff, Section: "statistics", ExpiresAt: expires})
		u, err := f.s.TokenUser(f.ctx, plain, "10.0.0.1")
		if err != nil || u.Section != "statistics" || !u.Can("stats.view") || u.Can("school.edit") {
			t.Fatalf("%+v %v", u, err)
		}
		if sc := u.Scope(); sc.All || !sc.Reaches("430421", "") || sc.Reaches("430405", "") {
			t.Fatalf("county token's scope %+v", sc)
		}
		// Valid up to the last microsecond, refused from the expiry on.
		f.now = expires.Add(-time.Microsecond)
		if _, err := f.s.TokenUser(f.ctx, plain, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		f.now = expires
		_, err = f.s.TokenUser(f.ctx, plain, "10.0.0.2")
		wantRefusal(t, "expired", err, "has expired")
		if e, ok := f.lastEvent("auth.token_denied"); !ok || e.Outcome != "denied" || e.RecordID == "" || e.IP != "10.0.0.2" || !strings.Contains(e.Detail, "expired") {
			t.Fatalf("denied event %+v", e)
		}
		if got := f.stored(t, tok.ID); got.UseCount != 2 || got.LastUsedIP != "10.0.0.1" || got.State(f.now) != auth.TokenExpired {
			t.Fatalf("a refused use counted: %+v", got)
		}

		// Revocation ends a token at once.
		f.now = expires.Add(-time.Hour)
		plain2, tok2 := f.create(t, auth.NewToken{Name: "to revoke", OrgKind: auth.OrgCity, Role: auth.Auditor})
		if _, err := f.s.TokenUser(f.ctx, plain2, "10.0.0.3"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RevokeToken(f.ctx, f.admin, tok2.ID); err != nil {
			t.Fatal(err)
		}
		if e, ok := f.lastEvent("token.revoke"); !ok || e.RecordID == "" || e.UserID != f.admin.ID {
			t.Fatalf("revoke event %+v", e)
		}
		_, err = f.s.TokenUser(f.ctx, plain2, "10.0.0.3")
		wantRefusal(t, "revoked", err, "was revoked")
		if err := f.s.RevokeToken(f.ctx, f.admin, tok2.ID); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if err := f.s.RevokeToken(f.ctx, f.admin, 12345); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("revoking nothing: %v", err)
		}
		if got := f.stored(t, tok2.ID); got.State(f.now) != auth.TokenRevoked || got.RevokedAt == nil {
			t.Fatalf("%+v", got)
		}

		// Unknown (well-formed) and malformed tokens.
		_, err = f.s.TokenUser(f.ctx, goodToken, "10.0.0.4")
		wantRefusal(t, "unknown", err, "not valid")
		if e, _ := f.lastEvent("auth.token_denied"); !strings.Contains(e.Detail, "unknown") || strings.Contains(e.Detail, goodToken) {
			t.Fatalf("unknown token event %+v", e)
		}
		_, err = f.s.TokenUser(f.ctx, "ebt_short", "10.0.0.4")
		wantRefusal(t, "malformed", err, "malformed")

		// The list never shows a secret, and tells the states apart.
		list, err := f.s.ListTokens(f.ctx, f.admin)
		if err != nil || len(list) != 2 {
			t.Fatal(list, err)
		}
		for _, x := range list {
			if x.CreatedBy != "admin" || len(x.Prefix) != 8 {
				t.Errorf("listed %+v", x)
			}
		}
		nobody := auth.User{ID: 99, Username: "clerk", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "schools"}
		if _, err := f.s.ListTokens(f.ctx, nobody); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("staff listed tokens: %v", err)
		}
		if err := f.s.RevokeToken(f.ctx, nobody, tok.ID); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("staff revoked a token: %v", err)
		}
	})
}

func TestReadOnlyToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTokenFixture(t, d)
		plain, _ := f.create(t, auth.NewToken{Name: "dashboard", OrgKind: auth.OrgSchool, OrgCode: schoolA, Role: auth.SchoolAdmin, ReadOnly: true})
		u, err := f.s.TokenUser(f.ctx, plain, "10.0.0.1")
		if err != nil || !u.ReadOnly {
			t.Fatal(u, err)
		}
		for p, want := range map[string]bool{"school.view": true, "student.view": true, "teacher.view": true,
			"student.edit": false, "teacher.edit": false, "student.view_pii": false, "school.edit": false} {
			if u.Can(p) != want {
				t.Errorf("read-only school token: Can(%s) = %v, want %v", p, !want, want)
			}
		}
		// A read-only token of an administrator's account only reads too.
		plain, _ = f.create(t, auth.NewToken{Name: "admin reader", Username: "admin", ReadOnly: true})
		u, err = f.s.TokenUser(f.ctx, plain, "10.0.0.1")
		if err != nil || u.Role != auth.Admin || u.ID != f.admin.ID || u.Username != "admin" || u.TokenName != "admin reader" {
			t.Fatal(u, err)
		}
		if !u.Can("audit.view") || u.Can("school.edit") || u.Can("user.manage") || u.Can("token.manage") {
			t.Errorf("read-only admin token: %v", u.Permissions())
		}
	})
}

func TestTokenForUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTokenFixture(t, d)
		clerk, err := f.s.CreateUser(f.ctx, auth.NewUser{Username: "clerk", Password: "Correct-Horse-9", Role: auth.Staff,
			OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "students", DisplayName: "学籍员"})
		if err != nil {
			t.Fatal(err)
		}
		insp, err := f.s.CreateUser(f.ctx, auth.NewUser{Username: "insp", Password: "Correct-Horse-9", Role: auth.Inspector,
			OrgKind: auth.OrgCity, Schools: []string{schoolB}})
		if err != nil {
			t.Fatal(err)
		}
		plain, tok := f.create(t, auth.NewToken{Name: "clerk's script", UserID: clerk.ID})
		if tok.User != "clerk" || tok.UserRole != auth.Staff {
			t.Fatalf("%+v", tok)
		}
		u, err := f.s.TokenUser(f.ctx, plain, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != clerk.ID || u.Username != "clerk" || u.Role != auth.Staff || u.OrgCode != "430405" || u.Section != "students" ||
			u.DisplayName != "学籍员" || u.TokenID != tok.ID || !u.Can("student.edit") {
			t.Fatalf("%+v", u)
		}
		if _, err := f.reg.Get(f.ctx, u.Scope(), schoolB); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("outside the clerk's county: %v", err)
		}
		// An inspector's token reaches the inspector's schools.
		plainI, _ := f.create(t, auth.NewToken{Name: "inspection app", Username: "insp"})
		ui, err := f.s.TokenUser(f.ctx, plainI, "10.0.0.1")
		if err != nil || ui.Role != auth.Inspector || len(ui.Schools) != 1 || !ui.Scope().Reaches("430421", schoolB) || ui.Scope().Reaches("430405", schoolA) {
			t.Fatalf("%+v %v", ui, err)
		}
		_ = insp
		// A disabled user's token stops working.
		if _, err := d.ExecContext(f.ctx, `UPDATE app_user SET disabled = TRUE WHERE id = $1`, clerk.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.TokenUser(f.ctx, plain, "10.0.0.1")
		wantRefusal(t, "disabled user", err, "is disabled")
		if _, _, err := f.s.CreateToken(f.ctx, f.admin, auth.NewToken{Name: "x", Username: "clerk", ExpiresAt: f.now.AddDate(0, 1, 0)}); !hasField(err, "username") {
			t.Fatalf("token for a disabled user: %v", err)
		}
	})
}

func hasField(err error, field string) bool {
	if fault.KindOf(err) != fault.Invalid {
		return false
	}
	for _, x := range fault.As(err).Fields {
		if x.Field == field {
			return true
		}
	}
	return false
}

func TestNewTokenRules(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newTokenFixture(t, d)
	in := func(days int) time.Time { return f.now.AddDate(0, 0, days) }
	for _, tc := range []struct {
		name  string
		nt    auth.NewToken
		field string // "" = accepted
	}{
		{"school admin", auth.NewToken{Name: "a", OrgKind: auth.OrgSchool, OrgCode: schoolA, Role: auth.SchoolAdmin, ExpiresAt: in(30)}, ""},
		{"two years exactly", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: auth.Admin, ExpiresAt: f.now.AddDate(2, 0, 0)}, ""},
		{"over two years", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: auth.Admin, ExpiresAt: f.now.AddDate(2, 0, 0).Add(time.Second)}, "expires_at"},
		{"in the past", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: auth.Admin, ExpiresAt: in(-1)}, "expires_at"},
		{"now", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: auth.Admin, ExpiresAt: f.now}, "expires_at"},
		{"no expiry", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: auth.Admin}, "expires_at"},
		{"no name", auth.NewToken{Name: "  ", OrgKind: auth.OrgCity, Role: auth.Admin, ExpiresAt: in(30)}, "name"},
		{"long name", auth.NewToken{Name: strings.Repeat("名", 101), OrgKind: auth.OrgCity, Role: auth.Admin, ExpiresAt: in(30)}, "name"},
		{"control in name", auth.NewToken{Name: "a\nb", OrgKind: auth.OrgCity, Role: auth.Admin, ExpiresAt: in(30)}, "name"},
		{"unknown school", auth.NewToken{Name: "a", OrgKind: auth.OrgSchool, OrgCode: "2143009999", Role: auth.SchoolAdmin, ExpiresAt: in(30)}, "org_code"},
		{"school admin of a county", auth.NewToken{Name: "a", OrgKind: auth.OrgCounty, OrgCode: "430405", Role: auth.SchoolAdmin, ExpiresAt: in(30)}, "org_kind"},
		{"admin of a school", auth.NewToken{Name: "a", OrgKind: auth.OrgSchool, OrgCode: schoolA, Role: auth.Admin, ExpiresAt: in(30)}, "org_kind"},
		{"county outside", auth.NewToken{Name: "a", OrgKind: auth.OrgCounty, OrgCode: "430102", Role: auth.Auditor, ExpiresAt: in(30)}, "org_code"},
		{"staff without section", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: auth.Staff, ExpiresAt: in(30)}, "section"},
		{"staff of no section", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: auth.Staff, Section: "canteen", ExpiresAt: in(30)}, "section"},
		{"inspector org", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: auth.Inspector, ExpiresAt: in(30)}, "role"},
		{"unknown role", auth.NewToken{Name: "a", OrgKind: auth.OrgCity, Role: "janitor", ExpiresAt: in(30)}, "role"},
		{"nothing", auth.NewToken{Name: "a", ExpiresAt: in(30)}, "role"},
		{"user and org", auth.NewToken{Name: "a", Username: "admin", OrgKind: auth.OrgCity, Role: auth.Admin, ExpiresAt: in(30)}, "username"},
		{"unknown user", auth.NewToken{Name: "a", Username: "ghost", ExpiresAt: in(30)}, "username"},
	} {
		_, tok, err := f.s.CreateToken(f.ctx, f.admin, tc.nt)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !hasField(err, tc.field) || tok.ID != 0 {
			t.Errorf("%s: %v, want a problem with %s", tc.name, err, tc.field)
		}
		if err != nil && fault.As(err).Msg.In(i18n.EN) == "" {
			t.Errorf("%s: no English message", tc.name)
		}
		if cerr := f.s.CheckNewToken(f.ctx, tc.nt); !hasField(cerr, tc.field) {
			t.Errorf("%s: CheckNewToken says %v", tc.name, cerr)
		}
	}
	// The city bureau's token takes the jurisdiction as its code.
	_, tok, err := f.s.CreateToken(f.ctx, f.admin, auth.NewToken{Name: "city", OrgKind: auth.OrgCity, Role: auth.Auditor, ExpiresAt: in(3)})
	if err != nil || tok.OrgCode == "" {
		t.Fatal(tok, err)
	}
}
