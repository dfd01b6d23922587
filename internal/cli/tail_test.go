package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// lockedBuffer is stdout shared between the command and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// waitFor polls cond until it holds, failing the test if the command ends
// first or after a generous deadline (a hang, not a timing assertion).
func waitFor(t *testing.T, what string, done <-chan int, errb *bytes.Buffer, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		select {
		case code := <-done:
			t.Fatalf("the command ended (exit %d) before %s: %s", code, what, errb)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTailPicksUpNewEvents(t *testing.T) {
	// The clock the command follows; the test moves it.
	start := time.Now().UTC().Truncate(time.Second)
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }

	mk := func(id string, at time.Time, typ string) adminapitest.Event {
		return adminapitest.Event{
			ID: id, CreatedAt: at, ActivityType: typ,
			Data: []byte(fmt.Sprintf(`{"id":%q,"type":"x","context":{"timestamp":%d}}`, id, at.Unix())),
		}
	}
	var old []adminapitest.Event
	for i := range 5 {
		old = append(old, mk(fmt.Sprintf("old-%d", i), start.Add(-time.Duration(10-i)*time.Minute), "USER_AUTHENTICATED"))
	}
	old = append(old, mk("old-other", start.Add(-time.Minute), "USER_CREATED"))

	for _, cmd := range [][]string{{"tail", "-n", "2"}, {"search", "--follow", "--limit", "2"}} {
		t.Run(cmd[0], func(t *testing.T) {
			s := adminapitest.New(t)
			s.Add(old...)
			clock.Store(start.UnixNano())
			out := &lockedBuffer{}
			app, _, errb := newTestApp(t, nil)
			app.IO.Out = out
			app.Now = now
			ids := func() []string {
				var got []string
				for _, e := range jsonlEvents(t, out.Bytes()) {
					got = append(got, e.ID)
				}
				return got
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan int, 1)
			args := append(append(cmd, "--activity", "USER_AUTHENTICATED", "--interval", "10ms", "--lag", "2s"), connArgs(t, s)...)
			go func() { done <- app.run(ctx, args) }()

			waitFor(t, "the backlog", done, errb, func() bool { return len(ids()) >= 2 })
			// New events, one of another type; then the clock moves past
			// them plus the lag.
			prefix := cmd[0]
			s.Add(mk(prefix+"-new-1", start.Add(1*time.Second), "USER_AUTHENTICATED"),
				mk(prefix+"-new-other", start.Add(1*time.Second), "USER_CREATED"),
				mk(prefix+"-new-2", start.Add(3*time.Second), "USER_AUTHENTICATED"))
			clock.Store(start.Add(10 * time.Second).UnixNano())
			waitFor(t, "the new events", done, errb, func() bool { return len(ids()) >= 4 })
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("exit %d after Ctrl-C, want 0: %s", code, errb)
			}
			want := []string{"old-3", "old-4", prefix + "-new-1", prefix + "-new-2"}
			if got := ids(); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("printed %v, want %v", got, want)
			}
		})
	}
}

func TestTailBadInput(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"-n", "-1"}, "--backlog: -1 is negative: give 0 for new events only, or a positive number"},
		{[]string{"--interval", "0s"}, "--interval: 0s is not positive"},
		{[]string{"--lag", "-1s"}, "--lag: -1s is negative"},
		{[]string{"--since", "1h"}, "tail prints the last --backlog events and then new ones: --since and --until apply to search and export"},
		{[]string{"-o", "xml"}, `--output: unknown format "xml": use table, wide, jsonl, json, csv`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			if code := runApp(t, app, append([]string{"tail"}, tt.args...)...); code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if lines := stderrLines(errb); len(lines) == 0 || lines[0] != "authgear-audit: "+tt.msg {
				t.Errorf("stderr = %q, want first line %q", lines, "authgear-audit: "+tt.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
		})
	}
}
