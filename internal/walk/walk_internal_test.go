package walk

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func TestDrainBound(t *testing.T) {
	t.Parallel()
	tests := []struct{ n, want int }{
		{0, 10},
		{1, 3*1*1 + 10},     // ln 2 = 0.69
		{100, 3*1*6 + 10},   // ln 200 = 5.30
		{101, 3*2*6 + 10},   // two pages
		{250, 3*3*7 + 10},   // ln 500 = 6.21
		{1000, 3*10*8 + 10}, // ln 2000 = 7.60
	}
	for _, tt := range tests {
		if got := drainBound(tt.n); got != tt.want {
			t.Errorf("drainBound(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestRoundSize(t *testing.T) {
	t.Parallel()
	tests := []struct{ total, missing, want int }{
		{100, 5, 1},     // one page holds the whole second
		{250, 0, 1},     // nothing missing
		{250, 1, 5},     // ln 10 / -ln 0.6 = 4.5: one left, found nine times in ten
		{250, 3, 7},     // ln 30 / 0.51 = 6.7
		{250, 90, 14},   // ln 900 / 0.51 = 13.3, capped by the caller
		{1000, 500, 81}, // ln 5000 / 0.105 = 80.8, capped by the caller
		{101, 1, 1},     // one page of two sees 99%: ln 10 / 4.6 = 0.5
	}
	for _, tt := range tests {
		if got := roundSize(tt.total, tt.missing); got != tt.want {
			t.Errorf("roundSize(%d, %d) = %d, want %d", tt.total, tt.missing, got, tt.want)
		}
	}
}

func TestOffsetCursor(t *testing.T) {
	t.Parallel()
	if got := offsetCursor(0); got != "" {
		t.Errorf("offsetCursor(0) = %q, want \"\"", got)
	}
	got := offsetCursor(100)
	raw, err := base64.RawURLEncoding.DecodeString(got)
	if err != nil || string(raw) != "offset:99" {
		t.Errorf("offsetCursor(100) = %q (%q, %v), want base64url of offset:99", got, raw, err)
	}
}

// scripted answers pages from a function of the query and records the
// queries. It models no API: each test scripts the one behaviour it checks.
type scripted struct {
	page func(n int, q adminapi.PageQuery) *adminapi.Page
	// count answers a count of one selection; nil fails every count.
	count   func(n int, sel adminapi.Selection) int
	mu      sync.Mutex
	queries []adminapi.PageQuery
	counted int
}

func (s *scripted) Page(_ context.Context, q adminapi.PageQuery) (*adminapi.Page, error) {
	s.mu.Lock()
	s.queries = append(s.queries, q)
	n := len(s.queries)
	s.mu.Unlock()
	return s.page(n, q), nil
}

func (s *scripted) Counts(_ context.Context, sels []adminapi.Selection) ([]int, error) {
	if s.count == nil {
		return nil, errors.New("not scripted")
	}
	s.mu.Lock()
	s.counted++
	n := len(s.queries)
	s.mu.Unlock()
	out := make([]int, len(sels))
	for i, sel := range sels {
		out[i] = s.count(n, sel)
	}
	return out, nil
}

// authenticated counts the events of one type: n for a selection of
// USER_AUTHENTICATED (the type of every scripted event), 0 for others.
func authenticated(n func(int) int) func(int, adminapi.Selection) int {
	return func(i int, sel adminapi.Selection) int {
		if len(sel.ActivityTypes) == 0 || slices.Contains(sel.ActivityTypes, "USER_AUTHENTICATED") {
			return n(i)
		}
		return 0
	}
}

var t0 = at("2026-11-25T10:00:00Z")

// events makes n events in second t0+sec, IDs prefixed by tag.
func events(tag string, sec, n int) []auditlog.Event {
	out := make([]auditlog.Event, n)
	for i := range out {
		out[i] = auditlog.Event{ID: fmt.Sprintf("%s-%04d", tag, i), CreatedAt: t0.Add(time.Duration(sec) * time.Second), ActivityType: "USER_AUTHENTICATED"}
	}
	return out
}

// burst answers plain pages as a window whose only events are those of
// second 5, and drain reads (with totalCount) with drainPage.
func burst(drainPage func(n int, q adminapi.PageQuery) *adminapi.Page) func(int, adminapi.PageQuery) *adminapi.Page {
	return func(n int, q adminapi.PageQuery) *adminapi.Page {
		if q.WithTotal {
			return drainPage(n, q)
		}
		if q.From.After(t0.Add(5 * time.Second)) {
			return page(nil, -1)
		}
		return page(events("a", 5, 100), -1)
	}
}

func page(evs []auditlog.Event, total int) *adminapi.Page {
	return &adminapi.Page{Events: evs, Edges: len(evs), TotalCount: total, HasNextPage: len(evs) == adminapi.MaxPageSize}
}

func TestWalkRejectsInconsistentPages(t *testing.T) {
	t.Parallel()
	window := adminapi.Selection{From: t0, To: t0.Add(time.Hour)}
	tests := []struct {
		name  string
		desc  bool
		page  func(n int, q adminapi.PageQuery) *adminapi.Page
		want  string
		count func(n int, sel adminapi.Selection) int
	}{
		{"event before the window", false, func(int, adminapi.PageQuery) *adminapi.Page {
			return page(events("a", -1, 3), -1)
		}, "outside the window", nil},
		{"event at the exclusive end", false, func(int, adminapi.PageQuery) *adminapi.Page {
			return page(events("a", 3600, 3), -1)
		}, "outside the window", nil},
		{"ignores the moved lower bound", false, func(int, adminapi.PageQuery) *adminapi.Page {
			// Always the same two seconds, whatever lo says: the second
			// request asks from 10:00:01 and gets 10:00:00 again.
			return page(append(events("a", 0, 50), events("b", 1, 50)...), -1)
		}, "outside the window", nil},
		{"descending ignores the moved upper bound", true, func(int, adminapi.PageQuery) *adminapi.Page {
			return page(append(events("b", 1, 50), events("a", 0, 50)...), -1)
		}, "outside the window", nil},
		{"ascending page going backwards", false, func(int, adminapi.PageQuery) *adminapi.Page {
			return page(append(events("b", 2, 1), events("a", 1, 1)...), -1)
		}, "out of order", nil},
		{"descending page going forwards", true, func(int, adminapi.PageQuery) *adminapi.Page {
			return page(append(events("a", 1, 1), events("b", 2, 1)...), -1)
		}, "out of order", nil},
		{"full page of null nodes", false, func(int, adminapi.PageQuery) *adminapi.Page {
			return &adminapi.Page{Edges: 100, HasNextPage: true, TotalCount: -1}
		}, "held no events", nil},
		{"more events than edges", false, func(int, adminapi.PageQuery) *adminapi.Page {
			return &adminapi.Page{Events: events("a", 1, 2), Edges: 1, TotalCount: -1}
		}, "counts 1 edges", nil},
		{"drain without totalCount", false, burst(func(int, adminapi.PageQuery) *adminapi.Page {
			return page(events("a", 5, 100), -1)
		}), "no totalCount", nil},
		{"drain that never adds up", false, burst(func(n int, q adminapi.PageQuery) *adminapi.Page {
			// 250 events in one second, but event 249 is never returned.
			all := events("a", 5, 249)
			off := 0
			if q.After != "" {
				raw, _ := base64.RawURLEncoding.DecodeString(q.After)
				fmt.Sscanf(string(raw), "offset:%d", &off)
				off++
			}
			end := min(off+100, len(all))
			if off > end {
				off = end
			}
			return page(all[off:end], 250)
		}), "second 2026-11-25T10:00:05Z: saw 249 of 250 events after 73 requests; the API kept leaving events out", authenticated(func(int) int { return 250 })},
		{"drain whose count keeps shrinking", false, burst(func(n int, q adminapi.PageQuery) *adminapi.Page {
			return page(events("a", 5, 100), 300-n)
		}), "kept changing", nil},
		{"drain whose count keeps growing", false, burst(func(n int, q adminapi.PageQuery) *adminapi.Page {
			// Late events are followed, but these never show up.
			return page(events("a", 5, 100), 200+n)
		}), "saw 100 of", authenticated(func(n int) int { return 200 + n })},
		{"drain with more events than its count", false, burst(func(n int, q adminapi.PageQuery) *adminapi.Page {
			return page(events(fmt.Sprint(n), 5, 100), 50)
		}), "a page with a totalCount of 50 held 100 events", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := &scripted{page: tt.page, count: tt.count}
			err := Serial(context.Background(), src, SerialOptions{Selection: window, Descending: tt.desc},
				func(*auditlog.Event) error { return nil })
			var apiErr *adminapi.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("Serial = %v, want *adminapi.APIError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Serial = %q, want it to say %q", err, tt.want)
			}
			if len(src.queries) > 200 {
				t.Errorf("%d requests before giving up", len(src.queries))
			}
		})
	}
}

func TestWalkStopsOnEmitError(t *testing.T) {
	t.Parallel()
	src := &scripted{page: func(n int, q adminapi.PageQuery) *adminapi.Page {
		return page(append(events("a", n, 60), events("b", n+1, 40)...), -1)
	}}
	broken := errors.New("broken pipe")
	calls := 0
	err := Serial(context.Background(), src, SerialOptions{}, func(*auditlog.Event) error {
		calls++
		if calls == 70 {
			return broken
		}
		return nil
	})
	if err != broken {
		t.Errorf("Serial = %v, want the emit error itself", err)
	}
	if calls != 70 || len(src.queries) != 2 {
		t.Errorf("emit called %d times over %d requests, want 70 over 2", calls, len(src.queries))
	}
}

func TestWalkCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	src := &scripted{page: func(n int, q adminapi.PageQuery) *adminapi.Page {
		if n == 3 {
			cancel()
		}
		return page(append(events("a", n, 60), events("b", n+1, 40)...), -1)
	}}
	err := Serial(ctx, src, SerialOptions{}, func(*auditlog.Event) error { return nil })
	if !errors.Is(err, context.Canceled) || len(src.queries) != 3 {
		t.Errorf("Serial = %v after %d requests, want context.Canceled after 3", err, len(src.queries))
	}
}

// TestDrainRoundCountsOutOfOrder: the reads of one round answer from
// different moments, so an older, smaller count may come after a newer one
// in the round. That is an event written late, not events going away: the
// drain follows the larger count and finishes instead of starting over.
func TestDrainRoundCountsOutOfOrder(t *testing.T) {
	t.Parallel()
	all := events("a", 5, 251) // the 251st came late: reads at offset 100 predate it
	src := &scripted{page: func(n int, q adminapi.PageQuery) *adminapi.Page {
		if !q.WithTotal {
			if q.From.After(t0.Add(5 * time.Second)) {
				return page(nil, -1)
			}
			// Second 5 fills most of the page: it is drained from offset 0.
			return page(append(events("b", 4, 40), all[:60]...), -1)
		}
		off := 0
		if q.After != "" {
			raw, _ := base64.RawURLEncoding.DecodeString(q.After)
			fmt.Sscanf(string(raw), "offset:%d", &off)
			off++
		}
		total := 251
		if off == 100 {
			total = 250
		}
		return page(all[off:min(off+100, len(all))], total)
	}}
	var got []*auditlog.Event
	err := Serial(context.Background(), src, SerialOptions{Selection: adminapi.Selection{From: t0, To: t0.Add(time.Hour)}},
		func(e *auditlog.Event) error { got = append(got, e); return nil })
	if err != nil {
		t.Fatalf("Serial = %v, want the 40 events of second 4 and the 251 of second 5", err)
	}
	if len(got) != 40+len(all) {
		t.Errorf("%d events, want %d", len(got), 40+len(all))
	}
}
