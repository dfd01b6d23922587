package cli

import (
	"bytes"
	"context"
	"fmt"
	"slices"
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

// startFollow runs args (a following command) on the clock now in the
// background: ids lists the events printed so far, done gets the exit
// code, and cancel is the user's Ctrl-C.
func startFollow(t *testing.T, now func() time.Time, args []string) (ids func() []string, done chan int, cancel func(), errb *bytes.Buffer) {
	t.Helper()
	out := &lockedBuffer{}
	app, _, errb := newTestApp(t, nil)
	app.IO.Out = out
	app.Now = now
	ids = func() []string {
		var got []string
		for _, e := range jsonlEvents(t, out.Bytes()) {
			got = append(got, e.ID)
		}
		return got
	}
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	done = make(chan int, 1)
	go func() { done <- run(ctx, app, args) }()
	return ids, done, cancel, errb
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
			ids, done, cancel, errb := startFollow(t, now, append(append(cmd, "--activity", "USER_AUTHENTICATED", "--interval", "10ms", "--lag", "2s"), connArgs(t, s)...))

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
		{[]string{"--until", "1h"}, "unknown flag: --until"},
		{[]string{"--since", "yesterday-ish"}, `--since: invalid time "yesterday-ish"`},
		{[]string{"-o", "xml"}, `--output: unknown format "xml": use table, wide, jsonl, json, csv`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			if code := runApp(t, app, append([]string{"tail"}, tt.args...)...); code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if lines := stderrLines(errb); len(lines) == 0 || !strings.HasPrefix(lines[0], "authgear-audit: "+tt.msg) {
				t.Errorf("stderr = %q, want first line %q", lines, "authgear-audit: "+tt.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
		})
	}
}

// TestTailSince: with --since, every event since then comes first, then
// the new ones, like kubectl logs -f --since; --backlog (or search's
// --limit) applies only when given.
func TestTailSince(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	var clock atomic.Int64
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	var old []adminapitest.Event
	for i := range 30 {
		old = append(old, plainEvent(fmt.Sprintf("old-%02d", i), start.Add(-time.Duration(30-i)*time.Minute), "USER_AUTHENTICATED"))
	}
	since := start.Add(-20 * time.Minute) // old-10 on
	tests := []struct {
		args []string
		want []string // before the new event
	}{
		{[]string{"tail", "--since", since.Format(time.RFC3339)}, idRange("old-%02d", 10, 30)},
		{[]string{"tail", "--since", "20m"}, idRange("old-%02d", 10, 30)},
		{[]string{"tail", "--since", since.Format(time.RFC3339), "--backlog", "3"}, idRange("old-%02d", 27, 30)},
		{[]string{"search", "-f", "--since", since.Format(time.RFC3339)}, idRange("old-%02d", 10, 30)},
		{[]string{"search", "-f", "--since", since.Format(time.RFC3339), "--limit", "2"}, idRange("old-%02d", 28, 30)},
		{[]string{"tail"}, idRange("old-%02d", 20, 30)},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			s := adminapitest.New(t)
			s.Add(old...)
			clock.Store(start.UnixNano())
			ids, done, cancel, errb := startFollow(t, now, append(append(slices.Clone(tt.args), "--interval", "10ms", "--lag", "2s"), connArgs(t, s)...))
			waitFor(t, "the events since", done, errb, func() bool { return len(ids()) >= len(tt.want) })
			s.Add(plainEvent("new", start.Add(time.Second), "USER_AUTHENTICATED"))
			clock.Store(start.Add(10 * time.Second).UnixNano())
			waitFor(t, "the new event", done, errb, func() bool { return len(ids()) > len(tt.want) })
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("exit %d after Ctrl-C, want 0: %s", code, errb)
			}
			if got, want := ids(), append(slices.Clone(tt.want), "new"); !slices.Equal(got, want) {
				t.Errorf("printed %v, want %v", got, want)
			}
		})
	}
}

func idRange(format string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf(format, i))
	}
	return out
}

// TestTailHelpListsItsFlags: tail --help lists exactly the flags tail
// takes; search -f names its own flags when it refuses one.
func TestTailHelpListsItsFlags(t *testing.T) {
	app, out, errb := newTestApp(t, nil)
	if code := runApp(t, app, "tail", "--help"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	local := out.String()
	local = local[strings.Index(local, "\nFlags:\n"):strings.Index(local, "\nGlobal Flags:\n")]
	var got []string
	for _, l := range strings.Split(local, "\n") {
		for _, f := range strings.Fields(l) {
			if strings.HasPrefix(f, "--") {
				got = append(got, strings.TrimSuffix(f, ","))
				break
			}
		}
	}
	want := []string{"--activity", "--backlog", "--batch-size", "--client", "--columns", "--country", "--csv-raw", "--flush-interval", "--help", "--interval", "--ip", "--jq", "--lag",
		"--out", "--output", "--since", "--state", "--template", "--to", "--to-ca-file", "--to-format", "--to-header", "--to-index", "--to-insecure", "--to-max-retries", "--to-sourcetype", "--to-timeout", "--tz", "--user", "--utc"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("tail --help lists %v, want %v", got, want)
	}

	app, out, errb = newTestApp(t, nil)
	if code := runApp(t, app, "search", "-f", "--until", "1h"); code != ExitUsage {
		t.Errorf("search -f --until: exit %d, want %d", code, ExitUsage)
	}
	msg := stderrLines(errb)[0]
	if !strings.Contains(msg, "--follow") || strings.Contains(msg, "--backlog") {
		t.Errorf("search -f --until: %q, want a message about --follow that does not name --backlog", msg)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out)
	}
}
