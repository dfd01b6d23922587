package output

import (
	"bufio"
	"io"
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

func TestTableNarrowLeavesOutColumns(t *testing.T) {
	fixed := 19 + columnGap + activityWidth(nil) // time and activity
	tests := []struct {
		width  int
		header []string
	}{
		{fixed + 115, []string{"TIME", "(UTC)", "ACTIVITY", "USER", "IP", "CLIENT", "USER", "AGENT"}},
		{fixed + 99, []string{"TIME", "(UTC)", "ACTIVITY", "USER", "IP", "CLIENT"}},
		{fixed + 37, []string{"TIME", "(UTC)", "ACTIVITY", "USER", "IP"}},
		{fixed + 15, []string{"TIME", "(UTC)", "ACTIVITY", "USER"}},
		{40, []string{"TIME", "(UTC)", "ACTIVITY"}},
	}
	for _, tt := range tests {
		out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: tt.width}, fixtures()[:1])
		if got := strings.Fields(strings.SplitN(out, "\n", 2)[0]); !slices.Equal(got, tt.header) {
			t.Errorf("width %d: header %q, want %q", tt.width, got, tt.header)
		}
	}
	// Chosen columns are all kept.
	out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: 40, Columns: []string{"id", "time", "ip", "userAgent"}}, fixtures()[:1])
	if !strings.HasSuffix(strings.SplitN(out, "\n", 2)[0], "USER AGENT") {
		t.Errorf("a chosen column was left out:\n%s", out)
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

// TestLayoutDefault follows the default table from a wide terminal to a
// narrow one: the user agent goes first, then the client, then the user
// is cut, then the IP address; time and activity always stay whole.
func TestLayoutDefault(t *testing.T) {
	tw, err := newTableWriter(io.Discard, Options{Format: FormatTable, UTC: true})
	if err != nil {
		t.Fatal(err)
	}
	wants := make([]colWidth, len(tw.cols))
	for i, c := range tw.cols {
		wants[i] = tw.wants(c)
	}
	a := activityWidth(nil)
	fixed := 19 + columnGap + a // time and activity
	tests := []struct {
		total int
		want  []int // user, ip, client, user agent
	}{
		{fixed + 165, []int{36, 39, 16, 62}}, // every ideal, the rest to the user agent
		{fixed + 115, []int{36, 39, 16, 12}},
		{fixed + 114, []int{36, 39, 16, 0}}, // no room for the user agent
		{fixed + 99, []int{36, 39, 15, 0}},  // the client is cut
		{fixed + 91, []int{36, 39, 0, 0}},   // and then left out
		{fixed + 80, []int{35, 39, 0, 0}},   // the user is cut
		{fixed + 58, []int{16, 36, 0, 0}},   // then the IP address
		{fixed + 37, []int{16, 15, 0, 0}},
		{fixed + 36, []int{33, 0, 0, 0}}, // the IP address goes, the user grows again
		{fixed + 15, []int{12, 0, 0, 0}},
		{fixed + 14, []int{0, 0, 0, 0}}, // time and activity only
		{fixed - 10, []int{0, 0, 0, 0}}, // and the line wraps
	}
	for _, tt := range tests {
		got := layout(wants, defaultPlan(tw.cols), tt.total)
		if want := append([]int{19, a}, tt.want...); !slices.Equal(got, want) {
			t.Errorf("layout(%d) = %v, want %v", tt.total, got, want)
		}
		if w := lineWidth(got); w > tt.total && tt.total >= fixed {
			t.Errorf("layout(%d): line of %d", tt.total, w)
		}
	}
}

func TestLayoutChosen(t *testing.T) {
	wants := []colWidth{
		{min: 19, ideal: 19},
		{min: 16, ideal: 36},
		{min: 10, ideal: 12, flex: true},
		{min: 15, ideal: 39},
		{min: 20, ideal: 40, flex: true},
	}
	tests := []struct {
		total int
		want  []int
	}{
		{200, []int{19, 36, 33, 39, 61}}, // every ideal, the rest shared by the flexible columns
		{158, []int{19, 36, 12, 39, 40}},
		{150, []int{19, 36, 12, 39, 32}}, // the flexible columns are cut first, from the right
		{136, []int{19, 36, 10, 39, 20}},
		{135, []int{19, 36, 10, 38, 20}}, // then the others, from the right
		{100, []int{19, 24, 10, 15, 20}},
		{50, []int{19, 16, 10, 15, 20}}, // no column is left out: the line wraps
	}
	for _, tt := range tests {
		if got := layout(wants, chosenPlan(wants), tt.total); !slices.Equal(got, tt.want) {
			t.Errorf("layout(%d) = %v, want %v", tt.total, got, tt.want)
		}
	}
}

// TestTableActivityWhole writes every activity of the catalog in a narrow
// and a wide default table: none is cut, nor an IPv6 address where there
// is room.
func TestTableActivityWhole(t *testing.T) {
	const ipv6 = "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"
	var (
		evs []*auditlog.Event
		all []string
	)
	for i, a := range auditlog.Catalog() {
		evs = append(evs, &auditlog.Event{ID: a.Enum, CreatedAt: t0.Add(time.Duration(i) * time.Second), ActivityType: a.Enum, IPAddress: ipv6})
		all = append(all, a.Enum)
	}
	for _, width := range []int{40, 100, 200} {
		// With the filter's types given, every one of them is shown whole;
		// with none, every type outside the admin tab is.
		for _, activities := range [][]string{all, nil} {
			out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: width, Activities: activities}, evs)
			lines := strings.Split(out, "\n")[1:]
			for i, e := range evs {
				if activities == nil && auditlog.InAdminActivities(e.ActivityType) {
					if !strings.Contains(lines[i], "…") && len(e.ActivityType) > activityWidth(nil) {
						t.Errorf("width %d: %q: a long admin type should be cut", width, lines[i])
					}
					continue
				}
				if f := strings.Fields(lines[i]); len(f) < 3 || f[2] != e.ActivityType {
					t.Errorf("width %d, activities %d: %q does not show %s whole", width, len(activities), lines[i], e.ActivityType)
				}
				if width == 200 && !strings.Contains(lines[i], "   "+ipv6) {
					t.Errorf("width %d: %q does not show the IPv6 address whole", width, lines[i])
				}
			}
		}
	}
}

// TestActivityWidth pins the widths: the longest type of a filter, else the
// longest type outside the admin tab.
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

// TestLineWriter feeds the same text whole and one byte at a time.
func TestLineWriter(t *testing.T) {
	in := "a   \x1b[31mX\x1b[0m   \x1b[0mb   \n\x1b[0mc \x1b[33mY\x1b[0m   \x1b[0m\n"
	want := "a   \x1b[31mX\x1b[0m   b\nc \x1b[33mY\x1b[0m\n"
	for _, chunk := range []int{len(in), 1, 3} {
		var b strings.Builder
		l := &lineWriter{w: bufio.NewWriter(&b)}
		for p := in; p != ""; {
			n := min(chunk, len(p))
			if _, err := l.Write([]byte(p[:n])); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		l.flush()
		if b.String() != want {
			t.Errorf("writes of %d: got %q, want %q", chunk, b.String(), want)
		}
	}
}
