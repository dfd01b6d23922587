package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/export"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// Two runs with different state files and one --out-dir: the second finds
// the directory locked while the first writes, exits 1 naming the holder,
// and leaves the first run's temporary file alone; the first then finishes.
func TestExportOutDirLocked(t *testing.T) {
	s, start := stateServer(t, 61)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	until := start.Add(24 * time.Hour)

	// Hold the first run at its first request, when its data file is being
	// written under a temporary name.
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	base := s.Requests()
	s.OnRequest(func(n int64) {
		if n == base+1 {
			once.Do(func() { close(held) })
			<-release
		}
	})
	defer s.OnRequest(nil)
	first := make(chan int, 1)
	app1, _, errb1 := newAPITestApp(t, nil)
	go func() {
		first <- app1.run(t.Context(), append(connArgs(t, s), "export", "--state", filepath.Join(dir, "a.json"), "--out-dir", out,
			"--since", rfc(start), "--until", rfc(until), "--parallel", "1", "--no-count"))
	}()
	select {
	case <-held:
	case code := <-first:
		t.Fatalf("the first run ended (exit %d) before its first request: %s", code, errb1)
	}
	var temps []string
	des, _ := os.ReadDir(out)
	for _, de := range des {
		if safefile.IsTemp(de.Name()) {
			temps = append(temps, de.Name())
		}
	}
	if len(temps) == 0 {
		t.Fatalf("the first run has no temporary file in %s", out)
	}

	code, _, errb := runExportCmd(t, s, "export", "--state", filepath.Join(dir, "b.json"), "--out-dir", out, "--since", rfc(start), "--until", rfc(until))
	if code != ExitFailure {
		t.Errorf("second run: exit %d, want 1: %s", code, errb)
	}
	for _, want := range []string{"another export holds the lock on " + filepath.Join(out, export.DirLockName), "(pid ", "--out-dir " + out} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("second run's message lacks %q: %s", want, errb)
		}
	}
	for _, n := range temps {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Errorf("the second run removed the first run's %s: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.json")); err == nil {
		t.Errorf("the second run wrote its state")
	}

	close(release)
	if code := <-first; code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errb1)
	}
	checkOutDir(t, out, start, until)
}

// A --state in a folder that does not exist yet gets the folder (0700), as
// --out-dir does, whether the export goes to a directory or to stdout.
func TestExportStateFolderCreated(t *testing.T) {
	s, start := stateServer(t, 62)
	until := start.Add(24 * time.Hour)
	for _, dest := range []string{"out-dir", "stdout"} {
		t.Run(dest, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "var", "lib", "audit", "state.json")
			args := []string{"export", "--state", state, "--since", rfc(start), "--until", rfc(until)}
			if dest == "out-dir" {
				args = append(args, "--out-dir", filepath.Join(dir, "archive"))
			}
			code, _, errb := runExportCmd(t, s, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			st, err := export.LoadState(state)
			if err != nil || st == nil || !st.LastEnd.Equal(until) {
				t.Fatalf("state %+v, %v", st, err)
			}
			if runtime.GOOS != "windows" {
				if fi, err := os.Stat(filepath.Dir(state)); err != nil || fi.Mode().Perm() != 0o700 {
					t.Errorf("state folder: %v, %v; want mode 0700", fi.Mode(), err)
				}
			}
		})
	}
}
