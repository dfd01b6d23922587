package deliver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func ev(id string, sec int) *auditlog.Event {
	return &auditlog.Event{ID: id, CreatedAt: t0.Add(time.Duration(sec) * time.Second), ActivityType: "USER_AUTHENTICATED", Data: []byte(`{}`)}
}

// recorder is a Sink that keeps every batch; fail, when set, decides
// whether a batch fails.
type recorder struct {
	mu      sync.Mutex
	batches [][]string
	fail    func(n int) error
}

func (r *recorder) Deliver(_ context.Context, events []*auditlog.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(len(r.batches)); err != nil {
			return err
		}
	}
	var ids []string
	for _, e := range events {
		ids = append(ids, e.ID)
	}
	r.batches = append(r.batches, ids)
	return nil
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Concat(r.batches...)
}

// step is one thing a scripted feed does: emit an event, or end a window.
type step struct {
	e   *auditlog.Event
	end int // seconds after t0, when e is nil
}

func script(steps ...step) Feed {
	return func(ctx context.Context, emit func(*auditlog.Event) error, windowDone func(time.Time) error) error {
		for _, s := range steps {
			var err error
			if s.e != nil {
				err = emit(s.e)
			} else {
				err = windowDone(t0.Add(time.Duration(s.end) * time.Second))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// TestRunBatchesAndCheckpoints: batches are at most BatchSize, a window's
// end delivers what is in hand, and each checkpoint names the second
// before which all is delivered plus the IDs delivered of that second.
func TestRunBatchesAndCheckpoints(t *testing.T) {
	var steps []step
	// Second 0: 2 events; second 1: 5 (a batch ends inside it); window
	// ends at 2; then second 3: 1 event and a window end at 5.
	for i := range 2 {
		steps = append(steps, step{e: ev(fmt.Sprintf("a%d", i), 0)})
	}
	for i := range 5 {
		steps = append(steps, step{e: ev(fmt.Sprintf("b%d", i), 1)})
	}
	steps = append(steps, step{end: 2}, step{e: ev("c0", 3)}, step{end: 5}, step{end: 8})
	r := &recorder{}
	var cps []Checkpoint
	err := Run(t.Context(), r, Options{BatchSize: 3, FlushInterval: time.Hour, Commit: func(cp Checkpoint) error {
		cps = append(cps, cp)
		return nil
	}}, script(steps...))
	if err != nil {
		t.Fatal(err)
	}
	wantBatches := [][]string{{"a0", "a1", "b0"}, {"b1", "b2", "b3"}, {"b4"}, {"c0"}}
	if fmt.Sprint(r.batches) != fmt.Sprint(wantBatches) {
		t.Errorf("batches %v, want %v", r.batches, wantBatches)
	}
	want := []Checkpoint{
		{Through: t0.Add(time.Second), IDs: []string{"b0"}},
		{Through: t0.Add(time.Second), IDs: []string{"b0", "b3", "b2", "b1"}},
		{Through: t0.Add(2 * time.Second)},
		{Through: t0.Add(5 * time.Second)},
		{Through: t0.Add(8 * time.Second)},
	}
	if fmt.Sprint(cps) != fmt.Sprint(want) {
		t.Errorf("checkpoints\n%v, want\n%v", cps, want)
	}
}

// TestRunResume: the IDs of the resumed checkpoint's second are dropped,
// others of that second are not, and the next checkpoint keeps them.
func TestRunResume(t *testing.T) {
	r := &recorder{}
	var last Checkpoint
	resume := Checkpoint{Through: t0.Add(time.Second), IDs: []string{"b0", "b1"}}
	err := Run(t.Context(), r, Options{BatchSize: 10, Resume: resume, Commit: func(cp Checkpoint) error { last = cp; return nil }},
		script(step{e: ev("b0", 1)}, step{e: ev("b1", 1)}, step{e: ev("b2", 1)}, step{e: ev("b0-other", 1)}))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.all(); !slices.Equal(got, []string{"b2", "b0-other"}) {
		t.Errorf("delivered %v, want [b2 b0-other]", got)
	}
	if want := (Checkpoint{Through: t0.Add(time.Second), IDs: []string{"b0", "b1", "b0-other", "b2"}}); fmt.Sprint(last) != fmt.Sprint(want) {
		t.Errorf("checkpoint %v, want %v", last, want)
	}
}

// TestRunFlushInterval: a batch that is not full goes out after the
// flush interval, while the feed still reads.
func TestRunFlushInterval(t *testing.T) {
	r := &recorder{}
	release := make(chan struct{})
	feed := func(ctx context.Context, emit func(*auditlog.Event) error, _ func(time.Time) error) error {
		if err := emit(ev("a", 0)); err != nil {
			return err
		}
		<-release // the API is slow to answer
		return emit(ev("b", 0))
	}
	done := make(chan error, 1)
	go func() {
		done <- Run(t.Context(), r, Options{BatchSize: 100, FlushInterval: 20 * time.Millisecond}, feed)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for len(r.all()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the partial batch never went out")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.batches); got != "[[a] [b]]" {
		t.Errorf("batches %s, want [[a] [b]]", got)
	}
}

// TestRunSinkError: a failing sink ends the feed and Run with its error;
// no checkpoint passes the failed batch.
func TestRunSinkError(t *testing.T) {
	refused := &RefusedError{Status: 401, Msg: "refused"}
	r := &recorder{fail: func(n int) error {
		if n == 1 {
			return refused
		}
		return nil
	}}
	var cps []Checkpoint
	feedEnded := make(chan error, 1)
	feed := func(ctx context.Context, emit func(*auditlog.Event) error, windowDone func(time.Time) error) error {
		for i := 0; ; i++ {
			if err := emit(ev(fmt.Sprint(i), i)); err != nil {
				feedEnded <- err
				return nil // as Follow does when its context ends
			}
		}
	}
	err := Run(t.Context(), r, Options{BatchSize: 2, Commit: func(cp Checkpoint) error { cps = append(cps, cp); return nil }}, feed)
	if err != refused {
		t.Fatalf("Run = %v, want the sink's error", err)
	}
	if ferr := <-feedEnded; !errors.Is(ferr, refused) {
		t.Errorf("the feed's emit returned %v, want the sink's error", ferr)
	}
	if len(cps) != 1 || !cps[0].Through.Equal(t0.Add(time.Second)) {
		t.Errorf("checkpoints %v, want one, through second 1", cps)
	}
}

// TestRunInterrupted: when the context ends, what is in hand is still
// delivered and committed, and Run returns what the feed returned.
func TestRunInterrupted(t *testing.T) {
	r := &recorder{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var last Checkpoint
	feed := func(fctx context.Context, emit func(*auditlog.Event) error, _ func(time.Time) error) error {
		emit(ev("a", 0))
		emit(ev("b", 1))
		cancel()
		<-fctx.Done()
		return nil
	}
	if err := Run(ctx, r, Options{BatchSize: 100, FlushInterval: time.Hour, Commit: func(cp Checkpoint) error { last = cp; return nil }}, feed); err != nil {
		t.Fatal(err)
	}
	if got := r.all(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("delivered %v, want [a b]", got)
	}
	if !last.Through.Equal(t0.Add(time.Second)) {
		t.Errorf("checkpoint %v, want through second 1", last)
	}
	// A sink that cannot take it: the error says how many were not delivered.
	r = &recorder{fail: func(int) error { return errors.New("connection refused") }}
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	err := Run(ctx, r, Options{BatchSize: 100, FlushInterval: time.Hour}, feed)
	var u *UndeliveredError
	if !errors.As(err, &u) || u.N != 2 {
		t.Errorf("Run = %v, want an UndeliveredError of 2 events", err)
	}
}
