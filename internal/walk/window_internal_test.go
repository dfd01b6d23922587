package walk

import (
	"slices"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// spread is n events, one every gap seconds from second sec of t0.
func spread(tag string, sec, gap, n int) []auditlog.Event {
	var out []auditlog.Event
	for i := range n {
		out = append(out, events(tag+string(rune('a'+i%26)), sec+i*gap, 1)...)
	}
	return out
}

func TestWindowCut(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	w := newWindow(at(10), at(100))
	for _, tt := range []struct {
		mid time.Time
		ok  bool
	}{
		{at(10), false},                       // not after lo
		{at(5), false},                        // before lo
		{at(100), false},                      // not before the end
		{at(50).Add(time.Millisecond), false}, // not a whole second
		{at(50), true},                        // the end becomes 50
		{at(60), false},                       // past the new end
		{at(11), true},                        // just after lo
	} {
		end := w.end()
		old, ok := w.cut(tt.mid)
		if ok != tt.ok {
			t.Errorf("cut(%s) ok = %v, want %v", stamp(tt.mid), ok, tt.ok)
		}
		if ok && !old.Equal(end) {
			t.Errorf("cut(%s) returned the old end %s, want %s", stamp(tt.mid), stamp(old), stamp(end))
		}
	}
	if lo, hi, ok := w.span(); !lo.Equal(at(10)) || !hi.Equal(at(11)) || !ok {
		t.Errorf("span = %s, %s, %v; want the window [10, 11)", stamp(lo), stamp(hi), ok)
	}
}

// TestWindowAdvance: a page asked for before a cut is clipped to the new
// end; it completes the window when it reaches past the end, and otherwise
// the walk goes on up to the end only. Progress is recorded as it is
// decided, so a later cut cannot fall behind what was emitted.
func TestWindowAdvance(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	full := spread("e", 0, 2, adminapi.MaxPageSize) // seconds 0, 2, ..., 198

	t.Run("page reaches past the cut", func(t *testing.T) {
		w := newWindow(at(0), at(1000))
		if _, ok := w.cut(at(101)); !ok {
			t.Fatal("cut refused")
		}
		st, err := w.advance(slices.Clone(full), len(full), at(0), at(1000))
		if err != nil {
			t.Fatal(err)
		}
		if !st.done || len(st.ready) != 51 || !st.ready[50].CreatedAt.Equal(at(100)) || st.seed != nil {
			t.Errorf("step done=%v with %d ready (last %s), want the 51 events before the cut and done", st.done, len(st.ready), stamp(st.ready[len(st.ready)-1].CreatedAt))
		}
		if _, _, ok := w.span(); ok {
			t.Error("the window is still open after its last page")
		}
	})
	t.Run("page ends before the cut", func(t *testing.T) {
		w := newWindow(at(0), at(1000))
		if _, ok := w.cut(at(500)); !ok {
			t.Fatal("cut refused")
		}
		st, err := w.advance(slices.Clone(full), len(full), at(0), at(1000))
		if err != nil {
			t.Fatal(err)
		}
		// The last second (198) may go on beyond the page: it is read again.
		if st.done || len(st.ready) != 99 || !st.lo.Equal(at(198)) || !st.hi.Equal(at(500)) {
			t.Errorf("step done=%v, %d ready, next [%s, %s); want 99 ready and [198, 500)", st.done, len(st.ready), stamp(st.lo), stamp(st.hi))
		}
		if lo, _, _ := w.span(); !lo.Equal(at(198)) {
			t.Errorf("progress %s, want 198", stamp(lo))
		}
		if _, ok := w.cut(at(198)); ok {
			t.Error("a cut at the progress mark was accepted")
		}
	})
	t.Run("short page clipped", func(t *testing.T) {
		w := newWindow(at(0), at(1000))
		w.cut(at(20))
		short := full[:30] // seconds 0..58, the whole window
		st, err := w.advance(slices.Clone(short), len(short), at(0), at(1000))
		if err != nil {
			t.Fatal(err)
		}
		if !st.done || len(st.ready) != 10 {
			t.Errorf("step done=%v with %d ready, want the 10 events before 20 and done", st.done, len(st.ready))
		}
	})
	t.Run("busy second clipped to the cut", func(t *testing.T) {
		w := newWindow(at(0), at(1000))
		w.cut(at(6))
		busy := append(spread("e", 0, 1, 5), events("b", 5, 95)...) // seconds 0..4, then 95 in second 5
		st, err := w.advance(busy, len(busy), at(0), at(1000))
		if err != nil {
			t.Fatal(err)
		}
		if st.done || st.seed == nil || !st.drainFrom.Equal(at(5)) || !st.drainTo.Equal(at(6)) || !st.lo.Equal(at(6)) {
			t.Errorf("step done=%v, drain [%s, %s), next from %s; want second 5 drained and the window then at its end",
				st.done, stamp(st.drainFrom), stamp(st.drainTo), stamp(st.lo))
		}
	})
}

func TestCDF(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	c := newCDF([]time.Time{at(0), at(100), at(200), at(300)}, []int{100, 0, 300})
	for _, tt := range []struct {
		t    time.Time
		want float64
	}{{at(-5), 0}, {at(0), 0}, {at(50), 50}, {at(100), 100}, {at(150), 100}, {at(250), 250}, {at(300), 400}, {at(400), 400}} {
		if got := c.at(tt.t); got != tt.want {
			t.Errorf("at(%s) = %v, want %v", stamp(tt.t), got, tt.want)
		}
	}
	for _, tt := range []struct {
		v    float64
		want time.Time
	}{{0, at(0)}, {50, at(50)}, {100, at(100)}, {109, at(203)}, {250, at(250)}, {400, at(300)}, {500, at(300)}} {
		if got := c.inverse(tt.v); !got.Equal(tt.want) {
			t.Errorf("inverse(%v) = %s, want %s", tt.v, stamp(got), stamp(tt.want))
		}
	}
}
