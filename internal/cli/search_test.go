package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

// newAPITestApp is newTestApp on the real clock: the client signs its tokens
// with the App's clock and the stand-in checks them against its own.
func newAPITestApp(t testing.TB, env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	app, out, errb := newTestApp(t, env)
	app.Now = time.Now
	return app, out, errb
}

// The big stand-in of the acceptance tests: 20,000 events over 30 days,
// five of them seconds that hold 250 events each, ties returned in a new
// order on every request. It is built once per test binary and never
// written to; tests that add events build their own.
var (
	bigOnce   sync.Once
	bigServer *adminapitest.Server
	bigEvents []adminapitest.Event
	bigUsers  []adminapitest.User
)

const (
	bigBursts    = 5
	bigBurstSize = 250
	bigTotal     = 20000
)

func bigStandIn(t testing.TB) *adminapitest.Server {
	t.Helper()
	bigOnce.Do(func() {
		bigEvents, bigUsers = adminapitest.Generate(adminapitest.GenOptions{
			Seed:      2,
			Count:     bigTotal - bigBursts*bigBurstSize,
			Bursts:    bigBursts,
			BurstSize: bigBurstSize,
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(fmt.Sprintf("listen: %v", err))
		}
		bigServer = adminapitest.NewUnstarted(adminapitest.WithEvents(bigEvents, bigUsers), adminapitest.WithTies(adminapitest.TiesReshuffled))
		bigServer.Start(ln) // lives as long as the test binary
	})
	if len(bigEvents) != bigTotal {
		t.Fatalf("stand-in holds %d events, want %d", len(bigEvents), bigTotal)
	}
	return bigServer
}

// connArgs are the global flags that point a command at a stand-in.
func connArgs(t testing.TB, s *adminapitest.Server) []string {
	t.Helper()
	return []string{"--endpoint", s.Endpoint(), "--project", s.ProjectID(), "--key-id", s.KeyID(), "--key-file", s.KeyFile(t)}
}

// jsonlIDs parses JSON lines and returns the events' IDs in order, failing
// on anything that is not an event.
func jsonlEvents(t testing.TB, b []byte) []auditlog.Event {
	t.Helper()
	var out []auditlog.Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var e auditlog.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("output line %d is not an event: %v: %.200s", n, err, sc.Text())
		}
		out = append(out, e)
	}
	return out
}

// checkExactlyOnce compares what a command printed with the reference
// answer, by ID, and checks the order.
func checkExactlyOnce(t testing.TB, got []auditlog.Event, want []adminapitest.Event, desc bool) {
	t.Helper()
	seen := make(map[string]int, len(got))
	for i, e := range got {
		if j, dup := seen[e.ID]; dup {
			t.Fatalf("event %s printed twice (at %d and %d)", e.ID, j, i)
		}
		seen[e.ID] = i
		if i > 0 {
			prev := got[i-1].CreatedAt
			if desc && e.CreatedAt.After(prev) || !desc && e.CreatedAt.Before(prev) {
				t.Fatalf("event %d (%s) is out of order after %s (desc=%v)", i, e.CreatedAt, prev, desc)
			}
		}
	}
	missing := 0
	for _, w := range want {
		if _, ok := seen[w.ID]; !ok {
			if missing < 3 {
				t.Errorf("event %s (%s, %s) missing", w.ID, w.CreatedAt.Format(time.RFC3339), w.ActivityType)
			}
			missing++
		}
		delete(seen, w.ID)
	}
	if missing > 0 || len(seen) > 0 {
		t.Fatalf("got %d events, want %d: %d missing, %d not selected", len(got), len(want), missing, len(seen))
	}
}

// burstSeconds are the seconds that hold more than a page of events.
func burstSeconds(events []adminapitest.Event) []time.Time {
	per := map[time.Time]int{}
	for _, e := range events {
		per[e.CreatedAt]++
	}
	var out []time.Time
	for t, n := range per {
		if n > adminapi.MaxPageSize {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// busiestUser is the user with the most events as actor, among the users
// that still exist and have the wanted attributes.
func busiestUser(events []adminapitest.Event, users []adminapitest.User, ok func(adminapitest.User) bool) adminapitest.User {
	per := map[string]int{}
	for _, e := range events {
		per[e.UserID]++
	}
	var best adminapitest.User
	most := 0
	for _, u := range users {
		if ok(u) && per[u.ID] > most {
			best, most = u, per[u.ID]
		}
	}
	return best
}

// The acceptance test of search: against the big stand-in, search --limit 0
// prints every matching event exactly once, for each kind of filter and in
// both orders.
func TestSearchExactlyOnce(t *testing.T) {
	s := bigStandIn(t)
	bursts := burstSeconds(bigEvents)
	if len(bursts) < bigBursts {
		t.Fatalf("found %d burst seconds, want at least %d", len(bursts), bigBursts)
	}
	b := bursts[0]
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	withEmail := busiestUser(bigEvents, bigUsers, func(u adminapitest.User) bool { return u.Email != "" })
	withPhone := busiestUser(bigEvents, bigUsers, func(u adminapitest.User) bool { return u.Phone != "" })
	actor := busiestUser(bigEvents, bigUsers, func(adminapitest.User) bool { return true })
	if withEmail.ID == "" || withPhone.ID == "" {
		t.Fatal("the generated users have no email or no phone")
	}
	node := auditlog.UserNodeIDOf
	enums := func(patterns ...string) []string {
		e, err := auditlog.ExpandActivities(patterns)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	day := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	hk := time.FixedZone("+08", 8*3600)

	tests := []struct {
		name string
		args []string
		sel  adminapi.Selection
		asc  bool
	}{
		{"one type", []string{"--activity", "USER_CREATED"}, adminapi.Selection{ActivityTypes: []string{"USER_CREATED"}}, false},
		{"one type by event type, asc", []string{"--activity", "user.signed_out", "--sort", "asc"}, adminapi.Selection{ActivityTypes: []string{"USER_SIGNED_OUT"}}, true},
		{"types comma-separated", []string{"--activity", "RATE_LIMIT_BLOCKED,whatsapp_sent"}, adminapi.Selection{ActivityTypes: []string{"RATE_LIMIT_BLOCKED", "WHATSAPP_SENT"}}, false},
		{"enum glob", []string{"--activity", "AUTHENTICATION_IDENTITY_*"}, adminapi.Selection{ActivityTypes: enums("AUTHENTICATION_IDENTITY_*")}, false},
		{"event type glob asc", []string{"--activity", "*.suppressed", "--sort", "asc"}, adminapi.Selection{ActivityTypes: enums("*.suppressed")}, true},
		{"group asc", []string{"--activity", "identity", "--sort", "asc"}, adminapi.Selection{ActivityTypes: enums("identity")}, true},
		{"portal tab", []string{"--activity", "admin-activities"}, adminapi.Selection{ActivityTypes: enums("admin-activities")}, false},
		// More than a page of USER_AUTHENTICATED in each burst second.
		{"type in a range with a burst", []string{"--activity", "USER_AUTHENTICATED", "--since", rfc(b.Add(-12 * time.Hour)), "--until", rfc(b.Add(12 * time.Hour))},
			adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}, From: b.Add(-12 * time.Hour), To: b.Add(12 * time.Hour)}, false},
		{"type in a range with a burst, asc", []string{"--activity", "USER_AUTHENTICATED", "--since", rfc(b.Add(-12 * time.Hour)), "--until", rfc(b.Add(12 * time.Hour)), "--sort", "asc"},
			adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}, From: b.Add(-12 * time.Hour), To: b.Add(12 * time.Hour)}, true},
		{"range around a burst", []string{"--since", rfc(b.Add(-2 * time.Hour)), "--until", rfc(b.Add(2 * time.Hour))},
			adminapi.Selection{From: b.Add(-2 * time.Hour), To: b.Add(2 * time.Hour)}, false},
		{"range around a burst asc", []string{"--since", rfc(b.Add(-2 * time.Hour)), "--until", rfc(b.Add(2 * time.Hour)), "--sort", "asc"},
			adminapi.Selection{From: b.Add(-2 * time.Hour), To: b.Add(2 * time.Hour)}, true},
		{"range that starts in a burst", []string{"--since", rfc(b), "--until", rfc(b.Add(time.Minute))},
			adminapi.Selection{From: b, To: b.Add(time.Minute)}, false},
		{"range that ends at a burst, asc", []string{"--since", rfc(b.Add(-time.Hour)), "--until", rfc(b), "--sort", "asc"},
			adminapi.Selection{From: b.Add(-time.Hour), To: b}, true},
		{"range that ends after a burst", []string{"--since", rfc(b.Add(-time.Hour)), "--until", rfc(b.Add(time.Second))},
			adminapi.Selection{From: b.Add(-time.Hour), To: b.Add(time.Second)}, false},
		{"a whole day by date", []string{"--since", day.Format("2006-01-02"), "--until", day.Format("2006-01-02")},
			adminapi.Selection{From: day, To: day.Add(24 * time.Hour)}, false},
		{"local times in a zone, asc", []string{"--since", b.In(hk).Add(-time.Hour).Format("2006-01-02T15:04:05"), "--until", b.In(hk).Add(time.Hour).Format("2006-01-02 15:04:05"), "--tz", "+08:00", "--sort", "asc"},
			adminapi.Selection{From: b.Add(-time.Hour), To: b.Add(time.Hour)}, true},
		{"user by raw ID", []string{"--user", actor.ID}, adminapi.Selection{UserIDs: []string{node(actor.ID)}}, false},
		{"user by node ID asc", []string{"--user", node(actor.ID), "--sort", "asc"}, adminapi.Selection{UserIDs: []string{node(actor.ID)}}, true},
		{"user by email", []string{"--user", strings.ToUpper(withEmail.Email)},
			adminapi.Selection{UserIDs: []string{node(withEmail.ID)}, EmailAddresses: []string{withEmail.Email}}, false},
		{"user by phone asc", []string{"--user", withPhone.Phone, "--sort", "asc"},
			adminapi.Selection{UserIDs: []string{node(withPhone.ID)}, PhoneNumbers: []string{withPhone.Phone}}, true},
		{"types and user and range", []string{"--activity", "messaging", "--user", withEmail.Email, "--since", "2026-11-01"},
			adminapi.Selection{ActivityTypes: enums("messaging"), UserIDs: []string{node(withEmail.ID)}, EmailAddresses: []string{withEmail.Email},
				From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := s.Select(tt.sel)
			if len(want) == 0 {
				t.Fatalf("the selection matches nothing: a useless case")
			}
			app, out, errb := newAPITestApp(t, nil)
			args := append([]string{"search", "--limit", "0", "-o", "jsonl"}, tt.args...)
			if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkExactlyOnce(t, jsonlEvents(t, out.Bytes()), want, !tt.asc)
		})
	}
}

func TestSearchLimit(t *testing.T) {
	s := bigStandIn(t)
	all := s.Select(adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}})
	tests := []struct {
		name string
		args []string
		want int
		desc bool
	}{
		{"default 100", nil, 100, true},
		{"limit 7", []string{"--limit", "7"}, 7, true},
		{"-n 250 asc", []string{"-n", "250", "--sort", "asc"}, 250, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newAPITestApp(t, nil)
			args := append([]string{"search", "--activity", "USER_AUTHENTICATED"}, tt.args...)
			if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			got := jsonlEvents(t, out.Bytes())
			if len(got) != tt.want {
				t.Fatalf("got %d events, want %d", len(got), tt.want)
			}
			// The first N of the order, up to ties in the last second.
			ref := slices.Clone(all)
			if tt.desc {
				slices.Reverse(ref)
			}
			edge := ref[tt.want-1].CreatedAt
			var must []adminapitest.Event
			for _, e := range ref[:tt.want] {
				if !e.CreatedAt.Equal(edge) {
					must = append(must, e)
				}
			}
			ids := map[string]bool{}
			for _, e := range got {
				ids[e.ID] = true
				if tt.desc && e.CreatedAt.Before(edge) || !tt.desc && e.CreatedAt.After(edge) {
					t.Errorf("event %s at %s is beyond the first %d", e.ID, e.CreatedAt, tt.want)
				}
			}
			for _, e := range must {
				if !ids[e.ID] {
					t.Errorf("event %s at %s missing from the first %d", e.ID, e.CreatedAt, tt.want)
				}
			}
		})
	}
}

// Every bad input: its one-line message and exit code. None of them needs
// the API, and none reaches it.
func TestSearchBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		msg  string
		code int
	}{
		{"unknown activity", []string{"--activity", "USER_AUTHENTICATD"},
			`--activity: unknown activity "USER_AUTHENTICATD": did you mean "USER_AUTHENTICATED"? (see 'authgear-audit activity-types')`, ExitUsage},
		{"unknown group", []string{"--activity", "messagin"},
			`--activity: unknown activity "messagin": did you mean "messaging"? (see 'authgear-audit activity-types')`, ExitUsage},
		{"bad date", []string{"--since", "2026-02-30"},
			`--since: invalid time "2026-02-30": ` + parseTimeReason(t, "2026-02-30"), ExitUsage},
		{"bad time", []string{"--until", "last tuesday"},
			`--until: invalid time "last tuesday": ` + parseTimeReason(t, "last tuesday"), ExitUsage},
		{"since after until", []string{"--since", "2026-11-25", "--until", "2026-11-24"},
			"--since 2026-11-25 (2026-11-25T00:00:00Z) is not before --until 2026-11-24 (2026-11-25T00:00:00Z): " +
				"a bare date in --until means the end of that day, so --until 2026-11-24 includes all of 2026-11-24; give an --until after --since", ExitUsage},
		{"since after until by age", []string{"--since", "1d", "--until", "2d"},
			"--since 1d (2026-11-14T12:00:00Z) is not before --until 2d (2026-11-13T12:00:00Z): give an --until after --since", ExitUsage},
		{"bad zone", []string{"--tz", "Mars/Base"},
			`--tz: unknown time zone "Mars/Base": use an IANA name such as Asia/Hong_Kong, or UTC`, ExitUsage},
		{"bad user", []string{"--user", "12345678"},
			`--user: phone number "12345678" has no country code: write it in E.164, + then the country code and number (+85298765432)`, ExitUsage},
		{"negative limit", []string{"--limit", "-1"},
			"--limit: -1 is negative: give 0 for all events, or a positive number", ExitUsage},
		{"bad sort", []string{"--sort", "up"}, `--sort: "up" is neither asc nor desc`, ExitUsage},
		{"bad format", []string{"-o", "yaml"}, `--output: unknown format "yaml": use table, wide, jsonl, json, csv`, ExitUsage},
		{"unknown column", []string{"-o", "csv", "--columns", "id,nope"}, "--columns: " + columnError(t, "id", "nope"), ExitUsage},
		{"columns with jsonl", []string{"-o", "jsonl", "--columns", "id"}, "--columns: columns apply to table and csv output, not jsonl: give -o csv or -o table, or leave out --columns", ExitUsage},
		{"out without a known extension", []string{"--out", filepath.Join(dir, "events.txt")},
			"--out: cannot tell the format of " + filepath.Join(dir, "events.txt") + " from its extension: name it .jsonl, .json or .csv (.gz to compress) or give -o", ExitUsage},
		{"follow with desc", []string{"--follow", "--sort", "desc"}, "--follow prints events oldest first: drop --sort desc", ExitUsage},
		{"interval without follow", []string{"--interval", "1s"}, "--interval and --lag apply to --follow", ExitUsage},
		{"follow with an end", []string{"--follow", "--since", "1h", "--until", "now"},
			"--follow keeps printing new events and has no end: drop --until, or drop --follow to search up to --until", ExitUsage},
		{"an argument", []string{"USER_CREATED"}, `unknown command "USER_CREATED" for "authgear-audit search" (usage: authgear-audit search [flags])`, ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			// The endpoint does not exist: reaching it would fail differently.
			code := runApp(t, app, append(append([]string{"search"}, tt.args...), "--endpoint", "http://127.0.0.1:1/graphql", "--project", "p", "--token", "t")...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			lines := stderrLines(errb)
			if len(lines) == 0 || lines[0] != "authgear-audit: "+tt.msg {
				t.Errorf("stderr = %q\nwant first line %q", lines, "authgear-audit: "+tt.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

// parseTimeReason is auditlog's reason for refusing a time, so that the test
// checks how search reports it without restating the parser's wording.
func parseTimeReason(t *testing.T, s string) string {
	t.Helper()
	_, err := auditlog.ParseTime(s, testNow(), time.UTC, false)
	if err == nil {
		t.Fatalf("ParseTime(%q) succeeded", s)
	}
	_, reason, _ := strings.Cut(err.Error(), fmt.Sprintf("%q: ", s))
	return reason
}

func columnError(t *testing.T, cols ...string) string {
	t.Helper()
	_, err := output.New(&bytes.Buffer{}, output.Options{Format: output.FormatCSV, Columns: cols})
	if err == nil {
		t.Fatalf("columns %v accepted", cols)
	}
	return err.Error()
}

func TestSearchCredentials(t *testing.T) {
	s := adminapitest.New(t)
	other := filepath.Join(t.TempDir(), "other.pem")
	if err := adminapitest.WriteKeyFile(other, adminapitest.EncodePrivateKeyPEM(adminapitest.OtherTestKey(), false)); err != nil {
		t.Fatal(err)
	}
	base := []string{"search", "--endpoint", s.Endpoint(), "--project", s.ProjectID(), "--key-id", s.KeyID()}
	tests := []struct {
		name string
		args []string
		msg  string
		code int
	}{
		{"refused", []string{"--key-file", other},
			"the Admin API refused the credentials: check the project ID, key ID and key file", ExitCredentials},
		{"wrong project", []string{"--key-file", s.KeyFile(t), "--project", "someone-else"},
			"the Admin API refused the credentials: check the project ID, key ID and key file", ExitCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newAPITestApp(t, nil)
			code := runApp(t, app, append(slices.Clone(base), tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (%s)", code, tt.code, errb)
			}
			if lines := stderrLines(errb); len(lines) != 1 || lines[0] != "authgear-audit: "+tt.msg {
				t.Errorf("stderr = %q, want the one line %q", lines, "authgear-audit: "+tt.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
		})
	}
}

// A key file that is not there is a usage error, found before any request.
func TestSearchMissingKeyFile(t *testing.T) {
	s := adminapitest.New(t)
	missing := filepath.Join(t.TempDir(), "nope.pem")
	app, out, errb := newAPITestApp(t, nil)
	code := runApp(t, app, "search", "--endpoint", s.Endpoint(), "--project", s.ProjectID(), "--key-id", s.KeyID(), "--key-file", missing)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	want := "authgear-audit: key file " + missing + " does not exist: check --key-file"
	if lines := stderrLines(errb); len(lines) == 0 || lines[0] != want {
		t.Errorf("stderr = %q, want first line %q", lines, want)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q", out)
	}
	if s.Requests() != 0 {
		t.Errorf("%d requests reached the API", s.Requests())
	}
}

// Table on a terminal, JSON lines on a pipe; colour only on a terminal and
// never with NO_COLOR or --no-color.
func TestSearchTerminalAndPipe(t *testing.T) {
	s := bigStandIn(t)
	tests := []struct {
		name      string
		tty       bool
		env       map[string]string
		args      []string
		wantTable bool
		wantColor bool
	}{
		{name: "pipe", tty: false},
		{name: "terminal", tty: true, wantTable: true, wantColor: true},
		{name: "terminal with NO_COLOR", tty: true, env: map[string]string{"NO_COLOR": "1"}, wantTable: true},
		{name: "terminal with --no-color", tty: true, args: []string{"--no-color"}, wantTable: true},
		{name: "terminal asked for jsonl", tty: true, args: []string{"-o", "jsonl"}},
		{name: "pipe asked for a table", tty: false, args: []string{"-o", "table"}, wantTable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newAPITestApp(t, tt.env)
			app.IO.OutTTY = tt.tty
			// Failures are shown in red on a terminal.
			args := append([]string{"search", "--limit", "5", "--activity", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"}, tt.args...)
			if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			text := out.String()
			isJSON := strings.HasPrefix(text, "{")
			if isJSON == tt.wantTable {
				t.Errorf("table = %v, want %v:\n%s", !isJSON, tt.wantTable, text)
			}
			if !tt.wantTable {
				if n := len(jsonlEvents(t, out.Bytes())); n != 5 {
					t.Errorf("%d events, want 5", n)
				}
			}
			if hasColor := strings.Contains(text, "\x1b["); hasColor != tt.wantColor {
				t.Errorf("colour = %v, want %v:\n%q", hasColor, tt.wantColor, text)
			}
		})
	}
}

// epipeWriter is stdout after the reader has gone (search | head): the
// first writes succeed, then every write fails with EPIPE.
type epipeWriter struct {
	room int
}

func (w *epipeWriter) Write(p []byte) (int, error) {
	if len(p) > w.room {
		n := w.room
		w.room = 0
		return n, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
	}
	w.room -= len(p)
	return len(p), nil
}

func TestSearchBrokenPipe(t *testing.T) {
	s := bigStandIn(t)
	for _, format := range []string{"jsonl", "table", "csv"} {
		t.Run(format, func(t *testing.T) {
			app, _, errb := newAPITestApp(t, nil)
			app.IO.Out = &epipeWriter{room: 10 << 10}
			app.IO.ErrTTY = true
			before := s.Requests()
			code := runApp(t, app, append([]string{"search", "--limit", "0", "-o", format}, connArgs(t, s)...)...)
			if code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			if errb.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", errb)
			}
			// The walk stopped soon after the pipe closed: nowhere near the
			// 200 pages of the whole log.
			if n := s.Requests() - before; n > 20 {
				t.Errorf("%d requests after the pipe closed", n)
			}
		})
	}
}

func TestSearchNoEvents(t *testing.T) {
	s := bigStandIn(t)
	// The newest event is before 2026-11-25: nothing after it.
	args := append([]string{"search", "--since", "2026-12-01", "--activity", "USER_CREATED"}, connArgs(t, s)...)
	tests := []struct {
		name    string
		errTTY  bool
		quiet   bool
		wantErr string
	}{
		{name: "pipe", errTTY: false},
		{name: "terminal", errTTY: true, wantErr: "no events matched (USER_CREATED; since 2026-12-01T00:00:00Z)\n"},
		{name: "terminal, quiet", errTTY: true, quiet: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newAPITestApp(t, nil)
			app.IO.ErrTTY = tt.errTTY
			a := slices.Clone(args)
			if tt.quiet {
				a = append(a, "-q")
			}
			if code := runApp(t, app, a...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
			if errb.String() != tt.wantErr {
				t.Errorf("stderr = %q, want %q", errb, tt.wantErr)
			}
		})
	}
}

func TestSearchUnknownEmailNotice(t *testing.T) {
	s := bigStandIn(t)
	app, out, errb := newAPITestApp(t, nil)
	args := append([]string{"search", "--user", "Nobody@Example.com"}, connArgs(t, s)...)
	if code := runApp(t, app, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	want := "no user has email address nobody@example.com; matching messages sent to it only\n"
	if errb.String() != want {
		t.Errorf("stderr = %q, want %q", errb, want)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q", out)
	}
}

func TestSearchOutFile(t *testing.T) {
	s := bigStandIn(t)
	want := s.Select(adminapi.Selection{ActivityTypes: []string{"BOT_PROTECTION_VERIFICATION_FAILED"}})
	dir := t.TempDir()
	tests := []struct {
		file string
		args []string
	}{
		{file: "created.jsonl"},
		{file: "created.jsonl.gz"},
		{file: "created.json"},
		{file: "created.csv"},
		{file: "created.txt", args: []string{"-o", "jsonl"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			app, out, errb := newAPITestApp(t, nil)
			app.IO.OutTTY = true // a terminal does not change what goes to the file
			args := append([]string{"search", "--limit", "0", "--sort", "asc", "--activity", "BOT_PROTECTION_VERIFICATION_FAILED", "--out", path}, tt.args...)
			if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
			got := readBack(t, path)
			checkExactlyOnce(t, got, want, false)
			left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// readBack reads an output file with the archive reader, as --input does
// (which sniffs the format of a name without a known extension).
func readBack(t *testing.T, path string) []auditlog.Event {
	t.Helper()
	var got []auditlog.Event
	err := readback.Each(t.Context(), readback.Files(path), func(e *auditlog.Event) error {
		got = append(got, *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}
