package walk

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// DefaultInterval is how often Follow polls when FollowOptions.Interval is 0.
const DefaultInterval = 2 * time.Second

// FollowOptions says what Follow prints and how often it asks.
type FollowOptions struct {
	// Selection picks the events. A From later than the first window moves
	// the start there; a To ends the follow once the windows reach it.
	Selection adminapi.Selection
	// Interval between polls; 0 means DefaultInterval.
	Interval time.Duration
	// Lag keeps each window that far behind the clock, so that events still
	// being written are read by the next poll instead of being missed.
	Lag time.Duration
	// Backlog is how many of the newest events to print first (oldest of them
	// first); 0 prints only what arrives from now minus Lag on.
	Backlog int
	// FromStart prints every event from Selection.From on first, oldest
	// first, as it is read, instead of the Backlog newest ones.
	FromStart bool
	// Keep, when not nil, is a filter the API cannot apply (see
	// SerialOptions.Keep): Backlog then counts kept events among the newest
	// BacklogLookback of the selection.
	Keep func(*auditlog.Event) bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WindowDone, when not nil, is called after the events of each window
	// (the first walk, then each poll) have all been passed to emit, with
	// the window's end: a whole second before which every selected event
	// has been emitted. A checkpoint may be taken there. An error from it
	// ends the follow, as one from emit does.
	WindowDone func(end time.Time) error
}

// BacklogLookback bounds how far back a backlog with a Keep filter looks:
// the newest this many events of the selection, so that a rare match does
// not download a project's whole history before following starts.
const BacklogLookback = 10000

// Follow prints events as they arrive: first the Backlog newest events before
// floor(now)-Lag, oldest first; then, every Interval, the events of
// [end of the last window, floor(now)-Lag), oldest first. The windows tile
// the time line, so no event is emitted twice or skipped, provided no event
// is inserted with a createdAt older than Lag.
//
// Follow runs until ctx is cancelled, which is its normal end: it then
// returns nil (an interrupted tail is a finished tail). Errors from the API
// or from emit end it with that error.
func Follow(ctx context.Context, src Source, o FollowOptions, emit func(*auditlog.Event) error) error {
	err := follow(ctx, src, o, emit)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func follow(ctx context.Context, src Source, o FollowOptions, emit func(*auditlog.Event) error) error {
	if o.Interval < 0 || o.Lag < 0 || o.Backlog < 0 {
		return fmt.Errorf("follow audit logs: interval, lag and backlog cannot be negative")
	}
	interval := o.Interval
	if interval == 0 {
		interval = DefaultInterval
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	c := &counters{}
	cs := counted{src, c}
	to := o.Selection.To
	edge := func() time.Time {
		hi := now().UTC().Truncate(time.Second).Add(-o.Lag)
		if !to.IsZero() && hi.After(to) {
			hi = to
		}
		return hi
	}

	end := edge()
	if !o.Selection.From.IsZero() && o.Selection.From.After(end) {
		end = o.Selection.From
	}
	switch {
	case o.FromStart:
		sel := o.Selection
		sel.To = end
		w := &walker{src: cs, c: c, keep: o.Keep, emit: emit}
		if err := w.walk(ctx, sel); err != nil {
			return err
		}
	case o.Backlog > 0:
		sel := o.Selection
		sel.To = end
		backlog := make([]*auditlog.Event, 0, min(o.Backlog, 1024))
		w := &walker{src: cs, c: c, desc: true, limit: o.Backlog, keep: o.Keep, emit: func(e *auditlog.Event) error {
			backlog = append(backlog, e)
			return nil
		}}
		if o.Keep != nil {
			w.maxRead = BacklogLookback
		}
		if err := w.walk(ctx, sel); err != nil {
			return err
		}
		slices.Reverse(backlog)
		for _, e := range backlog {
			if err := emit(e); err != nil {
				return err
			}
		}
	}
	if err := windowDone(o, end); err != nil {
		return err
	}

	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		if !to.IsZero() && !end.Before(to) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		hi := edge()
		if hi.After(end) {
			sel := o.Selection
			sel.From, sel.To = end, hi
			w := &walker{src: cs, c: c, keep: o.Keep, emit: emit}
			if err := w.walk(ctx, sel); err != nil {
				return err
			}
			end = hi
			if err := windowDone(o, end); err != nil {
				return err
			}
		}
		t.Reset(interval)
	}
}

func windowDone(o FollowOptions, end time.Time) error {
	if o.WindowDone == nil {
		return nil
	}
	return o.WindowDone(end)
}
