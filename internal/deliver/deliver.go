// Package deliver sends the events of a follow to where they go (a file,
// a pipe, an HTTP receiver) in batches, and after each batch is durable
// or accepted hands over a checkpoint from which a restarted follow
// resumes at the first event not yet delivered.
//
// A checkpoint is a whole second, Through, before which every selected
// event has been delivered, and the IDs of the events of second Through
// delivered so far: the follow's windows end at whole seconds, but a
// batch may end inside a busy second. Resuming walks from Through again
// and drops those IDs, so nothing is lost and, where the sink is
// exactly-once (a file truncated to its checkpointed length, a receiver
// that keys by event ID), nothing is repeated.
package deliver

import (
	"context"
	"fmt"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// Defaults of Options.
const (
	DefaultBatchSize     = 500
	DefaultFlushInterval = time.Second
)

// Sink is where batches go.
type Sink interface {
	// Deliver returns nil once every event of the batch is durable
	// (written, flushed, synced) or accepted by the receiver. The batch's
	// events are in the order the follow emitted them.
	Deliver(ctx context.Context, events []*auditlog.Event) error
}

// Checkpoint says how far a follow has delivered. The zero Checkpoint
// says nothing has been.
type Checkpoint struct {
	// Through is a whole second: every selected event created before it
	// has been delivered.
	Through time.Time `json:"through,omitzero"`
	// IDs are the events created in second Through already delivered.
	IDs []string `json:"ids,omitempty"`
}

// Options configure Run.
type Options struct {
	// BatchSize is the most events one Deliver gets; 0 means
	// DefaultBatchSize.
	BatchSize int
	// FlushInterval is the longest an event waits in a batch that is not
	// full while the follow is still reading; 0 means DefaultFlushInterval.
	// At the end of each window (when the follow has read all there is
	// for now) the batch is delivered at once.
	FlushInterval time.Duration
	// Resume is the checkpoint of an earlier run: its IDs are dropped
	// when the follow emits them again.
	Resume Checkpoint
	// Commit, when not nil, gets each new checkpoint: after every
	// delivered batch, and at the end of every window. An error from it
	// ends Run.
	Commit func(Checkpoint) error
}

// Feed is a follow: it calls emit for each event, oldest first, and
// windowDone at the end of each window, from one goroutine, until ctx
// ends or either returns an error. walk.Follow is one.
type Feed func(ctx context.Context, emit func(*auditlog.Event) error, windowDone func(end time.Time) error) error

// item is what the feed hands to the delivering goroutine: an event, or
// the end of a window.
type item struct {
	e   *auditlog.Event
	end time.Time
}

// Run runs feed and delivers what it emits to sink, in batches, from a
// goroutine of its own, so that the follow keeps reading while a batch
// is on its way. It returns the first error of the feed, the sink or
// Commit. When ctx ends, the batch in hand is still delivered (a file or
// a pipe takes it at once; a receiver gets it if it answers before ctx's
// cause ends it) and committed, and Run returns what feed returned.
func Run(ctx context.Context, sink Sink, o Options, feed Feed) error {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	items := make(chan item, o.BatchSize)
	d := &deliverer{sink: sink, o: o, cp: o.Resume}
	done := make(chan error, 1)
	// Deliveries end finalGrace after ctx: a batch on its way when the
	// follow is interrupted may still arrive and be committed, rather
	// than be sent again by the next run.
	dctx, dcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer dcancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(finalGrace, dcancel) })
	defer stop()
	go func() {
		err := d.loop(ctx, dctx, items)
		if err != nil {
			cancel(err)
		}
		done <- err
	}()
	send := func(it item) error {
		select {
		case items <- it:
			return nil
		case <-fctx.Done():
			return context.Cause(fctx)
		}
	}
	skip := make(map[string]bool, len(o.Resume.IDs))
	for _, id := range o.Resume.IDs {
		skip[id] = true
	}
	emit := func(e *auditlog.Event) error {
		if len(skip) > 0 && e.CreatedAt.Truncate(time.Second).Equal(o.Resume.Through) && skip[e.ID] {
			return nil
		}
		return send(item{e: e})
	}
	windowDone := func(end time.Time) error { return send(item{end: end}) }
	ferr := feed(fctx, emit, windowDone)
	close(items)
	if derr := <-done; derr != nil {
		return derr
	}
	return ferr
}

// finalGrace bounds the delivery of the batch in hand once the follow has
// been interrupted: a receiver that does not take it by then gets it from
// the next run (with a state file).
const finalGrace = 5 * time.Second

// deliverer batches items and delivers them, from one goroutine.
type deliverer struct {
	sink  Sink
	o     Options
	batch []*auditlog.Event
	cp    Checkpoint
}

// loop batches items until the feed closes them; ctx is the follow's,
// dctx the deliveries' (see Run).
func (d *deliverer) loop(ctx, dctx context.Context, items <-chan item) error {
	err := d.batches(dctx, items)
	if err != nil && ctx.Err() != nil {
		return &UndeliveredError{N: len(d.batch), Err: err}
	}
	return err
}

func (d *deliverer) batches(ctx context.Context, items <-chan item) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case it, ok := <-items:
			if !ok {
				// The feed has ended, also when interrupted: what was
				// read goes out still.
				return d.flush(ctx, time.Time{})
			}
			if it.e == nil {
				timer.Stop()
				if err := d.flush(ctx, it.end); err != nil {
					return err
				}
				continue
			}
			if len(d.batch) == 0 {
				timer.Reset(d.o.FlushInterval)
			}
			d.batch = append(d.batch, it.e)
			if len(d.batch) >= d.o.BatchSize {
				timer.Stop()
				if err := d.flush(ctx, time.Time{}); err != nil {
					return err
				}
			}
		case <-timer.C:
			if err := d.flush(ctx, time.Time{}); err != nil {
				return err
			}
		}
	}
}

// UndeliveredError says that a follow was interrupted with events read
// and not delivered.
type UndeliveredError struct {
	N   int
	Err error
}

func (e *UndeliveredError) Error() string {
	return fmt.Sprintf("interrupted with %d events read and not delivered (%v); with --state, the next run delivers them", e.N, e.Err)
}

func (e *UndeliveredError) Unwrap() error { return e.Err }

// flush delivers the batch in hand, if any, and commits the checkpoint
// it reaches; windowEnd, when not zero, is the end of the window read,
// which the checkpoint then moves to.
func (d *deliverer) flush(ctx context.Context, windowEnd time.Time) error {
	if len(d.batch) == 0 && windowEnd.IsZero() {
		return nil
	}
	if len(d.batch) > 0 {
		if err := d.sink.Deliver(ctx, d.batch); err != nil {
			return err
		}
		d.cp = advance(d.cp, d.batch)
		clear(d.batch)
		d.batch = d.batch[:0]
	}
	if !windowEnd.IsZero() && windowEnd.After(d.cp.Through) {
		d.cp = Checkpoint{Through: windowEnd}
	}
	if d.o.Commit == nil {
		return nil
	}
	return d.o.Commit(Checkpoint{Through: d.cp.Through, IDs: append([]string(nil), d.cp.IDs...)})
}

// advance is the checkpoint after batch, delivered in the order the
// follow emitted it (oldest first), has been delivered after cp.
func advance(cp Checkpoint, batch []*auditlog.Event) Checkpoint {
	last := batch[len(batch)-1].CreatedAt.UTC().Truncate(time.Second)
	if !last.Equal(cp.Through) {
		cp = Checkpoint{Through: last}
	}
	for i := len(batch) - 1; i >= 0 && batch[i].CreatedAt.UTC().Truncate(time.Second).Equal(last); i-- {
		cp.IDs = append(cp.IDs, batch[i].ID)
	}
	return cp
}
