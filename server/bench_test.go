package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/config"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/demo"
)

// cityServer builds the city-scale demo (~3,000 schools) and returns the
// assembled server with a signed-in administrator's session token.
func cityServer(b *testing.B, d *db.DB) (*Server, string) {
	b.Helper()
	ctx := context.Background()
	if _, err := demo.Build(ctx, d, demo.Options{Scale: demo.City, Seed: 1}, nil); err != nil {
		b.Fatal(err)
	}
	cfg := config.Config{MaxBody: 10 << 20, ShutdownTimeout: time.Second}
	j, _ := area.Jurisdiction("4304")
	srv, err := New(cfg, d, j, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), "bench")
	if err != nil {
		b.Fatal(err)
	}
	a := srv.Auth()
	a.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	if _, err := a.CreateUser(ctx, auth.NewUser{Username: "bench", Password: "Jiaoyu-Pass-2026", Role: auth.Admin}); err != nil {
		b.Fatal(err)
	}
	token, _, err := a.SignIn(ctx, "bench", "Jiaoyu-Pass-2026", "127.0.0.1", "bench")
	if err != nil {
		b.Fatal(err)
	}
	return srv, token
}

// p95 serves each request in turn, rounds times over, and returns the 95th
// percentile of the server's time per request.
func p95(b *testing.B, h http.Handler, token string, paths []string, rounds int) time.Duration {
	b.Helper()
	var times []time.Duration
	for range rounds {
		for _, p := range paths {
			req := httptest.NewRequest("GET", p, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(w, req)
			times = append(times, time.Since(start))
			if w.Code != 200 {
				b.Fatalf("GET %s: %d %s", p, w.Code, w.Body.String()[:min(200, w.Body.Len())])
			}
		}
	}
	slices.Sort(times)
	return times[len(times)*95/100]
}

func countyPaths(prefix string) []string {
	var out []string
	for _, c := range area.Children("4304") {
		out = append(out, prefix+"?county="+c.Code)
	}
	return out
}

// BenchmarkSchoolListCity measures the school list page and the API list,
// filtered by each county in turn, at city scale; the limit is p95 ≤ 20 ms.
// Run: go test -run '^$' -bench SchoolListCity -benchtime 1x ./server
func BenchmarkSchoolListCity(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite, "postgres": dbtest.Postgres} {
		b.Run(name, func(b *testing.B) {
			d := open(b)
			srv, token := cityServer(b, d)
			h := srv.Handler()
			for range b.N {
				for _, target := range []struct{ name, prefix string }{{"page", "/schools"}, {"api", "/api/v1/schools"}} {
					paths := countyPaths(target.prefix)
					p95(b, h, token, paths, 2) // warm up
					got := p95(b, h, token, paths, 20)
					b.ReportMetric(float64(got.Microseconds())/1000, target.name+"-p95-ms")
					b.ReportMetric(got.Seconds()/0.020, target.name+"-x-of-20ms")
				}
			}
		})
	}
}

// BenchmarkGuardOverhead compares the API's school list served through the
// access guard (finding the user from the token, checking the permission)
// with the same handler called with the user already in the context; the
// access issue's limit is ≤ 5 % added. (Scope costs nothing extra: it is part
// of the list's own query.)
// Run: go test -run '^$' -bench GuardOverhead -benchtime 1x ./server
func BenchmarkGuardOverhead(b *testing.B) {
	d := dbtest.SQLite(b)
	srv, token := cityServer(b, d)
	var direct http.Handler
	var guarded http.Handler
	for _, rt := range srv.Routes() {
		if rt.Method == "GET" && rt.Pattern == "/api/v1/schools" {
			direct = rt.Handler
			guarded = srv.guard(rt.Route, srv.api.Fail)
		}
	}
	u, err := srv.Auth().Session(context.Background(), token)
	if err != nil {
		b.Fatal(err)
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		direct.ServeHTTP(w, r.WithContext(auth.WithUser(r.Context(), u)))
	})
	paths := countyPaths("/api/v1/schools")
	serve := func(h http.Handler, p string) time.Duration {
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		took := time.Since(start)
		if w.Code != 200 {
			b.Fatalf("%s: %d", p, w.Code)
		}
		return took
	}
	median := func(xs []time.Duration) time.Duration { slices.Sort(xs); return xs[len(xs)/2] }
	for range b.N {
		// Interleave the two, request by request, so that the machine's noise
		// falls on both alike; compare medians per path, then sum.
		var withGuard, without time.Duration
		for _, p := range paths {
			var g, d []time.Duration
			for range 41 {
				d = append(d, serve(bare, p))
				g = append(g, serve(guarded, p))
			}
			without += median(d)
			withGuard += median(g)
		}
		added := float64(withGuard-without) / float64(without)
		b.ReportMetric(float64(without.Microseconds())/float64(len(paths))/1000, "bare-ms")
		b.ReportMetric(float64(withGuard.Microseconds())/float64(len(paths))/1000, "guarded-ms")
		b.ReportMetric(added*100, "added-%")
		b.ReportMetric(added/0.05, "x-of-5%-limit")
	}
}
