package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := Flags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return l.Load()
}

func TestDefaultsEnvFlags(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil || c.DB != "sqlite:edubureau.db" || c.Addr != "127.0.0.1:8080" || c.MaxBody != 10<<20 || c.ShutdownTimeout != 15*time.Second {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = load(t, nil, map[string]string{"EDUBUREAU_ADDR": "0.0.0.0:9000", "EDUBUREAU_JURISDICTION": "310105"})
	if err != nil || c.Addr != "0.0.0.0:9000" || c.Jurisdiction != "310105" {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = load(t, []string{"--addr", "127.0.0.1:0", "--jurisdiction", "430400"}, map[string]string{"EDUBUREAU_ADDR": "0.0.0.0:9000"})
	if err != nil || c.Addr != "127.0.0.1:0" || c.Jurisdiction != "4304" {
		t.Fatalf("flag should win: %+v %v", c, err)
	}
}

func TestBadValuesOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--db", "mysql://x"}, nil, "bad --db"},
		{nil, map[string]string{"EDUBUREAU_DB": "oracle:x"}, "bad EDUBUREAU_DB"},
		{[]string{"--addr", "8080"}, nil, "bad --addr"},
		{[]string{"--addr", "x:99999"}, nil, "bad --addr"},
		{[]string{"--jurisdiction", "430000"}, nil, "bad --jurisdiction"},
		{nil, map[string]string{"EDUBUREAU_LOG_LEVEL": "loud"}, "bad EDUBUREAU_LOG_LEVEL"},
		{[]string{"--max-body", "lots"}, nil, "bad --max-body"},
		{[]string{"--shutdown-timeout", "-1s"}, nil, "bad --shutdown-timeout"},
		{[]string{"--tls-cert", "x.pem"}, nil, "TLS"},
		{[]string{"--log-format", "xml"}, nil, "bad --log-format"},
		{[]string{"--case-abbrev", "衡阳市教育"}, nil, "bad --case-abbrev"},
		{[]string{"--smtp-tls", "ssl"}, nil, "bad --smtp-tls"},
		{[]string{"--smtp-port", "70000"}, nil, "bad --smtp-port"},
		{[]string{"--smtp-from", "noreply"}, nil, "bad --smtp-from"},
		{[]string{"--smtp-host", "smtp.example.cn"}, nil, "bad SMTP settings"},                                              // no sender
		{[]string{"--smtp-host", "smtp.example.cn", "--smtp-from", "a@b.cn", "--smtp-user", "u"}, nil, "bad SMTP settings"}, // no password
		{nil, map[string]string{"EDUBUREAU_SMTP_HOST": "smtp.example.cn", "EDUBUREAU_SMTP_FROM": "a@b.cn", "EDUBUREAU_SMTP_USER": "u",
			"EDUBUREAU_SMTP_PASSWORD": "p", "EDUBUREAU_SMTP_TLS": "none"}, "bad SMTP settings"}, // a password in the clear
		{[]string{"--smtp-host", "smtp.example.cn:25"}, nil, "bad --smtp-host"},
		{[]string{"--public-url", "ftp://jyj.example.cn"}, nil, "bad --public-url"},
	} {
		_, err := load(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v %v: want one line with %q, got %v", tc.args, tc.env, tc.want, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "512KB": 512 << 10, "10MB": 10 << 20, "1gb": 1 << 30} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0", "-5MB", "MB", "1.5MB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAccessSettings(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil || c.LockoutAttempts != 5 || c.LockoutDuration != 15*time.Minute || c.IdleTimeout != 30*time.Minute ||
		c.SessionLifetime != 12*time.Hour || c.PasswordMinLength != 10 || c.PasswordClasses != 3 || c.AuditRetention != 180*24*time.Hour {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range [][]string{
		{"--audit-retention", "720h"}, {"--lockout-attempts", "0"}, {"--password-classes", "5"}, {"--require-totp-for-admins", "maybe"},
	} {
		if _, err := load(t, bad, nil); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestSMTPSettings(t *testing.T) {
	c, err := load(t, []string{"--smtp-host", "smtp.example.cn", "--smtp-from", "衡阳市教育局 <noreply@jyj.example.cn>", "--public-url", "https://jyj.example.cn/"},
		map[string]string{"EDUBUREAU_SMTP_USER": "notify", "EDUBUREAU_SMTP_PASSWORD": "s3cret", "EDUBUREAU_SMTP_TLS": "tls"})
	if err != nil {
		t.Fatal(err)
	}
	m := c.Mail()
	if !m.Configured() || m.User != "notify" || m.Password != "s3cret" || m.TLS != "tls" || m.Port != 0 || c.PublicURL != "https://jyj.example.cn" {
		t.Errorf("%+v %q", m, c.PublicURL)
	}
	if c, _ := load(t, nil, nil); c.Mail().Configured() || c.SMTPTLS != "starttls" {
		t.Errorf("defaults: %+v", c.Mail())
	}
}
