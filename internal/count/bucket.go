package count

import (
	"sort"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// bucketing cuts time into the days or hours of a zone. A bucket is the
// set of instants that share a key: a day or an hour is whatever the zone's
// clock says it is, so a day can last 23 or 25 hours and an hour can occur
// twice (the key carries the offset, so the two are different buckets).
type bucketing struct {
	loc  *time.Location
	hour bool
}

// maxBucketSpan is longer than any day or hour of any zone: a bucket's
// bounds are searched for within this distance.
const maxBucketSpan = 50 * time.Hour

// key names the bucket of t: 2026-11-25 for a day, 2026-11-25T10:00+08:00
// for an hour (Z in UTC).
func (b bucketing) key(t time.Time) string {
	if b.hour {
		return t.In(b.loc).Format("2006-01-02T15:00Z07:00")
	}
	return t.In(b.loc).Format("2006-01-02")
}

// start is the first instant of the bucket that holds t, a whole second.
func (b bucketing) start(t time.Time) time.Time {
	t = t.Truncate(time.Second)
	k := b.key(t)
	l := t.In(b.loc)
	h := 0
	if b.hour {
		h = l.Hour()
	}
	// The clock's own answer is right on every ordinary day; a zone whose
	// clock skips or repeats that midnight or hour gets a search instead.
	c := time.Date(l.Year(), l.Month(), l.Day(), h, 0, 0, 0, b.loc)
	if !c.After(t) && b.key(c) == k && b.key(c.Add(-time.Second)) != k {
		return c
	}
	return firstSecond(t.Add(-maxBucketSpan), t, func(s time.Time) bool { return b.key(s) == k })
}

// next is the first instant of the bucket after the one that starts at
// start.
func (b bucketing) next(start time.Time) time.Time {
	k := b.key(start)
	l := start.In(b.loc)
	var c time.Time
	if b.hour {
		c = time.Date(l.Year(), l.Month(), l.Day(), l.Hour()+1, 0, 0, 0, b.loc)
	} else {
		c = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, b.loc)
	}
	if c.After(start) && b.key(c) != k && b.key(c.Add(-time.Second)) == k {
		return c
	}
	return firstSecond(start, start.Add(maxBucketSpan), func(s time.Time) bool { return b.key(s) != k })
}

// firstSecond is the first whole second in [lo, hi] at which ok holds,
// for an ok that is false up to some second and true from then on.
func firstSecond(lo, hi time.Time, ok func(time.Time) bool) time.Time {
	lo = lo.Truncate(time.Second)
	n := int(hi.Sub(lo) / time.Second)
	i := sort.Search(n+1, func(i int) bool { return ok(lo.Add(time.Duration(i) * time.Second)) })
	return lo.Add(time.Duration(i) * time.Second)
}

// bucket is one day or hour, cut to the counted range.
type bucket struct {
	key      string
	from, to time.Time // [from, to), whole seconds
}

// buckets cuts [from, to) into buckets, the first and the last cut to the
// range. from and to are whole seconds.
func (b bucketing) buckets(from, to time.Time) []bucket {
	var out []bucket
	for s := b.start(from); s.Before(to); {
		e := b.next(s)
		out = append(out, bucket{key: b.key(s), from: auditlog.Later(s, from), to: auditlog.Earlier(e, to)})
		s = e
	}
	return out
}

// bucketCount is len(b.buckets(from, to)) without building them: days
// and hours are counted by the clock, which is exact but for the odd
// zone, and the answer only chooses between counting and downloading.
func (b bucketing) bucketCount(from, to time.Time) int {
	if !from.Before(to) {
		return 0
	}
	unit := 24 * time.Hour
	if b.hour {
		unit = time.Hour
	}
	span := b.start(to.Add(-time.Second)).Sub(b.start(from))
	return int((span+unit/2)/unit) + 1 // rounded: a day of 23 or 25 hours is a day
}
