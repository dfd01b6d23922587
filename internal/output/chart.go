package output

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// Grouped counts for people: a table of keys and counts with a bar per
// row, scaled to the largest count, so that the shape of the numbers (a
// storm of logins in one hour) shows at a glance. The bars are characters
// (full blocks and eighths of a block), not colours: they read the same on
// every terminal, with colour or without.

const (
	minBarWidth = 10 // narrower bars say too little: no bars at all then
	minKeyWidth = 8  // a key column is never cut shorter than this
)

// blockEighths are the partial blocks of one to seven eighths of a cell.
var blockEighths = [8]string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// Bar draws n out of largest as a bar of at most width cells: full blocks (█),
// then a partial block for the remaining eighths. A count above zero
// always shows (at least ▏); zero draws nothing.
func Bar(n, largest, width int) string {
	if n <= 0 || largest <= 0 || width <= 0 {
		return ""
	}
	n = min(n, largest)
	eighths := int((int64(n)*int64(width)*8 + int64(largest)/2) / int64(largest))
	eighths = max(eighths, 1)
	return strings.Repeat("█", eighths/8) + blockEighths[eighths%8]
}

// CountTable is a table of grouped counts.
type CountTable struct {
	// Columns head the columns that name a row: DAY, or USER and EMAIL.
	Columns []string
	Rows    []CountRow
	// Chart adds a bar to each row, scaled to the largest count, in the
	// room the terminal leaves (none when it leaves too little).
	Chart bool
	// Width is the terminal's width (defaultWidth when 0). Key columns are
	// cut, last first, only to make room for bars.
	Width int
}

// CountRow is one row of a CountTable.
type CountRow struct {
	Cells []string // one per column, as they come from the data
	Count int
}

// WriteCountTable writes t: a header, a row per key with its count (and
// bar), and a TOTAL row. Cells are sanitized.
func WriteCountTable(w io.Writer, t CountTable) error {
	cells := make([][]string, len(t.Rows))
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = twwidth.Width(c)
	}
	total, largest := 0, 0
	for r, row := range t.Rows {
		cells[r] = make([]string, len(t.Columns))
		for i := range t.Columns {
			if i < len(row.Cells) {
				cells[r][i] = Sanitize(row.Cells[i])
			}
			widths[i] = max(widths[i], twwidth.Width(cells[r][i]))
		}
		total += row.Count
		largest = max(largest, row.Count)
	}
	if len(widths) > 0 {
		widths[0] = max(widths[0], len("TOTAL"))
	}
	countWidth := max(len("COUNT"), len(strconv.Itoa(total)))

	barWidth := 0
	if t.Chart {
		barWidth = chartRoom(widths, countWidth, t.Width)
	}

	cols := make([]gridColumn, 0, len(widths)+2)
	for _, wd := range widths {
		cols = append(cols, gridColumn{width: wd, cut: true})
	}
	cols = append(cols, gridColumn{width: countWidth, right: true}, gridColumn{width: barWidth})
	bw := bufio.NewWriter(w)
	var buf []byte
	line := func(keys []string, count string, bar string) {
		cells := append(slices.Clone(keys), count)
		if bar != "" {
			cells = append(cells, bar)
		}
		buf = appendLine(buf[:0], cols, cells, tableGap, nil)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	line(t.Columns, "COUNT", "")
	for r, row := range t.Rows {
		line(cells[r], strconv.Itoa(row.Count), Bar(row.Count, largest, barWidth))
	}
	foot := make([]string, len(t.Columns))
	if len(foot) > 0 {
		foot[0] = "TOTAL"
	}
	line(foot, strconv.Itoa(total), "")
	return bw.Flush()
}

// chartRoom is the width of the bars: what a line of the terminal leaves
// after the key columns and the count. Where that is less than
// minBarWidth, key columns are cut (the last first, none below
// minKeyWidth) to make room, and widths changed; where even that is not
// enough, 0: no bars, and widths stay as they are.
func chartRoom(widths []int, countWidth, termWidth int) int {
	if termWidth <= 0 {
		termWidth = defaultWidth
	}
	used := countWidth + tableGap
	for _, w := range widths {
		used += w + tableGap
	}
	room := termWidth - used
	cut := slices.Clone(widths)
	for i := len(cut) - 1; i >= 0 && room < minBarWidth; i-- {
		n := min(minBarWidth-room, max(0, cut[i]-minKeyWidth))
		cut[i] -= n
		room += n
	}
	if room < minBarWidth {
		return 0
	}
	copy(widths, cut)
	return room
}
