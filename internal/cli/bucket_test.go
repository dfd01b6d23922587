package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/objstore"
	"github.com/authgear-audit/authgear-audit/internal/objstore/objstoretest"
)

// The archive end to end on every object store: gofakes3 and
// fake-gcs-server in process, SeaweedFS and Azurite where
// scripts/test-servers installed them (always under CI). Each store gets
// one server; each case a bucket of its own.
func TestBucketArchive(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	mid, end := start.Add(3*24*time.Hour), start.Add(6*24*time.Hour)
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 16, Count: 900, Start: start, End: end, Bursts: 1, BurstSize: 150})
	slimData(events)
	for _, be := range objstoretest.Backends {
		if be.Name == "folder" {
			continue // the folder cases are the export and verify tests'
		}
		t.Run(be.Name, func(t *testing.T) {
			srv := be.Start(t)
			s := adminapitest.New(t, adminapitest.WithEvents(events, users))
			b := &bucketCase{t: t, s: s, srv: srv, start: start, mid: mid, end: end}
			t.Run("export, continue, verify, search", b.exportContinue)
			t.Run("signatures and a pinned head", b.signatures)
			t.Run("tampered, deleted and truncated objects", b.damaged)
			t.Run("two overlapping runs", b.overlapping)
			t.Run("earlier local format continued", b.earlierFormat)
			t.Run("SIGKILL", b.killed)
		})
	}
}

type bucketCase struct {
	t               *testing.T
	s               *adminapitest.Server
	srv             *objstoretest.Server
	start, mid, end time.Time
}

// run runs one command in process; it returns the exit code, stdout and
// stderr.
func (c *bucketCase) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	app, out, errb := newAPITestApp(t, nil)
	code := runApp(t, app, append(connArgs(t, c.s), args...)...)
	return code, out.String(), errb.String()
}

func (c *bucketCase) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errb := c.run(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, code, errb)
	}
	return out + errb
}

// export runs the export of [from, until) into loc.
func (c *bucketCase) export(t *testing.T, loc string, until time.Time, more ...string) {
	t.Helper()
	c.mustRun(t, append([]string{"export", "--out-dir", loc, "--since", rfc(c.start), "--until", rfc(until)}, more...)...)
}

// checkSearch checks that search --input of the archive gives every event
// of [start, until) exactly once, in order.
func (c *bucketCase) checkSearch(t *testing.T, loc string, until time.Time) {
	t.Helper()
	code, out, errb := c.run(t, "search", "--input", loc, "--sort", "asc", "--limit", "0", "-o", "jsonl")
	if code != 0 {
		t.Fatalf("search --input %s: exit %d\n%s", loc, code, errb)
	}
	checkExactlyOnce(t, jsonlEvents(t, []byte(out)), c.s.Select(adminapi.Selection{From: c.start, To: until}), false)
}

var headLine = regexp.MustCompile(`head: (sha256:[0-9a-f]{64})`)

// verify runs verify --offline and returns the code, the head it printed
// and everything it said.
func (c *bucketCase) verify(t *testing.T, loc string, more ...string) (int, string, string) {
	t.Helper()
	code, out, errb := c.run(t, append([]string{"verify", "--offline", loc}, more...)...)
	head := ""
	if m := headLine.FindStringSubmatch(out + errb); m != nil {
		head = m[1]
	}
	return code, head, out + errb
}

func (c *bucketCase) open(t *testing.T, loc string) *blob.Bucket {
	t.Helper()
	b, err := objstore.Open(context.Background(), loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func dataKeys(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: "data/"})
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
}

// Two runs, one after the other with no state file, make one archive:
// the second continues where the first ended; verify --offline passes and
// prints the head; search reads the archive back exactly once.
func (c *bucketCase) exportContinue(t *testing.T) {
	loc := c.srv.NewLocation(t)
	c.export(t, loc, c.mid)
	c.mustRun(t, "export", "--out-dir", loc, "--until", rfc(c.end))
	code, head, said := c.verify(t, loc)
	if code != 0 || head == "" {
		t.Fatalf("verify --offline: exit %d, head %q\n%s", code, head, said)
	}
	c.checkSearch(t, loc, c.end)
	code, out, errb := c.run(t, "count", "--input", loc, "--by", "day", "-o", "json")
	if code != 0 || !strings.Contains(out, "2026-11-01") {
		t.Errorf("count --input: exit %d\n%s%s", code, out, errb)
	}
}

func writeKeys(t *testing.T) (priv, pub string) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(sk)
	pder, _ := x509.MarshalPKIXPublicKey(pk)
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, "sign.pem"), filepath.Join(dir, "verify.pem")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// Signed entries verify with the signer's public key and not with
// another's; a pinned head passes when the chain holds it and fails when
// it does not.
func (c *bucketCase) signatures(t *testing.T) {
	loc := c.srv.NewLocation(t)
	priv, pub := writeKeys(t)
	_, otherPub := writeKeys(t)
	c.export(t, loc, c.mid, "--sign-key", priv)
	code, head, said := c.verify(t, loc, "--verify-key", pub)
	if code != 0 || head == "" {
		t.Fatalf("verify --verify-key: exit %d\n%s", code, said)
	}
	c.mustRun(t, "export", "--out-dir", loc, "--until", rfc(c.end), "--sign-key", priv)
	if code, _, said := c.verify(t, loc, "--verify-key", pub, "--head", head); code != 0 {
		t.Errorf("verify --head of the first run's head: exit %d\n%s", code, said)
	}
	if code, _, said := c.verify(t, loc, "--verify-key", otherPub); code == 0 {
		t.Errorf("verify with another key passed\n%s", said)
	}
	if code, _, said := c.verify(t, loc, "--head", "sha256:"+strings.Repeat("0", 64)); code == 0 {
		t.Errorf("verify --head of a hash not in the chain passed\n%s", said)
	}
}

// An object edited in place, deleted, or cut short fails verify --offline
// with a message naming the object.
func (c *bucketCase) damaged(t *testing.T) {
	cases := []struct {
		name   string
		damage func(b *blob.Bucket, key string, data []byte) error
	}{
		{"tampered", func(b *blob.Bucket, key string, data []byte) error {
			d := bytes.Clone(data)
			d[len(d)/2] ^= 0x20
			return b.WriteAll(context.Background(), key, d, nil)
		}},
		{"deleted", func(b *blob.Bucket, key string, _ []byte) error {
			return b.Delete(context.Background(), key)
		}},
		{"truncated", func(b *blob.Bucket, key string, data []byte) error {
			return b.WriteAll(context.Background(), key, data[:len(data)/2], nil)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := c.srv.NewLocation(t)
			c.export(t, loc, c.end)
			b := c.open(t, loc)
			keys := dataKeys(t, b)
			if len(keys) == 0 {
				t.Fatal("the export wrote no data objects")
			}
			key := keys[len(keys)/2]
			data, err := b.ReadAll(context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.damage(b, key, data); err != nil {
				t.Fatal(err)
			}
			code, _, said := c.verify(t, loc)
			if code == 0 {
				t.Fatalf("verify --offline passed a %s object\n%s", tc.name, said)
			}
			if !strings.Contains(said, path.Base(key)) {
				t.Errorf("verify does not name %s:\n%s", key, said)
			}
		})
	}
}

// Two runs that read the empty archive at the same time both try to
// commit entry 1: exactly one does; the other exits 1 and says another
// run committed first. The archive is exact.
func (c *bucketCase) overlapping(t *testing.T) {
	loc := c.srv.NewLocation(t)
	// Each run's first request waits for the other's: both have read the
	// archive (before any request) when either goes on.
	var arrived sync.WaitGroup
	arrived.Add(2)
	base := c.s.Requests()
	c.s.OnRequest(func(n int64) {
		if n-base <= 2 {
			arrived.Done()
			arrived.Wait()
		}
	})
	defer c.s.OnRequest(nil)
	type result struct {
		code      int
		out, errb string
	}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			code, out, errb := c.run(t, "export", "--out-dir", loc, "--since", rfc(c.start), "--until", rfc(c.mid))
			results[i] = result{code, out, errb}
		})
	}
	wg.Wait()
	c.s.OnRequest(nil)
	ok, lost := 0, 0
	for _, r := range results {
		switch {
		case r.code == 0:
			ok++
		case r.code == ExitFailure && strings.Contains(r.errb, "another run committed entry"):
			lost++
		default:
			t.Errorf("exit %d:\n%s", r.code, r.errb)
		}
	}
	if ok != 1 || lost != 1 {
		t.Fatalf("%d runs committed and %d lost, want 1 and 1", ok, lost)
	}
	if code, _, said := c.verify(t, loc); code != 0 {
		t.Fatalf("verify --offline after the race: exit %d\n%s", code, said)
	}
	c.checkSearch(t, loc, c.mid)
	c.mustRun(t, "export", "--out-dir", loc, "--until", rfc(c.end))
	c.checkSearch(t, loc, c.end)
}

// A folder of the earlier format (data files and one manifest.json),
// copied into the bucket as it is, is continued there: verify --offline
// passes and search reads both parts exactly once.
func (c *bucketCase) earlierFormat(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, incremental.FileName(incremental.Range{From: c.start, To: c.mid}, codec.Ext("jsonl", true)))
	c.mustRun(t, "export", "--out", file, "--since", rfc(c.start), "--until", rfc(c.mid))
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	m := &incremental.Manifest{Version: 1, Endpoint: c.s.Endpoint(), Project: c.s.ProjectID(), Files: []incremental.ManifestFile{{
		Name: filepath.Base(file), From: c.start, To: c.mid, Count: int64(countGzipLines(t, raw)),
		SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(raw)), Format: "jsonl", Compression: "gzip",
		CreatedAt: c.mid,
	}}}
	if err := m.Save(dir, 0o644); err != nil {
		t.Fatal(err)
	}
	loc := c.srv.NewLocation(t)
	b := c.open(t, loc)
	for _, name := range []string{filepath.Base(file), incremental.ManifestName} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.WriteAll(context.Background(), name, data, nil); err != nil {
			t.Fatal(err)
		}
	}
	c.mustRun(t, "export", "--out-dir", loc, "--until", rfc(c.end))
	if code, _, said := c.verify(t, loc); code != 0 {
		t.Fatalf("verify --offline: exit %d\n%s", code, said)
	}
	c.checkSearch(t, loc, c.end)
	if got, err := b.ReadAll(context.Background(), incremental.ManifestName); err != nil || !bytes.Contains(got, []byte(filepath.Base(file))) {
		t.Errorf("the earlier manifest changed or went: %v", err)
	}
}

func countGzipLines(t *testing.T, raw []byte) int {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte("\n"))
}

// storageEnv is the part of this process's environment that reaches an
// object store: the servers' endpoints and credentials, for a child
// process.
func storageEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "AZURE_STORAGE") || strings.HasPrefix(kv, "STORAGE_EMULATOR_HOST") {
			env = append(env, kv)
		}
	}
	return env
}

// Runs killed with SIGKILL at several points leave the archive whole:
// after each kill verify --offline passes (unnamed objects of the killed
// run may remain, and nothing reads them), and once a run completes the
// archive holds every event exactly once.
func (c *bucketCase) killed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix")
	}
	c.s.SetLatency(2 * time.Millisecond)
	defer c.s.SetLatency(0)
	loc := c.srv.NewLocation(t)
	home := t.TempDir()
	args := append(connArgs(t, c.s), "export", "--out-dir", loc, "--since", rfc(c.start), "--until", rfc(c.end), "--parallel", "2")
	kills := 0
	for _, at := range []int64{3, 9, 20} {
		if c.runKilled(t, home, args, at) {
			kills++
			if code, _, said := c.verify(t, loc); code != 0 && !strings.Contains(said, "no entries") && !strings.Contains(said, "empty") {
				t.Fatalf("verify --offline after a kill at request %d: exit %d\n%s", at, code, said)
			}
		}
	}
	if kills == 0 {
		t.Fatal("no run was killed: the test proved nothing")
	}
	if c.runKilled(t, home, args, 0) {
		t.Fatal("the last run was killed")
	}
	if code, _, said := c.verify(t, loc); code != 0 {
		t.Fatalf("verify --offline: exit %d\n%s", code, said)
	}
	c.checkSearch(t, loc, c.end)
}

// runKilled runs args as a process of its own, with the object store's
// environment, and SIGKILLs it on the stand-in's killAt-th request after
// the start (never, for 0). It reports whether the kill came first, and
// fails the test if the run ended any other way than by it or with 0.
func (c *bucketCase) runKilled(t *testing.T, home string, args []string, killAt int64) bool {
	t.Helper()
	cmd := commandLine(args, append(storageEnv(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	var proc atomic.Pointer[os.Process]
	base := c.s.Requests()
	if killAt > 0 {
		c.s.OnRequest(func(n int64) {
			if n-base >= killAt {
				if p := proc.Load(); p != nil {
					p.Signal(syscall.SIGKILL)
				}
			}
		})
		defer c.s.OnRequest(nil)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(cmd.Process)
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true
	}
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, &stderr)
	}
	return false
}
