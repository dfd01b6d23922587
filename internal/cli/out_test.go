//go:build linux || darwin

package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
)

// nullDevice is a character device to write to: a null device made in a
// temporary folder when the test runs as root (so that a broken build
// cannot replace the machine's /dev/null), else /dev/null itself, which a
// broken build cannot replace without root.
func nullDevice(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		return "/dev/null"
	}
	var st syscall.Stat_t
	if err := syscall.Stat("/dev/null", &st); err != nil {
		t.Skipf("stat /dev/null: %v", err)
	}
	dev := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, int(st.Rdev)); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if err := os.Chmod(dev, 0o666); err != nil {
		t.Fatal(err)
	}
	return dev
}

// --out never replaces what is not a regular file: a device and a FIFO are
// written through and stay what they are, a name for an open descriptor
// reaches that descriptor, and a link stays a link.
func TestOutSpecialFiles(t *testing.T) {
	s, start := stateServer(t, 60)
	until := start.Add(24 * time.Hour)
	want := s.Select(adminapi.Selection{From: start, To: until})
	rng := []string{"--since", rfc(start), "--until", rfc(until)}

	t.Run("device", func(t *testing.T) {
		dev := nullDevice(t)
		before, err := os.Stat(dev)
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"export", "--out", dev, "-o", "jsonl"},
			{"search", "--out", dev, "-o", "csv", "--limit", "0"},
		} {
			code, _, errb := runExportCmd(t, s, append(args, rng...)...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errb)
			}
			fi, err := os.Lstat(dev)
			if err != nil || fi.Mode() != before.Mode() {
				t.Fatalf("%v: %s is now %v (%v), was %v", args, dev, fi.Mode(), err, before.Mode())
			}
		}
		if dev != "/dev/null" {
			if names, _ := os.ReadDir(filepath.Dir(dev)); len(names) != 1 {
				t.Errorf("files beside the device: %v", names)
			}
		}
	})

	t.Run("fifo", func(t *testing.T) {
		dir := t.TempDir()
		fifo := filepath.Join(dir, "events.jsonl")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		got := make(chan []byte, 1)
		go func() {
			// Blocks until the export opens the FIFO.
			b, _ := os.ReadFile(fifo)
			got <- b
		}()
		code, _, errb := runExportCmd(t, s, append([]string{"export", "--out", fifo, "--parallel", "4"}, rng...)...)
		if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Fatalf("the FIFO is now %v (%v); exit %d: %s", fi.Mode(), err, code, errb)
		}
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb)
		}
		checkExactlyOnce(t, jsonlEvents(t, <-got), want, false)
		if names, _ := os.ReadDir(dir); len(names) != 1 {
			t.Errorf("files beside the FIFO: %v", names)
		}
	})

	t.Run("descriptor", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		name := fmt.Sprintf("/dev/fd/%d", w.Fd())
		got := make(chan []byte, 1)
		go func() {
			b, _ := io.ReadAll(r)
			got <- b
		}()
		code, _, errb := runExportCmd(t, s, append([]string{"search", "--out", name, "-o", "jsonl", "--limit", "0", "--sort", "asc"}, rng...)...)
		w.Close()
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb)
		}
		checkExactlyOnce(t, jsonlEvents(t, <-got), want, false)
	})

	t.Run("symlink", func(t *testing.T) {
		dir := t.TempDir()
		real := filepath.Join(dir, "real.jsonl")
		if err := os.WriteFile(real, []byte("old\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "latest.jsonl")
		if err := os.Symlink("real.jsonl", link); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"export", "--out", link},
			{"search", "--out", link, "--limit", "0", "--sort", "asc"},
		} {
			code, _, errb := runExportCmd(t, s, append(args, rng...)...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errb)
			}
			if to, err := os.Readlink(link); err != nil || to != "real.jsonl" {
				t.Fatalf("%v: the link now reads %q, %v", args, to, err)
			}
			checkExactlyOnce(t, readExport(t, real), want, false)
		}
		if names, _ := os.ReadDir(dir); len(names) != 2 {
			t.Errorf("files beside the link: %v", names)
		}
	})

	t.Run("directory", func(t *testing.T) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "archive")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"export", "search"} {
			before := s.Requests()
			code, _, errb := runExportCmd(t, s, append([]string{cmd, "--out", dir, "-o", "jsonl"}, rng...)...)
			if code != ExitUsage || !strings.Contains(errb.String(), "--out: "+dir+" is a directory") {
				t.Errorf("%s: exit %d, want 2 naming the directory: %s", cmd, code, errb)
			}
			if s.Requests() != before {
				t.Errorf("%s: %d requests sent for a refused --out", cmd, s.Requests()-before)
			}
		}
		if names, _ := os.ReadDir(parent); len(names) != 1 {
			t.Errorf("files beside the directory: %v", names)
		}
		if names, _ := os.ReadDir(dir); len(names) != 0 {
			t.Errorf("files in the directory: %v", names)
		}
	})
}
