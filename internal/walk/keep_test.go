package walk_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

func keepClient(t *testing.T, s *adminapitest.Server) *adminapi.Client {
	t.Helper()
	c, err := adminapi.New(adminapi.Options{Endpoint: s.Endpoint(), ProjectID: s.ProjectID(), KeyID: s.KeyID(), KeyFile: s.KeyFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ipEvent(id, ip string, at time.Time) adminapitest.Event {
	return adminapitest.Event{ID: id, CreatedAt: at, ActivityType: "USER_AUTHENTICATED", IPAddress: ip,
		Data: []byte(fmt.Sprintf(`{"id":%q,"context":{"ip_address":%q}}`, id, ip))}
}

// inBlock keeps the events whose IP address lies in block.
func inBlock(t *testing.T, block string) func(*auditlog.Event) bool {
	t.Helper()
	p, err := auditlog.ParseIPFilter(block)
	if err != nil {
		t.Fatal(err)
	}
	return auditlog.Filter{IPs: []netip.Prefix{p}}.Keep()
}

// Keep: every third event of 250 over a busy second and more is kept; a
// limit counts kept events in either order, and so does the progress.
func TestWalkKeep(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s := adminapitest.New(t)
	var want []string
	for i := range 250 {
		ip := "198.51.100.1"
		if i%3 == 0 {
			ip = "203.0.113.9"
			want = append(want, fmt.Sprintf("e%03d", i))
		}
		s.Add(ipEvent(fmt.Sprintf("e%03d", i), ip, t0.Add(time.Duration(i/150)*time.Second)))
	}
	c := keepClient(t, s)
	keep := inBlock(t, "203.0.113.0/24")
	for _, tt := range []struct {
		name  string
		o     walk.SerialOptions
		count int
	}{
		{"all", walk.SerialOptions{}, len(want)},
		{"oldest 10", walk.SerialOptions{Limit: 10}, 10},
		{"newest 10", walk.SerialOptions{Limit: 10, Descending: true}, 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			var last int64 = -1
			o := tt.o
			o.Keep = keep
			o.Progress = func(p walk.Progress) {
				if p.Filtered {
					last = p.Kept
				}
			}
			err := walk.Serial(context.Background(), c, o, func(e *auditlog.Event) error {
				got = append(got, e.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.count || last != int64(tt.count) {
				t.Fatalf("%d events, %d reported matched, want %d", len(got), last, tt.count)
			}
			for _, id := range got {
				var i int
				fmt.Sscanf(id, "e%03d", &i)
				if i%3 != 0 {
					t.Errorf("%s does not match", id)
				}
			}
		})
	}
}

// The backlog holds the newest matching events; what arrives after it is
// followed from exactly where the backlog ended, matching events only.
func TestFollowKeep(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	const lag = 2 * time.Second
	edge := start.Add(-lag)
	s := adminapitest.New(t)
	for i := range 20 {
		ip := "198.51.100.1"
		if i%5 == 0 {
			ip = "203.0.113.1"
		}
		s.Add(ipEvent(fmt.Sprintf("old-%02d", i), ip, edge.Add(-time.Duration(20-i)*time.Second)))
	}
	// At the edge itself: after the backlog, so followed.
	s.Add(ipEvent("at-edge", "203.0.113.2", edge), ipEvent("at-edge-other", "198.51.100.2", edge))

	// The clock moves a second at every reading, as a slow start would:
	// following must still begin where the backlog ended.
	var clock atomic.Int64
	clock.Store(start.Add(-time.Second).UnixNano())
	ids, wait, stop := followKept(t, s, walk.FollowOptions{
		Interval: 5 * time.Millisecond, Lag: lag, Backlog: 3,
		Now: func() time.Time { return time.Unix(0, clock.Add(int64(time.Second))) },
	}, "203.0.113.0/24")
	wait(4)
	later := start.Add(time.Hour)
	s.Add(ipEvent("new", "203.0.113.3", later), ipEvent("new-other", "198.51.100.3", later))
	clock.Store(later.Add(time.Minute).UnixNano())
	wait(5)
	stop()
	if want := "old-05 old-10 old-15 at-edge new"; ids() != want {
		t.Errorf("followed %s, want %s", ids(), want)
	}
}

// With FromStart every matching event since Selection.From is printed once,
// however large the backlog option, then new ones.
func TestFollowKeepFromStart(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	s := adminapitest.New(t)
	for i := range 12 {
		ip := "198.51.100.1"
		if i%3 == 0 {
			ip = "203.0.113.1"
		}
		s.Add(ipEvent(fmt.Sprintf("old-%02d", i), ip, start.Add(-time.Duration(60-i)*time.Second)))
	}
	ids, wait, stop := followKept(t, s, walk.FollowOptions{
		Selection: adminapi.Selection{From: start.Add(-55 * time.Second)},
		Interval:  5 * time.Millisecond, Lag: 2 * time.Second, Backlog: 10, FromStart: true,
		Now: func() time.Time { return start },
	}, "203.0.113.0/24")
	wait(2)
	time.Sleep(50 * time.Millisecond) // a few more polls: nothing may come twice
	stop()
	if ids() != "old-06 old-09" {
		t.Errorf("followed %s, want old-06 old-09", ids())
	}
}

// follow runs Follow over s in the background, keeping the events of block.
// ids lists what it emitted so far, wait(n) waits for n events, and stop
// ends it and fails t on its error.
func followKept(t *testing.T, s *adminapitest.Server, o walk.FollowOptions, block string) (ids func() string, wait func(n int), stop func()) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() {
		o.Keep = inBlock(t, block)
		done <- walk.Follow(ctx, keepClient(t, s), o, func(e *auditlog.Event) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e.ID)
			return nil
		})
	}()
	ids = func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(got, " ")
	}
	wait = func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for len(strings.Fields(ids())) < n {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %d events: %s", n, ids())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	return ids, wait, stop
}

// A backlog with a Keep filter looks at the newest BacklogLookback events
// of the selection only: a match older than that is not shown, and a
// rare match does not make tail read the whole history first.
func TestFollowKeepLookback(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	s := adminapitest.New(t)
	old := start.Add(-time.Hour)
	evs := []adminapitest.Event{ipEvent("too-old", "203.0.113.1", old)}
	for i := range walk.BacklogLookback + 50 {
		evs = append(evs, ipEvent(fmt.Sprintf("other-%05d", i), "198.51.100.1", old.Add(time.Duration(i+1)*100*time.Millisecond)))
	}
	s.Add(evs...)
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	ids, wait, stop := followKept(t, s, walk.FollowOptions{
		Interval: 5 * time.Millisecond, Lag: 2 * time.Second, Backlog: 5,
		Now: func() time.Time { return time.Unix(0, clock.Load()) },
	}, "203.0.113.0/24")
	time.Sleep(100 * time.Millisecond) // the backlog is read meanwhile
	s.Add(ipEvent("new", "203.0.113.2", start.Add(time.Second)))
	clock.Store(start.Add(time.Minute).UnixNano())
	wait(1)
	stop()
	if ids() != "new" {
		t.Errorf("followed %s, want only new", ids())
	}
}
