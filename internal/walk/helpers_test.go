package walk_test

import (
	"cmp"
	"context"
	"slices"
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

// genEnd is where generated data ends.
var genEnd = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// dataset is the acceptance data: 20,000 events over six hours (about one a
// second, so ties straddle page boundaries all the time) plus five seconds
// of 250 events each, ties shuffled on every request.
func dataset() ([]adminapitest.Event, []adminapitest.User) {
	return adminapitest.Generate(adminapitest.GenOptions{
		Seed: 7, Count: 20000, Start: genEnd.Add(-6 * time.Hour), End: genEnd,
		Bursts: 5, BurstSize: 250,
	})
}

// lean replaces the data of events with a small object. The walker never
// looks inside data; lean data makes the stand-in answer several times
// faster, which keeps the tests that walk many pages quick.
func lean(evs []adminapitest.Event) {
	for i := range evs {
		evs[i].Data = []byte(`{"id":"` + evs[i].ID + `"}`)
	}
}

// fixture is the acceptance data, generated once for all the tests that use
// it. Its slices are shared: tests copy before they change anything (the
// stand-in copies what it is given).
type fixture struct {
	full, lean []adminapitest.Event
	users      []adminapitest.User
	// A stand-in holding the lean events, for tests that only read.
	srv    *adminapitest.Server
	client *adminapi.Client
}

// TestStandIn runs the tests against the stand-in that need the acceptance
// data (dataset), generating it once.
func TestStandIn(t *testing.T) {
	t.Parallel()
	full, users := dataset()
	fx := &fixture{full: full, users: users, lean: slices.Clone(full)}
	lean(fx.lean)
	fx.srv, fx.client = standIn(t, fx.lean, users, adminapitest.WithTies(adminapitest.TiesReshuffled))
	for _, tt := range []struct {
		name string
		test func(*testing.T, *fixture)
	}{
		{"Serial", testWalkExactlyOnce},
		{"WalkLimit", testWalkLimit},
		{"WalkInconsistentServer", testWalkInconsistentServer},
		{"Parallel", testExportExactlyOnce},
		{"ExportWhileEventsArrive", testExportWhileEventsArrive},
		{"ExportStops", testExportStops},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, fx)
		})
	}
}

// standIn starts a stand-in holding evs and users, and a real client for it.
func standIn(t testing.TB, evs []adminapitest.Event, users []adminapitest.User, opts ...adminapitest.Option) (*adminapitest.Server, *adminapi.Client) {
	t.Helper()
	srv := adminapitest.New(t, append(opts, adminapitest.WithEvents(evs, users))...)
	c, err := adminapi.New(adminapi.Options{
		Endpoint: srv.Endpoint(), ProjectID: srv.ProjectID(), KeyID: srv.KeyID(), KeyFile: srv.KeyFile(t),
		RetryBase: time.Millisecond, RetryCap: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// burstSeconds returns the seconds that hold more than a page, oldest first.
func burstSeconds(evs []adminapitest.Event) []time.Time {
	n := map[time.Time]int{}
	for _, e := range evs {
		n[e.CreatedAt.Truncate(time.Second).UTC()]++
	}
	var out []time.Time
	for s, c := range n {
		if c > adminapi.MaxPageSize {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// expected is the reference answer in the order the walker promises:
// createdAt, then ID; reversed when desc.
func expected(srv *adminapitest.Server, sel adminapi.Selection, desc bool) []string {
	ref := srv.Select(sel)
	slices.SortFunc(ref, func(a, b adminapitest.Event) int {
		c := a.CreatedAt.Compare(b.CreatedAt)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			return -c
		}
		return c
	})
	ids := make([]string, len(ref))
	for i, e := range ref {
		ids[i] = e.ID
	}
	return ids
}

func ids(evs []*auditlog.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// sameEvents fails t unless got is exactly want, in order; it says how many
// were missed, doubled or foreign first.
func sameEvents(t testing.TB, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	inWant := map[string]bool{}
	var missing, dups, foreign []string
	for _, id := range want {
		inWant[id] = true
		if seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id, n := range seen {
		if n > 1 {
			dups = append(dups, id)
		}
		if !inWant[id] {
			foreign = append(foreign, id)
		}
	}
	if len(missing)+len(dups)+len(foreign) > 0 {
		t.Errorf("got %d events, want %d: %d missing (%s), %d doubled (%s), %d not selected (%s)",
			len(got), len(want), len(missing), some(missing), len(dups), some(dups), len(foreign), some(foreign))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("the right %d events, but out of order from position %d: %s where %s belongs", len(got), i, got[i], want[i])
			return
		}
	}
}

func some(ids []string) string {
	if len(ids) > 3 {
		return strings.Join(ids[:3], ", ") + ", ..."
	}
	return strings.Join(ids, ", ")
}

// tap wraps a Source to count its calls and optionally change pages.
type tap struct {
	src    fetchSource
	pages  atomic.Int64
	counts atomic.Int64
	totals atomic.Int64 // pages with totalCount
	alter  func(q adminapi.PageQuery, p *adminapi.Page) (*adminapi.Page, error)

	mu      sync.Mutex
	queries []adminapi.PageQuery
}

type fetchSource interface {
	Page(ctx context.Context, q adminapi.PageQuery) (*adminapi.Page, error)
	Counts(ctx context.Context, sels []adminapi.Selection) ([]int, error)
}

func (s *tap) Page(ctx context.Context, q adminapi.PageQuery) (*adminapi.Page, error) {
	s.pages.Add(1)
	if q.WithTotal {
		s.totals.Add(1)
	}
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.mu.Unlock()
	p, err := s.src.Page(ctx, q)
	if err == nil && s.alter != nil {
		return s.alter(q, p)
	}
	return p, err
}

func (s *tap) Counts(ctx context.Context, sels []adminapi.Selection) ([]int, error) {
	s.counts.Add(int64(adminapi.CountRequests(len(sels))))
	return s.src.Counts(ctx, sels)
}

func (s *tap) requests() int64 { return s.pages.Load() + s.counts.Load() }

// checkRequestBudget fails t when an export of n events asked for parallel
// shards made more requests than the issue allows: 1.1·ceil(N/100), two per
// shard asked for (the count probes: a small export gets fewer shards than
// asked, but its probes were made) and the drain reads of busy seconds. The
// requests are counted by src, outside fetch; st says which were drain
// reads.
func checkRequestBudget(t *testing.T, src *tap, st walk.Stats, n, parallel int) {
	t.Helper()
	requests := src.requests()
	if requests != st.Requests {
		t.Errorf("fetch counted %d requests, the source saw %d", st.Requests, requests)
	}
	budget := int64(1.1*float64(pagesFor(n))) + 2*int64(parallel) + st.DrainReads
	t.Logf("%d events, %d shards, %d steals: %d requests (%d drain reads in %d drains); (requests-drain reads)/ceil(N/100) = %.3f, budget %d",
		n, st.Shards, st.Steals, requests, st.DrainReads, st.Drains, float64(requests-st.DrainReads)/float64(pagesFor(n)), budget)
	if requests > budget {
		t.Errorf("%d requests, want at most 1.1·ceil(N/100) + 2 per shard + drain reads = %d", requests, budget)
	}
}

// pagesFor is ceil(n/100): the fewest pages that can hold n events.
func pagesFor(n int) int64 { return int64((n + adminapi.MaxPageSize - 1) / adminapi.MaxPageSize) }
