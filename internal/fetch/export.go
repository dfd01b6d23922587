package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// MaxParallel is the most shards Export walks at once.
const MaxParallel = 16

// ExportOptions says what Export reads and how.
type ExportOptions struct {
	// Selection picks the events; From and To are both required. To should
	// be a whole second a little in the past (now floored to a second minus
	// a lag), so that no event of [From, To) is still being written.
	Selection adminapi.Selection
	// Parallel is the number of time shards walked at once, 1 to
	// MaxParallel; 0 means 1.
	Parallel int
	// Count asks the API for windowed counts first: they balance the shards
	// by event count and give Progress a total. Without it shards are equal
	// in time and the total is unknown.
	Count bool
	// SpoolDir holds the temporary files of shards waiting for their turn;
	// "" means the system's temporary directory.
	SpoolDir string
	// Progress, when not nil, is called about once per page, never
	// concurrently, with the number of events read so far.
	Progress func(Progress)
	// Records, when not nil, takes the events of every shard but the first
	// as output records: each shard encodes its events as it reads them, in
	// its own goroutine, and spools the records; a finished shard is then
	// written with WriteRecord, a copy, instead of being decoded and
	// encoded after the shards before it. The first shard's events still
	// go to emit. An error from an encoder fails the export, as one from
	// emit does.
	Records Records
}

// Records is an output whose events are independent records, such as an
// output.RecordWriter.
type Records interface {
	// NewEncoder returns an encoder for one goroutine.
	NewEncoder() func(dst []byte, e *auditlog.Event) ([]byte, error)
	// WriteRecord writes one record; Export calls it from the goroutine
	// that called Export.
	WriteRecord(rec []byte) error
}

// Export emits every event of o.Selection in [From, To) exactly once, oldest
// first (events of one second ordered by ID), calling emit from the
// goroutine that called Export.
//
// The range is split into o.Parallel shards at whole seconds, walked
// concurrently (see Walk). The first shard's events go to emit as they
// arrive; the others are spooled to temporary files in o.SpoolDir and emitted
// in order once the shards before them are done, so memory does not grow with
// the number of events. Spool files are removed on every return. The first
// error (from the API, a spool file or emit) cancels every shard and is
// returned; when ctx is cancelled, ctx.Err() is returned.
func Export(ctx context.Context, src Source, o ExportOptions, emit func(*auditlog.Event) error) (Stats, error) {
	sel := o.Selection
	if sel.From.IsZero() || sel.To.IsZero() {
		return Stats{}, errors.New("export audit logs: both ends of the time range are required")
	}
	if sel.From.After(sel.To) {
		return Stats{}, fmt.Errorf("export audit logs: the range starts at %s, after its end %s", stamp(sel.From), stamp(sel.To))
	}
	n := o.Parallel
	if n == 0 {
		n = 1
	}
	if n < 1 || n > MaxParallel {
		return Stats{}, fmt.Errorf("export audit logs: parallel must be between 1 and %d, not %d", MaxParallel, o.Parallel)
	}
	if !sel.From.Before(sel.To) {
		return Stats{}, nil
	}
	e := &exporter{
		parent:   ctx,
		c:        &counters{},
		sel:      sel,
		emit:     emit,
		records:  o.Records,
		progress: o.Progress,
		notify:   make(chan struct{}, 1),
	}
	e.src = counted{src, e.c}
	err := e.run(ctx, n, o.Count, o.SpoolDir)
	st := Stats{
		Events:     e.emitted,
		Requests:   e.c.requests.Load(),
		Drains:     e.c.drains.Load(),
		DrainReads: e.c.drainReads.Load(),
		Shards:     e.shards,
	}
	return st, err
}

type exporter struct {
	parent   context.Context
	src      Source
	c        *counters
	sel      adminapi.Selection
	emit     func(*auditlog.Event) error
	records  Records // nil: later shards spool events
	progress func(Progress)
	notify   chan struct{} // a page was read somewhere

	total   int64
	shards  int
	emitted int64

	mu     sync.Mutex
	err    error // the first error
	cancel context.CancelFunc
}

// fail records the first error and cancels every shard.
func (e *exporter) fail(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = err
		e.cancel()
	}
}

func (e *exporter) firstErr() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

func (e *exporter) report() {
	if e.progress != nil {
		e.progress(Progress{Events: e.c.events.Load(), Total: e.total, Requests: e.c.requests.Load()})
	}
}

func (e *exporter) pageDone() {
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

type spoolShard struct {
	file *os.File
	done chan struct{}
}

func (e *exporter) run(ctx context.Context, n int, count bool, spoolDir string) (err error) {
	ctx, e.cancel = context.WithCancel(ctx)
	defer e.cancel()

	bounds, total, err := planShards(ctx, e.src, e.sel, n, count)
	if err != nil {
		return e.result(err)
	}
	e.total = total
	e.shards = len(bounds) - 1
	e.report()

	// Spool files first, so that nothing starts when one cannot be made.
	spools := make([]spoolShard, e.shards)
	var wg sync.WaitGroup
	defer func() {
		e.cancel()
		wg.Wait()
		for _, s := range spools {
			if s.file != nil {
				s.file.Close()
				os.Remove(s.file.Name())
			}
		}
	}()
	for i := 1; i < e.shards; i++ {
		f, err := os.CreateTemp(spoolDir, "authgear-audit-spool-*")
		if err != nil {
			return fmt.Errorf("create a spool file for a parallel export: %w (choose another spool directory or use fewer shards)", err)
		}
		spools[i] = spoolShard{file: f, done: make(chan struct{})}
	}

	first := make(chan *auditlog.Event, 4*adminapi.MaxPageSize)
	wg.Add(e.shards)
	go func() {
		defer wg.Done()
		defer close(first)
		w := e.walker(func(ev *auditlog.Event) error {
			select {
			case first <- ev:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err := w.walk(ctx, shardSelection(e.sel, bounds, 0)); err != nil {
			e.fail(err)
		}
	}()
	for i := 1; i < e.shards; i++ {
		go func() {
			defer wg.Done()
			defer close(spools[i].done)
			name := spools[i].file.Name()
			sw := newSpoolWriter(spools[i].file)
			spool := func(ev *auditlog.Event) error {
				if err := sw.write(ev); err != nil {
					return fmt.Errorf("write spool file %s: %w", name, err)
				}
				return nil
			}
			if e.records != nil {
				encode := e.records.NewEncoder()
				var rec []byte
				spool = func(ev *auditlog.Event) error {
					var err error
					if rec, err = encode(rec[:0], ev); err != nil {
						return err
					}
					if err := sw.writeRecord(rec); err != nil {
						return fmt.Errorf("write spool file %s: %w", name, err)
					}
					return nil
				}
			}
			w := e.walker(spool)
			err := w.walk(ctx, shardSelection(e.sel, bounds, i))
			if err == nil {
				if err = sw.flush(); err != nil {
					err = fmt.Errorf("write spool file %s: %w", name, err)
				}
			}
			if err != nil {
				e.fail(err)
			}
		}()
	}

	// Shard 0 as it arrives.
	for open := true; open; {
		select {
		case ev, ok := <-first:
			if !ok {
				open = false
				break
			}
			if err := e.out(ev); err != nil {
				return e.result(err)
			}
		case <-e.notify:
			e.report()
		}
	}
	if err := e.firstErr(); err != nil {
		return e.result(err)
	}
	// Then each later shard once it is complete.
	for i := 1; i < e.shards; i++ {
		if err := e.wait(ctx, spools[i].done); err != nil {
			return e.result(err)
		}
		if err := e.replay(ctx, spools[i].file); err != nil {
			return e.result(err)
		}
		spools[i].file.Close()
		os.Remove(spools[i].file.Name())
		spools[i].file = nil
	}
	e.report()
	return nil
}

func (e *exporter) walker(emit func(*auditlog.Event) error) *walker {
	return &walker{src: e.src, c: e.c, emit: emit, onPage: e.pageDone}
}

// out emits one event from the caller's goroutine.
func (e *exporter) out(ev *auditlog.Event) error {
	if err := e.emit(ev); err != nil {
		e.fail(err)
		return err
	}
	e.emitted++
	return nil
}

// wait waits for a shard to finish, reporting progress meanwhile.
func (e *exporter) wait(ctx context.Context, done <-chan struct{}) error {
	for {
		select {
		case <-done:
			return e.firstErr()
		case <-ctx.Done():
			if err := e.firstErr(); err != nil {
				return err
			}
			return ctx.Err()
		case <-e.notify:
			e.report()
		}
	}
}

// replay emits the events (or writes the records) of a finished shard's
// spool file.
func (e *exporter) replay(ctx context.Context, f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read spool file %s: %w", f.Name(), err)
	}
	r := newSpoolReader(f)
	for i := 0; ; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				if first := e.firstErr(); first != nil {
					return first
				}
				return err
			}
		}
		var (
			rec []byte
			ev  *auditlog.Event
			err error
		)
		if e.records != nil {
			rec, err = r.nextRecord()
		} else {
			ev, err = r.next()
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		if e.records != nil {
			err = e.outRecord(rec)
		} else {
			err = e.out(ev)
		}
		if err != nil {
			return err
		}
	}
}

// outRecord writes one spooled record from the caller's goroutine.
func (e *exporter) outRecord(rec []byte) error {
	if err := e.records.WriteRecord(rec); err != nil {
		e.fail(err)
		return err
	}
	e.emitted++
	return nil
}

// result is what Export returns for err: the parent's cancellation wins, so
// that callers can tell an interruption from a failure.
func (e *exporter) result(err error) error {
	if perr := e.parent.Err(); perr != nil {
		return perr
	}
	return err
}
