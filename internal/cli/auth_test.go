package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

var okLine = regexp.MustCompile(`^ok: the Admin API accepted the credentials \(\d+ ms\)$`)

func TestAuthCheck(t *testing.T) {
	s := adminapitest.New(t)
	keyFile := s.KeyFile(t)
	dir := t.TempDir()

	looseKey := filepath.Join(dir, "loose.pem")
	if err := adminapitest.WriteKeyFile(looseKey, s.PrivateKeyPEM(true)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(looseKey, 0o644); err != nil {
		t.Fatal(err)
	}
	ecKey := filepath.Join(dir, "ec.pem")
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ecKey, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}

	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><body><h1>Not Found</h1></body></html>"))
	}))
	t.Cleanup(html.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/_api/admin/graphql"
	ln.Close()

	token := s.Token(time.Hour)
	conn := []string{"--endpoint", s.Endpoint(), "--project", s.ProjectID()}
	withKey := append(append([]string{}, conn...), "--key-id", s.KeyID(), "--key-file", keyFile)
	args := func(base []string, more ...string) []string { return append(append([]string{}, base...), more...) }

	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		stdin  string
		code   int
		stdout []string // lines, exactly; "ok" stands for the ok line
		stderr []string // lines, exactly
		has    string   // for exit 4: what the one error line says
	}{
		{
			name:   "ok with a key",
			args:   args(withKey, "auth", "check"),
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   " + s.KeyID(), "key file: " + keyFile, "ok"},
		},
		{
			name:   "doctor",
			args:   args(withKey, "doctor"),
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   " + s.KeyID(), "key file: " + keyFile, "ok"},
		},
		{
			name: "ok from the environment",
			args: []string{"auth", "check"},
			env: map[string]string{"AUTHGEAR_AUDIT_ENDPOINT": s.Endpoint(), "AUTHGEAR_AUDIT_PROJECT": s.ProjectID(),
				"AUTHGEAR_AUDIT_KEY_ID": s.KeyID(), "AUTHGEAR_AUDIT_KEY_FILE": keyFile},
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   " + s.KeyID(), "key file: " + keyFile, "ok"},
		},
		{
			name:   "token from stdin",
			args:   args(conn, "--token-file", "-", "auth", "check"),
			stdin:  "\n" + token + "\n",
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   token", "token:    from stdin", "ok"},
		},
		{
			name:   "token from env",
			args:   args(conn, "auth", "check"),
			env:    map[string]string{"AUTHGEAR_AUDIT_TOKEN": token},
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   token", "token:    from AUTHGEAR_AUDIT_TOKEN", "ok"},
		},
		{
			name:   "token on the command line warns",
			args:   args(conn, "--token", token, "auth", "check"),
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   token", "token:    from --token", "ok"},
			stderr: []string{"warning: --token is visible to other users in ps; prefer --token-file or AUTHGEAR_AUDIT_TOKEN"},
		},
		{
			name:   "world-readable key file warns",
			args:   args(conn, "--key-id", s.KeyID(), "--key-file", looseKey, "auth", "check"),
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   " + s.KeyID(), "key file: " + looseKey, "ok"},
			stderr: []string{"warning: key file " + looseKey + " is readable by other users (mode 0644): run chmod 600 " + looseKey},
		},
		{
			name:   "wrong key ID is refused",
			args:   args(conn, "--key-id", "not-the-key", "--key-file", keyFile, "auth", "check"),
			code:   ExitCredentials,
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   not-the-key", "key file: " + keyFile},
			stderr: []string{"authgear-audit: the Admin API refused the credentials: check the project ID, key ID and key file"},
		},
		{
			name:   "refused token from --token",
			args:   args(conn, "--token", "not-a-token", "auth", "check"),
			code:   ExitCredentials,
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   token", "token:    from --token"},
			stderr: []string{"warning: --token is visible to other users in ps; prefer --token-file or AUTHGEAR_AUDIT_TOKEN",
				"authgear-audit: the Admin API refused the token from --token: check the token: it must be an Admin API token for this project, signed with a key the project still has, and not expired"},
		},
		{
			name:   "refused token from the environment",
			args:   args(conn, "auth", "check"),
			env:    map[string]string{"AUTHGEAR_AUDIT_TOKEN": "not-a-token"},
			code:   ExitCredentials,
			stdout: []string{"endpoint: " + s.Endpoint(), "project:  " + s.ProjectID(), "key ID:   token", "token:    from AUTHGEAR_AUDIT_TOKEN"},
			stderr: []string{"authgear-audit: the Admin API refused the token from AUTHGEAR_AUDIT_TOKEN: check the token: it must be an Admin API token for this project, signed with a key the project still has, and not expired"},
		},
		{
			name: "not a GraphQL endpoint",
			args: []string{"--endpoint", html.URL + "/_api/admin/graphql", "--project", "p", "--key-id", "k", "--key-file", keyFile,
				"--max-retries", "0", "auth", "check"},
			code: ExitAPI,
			has:  "did not answer as a GraphQL API (HTTP 404, text/html): check --endpoint",
		},
		{
			name: "connection refused",
			args: []string{"--endpoint", refused, "--project", "p", "--key-id", "k", "--key-file", keyFile, "--max-retries", "0", "auth", "check"},
			code: ExitAPI,
			has:  "cannot connect to 127.0.0.1:",
		},
		{
			name:   "missing key file",
			args:   args(conn, "--key-id", "k", "--key-file", filepath.Join(dir, "nope.pem"), "auth", "check"),
			code:   ExitUsage,
			stderr: []string{"authgear-audit: key file " + filepath.Join(dir, "nope.pem") + " does not exist: check --key-file"},
		},
		{
			name:   "EC key file",
			args:   args(conn, "--key-id", "k", "--key-file", ecKey, "auth", "check"),
			code:   ExitUsage,
			stderr: []string{"authgear-audit: key file " + ecKey + " holds an ECDSA key; the Admin API needs the project's RSA key (RS256)"},
		},
		{
			name:   "missing project",
			args:   []string{"--key-id", "k", "--key-file", keyFile, "auth", "check"},
			code:   ExitUsage,
			stderr: []string{"authgear-audit: no project: pass --project, set AUTHGEAR_AUDIT_PROJECT, or add it to a profile (authgear-audit config add)"},
		},
		{
			name:   "empty token on stdin",
			args:   args(conn, "--token-file", "-", "auth", "check"),
			stdin:  "  \n",
			code:   ExitUsage,
			stderr: []string{"authgear-audit: no token in stdin (--token-file): it is empty"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.name, "world-readable") && runtime.GOOS == "windows" {
				t.Skip("no modes on Windows")
			}
			app, out, errb := newTestApp(t, tt.env)
			app.IO.In = strings.NewReader(tt.stdin)
			code := runApp(t, app, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errb)
			}
			if strings.Contains(out.String()+errb.String(), token) {
				t.Errorf("the token was printed")
			}
			if tt.stdout != nil {
				got := stderrLines(out)
				if len(got) != len(tt.stdout) {
					t.Fatalf("stdout:\n%s\nwant %d lines:\n%s", out, len(tt.stdout), strings.Join(tt.stdout, "\n"))
				}
				for i, want := range tt.stdout {
					if want == "ok" && okLine.MatchString(got[i]) {
						continue
					}
					if got[i] != want {
						t.Errorf("stdout line %d = %q, want %q", i+1, got[i], want)
					}
				}
			}
			if tt.code == ExitAPI {
				// One line that says what went wrong, nothing on stdout but
				// the report.
				lines := stderrLines(errb)
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "authgear-audit: ") || !strings.Contains(lines[0], tt.has) {
					t.Errorf("stderr:\n%s\nwant one error line saying %q", errb, tt.has)
				}
				return
			}
			if got := stderrLines(errb); strings.Join(got, "\n") != strings.Join(tt.stderr, "\n") {
				t.Errorf("stderr:\n%s\nwant:\n%s", errb, strings.Join(tt.stderr, "\n"))
			}
		})
	}
}

// The key ID and project can come from a profile; auth check names it.
func TestAuthCheckWithProfile(t *testing.T) {
	s := adminapitest.New(t)
	keyFile := s.KeyFile(t)
	env, _ := configEnv(t, "profiles:\n  default:\n    endpoint: "+s.Endpoint()+"\n    project: "+s.ProjectID()+
		"\n    key_id: "+s.KeyID()+"\n    key_file: "+keyFile+"\n", nil)
	app, out, errb := newTestApp(t, env)
	if code := runApp(t, app, "auth", "check"); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := stderrLines(out)
	if len(lines) != 6 || lines[4] != "profile:  default" || !okLine.MatchString(lines[5]) {
		t.Errorf("stdout:\n%s", out)
	}
}
