package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"edubureau/db"
	"edubureau/db/dbtest"
)

// lockedBuffer is a bytes.Buffer safe for the server goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// started is a running edubureau process (in this test binary, through run).
type started struct {
	base   string
	stderr *lockedBuffer
	stop   func() int
	lines  []string
}

// testEnv is the environment of the commands under test: only a key for personal data.
func testEnv(name string) string {
	if name == "EDUBUREAU_KEY" {
		return "c2l4dGVlbi1ieXRlcy1vZi1hLXRlc3Qta2V5LWhlcmU=" // 32 bytes, tests only
	}
	return ""
}

// startLimit is how long start waits for the server: a minute in tests,
// longer in benchmarks (a city demo builds 1.2 million students first).
func startLimit(t testing.TB) time.Duration {
	if _, ok := t.(*testing.B); ok {
		return 30 * time.Minute
	}
	return 60 * time.Second
}

// start runs `edubureau args…` and waits for its "listening on" line.
func start(t testing.TB, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		code := run(ctx, args, env{stdin: strings.NewReader(""), stdout: pw, stderr: stderr, getenv: testEnv})
		pw.Close()
		done <- code
	}()
	s := &started{stderr: stderr}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			s.lines = append(s.lines, line)
			if addr, ok := strings.CutPrefix(line, "edubureau listening on "); ok {
				found <- addr
			}
		}
		close(found)
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			cancel()
			t.Fatalf("edubureau %v exited before serving (code %d): %s", args, <-done, stderr.String())
		}
		s.base = addr
	case <-time.After(startLimit(t)):
		cancel()
		t.Fatalf("edubureau %v did not start: %s", args, stderr.String())
	}
	s.stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("server did not shut down")
			return -1
		}
	}
	return s
}

func TestServeEndToEnd(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--admin-password", "Jiaoyu-Test-2026", "--log-format", "json")
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
			get := func(path string, want int) []byte {
				t.Helper()
				resp, err := c.Get(srv.base + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != want {
					t.Fatalf("GET %s: %d, want %d: %s", path, resp.StatusCode, want, body)
				}
				if resp.Header.Get("X-Request-ID") == "" {
					t.Fatalf("GET %s: no request id", path)
				}
				return body
			}
			get("/healthz", 200)
			get("/readyz", 200)
			get("/api/v1/openapi.json", 200)
			get("/api/v1/areas", 200)
			get("/api/v1/schools", 401)
			get("/schools", 200) // the sign-in page, after a redirect
			get("/no/such/page", 404)

			// Sign in through the API, then use the bearer token.
			resp, err := c.Post(srv.base+"/api/v1/session", "application/json",
				strings.NewReader(`{"username":"admin","password":"Jiaoyu-Test-2026"}`))
			if err != nil {
				t.Fatal(err)
			}
			var sess struct{ Token string }
			json.NewDecoder(resp.Body).Decode(&sess)
			resp.Body.Close()
			if resp.StatusCode != 201 || sess.Token == "" {
				t.Fatalf("sign-in: %d %+v", resp.StatusCode, sess)
			}
			body := `{"code":"2143990001","name":"端到端测试小学","type":"primary","ownership":"public","county":"430421","status":"active","opened_on":"2020-09-01","capacity":600}`
			req, _ := http.NewRequest("POST", srv.base+"/api/v1/schools", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+sess.Token)
			req.Header.Set("Content-Type", "application/json")
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 201 {
				t.Fatalf("create: %d", resp.StatusCode)
			}
			// The signed-in web page (cookie set by the API sign-in) lists it.
			page := string(get("/schools?q="+url.QueryEscape("端到端"), 200))
			if !strings.Contains(page, "端到端测试小学") {
				t.Fatalf("school list does not show the new school")
			}
			if code := srv.stop(); code != 0 {
				t.Fatalf("exit code %d: %s", code, srv.stderr.String())
			}
			if !strings.Contains(srv.stderr.String(), `"request_id"`) {
				t.Fatalf("no JSON log lines with request ids: %s", srv.stderr.String())
			}
		})
	}
}

func TestStartupErrorsAreOneLine(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		args   []string
		getenv func(string) string
		code   int
		want   string
	}{
		{[]string{"serve", "--db", "mysql://root@x/y"}, testEnv, 2, "bad --db"},
		{[]string{"serve", "--addr", "nonsense"}, testEnv, 2, "bad --addr"},
		{[]string{"serve", "--db", "sqlite:" + filepath.Join(t.TempDir(), "missing", "x.db")}, testEnv, 1, "does not exist"},
		{[]string{"serve", "--db", "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}, testEnv, 1, "cannot open database"},
		{[]string{"demo", "--scale", "galaxy"}, testEnv, 2, "scale"},
		{[]string{"nosuchcommand"}, testEnv, 2, "unknown command"},
		// Outside the demo, personal data needs a key: no key, no start.
		{[]string{"serve", "--db", "sqlite:" + filepath.Join(t.TempDir(), "x.db")}, noEnv, 1, "no key for personal data"},
		{[]string{"serve", "--db", "sqlite:" + filepath.Join(t.TempDir(), "x.db")}, func(k string) string {
			if k == "EDUBUREAU_KEY" {
				return "too-short"
			}
			return ""
		}, 1, "EDUBUREAU_KEY"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, env{stdout: &out, stderr: &errb, getenv: tc.getenv})
		msg := strings.TrimSpace(errb.String())
		if code != tc.code || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") > 0 {
			t.Errorf("%v: code %d (want %d), stderr %q", tc.args, code, tc.code, msg)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{name, "-h"}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		if code != 0 || !strings.Contains(errb.String()+out.String(), "usage: edubureau "+name) {
			t.Errorf("%s -h: code %d, %q", name, code, errb.String()+out.String())
		}
	}
}

// The demo refuses to serve a database whose build was interrupted, with one
// line saying what to do; a finished one it serves again.
func TestDemoRefusesInterruptedBuild(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	args := []string{"demo", "--db", "sqlite:" + path, "--students", "-1", "--no-serve", "--log-level", "warn"}
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, env{stdout: &out, stderr: &errb, getenv: testEnv}); code != 0 {
		t.Fatalf("demo build: code %d, %s", code, errb.String())
	}
	d, err := db.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`UPDATE setting SET value = 'started' WHERE key = 'demo_build'`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	out.Reset()
	errb.Reset()
	code := run(context.Background(), args, env{stdout: &out, stderr: &errb, getenv: testEnv})
	msg := strings.TrimSpace(errb.String())
	if code != 1 || !strings.Contains(msg, "interrupted") || !strings.Contains(msg, "中断") || strings.Count(msg, "\n") > 0 {
		t.Errorf("demo on an interrupted build: code %d, stderr %q", code, msg)
	}
}
