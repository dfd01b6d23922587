package output

import (
	"bufio"
	"fmt"
	"io"
	"sort"
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
// from the terminal width (see allocWidths); longer cells are cut with "…".
// Every cell is sanitized first, so nothing from the data reaches the
// terminal as a control sequence.

// defaultTableColumns are the columns of a table without Options.Columns.
// On a narrow terminal, columns are left out from the end.
var defaultTableColumns = []string{"time", "activity", "user", "ip", "client", "userAgent"}

const (
	defaultWidth = 120
	columnGap    = 3 // spaces between columns
	timeLayout   = "2006-01-02 15:04:05"
	ellipsis     = "…"
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
	zone        int // the UTC offset in the header, in seconds
	year        int // the year of the first event
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
		defaultCols: o.Columns == nil,
		row:         make([]string, len(cols)),
	}, nil
}

// colWidth is how wide a column wants to be: at least min, comfortably
// want, at most ideal; flexible columns share whatever width is left.
// Columns with a lower prio value grow first.
type colWidth struct {
	min, want, ideal int
	prio             int
	flex             bool
}

func (t *tableWriter) wants(c column) colWidth {
	switch c.kind {
	case colCreatedAt:
		w := len(timeLayout)
		if t.zoneVaries() {
			w += len(" +0000")
		}
		return colWidth{min: w, want: w, ideal: w}
	case colActivityType:
		return colWidth{min: 18, want: 30, ideal: 40, prio: 1}
	case colUser, colEmail:
		return colWidth{min: 16, want: 26, ideal: 32, prio: 2}
	case colID, colUserID:
		return colWidth{min: 12, want: 24, ideal: 36, prio: 2}
	case colClientID:
		return colWidth{min: 8, want: 12, ideal: 16, prio: 4}
	case colIPAddress: // an IPv4 address fits the minimum
		return colWidth{min: 15, want: 15, ideal: 24, prio: 5}
	case colUserAgent:
		return colWidth{min: 10, flex: true}
	case colData:
		return colWidth{min: 20, flex: true}
	default: // a path into data
		return colWidth{min: 8, want: 16, ideal: 24, prio: 3}
	}
}

// minWidth is the width of a line with every column at its minimum.
func minWidth(wants []colWidth) int {
	w := columnGap * (len(wants) - 1)
	for _, c := range wants {
		w += c.min
	}
	return w
}

// allocWidths gives every column its minimum, then lets the columns grow in
// order of priority while the line has room: first to the width they want,
// then to their ideal; what is left goes to the flexible columns. A line too narrow for
// the minimums is allowed to wrap.
func allocWidths(wants []colWidth, total int) []int {
	w := make([]int, len(wants))
	rest := total - columnGap*(len(wants)-1)
	nflex := 0
	for i, c := range wants {
		w[i] = c.min
		rest -= c.min
		if c.flex {
			nflex++
		}
	}
	order := make([]int, len(wants))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return wants[order[a]].prio < wants[order[b]].prio })
	for _, target := range []func(colWidth) int{
		func(c colWidth) int { return c.want },
		func(c colWidth) int { return c.ideal },
	} {
		for _, i := range order {
			if c := wants[i]; !c.flex && rest > 0 && w[i] < target(c) {
				grow := min(rest, target(c)-w[i])
				w[i] += grow
				rest -= grow
			}
		}
	}
	if rest > 0 && nflex > 0 {
		share, extra := rest/nflex, rest%nflex
		for i, c := range wants {
			if c.flex {
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
	if t.defaultCols {
		// On a narrow terminal the default table leaves out the user
		// agent, then the client, then the IP, rather than wrap its lines.
		for len(t.cols) > 3 && minWidth(wants) > t.width {
			t.cols, wants = t.cols[:len(t.cols)-1], wants[:len(wants)-1]
		}
		t.row = t.row[:len(t.cols)]
	}
	t.widths = allocWidths(wants, t.width)
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
// that pad the last column at the end of each line and keeps the first
// write error, which tablewriter's renderer does not report.
type lineWriter struct {
	w      *bufio.Writer
	spaces int // spaces held back: written only if more text follows
	err    error
}

func (l *lineWriter) Write(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n := len(p)
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != ' ' && p[i] != '\n' {
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
		}
		p = p[1:]
	}
	if l.err != nil {
		return 0, l.err
	}
	return n, nil
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
