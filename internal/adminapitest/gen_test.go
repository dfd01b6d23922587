package adminapitest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestGenerate(t *testing.T) {
	o := GenOptions{Seed: 7, Count: 2000, Bursts: 3, BurstSize: 120, Users: 200, Nasty: true,
		Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)}
	events, users := Generate(o)
	if len(events) != 2360 {
		t.Fatalf("%d events, want 2360", len(events))
	}
	again, users2 := Generate(o)
	for i := range events {
		if events[i].ID != again[i].ID || !bytes.Equal(events[i].Data, again[i].Data) {
			t.Fatalf("event %d differs between runs with the same seed", i)
		}
	}
	if len(users) != len(users2) || len(users) >= 200 || len(users) < 160 {
		t.Fatalf("%d live users of 200", len(users))
	}
	other, _ := Generate(GenOptions{Seed: 8, Count: 10})
	if other[0].ID == events[0].ID {
		t.Fatal("different seeds give the same events")
	}

	live := map[string]bool{}
	for _, u := range users {
		live[u.ID] = true
	}
	types := map[string]int{}
	seconds := map[int64]int{}
	var size, deleted, noUser, nullGeo, nasty int
	for i, e := range events {
		if i > 0 && (e.CreatedAt.Before(events[i-1].CreatedAt) || e.Seq <= events[i-1].Seq) {
			t.Fatalf("event %d out of order", i)
		}
		if e.CreatedAt.Before(o.Start) || !e.CreatedAt.Before(o.End) || e.CreatedAt.Nanosecond() != 0 {
			t.Fatalf("event %d at %v", i, e.CreatedAt)
		}
		if !uuidRE.MatchString(e.ID) {
			t.Fatalf("event ID %q is not a v4 UUID", e.ID)
		}
		types[e.ActivityType]++
		seconds[e.CreatedAt.Unix()]++
		size += len(e.Data)
		var d struct {
			ID      string         `json:"id"`
			Seq     int64          `json:"seq"`
			Type    string         `json:"type"`
			Payload map[string]any `json:"payload"`
			Context map[string]any `json:"context"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatalf("event %d data: %v", i, err)
		}
		a, ok := auditlog.LookupActivity(e.ActivityType)
		if !ok || d.Type != a.EventType || d.ID != e.ID || d.Seq != e.Seq {
			t.Fatalf("event %d: type %q/%q id %q seq %d", i, e.ActivityType, d.Type, d.ID, d.Seq)
		}
		if ts, _ := d.Context["timestamp"].(float64); int64(ts) != e.CreatedAt.Unix() {
			t.Fatalf("event %d timestamp %v", i, d.Context["timestamp"])
		}
		uid, _ := d.Context["user_id"].(string)
		if uid != e.UserID {
			t.Fatalf("event %d user_id %q vs %q", i, uid, e.UserID)
		}
		if e.UserID == "" {
			noUser++
		} else if !live[e.UserID] {
			deleted++
		}
		if rcp, _ := d.Payload["recipient"].(string); rcp != e.Recipient {
			t.Fatalf("event %d recipient %q vs %q", i, rcp, e.Recipient)
		}
		if strings.HasSuffix(a.EventType, ".sent") && e.Recipient == "" {
			t.Fatalf("event %d: %s without recipient", i, e.ActivityType)
		}
		if ip, _ := d.Context["ip_address"].(string); ip != e.IPAddress {
			t.Fatalf("event %d ip %q vs %q", i, ip, e.IPAddress)
		}
		if v, ok := d.Context["geo_location_code"]; ok && v == nil {
			nullGeo++
		}
		if strings.ContainsAny(string(e.Data), "\u202e") || strings.Contains(string(e.Data), `\u001b`) || strings.Contains(e.UserAgent, "=HYPERLINK") {
			nasty++
		}
		// Keys in alphabetical order: re-marshalling through a map changes nothing.
		if i < 300 {
			var m map[string]any
			_ = json.Unmarshal(e.Data, &m)
			if b, _ := json.Marshal(m); !bytes.Equal(b, e.Data) {
				t.Fatalf("event %d data keys not in order:\n%s\n%s", i, e.Data, b)
			}
		}
	}
	if len(types) != len(auditlog.Catalog()) {
		t.Errorf("%d activity types occur, want %d", len(types), len(auditlog.Catalog()))
	}
	if types["USER_AUTHENTICATED"] < types["ADMIN_API_MUTATION_DELETE_USER_EXECUTED"]*20 {
		t.Errorf("weights: %d sign-ins, %d admin deletes", types["USER_AUTHENTICATED"], types["ADMIN_API_MUTATION_DELETE_USER_EXECUTED"])
	}
	bursts := 0
	for _, n := range seconds {
		if n >= 120 {
			bursts++
		}
	}
	if bursts != 3 {
		t.Errorf("%d seconds with 120+ events, want 3", bursts)
	}
	avg := size / len(events)
	if avg < 900 || avg > 1600 {
		t.Errorf("average data size %d bytes, want about 1200", avg)
	}
	if deleted == 0 || noUser == 0 || nullGeo == 0 || nasty == 0 {
		t.Errorf("deleted-user events %d, no-user %d, null geo %d, nasty %d: want some of each", deleted, noUser, nullGeo, nasty)
	}
	t.Logf("average data %d bytes; %d types; %d deleted-user events", avg, len(types), deleted)

	// The server's reference answer agrees with a walk.
	s := New(t, WithEvents(events, users))
	sel := adminapi.Selection{ActivityTypes: []string{"EMAIL_SENT"}, From: o.Start.Add(24 * time.Hour), To: o.Start.Add(72 * time.Hour)}
	want := s.Select(sel)
	got := walkIDs(t, s, map[string]any{"activityTypes": sel.ActivityTypes,
		"rangeFrom": sel.From.Format(time.RFC3339), "rangeTo": sel.To.Format(time.RFC3339), "sortDirection": "ASC"})
	wantIDs := make([]string, len(want))
	for i, e := range want {
		wantIDs[i] = e.ID
	}
	slices.Sort(wantIDs)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(got, wantIDs) {
		t.Errorf("walk %d events, Select %d", len(got), len(want))
	}
}
