package siem

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// rsyslog is an rsyslogd of the test's own, listening on loopback with
// imtcp and writing the fields it parsed from each message, one line each,
// to a file in the test's temporary directory. It touches nothing outside
// that directory: no imuxsock, no /dev/log, no /var/log.
type rsyslog struct {
	t     *testing.T
	addr  string
	out   string // the fields of each message
	jsonl string // the records, as the configuration in doc.go writes them
}

// rsyslogFields is the template of the output: the fields rsyslog parsed
// from the RFC 5424 message, separated by |, the message last.
const rsyslogFields = `%PRI%|%TIMESTAMP:::date-rfc3339%|%HOSTNAME%|%APP-NAME%|%PROCID%|%MSGID%|%STRUCTURED-DATA%|%msg%\n`

// startRsyslog starts rsyslogd, over TLS with a certificate made for the
// test when serverCert is set, and stops it when the test ends. Without
// rsyslogd on PATH the test is skipped, unless CI is set: there it fails,
// because .ci/run installs rsyslog.
func startRsyslog(t *testing.T, serverCert *tls.Certificate) *rsyslog {
	t.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("rsyslogd is not on PATH; CI must install rsyslog and rsyslog-gnutls (see .ci/run)")
		}
		t.Skip("rsyslogd is not on PATH (apt-get install rsyslog rsyslog-gnutls); CI runs this test")
	}
	dir := t.TempDir()
	r := &rsyslog{t: t, out: filepath.Join(dir, "received.log"), jsonl: filepath.Join(dir, "authgear-audit.jsonl")}
	portFile := filepath.Join(dir, "port")
	global := fmt.Sprintf(`workDirectory=%q maxMessageSize="64k"`, dir)
	module := `module(load="imtcp")`
	if serverCert != nil {
		certFile, keyFile := writeCert(t, dir, serverCert)
		global += fmt.Sprintf(` defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile=%q defaultNetstreamDriverCertFile=%q defaultNetstreamDriverKeyFile=%q`,
			certFile, certFile, keyFile)
		module = `module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")`
	}
	conf := fmt.Sprintf(`global(%s)
%s
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName=%q ruleset="received")
template(name="fields" type="string" string="%s")
template(name="authgear" type="string" string="%%msg%%\n")
ruleset(name="received") {
    action(type="omfile" file=%q template="fields")
    action(type="omfile" file=%q template="authgear")
}
*.* action(type="omfile" file=%q)
`, global, module, portFile, rsyslogFields, r.out, r.jsonl, filepath.Join(dir, "rsyslogd.log"))
	confFile := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-n", "-f", confFile, "-i", filepath.Join(dir, "rsyslogd.pid"))
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	stopWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("rsyslogd output:\n%s%s", stderr.String(), readFile(filepath.Join(dir, "rsyslogd.log")))
		}
	})
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if port, err := strconv.Atoi(strings.TrimSpace(readFile(portFile))); err == nil && port > 0 {
			// rsyslogd may write the port before its listener takes
			// connections: wait until one is accepted.
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				r.addr = addr
				return r
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("rsyslogd exited before it listened (%v):\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslogd did not listen within 15 s:\n%s", stderr.String())
		}
	}
}

func readFile(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

// waitLines waits until rsyslog wrote n lines and returns them; the wait is
// bounded so that a lost message fails the test instead of hanging it.
func (r *rsyslog) waitLines(file string, n int) []string {
	r.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		text := readFile(file)
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if text == "" {
			lines = nil
		}
		if len(lines) >= n || time.Now().After(deadline) {
			if len(lines) != n {
				r.t.Fatalf("rsyslog wrote %d lines, want %d:\n%s", len(lines), n, text)
			}
			return lines
		}
	}
}

// checkReceived proves that rsyslog parsed every RFC 5424 field of the
// messages of events as Send wrote them, and that the configuration in
// doc.go wrote their records one per line.
func (r *rsyslog) checkReceived(events []*auditlog.Event, hostname string) {
	t := r.t
	t.Helper()
	for i, line := range r.waitLines(r.jsonl, len(events)) {
		sameRecord(t, []byte(line), events[i])
	}
	for i, line := range r.waitLines(r.out, len(events)) {
		e := events[i]
		f := strings.SplitN(line, "|", 8)
		if len(f) != 8 {
			t.Errorf("line %d has %d fields: %s", i, len(f), line)
			continue
		}
		sev := map[level]string{levelInfo: "86", levelNotice: "85", levelWarning: "84"}[levelOf(e.ActivityType)]
		if f[0] != sev {
			t.Errorf("event %s: PRI %s, want %s (authpriv)", e.ID, f[0], sev)
		}
		if ts, err := time.Parse(time.RFC3339Nano, f[1]); err != nil || !ts.Equal(e.CreatedAt) {
			t.Errorf("event %s: TIMESTAMP %s, want %v", e.ID, f[1], e.CreatedAt)
		}
		if a, _ := auditlog.LookupActivity(e.ActivityType); f[2] != hostname || f[3] != "authgear" || f[4] != "-" || f[5] != a.Group {
			t.Errorf("event %s: HOSTNAME %q APP-NAME %q PROCID %q MSGID %q", e.ID, f[2], f[3], f[4], f[5])
		}
		sd := `[authgear@32473 id="` + e.ID + `" activityType="` + e.ActivityType + `"`
		if !strings.HasPrefix(f[6], sd) || !strings.HasSuffix(f[6], "]") {
			t.Errorf("event %s: STRUCTURED-DATA %s, want it to start %s", e.ID, f[6], sd)
		}
		if e.UserID != "" && !strings.Contains(f[6], ` userID="`+e.UserID+`"`) {
			t.Errorf("event %s: STRUCTURED-DATA %s lacks userID", e.ID, f[6])
		}
		sameRecord(t, []byte(f[7]), e)
	}
}

func TestSyslogToRsyslogTCP(t *testing.T) {
	rs := startRsyslog(t, nil)
	dialer, dials := countDials()
	s, err := DialSyslog(context.Background(), rs.addr, SyslogOptions{Hostname: "relay.example.com", Dialer: dialer})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := fixtures()
	// A record far larger than rsyslog's default 8 KB limit arrives whole
	// with the configuration documented in doc.go.
	large := *evs[0]
	large.ID = "0000000000130e00"
	large.Data = []byte(`{"pad":"` + strings.Repeat("é", 10000) + `"}`)
	evs = append(evs, &large)
	if err := s.Send(context.Background(), evs[:2]); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), evs[2:]); err != nil {
		t.Fatal(err)
	}
	rs.checkReceived(evs, "relay.example.com")
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections for two batches, want one", n)
	}
}

func TestSyslogToRsyslogTLS(t *testing.T) {
	cert := selfSigned(t)
	rs := startRsyslog(t, &cert)
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	dialer, dials := countDials()
	s, err := DialSyslog(context.Background(), rs.addr, SyslogOptions{TLS: &tls.Config{RootCAs: roots}, Hostname: "relay", Dialer: dialer})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Two batches: the second one checks the TLS connection is still
	// usable after Send's check for a closed connection.
	evs := fixtures()
	if err := s.Send(context.Background(), evs[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), evs[1:]); err != nil {
		t.Fatal(err)
	}
	rs.checkReceived(evs, "relay")
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections for two batches, want one", n)
	}

	// A client that does not trust the certificate never sends.
	_, err = DialSyslog(context.Background(), rs.addr, SyslogOptions{TLS: &tls.Config{}})
	if err == nil || !strings.Contains(err.Error(), "TLS with "+rs.addr) {
		t.Errorf("DialSyslog with an untrusted certificate = %v", err)
	}
}

// countDials returns a dialer that counts its connections.
func countDials() (func(ctx context.Context, network, addr string) (net.Conn, error), *atomic.Int32) {
	var n atomic.Int32
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}, &n
}

// selfSigned makes a certificate for 127.0.0.1 that is its own CA.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// writeCert writes c and its key as PEM files in dir.
func writeCert(t *testing.T, dir string, c *tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
