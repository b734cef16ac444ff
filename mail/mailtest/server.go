// Package mailtest is a tiny SMTP server for tests: it listens on a free
// port of 127.0.0.1, speaks enough of RFC 5321 for net/smtp (EHLO, STARTTLS
// with a certificate made at start, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT), and keeps what it receives. It is not a mock of anything the
// program owns: the client under test talks real SMTP over TCP to it.
package mailtest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one message received.
type Message struct {
	From    string
	To      []string
	Data    string // as sent, headers and body
	Subject string // decoded
	Body    string // decoded (base64 bodies)
	TLS     bool   // it came over TLS
	User    string // the user it authenticated as, "" when none
}

// Server is the test server.
type Server struct {
	Addr string // 127.0.0.1:port
	Host string
	Port int
	// Users the server accepts (user → password); when empty, AUTH is not offered.
	Users map[string]string
	// Reject makes RCPT TO fail for addresses it returns true for (a 550).
	Reject func(to string) bool

	ln       net.Listener
	tls      *tls.Config
	pool     *x509.CertPool
	mu       sync.Mutex
	messages []Message
	wg       sync.WaitGroup
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, Addr: ln.Addr().String(), Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	s.tls, s.pool = selfSigned(t)
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// ClientTLS trusts the server's certificate.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.pool, ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// Messages returns what was received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			s.session(c)
		}()
	}
}

func (s *Server) session(c net.Conn) {
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	reply("220 mailtest ESMTP ready")
	var cur Message
	secure, user := false, ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"250-mailtest", "250-8BITMIME"}
			if !secure {
				ext = append(ext, "250-STARTTLS")
			}
			if len(s.Users) > 0 {
				ext = append(ext, "250-AUTH PLAIN")
			}
			for _, e := range ext {
				w.WriteString(e + "\r\n")
			}
			reply("250 SIZE 10240000")
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
			cur = Message{}
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") || len(s.Users) == 0 {
				reply("504 unrecognised authentication type")
				continue
			}
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if err != nil || len(parts) != 3 || s.Users[parts[1]] == "" || s.Users[parts[1]] != parts[2] {
				reply("535 authentication failed")
				continue
			}
			user = parts[1]
			reply("235 authenticated")
		case "MAIL":
			if len(s.Users) > 0 && user == "" {
				reply("530 authentication required")
				continue
			}
			cur = Message{From: addr(arg), TLS: secure, User: user}
			reply("250 ok")
		case "RCPT":
			to := addr(arg)
			if s.Reject != nil && s.Reject(to) {
				reply("550 no such mailbox")
				continue
			}
			cur.To = append(cur.To, to)
			reply("250 ok")
		case "DATA":
			if len(cur.To) == 0 {
				reply("503 no recipients")
				continue
			}
			reply("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			cur.Subject, cur.Body = decode(cur.Data)
			s.mu.Lock()
			s.messages = append(s.messages, cur)
			s.mu.Unlock()
			cur = Message{TLS: secure, User: user}
			reply("250 queued")
		case "RSET":
			cur = Message{TLS: secure, User: user}
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

func addr(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a = strings.TrimSpace(a)
	if i := strings.IndexByte(a, ' '); i >= 0 {
		a = a[:i]
	}
	return strings.Trim(a, "<>")
}

// decode reads the subject and a base64 (or plain) body of a message.
func decode(data string) (subject, body string) {
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		return "", ""
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	raw, _ := io.ReadAll(m.Body)
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "base64") {
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
		if err == nil {
			return subject, string(b)
		}
	}
	return subject, string(raw)
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailtest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool
}

// String describes a message for failures.
func (m Message) String() string {
	return fmt.Sprintf("from %s to %v tls %v user %q subject %q", m.From, m.To, m.TLS, m.User, m.Subject)
}
