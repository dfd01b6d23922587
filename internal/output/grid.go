package output

import (
	"bufio"
	"io"

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
	cols := make([]gridColumn, len(widths))
	for i, wd := range widths {
		cols[i] = gridColumn{width: wd}
	}
	bw := bufio.NewWriter(w)
	var line []byte
	for _, l := range lines {
		line = appendLine(line[:0], cols, l[:min(len(l), len(cols))], tableGap, nil)
		line = append(line, '\n')
		bw.Write(line)
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

// gridColumn is how a column of a table for people is laid out: its width
// in display cells, whether a longer cell is cut to it with "…", whether
// cells are right-aligned (counts), and whether it is left out (a column
// a narrow terminal has no room for).
type gridColumn struct {
	width  int
	cut    bool
	right  bool
	hidden bool
}

// appendLine appends one line of a table for people to dst, the one layout
// every table here shares: each cell of a shown column cut to its width
// when the column says so, padded to it (on the left when right-aligned),
// gap spaces between columns. The last cell given is not padded on its
// right; cells may be fewer than columns. paint, when not nil, colours
// cell i after its width was measured.
func appendLine(dst []byte, cols []gridColumn, cells []string, gap int, paint func(i int, s string) string) []byte {
	last := len(cells) - 1
	for last >= 0 && cols[last].hidden {
		last--
	}
	for i := 0; i <= last; i++ {
		c, s := cols[i], cells[i]
		if c.hidden {
			continue
		}
		if c.cut {
			s = fit(s, c.width)
		}
		pad := max(0, c.width-twwidth.Width(s))
		if paint != nil {
			s = paint(i, s)
		}
		if c.right {
			dst = appendSpaces(dst, pad)
			pad = 0
		}
		dst = append(dst, s...)
		if i < last {
			dst = appendSpaces(dst, pad+gap)
		}
	}
	return dst
}

func appendSpaces(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, ' ')
	}
	return dst
}

func sanitizeAll(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Sanitize(c)
	}
	return out
}
