package cli

import (
	"encoding/csv"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// countOf runs count with args and returns its JSON answer as key -> count
// (the key "" for a bare total, and for events with no user, IP or client,
// whose key is null). Days and hours with no events are left out.
func countOf(t *testing.T, app *Factory, args ...string) map[string]int {
	t.Helper()
	out := app.IO.Out.(interface{ Bytes() []byte })
	if code := runApp(t, app, append([]string{"count", "-o", "json"}, args...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, app.IO.ErrOut)
	}
	b := out.Bytes()
	if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
		return map[string]int{"": n}
	}
	var rows []struct {
		Key   *string `json:"key"`
		Count int     `json:"count"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("output is neither a number nor an array of counts: %v\n%s", err, b)
	}
	joined := strings.Join(args, " ")
	timed := strings.Contains(joined, "--by day") || strings.Contains(joined, "--by hour")
	m := map[string]int{}
	prev := -1
	for i, r := range rows {
		key := ""
		switch {
		case r.Key == nil:
		case *r.Key == "":
			t.Fatalf("row %d has the key \"\": events with no key must have the key null", i)
		default:
			key = *r.Key
		}
		if _, dup := m[key]; dup {
			t.Fatalf("key %q twice", key)
		}
		m[key] = r.Count
		if r.Count < 0 || r.Count == 0 && !timed {
			t.Errorf("row %d has count %d", i, r.Count)
		}
		if !timed {
			if prev >= 0 && r.Count > prev {
				t.Errorf("row %d (%d) after a smaller count %d", i, r.Count, prev)
			}
			prev = r.Count
		}
	}
	for k, n := range m {
		if n == 0 {
			delete(m, k)
		}
	}
	return m
}

func refCounts(events []adminapitest.Event, key func(adminapitest.Event) string) map[string]int {
	m := map[string]int{}
	for _, e := range events {
		m[key(e)]++
	}
	return m
}

func TestCount(t *testing.T) {
	s := bigStandIn(t)
	burst := burstSeconds(bigEvents)[0]
	from, to := burst.Add(-6*time.Hour), burst.Add(6*time.Hour)
	rangeArgs := []string{"--since", from.Format(time.RFC3339), "--until", to.Format(time.RFC3339)}
	inRange := s.Select(adminapi.Selection{From: from, To: to})
	auth, _ := auditlog.ExpandActivities([]string{"authentication"})
	hk := time.FixedZone("+08", 8*3600)

	tests := []struct {
		name string
		args []string
		want map[string]int
	}{
		{"total", nil, map[string]int{"": bigTotal}},
		{"total of a type", []string{"--activity", "USER_CREATED"},
			map[string]int{"": len(s.Select(adminapi.Selection{ActivityTypes: []string{"USER_CREATED"}}))}},
		{"by activity, all types", []string{"--by", "activity"},
			refCounts(s.Select(adminapi.Selection{}), func(e adminapitest.Event) string { return e.ActivityType })},
		{"by activity in a group and range", append([]string{"--by", "activity", "--activity", "authentication"}, rangeArgs...),
			refCounts(s.Select(adminapi.Selection{ActivityTypes: auth, From: from, To: to}), func(e adminapitest.Event) string { return e.ActivityType })},
		{"by ip", append([]string{"--by", "ip"}, rangeArgs...), refCounts(inRange, func(e adminapitest.Event) string { return e.IPAddress })},
		{"by user", append([]string{"--by", "user"}, rangeArgs...), refCounts(inRange, func(e adminapitest.Event) string { return e.UserID })},
		{"by client", append([]string{"--by", "client"}, rangeArgs...), refCounts(inRange, func(e adminapitest.Event) string { return e.ClientID })},
		{"by day in UTC", append([]string{"--by", "day", "--utc"}, rangeArgs...),
			refCounts(inRange, func(e adminapitest.Event) string { return e.CreatedAt.UTC().Format("2006-01-02") })},
		{"by hour in a zone", append([]string{"--by", "hour", "--tz", "+08:00"}, rangeArgs...),
			refCounts(inRange, func(e adminapitest.Event) string { return e.CreatedAt.In(hk).Format("2006-01-02T15:00-07:00") })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, _, _ := newAPITestApp(t, nil)
			got := countOf(t, app, append(slices.Clone(tt.args), connArgs(t, s)...)...)
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %d keys, want %d\ngot  %v\nwant %v", len(got), len(tt.want), got, tt.want)
			}
		})
	}
}

func TestCountByActivityUsesTotalCount(t *testing.T) {
	s := bigStandIn(t)
	app, _, _ := newAPITestApp(t, nil)
	before := s.Stats()
	got := countOf(t, app, append([]string{"--by", "activity", "--activity", "messaging,user"}, connArgs(t, s)...)...)
	after := s.Stats()
	types, _ := auditlog.ExpandActivities([]string{"messaging,user"})
	if n := after.Requests - before.Requests; n != int64(adminapi.CountRequests(len(types))) {
		t.Errorf("%d requests, want the %d counts aliased into %d", n, len(types), adminapi.CountRequests(len(types)))
	}
	if n := after.CountQueries - before.CountQueries; n != int64(len(types)) {
		t.Errorf("%d totalCount queries, want %d", n, len(types))
	}
	if len(got) == 0 {
		t.Error("no counts")
	}
}

// TestCountByActivityFails checks that one failed count fails the command
// with exit 4 and says which type it was counting, instead of printing a
// table with that type missing.
func TestCountByActivityFails(t *testing.T) {
	events, users, _ := faultEvents()
	s := adminapitest.New(t, adminapitest.WithEvents(events, users))
	s.Inject(adminapitest.Fault{GraphQLError: "count is on fire"})
	app, out, errb := newAPITestApp(t, nil)
	code := runApp(t, app, append([]string{"count", "--by", "activity", "--activity", "messaging", "-o", "json"}, connArgs(t, s)...)...)
	if code != ExitAPI {
		t.Fatalf("exit %d, want %d: %s", code, ExitAPI, errb)
	}
	if line := errb.String(); !strings.Contains(line, "count ") || !strings.Contains(line, "count is on fire") {
		t.Errorf("stderr %q does not name the count and quote the server", line)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q despite the failure", out)
	}
}

func TestCountFormats(t *testing.T) {
	fx := newInputFixture(t)
	want := refCounts(fx.events, func(e adminapitest.Event) string { return e.ActivityType })
	total := len(fx.events)

	t.Run("table on a terminal", func(t *testing.T) {
		app, out, errb := newTestApp(t, nil)
		app.IO.OutTTY = true
		if code := runApp(t, app, "count", "--input", fx.jsonl, "--by", "activity"); code != 0 {
			t.Fatalf("exit %d: %s", code, errb)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if f := strings.Fields(lines[0]); !slices.Equal(f, []string{"ACTIVITY", "COUNT"}) {
			t.Errorf("header %q", lines[0])
		}
		if f := strings.Fields(lines[len(lines)-1]); !slices.Equal(f, []string{"TOTAL", strconv.Itoa(total)}) {
			t.Errorf("last line %q, want the total %d", lines[len(lines)-1], total)
		}
		if len(lines) != len(want)+2 {
			t.Errorf("%d lines, want %d", len(lines), len(want)+2)
		}
	})
	t.Run("total on a pipe", func(t *testing.T) {
		app, out, _ := newTestApp(t, nil)
		if code := runApp(t, app, "count", "--input", fx.csvgz); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if out.String() != strconv.Itoa(total)+"\n" {
			t.Errorf("output %q, want %d", out, total)
		}
	})
	t.Run("csv", func(t *testing.T) {
		app, out, _ := newTestApp(t, nil)
		if code := runApp(t, app, "count", "--input", fx.jsonl, "--by", "activity", "-o", "csv"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(recs[0], []string{"activity", "count"}) {
			t.Errorf("header %v", recs[0])
		}
		got := map[string]int{}
		for _, r := range recs[1:] {
			got[r[0]], _ = strconv.Atoi(r[1])
		}
		if !maps.Equal(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})
	t.Run("input with a user", func(t *testing.T) {
		u := busiestUser(fx.events, fx.users, func(u adminapitest.User) bool { return u.Email != "" })
		sel := adminapi.Selection{UserIDs: []string{auditlog.UserNodeIDOf(u.ID)}, EmailAddresses: []string{u.Email}}
		app, _, _ := newTestApp(t, nil)
		got := countOf(t, app, "--input", fx.jsonl, "--user", u.Email)
		if n := len(fx.server.Select(sel)); got[""] != n {
			t.Errorf("count %d, want %d", got[""], n)
		}
	})
}

func TestCountBadInput(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--by", "week"}, `--by: unknown grouping "week": use activity, user, ip, client, day, hour`},
		{[]string{"-o", "jsonl"}, `--output: unknown format "jsonl": use table, json, csv`},
		{[]string{"--activity", "nope"}, `--activity: unknown activity "nope" (see 'authgear-audit activity-types')`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			if code := runApp(t, app, append([]string{"count"}, tt.args...)...); code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if lines := stderrLines(errb); len(lines) == 0 || lines[0] != "authgear-audit: "+tt.msg {
				t.Errorf("stderr = %q, want first line %q", lines, "authgear-audit: "+tt.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
		})
	}
}
