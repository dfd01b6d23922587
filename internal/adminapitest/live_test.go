package adminapitest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func TestArrivalsFollowGenerate(t *testing.T) {
	end := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	o := GenOptions{Seed: 7, Count: 500, End: end, Project: "myapp"}
	evs, users := Generate(o)
	a := NewArrivals(o, int64(len(evs)))
	at := end.Add(90*time.Second + 400*time.Millisecond)
	steady := a.Next(at, 50, false)
	storm := a.Next(at.Add(time.Second), 30, true)
	if len(steady) != 50 || len(storm) != 30 {
		t.Fatalf("%d and %d events, want 50 and 30", len(steady), len(storm))
	}

	known := map[string]bool{} // users of the generated events, deleted ones too
	ids := map[string]bool{}
	for _, u := range users {
		known[u.ID] = true
	}
	for _, e := range evs {
		if e.UserID != "" {
			known[e.UserID] = true
		}
		ids[e.ID] = true
	}
	types := map[string]bool{}
	for _, c := range auditlog.Catalog() {
		types[c.Enum] = true
	}
	stormTypes := map[string]bool{
		"USER_AUTHENTICATED": true, "AUTHENTICATION_PRIMARY_PASSWORD_FAILED": true, "RATE_LIMIT_BLOCKED": true,
		"SMS_SENT": true, "EMAIL_SENT": true, "AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED": true,
		"BOT_PROTECTION_VERIFICATION_FAILED": true,
	}

	seq := int64(len(evs))
	for i, e := range append(steady, storm...) {
		seq++
		wantAt := at.Truncate(time.Second)
		if i >= len(steady) {
			wantAt = wantAt.Add(time.Second)
			if !stormTypes[e.ActivityType] {
				t.Errorf("burst event of type %s, not one of a login storm", e.ActivityType)
			}
		}
		if e.Seq != seq || !e.CreatedAt.Equal(wantAt) || !types[e.ActivityType] {
			t.Fatalf("event %d: seq %d at %s type %s, want seq %d at %s", i, e.Seq, e.CreatedAt, e.ActivityType, seq, wantAt)
		}
		if ids[e.ID] {
			t.Fatalf("event %d repeats ID %s", i, e.ID)
		}
		ids[e.ID] = true
		if e.UserID != "" && !known[e.UserID] {
			t.Errorf("event %d: user %s is not one of Generate's", i, e.UserID)
		}
		var data struct {
			Seq     int64
			Context struct {
				Timestamp int64
				AppID     string `json:"app_id"`
			}
		}
		if err := json.Unmarshal(e.Data, &data); err != nil {
			t.Fatal(err)
		}
		if data.Seq != e.Seq || data.Context.Timestamp != wantAt.Unix() || data.Context.AppID != "myapp" {
			t.Errorf("event %d: data says seq %d, timestamp %d, app %q", i, data.Seq, data.Context.Timestamp, data.Context.AppID)
		}
	}
}
