package adminapi

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultEndpoint(t *testing.T) {
	if got, want := DefaultEndpoint("myapp"), "https://myapp.authgear.cloud/_api/admin/graphql"; got != want {
		t.Fatalf("DefaultEndpoint = %q, want %q", got, want)
	}
}

func TestNewValidates(t *testing.T) {
	dir := t.TempDir()
	keyFile := writeFile(t, dir, "key.pem", pemBytes("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaTestKey()), nil), 0o600)
	notCA := writeFile(t, dir, "ca.pem", []byte("not a certificate\n"), 0o644)
	keyed := func(o Options) Options {
		o.ProjectID, o.KeyID, o.KeyFile = "myapp", "kid1", keyFile
		return o
	}
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"no project", Options{KeyID: "k", KeyFile: keyFile}, "no project ID: pass --project, set AUTHGEAR_AUDIT_PROJECT, or set project in the profile"},
		{"no key id", Options{ProjectID: "p", KeyFile: keyFile}, "no key ID: pass --key-id"},
		{"no key file", Options{ProjectID: "p", KeyID: "k"}, "no key file: pass --key-file"},
		{"bad project", Options{ProjectID: "my/app", Token: "t"}, "invalid --project"},
		{"token without endpoint or project", Options{Token: "t"}, "no endpoint: pass --endpoint"},
		{"relative endpoint", keyed(Options{Endpoint: "/graphql"}), "invalid --endpoint \"/graphql\": want an absolute http(s) URL"},
		{"ftp endpoint", keyed(Options{Endpoint: "ftp://example.com/graphql"}), "want an absolute http(s) URL"},
		{"unparsable endpoint", keyed(Options{Endpoint: "https://exa mple.com:xx/"}), "invalid --endpoint"},
		{"credentials in endpoint", keyed(Options{Endpoint: "https://user:secret@example.com/graphql"}), "credentials in the URL"},
		{"plain http", keyed(Options{Endpoint: "http://auth.example.com/_api/admin/graphql"}), "refusing plain http:// endpoint auth.example.com: use https, or pass --insecure-http"},
		{"plain http private address", keyed(Options{Endpoint: "http://10.0.0.5:3002/graphql"}), "refusing plain http:// endpoint 10.0.0.5:3002"},
		{"token with space", Options{ProjectID: "p", Token: "abc def"}, "invalid --token"},
		{"negative timeout", keyed(Options{Timeout: -1}), "invalid --timeout"},
		{"negative rate", keyed(Options{Rate: -2}), "invalid --rate"},
		{"missing key file", Options{ProjectID: "p", KeyID: "k", KeyFile: filepath.Join(dir, "missing.pem")}, "does not exist: check --key-file"},
		{"missing CA file", keyed(Options{CAFile: filepath.Join(dir, "missing-ca.pem")}), "CA file " + filepath.Join(dir, "missing-ca.pem") + " does not exist: check --ca-file"},
		{"CA file without certs", keyed(Options{CAFile: notCA}), "holds no PEM certificates"},
		{"CA dir", keyed(Options{CAFile: dir}), "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts)
			if err == nil {
				t.Fatalf("New succeeded (%v), want error %q", c.Endpoint(), tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error quotes the URL's password: %q", err)
			}
		})
	}

	ok := []struct {
		name     string
		opts     Options
		endpoint string
	}{
		{"default endpoint", keyed(Options{}), "https://myapp.authgear.cloud/_api/admin/graphql"},
		{"token with Bearer", Options{Token: "Bearer tok", Endpoint: "https://auth.example.com/graphql"}, "https://auth.example.com/graphql"},
		{"token only", Options{Token: "  tok\n", Endpoint: "https://auth.example.com/_api/admin/graphql"}, "https://auth.example.com/_api/admin/graphql"},
		{"http localhost", keyed(Options{Endpoint: "http://localhost:3002/_api/admin/graphql"}), "http://localhost:3002/_api/admin/graphql"},
		{"http 127.x", keyed(Options{Endpoint: "http://127.1.2.3:3002/graphql"}), "http://127.1.2.3:3002/graphql"},
		{"http ::1", keyed(Options{Endpoint: "http://[::1]:3002/graphql"}), "http://[::1]:3002/graphql"},
		{"http insecure", keyed(Options{Endpoint: "http://auth.internal/graphql", InsecureHTTP: true}), "http://auth.internal/graphql"},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.Endpoint() != tt.endpoint {
				t.Fatalf("endpoint %q, want %q", c.Endpoint(), tt.endpoint)
			}
			if tt.opts.Token != "" && c.tokens.static != "tok" {
				t.Fatalf("token sent as %q, want %q", c.tokens.static, "tok")
			}
		})
	}
}

func TestNewWarnsAboutInsecureHTTP(t *testing.T) {
	var warnings []string
	_, err := New(Options{Token: "t", Endpoint: "http://auth.internal:3002/graphql", InsecureHTTP: true, Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "sending the Admin API token over plain http:// to auth.internal:3002") {
		t.Fatalf("warnings %q", warnings)
	}
	warnings = nil
	if _, err := New(Options{Token: "t", Endpoint: "http://127.0.0.1:3002/graphql", Warn: func(s string) { warnings = append(warnings, s) }}); err != nil || len(warnings) != 0 {
		t.Fatalf("loopback: %v, warnings %q", err, warnings)
	}
}

func TestNewWarnsAboutLooseKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := writeFile(t, dir, "key.pem", pemBytes("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaTestKey()), nil), 0o604)
	var warnings []string
	_, err := New(Options{ProjectID: "p", KeyID: "k", KeyFile: keyFile, Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	want := "key file " + keyFile + " is readable by other users (mode 0604): run chmod 600 " + keyFile
	if len(warnings) != 1 || warnings[0] != want {
		t.Fatalf("warnings %q, want [%q]", warnings, want)
	}
}

func TestCAFileIsUsed(t *testing.T) {
	// A CA file with a real certificate loads; the handshake with it is
	// covered by the TLS tests.
	srv := newTLSServer(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, srv.caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadCAFile(caFile); err != nil {
		t.Fatal(err)
	}
}
