package walk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// MaxParallel is the most shards Parallel walks at once.
const MaxParallel = 16

// ParallelOptions says what Parallel reads and how.
type ParallelOptions struct {
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
	// Keep, when not nil, is a filter the API cannot apply (see
	// SerialOptions.Keep): only the events it keeps are emitted.
	Keep func(*auditlog.Event) bool
}

// Parallel emits every event of o.Selection in [From, To) exactly once, oldest
// first (events of one second ordered by ID), calling emit from the
// goroutine that called Parallel.
//
// The range is split into o.Parallel shards at whole seconds, walked
// concurrently (see Serial). The first shard's events go to emit as they
// arrive; the others are spooled to temporary files in o.SpoolDir and emitted
// in order once the shards before them are done, so memory does not grow with
// the number of events. Spool files are removed on every return. The first
// error (from the API, a spool file or emit) cancels every shard and is
// returned; when ctx is cancelled, ctx.Err() is returned.
func Parallel(ctx context.Context, src Source, o ParallelOptions, emit func(*auditlog.Event) error) (Stats, error) {
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
		progress: o.Progress,
		keep:     o.Keep,
		notify:   make(chan struct{}, 1),
		spoolDir: o.SpoolDir,
	}
	e.src = counted{src, e.c}
	err := e.run(ctx, n, o.Count)
	st := Stats{
		Events:     e.emitted,
		Requests:   e.c.requests.Load(),
		Drains:     e.c.drains.Load(),
		DrainReads: e.c.drainReads.Load(),
		Shards:     e.shards,
		Steals:     e.steals,
	}
	return st, err
}

type exporter struct {
	parent   context.Context
	src      Source
	c        *counters
	sel      adminapi.Selection
	emit     func(*auditlog.Event) error
	progress func(Progress)
	keep     func(*auditlog.Event) bool
	notify   chan struct{} // a page was read somewhere

	total   int64
	shards  int
	emitted int64

	mu     sync.Mutex
	err    error // the first error
	cancel context.CancelFunc

	spoolDir string // where spool files go; "" is the system's
	cdf      *cdf   // events over time from the plan's counts; nil without
	pmu      sync.Mutex
	pieces   []*piece // every piece, in the order made (pmu)
	steals   int      // pieces made by splitting (pmu)
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
		e.progress(e.c.progress(e.total, e.keep))
	}
}

func (e *exporter) pageDone() {
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

// piece is a part of the range that one worker walks: a planned shard, or
// the later part of one that an idle worker took over. Pieces form a list
// in time order through next.
type piece struct {
	win  *window
	from time.Time
	file *os.File      // the spool; nil for the first piece, which streams
	done chan struct{} // closed when the walk of the piece has ended
	next *piece        // guarded by exporter.pmu
	read atomic.Int64  // events the piece's walk has read so far
}

func (e *exporter) run(ctx context.Context, n int, count bool) (err error) {
	ctx, e.cancel = context.WithCancel(ctx)
	defer e.cancel()

	bounds, total, dist, err := planShards(ctx, e.src, e.sel, n, count)
	if err != nil {
		return e.result(err)
	}
	e.cdf = dist
	e.total = total
	e.shards = len(bounds) - 1
	e.report()

	var wg sync.WaitGroup
	defer func() {
		e.cancel()
		wg.Wait()
		for _, p := range e.pieces {
			if p.file != nil {
				p.file.Close()
				os.Remove(p.file.Name())
			}
		}
	}()
	// Spool files first, so that nothing starts when one cannot be made.
	for i := range e.shards {
		p := &piece{win: newWindow(bounds[i], bounds[i+1]), from: bounds[i], done: make(chan struct{})}
		if i > 0 {
			f, err := e.newSpool()
			if err != nil {
				return fmt.Errorf("create a spool file for a parallel export: %w (choose another spool directory or use fewer shards)", err)
			}
			p.file = f
			e.pieces[i-1].next = p
		}
		e.pieces = append(e.pieces, p)
	}
	head := e.pieces[0]

	first := make(chan *auditlog.Event, 4*adminapi.MaxPageSize)
	wg.Add(e.shards)
	for _, p := range e.pieces {
		go func() {
			defer wg.Done()
			// A worker that is done takes over the later part of the
			// piece with the most left to read, while that pays.
			for ; p != nil; p = e.steal() {
				err := e.walkPiece(ctx, p, first)
				// The error is recorded before the piece is marked done,
				// so that nothing takes a failed piece for a finished one.
				if err != nil {
					e.fail(err)
				}
				if p == head {
					close(first)
				}
				close(p.done)
				if err != nil {
					return
				}
			}
		}()
	}

	// The first piece as it arrives.
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
	// Then each later piece once it is complete. A piece's next is final
	// once its walk has ended: only a piece being walked is split.
	for p := e.after(head); p != nil; p = e.after(p) {
		if err := e.wait(ctx, p.done); err != nil {
			return e.result(err)
		}
		if err := e.replay(ctx, p.file); err != nil {
			return e.result(err)
		}
		p.file.Close()
		os.Remove(p.file.Name())
		p.file = nil
	}
	e.report()
	return nil
}

// after is the piece after p.
func (e *exporter) after(p *piece) *piece {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	return p.next
}

// walkPiece walks one piece: the first streams its events into first, the
// others go to their spool files.
func (e *exporter) walkPiece(ctx context.Context, p *piece, first chan<- *auditlog.Event) error {
	var (
		emit  func(*auditlog.Event) error
		flush = func() error { return nil }
	)
	if p.file == nil {
		emit = func(ev *auditlog.Event) error {
			select {
			case first <- ev:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	} else {
		name := p.file.Name()
		sw := newSpoolWriter(p.file)
		emit = func(ev *auditlog.Event) error {
			if err := sw.write(ev); err != nil {
				return fmt.Errorf("write spool file %s: %w", name, err)
			}
			return nil
		}
		flush = func() error {
			if err := sw.flush(); err != nil {
				return fmt.Errorf("write spool file %s: %w", name, err)
			}
			return nil
		}
	}
	w := e.walker(emit)
	w.win, w.reads = p.win, &p.read
	sel := e.sel
	sel.From, sel.To = p.from, p.win.end()
	if err := w.walk(ctx, sel); err != nil {
		return err
	}
	return flush()
}

const (
	// minStealEvents is the fewest events left in a piece worth splitting:
	// the new piece costs a round trip to start and a short last page.
	minStealEvents = 3 * adminapi.MaxPageSize
)

// steal splits the piece with the most events left to read in two at a
// whole second and returns the later part as a new piece, spooled; nil
// when no piece has enough left (or no spool file can be made: the pieces
// then simply finish as they are). At most as many steals in all as planned
// shards (one piece may be split again and again while others are not), so
// that the extra requests stay within two per shard.
func (e *exporter) steal() *piece {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	if e.steals >= e.shards || e.shards < 2 {
		return nil
	}
	var (
		victim *piece
		most   float64
		mid    time.Time
	)
	for _, p := range e.pieces {
		lo, hi, ok := p.win.span()
		if !ok {
			continue
		}
		left, at := e.estimate(p, lo, hi)
		if left > most {
			victim, most, mid = p, left, at
		}
	}
	if victim == nil || most < minStealEvents {
		return nil
	}
	f, err := e.newSpool()
	if err != nil {
		return nil
	}
	end, ok := victim.win.cut(mid)
	if !ok {
		f.Close()
		os.Remove(f.Name())
		return nil
	}
	np := &piece{win: newWindow(mid, end), from: mid, file: f, done: make(chan struct{}), next: victim.next}
	victim.next = np
	e.pieces = append(e.pieces, np)
	e.steals++
	return np
}

// spoolPrefix starts the names of spool files.
const spoolPrefix = "authgear-audit-spool-"

// newSpool makes a spool file for one piece.
func (e *exporter) newSpool() (*os.File, error) {
	return os.CreateTemp(e.spoolDir, spoolPrefix+"*")
}

// RemoveStaleSpools removes the spool files that killed exports left in
// dir (they cannot clean up after SIGKILL). Call it only while no export
// spools there, e.g. holding a lock on the directory.
func RemoveStaleSpools(dir string) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range des {
		if strings.HasPrefix(de.Name(), spoolPrefix) && de.Type().IsRegular() {
			os.Remove(filepath.Join(dir, de.Name()))
		}
	}
}

// Oldest is the createdAt (a whole second) of the oldest event of sel
// before until; ok is false when there is none.
func Oldest(ctx context.Context, src Source, sel adminapi.Selection, until time.Time) (at time.Time, ok bool, err error) {
	sel.From, sel.To = time.Time{}, until
	for _, first := range []int{1, adminapi.MaxPageSize} {
		p, err := src.Page(ctx, adminapi.PageQuery{Selection: sel, First: first})
		if err != nil {
			return time.Time{}, false, fmt.Errorf("find the oldest event: %w", err)
		}
		if len(p.Events) > 0 {
			return second(p.Events[0].CreatedAt).UTC(), true, nil
		}
		if p.Edges == 0 {
			return time.Time{}, false, nil
		}
		// A null node came first: look at a whole page.
	}
	return time.Time{}, false, &adminapi.APIError{Op: "find the oldest event", Err: errors.New("the API returned only empty events: give --since")}
}

// estimate is how many events p has left to read in [lo, hi), and the whole
// second that splits them about in half. Without counts from the plan the
// piece's own density so far stands for the rest; before its first page
// nothing is known and the estimate is 0.
func (e *exporter) estimate(p *piece, lo, hi time.Time) (left float64, mid time.Time) {
	if e.cdf != nil {
		left = e.cdf.at(hi) - e.cdf.at(lo)
		mid = e.cdf.inverse(e.cdf.at(lo) + left/2)
	} else {
		done := lo.Sub(p.from).Seconds()
		read := float64(p.read.Load())
		if done <= 0 || read < adminapi.MaxPageSize {
			return 0, time.Time{}
		}
		left = read / done * hi.Sub(lo).Seconds()
		mid = lo.Add(hi.Sub(lo) / 2)
	}
	mid = mid.Round(time.Second)
	if !mid.After(lo) {
		mid = lo.Truncate(time.Second).Add(time.Second)
	}
	if !mid.Before(hi) {
		return 0, time.Time{}
	}
	return left, mid
}

func (e *exporter) walker(emit func(*auditlog.Event) error) *walker {
	return &walker{src: e.src, c: e.c, keep: e.keep, emit: emit, onPage: e.pageDone}
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

// replay emits the events of a finished shard's spool file.
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
		ev, err := r.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		if err := e.out(ev); err != nil {
			return err
		}
	}
}

// result is what Parallel returns for err: the parent's cancellation wins, so
// that callers can tell an interruption from a failure.
func (e *exporter) result(err error) error {
	if perr := e.parent.Err(); perr != nil {
		return perr
	}
	return err
}
