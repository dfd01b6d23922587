package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

const (
	tableUserID = "6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f"
	tableUA     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)

// tableServer holds events with long values: a whole user ID, a long
// activity, a browser's user agent and an email in the user snapshot.
func tableServer(t *testing.T) *adminapitest.Server {
	t.Helper()
	s := adminapitest.New(t)
	at := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for i, typ := range []string{"USER_AUTHENTICATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED", "IDENTITY_EMAIL_VERIFIED"} {
		id := fmt.Sprintf("0f2c3a90-7c36-4c7d-9a52-6a1e1f0b9d0%d", i)
		s.Add(adminapitest.Event{
			ID: id, CreatedAt: at.Add(time.Duration(i) * time.Second), ActivityType: typ, UserID: tableUserID,
			IPAddress: "203.0.113.7", UserAgent: tableUA, ClientID: "portal",
			Data: []byte(fmt.Sprintf(`{"id":%q,"context":{"user_id":%q},"payload":{"user":{"standard_attributes":{"email":"alice@example.com"}}}}`, id, tableUserID)),
		})
	}
	return s
}

// searchTable runs search on a terminal of the given width (0: none given)
// and returns its lines.
func searchTable(t *testing.T, s *adminapitest.Server, width int, env map[string]string, args ...string) []string {
	t.Helper()
	app, out, errb := newAPITestApp(t, env)
	app.IO.OutTTY = true
	if width > 0 {
		app.IO.Width = func() int { return width }
	}
	if code := runApp(t, app, append(append([]string{"search", "--utc"}, args...), connArgs(t, s)...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// TestSearchTableFitsTheTerminal: columns are as wide as their values and
// no line is wider than the terminal; at 80 columns time, activity, user and
// IP are all there, the user cut no shorter than 8.
func TestSearchTableFitsTheTerminal(t *testing.T) {
	s := tableServer(t)
	tests := []struct {
		name   string
		width  int
		env    map[string]string
		header []string
		whole  []string // values shown whole
	}{
		{"80 columns", 80, nil, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP"}, []string{"203.0.113.7", "USER_AUTHENTICATED"}},
		{"COLUMNS=80", 0, map[string]string{"COLUMNS": "80"}, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP"}, []string{"203.0.113.7"}},
		{"130 columns", 130, nil, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP", "CLIENT"},
			[]string{tableUserID, "AUTHENTICATION_PRIMARY_PASSWORD_FAILED", "portal"}},
		{"200 columns", 200, nil, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP", "CLIENT", "USER AGENT"},
			[]string{tableUserID, "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := searchTable(t, s, tt.width, tt.env)
			width := max(tt.width, 80)
			if got := strings.Split(lines[0], "   "); !equalFields(got, tt.header) {
				t.Errorf("header %q, want %q", lines[0], tt.header)
			}
			for _, l := range lines {
				if n := len([]rune(colourSeq.ReplaceAllString(l, ""))); n > width {
					t.Errorf("line of %d, wider than %d: %q", n, width, l)
				}
			}
			for _, v := range tt.whole {
				if !strings.Contains(strings.Join(lines, "\n"), v) {
					t.Errorf("%q is not shown whole:\n%s", v, strings.Join(lines, "\n"))
				}
			}
			user := strings.Index(lines[0], "USER")
			cell := strings.Fields(string([]rune(lines[1])[user:]))[0]
			if n := len([]rune(cell)); n < 8 || !strings.HasPrefix(tableUserID, strings.TrimSuffix(cell, "…")) {
				t.Errorf("user cell %q: want the user ID, at least 8 characters", cell)
			}
		})
	}
}

// colourSeq is a colour sequence in a table.
var colourSeq = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// equalFields compares header cells, ignoring the padding around them.
func equalFields(got, want []string) bool {
	var g []string
	for _, f := range got {
		if f = strings.TrimSpace(f); f != "" {
			g = append(g, f)
		}
	}
	return strings.Join(g, "|") == strings.Join(want, "|")
}

// TestSearchWide: -o wide shows every column with full values, however
// narrow the terminal.
func TestSearchWide(t *testing.T) {
	s := tableServer(t)
	lines := searchTable(t, s, 80, nil, "-o", "wide")
	if !equalFields(strings.Split(lines[0], "   "), []string{"TIME (UTC)", "ID", "ACTIVITY", "USER", "EMAIL", "IP", "CLIENT", "USER AGENT"}) {
		t.Errorf("header %q", lines[0])
	}
	text := strings.Join(lines, "\n")
	for _, v := range []string{tableUserID, tableUA, "alice@example.com", "0f2c3a90-7c36-4c7d-9a52-6a1e1f0b9d01", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"} {
		if !strings.Contains(text, v) {
			t.Errorf("%q is not shown whole", v)
		}
	}
	if strings.Contains(text, "…") {
		t.Errorf("a value was cut:\n%s", text)
	}
}

// TestSearchColumnsUser: user is the user ID in a table as in CSV; email is
// a column of its own.
func TestSearchColumnsUser(t *testing.T) {
	s := tableServer(t)
	lines := searchTable(t, s, 200, nil, "--columns", "user,email", "--limit", "1")
	want := []string{"USER                                   EMAIL", tableUserID + "   alice@example.com"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	app, out, errb := newAPITestApp(t, nil)
	if code := runApp(t, app, append([]string{"search", "--columns", "user,email", "--limit", "1", "-o", "csv"}, connArgs(t, s)...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if want := "userID,email\n" + tableUserID + ",alice@example.com\n"; out.String() != want {
		t.Errorf("csv %q, want %q", out, want)
	}
}
