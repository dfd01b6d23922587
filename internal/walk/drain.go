package walk

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// drain reads every event of [lo, hi), a window within one second, and
// returns them ordered by ID (descending for a descending walk). seed holds
// events of that second already read; seedFull says it was a whole page.
// It is safe to run alongside the walk: it touches only w.src, w.c and
// w.desc.
//
// A client may rely on two things only: a page whose window holds every
// matching event is complete, and totalCount is right. How the server
// orders the events of one second differs with its query plan (they may be
// reshuffled on every request, fixed per query, or fixed in the pattern of
// PostgreSQL's bounded heap sort, which never returns some rows at offsets
// 0, 100, 200, ...), so a drain varies what it asks instead of repeating
// it:
//
//  1. Tile: pages of 100 at offsets 0, 99, 198, ... with totalCount. The
//     overlap of one row covers the row a bounded heap skips; a stable
//     order is complete after this pass.
//  2. Split: a part still incomplete that spans several activity types is
//     counted per type (the types seen so far one by one, the others
//     together) in one request, through aliases. Parts of at most 100
//     events are packed together and read whole: complete by the first
//     fact, whatever the order.
//  3. Sample: a part of one type with more than 100 events is read through
//     windows (offset, page size) that were never asked before, so a
//     server that fixes the order per query still answers each one
//     afresh.
//
// A count that grows between reads (an event inserted late) is followed. A
// count that shrinks starts the drain over, a few times at most. Past
// drainBound(n) requests the drain fails with an *adminapi.APIError whose
// Detail lists the windows read.
func (w *walker) drain(ctx context.Context, sel adminapi.Selection, lo, hi time.Time, seed []auditlog.Event, seedFull bool) ([]auditlog.Event, error) {
	w.c.drains.Add(1)
	sel.From, sel.To = lo, hi
	d := &drainer{w: w, sel: sel, sec: lo.Truncate(time.Second)}
	d.rng = rand.New(rand.NewPCG(uint64(d.sec.Unix()), hashString(sel.From.String())))
	d.reset()
	for _, e := range seed {
		d.add(e)
	}
	tiles := 1
	if seedFull {
		// The second holds a page or more: read the next tile at once.
		tiles = 2
	}
	if err := d.do(ctx, d.tile(d.parts[0], tiles)); err != nil {
		return nil, err
	}
	for d.seen.count() != d.total() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if d.reads >= drainBound(d.total()) {
			return nil, d.failure()
		}
		if p := d.toSplit(); p != nil {
			if err := d.split(ctx, p); err != nil {
				return nil, err
			}
			continue
		}
		if err := d.do(ctx, d.plan()); err != nil {
			return nil, err
		}
	}
	evs := d.seen.events()
	sortPage(evs, w.desc)
	return evs, nil
}

const (
	// tileStep is the offset between the pages of a tiling pass: one row
	// less than a page, so that consecutive pages overlap by one.
	tileStep = adminapi.MaxPageSize - 1
	// maxDrainRestarts bounds how often one second's drain starts over
	// because its totalCount shrank.
	maxDrainRestarts = 4
	// maxDrainParallel is how many requests a drain makes at once.
	maxDrainParallel = 8
)

// drainer is the state of one drain.
type drainer struct {
	w        *walker
	sel      adminapi.Selection // the second's window
	sec      time.Time
	rng      *rand.Rand
	seen     *seenSet
	parts    []*part // together they hold every event of the second once
	reads    int     // requests since the last restart, counts included
	restarts int
	log      []string // one line per request, for the failure's detail
}

// part is a subset of the second that pages are read from: the whole
// selection, or some of its activity types.
type part struct {
	types []string // nil: the selection's own types
	count int      // its totalCount, the largest seen; -1 unknown
	asked map[pageWindow]bool
	tiles int // tiling pages asked
}

// pageWindow is what one page asks for within a part.
type pageWindow struct{ offset, first int }

// read is one page to ask for.
type read struct {
	part          *part
	offset, first int
}

// seenSet holds the distinct events read, counted by activity type.
type seenSet struct {
	byID   map[string]auditlog.Event
	byType map[string]int
}

func (s *seenSet) count() int { return len(s.byID) }

// in is how many of the events seen belong to p.
func (s *seenSet) in(p *part) int {
	if p.types == nil {
		return len(s.byID)
	}
	n := 0
	for _, t := range p.types {
		n += s.byType[t]
	}
	return n
}

func (s *seenSet) events() []auditlog.Event {
	evs := make([]auditlog.Event, 0, len(s.byID))
	for _, e := range s.byID {
		evs = append(evs, e)
	}
	return evs
}

func (d *drainer) reset() {
	d.seen = &seenSet{byID: map[string]auditlog.Event{}, byType: map[string]int{}}
	d.parts = []*part{newPart(nil, -1)}
	d.reads = 0
}

func newPart(types []string, count int) *part {
	return &part{types: types, count: count, asked: map[pageWindow]bool{}}
}

func (d *drainer) add(e auditlog.Event) {
	if _, ok := d.seen.byID[e.ID]; ok {
		return
	}
	d.seen.byID[e.ID] = e
	d.seen.byType[e.ActivityType]++
}

// total is the number of events of the second as far as the counts tell;
// -1 before the first count.
func (d *drainer) total() int {
	n := 0
	for _, p := range d.parts {
		if p.count < 0 {
			return -1
		}
		n += p.count
	}
	return n
}

// tilesOf is how many pages at offsets 0, 99, 198, ... cover n events.
func tilesOf(n int) int {
	return max(1, (n-1+tileStep-1)/tileStep)
}

func (p *part) complete(s *seenSet) bool { return p.count >= 0 && s.in(p) >= p.count }

// plan picks the next round's reads: the parts' tiling passes first; once
// they have answered, fresh windows for the parts still incomplete, as
// many as roundSize asks, shared out among the parts, at most
// maxDrainParallel in all.
func (d *drainer) plan() []read {
	budget := max(1, min(maxDrainParallel, drainBound(d.total())-d.reads))
	var rs []read
	for _, p := range d.parts {
		if !p.complete(d.seen) {
			rs = append(rs, d.tile(p, min(budget-len(rs), tilesOf(p.count)-p.tiles))...)
		}
	}
	if len(rs) > 0 {
		// Sample only once the tiles have answered: with a stable order or
		// PostgreSQL's, they are all it takes.
		return rs
	}
	for pass := 0; len(rs) < budget; pass++ {
		added := false
		for _, p := range d.parts {
			if p.count < 0 || p.complete(d.seen) || p.tiles < tilesOf(p.count) || len(rs) >= budget {
				continue
			}
			if pass >= roundSize(p.count, p.count-d.seen.in(p)) {
				continue
			}
			if w, ok := p.fresh(d.rng); ok {
				p.asked[w] = true
				rs = append(rs, read{part: p, offset: w.offset, first: w.first})
				added = true
			}
		}
		if !added {
			break
		}
	}
	return rs
}

// tile returns the next n pages of p's tiling pass.
func (d *drainer) tile(p *part, n int) []read {
	var rs []read
	for range n {
		w := pageWindow{p.tiles * tileStep, adminapi.MaxPageSize}
		p.asked[w] = true
		p.tiles++
		rs = append(rs, read{part: p, offset: w.offset, first: w.first})
	}
	return rs
}

// fresh picks a window of p never asked before: a random offset with a
// full page, then smaller pages once every offset has been read.
func (p *part) fresh(rng *rand.Rand) (pageWindow, bool) {
	for first := adminapi.MaxPageSize; first >= 1; first-- {
		span := max(0, p.count-first) + 1
		start := rng.IntN(span)
		for i := range span {
			w := pageWindow{(start + i) % span, first}
			if !p.asked[w] {
				return w, true
			}
		}
	}
	return pageWindow{}, false
}

// do reads rs at once and takes in their events and counts.
func (d *drainer) do(ctx context.Context, rs []read) error {
	if len(rs) == 0 {
		return nil
	}
	qs := make([]adminapi.PageQuery, len(rs))
	for i, r := range rs {
		qs[i] = adminapi.PageQuery{Selection: d.sel, Descending: d.w.desc, First: r.first, After: offsetCursor(r.offset), WithTotal: true}
		if r.part.types != nil {
			qs[i].ActivityTypes = r.part.types
		}
	}
	ps, err := d.w.pages(ctx, qs)
	if err != nil {
		return err
	}
	d.w.c.drainReads.Add(int64(len(ps)))
	d.reads += len(ps)
	// The reads ran at once, so their answers are in no order: a part's
	// count is the largest its reads saw, and only a count below what an
	// earlier round saw means that events went away.
	latest := map[*part]int{}
	for i, p := range ps {
		if p.TotalCount < 0 {
			return inconsistent("second %s: the API sent no totalCount", stamp(d.sec))
		}
		if len(p.Events) > p.TotalCount {
			return inconsistent("second %s: a page with a totalCount of %d held %d events",
				stamp(d.sec), p.TotalCount, len(p.Events))
		}
		latest[rs[i].part] = max(latest[rs[i].part], p.TotalCount)
	}
	shrunk := false
	for part, n := range latest {
		shrunk = shrunk || n < part.count
		part.count = max(part.count, n)
	}
	for i, p := range ps {
		before := d.seen.count()
		for _, e := range p.Events {
			d.add(e)
		}
		d.log = append(d.log, fmt.Sprintf("%s offset %d first %d: %d events, %d new, count %d",
			d.describe(rs[i].part), rs[i].offset, rs[i].first, len(p.Events), d.seen.count()-before, p.TotalCount))
	}
	for _, part := range d.parts {
		if part.count >= 0 && d.seen.in(part) > part.count {
			shrunk = true
		}
	}
	if shrunk {
		return d.restart()
	}
	return nil
}

// restart starts the drain over: events went away under it, or the counts
// disagree with what was read.
func (d *drainer) restart() error {
	d.restarts++
	if d.restarts > maxDrainRestarts {
		return inconsistent("second %s: its events and totalCount (%d) kept changing while reading it",
			stamp(d.sec), d.total())
	}
	d.log = append(d.log, "counts went down: starting over")
	d.reset()
	return nil
}

// toSplit returns a part that should be counted per type: it spans several
// types, its tiling pass is done, and it is still incomplete.
func (d *drainer) toSplit() *part {
	for _, p := range d.parts {
		if p.complete(d.seen) || p.tiles < tilesOf(p.count) {
			continue
		}
		if types := d.typesOf(p); len(types) > 1 {
			return p
		}
	}
	return nil
}

// typesOf is the activity types p spans.
func (d *drainer) typesOf(p *part) []string {
	switch {
	case p.types != nil:
		return p.types
	case len(d.sel.ActivityTypes) > 0:
		return d.sel.ActivityTypes
	}
	all := auditlog.Catalog()
	types := make([]string, len(all))
	for i, a := range all {
		types[i] = a.Enum
	}
	return types
}

// split replaces p by parts of its types: each type seen so far apart and
// the others together, counted in one request, then packed so that types
// of at most a page go together into parts of at most a page.
func (d *drainer) split(ctx context.Context, p *part) error {
	var groups [][]string
	var rest []string
	for _, t := range d.typesOf(p) {
		if d.seen.byType[t] > 0 {
			groups = append(groups, []string{t})
		} else {
			rest = append(rest, t)
		}
	}
	if len(groups) == 0 {
		// Nothing of it seen yet: every type apart.
		for _, t := range rest {
			groups = append(groups, []string{t})
		}
		rest = nil
	}
	if len(rest) > 0 {
		groups = append(groups, rest)
	}
	sels := make([]adminapi.Selection, len(groups))
	for i, g := range groups {
		sels[i] = d.sel
		sels[i].ActivityTypes = g
	}
	counts, err := d.w.src.Counts(ctx, sels)
	if err != nil {
		return err
	}
	if len(counts) != len(sels) {
		return inconsistent("second %s: %d counts for %d activity type groups", stamp(d.sec), len(counts), len(sels))
	}
	d.reads += adminapi.CountRequests(len(sels))
	d.w.c.drainReads.Add(int64(adminapi.CountRequests(len(sels))))
	d.log = append(d.log, fmt.Sprintf("%s: counted per type in %d groups", d.describe(p), len(groups)))

	sum := 0
	var parts []*part
	for i, g := range groups {
		sum += counts[i]
		parts = append(parts, newPart(g, counts[i]))
	}
	if sum < p.count || sum < d.seen.in(p) {
		// The parts hold fewer events than the whole: events went away.
		return d.restart()
	}
	d.parts = slices.DeleteFunc(d.parts, func(q *part) bool { return q == p })
	d.parts = append(d.parts, pack(parts, d.seen)...)
	return nil
}

// pack puts incomplete parts of at most a page together, largest first,
// into parts of at most a page (first fit): each is then read whole in one
// request. Larger and complete parts stay as they are.
func pack(parts []*part, seen *seenSet) []*part {
	var out, small []*part
	for _, p := range parts {
		if p.count <= adminapi.MaxPageSize && !p.complete(seen) {
			small = append(small, p)
		} else {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(small, func(a, b *part) int { return b.count - a.count })
	var bins []*part
	for _, p := range small {
		placed := false
		for _, b := range bins {
			if b.count+p.count <= adminapi.MaxPageSize {
				b.types = append(b.types, p.types...)
				b.count += p.count
				placed = true
				break
			}
		}
		if !placed {
			bins = append(bins, newPart(slices.Clone(p.types), p.count))
		}
	}
	return append(out, bins...)
}

// describe names a part for the failure's detail.
func (d *drainer) describe(p *part) string {
	if p.types == nil {
		return "whole second"
	}
	return "types " + listSome(p.types, 3)
}

// failure is the error of a drain that never added up.
func (d *drainer) failure() error {
	filter := describeFilter(d.sel)
	hint := "Try again later"
	if filter != "" {
		hint += ", or leave --activity and --user out for this range (an unfiltered read of a second comes in a stable order) and filter the result"
	}
	return &adminapi.APIError{Op: "read audit logs", Err: &DrainError{
		Msg: fmt.Sprintf("second %s%s: saw %d of %d events after %d requests; the API kept leaving events out. %s",
			stamp(d.sec), filter, d.seen.count(), d.total(), d.reads, hint),
		Windows: slices.Clone(d.log),
	}}
}

// DrainError is a busy second whose events never added up to its count.
type DrainError struct {
	Msg     string
	Windows []string // what each request of the drain asked and got
}

func (e *DrainError) Error() string { return e.Msg }

// Detail lists the windows read, for --verbose.
func (e *DrainError) Detail() string {
	return "windows read:\n  " + strings.Join(e.Windows, "\n  ")
}

// describeFilter names what sel filters on, "" when nothing.
func describeFilter(sel adminapi.Selection) string {
	var parts []string
	if len(sel.ActivityTypes) > 0 {
		parts = append(parts, "activity "+listSome(sel.ActivityTypes, 3))
	}
	if n := len(sel.UserIDs); n > 0 {
		parts = append(parts, fmt.Sprintf("%d user ID(s)", n))
	}
	if n := len(sel.EmailAddresses) + len(sel.PhoneNumbers); n > 0 {
		parts = append(parts, fmt.Sprintf("%d recipient(s)", n))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (filtered by " + strings.Join(parts, ", ") + ")"
}

func listSome(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ",")
	}
	return strings.Join(s[:n], ",") + fmt.Sprintf(",+%d", len(s)-n)
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// pages reads the pages of qs at once and returns them in the order of qs.
func (w *walker) pages(ctx context.Context, qs []adminapi.PageQuery) ([]*adminapi.Page, error) {
	ps := make([]*adminapi.Page, len(qs))
	if len(qs) == 1 {
		p, err := w.page(ctx, qs[0])
		ps[0] = p
		return ps, err
	}
	g, gctx := errgroup.WithContext(ctx)
	for i := range qs {
		g.Go(func() error {
			var err error
			ps[i], err = w.page(gctx, qs[i])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return ps, nil
}

// roundSize is how many fresh windows to read at once when missing of
// total events are still unseen: enough random samples of a page each that
// the round finds them all nine times in ten. Each round costs a round
// trip, so a few reads more than the fewest possible buy a drain of a few
// rounds instead of many that read one page at a time near the end.
func roundSize(total, missing int) int {
	q := float64(adminapi.MaxPageSize) / float64(total)
	if q >= 1 || missing <= 0 {
		return 1
	}
	reads := math.Log(10*float64(missing)) / -math.Log(1-q)
	return int(math.Ceil(reads))
}

// drainBound is how many requests a drain of n events may make before it
// gives up: about three times the (n/100)·ln(2n) reads that a fresh random
// order on every read needs, plus a margin for small n.
func drainBound(n int) int {
	if n <= 0 {
		return 10
	}
	pages := (n + adminapi.MaxPageSize - 1) / adminapi.MaxPageSize
	return 3*pages*int(math.Ceil(math.Log(float64(2*n)))) + 10
}
