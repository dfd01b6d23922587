package output

import (
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
	out := writeAll(t, Options{Format: FormatTable, UTC: true, Width: 100}, fixtures())
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(fixtures())+1 {
		t.Fatalf("%d lines, want a header and %d rows:\n%s", len(lines), len(fixtures()), out)
	}
	for _, l := range lines {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space in %q", l)
		}
		if w := len([]rune(l)); w > 100 {
			t.Errorf("line of %d cells, want at most 100: %q", w, l)
		}
	}
	if h := lines[0]; !strings.HasPrefix(h, "TIME (UTC)   ") || !strings.Contains(h, "   ACTIVITY   ") || !strings.HasSuffix(h, "   CLIENT") {
		t.Errorf("header %q", h)
	}
	// Columns line up: every row has its second column where the header has it.
	col := strings.Index(lines[0], "ACTIVITY")
	for _, l := range lines[1:] {
		if r := []rune(l); len(r) <= col || r[col-1] != ' ' || r[col] == ' ' {
			t.Errorf("row %q does not start its activity at column %d", l, col)
		}
	}
}

func TestTableNarrowLeavesOutColumns(t *testing.T) {
	tests := []struct {
		width  int
		header []string
	}{
		{120, []string{"TIME", "(UTC)", "ACTIVITY", "USER", "IP", "CLIENT", "USER", "AGENT"}},
		{100, []string{"TIME", "(UTC)", "ACTIVITY", "USER", "IP", "CLIENT"}},
		{80, []string{"TIME", "(UTC)", "ACTIVITY", "USER", "IP"}},
		{40, []string{"TIME", "(UTC)", "ACTIVITY", "USER"}},
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

func TestAllocWidths(t *testing.T) {
	wants := []colWidth{
		{min: 19, want: 19, ideal: 19},
		{min: 20, want: 30, ideal: 40, prio: 1},
		{min: 16, want: 26, ideal: 32, prio: 2},
		{min: 10, flex: true},
	}
	tests := []struct {
		total int
		want  []int
	}{
		{50, []int{19, 20, 16, 10}},   // too narrow: the minimums, and the line wraps
		{100, []int{19, 36, 26, 10}},  // first the wants, then the activity's ideal
		{200, []int{19, 40, 32, 100}}, // every ideal, the rest to the flexible column
	}
	for _, tt := range tests {
		if got := allocWidths(wants, tt.total); !slices.Equal(got, tt.want) {
			t.Errorf("allocWidths(%d) = %v, want %v", tt.total, got, tt.want)
		}
	}
}
