package deliver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
)

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "tail.json")
	lock, err := Lock(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	if _, err := Lock(path, time.Now()); err == nil || !strings.Contains(err.Error(), "another run holds the lock on "+path+".lock (pid ") {
		t.Errorf("a second lock: %v, want an error naming the holder", err)
	}
	if st, err := LoadState(path); st != nil || err != nil {
		t.Fatalf("a missing state: %v, %v", st, err)
	}
	st := &State{Endpoint: "https://myapp.authgear.cloud/_api/admin/graphql", Project: "myapp",
		Filter:      incremental.FilterOf(auditlog.Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}),
		Destination: "--out /var/log/audit.jsonl", Format: "jsonl",
		Checkpoint: Checkpoint{Through: t0, IDs: []string{"a", "b"}}, OutBytes: 1234}
	if err := st.Save(path, time.Now()); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Checkpoint.Through.Equal(t0) || strings.Join(got.Checkpoint.IDs, ",") != "a,b" || got.OutBytes != 1234 {
		t.Errorf("loaded %+v", got)
	}
	// An export reads it as no state of its own.
	if _, err := incremental.LoadState(path); err == nil {
		t.Error("export took a tail's state file for its own")
	}
}

func TestStateCheck(t *testing.T) {
	st := &State{Endpoint: "https://myapp.authgear.cloud/_api/admin/graphql", Project: "myapp",
		Filter:      incremental.FilterOf(auditlog.Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}),
		Destination: "--to https://siem.example.com/ingest", Format: "jsonl"}
	same := Identity{Endpoint: st.Endpoint + "/", Project: "myapp", Filter: st.Filter, Destination: st.Destination, Format: "jsonl"}
	if err := st.Check("s.json", same); err != nil {
		t.Errorf("the same tail: %v", err)
	}
	tests := []struct {
		change func(*Identity)
		want   string
	}{
		{func(id *Identity) {
			id.Filter = incremental.FilterOf(auditlog.Filter{ActivityTypes: []string{"USER_CREATED"}})
		}, "--activity was USER_AUTHENTICATED, now USER_CREATED"},
		{func(id *Identity) { id.Filter.Countries = []string{"HK"} }, "--country was none, now HK"},
		{func(id *Identity) { id.Project = "other" }, `project was "myapp", now "other"`},
		{func(id *Identity) { id.Destination = "stdout" }, "it delivered to --to https://siem.example.com/ingest, now to stdout"},
		{func(id *Identity) { id.Format = "splunk" }, "the format was jsonl, now splunk"},
	}
	for _, tt := range tests {
		id := same
		tt.change(&id)
		err := st.Check("s.json", id)
		if _, ok := err.(*StateError); !ok || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "state file s.json belongs to another tail: ") {
			t.Errorf("Check = %v, want a StateError with %q", err, tt.want)
		}
	}
}

func TestLoadStateRefuses(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]string{
		`{"version":1,"endpoint":"x"}`: "was not written by tail",
		`{"tailVersion":9}`:            "newer than this authgear-audit understands",
		`{"tailVersion":1,"checkpoint":{"through":"2026-12-01T10:00:00.5Z"}}`: "is not a whole second",
		`{"tailVersion":1,"outBytes":-1}`:                                     "negative outBytes",
		`{`:                                                                   "is not valid JSON",
	}
	for raw, want := range tests {
		path := filepath.Join(dir, "s.json")
		os.WriteFile(path, []byte(raw), 0o600)
		_, err := LoadState(path)
		if _, ok := err.(*StateError); !ok || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a StateError with %q", raw, err, want)
		}
	}
}

func TestOpenAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	os.WriteFile(path, []byte("line1\nline2\nhalf a li"), 0o600)
	f, err := OpenAppend(path, 12, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("line3\n")
	f.Close()
	if raw, _ := os.ReadFile(path); string(raw) != "line1\nline2\nline3\n" {
		t.Errorf("file %q: want what came after the checkpoint dropped", raw)
	}
	f, err = OpenAppend(path, -1, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("line4\n")
	f.Close()
	if raw, _ := os.ReadFile(path); string(raw) != "line1\nline2\nline3\nline4\n" {
		t.Errorf("file %q: want line4 appended", raw)
	}
	_, err = OpenAppend(path, 1000, 0o600)
	if _, ok := err.(*ShortFileError); !ok || !strings.Contains(err.Error(), "holds 24 bytes, fewer than the 1000") {
		t.Errorf("a short file: %v", err)
	}
	if _, err := OpenAppend(t.TempDir(), 0, 0o600); err == nil {
		t.Error("a directory was opened")
	}
}

// TestTrackerStart: a new state is saved before anything is delivered,
// with the --out file's length as found, so that a first run killed
// before its first checkpoint is cut back to it.
func TestTrackerStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tail.json")
	id := Identity{Endpoint: "https://e.example.com", Project: "p", Destination: "--out /x", Format: "jsonl"}
	tr, err := OpenTracker(path, id, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if n := tr.OutBytes(); n != -1 {
		t.Errorf("a new state: OutBytes %d, want -1", n)
	}
	tr.RecordSize(func() (int64, error) { return 77, nil })
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	tr, err = OpenTracker(path, id, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, ok := tr.Resume(); ok {
		t.Error("a state without a checkpoint resumes")
	}
	if n := tr.OutBytes(); n != 77 {
		t.Errorf("after Start: OutBytes %d, want 77", n)
	}
}
