// Package server assembles edubureau's HTTP server: the route tables of the
// web pages and the JSON API mounted on one ServeMux, the one guard that
// decides who may call each route, and the middleware every request passes.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"edubureau/api"
	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/config"
	"edubureau/db"
	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/importer"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/student"
	"edubureau/training"
	"edubureau/web"
)

// Server is the assembled application.
type Server struct {
	cfg     config.Config
	db      *db.DB
	log     *slog.Logger
	auth    *auth.Service
	audit   *audit.Log
	web     *web.UI
	api     *api.API
	results *enrol.ResultsDay // the published 中考 results, served from memory
	routes  []Mounted
	handler http.Handler
	// students is the student registry (nil without a keyring).
	students *student.Registry
	imports  *importer.Service
}

// ImportDir is where the server keeps uploads being imported and the
// reports of refused rows.
func ImportDir(cfg config.Config) string {
	if cfg.ImportDir != "" {
		return cfg.ImportDir
	}
	return filepath.Join(os.TempDir(), "edubureau-imports")
}

// Imports is the bulk import service.
func (s *Server) Imports() *importer.Service { return s.imports }

// Mounted is a route with the part of the application that serves it.
type Mounted struct {
	httpx.Route
	Part string // "web", "api" or "system"
}

// NewAuth is the sign-in service as the configuration sets it up. The
// keyring encrypts TOTP secrets at rest; it may be nil only in tests.
func NewAuth(cfg config.Config, d *db.DB, jurisdiction area.Area, ring *pii.Keyring) *auth.Service {
	a := auth.New(d)
	if cfg.PasswordMinLength > 0 {
		a.Policy = auth.Policy{MinLength: cfg.PasswordMinLength, Classes: cfg.PasswordClasses}
	}
	if cfg.LockoutAttempts > 0 {
		a.LockoutAttempts, a.LockoutDuration = cfg.LockoutAttempts, cfg.LockoutDuration
	}
	if cfg.SignInRatePerIP > 0 {
		a.SignInRate = cfg.SignInRatePerIP
	}
	if cfg.IdleTimeout > 0 {
		a.Idle, a.Absolute = cfg.IdleTimeout, cfg.SessionLifetime
	}
	a.RequireTOTPForAdmins = cfg.RequireTOTPForAdmins
	a.TOTPIssuer = jurisdiction.Name + "教育局"
	if ring != nil {
		a.Seal = func(p string) (string, error) { return ring.Encrypt(p, totpAAD) }
		a.Open = func(c string) (string, error) { return ring.Decrypt(c, totpAAD) }
	}
	return a
}

// totpAAD binds an encrypted TOTP secret to its column (see pii.Columns).
const totpAAD = "app_user.totp_secret"

// New builds the server on an open, migrated database whose areas are synced.
func New(cfg config.Config, d *db.DB, jurisdiction area.Area, ring *pii.Keyring, log *slog.Logger, version string) (*Server, error) {
	s := &Server{cfg: cfg, db: d, log: log, auth: NewAuth(cfg, d, jurisdiction, ring), audit: audit.New(d)}
	if cfg.AuditRetention > 0 {
		s.audit.Retention = cfg.AuditRetention
	}
	// Every sign-in, failure, lockout and change to users or tokens is audited.
	s.auth.OnEvent = func(ctx context.Context, tx db.Tx, ev auth.Event) error {
		e := audit.FromEvent(ev)
		e.RequestID = httpx.RequestID(ctx)
		if tx != nil {
			return s.audit.Record(ctx, tx, e) // with the change, in its transaction
		}
		s.appendAudit(ctx, e)
		return nil
	}
	schools := school.New(d)
	schools.Audit = s.audit
	cases, err := casework.New(d, casework.Shipped(casework.ConfigFor(jurisdiction.Name, cfg.CaseAbbrev))...)
	if err != nil {
		return nil, fmt.Errorf("case types: %w", err)
	}
	cases.Audit = s.audit
	// Approving a licensing case changes the school registry in the same
	// transaction; a training institution's approval also records its
	// supervised account.
	trainings := training.New(d, schools, cases)
	trainings.Audit = s.audit
	hooks := casework.RegistryHooks(schools)
	hooks[casework.TrainingLicence+"/approve"] = casework.Chain(hooks[casework.TrainingLicence+"/approve"], training.AccountHook(trainings))
	cases.Hooks = hooks
	// Deadlines count on the official calendar, including years imported since start.
	holder := calendar.HolderFor(d)
	cases.Calendar = func() *calendar.Calendar {
		c, err := holder.Calendar(context.Background())
		if err != nil {
			log.Error("calendar unavailable; using the built-in years", "err", err)
			return calendar.Default()
		}
		return c
	}
	// The student registry seals personal data: it needs the keyring.
	var students *student.Registry
	if ring != nil {
		students = student.New(d, ring)
		students.Audit, students.Schools = s.audit, schools
		students.CountsMaxAge = time.Minute // the dashboard's figures
	}
	s.students = students
	// Admissions: plans, zones, lotteries, the 中考 and its results day.
	office := enrol.New(d, schools, ring, jurisdiction.Code)
	office.Audit, office.Students = s.audit, students // the registry's leavers become applicants
	s.results = enrol.NewResultsDay(office, log)
	s.results.Poll = cfg.ResultsPoll
	s.results.Gate = enrol.NewGate(cfg.ResultsRate, enrol.DefaultConcurrency)
	// Bulk imports: schools, students when personal data can be sealed (the
	// same registry as the pages'), and the admission office's 中考 cohort
	// and senior-high plans.
	s.imports = importer.New(d, s.audit, ImportDir(cfg))
	for _, k := range []importer.Kind{student.ImportKind{Registry: students}, school.ImportKind{Registry: schools},
		enrol.ZhongkaoKind{Office: office}, enrol.SeniorPlanKind{Office: office}} {
		if err := s.imports.Register(k); err != nil {
			return nil, err
		}
	}
	secure := cfg.TLSCert != ""
	ui, err := web.New(web.Deps{DB: d, Schools: schools, Cases: cases, Training: trainings, Students: students, Auth: s.auth, Audit: s.audit, Jurisdiction: jurisdiction, Secure: secure, Version: version,
		Admissions: office, Results: s.results, Imports: s.imports, MaxUpload: cfg.MaxUpload})
	if err != nil {
		return nil, fmt.Errorf("web pages: %w", err)
	}
	s.web = ui
	s.api = api.New(api.Deps{DB: d, Schools: schools, Students: students, Auth: s.auth, Jurisdiction: jurisdiction, Version: version,
		Admissions: office, Results: s.results, Imports: s.imports})

	mux := http.NewServeMux()
	uploads := map[string]bool{} // routes whose bodies may reach cfg.MaxUpload
	mount := func(part string, rt httpx.Route, fail func(http.ResponseWriter, *http.Request, error)) {
		s.routes = append(s.routes, Mounted{Route: rt, Part: part})
		mux.Handle(rt.Method+" "+rt.Pattern, s.guard(rt, fail))
		if rt.Upload {
			uploads[rt.Method+" "+rt.Pattern] = true
		}
	}
	for _, rt := range []httpx.Route{
		{Method: "GET", Pattern: "/healthz", Access: httpx.Public, Handler: s.healthz},
		{Method: "GET", Pattern: "/readyz", Access: httpx.Public, Handler: s.readyz},
	} {
		mount("system", rt, s.api.Fail)
	}
	for _, rt := range ui.Routes() {
		mount("web", rt, ui.Fail)
	}
	for _, rt := range s.api.Routes() {
		mount("api", rt, s.api.Fail)
	}
	// Anything else: a 404 in the caller's language and format.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, fault.New(fault.NotFound, "找不到页面 %s", "no page at %s", r.URL.Path))
	})

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fault.New(fault.Forbidden, "拒绝跨站请求", "cross-origin request refused")
		s.appendAudit(r.Context(), audit.Entry{Action: "request.cross_origin", Outcome: audit.Denied, IP: httpx.ClientIP(r),
			RequestID: httpx.RequestID(r.Context()), RecordType: "route", RecordID: r.Method + " " + r.URL.Path,
			Detail: "Origin: " + r.Header.Get("Origin")})
		s.fail(w, r, err)
	}))
	var h http.Handler = mux
	h = httpx.LimitBodyBy(cfg.MaxBody, func(r *http.Request) int64 {
		if _, pattern := mux.Handler(r); uploads[pattern] {
			return cfg.MaxUpload
		}
		return 0
	}, h)
	h = csrf.Handler(h)
	h = httpx.SecurityHeaders(secure, h)
	h = httpx.Observe(log, h)
	s.handler = h
	return s, nil
}

// fail answers err in the format of the part of the application the path
// belongs to: problem+json under /api/, a page elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.api.Fail(w, r, err)
		return
	}
	s.web.Fail(w, r, err)
}

// Handler is the whole application as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes lists every mounted route (the authorisation matrix test walks it).
func (s *Server) Routes() []Mounted { return s.routes }

// Auth is the sign-in service.
func (s *Server) Auth() *auth.Service { return s.auth }

// Audit is the audit log.
func (s *Server) Audit() *audit.Log { return s.audit }

// Students is the student registry (nil when the server has no keyring).
func (s *Server) Students() *student.Registry { return s.students }

// Results is the public lookup of the published 中考 results.
func (s *Server) Results() *enrol.ResultsDay { return s.results }

// appendAudit records an entry of its own; a failure to record is logged
// loudly (the request itself has already been decided).
func (s *Server) appendAudit(ctx context.Context, e audit.Entry) {
	if err := s.audit.Append(ctx, e); err != nil {
		httpx.Logger(ctx).Error("audit append failed", "err", err, "action", e.Action)
	}
}

// guard is the one place that decides whether a request may reach a route:
// it finds the user (session cookie, or a Bearer token for machine clients),
// then checks the route's access and permission.
func (s *Server) guard(rt httpx.Route, fail func(http.ResponseWriter, *http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.authenticate(r)
		if err == nil {
			r = r.WithContext(auth.WithUser(r.Context(), u))
		}
		if rt.Access != httpx.Public {
			if err != nil {
				// A request that brought credentials which did not hold (an
				// expired or revoked session, a forged token) is recorded; one
				// that brought none is only sent to sign in.
				if r.Header.Get("Authorization") != "" || hasCookie(r, auth.CookieName) {
					s.appendAudit(r.Context(), audit.Entry{Action: "request.unauthenticated", Outcome: audit.Denied,
						IP: httpx.ClientIP(r), RequestID: httpx.RequestID(r.Context()), RecordType: "route",
						RecordID: rt.Method + " " + rt.Pattern, Detail: r.Method + " " + r.URL.Path})
				}
				fail(w, r, err)
				return
			}
			// A user who must first change their password or enrol a second
			// factor reaches only the pages that do that.
			if ok, goTo := auth.Allowed(u, rt.Method, rt.Pattern); !ok {
				if rt.Method == http.MethodGet && !strings.HasPrefix(rt.Pattern, "/api/") {
					http.Redirect(w, r, goTo, http.StatusSeeOther)
					return
				}
				fail(w, r, fault.New(fault.Forbidden, "请先修改密码或启用动态验证码", "change your password or enrol a second factor first"))
				return
			}
			if rt.Permission != "" && !u.Can(rt.Permission) {
				s.appendAudit(r.Context(), audit.Entry{Action: "request.denied", Outcome: audit.Denied, IP: httpx.ClientIP(r),
					RequestID: httpx.RequestID(r.Context()), RecordType: "route", RecordID: rt.Method + " " + rt.Pattern,
					Detail: "lacks " + rt.Permission + ": " + r.Method + " " + r.URL.Path}.ByActor(audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context()))))
				fail(w, r, fault.New(fault.Forbidden, "您没有“%s”权限", "you lack the permission %s", rt.Permission))
				return
			}
		}
		if rt.Access == httpx.Public {
			rt.Handler(w, r)
			return
		}
		// A signed-in request the handler refuses — a record that does not
		// exist or lies outside the user's scope (a guessed id), a body over
		// the limit, a permission checked by the handler itself — is recorded.
		sw := &statusRecorder{ResponseWriter: w}
		rt.Handler(sw, r)
		switch sw.status {
		case http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge:
			s.appendAudit(r.Context(), audit.Entry{Action: "request.refused", Outcome: audit.Denied, RecordType: "route",
				RecordID: rt.Method + " " + rt.Pattern, Detail: fmt.Sprintf("%d: %s %s", sw.status, r.Method, r.URL.Path)}.
				ByActor(audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context()))))
		}
	})
}

func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) authenticate(r *http.Request) (auth.User, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return auth.User{}, fault.New(fault.Unauthorized, "Authorization 头应为 Bearer 令牌", "the Authorization header must be a Bearer token")
		}
		token = strings.TrimSpace(token)
		// Machine clients use API tokens; people's programs may use their session token.
		if strings.HasPrefix(token, auth.TokenPrefix) {
			return s.auth.TokenUser(r.Context(), token, httpx.ClientIP(r))
		}
		return s.auth.Session(r.Context(), token)
	}
	c, err := r.Cookie(auth.CookieName)
	if err != nil {
		return auth.User{}, fault.New(fault.Unauthorized, "请先登录", "please sign in")
	}
	return s.auth.Session(r.Context(), c.Value)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 only when the database answers within two seconds.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.PingContext(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// Serve answers on ln until ctx ends, then stops accepting and lets requests
// in flight finish for up to the configured shutdown timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of large imports
		WriteTimeout:      5 * time.Minute, // exports
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// The published 中考 results: loaded now and whenever a new publication appears.
	rctx, stopResults := context.WithCancel(ctx)
	defer stopResults()
	go s.results.Run(rctx)
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" {
			srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			errc <- srv.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	// Imports running in the background stop, writing nothing, and say so in their records.
	s.imports.Stop(sctx)
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
