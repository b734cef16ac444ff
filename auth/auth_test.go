package auth_test

import (
	"context"
	"testing"
	"time"

	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/scope"
)

func TestPasswordPolicy(t *testing.T) {
	for _, tc := range []struct {
		user, pw string
		ok       bool
	}{
		{"admin", "Short1!", false},
		{"admin", "alllowercaseletters", false},
		{"admin", "lower-and-digits-123", true},
		{"admin", "MyAdmin-Password1", false},
		{"zhang", "Jiaoyu-2026-ok", true},
		{"admin", auth.RandomPassword(), true},
	} {
		err := auth.CheckPassword(tc.user, tc.pw)
		if (err == nil) != tc.ok {
			t.Errorf("%q/%q: %v", tc.user, tc.pw, err)
		}
	}
}

func TestHashVerify(t *testing.T) {
	p := auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	h, err := auth.HashPassword("Correct-Horse-9", p)
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := auth.VerifyPassword(h, "Correct-Horse-9", p); !ok || rehash || err != nil {
		t.Fatal(ok, rehash, err)
	}
	if ok, _, _ := auth.VerifyPassword(h, "correct-horse-9", p); ok {
		t.Fatal("wrong password accepted")
	}
	if ok, rehash, _ := auth.VerifyPassword(h, "Correct-Horse-9", auth.DefaultArgon2); !ok || !rehash {
		t.Fatal("parameter change should ask for a rehash")
	}
	if _, _, err := auth.VerifyPassword("$2a$10$bcrypt", "x", p); err == nil {
		t.Fatal("foreign hash accepted")
	}
}

func TestSignInSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := auth.New(d)
		s.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
		now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		created, err := s.EnsureAdmin(ctx, "admin", "Jiaoyu-Pass-2026")
		if err != nil || !created {
			t.Fatal(created, err)
		}
		if created, err := s.EnsureAdmin(ctx, "admin", "Jiaoyu-Pass-2026"); err != nil || created {
			t.Fatal("second EnsureAdmin created", err)
		}
		if _, _, err := s.SignIn(ctx, "admin", "wrong", "127.0.0.1", "t"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.SignIn(ctx, "nobody", "Jiaoyu-Pass-2026", "127.0.0.1", "t"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("unknown user: %v", err)
		}
		token, u, err := s.SignIn(ctx, "admin", "Jiaoyu-Pass-2026", "127.0.0.1", "t")
		if err != nil || u.Role != auth.Admin || !u.Scope().All {
			t.Fatal(u, err)
		}
		if got, err := s.Session(ctx, token); err != nil || got.ID != u.ID {
			t.Fatal(got, err)
		}
		// Idle timeout: 31 minutes unused ends the session.
		now = now.Add(31 * time.Minute)
		if _, err := s.Session(ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("idle session still valid: %v", err)
		}
		// Absolute timeout: used every 20 minutes, it still ends after 12 hours.
		token, _, _ = s.SignIn(ctx, "admin", "Jiaoyu-Pass-2026", "127.0.0.1", "t")
		for i := 0; i < 35; i++ {
			now = now.Add(20 * time.Minute)
			if _, err := s.Session(ctx, token); err != nil {
				t.Fatalf("session ended early after %d steps: %v", i, err)
			}
		}
		now = now.Add(20 * time.Minute) // 12 h after sign-in
		if _, err := s.Session(ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("session outlived 12 hours: %v", err)
		}
		token, _, _ = s.SignIn(ctx, "admin", "Jiaoyu-Pass-2026", "127.0.0.1", "t")
		if err := s.SignOut(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, token); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("signed-out session valid: %v", err)
		}
		if _, err := s.Session(ctx, "garbage"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, auth.NewUser{Username: "admin", Password: "Jiaoyu-Pass-2027x"}); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("duplicate user: %v", err)
		}
		county := auth.User{Role: "staff", OrgKind: auth.OrgCounty, OrgCode: "430421"}
		if sc := county.Scope(); sc.All || !sc.Reaches("430421", "") || sc.Reaches("430422", "") {
			t.Fatal("county scope")
		}
		if (auth.User{}).Scope().Reaches("430421", "x") || (auth.User{}).Scope().All || len(scope.Scope{}.Areas) != 0 {
			t.Fatal("empty user reaches something")
		}
	})
}
