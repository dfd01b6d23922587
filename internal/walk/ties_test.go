package walk_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// busyData has seconds that hold many events of one type: three bursts of
// 1,000 events (about 470 USER_AUTHENTICATED each), by five users, so that
// filters by type or user select busy seconds too. (A storm of 5,000 is in
// TestBusySecondCost, which checks every walk of it too.)
func busyData() ([]adminapitest.Event, []adminapitest.User) {
	evs, users := adminapitest.Generate(adminapitest.GenOptions{
		Seed: 11, Count: 3000, Start: genEnd.Add(-2 * time.Hour), End: genEnd,
		Bursts: 3, BurstSize: 1000, Users: 5,
	})
	lean(evs)
	return evs, users
}

// TestExactlyOnceUnderEveryTieOrder: whatever order the server gives ties
// in (reshuffled, fixed per window, PostgreSQL's bounded heap, stable),
// with filters and without, walks in both directions and exports at any
// parallelism return every event exactly once.
func TestExactlyOnceUnderEveryTieOrder(t *testing.T) {
	t.Parallel()
	evs, users := busyData()
	top, _, _ := busiest(evs, 1)
	if busy := burstSeconds(evs); len(busy) != 3 {
		t.Fatalf("the data has %d busy seconds, want 3", len(busy))
	}
	sels := []struct {
		name string
		sel  adminapi.Selection
	}{
		{"everything", adminapi.Selection{}},
		{"one type", adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}}},
		{"two types", adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"}}},
		{"messaging", adminapi.Selection{ActivityTypes: mustExpand(t, "messaging")}},
		{"one user", adminapi.Selection{UserIDs: []string{adminapitest.UserNodeID(top[0])}}},
	}
	for _, ties := range adminapitest.AllTies() {
		t.Run(ties.String(), func(t *testing.T) {
			t.Parallel()
			srv, client := standIn(t, evs, users, adminapitest.WithTies(ties))
			for _, s := range sels {
				for _, desc := range []bool{false, true} {
					t.Run(fmt.Sprintf("walk %s desc=%v", s.name, desc), func(t *testing.T) {
						t.Parallel()
						var got []*auditlog.Event
						err := walk.Serial(context.Background(), client, walk.SerialOptions{Selection: s.sel, Descending: desc},
							func(e *auditlog.Event) error { got = append(got, e); return nil })
						if err != nil {
							t.Fatal(err)
						}
						sameEvents(t, ids(got), expected(srv, s.sel, desc))
					})
				}
				if s.name == "messaging" || s.name == "two types" {
					continue
				}
				for _, parallel := range []int{1, 8} {
					t.Run(fmt.Sprintf("export %s parallel=%d", s.name, parallel), func(t *testing.T) {
						t.Parallel()
						sel := s.sel
						sel.From, sel.To = genEnd.Add(-2*time.Hour), genEnd
						var got []*auditlog.Event
						_, err := walk.Parallel(context.Background(), client, walk.ParallelOptions{Selection: sel, Parallel: parallel, Count: true, SpoolDir: t.TempDir()},
							func(e *auditlog.Event) error { got = append(got, e); return nil })
						if err != nil {
							t.Fatal(err)
						}
						sameEvents(t, ids(got), expected(srv, sel, false))
					})
				}
			}
		})
	}
}

// busySecondCost walks a minute around one second of n events (types
// mixed as in a login storm) under ties, filtered by sel, checks that it
// returned every event exactly once, and returns the events of that second
// the filter selects and the requests that touched the second: the walk's
// pages whose window holds it, its drain reads and the counts.
func busySecondCost(tb testing.TB, ties adminapitest.Ties, n int, types []string) (events, requests int) {
	tb.Helper()
	evs, users := adminapitest.Generate(adminapitest.GenOptions{
		Seed: int64(n), Count: 120, Start: genEnd.Add(-time.Minute), End: genEnd.Add(time.Minute), BurstSizes: []int{n},
	})
	lean(evs)
	srv, client := standIn(tb, evs, users, adminapitest.WithTies(ties))
	sec := burstSeconds(evs)[0]
	sel := adminapi.Selection{ActivityTypes: types, From: genEnd.Add(-time.Minute), To: genEnd.Add(time.Minute)}
	src := &tap{src: client}
	var got []*auditlog.Event
	err := walk.Serial(context.Background(), src, walk.SerialOptions{Selection: sel},
		func(e *auditlog.Event) error { got = append(got, e); return nil })
	if err != nil {
		tb.Fatal(err)
	}
	sameEvents(tb, ids(got), expected(srv, sel, false))
	sel.From, sel.To = sec, sec.Add(time.Second)
	events = len(srv.Select(sel))
	requests = int(src.counts.Load())
	for _, q := range src.queries {
		if !q.From.After(sec) && q.To.After(sec) {
			requests++
		}
	}
	return events, requests
}

var busyFilters = []struct {
	name  string
	types []string
}{
	{"unfiltered", nil},
	{"one type", []string{"USER_AUTHENTICATED"}},
	{"two types", []string{"USER_AUTHENTICATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"}},
}

// TestBusySecondCost: with PostgreSQL's orders a busy second of n events
// costs at most ceil(n/99)+3 requests, from the walk's first page that
// reaches it, counts included; with the other orders it stays within the
// drain's bound.
func TestBusySecondCost(t *testing.T) {
	t.Parallel()
	for _, ties := range adminapitest.AllTies() {
		for _, n := range []int{250, 800, 5000} {
			for _, f := range busyFilters {
				t.Run(fmt.Sprintf("%s/%d/%s", ties, n, f.name), func(t *testing.T) {
					t.Parallel()
					if testing.Short() && n > 1000 && ties != adminapitest.TiesPostgres {
						t.Skip("a storm under random orders takes a few seconds")
					}
					events, requests := busySecondCost(t, ties, n, f.types)
					limit := drainBoundOf(events) + 2 // the walk's pages that reach the second
					if ties == adminapitest.TiesPostgres || ties == adminapitest.TiesStable {
						limit = int(math.Ceil(float64(events)/99)) + 3
					}
					if requests > limit {
						t.Errorf("a second of %d events cost %d requests, want at most %d", events, requests, limit)
					}
				})
			}
		}
	}
}

// BenchmarkBusySecond reports the requests that one busy second costs, for
// n = 250, 800 and 5,000 events in each order of ties, against the budget
// of the PostgreSQL order, ceil(n/99)+3:
//
//	go test -run '^$' -bench BusySecond -benchtime 1x ./internal/walk
func BenchmarkBusySecond(b *testing.B) {
	for _, ties := range adminapitest.AllTies() {
		for _, n := range []int{250, 800, 5000} {
			for _, f := range busyFilters {
				b.Run(fmt.Sprintf("%s/n=%d/%s", ties, n, f.name), func(b *testing.B) {
					var events, requests int
					for b.Loop() {
						events, requests = busySecondCost(b, ties, n, f.types)
					}
					b.ReportMetric(float64(events), "events")
					b.ReportMetric(float64(requests), "requests")
					b.ReportMetric(math.Ceil(float64(events)/99)+3, "budget")
				})
			}
		}
	}
}

// TestDrainSplitsByType: a server whose unfiltered pages never return one
// event of a busy second, while pages of a few activity types are whole,
// is still read exactly once: the drain counts the second per type and
// reads the types of at most a page whole (a window that holds every
// matching event is complete). Sampling alone could never find it.
func TestDrainSplitsByType(t *testing.T) {
	t.Parallel()
	evs, users := adminapitest.Generate(adminapitest.GenOptions{
		Seed: 3, Count: 60, Start: genEnd.Add(-time.Minute), End: genEnd.Add(time.Minute), BurstSizes: []int{400},
	})
	lean(evs)
	srv, client := standIn(t, evs, users, adminapitest.WithTies(adminapitest.TiesStable))
	sec := burstSeconds(evs)[0]
	var hidden string
	for _, e := range srv.Select(adminapi.Selection{From: sec, To: sec.Add(time.Second)}) {
		if e.ActivityType == "EMAIL_SENT" {
			hidden = e.ID
			break
		}
	}
	if hidden == "" {
		t.Fatal("the busy second has no EMAIL_SENT: the test proves nothing")
	}
	src := &tap{src: client, alter: func(q adminapi.PageQuery, p *adminapi.Page) (*adminapi.Page, error) {
		if len(q.ActivityTypes) == 0 {
			p.Events = slices.DeleteFunc(p.Events, func(e auditlog.Event) bool { return e.ID == hidden })
		}
		return p, nil
	}}
	sel := adminapi.Selection{From: genEnd.Add(-time.Minute), To: genEnd.Add(time.Minute)}
	var got []*auditlog.Event
	if err := walk.Serial(context.Background(), src, walk.SerialOptions{Selection: sel},
		func(e *auditlog.Event) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	sameEvents(t, ids(got), expected(srv, sel, false))
	if src.counts.Load() == 0 {
		t.Error("the drain never counted the second per type")
	}
}
