package output

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on machines without a zone database

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func TestTableZones(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	winter := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	evs := []*auditlog.Event{
		{ID: "w", CreatedAt: winter, ActivityType: "X"},
		{ID: "s", CreatedAt: summer, ActivityType: "X"},
	}
	tests := []struct {
		name string
		o    Options
		want []string
	}{
		{"dst zone", Options{Location: berlin}, []string{"TIME (+01)", "2026-01-15 13:00:00 ", "2026-07-15 14:00:00 +02"}},
		{"utc", Options{UTC: true, Location: berlin}, []string{"TIME (UTC)", "2026-01-15 12:00:00 ", "2026-07-15 12:00:00 "}},
		{"half-hour zone", Options{Location: time.FixedZone("IST", 5*3600+1800)}, []string{"TIME (+0530)", "2026-01-15 17:30:00 ", "2026-07-15 17:30:00 "}},
		{"west", Options{Location: time.FixedZone("X", -3*3600)}, []string{"TIME (-03)", "2026-01-15 09:00:00 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Format = FormatTable
			out := writeAll(t, tt.o, evs)
			lines := strings.Split(out, "\n")
			for i, want := range tt.want {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d = %q, want prefix %q", i, lines[i], want)
				}
			}
		})
	}
}

func TestTableLayout(t *testing.T) {
	out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: 170}, fixtures())
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(fixtures())+1 {
		t.Fatalf("%d lines, want a header and %d rows:\n%s", len(lines), len(fixtures()), out)
	}
	for _, l := range lines {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space in %q", l)
		}
		if w := len([]rune(l)); w > 170 {
			t.Errorf("line of %d cells, want at most 170: %q", w, l)
		}
	}
	if h := lines[0]; !strings.HasPrefix(h, "TIME (UTC)   ") || !strings.Contains(h, "   ACTIVITY   ") || !strings.Contains(h, "   IP") {
		t.Errorf("header %q", h)
	}
	// Columns line up: every row has each column where the header has it.
	for _, name := range []string{"ACTIVITY", "USER", "IP"} {
		col := strings.Index(lines[0], name)
		for _, l := range lines[1:] {
			if r := []rune(l); len(r) <= col || r[col-1] != ' ' || r[col] == ' ' {
				t.Errorf("row %q does not start its %s at column %d", l, name, col)
			}
		}
	}
}

// headerColumns returns the start of each column of a header line and its
// name: runs of text separated by columnGap spaces or more.
func headerColumns(h string) map[string]int {
	cols := map[string]int{}
	r := []rune(h)
	for i := 0; i < len(r); {
		j := i
		for j < len(r) && !(j+1 < len(r) && r[j] == ' ' && r[j+1] == ' ') {
			j++
		}
		cols[string(r[i:j])] = i
		for j < len(r) && r[j] == ' ' {
			j++
		}
		i = j
	}
	return cols
}

// TestTableSizedToContent: a column is as wide as its longest value (or its
// header), followed by the gap; nothing is cut when the line has room.
func TestTableSizedToContent(t *testing.T) {
	evs := fixtures()
	out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: 400}, evs)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	cols := headerColumns(lines[0])
	longest := func(f func(*auditlog.Event) string) int {
		n := 0
		for _, e := range evs {
			n = max(n, len([]rune(Sanitize(f(e)))))
		}
		return n
	}
	activity := longest(func(e *auditlog.Event) string { return e.ActivityType })
	user := longest(func(e *auditlog.Event) string { return e.UserID })
	if got, want := cols["ACTIVITY"], len("2026-11-25 10:00:00")+columnGap; got != want {
		t.Errorf("ACTIVITY starts at %d, want %d", got, want)
	}
	if got, want := cols["USER"]-cols["ACTIVITY"], activity+columnGap; got != want {
		t.Errorf("ACTIVITY is %d wide with the gap, want %d (its longest value)", got, want)
	}
	if got, want := cols["IP"]-cols["USER"], user+columnGap; got != want {
		t.Errorf("USER is %d wide with the gap, want %d (a whole user ID)", got, want)
	}
	if strings.Contains(out, "…") {
		t.Errorf("a value was cut on a wide terminal:\n%s", out)
	}
	// Short values make narrow columns.
	out = writeAll(t, Options{Format: FormatTable, UTC: true, Width: 80}, []*auditlog.Event{{ID: "x", CreatedAt: t0, ActivityType: "SMS_SENT", UserID: "u-1", IPAddress: "192.0.2.1"}})
	if want := "TIME (UTC)            ACTIVITY   USER   IP          CLIENT   USER AGENT\n" +
		"2026-11-25 10:00:00   SMS_SENT   u-1    192.0.2.1   -        -\n"; out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestTableFits follows the default table from a wide terminal to a narrow
// one: no line is wider than the terminal; at 80 columns time, activity,
// user and IP are all shown; the user keeps at least 8 characters.
func TestTableFits(t *testing.T) {
	evs := fixtures()
	// A user ID and an activity as long as they come.
	evs[0].ActivityType = "AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED"
	tests := []struct {
		width  int
		header []string
	}{
		{300, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP", "CLIENT", "USER AGENT"}},
		{160, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP", "CLIENT", "USER AGENT"}},
		{150, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP", "CLIENT"}},
		{120, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP"}},
		{100, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP"}},
		{80, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP"}},
		{70, []string{"TIME (UTC)", "ACTIVITY", "USER", "IP"}},
		{60, []string{"TIME (UTC)", "ACTIVITY", "USER"}},
		{45, []string{"TIME (UTC)", "ACTIVITY", "USER"}},
		{44, []string{"TIME (UTC)", "ACTIVITY"}},
	}
	for _, tt := range tests {
		out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: tt.width}, evs)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		cols := headerColumns(lines[0])
		var names []string
		for n := range cols {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b string) int { return cols[a] - cols[b] })
		if !slices.Equal(names, tt.header) {
			t.Errorf("width %d: header %q, want %q", tt.width, names, tt.header)
		}
		for _, l := range lines {
			if w := len([]rune(l)); w > tt.width {
				t.Errorf("width %d: line of %d: %q", tt.width, w, l)
			}
		}
		if ip, ok := cols["IP"]; ok {
			if w := ip - cols["USER"] - columnGap; w < minUser {
				t.Errorf("width %d: USER is %d wide, want at least %d", tt.width, w, minUser)
			}
		}
		if !strings.Contains(lines[1], "2026-11-25 10:00:00") {
			t.Errorf("width %d: the time is cut: %q", tt.width, lines[1])
		}
	}
}

// TestLayoutOrder pins the order in which columns give up width: the user
// agent and the client go first, then the activity is cut to 20, then the
// user down to 8, then the activity to 12 and the IP address to 15.
func TestLayoutOrder(t *testing.T) {
	cols, err := parseColumns(defaultTableColumns)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{19, 45, 36, 39, 12, 60} // time, activity, user, ip, client, user agent
	fixed := 19 + 39 + 5*columnGap
	tests := []struct {
		total int
		want  []int
	}{
		{fixed + 45 + 36 + 12 + 60, want},
		{fixed + 45 + 36 + 12 + 59, []int{19, 45, 36, 39, 12, 59}}, // the user agent is cut
		{fixed + 45 + 36 + 12 + 20, []int{19, 45, 36, 39, 12, 20}}, // down to 20
		{fixed + 45 + 36 + 12 + 19, []int{19, 45, 36, 39, 12, 0}},  // then left out
		{fixed + 45 + 36 + 8 - 3, []int{19, 45, 36, 39, 8, 0}},     // the client is cut to 8
		{fixed + 45 + 36 + 7 - 3, []int{19, 45, 36, 39, 0, 0}},     // then left out
		{fixed + 20 + 36 - 6, []int{19, 20, 36, 39, 0, 0}},         // the activity is cut to 20
		{fixed + 20 + 8 - 6, []int{19, 20, 8, 39, 0, 0}},           // then the user, to 8
		{fixed + 12 + 8 - 6, []int{19, 12, 8, 39, 0, 0}},           // then the activity, to 12
		{fixed + 12 + 8 - 6 - 24, []int{19, 12, 8, 15, 0, 0}},      // and the IP address, to 15
		{fixed + 12 + 8 - 6 - 25, []int{19, 20, 17, 0, 0, 0}},      // then the IP address goes, and the user gets width back
		{19 + 12 + 8 + 2*columnGap - 1, []int{19, 22, 0, 0, 0, 0}}, // the user goes last
	}
	for _, tt := range tests {
		got := layout(cols, want, tablePlan(true), tt.total)
		if !slices.Equal(got, tt.want) {
			t.Errorf("layout(%d) = %v, want %v", tt.total, got, tt.want)
		}
	}
}

// TestLayoutChosen: chosen columns are cut, never left out: paths and the
// user agent first, then the activity, then IDs and users (to 8).
func TestLayoutChosen(t *testing.T) {
	cols, err := parseColumns([]string{"time", "id", "activity", "user", "userAgent", "data.context.geo_location_code"})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{19, 36, 40, 36, 50, 20}
	tests := []struct {
		total int
		want  []int
	}{
		{500, want},
		{150, []int{19, 36, 26, 36, 10, 8}}, // the user agent and the path first, then the activity
		{120, []int{19, 36, 20, 12, 10, 8}}, // then users and IDs, the rightmost first
		{100, []int{19, 20, 20, 8, 10, 8}},
		{40, []int{19, 8, 12, 8, 10, 8}}, // the line wraps
	}
	for _, tt := range tests {
		if got := layout(cols, want, tablePlan(false), tt.total); !slices.Equal(got, tt.want) {
			t.Errorf("layout(%d) = %v, want %v", tt.total, got, tt.want)
		}
	}
	out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: 40, Columns: []string{"id", "time", "ip", "userAgent"}}, fixtures()[:1])
	if !strings.HasSuffix(strings.SplitN(out, "\n", 2)[0], "USER AGENT") {
		t.Errorf("a chosen column was left out:\n%s", out)
	}
}

// TestTableWide: every column, every value whole, whatever the width.
func TestTableWide(t *testing.T) {
	for _, o := range []Options{{Format: FormatWide, Width: 80}, {Format: FormatTable, Wide: true, Width: 40}} {
		o.UTC = true
		out := writeAll(t, o, fixtures())
		lines := strings.Split(out, "\n")
		if got := headerColumns(lines[0]); len(got) != len(wideTableColumns) {
			t.Errorf("header %q, want %d columns", lines[0], len(wideTableColumns))
		}
		if strings.Contains(out, "…") {
			t.Errorf("a value was cut:\n%s", out)
		}
		for _, e := range fixtures() {
			for _, v := range []string{e.ID, e.UserID, Sanitize(e.UserAgent), eventEmail(e)} {
				if !strings.Contains(out, Sanitize(v)) {
					t.Errorf("%q is not shown whole", v)
				}
			}
		}
	}
	// With chosen columns, only those, whole.
	out := writeAll(t, Options{Format: FormatWide, UTC: true, Width: 40, Columns: []string{"time", "userAgent"}}, fixtures()[:1])
	if want := "TIME (UTC)            USER AGENT\n2026-11-25 10:00:00   " + fixtures()[0].UserAgent + "\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestTableUserIsID: "user" is the user ID in a table too, and "email" a
// column of its own.
func TestTableUserIsID(t *testing.T) {
	out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: 200, Columns: []string{"user", "email", "userID"}}, fixtures()[:1])
	want := "USER                                   EMAIL               USER\n" +
		"6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f   alice@example.com   6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestTableHeldRows: the first sizeRows rows size the columns; a longer
// value after them is cut to fit, except in a wide table. Writing each
// event through (tail) sizes the columns by what they can hold and writes
// every row at once.
func TestTableHeldRows(t *testing.T) {
	var evs []*auditlog.Event
	for i := range sizeRows + 1 {
		evs = append(evs, &auditlog.Event{ID: "x", CreatedAt: t0.Add(time.Duration(i) * time.Second), ActivityType: "SMS_SENT", UserID: "u-1"})
	}
	evs[sizeRows].UserID = "a-much-longer-user-id"
	out := writeAll(t, Options{Format: FormatTable, UTC: true, Columns: []string{"user", "activity"}}, evs)
	if !strings.HasSuffix(out, "\na-m…   SMS_SENT\n") {
		t.Errorf("the late long value is not cut to the column: %q", out[len(out)-60:])
	}
	out = writeAll(t, Options{Format: FormatWide, UTC: true, Columns: []string{"user", "activity"}}, evs)
	if !strings.HasSuffix(out, "\na-much-longer-user-id   SMS_SENT\n") {
		t.Errorf("wide: the late long value is cut: %q", out[len(out)-60:])
	}

	var b strings.Builder
	w, err := New(&b, Options{Format: FormatTable, UTC: true, Width: 80, FlushEach: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range fixtures() {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(b.String(), "\n"); n != i+2 {
			t.Fatalf("after %d events: %d lines written, want %d", i+1, n, i+2)
		}
	}
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if len([]rune(l)) > 80 {
			t.Errorf("line of %d: %q", len([]rune(l)), l)
		}
	}
	if h := headerColumns(strings.SplitN(b.String(), "\n", 2)[0]); len(h) != 4 {
		t.Errorf("tail at 80: header %v, want time, activity, user and IP", h)
	}
}

func TestTableEmptyWritesNothing(t *testing.T) {
	if out := writeAll(t, Options{Format: FormatTable}, nil); out != "" {
		t.Errorf("got %q", out)
	}
}

func TestTableNoColourUnlessAsked(t *testing.T) {
	if out := writeAll(t, Options{Format: FormatTable, UTC: true}, fixtures()); strings.Contains(out, "\x1b") {
		t.Error("escape sequence without Color")
	}
	out := writeAll(t, Options{Format: FormatTable, UTC: true, Color: true, Width: 200}, fixtures())
	for _, want := range []string{"\x1b[31mAUTHENTICATION_PRIMARY_PASSWORD_FAILED", "\x1b[33mADMIN_API_MUTATION"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in coloured output", want)
		}
	}
}

// TestActivityWidth pins the widths a table that writes each event through
// gives ACTIVITY: the longest type of a filter, else the longest type
// outside the admin tab.
func TestActivityWidth(t *testing.T) {
	if got := activityWidth(nil); got != len("AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED") {
		t.Errorf("activityWidth(nil) = %d, want 45", got)
	}
	if got := activityWidth([]string{"USER_CREATED", "ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED"}); got != 60 {
		t.Errorf("activityWidth(admin) = %d, want 60", got)
	}
	if got := activityWidth([]string{"SMS_SENT"}); got != 8 {
		t.Errorf("activityWidth(SMS_SENT) = %d, want 8", got)
	}
}

// TestTableColourResets checks that every colour reset closes one of our
// colours, wherever the coloured column is: no stray reset in front of an
// uncoloured cell.
func TestTableColourResets(t *testing.T) {
	coloured := regexp.MustCompile("\x1b\\[3[13]m[^\x1b]*\x1b\\[0m")
	for _, cols := range [][]string{nil, {"activity"}, {"activity", "time"}, {"time", "activity", "id"}} {
		out := writeAll(t, Options{Format: FormatTable, UTC: true, Color: true, Width: 200, Columns: cols}, fixtures())
		if n := len(coloured.FindAllString(out, -1)); n != 2 {
			t.Errorf("columns %q: %d coloured cells, want 2:\n%q", cols, n, out)
		}
		if rest := coloured.ReplaceAllString(out, ""); strings.Contains(rest, "\x1b") {
			t.Errorf("columns %q: stray escape sequence:\n%q", cols, rest)
		}
	}
}
