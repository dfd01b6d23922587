package adminapitest

import (
	"cmp"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Ties is the order in which the server returns events that share a second.
// The API orders by createdAt with no tiebreaker, so that order is the
// database's choice; a client must be right under every one of these.
type Ties int

const (
	// TiesPostgres is what a real server does (measured, see the notes on
	// the Admin API, "How the real server orders ties"). A query without a
	// type, user or recipient filter walks the created_at index: one fixed
	// order, the same at every offset. A filtered query scans its rows in an
	// arbitrary fixed order and sorts them as PostgreSQL does under a LIMIT:
	// with a bounded heap of offset+limit rows when more than twice that
	// many match. Then the row at the offset is never returned and the
	// first row scanned closes every page. The same query always returns
	// the same page.
	TiesPostgres Ties = iota
	// TiesReshuffled puts ties in a fresh random order on every request.
	TiesReshuffled
	// TiesPerWindow fixes the order for a query but draws it afresh for
	// every offset and page size: re-reading a page finds nothing new, and
	// two overlapping windows may hold any subsets of the tie.
	TiesPerWindow
	// TiesStable keeps ties in the order they were stored.
	TiesStable
)

// AllTies lists every regime, for tests that must hold under each.
func AllTies() []Ties { return []Ties{TiesPostgres, TiesReshuffled, TiesPerWindow, TiesStable} }

var tiesNames = [...]string{"postgres", "reshuffled", "per-window", "stable"}

func (t Ties) String() string {
	if t < 0 || int(t) >= len(tiesNames) {
		return "ties(" + strconv.Itoa(int(t)) + ")"
	}
	return tiesNames[t]
}

// ParseTies reads a regime by its name.
func ParseTies(s string) (Ties, error) {
	for i, n := range tiesNames {
		if strings.EqualFold(s, n) {
			return Ties(i), nil
		}
	}
	return 0, fmt.Errorf("unknown tie order %q (want %s)", s, strings.Join(tiesNames[:], ", "))
}

// WithTies sets the order of ties (default TiesPostgres).
func WithTies(t Ties) Option { return func(s *Server) { s.SetTies(t) } }

// WithSeed seeds every random choice of the server (the tie orders). New
// derives a seed from STANDIN_SEED or a fresh one and logs it when the test
// fails; WithSeed overrides that.
func WithSeed(seed uint64) Option { return func(s *Server) { s.seed = seed } }

// SetTies changes the order of ties.
func (s *Server) SetTies(t Ties) { s.ties.Store(int32(t)) }

// TiesOrder returns the current order of ties.
func (s *Server) TiesOrder() Ties { return Ties(s.ties.Load()) }

// Seed returns the seed of the server's random choices.
func (s *Server) Seed() uint64 { return s.seed }

// SeedEnv names the variable that replays a failed test's random choices.
const SeedEnv = "STANDIN_SEED"

// baseSeed is the seed of this test process: STANDIN_SEED, or random.
var baseSeed = sync.OnceValue(func() uint64 {
	if v := os.Getenv(SeedEnv); v != "" {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			return n
		}
	}
	var b [8]byte
	_, _ = crand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
})

// serversPerTest numbers the servers a test makes, so that each gets its
// own seed and a replay gives each the same one again.
var serversPerTest sync.Map // test name -> *int64 counter

// testSeed is the seed of the next server of test t.
func testSeed(t testing.TB) uint64 {
	v, _ := serversPerTest.LoadOrStore(t.Name(), new(int64))
	p := v.(*int64)
	seedMu.Lock()
	*p++
	n := *p
	seedMu.Unlock()
	return mix(baseSeed(), t.Name(), strconv.FormatInt(n, 10))
}

var seedMu sync.Mutex

// logSeedOnFailure tells how to replay a failed test.
func (s *Server) logSeedOnFailure(t testing.TB) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stand-in: ties %s, seed %d; replay with %s=%d", s.TiesOrder(), s.seed, SeedEnv, baseSeed())
		}
	})
}

// mix hashes a seed and strings into a new seed.
func mix(seed uint64, parts ...string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	_, _ = h.Write(b[:])
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// requestRand is a source for one request's random choices.
func (s *Server) requestRand() *rand.Rand {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(s.seed, 0x5eed))
	}
	return rand.New(rand.NewPCG(s.rng.Uint64(), s.rng.Uint64()))
}

// key identifies what a filter selects, for orders fixed per query.
func (f *filter) key() string {
	var b strings.Builder
	b.WriteString(f.from.Format(time.RFC3339))
	b.WriteByte('|')
	b.WriteString(f.to.Format(time.RFC3339))
	for _, m := range []map[string]bool{f.types, f.users, f.recipients} {
		b.WriteByte('|')
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString(strings.Join(keys, ","))
	}
	return b.String()
}

// scanKey is the part of a filter that picks the index a database scans,
// and with it the order in which rows that tie are met.
func (f *filter) scanKey() string {
	g := *f
	g.from, g.to = time.Time{}, time.Time{}
	return g.key()
}

// Hide makes the server count events but never return them, as a broken
// server would: pages are filled with the events after them, and only
// totalCount tells. A client must fail rather than loop or go short.
func (s *Server) Hide(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hidden == nil {
		s.hidden = map[string]bool{}
	}
	for _, id := range ids {
		s.hidden[id] = true
	}
}

// page returns positions [start, start+limit) of o, ties ordered as the
// server's regime says. The caller holds the read lock.
func (s *Server) page(o ordered, f *filter, start, limit int) []Event {
	end := min(o.n, start+limit)
	switch s.TiesOrder() {
	case TiesStable:
		return o.window(start, end, nil, true)
	case TiesReshuffled:
		return o.window(start, end, s.requestRand(), false)
	case TiesPerWindow:
		h := mix(s.seed, f.key(), strconv.FormatBool(o.reverse), strconv.Itoa(start), strconv.Itoa(limit))
		return o.window(start, end, rand.New(rand.NewPCG(h, h>>1|1)), false)
	default:
		if !f.narrows() {
			return o.window(start, end, nil, true)
		}
		return o.postgres(start, limit, mix(s.seed, f.scanKey()))
	}
}

// postgres returns positions [start, start+limit) the way PostgreSQL
// answers ORDER BY created_at OFFSET start LIMIT limit over rows that an
// index scan returns in an arbitrary order: created_at ascending, ties in a
// fixed order that depends on the scan (seed). With more than twice
// start+limit rows, tuplesort keeps a bounded heap of start+limit rows
// (make_bounded_heap) and unheaps it in place (sort_bounded_heap);
// otherwise it sorts them all, and a run of equal keys keeps its order.
func (o *ordered) postgres(start, limit int, seed uint64) []Event {
	rows := make([]*Event, o.n)
	for p := range o.n {
		rows[p] = o.asc(p)
	}
	tie := func(e *Event) uint64 { return mix(seed, e.ID) }
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].CreatedAt.Equal(rows[i].CreatedAt) {
			j++
		}
		slices.SortFunc(rows[i:j], func(a, b *Event) int { return cmp.Compare(tie(a), tie(b)) })
		i = j
	}
	compare := func(a, b *Event) int {
		c := a.CreatedAt.Compare(b.CreatedAt)
		if o.reverse {
			return -c
		}
		return c
	}
	k := start + limit
	var sorted []*Event
	if len(rows) > 2*k {
		sorted = boundedHeapSort(rows, k, compare)
	} else {
		sorted = slices.Clone(rows)
		slices.SortStableFunc(sorted, compare)
	}
	if start >= len(sorted) {
		return nil
	}
	out := make([]Event, 0, min(limit, len(sorted)-start))
	for _, e := range sorted[start:min(k, len(sorted))] {
		out = append(out, *e)
	}
	return out
}

// boundedHeapSort is PostgreSQL's bounded sort (tuplesort.c): the k
// smallest rows by compare, in the order its heap gives them up. The heap
// is kept with the direction reversed, so its top is the largest row kept;
// a row that ties with the top is discarded.
func boundedHeapSort(rows []*Event, k int, compare func(a, b *Event) int) []*Event {
	rev := func(a, b *Event) int { return -compare(a, b) }
	h := make([]*Event, 0, k)
	for _, r := range rows {
		if len(h) < k {
			h = heapInsert(h, r, rev)
			continue
		}
		if rev(r, h[0]) <= 0 {
			continue
		}
		heapReplaceTop(h, r, rev)
	}
	// sort_bounded_heap: each delete-top frees the last slot, where the
	// removed top goes.
	for n := len(h); n > 1; {
		top := h[0]
		n--
		heapReplaceTop(h[:n], h[n], rev)
		h[n] = top
	}
	return h
}

// heapInsert is tuplesort_heap_insert: sift up, stopping at an equal parent.
func heapInsert(h []*Event, r *Event, cmp func(a, b *Event) int) []*Event {
	j := len(h)
	h = append(h, nil)
	for j > 0 {
		i := (j - 1) >> 1
		if cmp(r, h[i]) >= 0 {
			break
		}
		h[j] = h[i]
		j = i
	}
	h[j] = r
	return h
}

// heapReplaceTop is tuplesort_heap_replace_top: r takes the top's place
// and sifts down, preferring the left child on equal keys.
func heapReplaceTop(h []*Event, r *Event, cmp func(a, b *Event) int) {
	n := len(h)
	i := 0
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if j+1 < n && cmp(h[j], h[j+1]) > 0 {
			j++
		}
		if cmp(r, h[j]) <= 0 {
			break
		}
		h[i] = h[j]
		i = j
	}
	h[i] = r
}
