package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// writeExport writes events to path with the output writer of the format
// that the name asks for (compressed for .gz), as export does.
func writeExport(t testing.TB, path string, events []adminapitest.Event) {
	t.Helper()
	format, ok := output.FormatFromPath(path)
	if !ok {
		t.Fatalf("no format for %s", path)
	}
	app, _, _ := newTestApp(t, nil)
	s, err := openSink(app.IO, path, outputFlags{Format: format, Zone: time.UTC}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		r := e.Record()
		if err := s.w.Write(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.finish(nil); err != nil {
		t.Fatal(err)
	}
}

// inputFixture is a small export and the stand-in that holds the same
// events, whose Select is the reference answer.
type inputFixture struct {
	server *adminapitest.Server
	events []adminapitest.Event
	users  []adminapitest.User
	jsonl  string
	csvgz  string
}

func newInputFixture(t *testing.T) *inputFixture {
	t.Helper()
	events, users := adminapitest.Generate(adminapitest.GenOptions{
		Seed: 7, Count: 1000, Bursts: 1, BurstSize: 150, Nasty: true,
	})
	f := &inputFixture{
		server: adminapitest.NewUnstarted(adminapitest.WithEvents(events, users)),
		users:  users,
	}
	// The file holds what the server holds, in its order: oldest first.
	f.events = f.server.Select(adminapi.Selection{})
	dir := t.TempDir()
	f.jsonl = filepath.Join(dir, "export.jsonl")
	f.csvgz = filepath.Join(dir, "export.csv.gz")
	writeExport(t, f.jsonl, f.events)
	writeExport(t, f.csvgz, f.events)
	return f
}

func TestSearchInput(t *testing.T) {
	fx := newInputFixture(t)
	withEmail := busiestUser(fx.events, fx.users, func(u adminapitest.User) bool { return u.Email != "" })
	withPhone := busiestUser(fx.events, fx.users, func(u adminapitest.User) bool { return u.Phone != "" })
	actor := busiestUser(fx.events, fx.users, func(adminapitest.User) bool { return true })
	node := auditlog.UserNodeIDOf
	enums := func(p ...string) []string {
		e, err := auditlog.ExpandActivities(p)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	b := burstSeconds(fx.events)[0]
	rfc := func(t time.Time) string { return t.Format(time.RFC3339) }
	stranger := strangerRecipient(t, fx.events, fx.users)

	tests := []struct {
		name  string
		args  []string
		sel   adminapi.Selection
		asc   bool
		limit int  // 0 = all
		csv   bool // also read the csv.gz export
	}{
		{name: "all, newest first", sel: adminapi.Selection{}, csv: true},
		{name: "all, oldest first", args: []string{"--sort", "asc"}, asc: true},
		{name: "newest 100 (heap)", args: nil, limit: 100},
		{name: "oldest 100", args: []string{"--sort", "asc"}, asc: true, limit: 100},
		{name: "type", args: []string{"--activity", "USER_AUTHENTICATED"}, sel: adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}}, csv: true},
		{name: "glob and group", args: []string{"--activity", "authentication.*,messaging"}, sel: adminapi.Selection{ActivityTypes: enums("authentication.*", "messaging")}, limit: 37},
		{name: "range over a burst", args: []string{"--since", rfc(b), "--until", rfc(b.Add(time.Hour)), "--sort", "asc"},
			sel: adminapi.Selection{From: b, To: b.Add(time.Hour)}, asc: true},
		{name: "newest 10 of a burst", args: []string{"--since", rfc(b), "--until", rfc(b.Add(time.Second))},
			sel: adminapi.Selection{From: b, To: b.Add(time.Second)}, limit: 10, csv: true},
		{name: "user by raw ID", args: []string{"--user", actor.ID}, sel: adminapi.Selection{UserIDs: []string{node(actor.ID)}}},
		{name: "user by node ID", args: []string{"--user", node(actor.ID), "--sort", "asc"}, sel: adminapi.Selection{UserIDs: []string{node(actor.ID)}}, asc: true},
		{name: "user by email", args: []string{"--user", withEmail.Email},
			sel: adminapi.Selection{UserIDs: []string{node(withEmail.ID)}, EmailAddresses: []string{withEmail.Email}}, csv: true},
		{name: "user by phone", args: []string{"--user", withPhone.Phone, "--activity", "messaging"},
			sel: adminapi.Selection{ActivityTypes: enums("messaging"), UserIDs: []string{node(withPhone.ID)}, PhoneNumbers: []string{withPhone.Phone}}},
		{name: "email of nobody matches recipients", args: []string{"--user", stranger},
			sel: adminapi.Selection{EmailAddresses: []string{stranger}}},
	}
	for _, file := range []string{fx.jsonl, fx.csvgz} {
		for _, tt := range tests {
			if file == fx.csvgz && !tt.csv {
				continue
			}
			t.Run(filepath.Ext(file)+"/"+tt.name, func(t *testing.T) {
				want := fx.server.Select(tt.sel)
				if !tt.asc {
					slices.Reverse(want)
				}
				if tt.limit > 0 && len(want) > tt.limit {
					want = want[:tt.limit]
				}
				// No connection flags: --input needs no API and no credentials.
				app, out, errb := newTestApp(t, nil)
				args := append([]string{"search", "--input", file, "-o", "jsonl", "--limit", "0"}, tt.args...)
				if tt.limit > 0 {
					args = append(args, "--limit", strconv.Itoa(tt.limit))
				}
				if code := runApp(t, app, args...); code != 0 {
					t.Fatalf("exit %d: %s", code, errb)
				}
				got := jsonlEvents(t, out.Bytes())
				// The file's order decides ties, so the order is exact.
				if len(got) != len(want) {
					t.Fatalf("got %d events, want %d", len(got), len(want))
				}
				for i := range want {
					if got[i].ID != want[i].ID {
						t.Fatalf("event %d is %s, want %s", i, got[i].ID, want[i].ID)
					}
				}
				if len(want) == 0 {
					t.Fatal("the selection matches nothing: a useless case")
				}
			})
		}
	}
}

// strangerRecipient is an email address that messages were sent to but that
// belongs to no user.
func strangerRecipient(t *testing.T, events []adminapitest.Event, users []adminapitest.User) string {
	t.Helper()
	owned := map[string]bool{}
	for _, u := range users {
		owned[u.Email] = true
	}
	inSnapshot := func(addr string) bool {
		for _, e := range events {
			if strings.Contains(string(e.Data), `"standard_attributes"`) && strings.Contains(string(e.Data), addr) {
				return true
			}
		}
		return false
	}
	for _, e := range events {
		if strings.Contains(e.Recipient, "@") && !owned[e.Recipient] && !inSnapshot(e.Recipient) {
			return e.Recipient
		}
	}
	t.Fatal("no message went to an address that no user has")
	return ""
}

func TestSearchInputErrors(t *testing.T) {
	dir := t.TempDir()
	good := `{"id":"e1","createdAt":"2026-11-01T00:00:00Z","activityType":"USER_CREATED","data":{"id":"e1"}}`
	corrupt := filepath.Join(dir, "corrupt.jsonl")
	if err := os.WriteFile(corrupt, []byte(good+"\n"+good+"\n{\"id\": \"e3\", \"createdAt\": \n"+good+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.jsonl")
	tests := []struct {
		name   string
		args   []string
		prefix string
		code   int
	}{
		{"corrupt line", []string{"--input", corrupt}, "authgear-audit: " + corrupt + ":3: ", ExitFailure},
		{"corrupt line, newest first with a limit", []string{"--input", corrupt, "--limit", "1"}, "authgear-audit: " + corrupt + ":3: ", ExitFailure},
		{"corrupt line, count", []string{"--input", corrupt}, "authgear-audit: " + corrupt + ":3: ", ExitFailure},
		{"missing file", []string{"--input", missing}, "authgear-audit: --input " + missing + ": no such file or folder", ExitUsage},
		{"follow", []string{"--input", corrupt, "--follow"}, "authgear-audit: --follow watches the API for new events: it does not apply to --input", ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := "search"
			if strings.HasPrefix(tt.name, "corrupt line, count") {
				cmd = "count"
			}
			app, out, errb := newTestApp(t, nil)
			code := runApp(t, app, append([]string{cmd, "-o", "json"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			lines := stderrLines(errb)
			if len(lines) == 0 || !strings.HasPrefix(lines[0], tt.prefix) {
				t.Errorf("stderr = %q, want a line starting %q", lines, tt.prefix)
			}
			if tt.code == ExitFailure && len(lines) != 1 {
				t.Errorf("stderr has %d lines, want 1", len(lines))
			}
			_ = out
		})
	}
}

// sampleExport is the export shipped for the README's quick start.
const sampleExport = "../../examples/sample-export.jsonl"

// sampleLine is what the test itself reads from each line of the sample,
// independently of the archive reader and the filter.
type sampleLine struct {
	ID           string    `json:"id"`
	CreatedAt    time.Time `json:"createdAt"`
	ActivityType string    `json:"activityType"`
	UserID       string    `json:"userID"`
	Data         struct {
		Payload struct {
			Recipient string `json:"recipient"`
			User      *struct {
				ID    string `json:"id"`
				Attrs struct {
					Email string `json:"email"`
				} `json:"standard_attributes"`
			} `json:"user"`
		} `json:"payload"`
	} `json:"data"`
}

func TestSearchSampleExport(t *testing.T) {
	raw, err := os.ReadFile(sampleExport)
	if err != nil {
		t.Fatalf("the quick start's sample export: %v", err)
	}
	var lines []sampleLine
	owners := map[string]map[string]bool{} // email -> user IDs, from snapshots
	for i, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var s sampleLine
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		lines = append(lines, s)
		if u := s.Data.Payload.User; u != nil && u.Attrs.Email != "" {
			if owners[u.Attrs.Email] == nil {
				owners[u.Attrs.Email] = map[string]bool{}
			}
			owners[u.Attrs.Email][u.ID] = true
		}
	}
	// The address with the most events of its owners, as a --user example.
	var email string
	best := 0
	for addr, ids := range owners {
		n := 0
		for _, l := range lines {
			if ids[l.UserID] || l.Data.Payload.Recipient == addr {
				n++
			}
		}
		if n > best || n == best && addr < email {
			email, best = addr, n
		}
	}
	messaging, _ := auditlog.ExpandActivities([]string{"messaging"})
	since := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	until := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) // --until 2026-11-20 includes the day

	tests := []struct {
		name string
		args []string
		keep func(sampleLine) bool
	}{
		{"messaging in ten days", []string{"--activity", "messaging", "--since", "2026-11-10", "--until", "2026-11-20"}, func(l sampleLine) bool {
			return slices.Contains(messaging, l.ActivityType) && !l.CreatedAt.Before(since) && l.CreatedAt.Before(until)
		}},
		{"a user by email", []string{"--user", strings.ToUpper(email)}, func(l sampleLine) bool {
			return owners[email][l.UserID] || l.Data.Payload.Recipient == email
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, l := range lines {
				if tt.keep(l) {
					want = append(want, l.ID)
				}
			}
			if len(want) == 0 {
				t.Fatal("the case selects nothing")
			}
			app, out, errb := newTestApp(t, nil)
			args := append([]string{"search", "--input", sampleExport, "--sort", "asc", "--limit", "0", "-o", "jsonl"}, tt.args...)
			if code := runApp(t, app, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			var got []string
			for _, e := range jsonlEvents(t, out.Bytes()) {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %d events, want %d", len(got), len(want))
			}
		})
	}

	t.Run("quick start: a table on a terminal", func(t *testing.T) {
		app, out, errb := newTestApp(t, nil)
		app.IO.OutTTY = true
		if code := runApp(t, app, "search", "--input", sampleExport); code != 0 {
			t.Fatalf("exit %d: %s", code, errb)
		}
		rows := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
		if len(rows) != 101 || !strings.Contains(rows[0], "ACTIVITY") {
			t.Errorf("%d lines, want a header and 100 rows:\n%s", len(rows), out)
		}
	})
}

// A missing --input, a folder without export files, or stdin named twice
// is bad usage in every command that reads one, found before any output.
func TestInputMissing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.jsonl")
	out := filepath.Join(dir, "out.jsonl")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"search", "--input", missing, "--out", out}, "--input " + missing + ": no such file or folder"},
		{[]string{"count", "--input", missing}, "--input " + missing + ": no such file or folder"},
		{[]string{"verify", "--input", missing}, "--input " + missing + ": no such file or folder"},
		{[]string{"verify", "--offline", missing}, "--input " + missing + ": no such file or folder"},
		{[]string{"search", "--input", dir}, "--input " + dir + ": no export files: it has no manifest.json and no *.jsonl, *.csv (.gz too) or *.parquet files"},
		{[]string{"count", "--input", dir, "--by", "day"}, "--input " + dir + ": no export files: it has no manifest.json and no *.jsonl, *.csv (.gz too) or *.parquet files"},
		{[]string{"verify", "--offline", dir}, "--input " + dir + ": no export files: it has no manifest.json and no *.jsonl, *.csv (.gz too) or *.parquet files"},
		{[]string{"search", "--input", "-", "--input", "-"}, "--input - is given twice: standard input can be read only once"},
		{[]string{"count", "--input", missing, "--input", "-"}, "--input " + missing + ": no such file or folder"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			app, stdout, errb := newTestApp(t, nil)
			code := runApp(t, app, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want 2: %s", code, errb)
			}
			if lines := stderrLines(errb); len(lines) == 0 || lines[0] != "authgear-audit: "+tt.want {
				t.Errorf("stderr = %q, want first %q", lines, "authgear-audit: "+tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q", stdout)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s written", out)
			}
		})
	}
}
