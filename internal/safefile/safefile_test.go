package safefile

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestCommit(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		perm   os.FileMode
		want   os.FileMode
		summed bool
	}{
		{"plain default mode", "a.jsonl", 0, 0o600, true},
		{"plain explicit mode", "a.csv", 0o640, 0o640, false},
		{"gzip", "a.jsonl.gz", 0o600, 0o600, true},
		{"gzip wide mode", "b.json.gz", 0o644, 0o644, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			create := Create
			if tt.summed {
				create = CreateSummed
			}
			f, err := create(path, tt.perm)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Abort()
			if !strings.HasPrefix(filepath.Base(f.TempName()), "."+tt.file+".tmp-") {
				t.Errorf("temp name %q does not sit beside the target", f.TempName())
			}
			if filepath.Dir(f.TempName()) != dir {
				t.Errorf("temp file in %s, want %s", filepath.Dir(f.TempName()), dir)
			}
			want := bytes.Repeat([]byte("line of an audit export\n"), 50000)
			if _, err := f.Write(want); err != nil {
				t.Fatal(err)
			}
			// Before Commit the target does not exist.
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("target visible before Commit: %v", err)
			}
			if err := f.Commit(); err != nil {
				t.Fatal(err)
			}
			f.Abort() // no-op after Commit
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sum, size := f.Sum()
			wantHex := ""
			if tt.summed {
				wantSum := sha256.Sum256(got)
				wantHex = hex.EncodeToString(wantSum[:])
			}
			if sum != wantHex || size != int64(len(got)) {
				t.Errorf("Sum() = %q, %d; want %q, %d (the file on disk)", sum, size, wantHex, len(got))
			}
			if strings.HasSuffix(tt.file, ".gz") {
				zr, err := gzip.NewReader(bytes.NewReader(got))
				if err != nil {
					t.Fatalf("not gzip: %v", err)
				}
				if got, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, want) {
				t.Errorf("content differs: %d bytes, want %d", len(got), len(want))
			}
			if runtime.GOOS != "windows" {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != tt.want {
					t.Errorf("mode %#o, want %#o", fi.Mode().Perm(), tt.want)
				}
			}
			if names := entries(t, dir); len(names) != 1 || names[0] != tt.file {
				t.Errorf("directory holds %q, want only %s", names, tt.file)
			}
		})
	}
}

func TestModeIgnoresUmask(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	path := filepath.Join(t.TempDir(), "x")
	// 0o666 would be narrowed by a usual umask of 022 if the mode came from
	// open(2); Chmod sets it exactly.
	if err := WriteFile(path, []byte("x"), 0o666); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o666 {
		t.Errorf("mode %#o, want 0666", fi.Mode().Perm())
	}
}

func TestAbortLeavesPreviousFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	if err := os.WriteFile(path, []byte("previous\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("half of a new fi")); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	f.Abort() // twice is fine
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "previous\n" {
		t.Errorf("target changed by an aborted write: %q", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("temporary file left behind: %q", names)
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Error("Write after Abort succeeded")
	}
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if got, _ := os.ReadFile(path); string(got) != "previous\n" {
		t.Errorf("target changed by Commit after Abort: %q", got)
	}
}

func TestCommitReplacesExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte(`{"old":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// A reader holding the old file keeps reading the old content.
	old, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := WriteFile(path, []byte(`{"new":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != `{"new":true}` {
		t.Errorf("target %q after replace", got)
	}
	held, _ := io.ReadAll(old)
	if string(held) != `{"old":true}` {
		t.Errorf("open reader saw %q, want the old content whole", held)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %#o after replace, want 0600", fi.Mode().Perm())
		}
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q", names)
	}
}

func TestEmptyGzipIsValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.jsonl.gz")
	f, err := Create(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("empty gzip file does not open: %v", err)
	}
	if b, err := io.ReadAll(zr); err != nil || len(b) != 0 {
		t.Errorf("read %q, %v; want empty", b, err)
	}
}

func TestCreateFailsInMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "x.jsonl")
	_, err := Create(path, 0)
	if err == nil {
		t.Fatal("Create in a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestCommitFailureRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	// The target becomes a non-empty directory while the file is written:
	// the rename fails.
	path := filepath.Join(dir, "target")
	f, err := Create(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("data"))
	if err := f.Commit(); err == nil {
		t.Fatal("Commit over a non-empty directory succeeded")
	}
	for _, n := range entries(t, dir) {
		if IsTemp(n) {
			t.Errorf("temporary file %s left after a failed Commit", n)
		}
	}
}

func TestTempNamesDiffer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	a, err := Create(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Abort()
	b, err := Create(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	if a.TempName() == b.TempName() {
		t.Errorf("two writers share the temp name %s", a.TempName())
	}
	if !IsTemp(filepath.Base(a.TempName())) {
		t.Errorf("IsTemp(%s) = false", a.TempName())
	}
	if IsTemp("audit-20261125T100000Z-20261125T110000Z.jsonl.gz") || IsTemp("manifest.json") {
		t.Error("IsTemp matches a data file")
	}
}
