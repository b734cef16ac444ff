package mail

import (
	"context"
	"strings"
	"testing"

	"edubureau/mail/mailtest"
)

// TestSend delivers through a real SMTP exchange with the test server: over
// STARTTLS with a password, and in the clear to a local relay; Chinese in the
// subject and body arrives intact.
func TestSend(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Users = map[string]string{"notify": "s3cret-pass"}
	c := Config{Host: srv.Host, Port: srv.Port, User: "notify", Password: "s3cret-pass", From: "衡阳市教育局 <noreply@jyj.example.cn>",
		TLS: StartTLS, TLSConfig: srv.ClientTLS()}
	body := "张三，您好：\n以下案件需要您关注。\n" + strings.Repeat("衡教公〔2026〕12号 ", 20)
	if err := Send(context.Background(), c, Message{To: "zhang.san@jyj.example.cn", Subject: "案件提醒（2026-12-03）：逾期 1 件", Body: body}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if !m.TLS || m.User != "notify" || m.From != "noreply@jyj.example.cn" || len(m.To) != 1 || m.To[0] != "zhang.san@jyj.example.cn" {
		t.Errorf("envelope: %s", m)
	}
	if m.Subject != "案件提醒（2026-12-03）：逾期 1 件" || strings.ReplaceAll(m.Body, "\r\n", "\n") != body {
		t.Errorf("subject %q body %q", m.Subject, m.Body)
	}
	for _, h := range []string{"MIME-Version: 1.0", "Content-Transfer-Encoding: base64", "Message-ID: <", "Date: ", "Auto-Submitted: auto-generated"} {
		if !strings.Contains(m.Data, h) {
			t.Errorf("missing header %q", h)
		}
	}
	for _, line := range strings.Split(m.Data, "\r\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d bytes", len(line))
		}
	}

	// A wrong password, an unknown recipient, a server without STARTTLS when it is required.
	bad := c
	bad.Password = "wrong"
	if err := Send(context.Background(), bad, Message{To: "a@b.cn", Subject: "x", Body: "x"}); err == nil || !strings.Contains(err.Error(), "auth") {
		t.Errorf("a wrong password: %v", err)
	}
	srv.Reject = func(to string) bool { return to == "gone@jyj.example.cn" }
	if err := Send(context.Background(), c, Message{To: "gone@jyj.example.cn", Subject: "x", Body: "x"}); err == nil || !strings.Contains(err.Error(), "RCPT") {
		t.Errorf("a rejected recipient: %v", err)
	}
	untrusted := c
	untrusted.TLSConfig = nil // the test server's certificate is not trusted by default
	if err := Send(context.Background(), untrusted, Message{To: "a@b.cn", Subject: "x", Body: "x"}); err == nil {
		t.Error("an untrusted certificate was accepted")
	}

	relay := mailtest.Start(t)
	plain := Config{Host: relay.Host, Port: relay.Port, From: "noreply@jyj.example.cn", TLS: NoTLS}
	if err := Send(context.Background(), plain, Message{To: "li.si@jyj.example.cn", Subject: "提醒", Body: "正文"}); err != nil {
		t.Fatal(err)
	}
	if m := relay.Messages(); len(m) != 1 || m[0].TLS || m[0].Body != "正文" {
		t.Errorf("relay: %v", m)
	}
}

func TestConfigCheck(t *testing.T) {
	good := Config{Host: "smtp.example.cn", From: "noreply@jyj.example.cn"}
	if err := good.Check(); err != nil || good.port() != 587 {
		t.Errorf("good: %v port %d", err, good.port())
	}
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Host = "" }, "no SMTP host"},
		{func(c *Config) { c.TLS = "ssl" }, "TLS mode"},
		{func(c *Config) { c.From = "not an address" }, "sender"},
		{func(c *Config) { c.User = "u" }, "password"},
		{func(c *Config) { c.User, c.Password, c.TLS = "u", "p", NoTLS }, "unencrypted"},
		{func(c *Config) { c.Port = 70000 }, "port"},
	} {
		c := good
		tc.edit(&c)
		if err := c.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", c, err, tc.want)
		}
	}
	if (Config{Host: "h", TLS: TLS}).port() != 465 || (Config{Host: "h", TLS: NoTLS}).port() != 25 {
		t.Error("default ports")
	}
	if err := Send(context.Background(), good, Message{To: "a@b.cn", Subject: "a\r\nBcc: x@y.cn", Body: "x"}); err == nil {
		t.Error("a subject with a line break was accepted")
	}
}
