package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// commitData writes data to path through Create and commits it.
func commitData(t *testing.T, path, data string) {
	t.Helper()
	f, err := Create(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
}

// A link stays a link: its target is replaced atomically, and a link whose
// target does not exist yet gets it created.
func TestSymlinkKeepsLink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(sub, "real.jsonl")
	if err := os.WriteFile(real, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, link, to, target string
	}{
		{"relative link to a file", "a.jsonl", "sub/real.jsonl", real},
		{"link to a link", "b.jsonl", "a.jsonl", real},
		{"dangling link", "c.jsonl", "sub/new.jsonl", filepath.Join(sub, "new.jsonl")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link := filepath.Join(dir, tt.link)
			if err := os.Symlink(tt.to, link); err != nil {
				t.Fatal(err)
			}
			if through, err := Check(link); err != nil || through {
				t.Fatalf("Check = %v, %v; want an atomic write", through, err)
			}
			commitData(t, link, "new "+tt.name+"\n")
			fi, err := os.Lstat(link)
			if err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("%s is no longer a link: %v, %v", link, fi.Mode(), err)
			}
			if to, _ := os.Readlink(link); to != tt.to {
				t.Errorf("link points to %q, want %q", to, tt.to)
			}
			if got, _ := os.ReadFile(tt.target); string(got) != "new "+tt.name+"\n" {
				t.Errorf("target holds %q", got)
			}
			if fi, _ := os.Stat(tt.target); fi.Mode().Perm() != DefaultPerm {
				t.Errorf("target mode %#o, want %#o", fi.Mode().Perm(), DefaultPerm)
			}
			for _, d := range []string{dir, sub} {
				for _, n := range entries(t, d) {
					if IsTemp(n) {
						t.Errorf("temporary file %s left in %s", n, d)
					}
				}
			}
		})
	}
}

// A directory is refused before anything is written, whether named
// directly or through a link.
func TestDirectoryRefused(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "archive")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	paths := []string{target}
	if runtime.GOOS != "windows" {
		link := filepath.Join(dir, "link")
		if err := os.Symlink("archive", link); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, link)
	}
	for _, p := range paths {
		var te *TargetError
		if _, err := Check(p); !errors.As(err, &te) || te.What != "a directory" {
			t.Errorf("Check(%s) = %v, want a *TargetError for a directory", p, err)
		}
		f, err := Create(p, 0)
		if !errors.As(err, &te) {
			t.Errorf("Create(%s) = %v, want a *TargetError", p, err)
			f.Abort()
		}
	}
	if names := entries(t, dir); len(names) != len(paths) {
		t.Errorf("directory holds %q after refusals", names)
	}
	if names := entries(t, target); len(names) != 0 {
		t.Errorf("refused directory holds %q", names)
	}
}

func TestNamesDescriptor(t *testing.T) {
	for p, want := range map[string]bool{
		"/dev/stdout":       true,
		"/dev/stderr":       true,
		"/dev/fd/3":         true,
		"/proc/self/fd/1":   true,
		"/dev//stdout":      true,
		"/dev/null":         false,
		"stdout":            false,
		"/tmp/dev/stdout":   false,
		"/dev/stdout.jsonl": false,
	} {
		if got := namesDescriptor(p); got != want {
			t.Errorf("namesDescriptor(%q) = %v, want %v", p, got, want)
		}
	}
}
