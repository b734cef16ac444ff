// Package mail sends plain-text e-mail through an SMTP server with the
// standard library's net/smtp: STARTTLS (submission, port 587), implicit TLS
// (port 465) or, for a relay on the bureau's own network, no TLS (port 25).
// Messages are UTF-8: the subject is RFC 2047-encoded, the body base64.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// TLS modes.
const (
	StartTLS = "starttls" // plain connection upgraded with STARTTLS (required)
	TLS      = "tls"      // TLS from the first byte (SMTPS)
	NoTLS    = "none"     // no encryption: only for a relay on a trusted network
)

// Config is where and how to send.
type Config struct {
	Host     string
	Port     int // 0: 587 for starttls, 465 for tls, 25 for none
	User     string
	Password string
	From     string // the sender's address, e.g. "衡阳市教育局 <noreply@jyj.example.cn>"
	TLS      string // StartTLS (default), TLS or NoTLS
	Timeout  time.Duration
	// TLSConfig, when set, replaces the default (tests trust their own
	// certificate with it).
	TLSConfig *tls.Config
}

// Configured reports whether a host is set.
func (c Config) Configured() bool { return c.Host != "" }

// Check validates the configuration, one problem per line-free error.
func (c Config) Check() error {
	if c.Host == "" {
		return errors.New("no SMTP host")
	}
	switch c.TLS {
	case "", StartTLS, TLS, NoTLS:
	default:
		return fmt.Errorf("TLS mode %q is not starttls, tls or none", c.TLS)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port %d is not from 1 to 65535", c.Port)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("sender %q is not an e-mail address", c.From)
	}
	if c.User != "" && c.Password == "" {
		return errors.New("an SMTP user needs a password")
	}
	if c.User != "" && c.mode() == NoTLS && !isLocal(c.Host) {
		return errors.New("refusing to send the SMTP password unencrypted: use starttls or tls")
	}
	return nil
}

func (c Config) mode() string {
	if c.TLS == "" {
		return StartTLS
	}
	return c.TLS
}

func (c Config) port() int {
	if c.Port != 0 {
		return c.Port
	}
	switch c.mode() {
	case TLS:
		return 465
	case NoTLS:
		return 25
	}
	return 587
}

func isLocal(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Message is one e-mail.
type Message struct {
	To      string
	Subject string
	Body    string // plain text
}

// Send delivers m through the configured server.
func Send(ctx context.Context, c Config, m Message) error {
	if err := c.Check(); err != nil {
		return err
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return err
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("recipient %q is not an e-mail address", m.To)
	}
	data, err := compose(from, to, m, time.Now())
	if err != nil {
		return err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.port()))
	tlsConf := c.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	}
	d := net.Dialer{}
	var conn net.Conn
	if c.mode() == TLS {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer cl.Close()
	if err := cl.Hello(helloName()); err != nil {
		return fmt.Errorf("smtp hello: %w", err)
	}
	if c.mode() == StartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%s does not offer STARTTLS (use --smtp-tls tls or none)", addr)
		}
		if err := cl.StartTLS(tlsConf); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if c.User != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Password, c.Host)); err != nil {
			return fmt.Errorf("smtp auth as %s: %w", c.User, err)
		}
	}
	if err := cl.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	if err := cl.Rcpt(to.Address); err != nil {
		return fmt.Errorf("smtp RCPT TO %s: %w", to.Address, err)
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	return cl.Quit()
}

func helloName() string {
	return "edubureau.localdomain"
}

// compose writes the message: headers (the subject and names RFC
// 2047-encoded) and the body in base64, lines of 76.
func compose(from, to *mail.Address, m Message, now time.Time) ([]byte, error) {
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("the subject has a line break")
	}
	id := make([]byte, 12)
	rand.Read(id)
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.BEncoding.Encode("utf-8", m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", `text/plain; charset="utf-8"`)
	header("Content-Transfer-Encoding", "base64")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String()), nil
}
