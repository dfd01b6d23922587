package walk_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

func mustExpand(t testing.TB, patterns ...string) []string {
	t.Helper()
	types, err := auditlog.ExpandActivities(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return types
}

// busiest returns the n users with the most events, and an email address
// and a phone number that received messages.
func busiest(evs []adminapitest.Event, n int) (users []string, email, phone string) {
	count := map[string]int{}
	for _, e := range evs {
		if e.UserID != "" {
			count[e.UserID]++
		}
		if email == "" && strings.Contains(e.Recipient, "@") {
			email = e.Recipient
		}
		if phone == "" && strings.HasPrefix(e.Recipient, "+") {
			phone = e.Recipient
		}
	}
	for id := range count {
		users = append(users, id)
	}
	slices.SortFunc(users, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return strings.Compare(a, b)
	})
	return users[:n], email, phone
}

// testWalkExactlyOnce is the acceptance test of the walker: for every kind
// of filter, in both directions, Serial returns exactly the stand-in's own
// answer, each event once, in order.
func testWalkExactlyOnce(t *testing.T, fx *fixture) {
	evs, srv, client := fx.lean, fx.srv, fx.client
	b := burstSeconds(evs)
	if len(b) != 5 {
		t.Fatalf("the data has %d burst seconds, want 5", len(b))
	}
	top, email, phone := busiest(evs, 3)
	if email == "" || phone == "" {
		t.Fatal("the data has no email or no phone recipient")
	}
	nodes := make([]string, len(top))
	for i, u := range top {
		nodes[i] = adminapitest.UserNodeID(u)
	}
	ms := time.Millisecond
	tests := []struct {
		name string
		sel  adminapi.Selection
	}{
		{"everything", adminapi.Selection{}},
		{"one activity type", adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}}},
		{"a glob", adminapi.Selection{ActivityTypes: mustExpand(t, "AUTHENTICATION_*")}},
		{"a group", adminapi.Selection{ActivityTypes: mustExpand(t, "messaging")}},
		{"from a burst on", adminapi.Selection{From: b[0], To: b[0].Add(10 * time.Minute)}},
		{"up to a burst", adminapi.Selection{From: b[1].Add(-10 * time.Minute), To: b[1]}},
		{"up to just after a burst", adminapi.Selection{From: b[1].Add(-10 * time.Minute), To: b[1].Add(time.Second)}},
		{"from just after a burst", adminapi.Selection{From: b[2].Add(time.Second), To: b[2].Add(10 * time.Minute)}},
		{"one burst second", adminapi.Selection{From: b[2], To: b[2].Add(time.Second)}},
		{"sub-second ends", adminapi.Selection{From: b[3].Add(-5*time.Minute + 500*ms), To: b[3].Add(500 * ms)}},
		{"open start", adminapi.Selection{To: genEnd.Add(-6*time.Hour + 10*time.Minute)}},
		{"open end", adminapi.Selection{From: genEnd.Add(-10 * time.Minute)}},
		{"users by node ID", adminapi.Selection{UserIDs: nodes}},
		{"email recipient", adminapi.Selection{EmailAddresses: []string{email}}},
		{"phone recipient", adminapi.Selection{PhoneNumbers: []string{phone}}},
		{"users or recipients", adminapi.Selection{UserIDs: nodes[:1], EmailAddresses: []string{email}, PhoneNumbers: []string{phone}}},
		{"types dense in bursts, in a range", adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"}, From: b[1].Add(-time.Minute), To: b[2].Add(time.Minute)}},
	}
	for _, tt := range tests {
		for _, desc := range []bool{false, true} {
			name := tt.name + map[bool]string{false: " ascending", true: " descending"}[desc]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				want := expected(srv, tt.sel, desc)
				if len(want) == 0 {
					t.Fatal("the selection matches nothing: the test would prove nothing")
				}
				src := &tap{src: client}
				var got []*auditlog.Event
				var progress []walk.Progress
				err := walk.Serial(context.Background(), src, walk.SerialOptions{Selection: tt.sel, Descending: desc,
					Progress: func(p walk.Progress) { progress = append(progress, p) }},
					func(e *auditlog.Event) error {
						got = append(got, e)
						return nil
					})
				if err != nil {
					t.Fatal(err)
				}
				sameEvents(t, ids(got), want)
				checkWalkCost(t, src, len(got), progress)
			})
		}
	}
}

// checkWalkCost checks the request economy of a walk of n events (about
// one plain page per hundred events; drain reads apart) and its progress
// reports.
func checkWalkCost(t *testing.T, src *tap, n int, progress []walk.Progress) {
	t.Helper()
	plain := src.pages.Load() - src.totals.Load()
	limit := int64(1.1*float64(pagesFor(n))) + 1
	if n >= 10000 {
		t.Logf("%d events: %d requests = %d pages + %d drain reads; pages/ceil(N/100) = %.3f",
			n, src.requests(), plain, src.totals.Load(), float64(plain)/float64(pagesFor(n)))
	}
	if plain > limit {
		t.Errorf("%d plain pages for %d events, want at most 1.1·ceil(N/100)+1 = %d", plain, n, limit)
	}
	if len(progress) == 0 {
		t.Fatal("no progress reported")
	}
	last := progress[len(progress)-1]
	if last.Events != int64(n) || last.Total != -1 || last.Requests != src.requests() {
		t.Errorf("last progress %+v, want %d events, total -1, %d requests", last, n, src.requests())
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Events < progress[i-1].Events || progress[i].Requests < progress[i-1].Requests {
			t.Fatalf("progress went backwards: %+v then %+v", progress[i-1], progress[i])
		}
	}
}

// drainBoundOf mirrors the documented bound: 3·ceil(n/100)·ceil(ln 2n) + 10.
func drainBoundOf(n int) int {
	lnCeil := 0
	for x := 1.0; x < float64(2*n); x *= 2.718281828459045 {
		lnCeil++
	}
	return 3*int(pagesFor(n))*lnCeil + 10
}

func testWalkLimit(t *testing.T, fx *fixture) {
	evs, srv, client := fx.lean, fx.srv, fx.client
	b := burstSeconds(evs)
	tests := []struct {
		name     string
		sel      adminapi.Selection
		desc     bool
		limit    int
		requests int64 // exactly this many
	}{
		{"search default: newest 100 in one request", adminapi.Selection{}, true, 100, 1},
		{"oldest 100 in one request", adminapi.Selection{}, false, 100, 1},
		{"a limit below a page", adminapi.Selection{}, true, 7, 1},
		{"250 newest: three requests", adminapi.Selection{}, true, 250, 3},
		{"a limit that ends inside a burst", adminapi.Selection{To: b[1].Add(time.Second)}, true, 150, 0},
		{"a limit beyond the selection", adminapi.Selection{ActivityTypes: []string{"PROJECT_DOMAIN_CREATED", "ADMIN_API_MUTATION_DELETE_USER_EXECUTED"}}, false, 1000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := &tap{src: client}
			var got []*auditlog.Event
			err := walk.Serial(context.Background(), src, walk.SerialOptions{Selection: tt.sel, Descending: tt.desc, Limit: tt.limit},
				func(e *auditlog.Event) error { got = append(got, e); return nil })
			if err != nil {
				t.Fatal(err)
			}
			all := expected(srv, tt.sel, tt.desc)
			if len(all) == 0 {
				t.Fatal("the selection matches nothing")
			}
			want := min(tt.limit, len(all))
			if len(got) != want {
				t.Fatalf("got %d events, want %d", len(got), want)
			}
			// The first events in walk order, except that the last second
			// may hold any of its events.
			lastSec := got[len(got)-1].CreatedAt.Truncate(time.Second)
			var before []string
			for _, e := range got {
				if !e.CreatedAt.Truncate(time.Second).Equal(lastSec) {
					before = append(before, e.ID)
				}
			}
			sameEvents(t, before, all[:len(before)])
			seen := map[string]bool{}
			inSel := map[string]bool{}
			for _, id := range all {
				inSel[id] = true
			}
			for _, e := range got {
				if seen[e.ID] || !inSel[e.ID] {
					t.Fatalf("event %s doubled or not selected", e.ID)
				}
				seen[e.ID] = true
			}
			if tt.requests > 0 && src.requests() != tt.requests {
				t.Errorf("%d requests, want %d", src.requests(), tt.requests)
			}
		})
	}
}

// TestWalkPageEdges covers sizes that trip cursor loops (for Parallel too): a set whose size is
// a multiple of 100 (the extra empty page), a second of exactly 100 events
// and one of 200, with ties returned in a fresh order and in a stable one.
func TestWalkPageEdges(t *testing.T) {
	t.Parallel()
	at := func(sec int) time.Time { return genEnd.Add(time.Duration(sec) * time.Second) }
	mk := func(name string, secs ...int) []adminapitest.Event {
		out := make([]adminapitest.Event, len(secs))
		for i, s := range secs {
			out[i] = adminapitest.Event{ID: fmt.Sprintf("%s-%04d", name, i), Seq: int64(i + 1), CreatedAt: at(s),
				ActivityType: "USER_AUTHENTICATED", Data: []byte(`{}`)}
		}
		return out
	}
	spread := func(n, every int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i / every
		}
		return out
	}
	burst := func(sec, n int) []int { return slices.Repeat([]int{sec}, n) }
	tests := []struct {
		name string
		secs []int
	}{
		{"300 events, one a second", spread(300, 1)},
		{"300 events, two a second", spread(300, 2)},
		{"exactly 100 events", spread(100, 1)},
		{"a second of exactly 100", slices.Concat(spread(50, 1), burst(60, 100), burst(61, 50))},
		{"a second of exactly 200, alone", burst(5, 200)},
		{"a second of 101 between others", slices.Concat(burst(1, 99), burst(2, 101), burst(3, 99))},
		{"only one event", []int{3}},
	}
	for _, tt := range tests {
		for _, stable := range []bool{false, true} {
			name := tt.name + map[bool]string{false: ", shuffled ties", true: ", stable ties"}[stable]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				opts := []adminapitest.Option{adminapitest.WithTies(adminapitest.TiesReshuffled)}
				if stable {
					opts = []adminapitest.Option{adminapitest.WithTies(adminapitest.TiesStable)}
				}
				srv, client := standIn(t, mk("e", tt.secs...), nil, opts...)
				for _, desc := range []bool{false, true} {
					src := &tap{src: client}
					var got []*auditlog.Event
					err := walk.Serial(context.Background(), src, walk.SerialOptions{Descending: desc},
						func(e *auditlog.Event) error { got = append(got, e); return nil })
					if err != nil {
						t.Fatal(err)
					}
					sameEvents(t, ids(got), expected(srv, adminapi.Selection{}, desc))
					if max := 2*pagesFor(len(tt.secs)) + int64(drainBoundOf(200)); src.requests() > max {
						t.Errorf("descending=%v: %d requests for %d events", desc, src.requests(), len(tt.secs))
					}
				}
				for _, parallel := range []int{1, 4} {
					sel := adminapi.Selection{From: genEnd.Add(-time.Second), To: genEnd.Add(time.Duration(tt.secs[len(tt.secs)-1]+2) * time.Second)}
					var got []*auditlog.Event
					_, err := walk.Parallel(context.Background(), client, walk.ParallelOptions{Selection: sel, Parallel: parallel, SpoolDir: t.TempDir()},
						func(e *auditlog.Event) error { got = append(got, e); return nil })
					if err != nil {
						t.Fatal(err)
					}
					sameEvents(t, ids(got), expected(srv, sel, false))
				}
			})
		}
	}
}

// testWalkInconsistentServer: a server that never returns one event of a
// burst second makes the walk fail loudly, after a bounded number of reads,
// instead of returning the second without it.
func testWalkInconsistentServer(t *testing.T, fx *fixture) {
	evs, srv, client := fx.lean, fx.srv, fx.client
	b := burstSeconds(evs)[2]
	inBurst := expected(srv, adminapi.Selection{From: b, To: b.Add(time.Second)}, false)
	hidden := inBurst[0]
	for _, desc := range []bool{false, true} {
		src := &tap{src: client, alter: func(q adminapi.PageQuery, p *adminapi.Page) (*adminapi.Page, error) {
			p.Events = slices.DeleteFunc(p.Events, func(e auditlog.Event) bool { return e.ID == hidden })
			return p, nil
		}}
		sel := adminapi.Selection{From: b.Add(-time.Minute), To: b.Add(time.Minute)}
		err := walk.Serial(context.Background(), src, walk.SerialOptions{Selection: sel, Descending: desc},
			func(e *auditlog.Event) error {
				if e.ID == hidden {
					t.Fatalf("the hidden event came through")
				}
				return nil
			})
		var apiErr *adminapi.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("descending=%v: Serial = %v, want *adminapi.APIError", desc, err)
		}
		want := fmt.Sprintf("second %s: saw %d of %d events after %d requests; the API kept leaving events out",
			b.Format(time.RFC3339), len(inBurst)-1, len(inBurst), drainBoundOf(len(inBurst)))
		if !strings.Contains(err.Error(), want) {
			t.Errorf("descending=%v: Serial = %q, want it to say %q", desc, err, want)
		}
		reads := int(src.counts.Load()) // every count is of this second
		for _, q := range src.queries {
			if q.WithTotal && q.From.Equal(b) {
				reads++
			}
		}
		if reads != drainBoundOf(len(inBurst)) {
			t.Errorf("descending=%v: %d drain reads of the second, want the bound %d", desc, reads, drainBoundOf(len(inBurst)))
		}
	}
}
