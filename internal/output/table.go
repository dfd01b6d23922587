package output

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// Table output: a borderless, kubectl-like table for people, streamed row by
// row through tablewriter's streaming mode. Column widths are fixed up front
// from the terminal width (see layout); longer cells are cut with "…".
// Every cell is sanitized first, so nothing from the data reaches the
// terminal as a control sequence.

// defaultTableColumns are the columns of a table without Options.Columns.
// On a narrow terminal, some are cut shorter or left out (defaultPlan).
var defaultTableColumns = []string{"time", "activity", "user", "ip", "client", "userAgent"}

const (
	defaultWidth = 120
	columnGap    = 3 // spaces between columns
	timeLayout   = "2006-01-02 15:04:05"
	ellipsis     = "…"
	ipv6Width    = len("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
	ipv4Width    = len("255.255.255.255")
	uuidWidth    = len("6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f")
)

type tableWriter struct {
	out         *lineWriter
	tbl         *tablewriter.Table
	cols        []column
	width       int
	loc         *time.Location
	color       bool
	flushEach   bool
	defaultCols bool
	activities  []string // the types the output can hold, for the ACTIVITY width
	zone        int      // the UTC offset in the header, in seconds
	year        int      // the year of the first event
	widths      []int
	row         []string
	started     bool
	closed      bool
}

func newTableWriter(w io.Writer, o Options) (*tableWriter, error) {
	names := o.Columns
	if names == nil {
		names = defaultTableColumns
	}
	cols, err := parseColumns(names)
	if err != nil {
		return nil, err
	}
	for i := range cols {
		// In a table, "user" is the user as people know them: the email
		// when the event carries it, else the user ID.
		if cols[i].kind == colUserID && normColumnName(names[i]) == "user" {
			cols[i].kind = colUser
		}
	}
	width := o.Width
	if width <= 0 {
		width = defaultWidth
	}
	return &tableWriter{
		out:  &lineWriter{w: bufio.NewWriterSize(w, bufSize)},
		cols: cols, width: width, loc: o.location(), color: o.Color, flushEach: o.FlushEach,
		activities:  o.Activities,
		defaultCols: o.Columns == nil,
		row:         make([]string, len(cols)),
	}, nil
}

// colWidth is how wide a column wants to be: ideal when the line has room,
// never less than min (unless a plan leaves the column out). A flexible
// column also takes whatever width is left over.
type colWidth struct {
	min, ideal int
	flex       bool
}

// activityWidth is the width of the ACTIVITY column: the longest of the
// activity types the output can hold, so that a name is never cut. With no
// filter it is the longest type outside the portal's admin tab (45): the
// longest admin names (up to 60) would take a third of a terminal on every
// line for types most searches never show, so those few get an ellipsis.
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

func (t *tableWriter) wants(c column) colWidth {
	switch c.kind {
	case colCreatedAt:
		w := len(timeLayout)
		if t.zoneVaries() {
			w += len(" +0000")
		}
		return colWidth{min: w, ideal: w}
	case colActivityType:
		w := activityWidth(t.activities)
		return colWidth{min: w, ideal: w}
	case colUser, colID, colUserID: // an email, else a UUID
		return colWidth{min: 16, ideal: uuidWidth}
	case colEmail:
		return colWidth{min: 16, ideal: 32}
	case colIPAddress:
		return colWidth{min: ipv4Width, ideal: ipv6Width}
	case colClientID:
		return colWidth{min: 8, ideal: 16}
	case colUserAgent: // the default table shows it only if it gets 12
		return colWidth{min: 10, ideal: 12, flex: true}
	case colData:
		return colWidth{min: 20, ideal: 40, flex: true}
	default: // a path into data
		return colWidth{min: 8, ideal: 24}
	}
}

// step is one move of a plan for a narrow line: cut column col down to
// width, or with width 0 leave it out.
type step struct{ col, width int }

// defaultPlan is how the default table meets a narrow terminal: first the
// user agent goes, then the client (cut short, then left out), then the
// user is cut short, then the IP address, which then goes; the user is cut
// shorter again and goes last. Time and activity always stay whole. The
// plan names columns by kind; cols are the table's columns.
func defaultPlan(cols []column) []step {
	at := func(k colKind) int {
		return slices.IndexFunc(cols, func(c column) bool { return c.kind == k })
	}
	ua, client, user, ip := at(colUserAgent), at(colClientID), at(colUser), at(colIPAddress)
	return []step{
		{ua, 0},
		{client, 8}, {client, 0},
		{user, 16},
		{ip, ipv4Width}, {ip, 0},
		{user, 12}, {user, 0},
	}
}

// chosenPlan is how a table of chosen columns meets a narrow terminal: no
// column is left out, the flexible ones are cut to their minimum first,
// then the others from the right. A line too narrow for the minimums wraps.
func chosenPlan(wants []colWidth) []step {
	var plan []step
	for _, flex := range []bool{true, false} {
		for i := len(wants) - 1; i >= 0; i-- {
			if c := wants[i]; c.flex == flex && c.min < c.ideal {
				plan = append(plan, step{i, c.min})
			}
		}
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
// starts at its ideal width; while the line is too wide, the steps of plan
// are taken in order. Width that the last step freed beyond what was needed
// goes back to the columns cut, the last cut first, up to their ideal;
// what is still left goes to the flexible columns. A width of 0 means the
// column is left out. If the whole plan does not make the line fit, it
// wraps.
func layout(wants []colWidth, plan []step, total int) []int {
	w := make([]int, len(wants))
	for i, c := range wants {
		w[i] = c.ideal
	}
	taken := 0
	for ; taken < len(plan) && lineWidth(w) > total; taken++ {
		if s := plan[taken]; s.col >= 0 && s.width < w[s.col] {
			w[s.col] = s.width
		}
	}
	rest := total - lineWidth(w)
	for k := taken - 1; k >= 0 && rest > 0; k-- {
		if i := plan[k].col; i >= 0 && w[i] > 0 && w[i] < wants[i].ideal {
			grow := min(rest, wants[i].ideal-w[i])
			w[i] += grow
			rest -= grow
		}
	}
	nflex := 0
	for i, c := range wants {
		if c.flex && w[i] > 0 {
			nflex++
		}
	}
	if rest > 0 && nflex > 0 {
		share, extra := rest/nflex, rest%nflex
		for i, c := range wants {
			if c.flex && w[i] > 0 {
				w[i] += share
				if extra > 0 {
					w[i]++
					extra--
				}
			}
		}
	}
	return w
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
		return "USER ID"
	case colUser:
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

// start fixes the widths and writes the header: at the first event, so that
// the header can show that event's UTC offset.
func (t *tableWriter) start(first *auditlog.Event) error {
	t.started = true
	first0 := first.CreatedAt.In(t.loc)
	_, t.zone = first0.Zone()
	t.year = first0.Year()
	wants := make([]colWidth, len(t.cols))
	for i, c := range t.cols {
		wants[i] = t.wants(c)
	}
	var plan []step
	if t.defaultCols {
		plan = defaultPlan(t.cols)
	} else {
		plan = chosenPlan(wants)
	}
	widths := layout(wants, plan, t.width)
	cols := t.cols[:0:0]
	for i, w := range widths {
		if w > 0 {
			cols = append(cols, t.cols[i])
			t.widths = append(t.widths, w)
		}
	}
	t.cols, t.row = cols, t.row[:len(cols)]
	perCol := tw.NewMapper[int, int]()
	pad := make([]tw.Padding, len(t.cols))
	for i, w := range t.widths {
		gap := columnGap
		if i == len(t.widths)-1 {
			gap = 0
		}
		perCol.Set(i, w+gap)
		pad[i] = tw.Padding{Left: "", Right: strings.Repeat(" ", gap), Overwrite: true}
	}
	cell := tw.CellConfig{
		Formatting: tw.CellFormatting{AutoWrap: tw.WrapTruncate, AutoFormat: tw.Off},
		Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
		Padding:    tw.CellPadding{PerColumn: pad},
	}
	t.tbl = tablewriter.NewTable(t.out,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off, ShowHeader: tw.Off, ShowFooter: tw.Off},
				Lines:      tw.Lines{ShowTop: tw.Off, ShowBottom: tw.Off, ShowHeaderLine: tw.Off, ShowFooterLine: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: cell,
			Row:    cell,
			Widths: tw.CellWidth{PerColumn: perCol},
		}),
		tablewriter.WithStreaming(tw.StreamConfig{Enable: true, StrictColumns: true}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	if err := t.tbl.Start(); err != nil {
		return fmt.Errorf("start table: %w", err)
	}
	for i, c := range t.cols {
		t.row[i] = fit(t.header(c), t.widths[i])
	}
	t.tbl.Header(t.row)
	return t.out.err
}

func (t *tableWriter) Write(e *auditlog.Event) error {
	if t.out.err != nil {
		return t.out.err
	}
	if t.closed {
		return errClosed
	}
	if !t.started {
		if err := t.start(e); err != nil {
			return err
		}
	}
	for i, c := range t.cols {
		s := fit(t.value(e, c), t.widths[i])
		if t.color && c.kind == colActivityType {
			s = colorActivity(e.ActivityType, s)
		}
		t.row[i] = s
	}
	if err := t.tbl.Append(t.row); err != nil {
		if t.out.err != nil {
			return t.out.err
		}
		return fmt.Errorf("table row: %w", err)
	}
	if t.out.err == nil && t.flushEach {
		t.out.flush()
	}
	return t.out.err
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
	case colUser:
		s = firstNonEmpty(eventEmail(e), e.UserID)
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

// fit sanitizes s and cuts it to width display cells, ending with "…" when
// cut.
func fit(s string, width int) string {
	s = Sanitize(s)
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

// Close ends the table. A table without events writes nothing at all: the
// caller says "no events" on stderr if it wants to.
func (t *tableWriter) Close() error {
	if t.out.err != nil {
		return t.out.err
	}
	if t.closed {
		return nil
	}
	t.closed = true
	if t.started {
		if err := t.tbl.Close(); err != nil && t.out.err == nil {
			return fmt.Errorf("close table: %w", err)
		}
	}
	t.out.flush()
	return t.out.err
}

// lineWriter sits between tablewriter and the output: it drops the spaces
// that pad the last column at the end of each line, drops the colour resets
// that tablewriter adds after a coloured cell's padding when no colour is
// on (they would show as "^[[0m" before the next cell wherever escapes are
// made visible), and keeps the first write error, which tablewriter's
// renderer does not report. The only escape sequences it sees are SGR
// colours: every cell is sanitized before it reaches the table.
type lineWriter struct {
	w      *bufio.Writer
	spaces int    // spaces held back: written only if more text follows
	esc    []byte // an escape sequence not yet complete
	sgr    bool   // a colour is on
	err    error
}

const sgrReset = "\x1b[0m"

func (l *lineWriter) Write(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n := len(p)
	for len(p) > 0 {
		if len(l.esc) > 0 {
			b := p[0]
			p = p[1:]
			l.esc = append(l.esc, b)
			if (len(l.esc) == 2 && b != '[') || (len(l.esc) > 2 && b >= 0x40 && b <= 0x7e) {
				l.escape()
			}
			continue
		}
		i := 0
		for i < len(p) && p[i] != ' ' && p[i] != '\n' && p[i] != 0x1b {
			i++
		}
		if i > 0 {
			l.writeSpaces()
			l.write(p[:i])
			p = p[i:]
			continue
		}
		switch p[0] {
		case ' ':
			l.spaces++
		case '\n':
			l.spaces = 0
			l.write(p[:1])
		case 0x1b:
			l.esc = append(l.esc, p[0])
		}
		p = p[1:]
	}
	if l.err != nil {
		return 0, l.err
	}
	return n, nil
}

// escape writes the complete escape sequence in l.esc: a reset only while
// a colour is on, and before any held-back spaces; anything else after them.
func (l *lineWriter) escape() {
	seq := l.esc
	l.esc = l.esc[:0]
	if string(seq) == sgrReset {
		if l.sgr {
			l.sgr = false
			l.write(seq)
		}
		return
	}
	l.sgr = true
	l.writeSpaces()
	l.write(seq)
}

func (l *lineWriter) writeSpaces() {
	for ; l.spaces > 0; l.spaces-- {
		if l.err == nil {
			l.err = l.w.WriteByte(' ')
		}
	}
}

func (l *lineWriter) write(p []byte) {
	if l.err == nil {
		_, l.err = l.w.Write(p)
	}
}

func (l *lineWriter) flush() {
	if l.err == nil {
		l.err = l.w.Flush()
	}
}
