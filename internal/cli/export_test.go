package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/objstore"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// runExportCmd runs one command against s on the real clock.
func runExportCmd(t *testing.T, s *adminapitest.Server, args ...string) (int, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	app, out, errb := newAPITestApp(t, nil)
	code := runApp(t, app, append(connArgs(t, s), args...)...)
	return code, out, errb
}

// readExport reads an export file (any format, .gz too) back as events,
// failing on anything unparsable.
func readExport(t testing.TB, path string) []auditlog.Event {
	t.Helper()
	r, err := codec.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []auditlog.Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		out = append(out, *e)
	}
}

// readStream reads an export from bytes in the given format.
func readStream(t testing.TB, format string, b []byte) []auditlog.Event {
	t.Helper()
	r, err := codec.NewReader("stdout."+format, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []auditlog.Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read stdout: %v", err)
		}
		out = append(out, *e)
	}
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// The acceptance test of export against the big stand-in (20,000 events,
// five seconds of 250 events, ties in a new order on every request): the
// exported IDs are exactly the stand-in's, none missing, none twice, oldest
// first. Formats, destinations and parallelism are combined so that each
// value occurs with each of the others' across this test and
// TestExportFaultsAndArrivals.
func TestExportExactlyOnce(t *testing.T) {
	s := bigStandIn(t)
	tests := []struct {
		name     string
		parallel string
		format   string
		toFile   bool
	}{
		{"parallel 1 jsonl file", "1", "jsonl", true},
		{"parallel 8 csv stdout", "8", "csv", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"export", "--parallel", tt.parallel, "-o", tt.format}
			path := filepath.Join(t.TempDir(), "audit."+tt.format)
			if tt.toFile {
				args = append(args, "--out", path)
			}
			code, out, errb := runExportCmd(t, s, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			var got []auditlog.Event
			if tt.toFile {
				if out.Len() != 0 {
					t.Errorf("%d bytes on stdout with --out", out.Len())
				}
				got = readExport(t, path)
			} else {
				got = readStream(t, tt.format, out.Bytes())
			}
			checkExactlyOnce(t, got, bigEvents, false)
			where := "stdout"
			if tt.toFile {
				where = path
			}
			if !strings.Contains(errb.String(), "exported 20,000 events to "+where+" in ") ||
				!strings.Contains(errb.String(), " requests, 0 retries)") {
				t.Errorf("summary line missing or wrong: %q", errb)
			}
		})
	}
}

// TestExportSameBytesAnyParallel: however many shards, the file is the same
// byte for byte, in every format, compressed or not: later shards spool
// finished records, and those must read exactly as the first shard writes.
func TestExportSameBytesAnyParallel(t *testing.T) {
	s := bigStandIn(t)
	// A fixed range keeps both runs on the same events: the last 6,000, a
	// burst second among them, enough for six shards of the 1,000 events
	// a shard needs at least.
	times := make([]time.Time, len(bigEvents))
	for i, e := range bigEvents {
		times[i] = e.CreatedAt
	}
	slices.SortFunc(times, time.Time.Compare)
	since, until := rfc(times[len(times)-6000]), rfc(times[len(times)-1].Add(time.Second))
	for _, name := range []string{"audit.jsonl", "audit.json.gz", "audit.csv"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var files [2][]byte
			for i, parallel := range []string{"1", "8"} {
				path := filepath.Join(t.TempDir(), name)
				code, _, errb := runExportCmd(t, s, "export", "--parallel", parallel, "--since", since, "--until", until, "--out", path)
				if code != 0 {
					t.Fatalf("--parallel %s: exit %d: %s", parallel, code, errb)
				}
				files[i] = readPlain(t, path)
			}
			if !bytes.Equal(files[0], files[1]) {
				t.Errorf("--parallel 8 wrote %d bytes that differ from the %d of --parallel 1", len(files[1]), len(files[0]))
			}
			if len(files[0]) < 6000*100 {
				t.Errorf("only %d bytes for about 6,000 events", len(files[0]))
			}
		})
	}
}

// readPlain reads a file, decompressed when its name ends in .gz.
func readPlain(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// Faults and arrivals: 503, 429, connections dropped mid-body, and new
// events arriving while the export runs (with createdAt at or after the
// run's end, as real ones have). The export holds exactly the events of
// its range, and the summary counts the retries.
func TestExportFaultsAndArrivals(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 31, Count: 4500, Start: start, End: start.Add(10 * 24 * time.Hour), Bursts: 2, BurstSize: 250})
	tests := []struct {
		name     string
		parallel string
		format   string
		toFile   bool
	}{
		{"parallel 8 jsonl file", "8", "jsonl", true},
		{"parallel 1 csv stdout", "1", "csv", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := adminapitest.New(t, adminapitest.WithEvents(events, users))
			// Arrivals: written now, so at or after the export's end.
			now := time.Now()
			arrivals, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: int64(100 + i), Count: 60, Start: now, End: now.Add(time.Minute)})
			var next atomic.Int64
			s.OnRequest(func(n int64) {
				if n%3 == 0 {
					if k := next.Add(1) - 1; k < int64(len(arrivals)) {
						s.Add(arrivals[k])
					}
				}
			})
			s.Inject(
				adminapitest.Fault{Status: 503},
				adminapitest.Fault{Status: 429, RetryAfter: "0"},
				adminapitest.Fault{DropMidBody: true},
			)
			args := []string{"export", "--since", rfc(start), "--parallel", tt.parallel, "-o", tt.format}
			path := filepath.Join(t.TempDir(), "audit."+tt.format)
			if tt.toFile {
				args = append(args, "--out", path)
			}
			code, out, errb := runExportCmd(t, s, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			var got []auditlog.Event
			if tt.toFile {
				got = readExport(t, path)
			} else {
				got = readStream(t, tt.format, out.Bytes())
			}
			checkExactlyOnce(t, got, events, false)
			if next.Load() == 0 {
				t.Error("no event arrived during the export")
			}
			if !strings.Contains(errb.String(), " 3 retries)") {
				t.Errorf("summary does not count the 3 retries: %q", errb)
			}
		})
	}
}

// stateServer is a stand-in with ten days of events for incremental runs.
func stateServer(t *testing.T, seed int64) (*adminapitest.Server, time.Time) {
	t.Helper()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: seed, Count: 1500, Start: start, End: start.Add(10 * 24 * time.Hour), Bursts: 1, BurstSize: 150})
	return adminapitest.New(t, adminapitest.WithEvents(events, users)), start
}

// loadArchive reads the archive in dir and fails the test unless its chain
// is whole.
func loadArchive(t *testing.T, dir string) *incremental.Archive {
	t.Helper()
	b, err := objstore.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a, err := incremental.ReadArchive(t.Context(), b, dir)
	if err != nil {
		t.Fatalf("archive %s: %v", dir, err)
	}
	if err := a.Problem(); err != nil {
		t.Fatal(err)
	}
	return a
}

// loadObjects lists the data objects that the archive in dir names, in
// time order.
func loadObjects(t *testing.T, dir string) []incremental.Object {
	t.Helper()
	return loadArchive(t, dir).Objects()
}

// checkOutDir checks an --out-dir: a whole chain, every data object
// complete with the count, size and checksum its entry lists, no
// temporary file, the ranges tiling from `from` to `to`; it returns the
// events of all objects in order. Objects that no entry names (left by a
// killed run) may be there: nothing reads them.
func checkOutDir(t *testing.T, dir string, from, to time.Time) []auditlog.Event {
	t.Helper()
	objs := loadObjects(t, dir)
	filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case strings.HasSuffix(rel, ".tmp") || safefile.IsTemp(de.Name()) || strings.HasPrefix(de.Name(), "authgear-audit-spool-"):
			t.Errorf("temporary file %s left in %s", rel, dir)
		}
		return nil
	})
	var all []auditlog.Event
	at := from
	for _, f := range objs {
		if !f.From.Equal(at) {
			t.Errorf("%s starts at %s, want %s (gap or overlap)", f.Key, rfc(f.From), rfc(at))
		}
		at = f.To
		path := filepath.Join(dir, filepath.FromSlash(f.Key))
		got := readExport(t, path)
		raw, _ := os.ReadFile(path)
		sum := sha256.Sum256(raw)
		if int64(len(got)) != f.Count || f.Bytes != int64(len(raw)) || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s holds %d events in %d bytes, its entry says %d in %d", f.Key, len(got), len(raw), f.Count, f.Bytes)
		}
		for _, e := range got {
			if e.CreatedAt.Before(f.From) || !e.CreatedAt.Before(f.To) {
				t.Errorf("%s holds %s at %s, outside its range", f.Key, e.ID, rfc(e.CreatedAt))
			}
		}
		all = append(all, got...)
	}
	if !at.Equal(to) {
		t.Errorf("objects end at %s, want %s", rfc(at), rfc(to))
	}
	return all
}

// Two runs with new events between them: the second starts exactly where
// the first ended, and the two files hold every event once.
func TestExportStateTiles(t *testing.T) {
	s, start := stateServer(t, 41)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	out := filepath.Join(dir, "out")
	t1, t2 := start.Add(4*24*time.Hour), start.Add(7*24*time.Hour)

	code, _, errb := runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--since", rfc(start), "--until", rfc(t1))
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errb)
	}
	// New events after the first run's end, written before the second run.
	late, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: 42, Count: 200, Start: t1, End: t2})
	s.Add(late...)

	// The second run omits --since (a cron line may also keep the first
	// run's --since: that is accepted too).
	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--until", rfc(t2))
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errb)
	}
	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--since", rfc(start), "--until", rfc(t2.Add(time.Hour)))
	if code != 0 {
		t.Fatalf("third run with the first --since: exit %d: %s", code, errb)
	}
	got := checkOutDir(t, out, start, t2.Add(time.Hour))
	checkExactlyOnce(t, got, s.Select(adminapi.Selection{From: start, To: t2.Add(time.Hour)}), false)

	st, err := incremental.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	if !st.LastEnd.Equal(t2.Add(time.Hour)) || st.Pending != nil || !st.Start.Equal(start) {
		t.Errorf("state: lastEnd %s, start %s, pending %v", rfc(st.LastEnd), rfc(st.Start), st.Pending)
	}
	objs := loadObjects(t, out)
	if len(objs) != 3 || !strings.HasPrefix(objs[0].Key, "data/audit-20261101T000000Z-20261105T000000Z-") || !strings.HasSuffix(objs[0].Key, ".jsonl.gz") {
		t.Errorf("objects: %+v", objs)
	}
	if runtime.GOOS != "windows" {
		for _, p := range []string{state, filepath.Join(out, objs[0].Key), filepath.Join(out, incremental.EntryKey(1))} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, %v; want 0600", p, fi.Mode().Perm(), err)
			}
		}
	}

	// A run with nothing new since the end writes nothing and says so.
	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--until", rfc(t2.Add(time.Hour)))
	if code != 0 || !strings.Contains(errb.String(), "nothing new") {
		t.Errorf("run with nothing new: exit %d: %s", code, errb)
	}
	// verify agrees, online and offline.
	for _, args := range [][]string{{"verify", out}, {"verify", "--offline", out}} {
		code, vout, verr := runExportCmd(t, s, args...)
		if code != 0 || !strings.Contains(vout.String(), "ok: complete and clean") {
			t.Errorf("%v: exit %d\n%s%s", args, code, vout, verr)
		}
	}
}

// A state refuses another export: other filters, project or endpoint, a
// --since elsewhere, an --out-dir written by another state.
func TestExportStateRefusals(t *testing.T) {
	s, start := stateServer(t, 43)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	out := filepath.Join(dir, "out")
	t1 := start.Add(2 * 24 * time.Hour)
	code, _, errb := runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--since", rfc(start), "--until", rfc(t1), "--activity", "authentication")
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errb)
	}
	before, _ := os.ReadFile(state)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"other activity", []string{"--state", state, "--out-dir", out, "--activity", "user"}, "--activity was AUTHENTICATION_"},
		{"no activity", []string{"--state", state, "--out-dir", out}, "now all types"},
		{"a user added", []string{"--state", state, "--out-dir", out, "--activity", "authentication", "--user", "u-1"}, "--user was none, now id:u-1"},
		{"since elsewhere", []string{"--state", state, "--out-dir", out, "--activity", "authentication", "--since", rfc(start.Add(time.Hour))}, "omit --since"},
		{"another state on the same dir", []string{"--state", filepath.Join(dir, "other.json"), "--out-dir", out, "--activity", "authentication", "--since", rfc(start)}, "use the state file that did"},
		{"another filter on the same dir", []string{"--state", filepath.Join(dir, "other2.json"), "--out-dir", out, "--since", rfc(start)}, "holds an export with other --activity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errb := runExportCmd(t, s, append([]string{"export"}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, want 2 with %q:\n%s", code, tt.want, errb)
			}
			if after, _ := os.ReadFile(state); !bytes.Equal(after, before) {
				t.Errorf("refused run changed the state")
			}
		})
	}
	// Another project is named as such.
	st, _ := incremental.LoadState(state)
	st.Project = "another"
	st.Save(state, time.Now())
	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--activity", "authentication")
	if code != ExitUsage || !strings.Contains(errb.String(), `project was "another", now "myapp"`) {
		t.Errorf("other project: exit %d: %s", code, errb)
	}
}

// A second run while the lock is held exits 1 at once with a clear message
// and touches nothing.
func TestExportLockHeld(t *testing.T) {
	s, start := stateServer(t, 44)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	lock, err := incremental.AcquireLock(state, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	before := s.Requests()
	code, _, errb := runExportCmd(t, s, "export", "--state", state, "--out-dir", filepath.Join(dir, "out"), "--since", rfc(start))
	if code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"another export holds the lock on " + state + ".lock", "started ", "cannot be stale"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("message lacks %q: %s", want, errb)
		}
	}
	if s.Requests() != before {
		t.Errorf("%d requests sent while locked out", s.Requests()-before)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state written while locked out: %v", err)
	}
}

// A run killed after writing its data object, before its commit, left
// the object and a pending range in the state. The next run continues
// where the archive ends, in one entry; the killed run's object stays
// unnamed, and neither export nor search reads it.
func TestExportAfterKilledRun(t *testing.T) {
	s, start := stateServer(t, 45)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	out := filepath.Join(dir, "out")
	t1, t2, t3 := start.Add(3*24*time.Hour), start.Add(5*24*time.Hour), start.Add(8*24*time.Hour)
	code, _, errb := runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--since", rfc(start), "--until", rfc(t1))
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errb)
	}
	left := filepath.Join(out, "data", incremental.FileName(incremental.Range{From: t1, To: t2}, "-0123456789ab.jsonl"))
	os.WriteFile(left, []byte(`{"id":"not-an-event","createdAt":"2026-11-04T00:00:00Z","activityType":"USER_CREATED"}`+"\n"), 0o600)
	st, _ := incremental.LoadState(state)
	st.Pending = &incremental.Pending{From: t1, To: t2, Format: "jsonl", Compression: "gzip", InDir: true}
	st.Save(state, time.Now())

	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--until", rfc(t3))
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errb)
	}
	got := checkOutDir(t, out, start, t3)
	checkExactlyOnce(t, got, s.Select(adminapi.Selection{From: start, To: t3}), false)
	if objs := loadObjects(t, out); len(objs) != 2 || !objs[1].From.Equal(t1) || !objs[1].To.Equal(t3) {
		t.Errorf("objects %+v, want the second from %s to %s", objs, rfc(t1), rfc(t3))
	}
	if !strings.Contains(errb.String(), "committed manifest/00000002.json, head: sha256:") {
		t.Errorf("summary: %s", errb)
	}
	code, sout, errb := runExportCmd(t, s, "search", "--input", out, "--limit", "0", "-o", "jsonl")
	if code != 0 || strings.Contains(sout.String(), "not-an-event") {
		t.Errorf("search --input read what no entry names: exit %d: %s", code, errb)
	}
	code, vout, _ := runExportCmd(t, s, "verify", "--offline", out)
	if code != 0 || !strings.Contains(vout.String(), "note: 1 object that no entry names") || !strings.Contains(vout.String(), "ok: complete and clean") {
		t.Errorf("verify --offline: exit %d: %s", code, vout)
	}
}

// With --state and stdout, a pending range is sent again together with the
// new one, and the state advances only after a complete stream.
func TestExportStateStdout(t *testing.T) {
	s, start := stateServer(t, 46)
	state := filepath.Join(t.TempDir(), "state.json")
	t1, t2 := start.Add(3*24*time.Hour), start.Add(6*24*time.Hour)
	code, out1, errb := runExportCmd(t, s, "export", "--state", state, "--since", rfc(start), "--until", rfc(t1))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	// Interrupt the next run during its stream: the state must not move.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	base := s.Requests()
	s.OnRequest(func(n int64) {
		if n-base == 3 {
			cancel()
		}
	})
	app, _, errb2 := newAPITestApp(t, nil)
	code = run(ctx, app, append(connArgs(t, s), "export", "--state", state, "--until", rfc(t2), "--parallel", "1", "--no-count"))
	if code != ExitInterrupted {
		t.Fatalf("interrupted run: exit %d: %s", code, errb2)
	}
	s.OnRequest(nil)
	st, _ := incremental.LoadState(state)
	if !st.LastEnd.Equal(t1) || st.Pending != nil {
		t.Fatalf("after an interrupted stream: lastEnd %s, pending %+v", rfc(st.LastEnd), st.Pending)
	}
	code, out2, errb := runExportCmd(t, s, "export", "--state", state, "--until", rfc(t2))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	got := append(jsonlEvents(t, out1.Bytes()), jsonlEvents(t, out2.Bytes())...)
	checkExactlyOnce(t, got, s.Select(adminapi.Selection{From: start, To: t2}), false)

	// A pending range left for stdout (a killed run) is merged with the new
	// range into one stream.
	st, _ = incremental.LoadState(state)
	t3 := t2.Add(24 * time.Hour)
	st.Pending = &incremental.Pending{From: t2, To: t2.Add(time.Hour), File: "-", Format: "jsonl"}
	st.Save(state, time.Now())
	code, out3, errb := runExportCmd(t, s, "export", "--state", state, "--until", rfc(t3))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	checkExactlyOnce(t, jsonlEvents(t, out3.Bytes()), s.Select(adminapi.Selection{From: t2, To: t3}), false)
}

// SIGINT (a cancelled context) stops the export: exit 130, the previous
// file untouched, no temporary file left, the state as it was.
func TestExportInterrupted(t *testing.T) {
	s, start := stateServer(t, 47)
	for _, mode := range []string{"file", "out-dir"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "audit.jsonl.gz")
			state := filepath.Join(dir, "state.json")
			args := []string{"export", "--since", rfc(start), "--parallel", "4"}
			if mode == "file" {
				os.WriteFile(path, []byte("previous"), 0o600)
				args = append(args, "--out", path)
			} else {
				args = append(args, "--state", state, "--out-dir", dir)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			base := s.Requests()
			s.OnRequest(func(n int64) {
				if n-base == 6 {
					cancel()
				}
			})
			defer s.OnRequest(nil)
			app, _, errb := newAPITestApp(t, nil)
			code := run(ctx, app, append(connArgs(t, s), args...))
			if code != ExitInterrupted {
				t.Fatalf("exit %d, want 130: %s", code, errb)
			}
			if !strings.Contains(errb.String(), "interrupted") {
				t.Errorf("stderr: %s", errb)
			}
			des, _ := os.ReadDir(dir)
			for _, de := range des {
				n := de.Name()
				if safefile.IsTemp(n) || strings.HasPrefix(n, "authgear-audit-spool-") || incremental.IsDataFile(n) || n == incremental.ManifestName {
					t.Errorf("%s left after an interrupt", n)
				}
			}
			if mode == "file" {
				if b, _ := os.ReadFile(path); string(b) != "previous" {
					t.Errorf("destination changed: %q", b)
				}
			} else {
				st, err := incremental.LoadState(state)
				if err != nil || (st != nil && (st.Pending != nil || !st.LastEnd.IsZero())) {
					t.Errorf("state after an interrupted first run: %+v, %v", st, err)
				}
			}
		})
	}
}

func TestExportBadUsage(t *testing.T) {
	s, _ := stateServer(t, 48)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"parallel 0", []string{"--parallel", "0"}, "--parallel: 0 is out of range: give 1 to 16"},
		{"parallel 17", []string{"--parallel", "17"}, "--parallel: 17 is out of range"},
		{"bad file mode", []string{"--file-mode", "rw-r"}, "--file-mode"},
		{"file mode too wide", []string{"--file-mode", "1777"}, "--file-mode"},
		{"file mode the owner cannot read", []string{"--file-mode", "0200"}, "--file-mode"},
		{"table", []string{"-o", "table"}, `unknown format "table": use jsonl, csv, json, parquet`},
		{"unknown extension", []string{"--out", filepath.Join(dir, "x.txt")}, "cannot tell the format"},
		{"out-dir is a file", []string{"--out-dir", notDir, "--state", filepath.Join(dir, "s")}, "--out-dir: " + notDir + " is not a directory"},
		{"out and out-dir", []string{"--out-dir", dir, "--state", filepath.Join(dir, "s"), "--out", "x.jsonl"}, "exclude each other"},
		{"no-gzip without out-dir", []string{"--no-gzip"}, "--no-gzip applies to --out-dir"},
		{"columns with jsonl", []string{"--columns", "id"}, "--columns"},
		{"csv-raw with jsonl", []string{"--csv-raw"}, "--csv-raw applies to csv"},
		{"negative lag", []string{"--lag", "-1s"}, "--lag"},
		{"argument", []string{"something"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Requests()
			code, out, errb := runExportCmd(t, s, append([]string{"export"}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, want 2 with %q: %s", code, tt.want, errb)
			}
			if out.Len() != 0 || s.Requests() != before {
				t.Errorf("a usage error wrote %d bytes and sent %d requests", out.Len(), s.Requests()-before)
			}
		})
	}
}

// --file-mode, --out-dir without gzip, and the format from the extension.
func TestExportFileModeAndNames(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	s, start := stateServer(t, 49)
	dir := t.TempDir()
	until := start.Add(24 * time.Hour)
	path := filepath.Join(dir, "day.csv")
	code, _, errb := runExportCmd(t, s, "export", "--since", rfc(start), "--until", rfc(until), "--out", path, "--file-mode", "640")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %#o, want 0640", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if !bytes.HasPrefix(raw, []byte("id,")) {
		t.Errorf("day.csv is not csv: %.60q", raw)
	}
	checkExactlyOnce(t, readExport(t, path), s.Select(adminapi.Selection{From: start, To: until}), false)

	out := filepath.Join(dir, "plain")
	code, _, errb = runExportCmd(t, s, "export", "--since", rfc(start), "--until", rfc(until), "--state", filepath.Join(dir, "s.json"), "--out-dir", out, "--no-gzip", "-o", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	objs := loadObjects(t, out)
	if len(objs) != 1 || objs[0].Format != "csv" || objs[0].Compression != "" ||
		!strings.HasPrefix(objs[0].Key, "data/audit-20261101T000000Z-20261102T000000Z-") || !strings.HasSuffix(objs[0].Key, ".csv") {
		t.Errorf("objects: %+v", objs)
	}
	if fi, err := os.Stat(filepath.Join(out, objs[0].Key)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v, %v; want mode 0600", objs[0].Key, fi, err)
	}
}

// A run over a range without events still writes its (empty) file, so the
// files tile without gaps; a project without any event exports nothing
// and says so.
func TestExportEmpty(t *testing.T) {
	s, start := stateServer(t, 50)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	before := start.Add(-48 * time.Hour)
	code, _, errb := runExportCmd(t, s, "export", "--state", filepath.Join(dir, "s.json"), "--out-dir", out, "--since", rfc(before), "--until", rfc(start))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if got := checkOutDir(t, out, before, start); len(got) != 0 {
		t.Errorf("%d events in an empty range", len(got))
	}
	if !strings.Contains(errb.String(), "exported 0 events to ") {
		t.Errorf("summary: %s", errb)
	}

	empty := adminapitest.New(t)
	path := filepath.Join(dir, "none.json")
	code, _, errb = runExportCmd(t, empty, "export", "--out", path)
	if code != 0 || !strings.Contains(errb.String(), "nothing to export") {
		t.Errorf("empty project: exit %d: %s", code, errb)
	}
	var arr []json.RawMessage
	raw, _ := os.ReadFile(path)
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 0 {
		t.Errorf("empty project's file: %q, %v", raw, err)
	}
}

// A --since beyond the usual retention warns that Authgear may have dropped
// events.
func TestExportRetentionWarning(t *testing.T) {
	s, _ := stateServer(t, 51)
	old := time.Now().Add(-120 * 24 * time.Hour).UTC().Truncate(time.Second)
	code, _, errb := runExportCmd(t, s, "export", "--since", rfc(old), "--until", rfc(old.Add(time.Hour)), "--out", filepath.Join(t.TempDir(), "x.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(errb.String(), "Authgear drops audit logs after 90–180 days and says nothing: events before ") {
		t.Errorf("no retention warning: %s", errb)
	}
}

// verify as a command: a clean export passes; a deleted line, a duplicated
// line and a truncated file each fail with exit 1 and a report on stdout,
// online and offline.
func TestVerifyCommand(t *testing.T) {
	s, start := stateServer(t, 52)
	until := start.Add(6 * 24 * time.Hour)
	mk := func(t *testing.T) string {
		dir := t.TempDir()
		out := filepath.Join(dir, "out")
		for _, u := range []time.Time{start.Add(3 * 24 * time.Hour), until} {
			code, _, errb := runExportCmd(t, s, "export", "--state", filepath.Join(dir, "s.json"), "--out-dir", out, "--since", rfc(start), "--until", rfc(u), "--no-gzip")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
		}
		return out
	}
	lines := func(t *testing.T, path string, edit func([]string) []string) {
		raw, _ := os.ReadFile(path)
		l := strings.SplitAfter(string(raw), "\n")
		os.WriteFile(path, []byte(strings.Join(edit(l[:len(l)-1]), "")), 0o600)
	}
	second := func(out string) string {
		return filepath.Join(out, loadObjects(t, out)[1].Key)
	}
	tests := []struct {
		name            string
		mutate          func(t *testing.T, out string)
		online, offline string // in the report; "" = clean
	}{
		{"clean", nil, "", ""},
		{"deleted line", func(t *testing.T, out string) {
			lines(t, second(out), func(l []string) []string { return append(l[:5:5], l[6:]...) })
		}, "(1 missing)", "counts against the manifest (1)"},
		{"duplicated line", func(t *testing.T, out string) {
			lines(t, second(out), func(l []string) []string { return append(l[:6:6], append([]string{l[5]}, l[6:]...)...) })
		}, "duplicate IDs (1)", "duplicate IDs (1)"},
		{"truncated file", func(t *testing.T, out string) {
			p := second(out)
			raw, _ := os.ReadFile(p)
			os.WriteFile(p, raw[:len(raw)*2/3], 0o600)
		}, "unparsable (1)", "checksum and size (1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := mk(t)
			if tt.mutate != nil {
				tt.mutate(t, out)
			}
			for _, c := range []struct {
				args []string
				want string
			}{{[]string{"verify", "--input", out}, tt.online}, {[]string{"verify", "--offline", out}, tt.offline}} {
				code, vout, verr := runExportCmd(t, s, c.args...)
				wantCode := ExitFailure
				if c.want == "" {
					wantCode = ExitOK
					c.want = "ok: complete and clean"
				}
				if code != wantCode || !strings.Contains(vout.String(), c.want) {
					t.Errorf("%v: exit %d (want %d), report lacks %q:\n%s%s", c.args, code, wantCode, c.want, vout, verr)
				}
				if code == ExitFailure && strings.TrimSpace(verr.String()) != "" && !strings.Contains(verr.String(), "warning:") {
					t.Errorf("%v: a failed verification printed more than its report: %s", c.args, verr)
				}
			}
		})
	}

	// One file against its own first and last second, and a range.
	out := mk(t)
	file := filepath.Join(out, loadObjects(t, out)[0].Key)
	code, vout, verr := runExportCmd(t, s, "verify", file)
	if code != 0 {
		t.Errorf("verify FILE: exit %d\n%s%s", code, vout, verr)
	}
	code, vout, _ = runExportCmd(t, s, "verify", file, "--since", rfc(start), "--until", rfc(until))
	if code != ExitFailure || !strings.Contains(vout.String(), "missing)") {
		t.Errorf("verify FILE over a wider range: exit %d\n%s", code, vout)
	}
	// Usage.
	for _, args := range [][]string{{"verify"}, {"verify", filepath.Join(out, "nope")}, {"verify", out, "--since", rfc(start)}, {"verify", t.TempDir()}} {
		if code, _, errb := runExportCmd(t, s, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errb)
		}
	}
}

// With --state and --out FILE: a pending range for the same file is merged
// with the new range into that file; a pending range for another file is
// redone into that file first.
func TestExportStateOutFile(t *testing.T) {
	s, start := stateServer(t, 53)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	f1, f2, f3 := filepath.Join(dir, "1.jsonl"), filepath.Join(dir, "2.jsonl"), filepath.Join(dir, "3.jsonl")
	code, _, errb := runExportCmd(t, s, "export", "--state", state, "--out", f1, "--since", rfc(start), "--until", rfc(day(2)))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	pend := func(file string, from, to time.Time) {
		st, _ := incremental.LoadState(state)
		st.Pending = &incremental.Pending{From: from, To: to, File: file, Format: "jsonl"}
		st.Save(state, time.Now())
		os.WriteFile(file, []byte("left by a killed run\n"), 0o600)
	}
	// Same file: one range from the pending start.
	pend(f2, day(2), day(3))
	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out", f2, "--until", rfc(day(4)))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	checkExactlyOnce(t, readExport(t, f2), s.Select(adminapi.Selection{From: day(2), To: day(4)}), false)
	// Another file: redone there, then the new range.
	pend(f2, day(4), day(5))
	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out", f3, "--until", rfc(day(7)))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	checkExactlyOnce(t, readExport(t, f2), s.Select(adminapi.Selection{From: day(4), To: day(5)}), false)
	checkExactlyOnce(t, readExport(t, f3), s.Select(adminapi.Selection{From: day(5), To: day(7)}), false)
	if !strings.Contains(errb.String(), "to "+f2+" and "+f3+" in ") {
		t.Errorf("summary: %s", errb)
	}
	// A pending range of an --out-dir cannot be finished with --out.
	st, _ := incremental.LoadState(state)
	st.Pending = &incremental.Pending{From: day(7), To: day(8), File: "x.jsonl.gz", InDir: true}
	st.Save(state, time.Now())
	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out", f3)
	if code != ExitUsage || !strings.Contains(errb.String(), "same kind of output") {
		t.Errorf("exit %d: %s", code, errb)
	}
}

// TestExportCountsOnlyWhenUsed checks that the count probes are made for
// parallel shards, and not for one shard whose progress nobody sees.
func TestExportCountsOnlyWhenUsed(t *testing.T) {
	events, users, start := faultEvents()
	for _, tt := range []struct {
		parallel string
		counts   bool
	}{{"1", false}, {"4", true}} {
		s := adminapitest.New(t, adminapitest.WithEvents(events, users))
		code, out, errb := runExportCmd(t, s, "export", "--parallel", tt.parallel, "--since", rfc(start), "--until", rfc(start.Add(3*24*time.Hour)))
		if code != 0 {
			t.Fatalf("--parallel %s: exit %d: %s", tt.parallel, code, errb)
		}
		checkExactlyOnce(t, jsonlEvents(t, out.Bytes()), events, false)
		// Drains select totalCount too; the probes are AuditLogCounts.
		probes := s.Stats().ByOperation["AuditLogCounts"]
		if got := probes > 0; got != tt.counts {
			t.Errorf("--parallel %s: %d count probes, want some: %v", tt.parallel, probes, tt.counts)
		}
	}
}
