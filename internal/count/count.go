// Package count counts audit events, in total or grouped by activity type,
// user, IP address, client, day or hour, through the Admin API or in an
// export file.
//
// Through the API it asks for counts wherever the API can give them: a
// count of one day's or one type's events is a count(*) over an indexed
// window, which costs the server about what one page of 100 events does,
// and many counts go out as aliases of one request. Only the groupings the
// API cannot count (user, IP, client), and filters it cannot apply,
// download the events.
package count

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/readback"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// By is a grouping of count --by.
type By string

// The groupings; ByNone counts in total.
const (
	ByNone     By = ""
	ByActivity By = "activity"
	ByUser     By = "user"
	ByIP       By = "ip"
	ByClient   By = "client"
	ByDay      By = "day"
	ByHour     By = "hour"
)

var groupings = []By{ByActivity, ByUser, ByIP, ByClient, ByDay, ByHour}

// Groupings are the names --by accepts, in the order help texts list them.
func Groupings() []string {
	out := make([]string, len(groupings))
	for i, g := range groupings {
		out[i] = string(g)
	}
	return out
}

// ParseBy reads a --by value; case and surrounding spaces do not matter,
// and "" is ByNone.
func ParseBy(s string) (By, error) {
	b := By(strings.ToLower(strings.TrimSpace(s)))
	if b != ByNone && !slices.Contains(groupings, b) {
		return "", fmt.Errorf("unknown grouping %q: use %s", s, strings.Join(Groupings(), ", "))
	}
	return b, nil
}

// timed reports whether the grouping is by day or hour.
func (b By) timed() bool { return b == ByDay || b == ByHour }

// Row is one line of a count. A total is one row with the key "total".
type Row struct {
	Key string
	// None marks the events that have no value to group by: no user, no
	// IP address or no client. Key is then "".
	None  bool
	Count int
	// Email is, for ByUser, the user's email address as the user's events
	// carry it ("" when none does). Tables show it; JSON and CSV do not.
	Email string
}

// MarshalJSON writes {"key": ..., "count": ...}, the key null for None.
func (r Row) MarshalJSON() ([]byte, error) {
	var v struct {
		Key   *string `json:"key"`
		Count int     `json:"count"`
	}
	if !r.None {
		v.Key = &r.Key
	}
	v.Count = r.Count
	return json.Marshal(v)
}

// LocalFilter is a filter that the Admin API cannot apply (an IP address
// or block, a client, a country): each event is tested here, so counting
// with it downloads the events.
type LocalFilter struct {
	// Flags names it for the notice that counting downloads ("--ip").
	Flags string
	Match func(*auditlog.Event) bool
}

// Options are how to count.
type Options struct {
	By By
	// Location is the zone of days and hours; nil means UTC.
	Location *time.Location
	// Now ends a range without an end (API only); zero means time.Now.
	Now time.Time
	// Local, when not nil, is applied to every event (see LocalFilter).
	Local *LocalFilter
	// Progress, when not nil, is told how a download goes.
	Progress func(walk.Progress)

	// download makes every grouping download the events, for the tests
	// that compare counting with downloading.
	download bool
}

func (o Options) bucketing() bucketing {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	return bucketing{loc: loc, hour: o.By == ByHour}
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// mustDownload is the one place that decides that the API's counts
// cannot answer: a filter the API does not have must see every event.
func (o Options) mustDownload() bool { return o.Local != nil || o.download }

// DownloadNotice is what to tell a person before API counts when it
// downloads the events only because of a filter the API cannot apply, ""
// otherwise (no such filter, or a grouping that downloads anyway).
func (o Options) DownloadNotice() string {
	if o.Local == nil || !(o.By == ByNone || o.By == ByActivity || o.By.timed()) {
		return ""
	}
	return fmt.Sprintf("counting downloads every event of the range: the API cannot filter by %s", o.Local.Flags)
}

// API counts the events of sel through the Admin API.
//
// Without a grouping it is one totalCount. By activity it is one count per
// type of sel (every type when sel names none), sent together. By day or
// hour it is one count per bucket, sent together, unless there are more
// buckets than a download would read pages (see byTime). Days and hours
// run from sel.From, else the oldest matching event, to sel.To, else the
// end of the current day or hour, with a row for each, 0 included.
// Everything else downloads the events, and so does everything when
// o.Local is set (see DownloadNotice).
func API(ctx context.Context, src walk.Source, sel adminapi.Selection, o Options) ([]Row, error) {
	// createdAt is in whole seconds: the same events, in whole seconds.
	sel.From, sel.To = auditlog.CeilSecond(sel.From), auditlog.CeilSecond(sel.To)
	if o.mustDownload() {
		return download(ctx, src, sel, o, -1)
	}
	switch o.By {
	case ByNone:
		n, err := src.Counts(ctx, []adminapi.Selection{sel})
		if err != nil {
			return nil, fmt.Errorf("count: %w", err)
		}
		return []Row{{Key: "total", Count: n[0]}}, nil
	case ByActivity:
		return byActivity(ctx, src, sel)
	case ByDay, ByHour:
		return byTime(ctx, src, sel, o)
	}
	return download(ctx, src, sel, o, -1)
}

// byActivity asks for the count of each type of sel and returns those
// above zero, largest first.
func byActivity(ctx context.Context, src walk.Source, sel adminapi.Selection) ([]Row, error) {
	types := sel.ActivityTypes
	if len(types) == 0 {
		for _, t := range auditlog.Catalog() {
			types = append(types, t.Enum)
		}
	}
	sels := make([]adminapi.Selection, len(types))
	for i, t := range types {
		sels[i] = sel
		sels[i].ActivityTypes = []string{t}
	}
	counts, err := src.Counts(ctx, sels)
	if err != nil {
		return nil, fmt.Errorf("count %d activity types: %w", len(types), err)
	}
	t := newTally(Options{By: ByActivity})
	for i, typ := range types {
		if counts[i] > 0 {
			t.counts[typ] += counts[i]
		}
	}
	return t.rows(time.Time{}, time.Time{}), nil
}

// byTime counts days or hours, one totalCount each, or downloads the
// events when that is cheaper for the server.
func byTime(ctx context.Context, src walk.Source, sel adminapi.Selection, o Options) ([]Row, error) {
	b := o.bucketing()
	from, to, err := apiRange(ctx, src, sel, b, o.now())
	if err != nil || !from.Before(to) {
		return nil, err
	}
	sel.From, sel.To = from, to
	n := b.bucketCount(from, to)
	if adminapi.CountRequests(n) > 1 {
		// More buckets than one request holds (hours over days, days over
		// months). Each bucket's count costs the server about what a page
		// of 100 events does (a real server: 33 ms against 30 ms), so
		// counting is the cheaper way only while there are fewer buckets
		// than a download would read pages; hours over a long, quiet range
		// are cheaper to download. One count of the whole range (one
		// request) tells how many pages that is.
		total, err := src.Counts(ctx, []adminapi.Selection{sel})
		if err != nil {
			return nil, fmt.Errorf("count %s to %s: %w", rfc(from), rfc(to), err)
		}
		if total[0] == 0 {
			return newTally(o).rows(from, to), nil
		}
		if pages := (total[0] + adminapi.MaxPageSize - 1) / adminapi.MaxPageSize; n > pages {
			return download(ctx, src, sel, o, total[0])
		}
	}
	bs := b.buckets(from, to)
	sels := make([]adminapi.Selection, len(bs))
	for i, bk := range bs {
		sels[i] = sel
		sels[i].From, sels[i].To = bk.from, bk.to
	}
	counts, err := src.Counts(ctx, sels)
	if err != nil {
		return nil, fmt.Errorf("count %d %ss from %s to %s: %w", len(bs), o.By, rfc(from), rfc(to), err)
	}
	rows := make([]Row, len(bs))
	for i, bk := range bs {
		rows[i] = Row{Key: bk.key, Count: counts[i]}
	}
	return rows, nil
}

// apiRange is the range whose days or hours a count lists, in whole
// seconds: sel's, with an open start closed by the oldest matching event
// (one page of one event), and an end that is open or later than now
// closed at the end of the current day or hour, since no event is stamped
// later than now. from is not before to when nothing can match.
func apiRange(ctx context.Context, src walk.Source, sel adminapi.Selection, b bucketing, now time.Time) (from, to time.Time, err error) {
	to = auditlog.CeilSecond(sel.To)
	if end := b.next(b.start(now)); to.IsZero() || to.After(end) {
		to = end
	}
	from = auditlog.CeilSecond(sel.From)
	if from.IsZero() {
		p, err := src.Page(ctx, adminapi.PageQuery{Selection: sel, First: 1})
		if err != nil {
			return from, to, fmt.Errorf("find the oldest event: %w", err)
		}
		if len(p.Events) == 0 {
			return to, to, nil
		}
		from = p.Events[0].CreatedAt.Truncate(time.Second)
	}
	return from, to, nil
}

// download walks the events of sel and counts them here. total, when not
// -1, is how many there are, for the progress.
func download(ctx context.Context, src walk.Source, sel adminapi.Selection, o Options, total int) ([]Row, error) {
	t := newTally(o)
	wo := walk.SerialOptions{Selection: sel}
	if o.Progress != nil {
		wo.Progress = func(p walk.Progress) {
			p.Total = int64(total)
			o.Progress(p)
		}
	}
	err := walk.Serial(ctx, src, wo, t.addLocal)
	if err != nil {
		return nil, err
	}
	var from, to time.Time
	if o.By.timed() {
		b := o.bucketing()
		to = auditlog.CeilSecond(sel.To)
		if end := b.next(b.start(o.now())); to.IsZero() || to.After(end) {
			to = end
		}
		if from = auditlog.CeilSecond(sel.From); from.IsZero() {
			from = t.oldest // zero when nothing matched: no rows
		}
	}
	return t.rows(from, to), nil
}

// File counts the events of earlier exports that match f.
//
// Days and hours run from the first to the last matching event, with a row
// for each, 0 included.
func File(ctx context.Context, ins []readback.Input, f auditlog.Filter, o Options) ([]Row, error) {
	t := newTally(o)
	err := readback.Match(ctx, ins, f, t.addLocal)
	if err != nil {
		return nil, err
	}
	var from, to time.Time
	if t.n > 0 {
		from, to = t.oldest, t.newest.Truncate(time.Second).Add(time.Second)
	}
	return t.rows(from, to), nil
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }
