package incremental

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

func TestFileName(t *testing.T) {
	r := Range{From: ts("2026-11-25T10:00:00Z"), To: ts("2026-11-25T11:00:00Z")}
	name := FileName(r, codec.Ext("jsonl", true))
	if name != "audit-20261125T100000Z-20261125T110000Z.jsonl.gz" {
		t.Errorf("FileName = %s", name)
	}
	got, ext, ok := ParseFileName(name)
	if !ok || !got.From.Equal(r.From) || !got.To.Equal(r.To) || ext != ".jsonl.gz" {
		t.Errorf("ParseFileName(%s) = %v %q %v", name, got, ext, ok)
	}
	for _, bad := range []string{"manifest.json", "audit-2026-11-25.jsonl", ".audit-20261125T100000Z-20261125T110000Z.jsonl.gz.tmp-123", "audit-20261125T100000Z-20261125T110000Z"} {
		if IsDataFile(bad) {
			t.Errorf("IsDataFile(%q) = true", bad)
		}
	}
	if FileName(r, codec.Ext("csv", false)) != "audit-20261125T100000Z-20261125T110000Z.csv" {
		t.Error("csv name")
	}
}

func TestManifestPutOverlapSave(t *testing.T) {
	dir := t.TempDir()
	m, err := LoadManifest(dir)
	if err != nil || m != nil {
		t.Fatalf("LoadManifest of an empty dir = %v, %v", m, err)
	}
	m = &Manifest{}
	day := func(d int) time.Time { return ts("2026-11-01T00:00:00Z").AddDate(0, 0, d) }
	for _, d := range []int{2, 0, 1} {
		r := Range{From: day(d), To: day(d + 1)}
		m.Put(ManifestFile{Name: FileName(r, ".jsonl.gz"), From: r.From, To: r.To, Count: int64(d)})
	}
	// A redone range replaces its entry.
	r1 := Range{From: day(1), To: day(2)}
	m.Put(ManifestFile{Name: FileName(r1, ".jsonl.gz"), From: r1.From, To: r1.To, Count: 42})
	if len(m.Files) != 3 {
		t.Fatalf("%d files after a replace, want 3", len(m.Files))
	}
	for i, f := range m.Files {
		if !f.From.Equal(day(i)) {
			t.Errorf("file %d starts %v: not sorted", i, f.From)
		}
	}
	if m.Files[1].Count != 42 {
		t.Errorf("replaced entry has count %d", m.Files[1].Count)
	}
	if o := m.Overlapping(Range{From: day(1).Add(time.Hour), To: day(4)}, ""); len(o) != 2 {
		t.Errorf("Overlapping found %d files, want 2", len(o))
	}
	if o := m.Overlapping(r1, FileName(r1, ".jsonl.gz")); len(o) != 0 {
		t.Errorf("a file overlaps itself: %v", o)
	}
	if o := m.Overlapping(Range{From: day(3), To: day(4)}, ""); len(o) != 0 {
		t.Errorf("an adjacent range overlaps: %v", o)
	}
	if err := m.Save(dir, 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 3 || got.Version != ManifestVersion || got.Files[1].Count != 42 {
		t.Errorf("loaded %+v", got)
	}
}

func TestLoadManifestRefusesGarbage(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ManifestName), []byte("{nope"), 0o600)
	if _, err := LoadManifest(dir); err == nil || !strings.Contains(err.Error(), ManifestName) {
		t.Errorf("LoadManifest = %v", err)
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"audit-20261125T100000Z-20261125T110000Z.jsonl.gz", "manifest.json", ".other.tmp-1"}
	for _, n := range keep {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	var stale []string
	for _, target := range []string{"audit-x.jsonl.gz", "manifest.json"} {
		f, err := safefile.Create(filepath.Join(dir, target), 0)
		if err != nil {
			t.Fatal(err)
		}
		stale = append(stale, filepath.Base(f.TempName()))
		// Left behind as by a killed process: no Abort.
	}
	removed, err := RemoveStaleTemps(dir, ".audit-", ".manifest.json.")
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != len(stale) {
		t.Errorf("removed %q, want %q", removed, stale)
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed", n)
		}
	}
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(dir, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left", n)
		}
	}
}
