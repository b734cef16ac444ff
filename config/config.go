// Package config is edubureau's configuration: each setting is a command-line
// flag whose default comes from an EDUBUREAU_… environment variable, typed and
// checked at start so that a bad value stops start-up with one clear line.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/area"
	"edubureau/db"
	"edubureau/mail"
)

// Config holds every setting of the server.
type Config struct {
	DB              string        // sqlite:PATH or postgres://…
	Addr            string        // HOST:PORT to listen on
	Jurisdiction    string        // the bureau's area code (city 430400 or district 310105); "" = as recorded in the database
	LogFormat       string        // auto | text | json
	LogLevel        slog.Level    // debug | info | warn | error
	TLSCert         string        // PEM certificate file: serve HTTPS when set (with TLSKey)
	TLSKey          string        // PEM private key file
	MaxBody         int64         // bytes a request body may have
	ShutdownTimeout time.Duration // how long in-flight requests may finish on SIGTERM
	AdminUser       string        // the first administrator's user name
	AdminPassword   string        // the first administrator's password ("" = generate and print once)

	// Personal data at rest (package pii).
	KeyFile string // file holding the master key when EDUBUREAU_KEY is not set

	// Sign-in and sessions (package auth).
	LockoutAttempts      int           // failed sign-ins in a row that lock an account
	LockoutDuration      time.Duration // how long a locked account stays locked
	SignInRatePerIP      int           // sign-in attempts one IP address may make per minute, across accounts
	IdleTimeout          time.Duration // a session unused this long ends
	SessionLifetime      time.Duration // a session ends this long after sign-in, used or not
	PasswordMinLength    int           // password policy: at least this many characters
	PasswordClasses      int           // password policy: of lower, upper, digit, symbol, at least this many
	RequireTOTPForAdmins bool          // administrators must enrol a TOTP second factor

	// The audit log (package audit).
	AuditRetention time.Duration // entries younger than this are never purged (at least 180 days)

	// Bulk imports (package importer): the largest file an upload may bring,
	// and the directory that keeps uploads being imported and the reports of
	// refused rows ("" is edubureau-imports in the system's temporary directory).
	MaxUpload int64
	ImportDir string

	// Admissions, results day: the public lookup of the 中考 results.
	ResultsRate int           // lookups one instance admits a second before answering 429 (0: no limit)
	ResultsPoll time.Duration // how often an instance checks for a new publication

	// Casework: the bureau's abbreviation that begins its case numbers (衡 in
	// 衡教许〔2026〕12号); "" takes the first character of the jurisdiction's name.
	CaseAbbrev string

	// E-mail (package mail): the casework reminders (`edubureau cases
	// remind`) go out through this SMTP server when SMTPHost is set.
	SMTPHost     string
	SMTPPort     int    // 0: by SMTPTLS, 587 / 465 / 25
	SMTPUser     string // "" sends without authentication
	SMTPPassword string
	SMTPFrom     string // the sender, e.g. 衡阳市教育局 <noreply@jyj.example.cn>
	SMTPTLS      string // starttls | tls | none
	// PublicURL is the address users reach the server at, for links in
	// e-mails (https://jyj.example.cn); "" leaves links out.
	PublicURL string
}

// Mail is the SMTP configuration for package mail.
func (c Config) Mail() mail.Config {
	return mail.Config{Host: c.SMTPHost, Port: c.SMTPPort, User: c.SMTPUser, Password: c.SMTPPassword, From: c.SMTPFrom, TLS: c.SMTPTLS}
}

type setting struct {
	flag, env, def, help string
	set                  func(c *Config, v string) error
}

var settings = []setting{
	{"db", "EDUBUREAU_DB", "sqlite:edubureau.db", "database: sqlite:PATH or postgres://USER@HOST:PORT/DB", func(c *Config, v string) error {
		if _, _, _, err := db.ParseDSN(v); err != nil {
			return err
		}
		c.DB = v
		return nil
	}},
	{"addr", "EDUBUREAU_ADDR", "127.0.0.1:8080", "address to listen on, HOST:PORT (port 0 picks a free one)", func(c *Config, v string) error {
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			return fmt.Errorf("%q is not HOST:PORT", v)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return fmt.Errorf("port %q is not a number from 0 to 65535", port)
		}
		_ = host
		c.Addr = v
		return nil
	}},
	{"jurisdiction", "EDUBUREAU_JURISDICTION", "", "the bureau's area: a city (430400) or a county-level division (310105); default: as recorded in the database, else 430400", func(c *Config, v string) error {
		if v == "" {
			c.Jurisdiction = ""
			return nil
		}
		a, err := area.Jurisdiction(v)
		if err != nil {
			return err
		}
		c.Jurisdiction = a.Code
		return nil
	}},
	{"log-format", "EDUBUREAU_LOG_FORMAT", "auto", "log format: auto (text on a terminal, JSON otherwise), text or json", func(c *Config, v string) error {
		switch v {
		case "auto", "text", "json":
			c.LogFormat = v
			return nil
		}
		return fmt.Errorf("%q is not auto, text or json", v)
	}},
	{"log-level", "EDUBUREAU_LOG_LEVEL", "info", "log level: debug, info, warn or error", func(c *Config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{"tls-cert", "EDUBUREAU_TLS_CERT", "", "TLS certificate file (PEM); with --tls-key, serve HTTPS", func(c *Config, v string) error {
		c.TLSCert = v
		return nil
	}},
	{"tls-key", "EDUBUREAU_TLS_KEY", "", "TLS private key file (PEM)", func(c *Config, v string) error {
		c.TLSKey = v
		return nil
	}},
	{"max-body", "EDUBUREAU_MAX_BODY", "10MB", "largest request body, e.g. 512KB, 10MB (imports stream larger files through their own limit)", func(c *Config, v string) error {
		n, err := ParseSize(v)
		if err != nil {
			return err
		}
		c.MaxBody = n
		return nil
	}},
	{"max-upload", "EDUBUREAU_MAX_UPLOAD", "4GB", "largest file a bulk import may upload, e.g. 500MB, 4GB", func(c *Config, v string) error {
		n, err := ParseSize(v)
		if err != nil {
			return err
		}
		c.MaxUpload = n
		return nil
	}},
	{"import-dir", "EDUBUREAU_IMPORT_DIR", "", "directory for uploads being imported and the reports of refused rows (default: edubureau-imports in the temporary directory); it holds personal data, mode 0700", func(c *Config, v string) error {
		c.ImportDir = v
		return nil
	}},
	{"shutdown-timeout", "EDUBUREAU_SHUTDOWN_TIMEOUT", "15s", "how long requests in flight may finish after SIGTERM", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration such as 15s", v)
		}
		c.ShutdownTimeout = d
		return nil
	}},
	{"admin-user", "EDUBUREAU_ADMIN_USER", "admin", "user name of the first administrator, created when there are no users", func(c *Config, v string) error {
		if v == "" {
			return errors.New("must not be empty")
		}
		c.AdminUser = v
		return nil
	}},
	{"admin-password", "EDUBUREAU_ADMIN_PASSWORD", "", "password of the first administrator (default: generated and printed once)", func(c *Config, v string) error {
		c.AdminPassword = v
		return nil
	}},
	{"key-file", "EDUBUREAU_KEY_FILE", "", "file with the master key for personal data (when EDUBUREAU_KEY is not set); outside the demo one of the two is required", func(c *Config, v string) error {
		c.KeyFile = v
		return nil
	}},
	{"lockout-attempts", "EDUBUREAU_LOCKOUT_ATTEMPTS", "5", "failed sign-ins in a row that lock an account", intSetting(1, 100, func(c *Config, n int) { c.LockoutAttempts = n })},
	{"lockout-duration", "EDUBUREAU_LOCKOUT_DURATION", "15m", "how long a locked account stays locked", durationSetting(time.Minute, 24*time.Hour, func(c *Config, d time.Duration) { c.LockoutDuration = d })},
	{"signin-rate", "EDUBUREAU_SIGNIN_RATE", "20", "sign-in attempts one IP address may make per minute, across accounts", intSetting(1, 10000, func(c *Config, n int) { c.SignInRatePerIP = n })},
	{"idle-timeout", "EDUBUREAU_IDLE_TIMEOUT", "30m", "a session unused this long ends", durationSetting(time.Minute, 24*time.Hour, func(c *Config, d time.Duration) { c.IdleTimeout = d })},
	{"session-lifetime", "EDUBUREAU_SESSION_LIFETIME", "12h", "a session ends this long after sign-in, used or not", durationSetting(time.Minute, 30*24*time.Hour, func(c *Config, d time.Duration) { c.SessionLifetime = d })},
	{"password-min-length", "EDUBUREAU_PASSWORD_MIN_LENGTH", "10", "password policy: at least this many characters", intSetting(8, 128, func(c *Config, n int) { c.PasswordMinLength = n })},
	{"password-classes", "EDUBUREAU_PASSWORD_CLASSES", "3", "password policy: how many of lower case, upper case, digits, symbols", intSetting(1, 4, func(c *Config, n int) { c.PasswordClasses = n })},
	{"require-totp-for-admins", "EDUBUREAU_REQUIRE_TOTP_FOR_ADMINS", "false", "administrators must enrol a TOTP second factor (true/false)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		c.RequireTOTPForAdmins = b
		return nil
	}},
	{"case-abbrev", "EDUBUREAU_CASE_ABBREV", "", "the bureau's abbreviation that begins case numbers (衡 in 衡教许〔2026〕12号); default: the first character of the jurisdiction's name", func(c *Config, v string) error {
		if n := utf8.RuneCountInString(v); n > 4 {
			return fmt.Errorf("%q is longer than 4 characters", v)
		}
		c.CaseAbbrev = v
		return nil
	}},
	{"smtp-host", "EDUBUREAU_SMTP_HOST", "", "SMTP server for e-mail reminders; empty: no e-mail", func(c *Config, v string) error {
		if strings.ContainsAny(v, " /:@") {
			return fmt.Errorf("%q is not a host name or address", v)
		}
		c.SMTPHost = v
		return nil
	}},
	{"smtp-port", "EDUBUREAU_SMTP_PORT", "0", "SMTP port; 0: 587 for starttls, 465 for tls, 25 for none", intSetting(0, 65535, func(c *Config, n int) { c.SMTPPort = n })},
	{"smtp-user", "EDUBUREAU_SMTP_USER", "", "SMTP user name; empty: no authentication", func(c *Config, v string) error {
		c.SMTPUser = v
		return nil
	}},
	{"smtp-password", "EDUBUREAU_SMTP_PASSWORD", "", "SMTP password (prefer the environment variable: flags show in the process list)", func(c *Config, v string) error {
		c.SMTPPassword = v
		return nil
	}},
	{"smtp-from", "EDUBUREAU_SMTP_FROM", "", "sender of e-mails, e.g. '衡阳市教育局 <noreply@jyj.example.cn>'", func(c *Config, v string) error {
		if v != "" {
			if _, err := netmail.ParseAddress(v); err != nil {
				return fmt.Errorf("%q is not an e-mail address", v)
			}
		}
		c.SMTPFrom = v
		return nil
	}},
	{"smtp-tls", "EDUBUREAU_SMTP_TLS", "starttls", "SMTP encryption: starttls (port 587), tls (port 465) or none (a relay on a trusted network)", func(c *Config, v string) error {
		switch v {
		case mail.StartTLS, mail.TLS, mail.NoTLS:
			c.SMTPTLS = v
			return nil
		}
		return fmt.Errorf("%q is not starttls, tls or none", v)
	}},
	{"public-url", "EDUBUREAU_PUBLIC_URL", "", "the address users reach the server at, for links in e-mails (https://jyj.example.cn)", func(c *Config, v string) error {
		if v == "" {
			c.PublicURL = ""
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("%q is not an http(s) address such as https://jyj.example.cn", v)
		}
		c.PublicURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"results-rate", "EDUBUREAU_RESULTS_RATE", "20000", "public 中考 result lookups one instance admits a second; beyond it answers 429 with Retry-After at once (0: no limit)", intSetting(0, 10000000, func(c *Config, n int) { c.ResultsRate = n })},
	{"results-poll", "EDUBUREAU_RESULTS_POLL", "5s", "how often an instance checks for a new publication of the 中考 results to load", durationSetting(100*time.Millisecond, time.Hour, func(c *Config, d time.Duration) { c.ResultsPoll = d })},
	{"audit-retention", "EDUBUREAU_AUDIT_RETENTION", "4320h", "audit entries younger than this are never purged; at least 180 days (4320h)", durationSetting(180*24*time.Hour, 100*365*24*time.Hour, func(c *Config, d time.Duration) { c.AuditRetention = d })},
}

func intSetting(min, max int, set func(*Config, int)) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			return fmt.Errorf("%q is not a whole number from %d to %d", v, min, max)
		}
		set(c, n)
		return nil
	}
}

func durationSetting(min, max time.Duration, set func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < min || d > max {
			return fmt.Errorf("%q is not a duration from %s to %s (e.g. 15m, 12h)", v, min, max)
		}
		set(c, d)
		return nil
	}
}

// Flags registers the settings named in only (all when empty) on fs, with
// defaults from the environment. Call Load after fs.Parse.
func Flags(fs *flag.FlagSet, getenv func(string) string, only ...string) *Loader {
	l := &Loader{fs: fs, getenv: getenv, values: map[string]*string{}}
	for _, s := range settings {
		if len(only) > 0 && !contains(only, s.flag) {
			continue
		}
		v := new(string)
		*v = s.def
		l.values[s.flag] = v
		fs.StringVar(v, s.flag, s.def, fmt.Sprintf("%s (env %s)", s.help, s.env))
	}
	return l
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Loader turns parsed flags and the environment into a Config.
type Loader struct {
	fs     *flag.FlagSet
	getenv func(string) string
	values map[string]*string
}

// Load applies, for each setting: the flag when given, else the environment
// variable when set, else the default; and checks each value. The error is one
// line naming the flag or variable at fault.
func (l *Loader) Load() (Config, error) {
	given := map[string]bool{}
	l.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var c Config
	// Every setting gets its default first, so a Config is complete even for
	// commands that register only some flags.
	for _, s := range settings {
		if err := s.set(&c, s.def); err != nil {
			return Config{}, fmt.Errorf("default of --%s: %v", s.flag, err)
		}
	}
	for _, s := range settings {
		v, registered := l.values[s.flag]
		if !registered {
			continue
		}
		source := "--" + s.flag
		value := *v
		if !given[s.flag] {
			if e := l.getenv(s.env); e != "" {
				value, source = e, s.env
			}
		}
		if err := s.set(&c, strings.TrimSpace(value)); err != nil {
			return Config{}, fmt.Errorf("bad %s: %v", source, err)
		}
	}
	if c.SMTPHost != "" {
		if err := c.Mail().Check(); err != nil {
			return Config{}, fmt.Errorf("bad SMTP settings: %v", err)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return Config{}, errors.New("bad TLS settings: give both --tls-cert and --tls-key, or neither")
	}
	for _, f := range []string{c.TLSCert, c.TLSKey} {
		if f != "" {
			if _, err := os.Stat(f); err != nil {
				return Config{}, fmt.Errorf("bad TLS settings: cannot read %s", f)
			}
		}
	}
	return c, nil
}

// ParseSize reads a byte size such as 1024, 512KB, 10MB, 1GB (powers of 1024).
func ParseSize(s string) (int64, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, x := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(u, x.suffix) {
			u, mult = strings.TrimSpace(strings.TrimSuffix(u, x.suffix)), x.m
			break
		}
	}
	n, err := strconv.ParseInt(u, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size such as 512KB or 10MB", s)
	}
	return n * mult, nil
}

// Logger builds the process logger: text on a terminal, JSON otherwise (auto).
func (c Config) Logger(w io.Writer, isTerminal bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" || (c.LogFormat == "auto" && isTerminal) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
