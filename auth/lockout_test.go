package auth_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

// harness is a service on a real database with Hengyang's areas, three
// schools, a fast argon2, a clock the test moves and the events recorded.
type harness struct {
	t   *testing.T
	ctx context.Context
	db  *db.DB
	s   *auth.Service
	now time.Time

	mu     sync.Mutex
	events []auth.Event
}

const testPassword = "Jiaoyu-Pass-2026"

func newHarness(t *testing.T, d *db.DB) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), db: d, now: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	if err := area.Sync(h.ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []struct{ code, county string }{{"2143000001", "430405"}, {"2143000002", "430405"}, {"3443000004", "430421"}} {
		if _, err := d.ExecContext(h.ctx, `INSERT INTO school (code, name, type, ownership, county_code, status, search_text,
			version, created_at, updated_at) VALUES ($1, $2, 'primary', 'public', $3, 'active', $2, 1, $4, $4)`,
			sc.code, "学校"+sc.code, sc.county, h.now); err != nil {
			t.Fatal(err)
		}
	}
	h.s = auth.New(d)
	h.s.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	h.s.Now = func() time.Time { return h.now }
	h.s.OnEvent = func(_ context.Context, _ db.Tx, e auth.Event) error {
		h.mu.Lock()
		h.events = append(h.events, e)
		h.mu.Unlock()
		return nil
	}
	return h
}

func (h *harness) add(nu auth.NewUser) auth.User {
	h.t.Helper()
	if nu.Password == "" {
		nu.Password = testPassword
	}
	u, err := h.s.CreateUser(h.ctx, nu)
	if err != nil {
		h.t.Fatalf("create %s: %v", nu.Username, err)
	}
	return u
}

// actions lists the actions recorded so far, and forgets them.
func (h *harness) actions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		out = append(out, e.Action+"/"+e.Outcome)
	}
	h.events = nil
	return out
}

func has(list []string, want string) bool {
	for _, x := range list {
		if x == want {
			return true
		}
	}
	return false
}

func TestLockout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.s.SignInRate = -1 // this test is about the account, not the address
		h.add(auth.NewUser{Username: "wang", Role: auth.Staff, OrgKind: auth.OrgCity, Section: "schools"})
		try := func(pw string) error {
			_, _, err := h.s.SignIn(h.ctx, "wang", pw, "10.0.0.1", "t")
			return err
		}
		// Four failures: still the plain message.
		for i := 1; i <= 4; i++ {
			if err := try("Wrong-Pass-000"); fault.KindOf(err) != fault.Unauthorized {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		// A success resets the count: four more failures do not lock.
		if err := try(testPassword); err != nil {
			t.Fatalf("sign in after 4 failures: %v", err)
		}
		for i := 1; i <= 4; i++ {
			if err := try("Wrong-Pass-000"); fault.KindOf(err) != fault.Unauthorized {
				t.Fatalf("failure %d after reset: %v", i, err)
			}
		}
		h.actions()
		// The fifth in a row locks, and says until when in China Standard Time (08:00 UTC + 15 min = 16:15 CST).
		err := try("Wrong-Pass-000")
		if fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("fifth failure: %v", err)
		}
		msg := fault.As(err).Msg
		if !strings.Contains(msg.ZH, "2026-11-23 16:15（北京时间）") || !strings.Contains(msg.EN, "until 2026-11-23 16:15 (China Standard Time)") {
			t.Errorf("lock message: %+v", msg)
		}
		if wait, ok := auth.RetryAfter(err); !ok || wait != 15*time.Minute {
			t.Errorf("RetryAfter = %v %v", wait, ok)
		}
		if a := h.actions(); !has(a, "auth.lockout/denied") || !has(a, "auth.sign_in_failed/failed") {
			t.Errorf("events: %v", a)
		}
		// Locked: the right password is refused too, with the same end.
		h.now = h.now.Add(14*time.Minute + 59*time.Second)
		err = try(testPassword)
		if fault.KindOf(err) != fault.Forbidden || !strings.Contains(fault.As(err).Msg.EN, "16:15") {
			t.Fatalf("right password while locked: %v", err)
		}
		if wait, _ := auth.RetryAfter(err); wait != time.Second {
			t.Errorf("RetryAfter near the end = %v", wait)
		}
		if a := h.actions(); !has(a, "auth.sign_in_failed/denied") {
			t.Errorf("events while locked: %v", a)
		}
		u, _ := h.s.UserByName(h.ctx, "wang")
		if u.LockedUntil == nil {
			t.Error("LockedUntil not shown on the user")
		}
		// 15 minutes after the lock it opens by itself.
		h.now = h.now.Add(time.Second)
		if err := try(testPassword); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		if u, _ := h.s.UserByName(h.ctx, "wang"); u.LockedUntil != nil {
			t.Error("lock kept after a success")
		}
		// After a lock the user has the full number of attempts again.
		for i := 1; i <= 4; i++ {
			if err := try("Wrong-Pass-000"); fault.KindOf(err) != fault.Unauthorized {
				t.Fatalf("failure %d after the lock: %v", i, err)
			}
		}
		// Settings: 3 attempts, 1 hour.
		h.s.LockoutAttempts, h.s.LockoutDuration = 3, time.Hour
		h.add(auth.NewUser{Username: "li", Role: auth.Auditor, OrgKind: auth.OrgCity})
		for i := 1; i <= 3; i++ {
			_, _, err = h.s.SignIn(h.ctx, "li", "Wrong-Pass-000", "10.0.0.1", "t")
		}
		if w, _ := auth.RetryAfter(err); fault.KindOf(err) != fault.Forbidden || w != time.Hour {
			t.Fatalf("3 attempts, 1 hour: %v %v", err, w)
		}
		// An administrator can lift the lock.
		li, _ := h.s.UserByName(h.ctx, "li")
		if err := h.s.Unlock(h.ctx, auth.Actor{}, li.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.SignIn(h.ctx, "li", testPassword, "10.0.0.1", "t"); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
	})
}

func TestRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.s.SignInRate = 5
		h.s.LockoutAttempts = 100
		for _, n := range []string{"a1", "a2", "a3"} {
			h.add(auth.NewUser{Username: n, Role: auth.Auditor, OrgKind: auth.OrgCity})
		}
		// Five attempts from one address, across different accounts (and
		// names that do not exist), all reach the password check.
		for i, n := range []string{"a1", "a2", "a3", "ghost", "a1"} {
			if _, _, err := h.s.SignIn(h.ctx, n, "Wrong-Pass-000", "203.0.113.9", "t"); fault.KindOf(err) != fault.Unauthorized {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		// The sixth is refused before any check, even with the right password.
		_, _, err := h.s.SignIn(h.ctx, "a2", testPassword, "203.0.113.9", "t")
		if fault.KindOf(err) != fault.TooMany {
			t.Fatalf("6th attempt: %v", err)
		}
		wait, ok := auth.RetryAfter(err)
		if !ok || wait != 12*time.Second { // 5 a minute: one every 12 s
			t.Errorf("RetryAfter = %v %v", wait, ok)
		}
		if !strings.Contains(fault.As(err).Msg.EN, "try again in 12 seconds") {
			t.Errorf("message: %v", fault.As(err).Msg)
		}
		if a := h.actions(); !has(a, "auth.rate_limited/denied") {
			t.Errorf("events: %v", a)
		}
		// Another address is not affected.
		if _, _, err := h.s.SignIn(h.ctx, "a2", testPassword, "198.51.100.7", "t"); err != nil {
			t.Fatalf("other address: %v", err)
		}
		// The TOTP step counts too.
		if _, _, err := h.s.CompleteSignIn(h.ctx, "whatever", "123456", "203.0.113.9", "t"); fault.KindOf(err) != fault.TooMany {
			t.Fatalf("code step from a limited address: %v", err)
		}
		// Twelve seconds later one more attempt is allowed, and only one.
		h.now = h.now.Add(12 * time.Second)
		if _, _, err := h.s.SignIn(h.ctx, "a2", testPassword, "203.0.113.9", "t"); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		if _, _, err := h.s.SignIn(h.ctx, "a2", testPassword, "203.0.113.9", "t"); fault.KindOf(err) != fault.TooMany {
			t.Fatalf("second after the wait: %v", err)
		}
	})
}

func TestLimiterForgetsIdleAddresses(t *testing.T) {
	l := auth.NewLimiter()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.Allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256), t0, 20)
	}
	if l.Len() != 1000 {
		t.Fatalf("Len = %d", l.Len())
	}
	// One address keeps trying; the others go quiet. A minute later the
	// quiet ones are full again, which is the same as absent: swept.
	refused := 0
	for i := range 61 {
		if ok, _ := l.Allow("10.9.9.9", t0.Add(time.Duration(i)*time.Second), 20); !ok {
			refused++
		}
	}
	if l.Len() != 1 {
		t.Fatalf("after a quiet minute Len = %d, want 1 (the busy address)", l.Len())
	}
	// 61 attempts in a minute at 20 a minute: 20 at once, then one every 3 s.
	if refused != 61-20-20 {
		t.Errorf("refused %d of 61", refused)
	}
}
