package walk

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// SerialOptions says what Serial reads.
type SerialOptions struct {
	// Selection picks the events; From (inclusive) and To (exclusive) may be
	// zero for an open side.
	Selection adminapi.Selection
	// Descending walks newest first.
	Descending bool
	// Limit stops the walk after that many events; 0 means no limit.
	Limit int
	// Keep, when not nil, is a filter the API cannot apply (--ip, --client,
	// --country): every event of the selection is read, only those it
	// keeps are emitted, and Limit counts those.
	Keep func(*auditlog.Event) bool
	// Progress, when not nil, is called after each page, from the goroutine
	// that called Serial. Total is always -1.
	Progress func(Progress)
}

// Serial emits every event of o.Selection exactly once, oldest first (newest
// first when o.Descending), events of one second ordered by ID (descending
// when o.Descending). emit is called from the goroutine that called Serial. An
// error from emit stops the walk and is returned as it is. A cancelled ctx
// returns ctx.Err(). An answer that cannot be right (an event outside the
// asked window, a page out of order, a second whose events never add up to
// its totalCount) is an *adminapi.APIError.
//
// Each event passed to emit is freshly allocated; emit may keep it.
func Serial(ctx context.Context, src Source, o SerialOptions, emit func(*auditlog.Event) error) error {
	if o.Limit < 0 {
		return fmt.Errorf("walk audit logs: limit %d is negative", o.Limit)
	}
	c := &counters{}
	w := &walker{src: counted{src, c}, c: c, desc: o.Descending, limit: o.Limit, keep: o.Keep, emit: emit}
	if o.Progress != nil {
		w.onPage = func() {
			o.Progress(c.progress(-1, o.Keep))
		}
	}
	return w.walk(ctx, o.Selection)
}

// errStop ends a walk early without an error (the limit was reached).
var errStop = errors.New("stop")

const (
	// maxAhead is how many pages the walk reads beyond a second still being
	// drained before it waits for the drain.
	maxAhead = 8
)

// walker walks one window. Its methods are not safe for concurrent use
// (drains run in goroutines of their own, sharing only src and c); Parallel
// runs one walker per shard, sharing the counters.
type walker struct {
	src     Source // counted
	c       *counters
	desc    bool
	limit   int // 0 = none
	emitted int
	keep    func(*auditlog.Event) bool // nil keeps every event
	maxRead int                        // stop after reading this many events; 0 = none
	read    int
	reads   *atomic.Int64 // when not nil, also counts the events read, for other goroutines
	emit    func(*auditlog.Event) error
	onPage  func()  // after each page; may be nil
	win     *window // nil: the window is fixed

	// queue holds, in order, what is read but waits for a drain before it:
	// pages of events and drains in flight.
	queue  []segment
	drains sync.WaitGroup
}

// segment is a run of events to emit in order: ready, or a drain that will
// deliver them.
type segment struct {
	events []auditlog.Event
	drain  <-chan drainResult // nil once ready
}

type drainResult struct {
	events []auditlog.Event
	err    error
}

// walk emits the events of sel; see the package documentation.
func (w *walker) walk(ctx context.Context, sel adminapi.Selection) error {
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		w.drains.Wait()
		w.queue = nil
	}()
	err := w.run(ctx, sel)
	if err == nil {
		err = w.flush(true)
	}
	if err == nil || errors.Is(err, errStop) {
		w.pageDone()
		return nil
	}
	return err
}

func (w *walker) run(ctx context.Context, sel adminapi.Selection) error {
	lo, hi := sel.From, sel.To
	for {
		if w.win != nil {
			hi = w.win.end()
		}
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
		if (w.limit > 0 && w.limit-w.emitted <= w.kept(evs)) || (w.maxRead > 0 && w.maxRead-w.read <= len(evs)) {
			// One answer holds no event twice, and its first events are the
			// next ones in time (ties within the last second are arbitrary
			// either way): no need to look further. With a limit, drains
			// run inline, so nothing is queued.
			return w.emitEvents(evs)
		}
		var st step
		if w.win != nil {
			st, err = w.win.advance(evs, p.Edges, lo, hi)
		} else {
			st, err = decide(evs, p.Edges, lo, hi, w.desc)
		}
		if err != nil {
			return err
		}
		if err := w.out(st.ready); err != nil {
			return err
		}
		if st.done {
			return nil
		}
		if st.seed != nil {
			// The last second fills the page, or at least half of it:
			// re-reading it with what follows would waste most of the
			// next page, and when it holds 100 events or more, time
			// cannot split it at all. Drain it apart, seeded with what
			// this page holds of it, and walk on.
			if err := w.startDrain(ctx, sel, st.drainFrom, st.drainTo, st.seed, st.seedFull); err != nil {
				return err
			}
		}
		lo, hi = st.lo, st.hi
		w.pageDone()
	}
}

// step is what the walk does with one page of [lo, hi): emit ready, drain
// [drainFrom, drainTo) when seed is not nil, and go on with [lo, hi), unless
// done.
type step struct {
	ready              []auditlog.Event
	done               bool
	seed               []auditlog.Event // what the page holds of the second to drain
	seedFull           bool             // the whole page is of that second
	drainFrom, drainTo time.Time
	lo, hi             time.Time
}

// decide is the step for a page of [lo, hi) in walk order that answered with
// edges edges.
func decide(evs []auditlog.Event, edges int, lo, hi time.Time, desc bool) (step, error) {
	if edges < adminapi.MaxPageSize {
		// A short page ends the window, whatever hasNextPage says.
		return step{ready: evs, done: true, lo: lo, hi: hi}, nil
	}
	if len(evs) == 0 {
		return step{}, inconsistent("a full page for [%s, %s) held no events", stamp(lo), stamp(hi))
	}
	// Every second before t, the last one (after t, descending), is
	// complete here; second t may continue beyond the page.
	t := second(evs[len(evs)-1].CreatedAt)
	cut := len(evs)
	for cut > 0 && second(evs[cut-1].CreatedAt) == t {
		cut--
	}
	st := step{ready: evs[:cut], lo: lo, hi: hi}
	if 2*(len(evs)-cut) < len(evs) {
		// The usual case: read second t again with what follows.
		if desc {
			st.hi = t.Add(time.Second)
		} else {
			st.lo = t
		}
		return st, nil
	}
	st.seed, st.seedFull = evs[cut:], cut == 0
	st.drainFrom, st.drainTo = t, t.Add(time.Second)
	if st.drainFrom.Before(lo) {
		st.drainFrom = lo
	}
	if !hi.IsZero() && st.drainTo.After(hi) {
		st.drainTo = hi
	}
	if desc {
		st.hi = t
	} else {
		st.lo = t.Add(time.Second)
	}
	return st, nil
}

// window is the range of an ascending walk whose end another goroutine may
// cut short while it runs (Parallel hands the rest to an idle worker). lo is
// how far the walk has come: every event before it is emitted or in a drain.
// A cut must fall after lo; a page asked for before a cut is clipped to it.
type window struct {
	mu     sync.Mutex
	lo, hi time.Time
}

func newWindow(from, to time.Time) *window { return &window{lo: from, hi: to} }

// end is the window's current end.
func (v *window) end() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.hi
}

// span is what is left of the window; ok is false once the walk is done.
func (v *window) span() (lo, hi time.Time, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.lo, v.hi, v.lo.Before(v.hi)
}

// cut ends the window at mid, a whole second after lo and before the end,
// and returns the old end; ok is false (and nothing changes) when mid is not
// such a second any more.
func (v *window) cut(mid time.Time) (oldEnd time.Time, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !mid.After(v.lo) || !mid.Before(v.hi) || !mid.Equal(mid.Truncate(time.Second)) {
		return time.Time{}, false
	}
	oldEnd, v.hi = v.hi, mid
	return oldEnd, true
}

// advance decides the step for a page of [lo, hi) (ascending) and records
// how far the walk has come, both at once, so that no cut can fall behind
// the walk. A page asked for before a cut holds events past the new end
// only if it holds every event before it (the page is the first events of
// its window in time): then the window is complete.
func (v *window) advance(evs []auditlog.Event, edges int, lo, hi time.Time) (step, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if end := v.hi; end.Before(hi) {
		hi = end
		k, _ := slices.BinarySearchFunc(evs, end, func(e auditlog.Event, t time.Time) int { return e.CreatedAt.Compare(t) })
		if k < len(evs) {
			v.lo = end
			return step{ready: evs[:k], done: true, lo: end, hi: end}, nil
		}
	}
	st, err := decide(evs, edges, lo, hi, false)
	if err != nil {
		return st, err
	}
	v.lo = st.lo
	if st.done {
		v.lo = hi
	}
	return st, nil
}

// out emits evs now, or queues them behind a drain in flight.
func (w *walker) out(evs []auditlog.Event) error {
	if len(w.queue) == 0 {
		return w.emitEvents(evs)
	}
	w.queue = append(w.queue, segment{events: evs})
	return w.flush(false)
}

// startDrain drains [lo, hi), the part of one second in the window. Without
// a limit the drain runs in the background while the walk reads on; its
// events are emitted in their place. With a limit it runs inline, so that
// no page is read that the limit would not need.
func (w *walker) startDrain(ctx context.Context, sel adminapi.Selection, lo, hi time.Time, seed []auditlog.Event, seedFull bool) error {
	if w.limit > 0 {
		evs, err := w.drain(ctx, sel, lo, hi, seed, seedFull)
		if err != nil {
			return err
		}
		return w.out(evs)
	}
	ch := make(chan drainResult, 1)
	w.drains.Add(1)
	go func() {
		defer w.drains.Done()
		evs, err := w.drain(ctx, sel, lo, hi, seed, seedFull)
		ch <- drainResult{evs, err}
	}()
	w.queue = append(w.queue, segment{drain: ch})
	return w.flush(false)
}

// flush emits the queued segments that are ready, in order. It waits for a
// drain at the front when wait is set or when too much is queued behind it.
func (w *walker) flush(wait bool) error {
	for len(w.queue) > 0 {
		s := &w.queue[0]
		if s.drain != nil {
			var r drainResult
			if wait || len(w.queue) > maxAhead {
				r = <-s.drain
			} else {
				select {
				case r = <-s.drain:
				default:
					return nil
				}
			}
			if r.err != nil {
				return r.err
			}
			s.events, s.drain = r.events, nil
		}
		evs := s.events
		w.queue[0] = segment{}
		w.queue = w.queue[1:]
		if err := w.emitEvents(evs); err != nil {
			return err
		}
	}
	return nil
}

// page reads one page of [q.From, q.To) and checks that it is in the window
// and in order. It is safe for concurrent use.
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
			return nil, inconsistent("a page for [%s, %s) holds event %s from %s, outside the window",
				stamp(q.From), stamp(q.To), p.Events[i].ID, stamp(at))
		}
		if i > 0 {
			prev := p.Events[i-1].CreatedAt
			if (!q.Descending && at.Before(prev)) || (q.Descending && at.After(prev)) {
				return nil, inconsistent("a page for [%s, %s) is out of order at event %s",
					stamp(q.From), stamp(q.To), p.Events[i].ID)
			}
		}
	}
	return p, nil
}

// emitEvents emits the events of evs that w keeps, in order, up to the
// limit; errStop once it or maxRead is reached.
func (w *walker) emitEvents(evs []auditlog.Event) error {
	read := 0
	defer func() {
		w.c.events.Add(int64(read))
		if w.reads != nil {
			w.reads.Add(int64(read))
		}
	}()
	for i := range evs {
		if w.done() {
			break
		}
		read++
		w.read++
		if w.keep != nil {
			if !w.keep(&evs[i]) {
				continue
			}
			w.c.kept.Add(1)
		}
		if err := w.emit(&evs[i]); err != nil {
			return err
		}
		w.emitted++
	}
	if w.done() {
		return errStop
	}
	return nil
}

// done says that the limit or maxRead is reached.
func (w *walker) done() bool {
	return (w.limit > 0 && w.emitted >= w.limit) || (w.maxRead > 0 && w.read >= w.maxRead)
}

// kept is how many events of evs w keeps.
func (w *walker) kept(evs []auditlog.Event) int {
	if w.keep == nil {
		return len(evs)
	}
	n := 0
	for i := range evs {
		if w.keep(&evs[i]) {
			n++
		}
	}
	return n
}

func (w *walker) pageDone() {
	if w.onPage != nil {
		w.onPage()
	}
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
