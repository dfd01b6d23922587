package walk_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// emptyDir fails t when dir holds anything: spool files must be gone.
func emptyDir(t testing.TB, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("%d files left in the spool directory, e.g. %s", len(left), left[0].Name())
	}
}

// testExportExactlyOnce: parallel or not, counted or not, the export is the
// stand-in's own answer, oldest first, each event once, with full event
// data passing through the spool files intact.
func testExportExactlyOnce(t *testing.T, fx *fixture) {
	srvFull, clientFull := standIn(t, fx.full, fx.users)
	srvLean, clientLean := fx.srv, fx.client
	b := burstSeconds(fx.full)
	all := adminapi.Selection{From: genEnd.Add(-7 * time.Hour), To: genEnd}
	tests := []struct {
		name     string
		full     bool
		sel      adminapi.Selection
		parallel int
		count    bool
	}{
		{"parallel 1", false, all, 1, true},
		{"parallel 8, full data", true, all, 8, true},
		{"parallel 8 without counts", false, all, 8, false},
		{"parallel 16, types, bounds in bursts", false, adminapi.Selection{
			ActivityTypes: []string{"USER_AUTHENTICATED", "EMAIL_SENT"}, From: b[0], To: b[4].Add(time.Second)}, 16, true},
		{"parallel 4 over a few seconds", false, adminapi.Selection{From: b[1].Add(-time.Second), To: b[1].Add(2 * time.Second)}, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := srvLean, clientLean
			if tt.full {
				srv, client = srvFull, clientFull
			}
			want := expected(srv, tt.sel, false)
			byID := map[string]adminapitest.Event{}
			if tt.full {
				for _, e := range srv.Select(tt.sel) {
					byID[e.ID] = e
				}
			}
			spool := t.TempDir()
			var got []*auditlog.Event
			var calls atomic.Int32
			var last walk.Progress
			src := &tap{src: client}
			st, err := walk.Parallel(context.Background(), src, walk.ParallelOptions{
				Selection: tt.sel, Parallel: tt.parallel, Count: tt.count, SpoolDir: spool,
				Progress: func(p walk.Progress) {
					if calls.Add(1) > 1 && (p.Events < last.Events || p.Requests < last.Requests) {
						t.Errorf("progress went backwards: %+v then %+v", last, p)
					}
					last = p // unsynchronised on purpose: -race catches concurrent calls
				},
			}, func(e *auditlog.Event) error {
				got = append(got, e)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, ids(got), want)
			emptyDir(t, spool)
			for _, e := range got {
				if !tt.full {
					break
				}
				ref := byID[e.ID]
				if string(e.Data) != string(ref.Data) || !e.CreatedAt.Equal(ref.CreatedAt) || e.ActivityType != ref.ActivityType ||
					e.UserID != ref.UserID || e.IPAddress != ref.IPAddress || e.UserAgent != ref.UserAgent || e.ClientID != ref.ClientID {
					t.Fatalf("event %s changed on its way:\n got %+v\nwant %+v", e.ID, *e, ref)
				}
			}

			n := int64(len(want))
			if st.Events != n {
				t.Errorf("stats say %d events, want %d", st.Events, n)
			}
			wantTotal := int64(-1)
			if tt.count {
				wantTotal = n
			}
			if last.Total != wantTotal || last.Events != n || last.Requests != st.Requests {
				t.Errorf("last progress %+v, want %d events of %d, %d requests", last, n, wantTotal, st.Requests)
			}
			checkRequestBudget(t, src, st, int(n), tt.parallel)
			if st.Shards < 1 || st.Shards > tt.parallel {
				t.Errorf("%d shards for parallel %d", st.Shards, tt.parallel)
			}
		})
	}
}

// testExportWhileEventsArrive inserts events while the export runs: after
// To (arrivals, the normal case), before From, and inside the range (which
// the one documented assumption excludes: such events may or may not be
// exported, but nothing may shift, double or go missing because of them).
func testExportWhileEventsArrive(t *testing.T, fx *fixture) {
	b := burstSeconds(fx.lean)
	sel := adminapi.Selection{From: b[1].Add(-30 * time.Minute), To: b[3].Add(time.Second)}
	// Only the events near the range: every insert inside it costs the
	// stand-in a merge of all it holds.
	var near []adminapitest.Event
	for _, e := range fx.lean {
		if !e.CreatedAt.Before(sel.From.Add(-10*time.Minute)) && e.CreatedAt.Before(sel.To.Add(10*time.Minute)) {
			near = append(near, e)
		}
	}
	for _, parallel := range []int{1, 8} {
		for _, inside := range []bool{false, true} {
			t.Run(fmt.Sprintf("parallel %d, inserts inside the range %v", parallel, inside), func(t *testing.T) {
				t.Parallel()
				srv, client := standIn(t, near, fx.users)
				before := expected(srv, sel, false)
				span := sel.To.Sub(sel.From)
				var added atomic.Int64
				srv.OnRequest(func(n int64) {
					mk := func(at time.Time) adminapitest.Event {
						k := added.Add(1)
						id := fmt.Sprintf("new-%06d", k)
						return adminapitest.Event{ID: id, Seq: 1_000_000 + k, CreatedAt: at, ActivityType: "USER_AUTHENTICATED",
							Data: []byte(`{"id":"` + id + `"}`)}
					}
					// Arrivals in the future beyond To, some in To's own
					// second and in a burst-sized heap; events before From.
					news := []adminapitest.Event{
						mk(sel.To), mk(sel.To.Add(time.Duration(n) * time.Second)), mk(sel.From.Add(-time.Second)),
					}
					if inside {
						// Spread over the range by request number.
						news = append(news, mk(sel.From.Add(time.Duration(n*7919%int64(span/time.Second))*time.Second)))
						if n%20 == 0 {
							news = append(news, mk(b[2]), mk(b[2]))
						}
					}
					srv.Add(news...)
				})
				var got []*auditlog.Event
				st, err := walk.Parallel(context.Background(), client, walk.ParallelOptions{
					Selection: sel, Parallel: parallel, Count: true, SpoolDir: t.TempDir(),
				}, func(e *auditlog.Event) error { got = append(got, e); return nil })
				if err != nil {
					t.Fatal(err)
				}
				srv.OnRequest(nil)
				if added.Load() == 0 {
					t.Fatal("nothing was inserted")
				}
				if !inside {
					sameEvents(t, ids(got), before)
					return
				}
				// Every event that was there before, once; inserted ones at
				// most once; nothing from outside the range; in order.
				after := expected(srv, sel, false)
				inAfter := map[string]bool{}
				for _, id := range after {
					inAfter[id] = true
				}
				gotIDs := ids(got)
				seen := map[string]bool{}
				for _, id := range gotIDs {
					if seen[id] || !inAfter[id] {
						t.Fatalf("event %s doubled or outside the range", id)
					}
					seen[id] = true
				}
				for _, id := range before {
					if !seen[id] {
						t.Fatalf("event %s, there from the start, is missing", id)
					}
				}
				for i := 1; i < len(got); i++ {
					if got[i].CreatedAt.Before(got[i-1].CreatedAt) {
						t.Fatalf("out of order at %d", i)
					}
				}
				t.Logf("%d inserted, %d of them inside the range exported; %d requests", added.Load(), len(got)-len(before), st.Requests)
			})
		}
	}
}

// failOn wraps a Source so that pages of windows starting at or after from
// fail with err.
type failOn struct {
	fetchSource
	from time.Time
	err  error
}

func (f failOn) Page(ctx context.Context, q adminapi.PageQuery) (*adminapi.Page, error) {
	if !q.From.Before(f.from) {
		return nil, f.err
	}
	return f.fetchSource.Page(ctx, q)
}

// failCountOn wraps a Source so that counts of windows starting at or after
// from fail with err.
type failCountOn struct {
	fetchSource
	from time.Time
	err  error
}

func (f failCountOn) Counts(ctx context.Context, sels []adminapi.Selection) ([]int, error) {
	for _, sel := range sels {
		if !sel.From.Before(f.from) {
			return nil, f.err
		}
	}
	return f.fetchSource.Counts(ctx, sels)
}

// testExportStops: an error from emit, from a shard or a cancelled context
// stops every shard, removes every spool file and is returned.
func testExportStops(t *testing.T, fx *fixture) {
	client := fx.client
	b := burstSeconds(fx.lean)
	sel := adminapi.Selection{From: b[4].Add(-time.Hour), To: b[4].Add(time.Hour)}
	broken := errors.New("write output: broken pipe")
	apiErr := &adminapi.APIError{Op: "fetch audit logs", Err: errors.New("503 Service Unavailable")}
	tests := []struct {
		name   string
		src    walk.Source
		stopAt int // emit fails (or cancels) at this event
		cancel bool
		count  bool // plan the shards with count probes
		want   error
	}{
		{"emit fails in the first shard", client, 300, false, false, broken},
		{"emit fails in a spooled shard", client, 5000, false, false, broken},
		{"cancelled in the first shard", client, 300, true, false, context.Canceled},
		{"cancelled in a spooled shard", client, 5000, true, false, context.Canceled},
		{"a later shard fails", failOn{client, sel.To.Add(-30 * time.Minute), apiErr}, 0, false, false, apiErr},
		{"a count probe fails", failCountOn{client, sel.To.Add(-30 * time.Minute), apiErr}, 0, false, true, apiErr},
		{"a burst never adds up", &tap{src: client, alter: func(q adminapi.PageQuery, p *adminapi.Page) (*adminapi.Page, error) {
			// The server never returns events whose ID ends in 0.
			p.Events = slices.DeleteFunc(p.Events, func(e auditlog.Event) bool { return strings.HasSuffix(e.ID, "0") })
			return p, nil
		}}, 0, false, false, new(adminapi.APIError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			spool := t.TempDir()
			n := 0
			o := walk.ParallelOptions{Selection: sel, Parallel: 8, SpoolDir: spool, Count: tt.count}
			_, err := walk.Parallel(ctx, tt.src, o,
				func(*auditlog.Event) error {
					n++
					if n == tt.stopAt {
						if tt.cancel {
							cancel()
							return ctx.Err()
						}
						return broken
					}
					return nil
				})
			if target, ok := tt.want.(*adminapi.APIError); ok && target.Op == "" {
				if !errors.As(err, &target) {
					t.Fatalf("Parallel = %v, want an *adminapi.APIError", err)
				}
			} else if !errors.Is(err, tt.want) {
				t.Fatalf("Parallel = %v, want %v", err, tt.want)
			}
			if tt.stopAt > 0 && n != tt.stopAt {
				t.Errorf("emit called %d times, want it to stop at %d", n, tt.stopAt)
			}
			emptyDir(t, spool)
		})
	}
}

// TestExportSpoolDirMissing: when no spool file can be made, the export
// fails before its first page, with a message that says what to do.
func TestExportSpoolDirMissing(t *testing.T) {
	t.Parallel()
	evs, users := dataset()
	lean(evs)
	_, client := standIn(t, evs, users)
	src := &tap{src: client}
	_, err := walk.Parallel(context.Background(), src, walk.ParallelOptions{
		Selection: adminapi.Selection{From: genEnd.Add(-7 * time.Hour), To: genEnd},
		Parallel:  8, Count: true, SpoolDir: t.TempDir() + "/missing",
	}, func(*auditlog.Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "choose another spool directory") {
		t.Fatalf("Parallel = %v, want an error about the spool directory", err)
	}
	if n := src.pages.Load(); n != 0 {
		t.Errorf("%d pages read before failing", n)
	}
}

func TestExportOptions(t *testing.T) {
	t.Parallel()
	t1 := genEnd.Add(-time.Hour)
	tests := []struct {
		name string
		o    walk.ParallelOptions
		want string
	}{
		{"no start", walk.ParallelOptions{Selection: adminapi.Selection{To: t1}}, "both ends of the time range are required"},
		{"no end", walk.ParallelOptions{Selection: adminapi.Selection{From: t1}}, "both ends of the time range are required"},
		{"backwards", walk.ParallelOptions{Selection: adminapi.Selection{From: genEnd, To: t1}}, "after its end"},
		{"too parallel", walk.ParallelOptions{Selection: adminapi.Selection{From: t1, To: genEnd}, Parallel: 17}, "between 1 and 16"},
		{"negative parallel", walk.ParallelOptions{Selection: adminapi.Selection{From: t1, To: genEnd}, Parallel: -1}, "between 1 and 16"},
	}
	for _, tt := range tests {
		_, err := walk.Parallel(context.Background(), nil, tt.o, func(*auditlog.Event) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parallel = %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
	// An empty range asks nothing.
	st, err := walk.Parallel(context.Background(), nil, walk.ParallelOptions{Selection: adminapi.Selection{From: t1, To: t1}},
		func(*auditlog.Event) error { return nil })
	if err != nil || st.Requests != 0 {
		t.Errorf("empty range: %+v, %v", st, err)
	}
}
