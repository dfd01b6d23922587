package output

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

func TestBar(t *testing.T) {
	tests := []struct {
		n, largest, width int
		want              string
	}{
		{0, 100, 10, ""},
		{100, 100, 10, "██████████"},
		{50, 100, 10, "█████"},
		{1, 100, 10, "▏"},   // 0.8 of an eighth: rounds to one
		{1, 10000, 10, "▏"}, // far less than an eighth: still shows
		{13, 100, 10, "█▎"}, // 1.3 cells = 10.4 eighths
		{15, 100, 10, "█▌"}, // 12 eighths
		{19, 100, 10, "█▉"}, // 15.2 eighths
		{99, 100, 10, "█████████▉"},
		{7, 8, 1, "▉"},
		{3, 0, 10, ""},
		{3, 5, 0, ""},
		{9, 5, 4, "████"}, // never longer than width
	}
	for _, tt := range tests {
		if got := Bar(tt.n, tt.largest, tt.width); got != tt.want {
			t.Errorf("Bar(%d, %d, %d) = %q, want %q", tt.n, tt.largest, tt.width, got, tt.want)
		}
	}
	// Every eighth has its own character, and a bar grows with its count.
	prev := ""
	for n := 1; n <= 80; n++ {
		b := Bar(n, 80, 10)
		if utf8.RuneCountInString(b) < utf8.RuneCountInString(prev) || b == prev {
			t.Fatalf("Bar(%d) = %q after %q", n, b, prev)
		}
		prev = b
	}
}

// hourTable is a day of hours with a storm at 03:00.
func hourTable() CountTable {
	t := CountTable{Columns: []string{"HOUR"}, Chart: true}
	for h, n := range []int{12, 9, 8, 4210, 3987, 15, 7, 22, 40, 61, 55, 58, 60, 49, 51, 57, 63, 70, 66, 41, 33, 25, 18, 0} {
		t.Rows = append(t.Rows, CountRow{Cells: []string{"2026-11-25T" + twoDigits(h) + ":00Z"}, Count: n})
	}
	return t
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func writeTable(t *testing.T, tbl CountTable) []string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCountTable(&b, tbl); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// barCells is how long a bar is, in cells.
func barCells(bar string) float64 {
	n := 0.0
	for _, r := range bar {
		switch i := strings.IndexRune("▏▎▍▌▋▊▉", r); {
		case r == '█':
			n++
		case i >= 0:
			n += float64(utf8.RuneCountInString("▏▎▍▌▋▊▉"[:i])+1) / 8
		}
	}
	return n
}

// barOf returns where the line's bar starts (in cells) and the bar.
func barOf(line string) (int, string) {
	i := strings.IndexAny(line, "█▏▎▍▌▋▊▉")
	if i < 0 {
		return -1, ""
	}
	return twwidth.Width(line[:i]), line[i:]
}

// TestCountTableChart at 80 and at 200 columns: every line fits, the bars
// start in one column, the largest count fills the room, the others are
// to scale, and a zero has no bar.
func TestCountTableChart(t *testing.T) {
	for _, width := range []int{80, 200} {
		tbl := hourTable()
		tbl.Width = width
		lines := writeTable(t, tbl)
		if len(lines) != len(tbl.Rows)+2 {
			t.Fatalf("%d lines, want %d", len(lines), len(tbl.Rows)+2)
		}
		if lines[0] != "HOUR               COUNT" {
			t.Errorf("header %q", lines[0])
		}
		total := 0
		for _, r := range tbl.Rows {
			total += r.Count
		}
		if f := strings.Fields(lines[len(lines)-1]); len(f) != 2 || f[0] != "TOTAL" || f[1] != strconv.Itoa(total) {
			t.Errorf("last line %q", lines[len(lines)-1])
		}
		col, room := -1, width-len("2026-11-25T03:00Z  COUNT  ")
		for i, row := range tbl.Rows {
			line := lines[i+1]
			if w := twwidth.Width(line); w > width {
				t.Errorf("width %d: line %q is %d wide", width, line, w)
			}
			if !strings.HasPrefix(line, row.Cells[0]) {
				t.Errorf("line %q does not start with its key", line)
			}
			at, bar := barOf(line)
			if row.Count == 0 {
				if at >= 0 || strings.HasSuffix(line, " ") {
					t.Errorf("a zero has a bar or trailing space: %q", line)
				}
				continue
			}
			if col == -1 {
				col = at
			}
			if at != col {
				t.Errorf("width %d: bar of %s starts at %d, others at %d", width, row.Cells[0], at, col)
			}
			cells := barCells(bar)
			want := float64(row.Count) / 4210 * float64(room)
			if cells < want-0.125 || cells > want+0.125 {
				t.Errorf("width %d: %d is %.3f cells, want %.3f", width, row.Count, cells, want)
			}
		}
		if _, bar := barOf(lines[4]); twwidth.Width(bar) != room {
			t.Errorf("width %d: the largest bar is %d wide, want the whole room %d", width, twwidth.Width(bar), room)
		}
	}
}

// TestCountTableRoom: long keys are cut to leave bars some room, the
// email first; a terminal too narrow for both gets no bars; without a
// chart nothing is cut; cells are sanitized.
func TestCountTableRoom(t *testing.T) {
	long := strings.Repeat("client-", 20)
	tbl := CountTable{
		Columns: []string{"USER", "EMAIL"},
		Rows: []CountRow{
			{Cells: []string{"6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f", "a.very.long.address.of.someone@example.com"}, Count: 30},
			{Cells: []string{"(none)", "-"}, Count: 12},
			{Cells: []string{"\x1b[31mred", "x@example.com"}, Count: 1},
		},
		Chart: true, Width: 80,
	}
	lines := writeTable(t, tbl)
	for _, l := range lines {
		if w := twwidth.Width(l); w > 80 {
			t.Errorf("line %q is %d wide", l, w)
		}
		if strings.Contains(l, "\x1b") {
			t.Errorf("escape reached the terminal: %q", l)
		}
	}
	if !strings.HasPrefix(lines[1], "6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f  ") || !strings.Contains(lines[1], "…") {
		t.Errorf("the user ID should stay whole and the email be cut: %q", lines[1])
	}
	if _, bar := barOf(lines[1]); twwidth.Width(bar) != minBarWidth {
		t.Errorf("bar %q, want %d cells", bar, minBarWidth)
	}

	one := CountTable{Columns: []string{"CLIENT"}, Rows: []CountRow{{Cells: []string{long}, Count: 3}}, Chart: true, Width: 80}
	lines = writeTable(t, one)
	if w := twwidth.Width(lines[1]); w != 80 {
		t.Errorf("a long key is cut to fit a bar: line is %d wide, want 80: %q", w, lines[1])
	}
	one.Width = 20
	lines = writeTable(t, one)
	if at, _ := barOf(lines[1]); at >= 0 || !strings.Contains(lines[1], long) {
		t.Errorf("too narrow for a bar: want the key whole and no bar: %q", lines[1])
	}
	one.Chart, one.Width = false, 80
	if lines = writeTable(t, one); !strings.Contains(lines[1], long) {
		t.Errorf("without a chart the key is cut: %q", lines[1])
	}
}

// TestCountTableAlignsCounts: counts of every width end in the same
// column, the header's COUNT and the TOTAL too, with bars or without.
func TestCountTableAlignsCounts(t *testing.T) {
	for _, chart := range []bool{false, true} {
		tbl := CountTable{Columns: []string{"IP"}, Chart: chart, Width: 80, Rows: []CountRow{
			{Cells: []string{"192.0.2.1"}, Count: 12345},
			{Cells: []string{"192.0.2.22"}, Count: 7},
			{Cells: []string{"192.0.2.3"}, Count: 480},
		}}
		lines := writeTable(t, tbl)
		want := []string{"COUNT", "12345", "7", "480", "12832"}
		end := -1
		for i, l := range lines {
			at := strings.Index(l, want[i])
			if at < 0 {
				t.Fatalf("chart %v: line %q has no %s", chart, l, want[i])
			}
			if e := at + len(want[i]); end == -1 {
				end = e
			} else if e != end {
				t.Errorf("chart %v: %s ends at %d, COUNT at %d:\n%s", chart, want[i], e, end, strings.Join(lines, "\n"))
			}
		}
	}
}
