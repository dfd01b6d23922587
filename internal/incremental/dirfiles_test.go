package incremental

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

// readback reads the file list of a manifest without this package (which
// imports it): what it reads is what Save writes, in time order.
func TestArchiveReadsManifest(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{}
	ranges := []Range{
		{From: ts("2026-11-25T12:00:00Z"), To: ts("2026-11-25T13:00:00Z")},
		{From: ts("2026-11-25T10:00:00Z"), To: ts("2026-11-25T11:00:00Z")},
		{From: ts("2026-11-25T11:00:00Z"), To: ts("2026-11-25T12:00:00Z")},
	}
	for _, r := range ranges {
		m.Put(ManifestFile{Name: FileName(r, codec.Ext("jsonl", true)), From: r.From, To: r.To})
	}
	if err := m.Save(dir, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readback.DirFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range m.Files {
		want = append(want, filepath.Join(dir, f.Name))
	}
	if !slices.Equal(got, want) || !slices.IsSorted(got) {
		t.Errorf("readback.DirFiles = %v, want %v", got, want)
	}
}
