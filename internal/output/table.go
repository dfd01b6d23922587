package output

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// Table output: a borderless, kubectl-like table for people. A column is as
// wide as the longest value it shows: the writer holds back the first
// sizeRows rows to measure them (or, writing each event through as tail
// does, sizes columns by what they can hold). No line is wider than
// Options.Width: to fit, cells are cut with "…" in the order of tablePlan.
// Wide shows every column with full values, whatever the width. Every cell
// is sanitized first, so nothing from the data reaches the terminal as a
// control sequence.

// defaultTableColumns are the columns of a table without Options.Columns;
// on a narrow terminal the last two may be left out (tablePlan).
var defaultTableColumns = []string{"time", "activity", "user", "ip", "client", "userAgent"}

// wideTableColumns are the columns of a wide table without Options.Columns.
var wideTableColumns = []string{"time", "id", "activity", "user", "email", "ip", "client", "userAgent"}

const (
	defaultWidth = 120
	columnGap    = 3 // spaces between columns
	timeLayout   = "2006-01-02 15:04:05"
	ellipsis     = "…"
	// sizeRows is how many rows are held back to measure the columns; rows
	// after them are cut to the widths found (or, wide, shown whole).
	sizeRows  = 1000
	ipv4Width = len("255.255.255.255")
	uuidWidth = len("6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f")
	// minUser is the least a user column is cut to.
	minUser = 8
)

// tableRow is one event's cells, sanitized, before cutting.
type tableRow struct {
	cells    []string
	activity string // for the colour
}

type tableWriter struct {
	w           *bufio.Writer
	cols        []column
	widths      []int                    // fixed when the header is written; 0: left out
	grid        []gridColumn             // the widths as the lines are laid out
	activity    string                   // the activity of the line being written, for paintActivity
	paint       func(int, string) string // paintActivity, bound once
	line        []byte                   // the line being written, reused
	width       int                      // of the terminal
	loc         *time.Location
	color       bool
	flushEach   bool
	wide        bool
	defaultCols bool
	activities  []string // the types the output can hold, for the ACTIVITY width
	zone        int      // the UTC offset in the header, in seconds
	year        int      // the year of the first event
	zoned       bool     // zone and year are set
	held        []tableRow
	started     bool
	closed      bool
	err         error
}

func newTableWriter(w io.Writer, o Options) (*tableWriter, error) {
	names := o.Columns
	switch {
	case names == nil && o.Wide:
		names = wideTableColumns
	case names == nil:
		names = defaultTableColumns
	}
	cols, err := parseColumns(names)
	if err != nil {
		return nil, err
	}
	width := o.Width
	if width <= 0 {
		width = defaultWidth
	}
	return &tableWriter{
		w:    bufio.NewWriterSize(w, bufSize),
		cols: cols, width: width, loc: o.location(), color: o.Color, flushEach: o.FlushEach, wide: o.Wide,
		activities:  o.Activities,
		defaultCols: o.Columns == nil,
	}, nil
}

func (t *tableWriter) Write(e *auditlog.Event) error {
	if t.err != nil {
		return t.err
	}
	if t.closed {
		return errClosed
	}
	if !t.zoned {
		first := e.CreatedAt.In(t.loc)
		_, t.zone = first.Zone()
		t.year = first.Year()
		t.zoned = true
	}
	row := t.row(e)
	switch {
	case t.started:
		t.writeRow(row)
	case t.flushEach:
		t.start(t.expected())
		t.writeRow(row)
	default:
		t.held = append(t.held, row)
		if len(t.held) >= sizeRows {
			t.writeHeld()
		}
	}
	if t.err == nil && t.flushEach {
		t.err = t.w.Flush()
	}
	return t.err
}

// Close ends the table. A table without events writes nothing at all: the
// caller says "no events" on stderr if it wants to.
func (t *tableWriter) Close() error {
	if t.err != nil {
		return t.err
	}
	if t.closed {
		return nil
	}
	t.closed = true
	if !t.started && len(t.held) > 0 {
		t.writeHeld()
	}
	if t.err == nil {
		t.err = t.w.Flush()
	}
	return t.err
}

// writeHeld sizes the columns to the rows held back and writes them.
func (t *tableWriter) writeHeld() {
	t.start(t.measured())
	for _, r := range t.held {
		t.writeRow(r)
	}
	t.held = nil
}

// row is the sanitized text of an event's cells.
func (t *tableWriter) row(e *auditlog.Event) tableRow {
	r := tableRow{cells: make([]string, len(t.cols)), activity: e.ActivityType}
	for i, c := range t.cols {
		r.cells[i] = Sanitize(t.value(e, c))
	}
	return r
}

// measured is how wide each column wants to be: its header or its longest
// value held back, whichever is wider.
func (t *tableWriter) measured() []int {
	w := make([]int, len(t.cols))
	for i, c := range t.cols {
		w[i] = twwidth.Width(t.header(c))
		for _, r := range t.held {
			w[i] = max(w[i], twwidth.Width(r.cells[i]))
		}
	}
	return w
}

// expected is how wide each column wants to be when no rows are held back
// (tail): what its values usually take.
func (t *tableWriter) expected() []int {
	w := make([]int, len(t.cols))
	for i, c := range t.cols {
		var v int
		switch c.kind {
		case colCreatedAt:
			v = len(timeLayout)
			if t.zoneVaries() {
				v += len(" +0530")
			}
		case colActivityType:
			v = activityWidth(t.activities)
		case colID, colUserID:
			v = uuidWidth
		case colEmail:
			v = 32
		case colIPAddress:
			v = ipv4Width
		case colClientID:
			v = 16
		case colUserAgent, colData:
			v = 40
		default:
			v = 24
		}
		w[i] = max(v, twwidth.Width(t.header(c)))
	}
	return w
}

// activityWidth is the width that the activity types the output can hold
// need, for a table that cannot measure them: the longest of them. With no
// filter it is the longest type outside the portal's admin tab (45): the
// longest admin names (up to 60) would take a third of a terminal on every
// line for types most searches never show.
func activityWidth(types []string) int {
	w := 0
	if len(types) > 0 {
		for _, t := range types {
			w = max(w, len(t))
		}
		return w
	}
	for _, a := range auditlog.Catalog() {
		if !auditlog.InAdminActivities(a.Enum) {
			w = max(w, len(a.Enum))
		}
	}
	return w
}

// start fixes the column widths, from what the columns want, and writes the
// header.
func (t *tableWriter) start(want []int) {
	t.started = true
	if t.wide {
		t.widths = want
	} else {
		t.widths = layout(t.cols, want, tablePlan(t.defaultCols), t.width)
	}
	cells := make([]string, len(t.cols))
	for i, c := range t.cols {
		cells[i] = t.header(c)
	}
	t.writeLine(cells, "")
}

func (t *tableWriter) writeRow(r tableRow) {
	t.writeLine(r.cells, r.activity)
}

// writeLine writes the cells of the columns shown, each cut to its width
// (unless wide) and padded to it, the last one unpadded. A non-empty
// activity colours the ACTIVITY cell when colour is on.
func (t *tableWriter) writeLine(cells []string, activity string) {
	if t.err != nil {
		return
	}
	if t.grid == nil {
		t.grid = make([]gridColumn, len(t.widths))
		for i, w := range t.widths {
			t.grid[i] = gridColumn{width: w, cut: !t.wide, hidden: w == 0}
		}
	}
	var paint func(int, string) string
	if activity != "" && t.color {
		if t.paint == nil {
			t.paint = t.paintActivity
		}
		paint, t.activity = t.paint, activity
	}
	t.line = appendLine(t.line[:0], t.grid, cells, columnGap, paint)
	t.line = append(bytes.TrimRight(t.line, " "), '\n')
	if _, err := t.w.Write(t.line); err != nil {
		t.err = err
	}
}

// paintActivity colours the ACTIVITY cell of the line being written.
func (t *tableWriter) paintActivity(i int, s string) string {
	if t.cols[i].kind == colActivityType {
		return colorActivity(t.activity, s)
	}
	return s
}

// step is one move of a plan for a narrow line: cut the columns that match
// down to width, or with width dropColumn leave them out.
type step struct {
	match func(column) bool
	width int
}

const dropColumn = -1

func kindIs(kinds ...colKind) func(column) bool {
	return func(c column) bool {
		for _, k := range kinds {
			if c.kind == k {
				return true
			}
		}
		return false
	}
}

// tablePlan is how a table meets a narrow terminal: first the user agent,
// the data and paths into it, and the client are cut short (the default
// table leaves the user agent and the client out instead), then the
// activity, then the user and IDs, down to minUser; then the activity and
// the IP address are cut further. Time is never cut. Only the default
// table, as a last resort, leaves out the IP address and then the user;
// chosen columns are all kept, and a line that still does not fit wraps.
func tablePlan(defaultCols bool) []step {
	var plan []step
	if defaultCols {
		plan = append(plan,
			step{kindIs(colUserAgent), 20}, step{kindIs(colUserAgent), dropColumn},
			step{kindIs(colClientID), 8}, step{kindIs(colClientID), dropColumn})
	} else {
		plan = append(plan,
			step{kindIs(colUserAgent, colData), 10}, step{kindIs(colPath), 8}, step{kindIs(colClientID), 8})
	}
	plan = append(plan,
		step{kindIs(colActivityType), 20},
		step{kindIs(colUserID, colEmail, colID), minUser},
		step{kindIs(colActivityType), 12},
		step{kindIs(colIPAddress), ipv4Width})
	if defaultCols {
		plan = append(plan, step{kindIs(colIPAddress), dropColumn}, step{kindIs(colUserID), dropColumn})
	}
	return plan
}

// lineWidth is the width of a line with columns of widths w (0: left out).
func lineWidth(w []int) int {
	n, sum := 0, 0
	for _, x := range w {
		if x > 0 {
			n++
			sum += x
		}
	}
	if n == 0 {
		return 0
	}
	return sum + columnGap*(n-1)
}

// layout fixes the column widths for a line of total cells: every column
// starts at the width it wants; while the line is too wide, the steps of
// plan are taken in order, each cutting only as much as the line needs
// (the rightmost matching column first). Leaving a column out starts the
// plan afresh without it, so that columns cut before get their width back.
// If the whole plan does not make the line fit, it wraps.
func layout(cols []column, want []int, plan []step, total int) []int {
	out := make([]bool, len(cols))
	for {
		w := make([]int, len(cols))
		for i := range w {
			if !out[i] {
				w[i] = want[i]
			}
		}
		again := false
		for _, s := range plan {
			excess := lineWidth(w) - total
			if excess <= 0 {
				break
			}
			for i := len(cols) - 1; i >= 0 && excess > 0 && !again; i-- {
				switch {
				case w[i] == 0 || !s.match(cols[i]):
				case s.width == dropColumn:
					out[i], again = true, true
				case w[i] > s.width:
					cut := min(excess, w[i]-s.width)
					w[i] -= cut
					excess -= cut
				}
			}
			if again {
				break
			}
		}
		if !again {
			return w
		}
	}
}

// zoneVaries reports whether the table's zone changes its offset during the
// year of the first event (daylight saving time): rows whose offset differs
// from the header's then carry their own.
func (t *tableWriter) zoneVaries() bool {
	if t.loc == time.UTC {
		return false
	}
	y := t.year
	_, jan := time.Date(y, 1, 1, 0, 0, 0, 0, t.loc).Zone()
	_, jul := time.Date(y, 7, 1, 0, 0, 0, 0, t.loc).Zone()
	return jan != jul
}

// ZoneLabel names the zone loc at the instant at, as table headers do: UTC,
// or its offset then, such as +08, +0530 or -03.
func ZoneLabel(loc *time.Location, at time.Time) string {
	_, off := at.In(loc).Zone()
	return zoneLabel(loc, off)
}

// zoneLabel shows a UTC offset as +08, +0530 or -03, or UTC.
func zoneLabel(loc *time.Location, offset int) string {
	if loc == time.UTC {
		return "UTC"
	}
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	h, m := offset/3600, offset%3600/60
	if m != 0 {
		return fmt.Sprintf("%c%02d%02d", sign, h, m)
	}
	return fmt.Sprintf("%c%02d", sign, h)
}

func (t *tableWriter) header(c column) string {
	switch c.kind {
	case colCreatedAt:
		return "TIME (" + zoneLabel(t.loc, t.zone) + ")"
	case colID:
		return "ID"
	case colActivityType:
		return "ACTIVITY"
	case colUserID:
		return "USER"
	case colEmail:
		return "EMAIL"
	case colIPAddress:
		return "IP"
	case colUserAgent:
		return "USER AGENT"
	case colClientID:
		return "CLIENT"
	case colData:
		return "DATA"
	default:
		return strings.ToUpper(Sanitize(c.name))
	}
}

// value is the text of a cell before sanitizing and cutting.
func (t *tableWriter) value(e *auditlog.Event, c column) string {
	var s string
	switch c.kind {
	case colCreatedAt:
		lt := e.CreatedAt.In(t.loc)
		s = lt.Format(timeLayout)
		if _, off := lt.Zone(); off != t.zone {
			s += " " + zoneLabel(t.loc, off)
		}
	case colID:
		s = e.ID
	case colActivityType:
		s = e.ActivityType
	case colUserID:
		s = e.UserID
	case colEmail:
		s = eventEmail(e)
	case colIPAddress:
		s = e.IPAddress
	case colUserAgent:
		s = e.UserAgent
	case colClientID:
		s = e.ClientID
	case colData:
		s = string(appendData(nil, e.Data, false))
	case colPath:
		s = pathValue(e.Data, c.path)
	}
	if s == "" {
		return "-"
	}
	return s
}

// fit cuts s, sanitized, to width display cells, ending with "…" when cut.
func fit(s string, width int) string {
	if twwidth.Width(s) <= width {
		return s
	}
	return twwidth.Truncate(s, width, ellipsis)
}

// colorActivity colours failures red and administrative activity yellow.
func colorActivity(activity, cell string) string {
	switch {
	case strings.HasSuffix(activity, "_FAILED") || strings.HasSuffix(activity, "_BLOCKED"):
		return "\x1b[31m" + cell + "\x1b[0m"
	case strings.HasPrefix(activity, "ADMIN_API_") || strings.HasPrefix(activity, "PROJECT_"):
		return "\x1b[33m" + cell + "\x1b[0m"
	}
	return cell
}
