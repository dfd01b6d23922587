package fetch

import (
	"context"
	"math"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// drain reads every event of [lo, hi), a window within one second, and
// returns them ordered by ID (descending for a descending walk). seed holds
// events of that second already read; seedFull says it was a whole page (the
// page at offset 0), so reading starts at offset 100. It is safe to run
// alongside the walk: it touches only w.src, w.c and w.desc.
//
// Offsets within one second are unreliable (ties come back in a fresh order
// on each request), so drain keeps re-reading pages at offsets 0, 100, 200,
// ... in turn, with totalCount, until it has seen totalCount distinct IDs.
// The first read learns the count; later rounds read up to
// maxDrainParallel pages at once: the rest of the first pass and as many
// samples as roundSize says.
//
// A count that grows between reads (an event inserted late) is followed: the
// events seen stay valid and the drain goes on to the new count. A count
// that shrinks starts the drain over, a few times at most.
func (w *walker) drain(ctx context.Context, sel adminapi.Selection, lo, hi time.Time, seed []auditlog.Event, seedFull bool) ([]auditlog.Event, error) {
	w.c.drains.Add(1)
	sec := stamp(lo.Truncate(time.Second))
	q := adminapi.PageQuery{Selection: sel, Descending: w.desc, First: adminapi.MaxPageSize, WithTotal: true}
	q.From, q.To = lo, hi

	seen := make(map[string]auditlog.Event, 2*len(seed))
	for _, e := range seed {
		seen[e.ID] = e
	}
	total, reads, restarts := -1, 0, 0
	first := 0 // the page of the first read
	if seedFull {
		first = 1
	}
	issued := 0 // reads asked for: read k is of page (first+k) mod pages
	for len(seen) != total {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		par, pages := 1, 0
		if total >= 0 {
			bound := drainBound(total)
			if reads >= bound {
				return nil, inconsistent("second %s: saw %d of %d events after %d reads; the API answers inconsistently, try again later",
					sec, len(seen), total, reads)
			}
			pages = (total + adminapi.MaxPageSize - 1) / adminapi.MaxPageSize
			// A round finishes the first pass (each offset once) and adds
			// random samples, as many as roundSize asks for: the API
			// shuffles ties on every read, so a first pass alone seldom
			// sees every event, and another round trip for the samples
			// would only make the drain slower.
			want := max(pages-issued, roundSize(total, total-len(seen)))
			par = max(1, min(maxDrainParallel, bound-reads, want))
		}
		qs := make([]adminapi.PageQuery, par)
		for i := range qs {
			// The first pass reads every offset once: enough when the
			// server keeps ties in a stable order. After that the order
			// is evidently not stable, every read is as good as a random
			// sample, and a full page samples more than the short last one.
			at := first
			switch full := total / adminapi.MaxPageSize; {
			case pages == 0:
			case issued < pages || full == 0:
				at = (first + issued) % pages
			default:
				at = (first + issued) % full
			}
			issued++
			qs[i] = q
			qs[i].After = offsetCursor(at * adminapi.MaxPageSize)
		}
		ps, err := w.pages(ctx, qs)
		if err != nil {
			return nil, err
		}
		w.c.drainReads.Add(int64(len(ps)))
		reads += len(ps)
		// The reads of a round ran at once, so their answers are not in
		// any order: the round's count is the largest it saw, and only a
		// count below the last round's means that events went away.
		latest := -1
		for _, p := range ps {
			if p.TotalCount < 0 {
				return nil, inconsistent("second %s: the API sent no totalCount", sec)
			}
			latest = max(latest, p.TotalCount)
		}
		shrunk := total >= 0 && latest < total
		total = latest
		if !shrunk {
			for _, p := range ps {
				for _, e := range p.Events {
					seen[e.ID] = e
				}
			}
		}
		if shrunk || len(seen) > total {
			// Events went away under us (or the count disagrees with what
			// was read): start over from the answers that gave this count.
			restarts++
			if restarts > maxDrainRestarts {
				return nil, inconsistent("second %s: its events and totalCount (%d) kept changing while reading it; the API answers inconsistently, try again later",
					sec, total)
			}
			clear(seen)
			reads = 0
			for _, p := range ps {
				if p.TotalCount != latest {
					continue
				}
				reads++
				for _, e := range p.Events {
					seen[e.ID] = e
				}
			}
			if len(seen) > total {
				return nil, inconsistent("second %s: answers with a totalCount of %d held %d distinct events; the API answers inconsistently",
					sec, total, len(seen))
			}
		}
	}

	evs := make([]auditlog.Event, 0, len(seen))
	for _, e := range seen {
		evs = append(evs, e)
	}
	sortPage(evs, w.desc)
	return evs, nil
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

// roundSize is how many pages to read at once when missing of total events
// are still unseen: enough random samples of a page each that the round
// finds them all nine times in ten. Each round costs a round trip, and a
// drain is often the last thing a shard waits for, so a few reads more than
// the fewest possible buy a drain of two or three rounds instead of six or
// seven that read one page at a time near the end.
func roundSize(total, missing int) int {
	q := float64(adminapi.MaxPageSize) / float64(total)
	if q >= 1 || missing <= 0 {
		return 1
	}
	reads := math.Log(10*float64(missing)) / -math.Log(1-q)
	return int(math.Ceil(reads))
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
