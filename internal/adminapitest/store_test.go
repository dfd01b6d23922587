package adminapitest

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
)

func TestAddKeepsOrder(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("a", 5, at(8, 0, 10), false)...) // 10..14
	s.Add(mkEvents("b", 5, at(8, 0, 0), false)...)  // 0..4, before all
	s.Add(Event{ID: "c", Seq: 99, CreatedAt: at(8, 0, 12).Add(700 * time.Millisecond), ActivityType: "USER_CREATED", Data: json.RawMessage(`{}`)})
	var got []string
	for _, e := range s.Events() {
		got = append(got, e.ID)
		if e.CreatedAt.Nanosecond() != 0 || e.CreatedAt.Location() != time.UTC {
			t.Errorf("%s createdAt %v not whole UTC seconds", e.ID, e.CreatedAt)
		}
	}
	want := []string{"b0", "b1", "b2", "b3", "b4", "a0", "a1", "a2", "c", "a3", "a4"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	// node(id) still finds events after a merge moved them.
	g := gql(t, s, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": AuditLogNodeID("a1")})
	if string(g.Data) != `{"node":{"id":"`+AuditLogNodeID("a1")+`"}}` {
		t.Errorf("node after merge: %s", g.Data)
	}
}

func TestForeignTypesNeverReturned(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 3, at(8, 0, 0), false)...)
	s.Add(Event{ID: "site", Seq: 9, CreatedAt: at(8, 0, 1), ActivityType: "SITE_ADMIN_SOMETHING", Data: json.RawMessage(`{}`)})
	p := fetchPage(t, s, nil)
	if len(p.Edges) != 3 || *p.TotalCount != 3 {
		t.Fatalf("%d edges, totalCount %d, want 3", len(p.Edges), *p.TotalCount)
	}
	if got := s.Select(adminapi.Selection{}); len(got) != 3 {
		t.Errorf("Select returned %d", len(got))
	}
	g := gql(t, s, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": AuditLogNodeID("site")})
	if string(g.Data) != `{"node":null}` {
		t.Errorf("node of a foreign type: %s", g.Data)
	}
}

func TestSelect(t *testing.T) {
	events, users := userEvents()
	s := New(t, WithEvents(events, users))
	ids := func(sel adminapi.Selection) string {
		out := ""
		for _, e := range s.Select(sel) {
			out += e.ID
		}
		return out
	}
	tests := []struct {
		sel  adminapi.Selection
		want string
	}{
		{adminapi.Selection{}, "abcdef"},
		{adminapi.Selection{From: at(9, 0, 1), To: at(9, 0, 3)}, "bc"},
		{adminapi.Selection{From: at(9, 0, 1).In(time.FixedZone("HKT", 8*3600))}, "bcdef"}, // the instant, not the wall clock
		{adminapi.Selection{ActivityTypes: []string{"EMAIL_SENT"}}, "bd"},
		{adminapi.Selection{UserIDs: []string{UserNodeID("u1")}, PhoneNumbers: []string{"+85291234567"}}, "abc"},
	}
	for _, tt := range tests {
		if got := ids(tt.sel); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.sel, got, tt.want)
		}
	}
}

// Walking a burst with cursors, as the portal does, loses and repeats
// events: the hazard the stand-in must reproduce.
func TestCursorWalkOverBurstIsUnreliable(t *testing.T) {
	s := New(t, WithTies(TiesReshuffled))
	s.Add(mkEvents("b", 250, at(8, 0, 0), true)...)
	bad := 0
	for range 5 {
		ids := walkIDs(t, s, map[string]any{"sortDirection": "ASC"})
		if len(ids) != 250 {
			t.Fatalf("walk returned %d", len(ids))
		}
		if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 250 {
			bad++
		}
	}
	// Each walk is complete only with probability well below 1e-10.
	if bad == 0 {
		t.Fatal("five cursor walks over a shuffled 250-event second were all exact")
	}
	s.SetTies(TiesStable)
	ids := walkIDs(t, s, map[string]any{"sortDirection": "DESC"})
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 250 {
		t.Fatal("stable ties: walk not exact")
	}
}

func TestNoDuplicatesWithinAPage(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("b", 150, at(8, 0, 0), true)...)
	s.Add(mkEvents("c", 150, at(8, 0, 1), true)...)
	for _, dir := range []string{"ASC", "DESC"} {
		for _, after := range []string{"", encodeCursor(49), encodeCursor(99), encodeCursor(149), encodeCursor(249)} {
			p := fetchPage(t, s, map[string]any{"sortDirection": dir, "after": after})
			seen := map[string]bool{}
			var prev string
			for _, e := range p.Edges {
				if seen[e.Node.ID] {
					t.Fatalf("%s after %q: %s twice in one page", dir, after, e.Node.ID)
				}
				seen[e.Node.ID] = true
				if prev != "" && ((dir == "ASC" && e.Node.CreatedAt < prev) || (dir == "DESC" && e.Node.CreatedAt > prev)) {
					t.Fatalf("%s: createdAt order broken", dir)
				}
				prev = e.Node.CreatedAt
			}
		}
	}
}

func TestConcurrentAddAndQuery(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 500, at(8, 0, 0), false)...)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 50 {
			s.Add(mkEvents("n"+itoa(i)+"-", 10, at(7, 0, i), false)...) // in the middle of the table
		}
	}()
	go func() {
		defer wg.Done()
		for range 20 {
			fetchPage(t, s, map[string]any{"sortDirection": "ASC"})
			s.Select(adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}})
		}
	}()
	wg.Wait()
	if n := s.Len(); n != 1000 {
		t.Fatalf("%d events, want 1000", n)
	}
	if p := fetchPage(t, s, nil); *p.TotalCount != 1000 {
		t.Fatalf("totalCount %d", *p.TotalCount)
	}
}
