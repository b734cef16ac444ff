// Package httpx is what the web pages and the JSON API share: the route type
// (each package lists its routes; the server mounts them in one table), the
// middleware every request passes through, and the one mapping from a
// fault.Kind to an HTTP status.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"edubureau/fault"
)

// Access says who may call a route. The access issue adds named permissions.
type Access string

const (
	Public   Access = "public"    // anyone, signed in or not
	SignedIn Access = "signed_in" // any signed-in user
)

// Route is one entry of the route table: "GET /schools/{code}" and its handler.
type Route struct {
	Method  string
	Pattern string
	Access  Access
	// Permission, when set, is the named permission required (e.g. "school.edit").
	Permission string
	Handler    http.HandlerFunc
	// Upload lets the request body reach the server's upload limit (a bulk
	// import's file) instead of the ordinary body limit.
	Upload bool
}

// Status maps a fault kind to its HTTP status. This is the only place that decides.
func Status(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return http.StatusUnprocessableEntity
	case fault.Malformed:
		return http.StatusBadRequest
	case fault.Unsupported:
		return http.StatusUnsupportedMediaType
	case fault.Required:
		return http.StatusPreconditionRequired
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Precondition:
		return http.StatusPreconditionFailed
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.TooMany:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// LogError logs err when it is internal (a bug or a failure of a dependency);
// the user's own mistakes are not logged as errors.
func LogError(r *http.Request, err error) {
	if fault.KindOf(err) == fault.Internal && !errors.Is(err, context.Canceled) {
		Logger(r.Context()).Error("request failed", "err", err.Error(), "method", r.Method, "path", r.URL.Path)
	}
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyLogger
	keyQuiet
)

// Quiet lowers the access-log line of the request in ctx to debug: for
// routes that answer the public at a high rate (the results lookup), whose
// every line at info would flood the log.
func Quiet(ctx context.Context) {
	if q, ok := ctx.Value(keyQuiet).(*bool); ok {
		*q = true
	}
}

// RequestID returns the request's id ("" outside a request).
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(keyRequestID).(string)
	return s
}

// Logger returns the request's logger, carrying its id.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(keyLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observe gives every request an id (from X-Request-ID when it is sane), a
// logger carrying it, an access-log line, and turns a panic into a 500 that
// is logged with its stack but never shown.
func Observe(base *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
			id = newRequestID()
		}
		l := base.With("request_id", id)
		quiet := new(bool)
		ctx := context.WithValue(context.WithValue(context.WithValue(r.Context(), keyRequestID, id), keyLogger, l), keyQuiet, quiet)
		w.Header().Set("X-Request-ID", id)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				l.Error("panic", "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "500 internal server error (request "+id+")", http.StatusInternalServerError)
				}
			}
			level := slog.LevelInfo
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || strings.HasPrefix(r.URL.Path, "/static/") || *quiet {
				level = slog.LevelDebug
			}
			l.Log(ctx, level, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"bytes", sw.bytes, "ms", float64(time.Since(start).Microseconds())/1000, "ip", ClientIP(r))
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// SecurityHeaders sets the headers every response carries. The CSP allows no
// inline script: pages load their scripts from /static only.
func SecurityHeaders(tls bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if tls {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// LimitBody caps request bodies at max bytes; reading past it fails with
// *http.MaxBytesError, which handlers report as fault.TooLarge.
func LimitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// LimitBodyBy is LimitBody with a limit chosen per request: limit returns
// the cap for r, or 0 for max.
func LimitBodyBy(max int64, limit func(r *http.Request) int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := max
		if l := limit(r); l > 0 {
			n = l
		}
		if r.ContentLength > n {
			w.Header().Set("Connection", "close")
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

// BodyError turns an error from reading a request body into a fault: too large, or invalid.
func BodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fault.New(fault.TooLarge, "请求内容超过 %d 字节的上限", "the request body is over the limit of %d bytes", mbe.Limit)
	}
	return fault.New(fault.Invalid, "无法读取请求内容：%v", "cannot read the request body: %v", err)
}

// ClientIP is the peer's address (proxies are not trusted unless configured later).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
