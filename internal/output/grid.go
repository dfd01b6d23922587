package output

import (
	"bufio"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// tableGap is the space between the columns of every table for people.
const tableGap = 2

// WriteTable writes a small borderless table for people (profiles,
// settings, the activity catalog): the header, then a line per row, each
// column as wide as its widest cell in display cells. Every cell is
// sanitized, so nothing from a config file or the data reaches the terminal
// as a control sequence. The last column is not padded.
func WriteTable(w io.Writer, header []string, rows [][]string) error {
	lines := make([][]string, 0, len(rows)+1)
	lines = append(lines, sanitizeAll(header))
	for _, r := range rows {
		lines = append(lines, sanitizeAll(r))
	}
	widths := make([]int, len(header))
	for _, l := range lines {
		for i := range min(len(l), len(widths)) {
			widths[i] = max(widths[i], twwidth.Width(l[i]))
		}
	}
	bw := bufio.NewWriter(w)
	for _, l := range lines {
		writePadded(bw, l, widths)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteFields writes aligned "key: value" lines, keys as wide as the
// longest of them, sanitized; an empty value shows as "-".
func WriteFields(w io.Writer, kv [][2]string) error {
	bw := bufio.NewWriter(w)
	writeKeyValues(bw, kv)
	return bw.Flush()
}

// writePadded writes cells, each padded to its column's width and followed
// by the gap, except the last, which is written as it is. A cell wider than
// its column is written whole.
func writePadded(bw *bufio.Writer, cells []string, widths []int) {
	for i, c := range cells {
		bw.WriteString(c)
		if i == len(cells)-1 {
			break
		}
		if i < len(widths) {
			bw.WriteString(strings.Repeat(" ", max(0, widths[i]-twwidth.Width(c))+tableGap))
		}
	}
}

func sanitizeAll(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Sanitize(c)
	}
	return out
}
