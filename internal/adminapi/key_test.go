package adminapi

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// rsaTestKey is generated once per test binary: 2048-bit generation is slow.
var rsaTestKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func pemBytes(typ string, der []byte, headers map[string]string) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
}

func writeFile(t *testing.T, dir, name string, data []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // WriteFile honours the umask
		t.Fatal(err)
	}
	return p
}

func TestLoadPrivateKey(t *testing.T) {
	dir := t.TempDir()
	key := rsaTestKey()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPKCS8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	ecSEC1, _ := x509.MarshalECPrivateKey(ecKey)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edPKCS8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		path    string // used when data is nil
		data    []byte
		mode    os.FileMode
		wantErr string // substring; "" = success
		warn    string // substring of the only warning; "" = none
	}{
		{name: "pkcs1", data: pemBytes("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), nil)},
		{name: "pkcs8", data: pemBytes("PRIVATE KEY", pkcs8, nil)},
		{name: "pkcs8 labelled RSA", data: pemBytes("RSA PRIVATE KEY", pkcs8, nil)},
		{name: "with text before", data: append([]byte("Admin API key for myapp\n"), pemBytes("PRIVATE KEY", pkcs8, nil)...)},
		{name: "ec pkcs8", data: pemBytes("PRIVATE KEY", ecPKCS8, nil), wantErr: "holds an ECDSA key; the Admin API needs the project's RSA key (RS256)"},
		{name: "ec sec1", data: pemBytes("EC PRIVATE KEY", ecSEC1, nil), wantErr: "holds an ECDSA key; the Admin API needs the project's RSA key (RS256)"},
		{name: "ed25519", data: pemBytes("PRIVATE KEY", edPKCS8, nil), wantErr: "holds an Ed25519 key"},
		{name: "public key", data: pemBytes("PUBLIC KEY", pubDER, nil), wantErr: "holds no private key (found PUBLIC KEY)"},
		{name: "not pem", data: []byte("this is not a key\n"), wantErr: "is not a PEM file"},
		{name: "empty", data: []byte{}, wantErr: "is not a PEM file"},
		{name: "encrypted legacy", data: pemBytes("RSA PRIVATE KEY", []byte("junk"), map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}), wantErr: "is encrypted with a passphrase"},
		{name: "encrypted pkcs8", data: pemBytes("ENCRYPTED PRIVATE KEY", []byte("junk"), nil), wantErr: "is encrypted with a passphrase"},
		{name: "damaged", data: pemBytes("PRIVATE KEY", pkcs8[:40], nil), wantErr: "is damaged"},
		{name: "openssh", data: pemBytes("OPENSSH PRIVATE KEY", []byte("openssh-key-v1"), nil), wantErr: "is an OpenSSH key"},
		{name: "world readable", data: pemBytes("PRIVATE KEY", pkcs8, nil), mode: 0o644, warn: "is readable by other users (mode 0644): run chmod 600 "},
		{name: "group readable", data: pemBytes("PRIVATE KEY", pkcs8, nil), mode: 0o640, warn: "(mode 0640)"},
		{name: "short key", data: pemBytes("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small), nil), warn: "holds a 1024-bit RSA key"},
		{name: "missing", path: filepath.Join(dir, "nope.pem"), wantErr: "does not exist: check --key-file"},
		{name: "directory", path: dir, wantErr: "is a directory, not a PEM file"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				mode := tt.mode
				if mode == 0 {
					mode = 0o600
				}
				path = writeFile(t, dir, "key"+string(rune('a'+i))+".pem", tt.data, mode)
			}
			k, warnings, err := LoadPrivateKey(path)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("no error, want %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %q, want it to name %s and say %q", err, path, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error is not one line: %q", err)
				}
				if len(tt.data) > 0 {
					assertNoKeyMaterial(t, err.Error(), tt.data)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k == nil {
				t.Fatal("no key")
			}
			if tt.warn == "" && len(warnings) > 0 {
				t.Fatalf("unexpected warnings %q", warnings)
			}
			if tt.warn != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.warn) || !strings.Contains(warnings[0], path)) {
				t.Fatalf("warnings %q, want one naming %s with %q", warnings, path, tt.warn)
			}
		})
	}
}

// assertNoKeyMaterial fails when text holds any line of a PEM body or a
// long run of its base64.
func assertNoKeyMaterial(t *testing.T, text string, pemData []byte) {
	t.Helper()
	for _, line := range strings.Split(string(pemData), "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") && !strings.Contains(line, ":") && strings.Contains(text, line[:16]) {
			t.Fatalf("text quotes key material: %q", text)
		}
	}
	if b, _ := pem.Decode(pemData); b != nil && len(b.Bytes) >= 12 {
		if strings.Contains(text, base64.StdEncoding.EncodeToString(b.Bytes[:12])) {
			t.Fatalf("text quotes key material: %q", text)
		}
	}
}
