package walk

import (
	"context"
	"slices"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
)

// evenBounds splits [from, to) into at most n slices of about equal duration.
// It returns the bounds b0 = from < b1 < ... < bk = to; the inner bounds are
// whole seconds, so no second is ever split between two slices. Fewer than n
// slices come back when the range has fewer whole seconds than that.
func evenBounds(from, to time.Time, n int) []time.Time {
	bounds := []time.Time{from}
	span := float64(to.Sub(from))
	for i := 1; i < n; i++ {
		at := from.Add(time.Duration(span * float64(i) / float64(n))).Round(time.Second)
		addBound(&bounds, at.UTC(), to)
	}
	return append(bounds, to)
}

// weightedBounds places the inner bounds of n shards so that each holds
// about the same number of events, given the counts of the slices between
// the bounds in slices. Within a slice events are taken to be spread evenly
// in time; each bound is rounded to a whole second. Fewer than n shards come
// back when events are too concentrated for n distinct seconds.
func weightedBounds(slices []time.Time, counts []int, n int) []time.Time {
	from, to := slices[0], slices[len(slices)-1]
	total := 0
	for _, c := range counts {
		total += c
	}
	bounds := []time.Time{from}
	if total == 0 || n <= 1 {
		return append(bounds, to)
	}
	cum, j := 0, 0
	for k := 1; k < n; k++ {
		target := float64(total) * float64(k) / float64(n)
		for j < len(counts) && float64(cum+counts[j]) < target {
			cum += counts[j]
			j++
		}
		if j == len(counts) {
			break
		}
		// cum < target <= cum+counts[j], so counts[j] > 0.
		frac := (target - float64(cum)) / float64(counts[j])
		a, b := slices[j], slices[j+1]
		at := a.Add(time.Duration(frac * float64(b.Sub(a)))).Round(time.Second)
		addBound(&bounds, at.UTC(), to)
	}
	return append(bounds, to)
}

// addBound appends b to bounds when it is a whole second strictly between
// the last bound and to.
func addBound(bounds *[]time.Time, b, to time.Time) {
	if b.After((*bounds)[len(*bounds)-1]) && b.Before(to) && b.Equal(b.Truncate(time.Second)) {
		*bounds = append(*bounds, b)
	}
}

// planShards splits sel's [From, To) into at most n shards. With count it
// asks the API for the number of events in 2n equal slices (all at once),
// balances the shards by event count and returns the total; a small export
// gets fewer shards (one per minShardEvents). Without count the shards are
// equal in time and the total is -1.
func planShards(ctx context.Context, src Source, sel adminapi.Selection, n int, count bool) ([]time.Time, int64, *cdf, error) {
	if !count {
		return evenBounds(sel.From, sel.To, n), -1, nil, nil
	}
	slices := []time.Time{sel.From, sel.To}
	if n > 1 {
		slices = evenBounds(sel.From, sel.To, 2*n)
	}
	// One request: the counts are cheap for the server (narrow windows on
	// an index), and one round trip is all the time they should cost.
	counts, err := countWindows(ctx, src, sel, slices)
	if err != nil {
		return nil, 0, nil, err
	}
	if n == 1 {
		return slices, int64(counts[0]), nil, nil
	}
	var total int64
	for _, c := range counts {
		total += int64(c)
	}
	n = min(n, max(1, int((total+minShardEvents-1)/minShardEvents)))
	return weightedBounds(slices, counts, n), total, newCDF(slices, counts), nil
}

// cdf is how many events lie before a time, from the counts of the slices
// between bounds, the events of a slice taken as spread evenly over it.
type cdf struct {
	bounds []time.Time
	cum    []float64 // cum[i]: events before bounds[i]
}

func newCDF(bounds []time.Time, counts []int) *cdf {
	c := &cdf{bounds: bounds, cum: make([]float64, len(bounds))}
	for i, n := range counts {
		c.cum[i+1] = c.cum[i] + float64(n)
	}
	return c
}

// at is the number of events before t.
func (c *cdf) at(t time.Time) float64 {
	n := len(c.bounds)
	if !t.After(c.bounds[0]) {
		return 0
	}
	if !t.Before(c.bounds[n-1]) {
		return c.cum[n-1]
	}
	i, _ := slices.BinarySearchFunc(c.bounds, t, time.Time.Compare) // bounds[i-1] < t <= bounds[i]
	a, b := c.bounds[i-1], c.bounds[i]
	frac := float64(t.Sub(a)) / float64(b.Sub(a))
	return c.cum[i-1] + frac*(c.cum[i]-c.cum[i-1])
}

// inverse is the earliest time before which about v events lie.
func (c *cdf) inverse(v float64) time.Time {
	n := len(c.bounds)
	if v <= 0 {
		return c.bounds[0]
	}
	if v >= c.cum[n-1] {
		return c.bounds[n-1]
	}
	i, _ := slices.BinarySearch(c.cum, v) // cum[i-1] < v <= cum[i]
	a, b := c.bounds[i-1], c.bounds[i]
	frac := (v - c.cum[i-1]) / (c.cum[i] - c.cum[i-1])
	return a.Add(time.Duration(frac * float64(b.Sub(a))))
}

// minShardEvents is the fewest events worth a shard of their own when the
// count is known: every shard costs a short last page and its share of
// rounding, which only pays off over a few pages.
const minShardEvents = 1000

// countWindows counts the events of sel in each slice between bounds.
func countWindows(ctx context.Context, src Source, sel adminapi.Selection, bounds []time.Time) ([]int, error) {
	sels := make([]adminapi.Selection, len(bounds)-1)
	for i := range sels {
		sels[i] = shardSelection(sel, bounds, i)
	}
	counts, err := src.Counts(ctx, sels)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	if len(counts) != len(sels) {
		return nil, inconsistent("%d counts for %d windows", len(counts), len(sels))
	}
	for i, c := range counts {
		if c < 0 {
			return nil, inconsistent("count of [%s, %s) is %d", stamp(bounds[i]), stamp(bounds[i+1]), c)
		}
	}
	return counts, nil
}

// shardSelection is sel limited to shard i of bounds.
func shardSelection(sel adminapi.Selection, bounds []time.Time, i int) adminapi.Selection {
	sel.From, sel.To = bounds[i], bounds[i+1]
	return sel
}
