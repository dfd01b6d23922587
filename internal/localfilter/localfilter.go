// Package localfilter applies the filters the Admin API lacks (--ip,
// --client, --country; see auditlog.LocalMatcher) around fetch's walker:
// the API's own filters narrow the range, every event of it is read, and
// only the events that pass go on. (Export applies it in internal/export.)
package localfilter

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/fetch"
)

// errEnough ends a walk that has found what it needs.
var errEnough = errors.New("enough events")

// Walk is fetch.Walk with m applied to each event: the whole range is
// read, and o.Limit counts matching events. matched, when not nil, is
// told how many matched so far, starting with 0. A nil m is fetch.Walk.
func Walk(ctx context.Context, src fetch.Source, o fetch.WalkOptions, m *auditlog.LocalMatcher, matched func(int64), emit func(*auditlog.Event) error) error {
	if m == nil {
		return fetch.Walk(ctx, src, o, emit)
	}
	if matched == nil {
		matched = func(int64) {}
	}
	limit := int64(o.Limit)
	o.Limit = 0
	var n int64
	matched(0)
	err := fetch.Walk(ctx, src, o, func(e *auditlog.Event) error {
		if !m.Match(e) {
			return nil
		}
		n++
		matched(n)
		if err := emit(e); err != nil {
			return err
		}
		if limit > 0 && n >= limit {
			return errEnough
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}

// BacklogLookback bounds how far back Follow looks for its backlog: the
// newest this many events of the API's selection.
const BacklogLookback = 10000

// Follow is fetch.Follow with m applied to each event. The backlog is the
// newest o.Backlog matching events among the newest BacklogLookback, read
// here, oldest first; following starts at the instant the backlog ends, so
// nothing falls between them. A nil m is fetch.Follow.
func Follow(ctx context.Context, src fetch.Source, o fetch.FollowOptions, m *auditlog.LocalMatcher, emit func(*auditlog.Event) error) error {
	if m == nil {
		return fetch.Follow(ctx, src, o, emit)
	}
	matching := func(e *auditlog.Event) error {
		if !m.Match(e) {
			return nil
		}
		return emit(e)
	}
	if o.Backlog == 0 || o.FromStart {
		// Every event from the start, filtered as it is read: no backlog
		// to pick.
		return fetch.Follow(ctx, src, o, matching)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	sel := o.Selection
	// Where fetch.Follow would end its own backlog, and start following.
	sel.To = start.UTC().Truncate(time.Second).Add(-o.Lag)
	if !o.Selection.To.IsZero() && o.Selection.To.Before(sel.To) {
		sel.To = o.Selection.To
	}
	var backlog []*auditlog.Event
	if !o.Selection.From.IsZero() && !o.Selection.From.Before(sel.To) {
		o.Backlog = 0 // the range starts later: nothing before it to show
		return fetch.Follow(ctx, src, o, matching)
	}
	read := 0
	err := fetch.Walk(ctx, src, fetch.WalkOptions{Selection: sel, Descending: true}, func(e *auditlog.Event) error {
		read++
		if m.Match(e) {
			backlog = append(backlog, e)
		}
		if len(backlog) >= o.Backlog || read >= BacklogLookback {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		if ctx.Err() != nil {
			return nil // interrupted: a finished follow, as fetch.Follow says
		}
		return err
	}
	slices.Reverse(backlog)
	for _, e := range backlog {
		if err := emit(e); err != nil {
			return err
		}
	}
	// fetch.Follow reads its clock once to place its first window: it gets
	// the instant the backlog was read up to.
	first := true
	o.Now = func() time.Time {
		if first {
			first = false
			return start
		}
		return now()
	}
	o.Backlog = 0
	return fetch.Follow(ctx, src, o, matching)
}
