package cli

import (
	"encoding/csv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// TestCountByDayDownloadsNothing: count --by day over a month of a busy
// project is one request of 31 aliased totalCounts: not one page of events
// is downloaded, whatever the number of events.
func TestCountByDayDownloadsNothing(t *testing.T) {
	bigStandIn(t) // the events
	s := adminapitest.New(t, adminapitest.WithEvents(bigEvents, bigUsers), adminapitest.WithTies(adminapitest.TiesReshuffled))
	app, _, errb := newAPITestApp(t, nil)
	before := s.Stats()
	got := countOf(t, app, append([]string{"--by", "day", "--since", "2026-10-25", "--until", "2026-11-24", "--utc"}, connArgs(t, s)...)...)
	after := s.Stats()
	if n := after.ByOperation["AuditLogPage"] - before.ByOperation["AuditLogPage"]; n != 0 {
		t.Errorf("%d pages of events downloaded, want none", n)
	}
	if n := after.Requests - before.Requests; n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if n := after.CountQueries - before.CountQueries; n != 31 {
		t.Errorf("%d totalCounts, want one per day (31)", n)
	}
	want := refCounts(bigEvents, func(e adminapitest.Event) string { return e.CreatedAt.UTC().Format("2006-01-02") })
	if !maps.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if errb.Len() != 0 {
		t.Errorf("stderr %q", errb)
	}
}

// chartLines runs count on a terminal of the given width and returns the
// lines of its table.
func chartLines(t *testing.T, width int, args ...string) []string {
	t.Helper()
	app, out, errb := newAPITestApp(t, map[string]string{"COLUMNS": strconv.Itoa(width)})
	app.IO.OutTTY = true
	if code := runApp(t, app, append([]string{"count"}, args...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// barAt is where a line's bar starts, in characters, and its length in
// eighths of a cell; -1 and 0 when it has none.
func barAt(line string) (int, int) {
	i := strings.IndexAny(line, "█▏▎▍▌▋▊▉")
	if i < 0 {
		return -1, 0
	}
	eighths := 0
	for _, r := range line[i:] {
		if r == '█' {
			eighths += 8
		} else if j := strings.IndexRune("▏▎▍▌▋▊▉", r); j >= 0 {
			eighths += utf8.RuneCountInString("▏▎▍▌▋▊▉"[:j]) + 1
		}
	}
	return utf8.RuneCountInString(line[:i]), eighths
}

// TestCountChart: on a terminal of 80 and of 200 columns, count --by hour
// over the day of a login storm draws a bar per hour, aligned, within the
// width, the storm's hour the full room and every other hour a sliver of
// it; every grouping gets bars; --no-chart and a pipe have none, and JSON
// and CSV are the same on a terminal as in a pipe.
func TestCountChart(t *testing.T) {
	// A quiet day, and a storm of 1,500 failed logins in one second.
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 5, Count: 1200, Start: day, End: day.Add(24 * time.Hour), BurstSizes: []int{1500}})
	s := adminapitest.New(t, adminapitest.WithEvents(events, users))
	burst := burstSeconds(events)[0]
	rng := []string{"--since", rfc(day), "--until", rfc(day.Add(24 * time.Hour)), "--utc"}
	conn := connArgs(t, s)
	for _, width := range []int{80, 200} {
		lines := chartLines(t, width, slices.Concat([]string{"--by", "hour"}, rng, conn)...)
		if len(lines) != 26 {
			t.Fatalf("width %d: %d lines, want a header, 24 hours and a total", width, len(lines))
		}
		stormHour := burst.UTC().Format("2006-01-02T15:00Z")
		col, most := -1, 0
		for _, l := range lines[1:25] {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("width %d: line of %d characters: %q", width, n, l)
			}
			at, eighths := barAt(l)
			if at < 0 {
				t.Errorf("width %d: no bar: %q", width, l)
				continue
			}
			if col >= 0 && at != col {
				t.Errorf("width %d: bar at %d, others at %d: %q", width, at, col, l)
			}
			col = at
			if strings.HasPrefix(l, stormHour) {
				most = eighths
				if at+eighths/8 != width {
					t.Errorf("width %d: the storm's bar ends at %d, want the edge", width, at+eighths/8)
				}
			}
		}
		for _, l := range lines[1:25] {
			if _, e := barAt(l); !strings.HasPrefix(l, stormHour) && e*4 > most {
				t.Errorf("width %d: a quiet hour has more than a quarter of the storm's bar: %q", width, l)
			}
		}
		if most == 0 {
			t.Errorf("width %d: no row for the storm's hour %s", width, stormHour)
		}
	}

	for _, by := range []string{"day", "activity", "user", "ip", "client"} {
		lines := chartLines(t, 80, slices.Concat([]string{"--by", by}, rng, conn)...)
		if at, _ := barAt(lines[1]); at < 0 {
			t.Errorf("--by %s: no bar on the first row: %q", by, lines[1])
		}
		lines = chartLines(t, 80, slices.Concat([]string{"--by", by, "--no-chart"}, rng, conn)...)
		for _, l := range lines {
			if at, _ := barAt(l); at >= 0 {
				t.Errorf("--by %s --no-chart: a bar: %q", by, l)
			}
		}
	}

	for _, format := range []string{"json", "csv"} {
		args := slices.Concat([]string{"count", "--by", "hour", "-o", format}, rng, conn)
		tty, ttyOut, _ := newAPITestApp(t, map[string]string{"COLUMNS": "200"})
		tty.IO.OutTTY = true
		pipe, pipeOut, _ := newAPITestApp(t, nil)
		if runApp(t, tty, args...) != 0 || runApp(t, pipe, args...) != 0 {
			t.Fatal("count failed")
		}
		if ttyOut.String() != pipeOut.String() || strings.ContainsAny(ttyOut.String(), "█▏▎▍▌▋▊▉") {
			t.Errorf("-o %s differs on a terminal:\n%s\nin a pipe:\n%s", format, ttyOut, pipeOut)
		}
	}
}

// TestCountNoKey: events with no user or client are counted under null in
// JSON, an empty cell in CSV and (none) in a table; by user, the table
// shows each user's email.
func TestCountNoKey(t *testing.T) {
	s := bigStandIn(t)
	from := bigEvents[0].CreatedAt.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	to := from.Add(2 * 24 * time.Hour)
	rng := []string{"--since", rfc(from), "--until", rfc(to)}
	inRange := s.Select(adminapi.Selection{From: from, To: to})
	// The address each user's own record carries in the events (deleted
	// users included), else the address of a message to the user.
	emails, own := map[string]string{}, map[string]bool{}
	for _, e := range inRange {
		a := gjson.GetManyBytes(e.Data, "payload.user.standard_attributes.email", "payload.recipient")
		switch {
		case e.UserID == "":
		case a[0].Str != "":
			emails[e.UserID], own[e.UserID] = a[0].Str, true
		case strings.Contains(a[1].Str, "@") && !own[e.UserID]:
			emails[e.UserID] = a[1].Str
		}
	}
	for _, tc := range []struct {
		by  string
		key func(adminapitest.Event) string
	}{
		{"user", func(e adminapitest.Event) string { return e.UserID }},
		{"client", func(e adminapitest.Event) string { return e.ClientID }},
	} {
		want := refCounts(inRange, tc.key)
		if want[""] == 0 {
			t.Fatalf("--by %s: no event without one: the test proves little", tc.by)
		}
		// JSON: countOf maps the key null to "" and fails on a key "".
		app, _, _ := newAPITestApp(t, nil)
		if got := countOf(t, app, slices.Concat([]string{"--by", tc.by}, rng, connArgs(t, s))...); !maps.Equal(got, want) {
			t.Errorf("--by %s JSON: got %v\nwant %v", tc.by, got, want)
		}

		app, out, _ := newAPITestApp(t, nil)
		if code := runApp(t, app, slices.Concat([]string{"count", "--by", tc.by, "-o", "csv"}, rng, connArgs(t, s))...); code != 0 {
			t.Fatalf("exit %d", code)
		}
		recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, r := range recs[1:] {
			got[r[0]], _ = strconv.Atoi(r[1])
		}
		if !maps.Equal(got, want) {
			t.Errorf("--by %s CSV: got %v\nwant %v", tc.by, got, want)
		}

		lines := chartLines(t, 120, slices.Concat([]string{"--by", tc.by}, rng, connArgs(t, s))...)
		none, withEmail := 0, 0
		for _, l := range lines[1 : len(lines)-1] {
			f := strings.Fields(l)
			switch {
			case f[0] == "(none)":
				none++
				if tc.by == "user" && f[1] != "-" {
					t.Errorf("the row of no user shows an email: %q", l)
				}
			case tc.by != "user" || f[1] == "-": // events that carry no email
			case f[1] != emails[f[0]]:
				t.Errorf("user %s: email %q, want %q: %q", f[0], f[1], emails[f[0]], l)
			default:
				withEmail++
			}
		}
		if tc.by == "user" && withEmail < (len(lines)-3)/2 {
			t.Errorf("only %d of %d users with an email", withEmail, len(lines)-3)
		}
		if none != 1 {
			t.Errorf("--by %s table: %d rows (none), want 1:\n%s", tc.by, none, strings.Join(lines, "\n"))
		}
		if tc.by == "user" && !slices.Equal(strings.Fields(lines[0]), []string{"USER", "EMAIL", "COUNT"}) {
			t.Errorf("--by user header %q", lines[0])
		}
	}
}
