package export

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/objstore"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/readback"
	"github.com/authgear-audit/authgear-audit/internal/verify"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var runStart = ts("2026-11-20T00:00:00Z")

// runFixture is a stand-in with 600 events over a day from runStart, two
// seconds of 150 among them, and a client for it.
func runFixture(t *testing.T) (*adminapitest.Server, *adminapi.Client) {
	t.Helper()
	evs, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 3, Count: 300, Start: runStart, End: runStart.Add(24 * time.Hour), Bursts: 2, BurstSize: 150})
	srv := adminapitest.New(t, adminapitest.WithEvents(evs, users))
	c, err := adminapi.New(adminapi.Options{Endpoint: srv.Endpoint(), ProjectID: srv.ProjectID(), KeyID: srv.KeyID(), KeyFile: srv.KeyFile(t),
		RetryBase: time.Millisecond, RetryCap: time.Millisecond, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// dirOptions are the options of an incremental run into dir with state.
func dirOptions(c *adminapi.Client, state, dir string, until time.Time) Options {
	dest, _ := incremental.DestinationOf(dir, "-")
	return Options{
		Source:   c,
		Identity: incremental.Identity{Endpoint: c.Endpoint(), Project: adminapitest.DefaultProjectID, Dest: dest},
		Until:    until, StatePath: state, OutDir: dir, OutPath: "-", OpenBucket: objstore.Open,
		Output: output.Options{Format: output.FormatJSONL, UTC: true}, FileMode: 0o600,
		Parallel: 2, Count: true,
		Now: func() time.Time { return runStart.Add(48 * time.Hour) },
	}
}

func runOnce(t *testing.T, o Options) (Result, error) {
	t.Helper()
	r, err := Open(context.Background(), o)
	if err != nil {
		return Result{}, err
	}
	defer r.Close()
	return r.Do(context.Background(), adminapi.Selection{})
}

// readDir reads every data object that the archive in dir names, in
// time order.
func readDir(t *testing.T, dir string) []string {
	t.Helper()
	a, b := openArchive(t, dir)
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

func openArchive(t *testing.T, dir string) (*incremental.Archive, *blob.Bucket) {
	t.Helper()
	b, err := objstore.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	a, err := incremental.ReadArchive(context.Background(), b, dir)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func sortedIDs(evs []adminapitest.Event) []string {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	slices.Sort(ids)
	return ids
}

// TestRunIncremental: two runs tile the time line into two entries, the
// state ends at the second run's end, and together their objects hold
// every event once; a third run with nothing new writes nothing.
func TestRunIncremental(t *testing.T) {
	srv, c := runFixture(t)
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "s", "state.json")
	mid, end := runStart.Add(12*time.Hour), runStart.Add(24*time.Hour)

	o := dirOptions(c, state, dir, mid)
	o.Since = runStart
	if _, err := runOnce(t, o); err != nil {
		t.Fatal(err)
	}
	res, err := runOnce(t, dirOptions(c, state, dir, end))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || !strings.Contains(res.Written[0], "20261120T120000Z-20261121T000000Z") {
		t.Errorf("second run wrote %v", res.Written)
	}
	got := readDir(t, dir)
	slices.Sort(got)
	if want := sortedIDs(srv.Select(adminapi.Selection{From: runStart, To: end})); !slices.Equal(got, want) {
		t.Errorf("the files hold %d events, want the %d of the day once each", len(got), len(want))
	}
	st, err := incremental.LoadState(state)
	if err != nil || st.Pending != nil || !st.LastEnd.Equal(end) || !st.Start.Equal(runStart) {
		t.Fatalf("state after two runs: %+v, %v", st, err)
	}
	a, _ := openArchive(t, dir)
	if len(a.Entries) != 2 || !a.Entries[0].Entry.To.Equal(a.Entries[1].Entry.From) || a.Entries[1].Entry.Previous != a.Entries[0].Hash || a.Problem() != nil {
		t.Fatalf("entries: %+v, %v", a.Entries, a.Problem())
	}
	var notices []string
	o = dirOptions(c, state, dir, end)
	o.Notice = func(f string, a ...any) { notices = append(notices, f) }
	if res, err := runOnce(t, o); err != nil || len(res.Written) != 0 || len(notices) != 1 || !strings.Contains(notices[0], "nothing new") {
		t.Errorf("a run with nothing new: %+v, %v, notices %q", res, err, notices)
	}
}

// TestRunAfterKilledFirstRun: a first run killed before its commit left
// a pending range in the state, a half data object and a temporary file
// of the store. The next run starts at the pending range, leaves the half
// object unnamed (no reader takes it for data) and removes the temporary
// file.
func TestRunAfterKilledFirstRun(t *testing.T) {
	srv, c := runFixture(t)
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.json")
	mid, end := runStart.Add(12*time.Hour), runStart.Add(24*time.Hour)
	killed := &incremental.State{Endpoint: c.Endpoint(), Project: adminapitest.DefaultProjectID, Format: "jsonl", Compression: "gzip",
		OutDir: mustAbs(t, dir), Start: runStart,
		Pending: &incremental.Pending{From: runStart, To: mid, InDir: true, Format: "jsonl", Compression: "gzip"}}
	if err := killed.Save(state, runStart); err != nil {
		t.Fatal(err)
	}
	half := "data/" + incremental.FileName(incremental.Range{From: runStart, To: mid}, "-0123456789ab.jsonl.gz")
	temp := "data/." + incremental.FileName(incremental.Range{From: runStart, To: mid}, "-ba9876543210.jsonl.gz") + ".tmp-123"
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{temp, half} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := runOnce(t, dirOptions(c, state, dir, end))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || !strings.Contains(res.Written[0], "20261120T000000Z-20261121T000000Z") {
		t.Fatalf("wrote %v, want one object from the pending range's start", res.Written)
	}
	if _, err := os.Stat(filepath.Join(dir, temp)); !os.IsNotExist(err) {
		t.Error("the killed run's temporary file is still there")
	}
	got := readDir(t, dir)
	slices.Sort(got)
	if want := sortedIDs(srv.Select(adminapi.Selection{From: runStart, To: end})); !slices.Equal(got, want) {
		t.Errorf("the objects hold %d events, want the %d of the day once each", len(got), len(want))
	}
	a, b := openArchive(t, dir)
	rep, err := verify.Archive(context.Background(), b, a, verify.ArchiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, unref := unreferenced(t, rep); !rep.OK() || n != 1 || !slices.Equal(unref, []string{half}) {
		t.Errorf("verify: ok %v, %d unreferenced %v", rep.OK(), n, unref)
	}
}

// TestRunRefuses: another export's state or directory, and a --since that
// does not continue the state, are refused before anything is written.
func TestRunRefuses(t *testing.T) {
	_, c := runFixture(t)
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.json")
	mid := runStart.Add(12 * time.Hour)
	o := dirOptions(c, state, dir, mid)
	o.Since = runStart
	if _, err := runOnce(t, o); err != nil {
		t.Fatal(err)
	}
	other := dirOptions(c, state, dir, mid.Add(time.Hour))
	other.Identity.Filter = incremental.Filter{ActivityTypes: []string{"USER_CREATED"}}
	late := dirOptions(c, state, dir, mid.Add(time.Hour))
	late.Since = runStart.Add(time.Hour)
	stranger := dirOptions(c, filepath.Join(t.TempDir(), "other.json"), dir, mid.Add(time.Hour))
	stranger.Identity.Filter = incremental.Filter{ActivityTypes: []string{"USER_CREATED"}}
	elsewhere := dirOptions(c, state, dir, mid.Add(time.Hour))
	elsewhere.Identity.Endpoint = "https://other.authgear.cloud/_api/admin/graphql" // the state knows, the manifest does not
	for name, o := range map[string]Options{"other filters": other, "another endpoint": elsewhere, "a --since off the state": late, "another export's directory": stranger} {
		_, err := runOnce(t, o)
		var refused *RefusedError
		if !errors.As(err, &refused) {
			t.Errorf("%s: %v, want a *RefusedError", name, err)
		}
	}
	if a, _ := openArchive(t, dir); len(a.Entries) != 1 {
		t.Errorf("a refused run changed the archive: %d entries", len(a.Entries))
	}
}

// TestRunFailureLeavesState: a range that fails leaves no file and the
// state as it was before the run, and a second run at the same time is
// locked out.
func TestRunFailureLeavesState(t *testing.T) {
	srv, c := runFixture(t)
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.json")
	o := dirOptions(c, state, dir, runStart.Add(12*time.Hour))
	o.Since = runStart
	r, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), o); !errors.As(err, new(*incremental.LockedError)) {
		t.Errorf("a second run while the first holds the lock: %v, want a *LockedError", err)
	}
	for range 20 {
		srv.Inject(adminapitest.Fault{Status: 500})
	}
	_, err = r.Do(context.Background(), adminapi.Selection{})
	r.Close()
	if !errors.As(err, new(*adminapi.APIError)) {
		t.Fatalf("Export = %v, want the API's failure", err)
	}
	if ids := readDir(t, dir); len(ids) != 0 {
		t.Errorf("a failed run left %d events in files", len(ids))
	}
	filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() && de.Name() != incremental.DirLockName {
			t.Errorf("a failed run left %s", p)
		}
		return nil
	})
	st, err := incremental.LoadState(state)
	if err != nil || (st != nil && (st.Pending != nil || !st.LastEnd.IsZero())) {
		t.Errorf("state after a failed first run: %+v, %v", st, err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
