package walk_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// clockedEvents makes events at the given times, IDs from tag.
func clockedEvents(tag string, times ...time.Time) []adminapitest.Event {
	out := make([]adminapitest.Event, len(times))
	for i, at := range times {
		id := fmt.Sprintf("%s-%04d", tag, i)
		out[i] = adminapitest.Event{ID: id, CreatedAt: at, ActivityType: "USER_AUTHENTICATED", Data: []byte(`{"id":"` + id + `"}`)}
	}
	return out
}

func repeatTime(at time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = at
	}
	return out
}

// TestFollow drives Follow with an injected clock that moves five seconds
// (and a fraction) per poll and adds events while it does: just behind the
// lag, in the current second, in a burst, and in the future. Follow must
// print the backlog, oldest first, and then every event of the tiled windows
// exactly once, and end with nil when cancelled.
func TestFollow(t *testing.T) {
	t.Parallel()
	const lag = 3 * time.Second
	start := genEnd.Add(700 * time.Millisecond)
	var old []time.Time
	for i := range 400 {
		old = append(old, genEnd.Add(-time.Duration(i)*1500*time.Millisecond).Truncate(time.Second))
	}
	old = append(old, repeatTime(genEnd.Add(-2*time.Second), 30)...) // inside the first lag
	srv, client := standIn(t, clockedEvents("old", old...), nil)

	const polls = 12
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	clock, calls := start, 0
	var edges []time.Time // floor(now)-lag at each call
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls > 1 {
			clock = clock.Add(5*time.Second + 300*time.Millisecond)
		}
		sec := clock.Truncate(time.Second)
		tag := fmt.Sprintf("p%02d", calls)
		add := []time.Time{sec, sec.Add(-time.Second), sec.Add(-lag - time.Second), sec.Add(-lag), sec.Add(-lag + time.Second), sec.Add(time.Hour)}
		if calls == 4 {
			add = append(add, repeatTime(sec.Add(-time.Second), 150)...) // a burst
		}
		srv.Add(clockedEvents(tag, add...)...)
		edges = append(edges, sec.Add(-lag))
		if calls == polls {
			cancel()
		}
		return clock
	}

	src := &tap{src: client}
	var got []*auditlog.Event
	err := walk.Follow(ctx, src, walk.FollowOptions{Interval: time.Millisecond, Lag: lag, Backlog: 25, Now: now},
		func(e *auditlog.Event) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatalf("Follow = %v, want nil after a cancel", err)
	}
	if calls != polls {
		t.Fatalf("the clock was read %d times, want %d", calls, polls)
	}
	// The backlog: the 25 newest before the first edge, oldest first; then
	// every window up to the edge of the last complete poll.
	back := expected(srv, adminapi.Selection{To: edges[0]}, true)[:25]
	want := make([]string, 0, len(back))
	for i := len(back) - 1; i >= 0; i-- {
		want = append(want, back[i])
	}
	// Within the backlog's oldest second the walk picks by ID from the
	// top; compare as the walker orders a second: by ID, ascending.
	want = resortBySecond(srv, want)
	want = append(want, expected(srv, adminapi.Selection{From: edges[0], To: edges[polls-2]}, false)...)
	sameEvents(t, ids(got), want)
	if r := src.requests(); r > 2*polls+20 {
		t.Errorf("%d requests for %d polls", r, polls)
	}
}

// resortBySecond orders ids by (createdAt, ID) using the stand-in's data.
func resortBySecond(srv *adminapitest.Server, ids []string) []string {
	at := map[string]time.Time{}
	for _, e := range srv.Events() {
		at[e.ID] = e.CreatedAt
	}
	out := append([]string(nil), ids...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0; j-- {
			a, b := out[j-1], out[j]
			if at[a].After(at[b]) || (at[a].Equal(at[b]) && a > b) {
				out[j-1], out[j] = b, a
			}
		}
	}
	return out
}

// TestFollowUntil: with an end, Follow stops by itself once its windows
// reach it, and returns nil.
func TestFollowUntil(t *testing.T) {
	t.Parallel()
	var times []time.Time
	for i := range 50 {
		times = append(times, genEnd.Add(time.Duration(i)*time.Second))
	}
	srv, client := standIn(t, clockedEvents("e", times...), nil)
	clock := genEnd
	sel := adminapi.Selection{From: genEnd.Add(10 * time.Second), To: genEnd.Add(30 * time.Second)}
	var got []*auditlog.Event
	err := walk.Follow(context.Background(), client, walk.FollowOptions{
		Selection: sel, Interval: time.Millisecond, Lag: time.Second,
		Now: func() time.Time { clock = clock.Add(7 * time.Second); return clock },
	}, func(e *auditlog.Event) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, ids(got), expected(srv, sel, false))
}

// TestFollowFromStart: every event from From on comes first, oldest first,
// a busy second included, then what arrives; each exactly once.
func TestFollowFromStart(t *testing.T) {
	t.Parallel()
	var times []time.Time
	for i := range 300 {
		times = append(times, genEnd.Add(-time.Duration(i)*time.Second))
	}
	times = append(times, repeatTime(genEnd.Add(-100*time.Second), 150)...)
	for i := range 20 {
		times = append(times, genEnd.Add(time.Duration(i)*time.Second))
	}
	srv, client := standIn(t, clockedEvents("e", times...), nil)
	clock := genEnd
	sel := adminapi.Selection{From: genEnd.Add(-250 * time.Second), To: genEnd.Add(15 * time.Second)}
	var got []*auditlog.Event
	err := walk.Follow(context.Background(), client, walk.FollowOptions{
		Selection: sel, Interval: time.Millisecond, Lag: time.Second, Backlog: 5, FromStart: true,
		Now: func() time.Time { clock = clock.Add(3 * time.Second); return clock },
	}, func(e *auditlog.Event) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, ids(got), expected(srv, sel, false))
}

// TestFollowErrors: an API failure or an emit error ends Follow with that
// error; a cancelled context during a walk ends it with nil.
func TestFollowErrors(t *testing.T) {
	t.Parallel()
	srv, client := standIn(t, clockedEvents("e", genEnd.Add(-time.Second), genEnd.Add(-2*time.Second)), nil)
	_ = srv
	apiErr := &adminapi.APIError{Op: "fetch audit logs", Err: errors.New("503 Service Unavailable")}
	clock := genEnd
	tick := func() time.Time { clock = clock.Add(time.Second); return clock }
	err := walk.Follow(context.Background(), failOn{client, genEnd.Add(-time.Hour), apiErr},
		walk.FollowOptions{Interval: time.Millisecond, Now: tick}, func(*auditlog.Event) error { return nil })
	if !errors.Is(err, apiErr) {
		t.Errorf("with a failing API: Follow = %v, want %v", err, apiErr)
	}
	broken := errors.New("broken pipe")
	err = walk.Follow(context.Background(), client, walk.FollowOptions{Backlog: 5, Now: tick},
		func(*auditlog.Event) error { return broken })
	if err != broken {
		t.Errorf("with a failing emit: Follow = %v, want %v", err, broken)
	}
	err = walk.Follow(context.Background(), client, walk.FollowOptions{Lag: -time.Second}, nil)
	if err == nil {
		t.Error("a negative lag was accepted")
	}
}

// TestFollowWindowDone: WindowDone gets each window's end after every
// event before it has been emitted, and no event emitted after it is
// older; its error ends Follow.
func TestFollowWindowDone(t *testing.T) {
	t.Parallel()
	var times []time.Time
	for i := range 200 {
		times = append(times, genEnd.Add(time.Duration(i-100)*time.Second))
	}
	times = append(times, repeatTime(genEnd.Add(-50*time.Second), 150)...)
	srv, client := standIn(t, clockedEvents("e", times...), nil)
	clock := genEnd
	sel := adminapi.Selection{From: genEnd.Add(-80 * time.Second), To: genEnd.Add(40 * time.Second)}
	var got []*auditlog.Event
	var ends []time.Time
	emitted := 0 // events emitted when the last window ended
	err := walk.Follow(context.Background(), client, walk.FollowOptions{
		Selection: sel, Interval: time.Millisecond, Lag: time.Second, FromStart: true,
		Now: func() time.Time { clock = clock.Add(7 * time.Second); return clock },
		WindowDone: func(end time.Time) error {
			if len(ends) > 0 && !end.After(ends[len(ends)-1]) {
				t.Errorf("window end %s after %s", end, ends[len(ends)-1])
			}
			if end.Truncate(time.Second) != end {
				t.Errorf("window end %s is not a whole second", end)
			}
			// Every event before end has been emitted.
			if want := len(expected(srv, adminapi.Selection{From: sel.From, To: end}, false)); len(got) != want {
				t.Errorf("at window end %s: %d events emitted, want %d", end, len(got), want)
			}
			for _, e := range got[emitted:] {
				if !e.CreatedAt.Before(end) {
					t.Errorf("event %s at %s emitted before window end %s", e.ID, e.CreatedAt, end)
				}
			}
			emitted = len(got)
			ends = append(ends, end)
			return nil
		},
	}, func(e *auditlog.Event) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(ends) < 3 || !ends[len(ends)-1].Equal(sel.To) {
		t.Errorf("window ends %v: want several, the last at %s", ends, sel.To)
	}
	sameEvents(t, ids(got), expected(srv, sel, false))

	stop := errors.New("disk full")
	err = walk.Follow(context.Background(), client, walk.FollowOptions{
		Selection: sel, Interval: time.Millisecond, FromStart: true,
		Now:        func() time.Time { clock = clock.Add(time.Second); return clock },
		WindowDone: func(time.Time) error { return stop },
	}, func(*auditlog.Event) error { return nil })
	if err != stop {
		t.Errorf("with a failing WindowDone: Follow = %v, want %v", err, stop)
	}
}
