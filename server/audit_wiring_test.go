package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/config"
	"edubureau/db"
	"edubureau/db/dbtest"
)

// Changes to users are recorded in the same transaction as the change: on
// SQLite a second writer would wait for the first and lose its entry, and
// on both databases an entry that cannot be written must undo the change.
func TestUserChangesAuditedWithTheChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		j, _ := area.Jurisdiction("4304")
		if err := area.Sync(ctx, d, j.Code); err != nil {
			t.Fatal(err)
		}
		srv, err := New(config.Config{MaxBody: 1 << 20, ShutdownTimeout: time.Second}, d, j, nil,
			slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
		if err != nil {
			t.Fatal(err)
		}
		a := srv.Auth()
		a.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
		admin, err := a.CreateUser(ctx, auth.NewUser{Username: "admin", Password: "Audit-Pass-2026", Role: auth.Admin, OrgKind: auth.OrgCity, OrgCode: "4304"})
		if err != nil {
			t.Fatal(err)
		}
		clerk, err := a.CreateUser(ctx, auth.NewUser{Username: "clerk", Password: "Audit-Pass-2026", Role: auth.Staff, OrgKind: auth.OrgCity, OrgCode: "4304", Section: "office"})
		if err != nil {
			t.Fatal(err)
		}
		by := auth.Actor{User: admin, IP: "192.0.2.9"}
		if err := a.SetDisabled(ctx, by, clerk.ID, true); err != nil {
			t.Fatal(err)
		}
		p, err := srv.Audit().Search(ctx, audit.Filter{Action: "user.disable"})
		if err != nil || p.Total != 1 || p.Items[0].Username != "admin" {
			t.Fatalf("the disabling is not in the audit log: %+v %v", p, err)
		}
		// When the audit entry cannot be written, the change does not happen.
		next := a.OnEvent
		a.OnEvent = func(ctx context.Context, tx db.Tx, e auth.Event) error {
			if tx != nil {
				return errors.New("audit log unavailable")
			}
			return next(ctx, tx, e)
		}
		if err := a.SetDisabled(ctx, by, clerk.ID, false); err == nil {
			t.Fatal("enabling succeeded although its audit entry failed")
		}
		u, err := a.GetUser(ctx, clerk.ID)
		if err != nil || !u.Disabled {
			t.Fatalf("the user was enabled without an audit entry: %+v %v", u, err)
		}
		if v, err := srv.Audit().Verify(ctx); err != nil || !v.Intact() {
			t.Fatalf("chain: %+v %v", v, err)
		}
	})
}

// Refused requests are recorded: a guessed record id outside the user's
// scope, a session token that no longer holds, a permission lacking.
func TestRefusedRequestsAreAudited(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	j, _ := area.Jurisdiction("4304")
	if err := area.Sync(ctx, d, j.Code); err != nil {
		t.Fatal(err)
	}
	srv, err := New(config.Config{MaxBody: 1 << 20, ShutdownTimeout: time.Second}, d, j, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	if err != nil {
		t.Fatal(err)
	}
	a := srv.Auth()
	a.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	if _, err := a.CreateUser(ctx, auth.NewUser{Username: "county", Password: "Audit-Pass-2026", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "office"}); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.SignIn(ctx, "county", "Audit-Pass-2026", "192.0.2.7", "t")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, bearer string) int {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	if code := get("/api/v1/schools/2143000999", token); code != 404 {
		t.Fatalf("guessed id: %d", code)
	}
	if code := get("/api/v1/schools", "not-a-live-session"); code != 401 {
		t.Fatalf("dead token: %d", code)
	}
	for action, detail := range map[string]string{"request.refused": "404: GET /api/v1/schools/2143000999", "request.unauthenticated": "GET /api/v1/schools"} {
		p, err := srv.Audit().Search(ctx, audit.Filter{Action: action})
		if err != nil || p.Total != 1 || p.Items[0].Detail != detail || p.Items[0].Outcome != audit.Denied {
			t.Fatalf("%s not audited as expected: %+v %v", action, p.Items, err)
		}
	}
	// A public route's own 404 (an unknown area) is not a refusal of access.
	if code := get("/api/v1/areas/439999", token); code != 404 {
		t.Fatalf("unknown area: %d", code)
	}
	if p, _ := srv.Audit().Search(ctx, audit.Filter{Action: "request.refused"}); p.Total != 1 {
		t.Fatalf("public 404 audited: %d", p.Total)
	}
}
