package codec

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/parquetfile"
)

// writeParquet writes events to dir/name as a Parquet archive file.
func writeParquet(t testing.TB, dir, name string, evs []*auditlog.Event) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func generatedEvents(n int) []*auditlog.Event {
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	gen, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: 9, Count: n, Start: start, End: start.Add(72 * time.Hour), Nasty: true})
	evs := make([]*auditlog.Event, len(gen))
	for i := range gen {
		r := gen[i].Record()
		evs[i] = &r
	}
	return evs
}

// TestParquetFromStream reads Parquet from a stream (standard input, an
// object), which is copied to a temporary file that Close removes, and by
// its magic bytes whatever the name.
func TestParquetFromStream(t *testing.T) {
	evs := generatedEvents(300)
	raw, err := os.ReadFile(writeParquet(t, t.TempDir(), "x.parquet", evs))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	r, err := NewReader("stdin", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var got []*auditlog.Event
	for {
		e, err := r.Next()
		if err != nil {
			break
		}
		got = append(got, e)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 1 {
		t.Errorf("while reading, %d files in the temporary folder, want the one copy", len(left))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	sameEvents(t, got, evs)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("after Close, the temporary folder holds %d files", len(left))
	}
}

func TestParquetErrors(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	noID := writeParquet(t, dir, "noid.parquet", []*auditlog.Event{
		{ID: "a", CreatedAt: t0, ActivityType: "X"},
		{CreatedAt: t0, ActivityType: "X"},
	})
	junk := writeFile(t, "junk.parquet", "PAR1 this is not a Parquet file")
	for _, tc := range []struct {
		path string
		want string
	}{
		{noID, "noid.parquet: row 2: invalid record: missing id"},
		{junk, "junk.parquet: not a readable Parquet file"},
	} {
		_, err := readAll(t, tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one that says %q", filepath.Base(tc.path), err, tc.want)
		}
	}
}
