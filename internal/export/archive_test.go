package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/readback"
	"github.com/authgear-audit/authgear-audit/internal/verify"
)

// bucketOptions are the options of a run without state into the archive
// in store (a bucket, each run opening its own view of it, as a container
// with nothing on its disk would).
func bucketOptions(c *adminapi.Client, store *blob.Bucket, until time.Time) Options {
	return Options{
		Source:   c,
		Identity: incremental.Identity{Endpoint: c.Endpoint(), Project: adminapitest.DefaultProjectID, Dest: incremental.Destination{Dir: "mem://archive"}},
		Until:    until, OutDir: "mem://archive", OutPath: "-",
		OpenBucket: func(context.Context, string) (*blob.Bucket, error) {
			return blob.PrefixedBucket(store, "archive/"), nil
		},
		Output:   output.Options{Format: output.FormatJSONL, UTC: true},
		Parallel: 2, Count: true,
		Now: func() time.Time { return runStart.Add(48 * time.Hour) },
	}
}

func readStore(t *testing.T, store *blob.Bucket) (*incremental.Archive, *blob.Bucket) {
	t.Helper()
	b := blob.PrefixedBucket(store, "archive/")
	t.Cleanup(func() { b.Close() })
	a, err := incremental.ReadArchive(context.Background(), b, "mem://archive")
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func archiveIDs(t *testing.T, a *incremental.Archive, b *blob.Bucket) []string {
	t.Helper()
	var ids []string
	err := readback.Each(context.Background(), a.Inputs(context.Background(), b), func(e *auditlog.Event) error {
		ids = append(ids, e.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Two fresh containers, one after the other, with no state: the second
// continues where the archive ends, with no gap and no overlap, and
// --since matters only for the first.
func TestArchiveTwoFreshRuns(t *testing.T) {
	srv, c := runFixture(t)
	store := memblob.OpenBucket(nil)
	mid, end := runStart.Add(9*time.Hour+17*time.Second), runStart.Add(24*time.Hour)
	o := bucketOptions(c, store, mid)
	o.Since = runStart
	if _, err := runOnce(t, o); err != nil {
		t.Fatal(err)
	}
	second := bucketOptions(c, store, end)
	second.Since = runStart // a cron line that keeps its first --since
	res, err := runOnce(t, second)
	if err != nil {
		t.Fatal(err)
	}
	if res.Entry != incremental.EntryKey(2) || !strings.HasPrefix(res.Head, "sha256:") {
		t.Errorf("second run: %+v", res)
	}
	a, b := readStore(t, store)
	if len(a.Entries) != 2 || a.Problem() != nil || !a.Entries[1].Entry.From.Equal(mid) || a.Head() != res.Head {
		t.Fatalf("entries %d, %v, head %s", len(a.Entries), a.Problem(), a.Head())
	}
	got := archiveIDs(t, a, b)
	slices.Sort(got)
	if want := sortedIDs(srv.Select(adminapi.Selection{From: runStart, To: end})); !slices.Equal(got, want) {
		t.Errorf("the archive holds %d events, want the %d of the day once each", len(got), len(want))
	}
	// A --since that is neither the archive's start nor its end, such as a
	// relative 30d repeated by a container, continues the archive too.
	late := bucketOptions(c, store, end.Add(time.Hour))
	late.Since = runStart.Add(time.Hour)
	var notices []string
	late.Notice = func(format string, args ...any) { notices = append(notices, fmt.Sprintf(format, args...)) }
	if res, err := runOnce(t, late); err != nil || res.Entry != incremental.EntryKey(3) {
		t.Fatalf("a --since off the archive: %+v, %v", res, err)
	}
	if len(notices) == 0 || !strings.Contains(notices[0], "is for a first run") {
		t.Errorf("notices %q", notices)
	}
	a, b = readStore(t, store)
	if a.Problem() != nil || !a.Entries[2].Entry.From.Equal(end) {
		t.Fatalf("third entry from %v, %v", a.Entries[2].Entry.From, a.Problem())
	}
	rep, err := verify.Archive(context.Background(), b, a, verify.ArchiveOptions{Options: verify.Options{Counter: c}})
	if err != nil || !rep.OK() || rep.Compared != "API" {
		t.Errorf("verify against the API: ok %v, %v\n%s", rep.OK(), err, reportText(rep))
	}
}

// Two runs that overlap: both read the archive before either commits.
// Exactly one commits; the other fails naming the entry, and the archive
// stays exact, its objects unnamed.
func TestArchiveOverlappingRuns(t *testing.T) {
	srv, c := runFixture(t)
	store := memblob.OpenBucket(nil)
	end := runStart.Add(24 * time.Hour)
	o := bucketOptions(c, store, end)
	o.Since = runStart
	ra, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	rb, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	if _, err := ra.Do(context.Background(), adminapi.Selection{}); err != nil {
		t.Fatal(err)
	}
	_, err = rb.Do(context.Background(), adminapi.Selection{})
	var conflict *incremental.ConflictError
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "another run committed entry 1 (manifest/00000001.json) first") {
		t.Fatalf("the second commit: %v", err)
	}
	a, b := readStore(t, store)
	if len(a.Entries) != 1 {
		t.Fatalf("%d entries", len(a.Entries))
	}
	got := archiveIDs(t, a, b)
	slices.Sort(got)
	if want := sortedIDs(srv.Select(adminapi.Selection{From: runStart, To: end})); !slices.Equal(got, want) {
		t.Errorf("the archive holds %d events, want %d once each", len(got), len(want))
	}
	rep, err := verify.Archive(context.Background(), b, a, verify.ArchiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, unref := unreferenced(t, rep); !rep.OK() || n != len(unref) || !slices.Equal(unref, conflict.Objects) || len(conflict.Objects) != 1 {
		t.Errorf("verify: ok %v, %d unreferenced %v, the losing run's %v", rep.OK(), n, unref, conflict.Objects)
	}
}

// signedArchive is an archive of three signed runs in a fresh store.
func signedArchive(t *testing.T, c *adminapi.Client, key ed25519.PrivateKey) *blob.Bucket {
	t.Helper()
	store := memblob.OpenBucket(nil)
	for i, until := range []time.Time{runStart.Add(6 * time.Hour), runStart.Add(12 * time.Hour), runStart.Add(24 * time.Hour)} {
		o := bucketOptions(c, store, until)
		o.SignKey = key
		if i == 0 {
			o.Since = runStart
		}
		if _, err := runOnce(t, o); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Every kind of damage is found and named by its object or entry: edited,
// truncated, missing and inserted objects; deleted, reordered, inserted and
// edited entries; signatures of another key, or none; a head the chain
// no longer holds.
func TestArchiveTamper(t *testing.T) {
	_, c := runFixture(t)
	key, other := newKey(t), newKey(t)
	ctx := context.Background()
	type env struct {
		b    *blob.Bucket
		a    *incremental.Archive
		head string
	}
	obj := func(e env, i int) string { return e.a.Entries[i].Entry.Objects[0].Key }
	get := func(t *testing.T, e env, k string) []byte {
		raw, err := e.b.ReadAll(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	put := func(t *testing.T, e env, k string, raw []byte) {
		if err := e.b.WriteAll(ctx, k, raw, nil); err != nil {
			t.Fatal(err)
		}
	}
	del := func(t *testing.T, e env, k string) {
		if err := e.b.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		mutate func(t *testing.T, e env)
		key    ed25519.PrivateKey // --verify-key's private half; nil: none
		head   bool               // pin the head of the untouched archive
		kind   string             // "" = clean
		names  string             // what the problem must name
	}{
		{name: "clean, key and head", key: key, head: true},
		{name: "edited object", mutate: func(t *testing.T, e env) {
			raw := get(t, e, obj(e, 1))
			raw[len(raw)/2] ^= 1
			put(t, e, obj(e, 1), raw)
		}, kind: verify.KindChecksum, names: "audit-20261120T060000Z-20261120T120000Z-"},
		{name: "truncated object", mutate: func(t *testing.T, e env) {
			raw := get(t, e, obj(e, 0))
			put(t, e, obj(e, 0), raw[:len(raw)-10])
		}, kind: verify.KindChecksum, names: "audit-20261120T000000Z-20261120T060000Z-"},
		{name: "deleted object", mutate: func(t *testing.T, e env) { del(t, e, obj(e, 2)) }, kind: verify.KindMissingFile, names: "audit-20261120T120000Z-20261121T000000Z-"},
		{name: "deleted entry", mutate: func(t *testing.T, e env) { del(t, e, incremental.EntryKey(2)) }, kind: verify.KindEntries, names: "manifest/00000002.json: missing"},
		{name: "deleted last entry, head pinned", head: true, mutate: func(t *testing.T, e env) { del(t, e, incremental.EntryKey(3)) }, kind: verify.KindHead, names: "no entry of the chain hashes to"},
		{name: "reordered entries", mutate: func(t *testing.T, e env) {
			one, two := get(t, e, incremental.EntryKey(1)), get(t, e, incremental.EntryKey(2))
			put(t, e, incremental.EntryKey(1), two)
			put(t, e, incremental.EntryKey(2), one)
		}, kind: verify.KindEntries, names: "manifest/00000001.json: says it is entry 2"},
		{name: "inserted entry", mutate: func(t *testing.T, e env) {
			put(t, e, incremental.EntryKey(4), get(t, e, incremental.EntryKey(3)))
			put(t, e, incremental.EntryKey(3), get(t, e, incremental.EntryKey(2)))
		}, kind: verify.KindEntries, names: "manifest/00000003.json: says it is entry 2"},
		{name: "edited entry", mutate: func(t *testing.T, e env) {
			raw := get(t, e, incremental.EntryKey(2))
			put(t, e, incremental.EntryKey(2), bytes.Replace(raw, []byte(`"count":`), []byte(`"count":1`), 1))
		}, kind: verify.KindSignature, names: "manifest/00000002.json: bad signature"},
		{name: "entry re-signed by another key", key: key, mutate: func(t *testing.T, e env) {
			d := e.a.Entries[0]
			raw, err := incremental.EncodeEntry(&d.Entry, other)
			if err != nil {
				t.Fatal(err)
			}
			put(t, e, incremental.EntryKey(1), raw)
		}, kind: verify.KindSignature, names: "manifest/00000001.json: signed by key"},
		{name: "wrong --verify-key", key: other, kind: verify.KindSignature, names: "not by the --verify-key"},
		{name: "signature removed", key: key, mutate: func(t *testing.T, e env) {
			raw := get(t, e, incremental.EntryKey(3))
			line, _, _ := bytes.Cut(raw, []byte{'\n'})
			put(t, e, incremental.EntryKey(3), append(line, '\n'))
		}, kind: verify.KindSignature, names: "manifest/00000003.json: not signed"},
		{name: "inserted object is only listed", mutate: func(t *testing.T, e env) {
			put(t, e, "data/audit-20261120T000000Z-20261121T000000Z-ffffffffffff.jsonl.gz", []byte("x"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := signedArchive(t, c, key)
			a, b := readStore(t, store)
			e := env{b: b, a: a, head: a.Head()}
			if tt.mutate != nil {
				tt.mutate(t, e)
			}
			a, err := incremental.ReadArchive(ctx, b, "mem://archive")
			if err != nil {
				t.Fatal(err)
			}
			o := verify.ArchiveOptions{}
			if tt.key != nil {
				o.VerifyKey = tt.key.Public().(ed25519.PublicKey)
			}
			if tt.head {
				o.Head = e.head
			}
			rep, err := verify.Archive(ctx, b, a, o)
			if err != nil {
				t.Fatal(err)
			}
			text := reportText(rep)
			if tt.kind == "" {
				if !rep.OK() || !strings.Contains(text, "head: "+a.Head()) {
					t.Errorf("want clean:\n%s", text)
				}
				return
			}
			if kindCount(t, rep, tt.kind) == 0 || !strings.Contains(strings.Join(kindListed(t, rep, tt.kind), "\n"), tt.names) {
				t.Errorf("want %s naming %q:\n%s", tt.kind, tt.names, text)
			}
			// A run adds nothing to a damaged chain.
			if a.Problem() != nil {
				o := bucketOptions(c, store, runStart.Add(30*time.Hour))
				o.SignKey = key
				if _, err := Open(ctx, o); err == nil || !strings.Contains(err.Error(), "a run adds nothing to a damaged archive") {
					t.Errorf("a run on a damaged chain: %v", err)
				}
			}
		})
	}
}

// An unsigned run into a signed archive is refused: its entry would make
// 'verify --verify-key' fail.
func TestArchiveSignedStaysSigned(t *testing.T) {
	_, c := runFixture(t)
	store := signedArchive(t, c, newKey(t))
	if _, err := runOnce(t, bucketOptions(c, store, runStart.Add(30*time.Hour))); !errors.As(err, new(*RefusedError)) || !strings.Contains(err.Error(), "give --sign-key") {
		t.Errorf("unsigned run: %v", err)
	}
}

// A state that disagrees with the archive is refused, naming both.
func TestArchiveStateDisagrees(t *testing.T) {
	_, c := runFixture(t)
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.json")
	o := dirOptions(c, state, dir, runStart.Add(6*time.Hour))
	o.Since = runStart
	if _, err := runOnce(t, o); err != nil {
		t.Fatal(err)
	}
	st, _ := incremental.LoadState(state)
	st.LastEnd = runStart.Add(3 * time.Hour)
	st.Save(state, runStart)
	_, err := runOnce(t, dirOptions(c, state, dir, runStart.Add(12*time.Hour)))
	if !errors.As(err, new(*RefusedError)) || !strings.Contains(err.Error(), "continues at 2026-11-20T03:00:00Z, but --out-dir "+dir+" ends at 2026-11-20T06:00:00Z") {
		t.Errorf("a state behind the archive: %v", err)
	}
}

// An archive of the earlier format (manifest.json and one file per run)
// is continued without rewriting its files: the first entry records
// manifest.json's hash, the new range starts where it ends, and the whole
// verifies; an edit of manifest.json afterwards is found.
func TestArchiveContinuesLegacy(t *testing.T) {
	srv, c := newVerifyServer(t)
	dir, _ := writeDir(t, srv, true)
	before, err := os.ReadFile(filepath.Join(dir, incremental.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	o := dirOptions(c, "", dir, vEnd.Add(12*time.Hour))
	o.StatePath = ""
	o.Now = func() time.Time { return vEnd.Add(24 * time.Hour) }
	res, err := runOnce(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Entry != incremental.EntryKey(1) {
		t.Errorf("result %+v", res)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, incremental.ManifestName)); !bytes.Equal(after, before) {
		t.Error("manifest.json was rewritten")
	}
	a, b := openArchive(t, dir)
	first := a.Entries[0].Entry
	if first.Legacy == nil || first.Legacy.SHA256 != incremental.HashOf(before) || !first.From.Equal(vEnd) {
		t.Fatalf("first entry: %+v", first)
	}
	got := archiveIDs(t, a, b)
	slices.Sort(got)
	if want := sortedIDs(srv.Select(adminapi.Selection{From: vStart, To: vEnd.Add(12 * time.Hour)})); !slices.Equal(got, want) {
		t.Errorf("the archive holds %d events, want %d once each", len(got), len(want))
	}
	rep, err := verify.Archive(context.Background(), b, a, verify.ArchiveOptions{Options: verify.Options{Counter: c}})
	if err != nil || !rep.OK() || rep.Files != 4 {
		t.Errorf("verify: %v\n%s", err, reportText(rep))
	}
	os.WriteFile(filepath.Join(dir, incremental.ManifestName), bytes.Replace(before, []byte(`"count": `), []byte(`"count": 1`), 1), 0o600)
	a, b = openArchive(t, dir)
	rep, err = verify.Archive(context.Background(), b, a, verify.ArchiveOptions{})
	if err != nil || kindCount(t, rep, verify.KindEntries) == 0 || !strings.Contains(strings.Join(kindListed(t, rep, verify.KindEntries), ""), "manifest.json was edited") {
		t.Errorf("an edited manifest.json: %v\n%s", err, reportText(rep))
	}
}
