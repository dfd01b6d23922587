package adminapitest

import (
	"slices"
	"testing"
)

// burstOf makes n events of one type in one second.
func burstOf(prefix, typ string, n int) []Event {
	evs := mkEvents(prefix, n, at(8, 0, 0), true)
	for i := range evs {
		evs[i].ActivityType = typ
	}
	return evs
}

// pageIDs reads one page of the 08:00:00 second at offset with page size
// first, filtered to types (nil: unfiltered).
func pageIDs(t *testing.T, s *Server, types []string, offset, first int, dir string) []string {
	t.Helper()
	vars := map[string]any{
		"rangeFrom": "2026-11-10T08:00:00Z", "rangeTo": "2026-11-10T08:00:01Z",
		"first": first, "after": encodeCursor(offset - 1), "sortDirection": dir,
	}
	if offset == 0 {
		delete(vars, "after")
	}
	if types != nil {
		vars["activityTypes"] = types
	}
	p := fetchPage(t, s, vars)
	ids := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		ids[i] = e.Node.ID
	}
	return ids
}

func distinctOver(t *testing.T, s *Server, types []string, n, step int) int {
	t.Helper()
	seen := map[string]bool{}
	for off := 0; off < n; off += step {
		for _, id := range pageIDs(t, s, types, off, 100, "ASC") {
			seen[id] = true
		}
	}
	return len(seen)
}

// The measurements of the notes on the Admin API, "How the real server
// orders ties", reproduced.
func TestTiesPostgresMeasurements(t *testing.T) {
	s := New(t) // TiesPostgres is the default
	s.Add(burstOf("m", "EMAIL_SENT", 512)...)
	s.Add(burstOf("o", "USER_AUTHENTICATED", 300)...)
	email := []string{"EMAIL_SENT"}

	// Pages at offsets 0, 100, 200, ... give 511 distinct events every
	// run; pages at 0, 99, 198, ... give all 512.
	for range 3 {
		if got := distinctOver(t, s, email, 512, 100); got != 511 {
			t.Fatalf("offsets step 100: %d distinct, want 511", got)
		}
	}
	if got := distinctOver(t, s, email, 512, 99); got != 512 {
		t.Fatalf("offsets step 99: %d distinct, want 512", got)
	}

	// The page pattern: with n > 2K the row at the offset is skipped and
	// S[0] closes the page; with n <= 2K the page is S[offset..K-1].
	p0 := pageIDs(t, s, email, 0, 100, "ASC")
	p100 := pageIDs(t, s, email, 100, 100, "ASC")
	p99 := pageIDs(t, s, email, 99, 100, "ASC")
	s0 := p0[99]
	if p100[99] != s0 || p99[99] != s0 {
		t.Fatalf("S[0] does not close pages at offsets 100 and 99")
	}
	// Offset 99 gives S[100..198], offset 100 gives S[101..199].
	if p99[0] == p100[0] || p99[1] != p100[0] {
		t.Fatalf("offset 99 should start one row before offset 100: %v.. vs %v..", p99[:2], p100[:2])
	}
	p200, p300 := pageIDs(t, s, email, 200, 100, "ASC"), pageIDs(t, s, email, 300, 100, "ASC")
	for _, id := range p200 {
		if slices.Contains(p300, id) {
			t.Fatalf("sorted pages at 200 and 300 overlap at %s", id)
		}
	}

	// The same query always returns the same page.
	if again := pageIDs(t, s, email, 100, 100, "ASC"); !slices.Equal(again, p100) {
		t.Fatal("the same query returned another page")
	}

	// Two types over a 777-event second lose 2 at offsets 0, 100, ...
	s2 := New(t)
	s2.Add(burstOf("d", "USER_DELETED", 400)...)
	s2.Add(burstOf("a", "ADMIN_API_MUTATION_DELETE_USER_EXECUTED", 377)...)
	if got := distinctOver(t, s2, []string{"USER_DELETED", "ADMIN_API_MUTATION_DELETE_USER_EXECUTED"}, 777, 100); got != 775 {
		t.Fatalf("777 events of two types: %d distinct, want 775", got)
	}

	// Without a filter the index order holds at every offset.
	if got := distinctOver(t, s, nil, 812, 100); got != 812 {
		t.Fatalf("unfiltered: %d distinct, want 812", got)
	}
	if got := len(pageIDs(t, s, email, 0, 100, "DESC")); got != 100 {
		t.Fatalf("descending page: %d events", got)
	}
}

func TestTiesPerWindow(t *testing.T) {
	s := New(t, WithTies(TiesPerWindow))
	s.Add(burstOf("m", "EMAIL_SENT", 300)...)
	a := pageIDs(t, s, nil, 100, 100, "ASC")
	if b := pageIDs(t, s, nil, 100, 100, "ASC"); !slices.Equal(a, b) {
		t.Fatal("the same window gave two pages")
	}
	// Another page size or offset draws another order: overlapping windows
	// hold different subsets, so re-reading the same windows never helps
	// but varying them does.
	c := pageIDs(t, s, nil, 100, 99, "ASC")
	d := pageIDs(t, s, nil, 101, 100, "ASC")
	if slices.Equal(a[:99], c) || slices.Equal(a[1:], d[:99]) {
		t.Fatal("windows of another size or offset kept the same order")
	}
	seen := map[string]bool{}
	for range 5 {
		for _, id := range pageIDs(t, s, nil, 0, 100, "ASC") {
			seen[id] = true
		}
	}
	if len(seen) != 100 {
		t.Fatalf("one window read five times gave %d events", len(seen))
	}
}

func TestSeedReplaysTheOrder(t *testing.T) {
	read := func(ties Ties) [][]string {
		s := New(t, WithTies(ties), WithSeed(42))
		s.Add(burstOf("m", "EMAIL_SENT", 300)...)
		var out [][]string
		for _, off := range []int{0, 50, 100} {
			out = append(out, pageIDs(t, s, []string{"EMAIL_SENT"}, off, 100, "ASC"))
		}
		return out
	}
	for _, ties := range AllTies() {
		if a, b := read(ties), read(ties); !slices.EqualFunc(a, b, slices.Equal) {
			t.Errorf("%s: two servers with one seed answered differently", ties)
		}
	}
}

func TestParseTies(t *testing.T) {
	for _, ties := range AllTies() {
		got, err := ParseTies(ties.String())
		if err != nil || got != ties {
			t.Errorf("ParseTies(%q) = %v, %v", ties.String(), got, err)
		}
	}
	if _, err := ParseTies("random"); err == nil {
		t.Error("ParseTies(random) took it")
	}
}
