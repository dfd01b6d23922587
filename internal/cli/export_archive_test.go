package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
)

// writeKeyPair writes an Ed25519 key pair as PEM files, as `openssl genpkey
// -algorithm ed25519` and `openssl pkey -pubout` write them.
func writeKeyPair(t *testing.T, dir, name string) (private, public string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	px, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	private, public = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".pub.pem")
	os.WriteFile(private, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600)
	os.WriteFile(public, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: px}), 0o600)
	return private, public
}

var headRE = regexp.MustCompile(`head: (sha256:[0-9a-f]{64})`)

// An archive at a file:// URL, with no state and signed entries: two runs
// continue each other; verify --offline proves the signer with
// --verify-key and the history with --head; search and count read it by
// its URL. Another key, a head the chain does not hold, or an unsigned
// run are refused or reported.
func TestExportSignedArchiveByURL(t *testing.T) {
	s, start := stateServer(t, 71)
	dir := t.TempDir()
	loc := "file://" + filepath.ToSlash(filepath.Join(dir, "archive"))
	key, pub := writeKeyPair(t, dir, "sign")
	_, otherPub := writeKeyPair(t, dir, "other")
	t1, t2 := start.Add(3*24*time.Hour), start.Add(6*24*time.Hour)

	code, _, errb := runExportCmd(t, s, "export", "--out-dir", loc, "--sign-key", key, "--since", rfc(start), "--until", rfc(t1))
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errb)
	}
	first := headRE.FindStringSubmatch(errb.String())
	if first == nil {
		t.Fatalf("the summary names no head: %s", errb)
	}
	code, _, errb = runExportCmd(t, s, "export", "--out-dir", loc, "--sign-key", key, "--until", rfc(t2))
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errb)
	}
	got := checkOutDir(t, filepath.Join(dir, "archive"), start, t2)
	checkExactlyOnce(t, got, s.Select(adminapi.Selection{From: start, To: t2}), false)

	code, vout, verr := runExportCmd(t, s, "verify", "--offline", loc, "--verify-key", pub, "--head", first[1])
	if code != 0 || !strings.Contains(vout.String(), "2 entries by key") || !strings.Contains(vout.String(), "proven with --verify-key") ||
		!strings.Contains(vout.String(), "ok: complete and clean") {
		t.Errorf("verify --offline: exit %d\n%s%s", code, vout, verr)
	}
	if m := headRE.FindStringSubmatch(vout.String()); m == nil || m[1] == first[1] {
		t.Errorf("verify printed no new head: %s", vout)
	}
	code, vout, _ = runExportCmd(t, s, "verify", loc)
	if code != 0 || !strings.Contains(vout.String(), "against the API") {
		t.Errorf("verify against the API: exit %d\n%s", code, vout)
	}
	for _, args := range [][]string{
		{"verify", "--offline", loc, "--verify-key", otherPub},
		{"verify", "--offline", loc, "--head", "sha256:" + strings.Repeat("0", 64)},
	} {
		if code, vout, _ := runExportCmd(t, s, args...); code != ExitFailure || !strings.Contains(vout.String(), "FAILED") {
			t.Errorf("%v: exit %d, want 1\n%s", args, code, vout)
		}
	}
	code, sout, errb := runExportCmd(t, s, "count", "--input", loc)
	if want := len(s.Select(adminapi.Selection{From: start, To: t2})); code != 0 || strings.TrimSpace(sout.String()) != strconv.Itoa(want) {
		t.Errorf("count --input %s: exit %d, want %d: %s%s", loc, code, want, sout, errb)
	}
	if code, _, errb := runExportCmd(t, s, "export", "--out-dir", loc, "--until", rfc(t2.Add(time.Hour))); code != ExitUsage || !strings.Contains(errb.String(), "give --sign-key") {
		t.Errorf("an unsigned run: exit %d: %s", code, errb)
	}
	os.WriteFile(filepath.Join(dir, "x.jsonl"), nil, 0o600)
	for _, args := range [][]string{
		{"export", "--sign-key", key, "--out", filepath.Join(dir, "x.jsonl")},
		{"export", "--out-dir", loc, "--sign-key", pub},
		{"verify", "--offline", loc, "--verify-key", key},
		{"verify", "--offline", "--input", filepath.Join(dir, "x.jsonl"), "--head", first[1]},
		{"export", "--out-dir", "ftp://bucket/prefix"},
	} {
		if code, _, errb := runExportCmd(t, s, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errb)
		}
	}
}
