package fetch

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// WalkOptions says what Walk reads.
type WalkOptions struct {
	// Selection picks the events; From (inclusive) and To (exclusive) may be
	// zero for an open side.
	Selection adminapi.Selection
	// Descending walks newest first.
	Descending bool
	// Limit stops the walk after that many events; 0 means no limit.
	Limit int
	// Progress, when not nil, is called after each page, from the goroutine
	// that called Walk. Total is always -1.
	Progress func(Progress)
}

// Walk emits every event of o.Selection exactly once, oldest first (newest
// first when o.Descending), events of one second ordered by ID. An error from
// emit stops the walk and is returned as it is. A cancelled ctx returns
// ctx.Err(). An answer that cannot be right (an event outside the asked
// window, a page out of order, a second whose events never add up to its
// totalCount) is an *adminapi.APIError.
//
// Each event passed to emit is freshly allocated; emit may keep it.
func Walk(ctx context.Context, src Source, o WalkOptions, emit func(*auditlog.Event) error) error {
	if o.Limit < 0 {
		return fmt.Errorf("walk audit logs: limit %d is negative", o.Limit)
	}
	c := &counters{}
	w := &walker{src: counted{src, c}, c: c, desc: o.Descending, limit: o.Limit, emit: emit}
	if o.Progress != nil {
		w.onPage = func() {
			o.Progress(Progress{Events: c.events.Load(), Total: -1, Requests: c.requests.Load()})
		}
	}
	return w.walk(ctx, o.Selection)
}

// errStop ends a walk early without an error (the limit was reached).
var errStop = errors.New("stop")

// maxDrainRestarts bounds how often one second's drain starts over because its
// totalCount changed.
const maxDrainRestarts = 4

// walker walks one window. It is not safe for concurrent use; Export runs one
// per shard, sharing the counters.
type walker struct {
	src     Source // counted
	c       *counters
	desc    bool
	limit   int // 0 = none
	emitted int
	emit    func(*auditlog.Event) error
	onPage  func() // after each page; may be nil
}

// walk emits the events of sel; see the package documentation.
func (w *walker) walk(ctx context.Context, sel adminapi.Selection) error {
	err := w.run(ctx, sel)
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

func (w *walker) run(ctx context.Context, sel adminapi.Selection) error {
	lo, hi := sel.From, sel.To
	for {
		if !lo.IsZero() && !hi.IsZero() && !lo.Before(hi) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		q := adminapi.PageQuery{Selection: sel, Descending: w.desc, First: adminapi.MaxPageSize}
		q.From, q.To = lo, hi
		p, err := w.page(ctx, q)
		if err != nil {
			return err
		}
		evs := p.Events
		sortPage(evs, w.desc)
		if w.limit > 0 && w.limit-w.emitted <= len(evs) {
			// One answer holds no event twice, and its first events are the
			// next ones in time (ties within the last second are arbitrary
			// either way): no need to look further.
			return w.emitEvents(evs[:w.limit-w.emitted])
		}
		if p.Edges < adminapi.MaxPageSize {
			// A short page ends the window, whatever hasNextPage says.
			if err := w.emitEvents(evs); err != nil {
				return err
			}
			w.pageDone()
			return nil
		}
		if len(evs) == 0 {
			return inconsistent("a full page for [%s, %s) held no events", stamp(lo), stamp(hi))
		}
		t := second(evs[len(evs)-1].CreatedAt)
		if second(evs[0].CreatedAt) == t {
			// Second t alone fills the page: time cannot split it.
			dlo, dhi := t, t.Add(time.Second)
			if dlo.Before(lo) {
				dlo = lo
			}
			if !hi.IsZero() && dhi.After(hi) {
				dhi = hi
			}
			if err := w.drain(ctx, sel, dlo, dhi, evs); err != nil {
				return err
			}
			if w.desc {
				hi = t
			} else {
				lo = t.Add(time.Second)
			}
			continue
		}
		// Every second before t (after t, descending) is complete here;
		// second t may continue beyond the page and is read again.
		cut := 0
		for cut < len(evs) && second(evs[cut].CreatedAt) != t {
			cut++
		}
		if err := w.emitEvents(evs[:cut]); err != nil {
			return err
		}
		if w.desc {
			hi = t.Add(time.Second)
		} else {
			lo = t
		}
		w.pageDone()
	}
}

// page reads one page of [q.From, q.To) and checks that it is in the window
// and in order.
func (w *walker) page(ctx context.Context, q adminapi.PageQuery) (*adminapi.Page, error) {
	p, err := w.src.Page(ctx, q)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	if p == nil {
		return nil, inconsistent("no page for [%s, %s)", stamp(q.From), stamp(q.To))
	}
	if p.Edges < len(p.Events) {
		return nil, inconsistent("a page for [%s, %s) counts %d edges but holds %d events",
			stamp(q.From), stamp(q.To), p.Edges, len(p.Events))
	}
	for i := range p.Events {
		at := p.Events[i].CreatedAt
		if (!q.From.IsZero() && at.Before(q.From)) || (!q.To.IsZero() && !at.Before(q.To)) {
			return nil, inconsistent("a page for [%s, %s) holds event %s from %s, outside the window; the API answers inconsistently",
				stamp(q.From), stamp(q.To), p.Events[i].ID, stamp(at))
		}
		if i > 0 {
			prev := p.Events[i-1].CreatedAt
			if (!q.Descending && at.Before(prev)) || (q.Descending && at.After(prev)) {
				return nil, inconsistent("a page for [%s, %s) is out of order at event %s; the API answers inconsistently",
					stamp(q.From), stamp(q.To), p.Events[i].ID)
			}
		}
	}
	return p, nil
}

// emitEvents emits evs in order, honouring the limit; errStop when it is
// reached.
func (w *walker) emitEvents(evs []auditlog.Event) error {
	for i := range evs {
		if err := w.emit(&evs[i]); err != nil {
			w.c.events.Add(int64(i))
			return err
		}
	}
	w.c.events.Add(int64(len(evs)))
	w.emitted += len(evs)
	if w.limit > 0 && w.emitted >= w.limit {
		return errStop
	}
	return nil
}

func (w *walker) pageDone() {
	if w.onPage != nil {
		w.onPage()
	}
}

// drain reads every event of [lo, hi), a window within one second that holds
// a full page or more, and emits them ordered by ID. seed is a page of that
// second already read.
//
// Offsets within one second are unreliable (ties come back in a fresh order
// on each request), so drain keeps re-reading pages at offsets 0, 100, 200,
// ... in turn, with totalCount, until it has seen totalCount distinct IDs.
func (w *walker) drain(ctx context.Context, sel adminapi.Selection, lo, hi time.Time, seed []auditlog.Event) error {
	w.c.drains.Add(1)
	q := adminapi.PageQuery{Selection: sel, Descending: w.desc, First: adminapi.MaxPageSize, WithTotal: true}
	q.From, q.To = lo, hi

	seen := make(map[string]auditlog.Event, 2*len(seed))
	for _, e := range seed {
		seen[e.ID] = e
	}
	total, reads, restarts := -1, 0, 0
	next := 1 // the seed was the page at offset 0
	for len(seen) != total {
		if total >= 0 && reads >= drainBound(total) {
			return inconsistent("second %s: saw %d of %d events after %d reads; the API answers inconsistently, try again later",
				stamp(lo.Truncate(time.Second)), len(seen), total, reads)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		q.After = offsetCursor(next * adminapi.MaxPageSize)
		p, err := w.page(ctx, q)
		if err != nil {
			return err
		}
		w.c.drainReads.Add(1)
		reads++
		if p.TotalCount < 0 {
			return inconsistent("second %s: the API sent no totalCount", stamp(lo.Truncate(time.Second)))
		}
		changed := total >= 0 && p.TotalCount != total
		total = p.TotalCount
		for _, e := range p.Events {
			seen[e.ID] = e
		}
		if changed || len(seen) > total {
			// The second changed under us (or the count disagrees with what
			// was read): start it over from this answer.
			restarts++
			if restarts > maxDrainRestarts {
				return inconsistent("second %s: its events and totalCount (%d) kept changing while reading it; the API answers inconsistently, try again later",
					stamp(lo.Truncate(time.Second)), total)
			}
			clear(seen)
			for _, e := range p.Events {
				seen[e.ID] = e
			}
			reads = 1
			if len(seen) > total {
				return inconsistent("second %s: one page held %d distinct events but totalCount says %d; the API answers inconsistently",
					stamp(lo.Truncate(time.Second)), len(seen), total)
			}
		}
		if pages := (total + adminapi.MaxPageSize - 1) / adminapi.MaxPageSize; pages > 0 {
			next = (next + 1) % pages
		}
		w.pageDone()
	}

	evs := make([]auditlog.Event, 0, len(seen))
	for _, e := range seen {
		evs = append(evs, e)
	}
	clear(seen)
	sortPage(evs, w.desc)
	if w.limit > 0 && w.limit-w.emitted < len(evs) {
		evs = evs[:w.limit-w.emitted]
	}
	if err := w.emitEvents(evs); err != nil {
		return err
	}
	w.pageDone()
	return nil
}

// drainBound is how many reads a drain of n events may take before it gives
// up: about three times the (n/100)·ln(2n) reads that a fresh random order
// on every read needs, plus a margin for small n.
func drainBound(n int) int {
	if n <= 0 {
		return 10
	}
	pages := (n + adminapi.MaxPageSize - 1) / adminapi.MaxPageSize
	return 3*pages*int(math.Ceil(math.Log(float64(2*n)))) + 10
}

// offsetCursor is the `after` cursor that makes a page start at offset n:
// the API's cursors are base64url (no padding) of "offset:N", and after the
// cursor of item N the page starts at N+1.
func offsetCursor(n int) string {
	if n <= 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(n-1)))
}

// second is the whole second of t.
func second(t time.Time) time.Time { return t.Truncate(time.Second) }

// sortPage orders events by createdAt, then ID; both reversed when desc.
func sortPage(evs []auditlog.Event, desc bool) {
	slices.SortFunc(evs, func(a, b auditlog.Event) int {
		c := a.CreatedAt.Compare(b.CreatedAt)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			return -c
		}
		return c
	})
}
