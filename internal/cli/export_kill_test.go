package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
)

// commandLine returns a command that runs authgear-audit with args as a
// process of its own: the test binary, run as the command line (TestMain).
// Only the variables of env reach it.
func commandLine(args []string, env ...string) *exec.Cmd {
	c := exec.Command(os.Args[0], args...)
	c.Env = append([]string{testMainEnv + "=1", "PATH=" + os.Getenv("PATH")}, env...)
	return c
}

// killer runs authgear-audit as a child process and SIGKILLs it on the
// stand-in's killAt-th request after the start, or after a delay.
type killer struct {
	t    *testing.T
	s    *adminapitest.Server
	home string
}

// run runs args; it reports whether the process was killed, and fails the
// test if it ended any other way than by the kill or with status 0.
func (k *killer) run(args []string, killAt int64, delay time.Duration) (killed bool) {
	t := k.t
	t.Helper()
	c := commandLine(args, "HOME="+k.home, "XDG_CONFIG_HOME="+filepath.Join(k.home, ".config"))
	var stderr bytes.Buffer
	c.Stdout, c.Stderr = io.Discard, &stderr
	var proc atomic.Pointer[os.Process]
	base := k.s.Requests()
	if killAt > 0 {
		k.s.OnRequest(func(n int64) {
			if n-base >= killAt {
				if p := proc.Load(); p != nil {
					p.Signal(syscall.SIGKILL)
				}
			}
		})
		defer k.s.OnRequest(nil)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(c.Process)
	if delay > 0 {
		timer := time.AfterFunc(delay, func() { c.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	err := c.Wait()
	if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true
	}
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, &stderr)
	}
	return false
}

// checkAfterKill checks what a killed run left: the state parses, the
// archive's chain is whole, and every object an entry names is complete,
// with the listed count, size and checksum, holding exactly the events of
// its range. Temporary files and objects that no entry names may remain:
// no reader looks at them.
func checkAfterKill(t *testing.T, s *adminapitest.Server, state, out string) {
	t.Helper()
	if _, err := incremental.LoadState(state); err != nil {
		t.Fatalf("state after a kill: %v", err)
	}
	if _, err := os.Stat(out); err != nil {
		return // killed before the archive was created
	}
	for _, f := range loadObjects(t, out) {
		path := filepath.Join(out, filepath.FromSlash(f.Key))
		got := readExport(t, path)
		checkExactlyOnce(t, got, s.Select(adminapi.Selection{From: f.From, To: f.To}), false)
		raw, _ := os.ReadFile(path)
		sum := sha256.Sum256(raw)
		if f.Count != int64(len(got)) || f.Bytes != int64(len(raw)) || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s differs from its entry", f.Key)
		}
	}
}

// The kill test: an incremental export into an --out-dir is SIGKILLed at
// random points (on the k-th request, k random, or after a random delay),
// several seeds, each against a stand-in of its own, at once. After
// every kill, every data file is absent or complete; rerun to completion,
// the files hold every event exactly once and verify --offline passes.
func TestExportKilled(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix")
	}
	t.Parallel()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 61, Count: 2400, Start: start, End: start.Add(9 * 24 * time.Hour), Bursts: 2, BurstSize: 150})
	standIn := func(t *testing.T) *adminapitest.Server {
		return adminapitest.New(t, adminapitest.WithEvents(events, users), adminapitest.WithLatency(2*time.Millisecond))
	}
	untils := []time.Time{start.Add(3 * 24 * time.Hour), start.Add(6 * 24 * time.Hour), start.Add(9 * 24 * time.Hour)}

	// The seeds run at once, in goroutines rather than as parallel
	// subtests: they mostly wait for their child processes, and would hold
	// the slots of -parallel that tests which need the CPU wait for.
	// -short runs one.
	seeds := uint64(4)
	if testing.Short() {
		seeds = 1
	}
	var kills atomic.Int64
	var wg sync.WaitGroup
	for seed := uint64(1); seed <= seeds; seed++ {
		wg.Go(func() {
			t.Run(fmt.Sprintf("SIGKILL seed %d", seed), func(t *testing.T) {
				killSeed(t, standIn(t), seed, start, untils, &kills)
			})
		})
	}
	wg.Wait()
	if kills.Load() == 0 {
		t.Error("no run was killed: the test proved nothing")
	}
	t.Logf("%d runs killed", kills.Load())

	// SIGTERM, unlike SIGKILL, lets the export clean up: exit 130, no
	// temporary file, the state as it was before the run.
	t.Run("SIGTERM", func(t *testing.T) {
		s := standIn(t)
		conn := connArgs(t, s)
		dir := t.TempDir()
		state, out := filepath.Join(dir, "state.json"), filepath.Join(dir, "out")
		c := commandLine(append(append([]string{}, conn...), "export", "--state", state, "--out-dir", out,
			"--since", rfc(start), "--until", rfc(untils[2]), "--parallel", "4"), "HOME="+t.TempDir())
		var stderr bytes.Buffer
		c.Stderr = &stderr
		base := s.Requests()
		var proc atomic.Pointer[os.Process]
		s.OnRequest(func(n int64) {
			if n-base == 8 {
				if p := proc.Load(); p != nil {
					p.Signal(syscall.SIGTERM)
				}
			}
		})
		defer s.OnRequest(nil)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		proc.Store(c.Process)
		c.Wait()
		if code := c.ProcessState.ExitCode(); code != ExitInterrupted {
			t.Fatalf("exit %d after SIGTERM, want 130: %s", code, &stderr)
		}
		filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			if n := de.Name(); strings.Contains(n, ".tmp") || strings.HasPrefix(n, "authgear-audit-spool-") || strings.HasPrefix(rel, filepath.Join("out", "data")) ||
				strings.HasPrefix(rel, filepath.Join("out", "manifest")) {
				t.Errorf("%s left after SIGTERM", rel)
			}
			return nil
		})
		if st, err := incremental.LoadState(state); err != nil || (st != nil && (st.Pending != nil || !st.LastEnd.IsZero())) {
			t.Errorf("state after SIGTERM: %+v, %v", st, err)
		}
	})
}

// killSeed runs the incremental export of [start, untils[i]) for each i in
// turn against s, killing the first two attempts of each step at points
// drawn from seed, and checks what every kill left and what the last run
// wrote.
func killSeed(t *testing.T, s *adminapitest.Server, seed uint64, start time.Time, untils []time.Time, kills *atomic.Int64) {
	conn := connArgs(t, s)
	rng := rand.New(rand.NewPCG(seed, 0x6b696c6c))
	dir := t.TempDir()
	state, out := filepath.Join(dir, "state.json"), filepath.Join(dir, "out")
	k := &killer{t: t, s: s, home: t.TempDir()}
	for _, until := range untils {
		args := append(append([]string{}, conn...), "export", "--state", state, "--out-dir", out,
			"--since", rfc(start), "--until", rfc(until), "--parallel", "4")
		for attempt := 0; ; attempt++ {
			var killAt int64
			var delay time.Duration
			// Two attempts at each step are killed, if they have not
			// finished by then: on a random request (a run makes about
			// 20) or after a random time (a run takes a few hundred
			// milliseconds), which also hits the moments between
			// requests when files are renamed and recorded.
			if attempt < 2 {
				if rng.IntN(2) == 0 {
					killAt = 1 + rng.Int64N(24)
				} else {
					delay = time.Duration(5+rng.IntN(250)) * time.Millisecond
				}
			}
			if !k.run(args, killAt, delay) {
				break
			}
			kills.Add(1)
			checkAfterKill(t, s, state, out)
		}
	}
	got := checkOutDir(t, out, start, untils[len(untils)-1])
	checkExactlyOnce(t, got, s.Select(adminapi.Selection{From: start, To: untils[len(untils)-1]}), false)
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		if strings.Contains(de.Name(), ".tmp-") {
			t.Errorf("temporary file %s left beside the state", de.Name())
		}
	}
	app, vout, verr := newTestApp(t, nil)
	if code := runApp(t, app, "verify", "--offline", out); code != 0 {
		t.Errorf("verify --offline: exit %d\n%s%s", code, vout, verr)
	}
}
