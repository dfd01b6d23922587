package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/deliver"
)

// liveEvents are 2,400 events from 30 seconds before start to 4 seconds
// after it, and 150 more in the second start+1s: events that a tail on
// the real clock sees arrive for about six seconds, many a second, so
// that kills often land while a batch is on its way.
func liveEvents(tag string, start time.Time) []adminapitest.Event {
	var evs []adminapitest.Event
	for i := range 2400 {
		at := start.Add(-30 * time.Second).Add(time.Duration(i*34/2400) * time.Second)
		evs = append(evs, plainEvent(fmt.Sprintf("%s-%04d", tag, i), at, "USER_AUTHENTICATED"))
	}
	for i := range 150 {
		evs = append(evs, plainEvent(fmt.Sprintf("%s-busy-%03d", tag, i), start.Add(time.Second), "USER_AUTHENTICATED"))
	}
	slimData(evs)
	return evs
}

const tailKillBatch = 23

// tailKillRun runs a tail as a child process and SIGKILLs it after delay,
// or, with delay 0, lets it run until done reports true and ends it with
// SIGINT, which must give exit 0. stdout gets what it prints. It reports
// whether the child was killed.
func tailKillRun(t *testing.T, args []string, stdout io.Writer, delay time.Duration, done func() bool) bool {
	t.Helper()
	c := commandLine(args, "HOME="+t.TempDir())
	var stderr bytes.Buffer
	c.Stdout, c.Stderr = stdout, &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if delay > 0 {
		timer := time.AfterFunc(delay, func() { c.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	} else {
		go func() {
			deadline := time.Now().Add(60 * time.Second)
			for !done() && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			c.Process.Signal(syscall.SIGINT)
		}()
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

// TestTailKilled: a tail --state is SIGKILLed again and again while events
// arrive, then run until it has delivered them all. To --out FILE, the
// file holds every event exactly once, in order; an Elasticsearch _bulk
// receiver, which keys by _id, holds every event exactly once, and was
// sent no more than the unacknowledged batch again per kill; a pipe got
// every event, and no more again.
func TestTailKilled(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix")
	}
	t.Parallel()
	start := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	end := start.Add(6 * time.Second) // when the last event is past the lag
	kinds := []string{"file", "elasticsearch", "pipe"}
	var wg sync.WaitGroup
	for i, kind := range kinds {
		wg.Go(func() {
			t.Run(kind, func(t *testing.T) {
				evs := liveEvents(kind, start)
				s := adminapitest.New(t, adminapitest.WithEvents(evs, nil), adminapitest.WithLatency(time.Millisecond))
				dir := t.TempDir()
				state, out := filepath.Join(dir, "tail.json"), filepath.Join(dir, "audit.jsonl")
				args := append([]string{"tail", "--state", state, "--since", rfc(start.Add(-time.Minute)),
					"--interval", "50ms", "--lag", "1s", "--batch-size", fmt.Sprint(tailKillBatch), "--flush-interval", "20ms"}, connArgs(t, s)...)
				var printed bytes.Buffer // what earlier runs printed
				var rc *bulkReceiver
				var current bytes.Buffer // what the last run prints
				var mu sync.Mutex
				var done func() bool // all delivered
				switch kind {
				case "file":
					args = append(args, "--out", out)
					done = func() bool { return len(fileEventsLenient(out)) >= len(evs) }
				case "elasticsearch":
					rc = newBulkReceiver(t)
					// It answers a while after it took a batch: a kill
					// then can leave it taken and not acknowledged.
					rc.delay = 10 * time.Millisecond
					args = append(args, "--to", rc.URL+"/audit/_bulk")
					done = func() bool { d, _ := rc.count(); return d >= len(evs) }
				case "pipe":
					args = append(args, "-o", "jsonl")
					done = func() bool {
						mu.Lock()
						defer mu.Unlock()
						return len(missingFrom(jsonlEventsLenient(current.Bytes()), jsonlEventsLenient(printed.Bytes()), evs)) == 0
					}
				}
				rng := rand.New(rand.NewPCG(uint64(i), 0x7461696c))
				kills, cut := 0, 0
				for time.Now().Before(end) || kills < 3 {
					var buf bytes.Buffer
					if tailKillRun(t, args, &buf, time.Duration(80+rng.IntN(400))*time.Millisecond, nil) {
						kills++
					}
					printed.Write(buf.Bytes())
					st, err := deliver.LoadState(state)
					if err != nil {
						t.Fatalf("state after a kill: %v", err)
					}
					if fi, err := os.Stat(out); err == nil && st != nil && fi.Size() > st.OutBytes {
						cut++ // written after the last checkpoint: the next run drops it
					}
				}
				if kind == "file" {
					t.Logf("%d of %d kills left bytes after the checkpoint", cut, kills)
				}
				// The last run ends once everything is delivered and it has
				// saved its state at least once (so it is past its start,
				// and SIGINT is the tail's own normal end).
				lastStart := time.Now()
				tailKillRun(t, args, &lockedWriter{w: &current, mu: &mu}, 0, func() bool {
					fi, err := os.Stat(state)
					return err == nil && fi.ModTime().After(lastStart) && done()
				})
				buf := current
				printed.Write(buf.Bytes())
				t.Logf("%s: %d kills", kind, kills)

				switch kind {
				case "file":
					checkExactlyOnce(t, fileEvents(t, out), evs, false)
				case "elasticsearch":
					// One document per _id: every event, exactly once.
					checkExactlyOnce(t, rc.documents(evs), evs, false)
					if d, a := rc.count(); a-d > kills*tailKillBatch {
						t.Errorf("%d creates for %d documents after %d kills: more than the unacknowledged batch (%d) again each", a, d, kills, tailKillBatch)
					} else {
						t.Logf("%d creates for %d documents after %d kills", a, d, kills)
					}
				case "pipe":
					checkAtLeastOnce(t, jsonlEvents(t, printed.Bytes()), evs, kills)
				}
			})
		})
	}
	wg.Wait()
}

// lockedWriter is a writer shared with a reader under mu.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// missingFrom lists the events of want in neither a nor b.
func missingFrom(a, b []auditlog.Event, want []adminapitest.Event) []string {
	have := map[string]bool{}
	for _, e := range slices.Concat(a, b) {
		have[e.ID] = true
	}
	var out []string
	for _, e := range want {
		if !have[e.ID] {
			out = append(out, e.ID)
		}
	}
	return out
}

// checkAtLeastOnce: every event of want is in got, nothing else is, and
// no more events came twice than kills unacknowledged batches could hold.
func checkAtLeastOnce(t *testing.T, got []auditlog.Event, want []adminapitest.Event, kills int) {
	t.Helper()
	n := map[string]int{}
	for _, e := range got {
		n[e.ID]++
	}
	for _, e := range want {
		if n[e.ID] == 0 {
			t.Errorf("event %s never delivered", e.ID)
		}
		delete(n, e.ID)
	}
	if len(n) > 0 {
		t.Errorf("%d events delivered that were not selected", len(n))
	}
	if dups := len(got) - len(want); dups > kills*tailKillBatch {
		t.Errorf("%d events delivered again after %d kills: more than the unacknowledged batch (%d) each", dups, kills, tailKillBatch)
	} else {
		t.Logf("%d events delivered again after %d kills (batches of %d)", dups, kills, tailKillBatch)
	}
}

// fileEventsLenient reads the complete JSON lines of a file that a killed
// run may have left with half a line at its end.
func fileEventsLenient(path string) []auditlog.Event {
	raw, _ := os.ReadFile(path)
	return jsonlEventsLenient(raw)
}

func jsonlEventsLenient(raw []byte) []auditlog.Event {
	var out []auditlog.Event
	for _, line := range bytes.Split(raw, []byte("\n")) {
		var e auditlog.Event
		if json.Unmarshal(line, &e) == nil && e.ID != "" {
			out = append(out, e)
		}
	}
	return out
}

// documents are the receiver's documents in the order they were created,
// with their createdAt from evs.
func (rc *bulkReceiver) documents(evs []adminapitest.Event) []auditlog.Event {
	at := map[string]time.Time{}
	for _, e := range evs {
		at[e.ID] = e.CreatedAt
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]auditlog.Event, len(rc.docs))
	for id, i := range rc.docs {
		out[i] = auditlog.Event{ID: id, CreatedAt: at[id]}
	}
	return out
}
