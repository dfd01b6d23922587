package count

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

// The fixture: 6,000 events over 30 days around the end of British summer
// time (2026-10-25), two seconds of 250 events each.
var (
	fxStart = time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	fxEnd   = time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
)

type fixture struct {
	server *adminapitest.Server
	client *adminapi.Client
	events []adminapitest.Event
	users  []adminapitest.User
}

func newFixture(t *testing.T, o adminapitest.GenOptions) *fixture {
	t.Helper()
	events, users := adminapitest.Generate(o)
	s := adminapitest.New(t, adminapitest.WithEvents(events, users), adminapitest.WithTies(adminapitest.TiesReshuffled))
	c, err := adminapi.New(adminapi.Options{Endpoint: s.Endpoint(), ProjectID: s.ProjectID(), KeyID: s.KeyID(), KeyFile: s.KeyFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{server: s, client: c, events: events, users: users}
}

func monthFixture(t *testing.T) *fixture {
	return newFixture(t, adminapitest.GenOptions{Seed: 12, Count: 5500, Start: fxStart, End: fxEnd, Bursts: 2, BurstSize: 250})
}

// delta is what the stand-in served between two Stats.
type delta struct {
	requests, counts, pages, countRequests int64
}

func (f *fixture) measure(t *testing.T, run func()) delta {
	t.Helper()
	before := f.server.Stats()
	run()
	after := f.server.Stats()
	return delta{
		requests:      after.Requests - before.Requests,
		counts:        after.CountQueries - before.CountQueries,
		pages:         after.ByOperation["AuditLogPage"] - before.ByOperation["AuditLogPage"],
		countRequests: after.ByOperation["AuditLogCounts"] - before.ByOperation["AuditLogCounts"],
	}
}

// reference counts the stand-in's own selection by key, without zeros.
func reference(f *fixture, sel adminapi.Selection, key func(adminapitest.Event) string) map[string]int {
	m := map[string]int{}
	for _, e := range f.server.Select(sel) {
		m[key(e)]++
	}
	return m
}

// nonZero are the rows above zero as a map, failing on a key seen twice.
func nonZero(t *testing.T, rows []Row) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, r := range rows {
		k := r.Key
		if r.None {
			k = "<none>"
		}
		if _, dup := m[k]; dup {
			t.Fatalf("key %q twice", k)
		}
		m[k] = r.Count
	}
	for k, n := range m {
		if n == 0 {
			delete(m, k)
		}
	}
	return m
}

func sameCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d keys, want %d", what, len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %s = %d, want %d", what, k, got[k], n)
		}
	}
}

// TestByTime: days and hours counted with one totalCount each agree with
// the events themselves and with counting downloaded events, row for row
// (days and hours with no events included), in several zones, across a
// change of the clocks; and the counts download no events.
func TestByTime(t *testing.T) {
	f := monthFixture(t)
	london, _ := time.LoadLocation("Europe/London")
	plus8 := time.FixedZone("+08:00", 8*3600)
	burst := f.events[0].CreatedAt
	for _, e := range f.events {
		if len(f.server.Select(adminapi.Selection{From: e.CreatedAt, To: e.CreatedAt.Add(time.Second)})) > 100 {
			burst = e.CreatedAt
			break
		}
	}
	cases := []struct {
		name string
		by   By
		loc  *time.Location
		sel  adminapi.Selection
	}{
		{"days UTC", ByDay, time.UTC, adminapi.Selection{From: fxStart, To: fxEnd}},
		{"days London", ByDay, london, adminapi.Selection{From: fxStart, To: fxEnd}},
		{"days +08:00 from mid-day", ByDay, plus8, adminapi.Selection{From: fxStart.Add(13*time.Hour + 17*time.Second), To: fxEnd.Add(-5 * time.Hour)}},
		{"days of one type", ByDay, london, adminapi.Selection{From: fxStart, To: fxEnd, ActivityTypes: []string{"USER_AUTHENTICATED", "EMAIL_SENT"}}},
		{"hours of the clock change", ByHour, london, adminapi.Selection{From: time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC)}},
		{"hours of a burst", ByHour, plus8, adminapi.Selection{From: burst.Add(-11 * time.Hour), To: burst.Add(12 * time.Hour)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{By: tc.by, Location: tc.loc, Now: fxEnd.Add(24 * time.Hour)}
			var counted, downloaded []Row
			d := f.measure(t, func() {
				var err error
				if counted, err = API(t.Context(), f.client, tc.sel, o); err != nil {
					t.Fatal(err)
				}
			})
			if d.pages != 0 {
				t.Errorf("counting read %d pages of events, want none", d.pages)
			}
			o.download = true
			var err error
			if downloaded, err = API(t.Context(), f.client, tc.sel, o); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(counted, downloaded) {
				t.Errorf("counted and downloaded differ:\ncounted    %v\ndownloaded %v", counted, downloaded)
			}
			b := bucketing{loc: tc.loc, hour: tc.by == ByHour}
			sameCounts(t, "counted", nonZero(t, counted), reference(f, tc.sel, func(e adminapitest.Event) string { return b.key(e.CreatedAt) }))
			if want := b.buckets(auditlog.CeilSecond(tc.sel.From), tc.sel.To); len(counted) != len(want) {
				t.Errorf("%d rows, want one per bucket (%d)", len(counted), len(want))
			}
		})
	}
}

// TestByDayDownloadsNothing: a month by day is one request of 31
// aliased counts: not a single page of events.
func TestByDayDownloadsNothing(t *testing.T) {
	f := monthFixture(t)
	sel := adminapi.Selection{From: fxStart, To: fxStart.AddDate(0, 0, 31)}
	var rows []Row
	d := f.measure(t, func() {
		var err error
		rows, err = API(t.Context(), f.client, sel, Options{By: ByDay, Location: time.UTC, Now: fxEnd})
		if err != nil {
			t.Fatal(err)
		}
	})
	if d != (delta{requests: 1, counts: 31, pages: 0, countRequests: 1}) {
		t.Errorf("served %+v, want one request of 31 counts and no page", d)
	}
	if len(rows) != 31 {
		t.Errorf("%d rows, want 31", len(rows))
	}
}

// TestHoursCountOrDownload: hours are counted while there are fewer of
// them than pages of events, and downloaded otherwise, with the same
// answer either way.
func TestHoursCountOrDownload(t *testing.T) {
	dense := newFixture(t, adminapitest.GenOptions{Seed: 3, Count: 9000, Start: fxStart, End: fxStart.Add(72 * time.Hour)})
	quiet := monthFixture(t)
	cases := []struct {
		name string
		f    *fixture
		sel  adminapi.Selection
		want delta // pages: -1 for "some"
	}{
		// 72 hours, 9,000 events = 90 pages: the total, then 72 counts.
		{"busy 3 days", dense, adminapi.Selection{From: fxStart, To: fxStart.Add(72 * time.Hour)}, delta{requests: 3, counts: 73, countRequests: 3}},
		// 720 hours, about 5,500 events = 55 pages: the total, then a
		// download (whose drains of busy seconds count too).
		{"quiet month", quiet, adminapi.Selection{From: fxStart, To: fxEnd}, delta{pages: -1}},
		// 24 hours fit in one request: no total needed.
		{"one day", quiet, adminapi.Selection{From: fxStart.Add(48 * time.Hour), To: fxStart.Add(72 * time.Hour)}, delta{requests: 1, counts: 24, countRequests: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rows []Row
			d := tc.f.measure(t, func() {
				var err error
				rows, err = API(t.Context(), tc.f.client, tc.sel, Options{By: ByHour, Location: time.UTC, Now: fxEnd})
				if err != nil {
					t.Fatal(err)
				}
			})
			if tc.want.pages == -1 {
				if d.pages < 55 {
					t.Errorf("served %+v, want a download", d)
				}
			} else if d != tc.want {
				t.Errorf("served %+v, want %+v", d, tc.want)
			}
			b := bucketing{loc: time.UTC, hour: true}
			sameCounts(t, "hours", nonZero(t, rows), reference(tc.f, tc.sel, func(e adminapitest.Event) string { return b.key(e.CreatedAt) }))
			if n := len(b.buckets(tc.sel.From, tc.sel.To)); len(rows) != n {
				t.Errorf("%d rows, want %d", len(rows), n)
			}
		})
	}
}

// TestOpenRange: without a start, days begin at the oldest matching event
// (found with one page of one event); without an end, or with one later
// than now, they end with the current day.
func TestOpenRange(t *testing.T) {
	f := monthFixture(t)
	now := time.Date(2026, 11, 1, 15, 4, 5, 0, time.UTC)
	sel := adminapi.Selection{ActivityTypes: []string{"USER_CREATED"}}
	var rows []Row
	d := f.measure(t, func() {
		var err error
		rows, err = API(t.Context(), f.client, sel, Options{By: ByDay, Location: time.UTC, Now: now})
		if err != nil {
			t.Fatal(err)
		}
	})
	if d.pages != 1 || d.countRequests != 1 {
		t.Errorf("served %+v, want one page (the oldest event) and one request of counts", d)
	}
	oldest := f.server.Select(sel)[0].CreatedAt
	if len(rows) == 0 || rows[0].Key != oldest.Format("2006-01-02") || rows[len(rows)-1].Key != "2026-11-01" {
		t.Fatalf("rows %v, want %s to 2026-11-01", rows, oldest.Format("2006-01-02"))
	}
	for _, until := range []time.Time{{}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} {
		rows, err := API(t.Context(), f.client, adminapi.Selection{From: fxStart, To: until}, Options{By: ByHour, Location: time.UTC, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if last := rows[len(rows)-1].Key; last != "2026-11-01T15:00Z" {
			t.Errorf("until %v: last hour %s, want the current one", until, last)
		}
	}
	// A range that starts after the current day: no rows, no request.
	later := adminapi.Selection{From: fxEnd.Add(25 * time.Hour)}
	d = f.measure(t, func() {
		if rows, err := API(t.Context(), f.client, later, Options{By: ByDay, Location: time.UTC, Now: fxEnd.Add(30 * time.Minute)}); err != nil || len(rows) != 0 {
			t.Errorf("a range after now: rows %v, error %v", rows, err)
		}
	})
	if d.requests != 0 {
		t.Errorf("a range after now: %d requests", d.requests)
	}
}

// TestByActivity: one count per type, aliased into few requests.
func TestByActivity(t *testing.T) {
	f := monthFixture(t)
	var rows []Row
	d := f.measure(t, func() {
		var err error
		rows, err = API(t.Context(), f.client, adminapi.Selection{From: fxStart.Add(24 * time.Hour)}, Options{By: ByActivity})
		if err != nil {
			t.Fatal(err)
		}
	})
	n := len(auditlog.Catalog())
	if d.requests != int64(adminapi.CountRequests(n)) || d.counts != int64(n) || d.pages != 0 {
		t.Errorf("served %+v, want %d counts in %d requests", d, n, adminapi.CountRequests(n))
	}
	sameCounts(t, "types", nonZero(t, rows), reference(f, adminapi.Selection{From: fxStart.Add(24 * time.Hour)}, func(e adminapitest.Event) string { return e.ActivityType }))
	for i := 1; i < len(rows); i++ {
		if rows[i].Count > rows[i-1].Count {
			t.Errorf("row %d (%d) after a smaller count %d", i, rows[i].Count, rows[i-1].Count)
		}
	}
}

// TestNoneAndEmail: events without a user, IP or client are counted under
// a key that says so (None), and users get the email address their own
// record carries.
func TestNoneAndEmail(t *testing.T) {
	f := monthFixture(t)
	sel := adminapi.Selection{From: fxStart, To: fxStart.Add(5 * 24 * time.Hour)}
	email := map[string]string{}
	for _, u := range f.users {
		email[u.ID] = u.Email
	}
	for _, tc := range []struct {
		by  By
		key func(adminapitest.Event) string
	}{
		{ByUser, func(e adminapitest.Event) string { return e.UserID }},
		{ByIP, func(e adminapitest.Event) string { return e.IPAddress }},
		{ByClient, func(e adminapitest.Event) string { return e.ClientID }},
	} {
		rows, err := API(t.Context(), f.client, sel, Options{By: tc.by})
		if err != nil {
			t.Fatal(err)
		}
		want := reference(f, sel, func(e adminapitest.Event) string {
			if k := tc.key(e); k != "" {
				return k
			}
			return "<none>"
		})
		if want["<none>"] == 0 && tc.by != ByIP { // the generator leaves few IPs out
			t.Fatalf("by %s: no event without a key: the test proves little", tc.by)
		}
		sameCounts(t, string(tc.by), nonZero(t, rows), want)
		if tc.by != ByUser {
			continue
		}
		withEmail := 0
		for _, r := range rows {
			switch {
			case r.None && r.Email != "":
				t.Errorf("the row of no user has an email %q", r.Email)
			case r.Email != "" && email[r.Key] != "" && r.Email != email[r.Key]:
				t.Errorf("user %s: email %q, want %q", r.Key, r.Email, email[r.Key])
			case r.Email != "":
				withEmail++
			}
		}
		if withEmail < len(rows)/2 {
			t.Errorf("only %d of %d users have an email", withEmail, len(rows))
		}
	}
}

// TestLocalFilter: a filter the API cannot apply makes every grouping
// download and test each event, and the counts are those of the events
// that pass.
func TestLocalFilter(t *testing.T) {
	f := monthFixture(t)
	sel := adminapi.Selection{From: fxStart, To: fxStart.Add(3 * 24 * time.Hour)}
	onlyPortal := &LocalFilter{Flags: "--client", Match: func(e *auditlog.Event) bool { return e.ClientID == "portal" }}
	for _, by := range []By{ByNone, ByDay, ByActivity} {
		o := Options{By: by, Location: time.UTC, Local: onlyPortal, Now: fxEnd}
		if !strings.Contains(o.DownloadNotice(), "--client") {
			t.Errorf("by %q: notice %q does not name the filter", by, o.DownloadNotice())
		}
		var rows []Row
		d := f.measure(t, func() {
			var err error
			if rows, err = API(t.Context(), f.client, sel, o); err != nil {
				t.Fatal(err)
			}
		})
		if d.pages == 0 || d.counts != 0 {
			t.Errorf("by %q: served %+v, want pages and no counts", by, d)
		}
		key := func(e adminapitest.Event) string { return "total" }
		switch by {
		case ByDay:
			key = func(e adminapitest.Event) string { return e.CreatedAt.UTC().Format("2006-01-02") }
		case ByActivity:
			key = func(e adminapitest.Event) string { return e.ActivityType }
		}
		want := map[string]int{}
		for _, e := range f.server.Select(sel) {
			if e.ClientID == "portal" {
				want[key(e)]++
			}
		}
		if len(want) == 0 {
			t.Fatal("no portal events: the test proves little")
		}
		sameCounts(t, string(by), nonZero(t, rows), want)
	}
	if n := (Options{By: ByUser, Local: onlyPortal}).DownloadNotice(); n != "" {
		t.Errorf("by user downloads anyway, yet the notice says %q", n)
	}
	if n := (Options{By: ByDay}).DownloadNotice(); n != "" {
		t.Errorf("no local filter, yet the notice says %q", n)
	}
}

// TestFile: counting an export file gives what the API gives, days from
// the first to the last matching event.
func TestFile(t *testing.T) {
	f := monthFixture(t)
	var buf bytes.Buffer
	for _, e := range f.server.Select(adminapi.Selection{}) {
		b, err := json.Marshal(e.Record())
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(append(b, '\n'))
	}
	path := filepath.Join(t.TempDir(), "export.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	london, _ := time.LoadLocation("Europe/London")
	filter := auditlog.Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}
	fromFile, err := File(context.Background(), readback.Files(path), filter, Options{By: ByDay, Location: london})
	if err != nil {
		t.Fatal(err)
	}
	sel := adminapi.Selection{ActivityTypes: filter.ActivityTypes}
	all := f.server.Select(sel)
	sel.From, sel.To = all[0].CreatedAt, all[len(all)-1].CreatedAt.Add(time.Second)
	fromAPI, err := API(t.Context(), f.client, sel, Options{By: ByDay, Location: london, Now: fxEnd})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fromFile, fromAPI) {
		t.Errorf("file and API differ:\nfile %v\nAPI  %v", fromFile, fromAPI)
	}
	users, err := File(context.Background(), readback.Files(path), auditlog.Filter{}, Options{By: ByUser})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(users, func(r Row) bool { return r.None }) || !slices.ContainsFunc(users, func(r Row) bool { return r.Email != "" }) {
		t.Error("by user in a file: no row of no user, or no email")
	}
}

// recorder is a Source that notes every selection it is asked about.
// A download asks from several goroutines (drains of busy seconds).
type recorder struct {
	*adminapi.Client
	mu   sync.Mutex
	sels []adminapi.Selection
}

func (r *recorder) note(sels ...adminapi.Selection) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sels = append(r.sels, sels...)
}

func (r *recorder) Counts(ctx context.Context, sels []adminapi.Selection) ([]int, error) {
	r.note(sels...)
	return r.Client.Counts(ctx, sels)
}

func (r *recorder) Page(ctx context.Context, q adminapi.PageQuery) (*adminapi.Page, error) {
	r.note(q.Selection)
	return r.Client.Page(ctx, q)
}

// TestWholeSeconds: a range typed as an age (now minus 7 days, to the
// nanosecond) goes out in whole seconds, which select the same events.
func TestWholeSeconds(t *testing.T) {
	f := monthFixture(t)
	from := fxStart.Add(36*time.Hour + 123456789)
	to := fxEnd.Add(-50*time.Hour - 987654321)
	for _, o := range []Options{{By: ByNone}, {By: ByActivity}, {By: ByDay, Location: time.FixedZone("", 5*3600+1800)}, {By: ByHour}, {By: ByIP}} {
		o.Now = fxEnd
		r := &recorder{Client: f.client}
		if _, err := API(t.Context(), r, adminapi.Selection{From: from, To: to}, o); err != nil {
			t.Fatal(err)
		}
		if len(r.sels) == 0 {
			t.Fatalf("by %q: nothing asked", o.By)
		}
		for _, s := range r.sels {
			if s.From.Nanosecond() != 0 || s.To.Nanosecond() != 0 || s.From.Before(from) || s.To.After(to.Add(time.Second)) {
				t.Errorf("by %q: asked for [%s, %s), want whole seconds within [%s, %s)", o.By, s.From, s.To, from, to)
			}
		}
	}
}
