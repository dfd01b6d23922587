package readback

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"io"
	"slices"
	"sort"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// Searching an earlier export: the filters of the API, applied locally with
// Filter.Match, and no API access at all.

// errStopReading ends a read of an input file early (the limit is reached).
var errStopReading = errors.New("stop reading")

// Each calls fn with every event of the inputs, one file after another,
// each in file order. Errors from a file name it and the line.
func Each(ctx context.Context, ins []Input, fn func(e *auditlog.Event) error) error {
	for _, in := range ins {
		if err := each(ctx, in, fn); err != nil {
			return err
		}
	}
	return nil
}

func each(ctx context.Context, in Input, fn func(e *auditlog.Event) error) error {
	r, err := in.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	for i := 0; ; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// needsResolving lists the email and phone users of f, whose IDs only the
// files can tell.
func needsResolving(f auditlog.Filter) []int {
	var idx []int
	for i, u := range f.Users {
		if u.Kind == auditlog.UserEmail || u.Kind == auditlog.UserPhone {
			idx = append(idx, i)
		}
	}
	return idx
}

// ResolveUsers fills ResolvedIDs of the email and phone users of f from
// the user snapshots in the inputs (data.payload.user): the offline
// stand-in for the API's user lookup. It reads every input when f has such
// users, before any matching, since a user's first events may come before
// the first snapshot; it reads nothing otherwise. Standard input cannot be
// read again after this: Match and Search take care of that.
func ResolveUsers(ctx context.Context, ins []Input, f auditlog.Filter) (auditlog.Filter, error) {
	idx := needsResolving(f)
	if len(idx) == 0 {
		return f, nil
	}
	users := make([]auditlog.UserRef, len(f.Users))
	copy(users, f.Users)
	for _, i := range idx {
		users[i].ResolvedIDs = slices.Clone(users[i].ResolvedIDs)
	}
	err := Each(ctx, ins, func(e *auditlog.Event) error {
		if !containsUserSnapshot(e.Data) {
			return nil
		}
		for _, i := range idx {
			users[i].LearnFrom(e)
		}
		return nil
	})
	if err != nil {
		return f, err
	}
	f.Users = users
	return f, nil
}

// containsUserSnapshot is a cheap test that spares looking into events that
// cannot hold a user snapshot.
func containsUserSnapshot(data []byte) bool {
	return bytes.Contains(data, []byte(`"standard_attributes"`))
}

// Match calls fn with every event of the inputs that passes f (see
// auditlog.Matcher), in the order of the inputs. Email addresses and phone
// numbers in f are resolved from the inputs first (ResolveUsers), which
// reads them twice; standard input is then kept in a temporary file for
// the second reading.
func Match(ctx context.Context, ins []Input, f auditlog.Filter, fn func(*auditlog.Event) error) error {
	if len(needsResolving(f)) > 0 {
		replay, cleanup, err := replayable(ins)
		defer cleanup()
		if err != nil {
			return err
		}
		ins = replay
		if f, err = ResolveUsers(ctx, ins, f); err != nil {
			return err
		}
	}
	m := f.Compile()
	return Each(ctx, ins, func(e *auditlog.Event) error {
		if !m.Match(e) {
			return nil
		}
		return fn(e)
	})
}

// Search emits the events of the inputs that match f, oldest first or
// newest first, at most limit of them (0 = all).
//
// Exports are oldest first, so ascending output streams in the order of
// the inputs. Descending output with a limit keeps the newest limit events
// in a bounded heap; with no limit it holds every matching event until the
// inputs have been read.
func Search(ctx context.Context, ins []Input, f auditlog.Filter, desc bool, limit int, emit func(*auditlog.Event) error) error {
	if !desc {
		n := 0
		err := Match(ctx, ins, f, func(e *auditlog.Event) error {
			if err := emit(e); err != nil {
				return err
			}
			n++
			if limit > 0 && n >= limit {
				return errStopReading
			}
			return nil
		})
		if errors.Is(err, errStopReading) {
			return nil
		}
		return err
	}
	h := &newestHeap{limit: limit}
	pos := 0
	err := Match(ctx, ins, f, func(e *auditlog.Event) error {
		pos++
		h.offer(positioned{e: e, pos: pos})
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range h.newestFirst() {
		if err := emit(p.e); err != nil {
			return err
		}
	}
	return nil
}

// positioned is an event and its place in the file, which orders events of
// the same second.
type positioned struct {
	e   *auditlog.Event
	pos int
}

func older(a, b positioned) bool {
	if !a.e.CreatedAt.Equal(b.e.CreatedAt) {
		return a.e.CreatedAt.Before(b.e.CreatedAt)
	}
	return a.pos < b.pos
}

// newestHeap keeps the newest limit events offered (all of them when limit
// is 0), as a min-heap whose root is the oldest kept.
type newestHeap struct {
	limit int
	items []positioned
}

func (h *newestHeap) Len() int           { return len(h.items) }
func (h *newestHeap) Less(i, j int) bool { return older(h.items[i], h.items[j]) }
func (h *newestHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *newestHeap) Push(x any)         { h.items = append(h.items, x.(positioned)) }
func (h *newestHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}

func (h *newestHeap) offer(p positioned) {
	switch {
	case h.limit == 0:
		h.items = append(h.items, p) // no bound: sorted once at the end
	case len(h.items) < h.limit:
		heap.Push(h, p)
	case older(h.items[0], p):
		h.items[0] = p
		heap.Fix(h, 0)
	}
}

// newestFirst returns the kept events, newest first.
func (h *newestHeap) newestFirst() []positioned {
	out := h.items
	sort.Slice(out, func(i, j int) bool { return older(out[j], out[i]) })
	return out
}
