package auth_test

import (
	"context"
	"testing"
	"time"

	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

func TestSessionCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		mk := func() *auth.Service {
			s := auth.New(d)
			s.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
			s.Now = func() time.Time { return now }
			return s
		}
		a, b := mk(), mk() // two instances of the server
		if _, err := a.EnsureAdmin(ctx, "admin", "Jiaoyu-Pass-2026"); err != nil {
			t.Fatal(err)
		}
		token, _, err := a.SignIn(ctx, "admin", "Jiaoyu-Pass-2026", "127.0.0.1", "t")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Session(ctx, token); err != nil { // now cached in a
			t.Fatal(err)
		}
		// Signed out through b: b refuses at once; a trusts its cache for at
		// most SessionCacheTTL, then refuses too.
		if err := b.SignOut(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Session(ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("b: %v", err)
		}
		if _, err := a.Session(ctx, token); err != nil {
			t.Fatalf("within the TTL a may still answer from its cache: %v", err)
		}
		now = now.Add(a.SessionCacheTTL)
		if _, err := a.Session(ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("after the TTL a must see the sign-out: %v", err)
		}
		// Signed out through a itself: refused at once.
		token, _, _ = a.SignIn(ctx, "admin", "Jiaoyu-Pass-2026", "127.0.0.1", "t")
		if _, err := a.Session(ctx, token); err != nil {
			t.Fatal(err)
		}
		if err := a.SignOut(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Session(ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("own sign-out must take effect at once: %v", err)
		}
		// A password reset by the same instance ends the cached session at once too.
		token, _, _ = a.SignIn(ctx, "admin", "Jiaoyu-Pass-2026", "127.0.0.1", "t")
		a.Session(ctx, token)
		if err := a.SetPassword(ctx, "admin", "Jiaoyu-Pass-2027"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Session(ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("after a password change the old session must end: %v", err)
		}
	})
}
