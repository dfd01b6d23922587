package walk

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// Source is what the walker needs from the Admin API. *adminapi.Client
// satisfies it; tests wrap it to observe or disturb the answers.
type Source interface {
	Page(ctx context.Context, q adminapi.PageQuery) (*adminapi.Page, error)
	// Counts returns the totalCount of each selection; *adminapi.Client
	// asks for them in one request.
	Counts(ctx context.Context, sels []adminapi.Selection) ([]int, error)
}

// Progress is reported to a Progress callback while events are read.
type Progress struct {
	Events   int64 // events read so far
	Total    int64 // events expected in all, -1 when unknown
	Requests int64 // requests made so far (pages and counts)
	// Filtered says that a Keep filter is on; Kept is then how many of the
	// events read it let through.
	Filtered bool
	Kept     int64
}

// Stats sums up an export.
type Stats struct {
	Events     int64 // events emitted
	Requests   int64 // Source calls made (pages and counts)
	Drains     int64 // seconds that held a full page or more and were drained
	DrainReads int64 // page reads spent draining them (with totalCount)
	Shards     int   // time shards planned
	Steals     int   // later parts of shards taken over by idle workers
}

// counters are shared by the walkers of one Serial, Parallel or Follow call.
type counters struct {
	requests   atomic.Int64
	events     atomic.Int64
	drains     atomic.Int64
	drainReads atomic.Int64
	kept       atomic.Int64 // events that passed a Keep filter
}

// progress is a Progress of what c counted, with total.
func (c *counters) progress(total int64, keep func(*auditlog.Event) bool) Progress {
	return Progress{Events: c.events.Load(), Total: total, Requests: c.requests.Load(), Filtered: keep != nil, Kept: c.kept.Load()}
}

// counted wraps a Source and counts its calls.
type counted struct {
	src Source
	c   *counters
}

func (s counted) Page(ctx context.Context, q adminapi.PageQuery) (*adminapi.Page, error) {
	s.c.requests.Add(1)
	return s.src.Page(ctx, q)
}

func (s counted) Counts(ctx context.Context, sels []adminapi.Selection) ([]int, error) {
	s.c.requests.Add(int64(adminapi.CountRequests(len(sels))))
	return s.src.Counts(ctx, sels)
}

// inconsistent is the error for an answer that cannot be right.
// Every such message ends in what to do about it.
func inconsistent(format string, args ...any) error {
	return &adminapi.APIError{Op: "read audit logs", Err: fmt.Errorf(format+
		"; the API answers inconsistently: try again later, and if it goes on, check that --endpoint is the project's Admin API", args...)}
}

// stamp formats a time for messages: RFC 3339 in UTC, "-" when open.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}
