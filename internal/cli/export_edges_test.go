package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/incremental"
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
		first <- run(t.Context(), app1, append(connArgs(t, s), "export", "--state", filepath.Join(dir, "a.json"), "--out-dir", out,
			"--since", rfc(start), "--until", rfc(until), "--parallel", "1", "--no-count"))
	}()
	select {
	case <-held:
	case code := <-first:
		t.Fatalf("the first run ended (exit %d) before its first request: %s", code, errb1)
	}
	var temps []string
	filepath.WalkDir(out, func(p string, de os.DirEntry, err error) error {
		if err == nil && safefile.IsTemp(de.Name()) {
			rel, _ := filepath.Rel(out, p)
			temps = append(temps, rel)
		}
		return nil
	})
	if len(temps) == 0 {
		close(release)
		<-first
		t.Fatalf("the first run has no temporary file in %s", out)
	}

	code, _, errb := runExportCmd(t, s, "export", "--state", filepath.Join(dir, "b.json"), "--out-dir", out, "--since", rfc(start), "--until", rfc(until))
	if code != ExitFailure {
		t.Errorf("second run: exit %d, want 1: %s", code, errb)
	}
	for _, want := range []string{"another export holds the lock on " + filepath.Join(out, incremental.DirLockName), "(pid ", "--out-dir " + out} {
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
			st, err := incremental.LoadState(state)
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

// A fresh archive passes its own verify, online and offline, whatever the
// form of --since: every bound sent to the API and stored in the state, the
// manifest and the file names is a whole second, even when --since counts
// back from a clock reading with a fraction of a second.
func TestExportFreshArchiveVerifies(t *testing.T) {
	s, _ := stateServer(t, 63)
	tests := []struct {
		name  string
		since []string
	}{
		{"relative", []string{"--since", "90d"}},
		{"absolute", []string{"--since", "2026-11-01"}},
		{"absolute with a fraction", []string{"--since", "2026-11-01T00:00:00.5Z"}},
		{"absent", nil},
	}
	whole := func(what string, ts ...time.Time) {
		t.Helper()
		for _, x := range ts {
			if x.Nanosecond() != 0 {
				t.Errorf("%s holds %s, not a whole second", what, x.Format(time.RFC3339Nano))
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			state, out := filepath.Join(dir, "state.json"), filepath.Join(dir, "archive")
			args := append([]string{"--verbose", "export", "--state", state, "--out-dir", out, "--no-count"}, tt.since...)
			code, _, errb := runExportCmd(t, s, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			for _, f := range strings.Fields(errb.String()) {
				f = strings.Trim(f, "{}")
				if k, v, ok := strings.Cut(f, ":"); ok && (k == "rangeFrom" || k == "rangeTo") && strings.Contains(v, ".") {
					t.Errorf("sent %s", f)
				}
			}
			st, err := incremental.LoadState(state)
			if err != nil || st == nil {
				t.Fatalf("state: %v", err)
			}
			whole("the state", st.Start, st.LastEnd)
			a := loadArchive(t, out)
			if len(a.Entries) != 1 || len(a.Entries[0].Entry.Objects) != 1 {
				t.Fatalf("entries %+v", a.Entries)
			}
			whole("the entry", a.Entries[0].Entry.From, a.Entries[0].Entry.To)
			whole("the object", a.Entries[0].Entry.Objects[0].From, a.Entries[0].Entry.Objects[0].To)
			for _, v := range [][]string{{"verify", out}, {"verify", "--offline", out}} {
				code, vout, verr := runExportCmd(t, s, v...)
				if code != 0 || !strings.Contains(vout.String(), "ok: complete and clean") {
					t.Errorf("%v: exit %d\n%s%s", v, code, vout, verr)
				}
			}
		})
	}
}

// A state file is tied to its destination: one that wrote a file is
// refused for an --out-dir and the other way round, naming both, and so is
// another --out-dir; a new --out file each run is fine. A state of an
// earlier version, which does not say, takes its next destination and
// records it.
func TestExportStateDestination(t *testing.T) {
	s, start := stateServer(t, 64)
	dir := t.TempDir()
	day := func(n int) string { return rfc(start.Add(time.Duration(n) * 24 * time.Hour)) }
	state := filepath.Join(dir, "s.json")
	file1, file2 := filepath.Join(dir, "1.jsonl"), filepath.Join(dir, "2.jsonl")
	archA, archB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	run := func(args ...string) (int, string) {
		t.Helper()
		code, _, errb := runExportCmd(t, s, append([]string{"export"}, args...)...)
		return code, errb.String()
	}
	if code, msg := run("--state", state, "--out", file1, "--since", day(0), "--until", day(1)); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, msg)
	}
	before, _ := os.ReadFile(state)
	if code, msg := run("--state", state, "--out-dir", archA, "--until", day(2)); code != ExitUsage ||
		!strings.Contains(msg, "it was used with --out "+file1+", now with --out-dir "+archA) {
		t.Errorf("file, then --out-dir: exit %d: %s", code, msg)
	}
	if after, _ := os.ReadFile(state); string(after) != string(before) {
		t.Errorf("the refused run changed the state")
	}
	if _, err := os.Stat(archA); err == nil {
		t.Errorf("the refused run made %s", archA)
	}
	if code, msg := run("--state", state, "--out", file2, "--until", day(2)); code != 0 {
		t.Errorf("another --out file: exit %d: %s", code, msg)
	}

	dirState := filepath.Join(dir, "d.json")
	if code, msg := run("--state", dirState, "--out-dir", archA, "--since", day(0), "--until", day(1)); code != 0 {
		t.Fatalf("first --out-dir run: exit %d: %s", code, msg)
	}
	for _, args := range [][]string{{"--out-dir", archB}, {"--out", file1}, {}} {
		code, msg := run(append([]string{"--state", dirState, "--until", day(2)}, args...)...)
		if code != ExitUsage || !strings.Contains(msg, "it was used with --out-dir "+archA+", now with ") {
			t.Errorf("%v: exit %d: %s", args, code, msg)
		}
	}

	// A state that does not record its destination.
	st, _ := incremental.LoadState(state)
	st.OutDir, st.Out = "", ""
	st.Save(state, time.Now())
	if code, msg := run("--state", state, "--out-dir", archB, "--until", day(3)); code != 0 {
		t.Fatalf("state without a destination: exit %d: %s", code, msg)
	}
	if st, _ := incremental.LoadState(state); st.OutDir != archB {
		t.Errorf("destination not recorded: outDir %q, out %q", st.OutDir, st.Out)
	}
}

// export | head -1 is a failure (exit 1), unlike search | head: the reader
// did not get every event, and with --state the state does not advance.
func TestExportBrokenPipe(t *testing.T) {
	s, start := stateServer(t, 66)
	state := filepath.Join(t.TempDir(), "s.json")
	for _, args := range [][]string{
		{"export", "--since", rfc(start)},
		{"export", "--since", rfc(start), "--state", state},
	} {
		app, _, errb := newAPITestApp(t, nil)
		app.IO.Out = &epipeWriter{room: 4 << 10}
		code := runApp(t, app, append(connArgs(t, s), args...)...)
		if code != ExitFailure || !strings.Contains(errb.String(), "write to stdout: the reader closed the pipe before the export was complete") {
			t.Errorf("%v: exit %d, want 1: %s", args, code, errb)
		}
	}
	if st, _ := incremental.LoadState(state); st != nil && !st.LastEnd.IsZero() {
		t.Errorf("the state advanced to %s after a cut-short export", rfc(st.LastEnd))
	}
}
