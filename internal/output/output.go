// Package output writes audit events for people and for machines: a table,
// JSON lines, one JSON array, or CSV. Every writer streams: it holds one event
// at a time, so an export of ten million events uses the same memory as one
// of ten.
//
// Text that reaches a terminal (table and key/value views) passes through
// Sanitize, so control characters, escape sequences and bidi overrides from
// event data are shown escaped and never interpreted. CSV cells that a
// spreadsheet would run as a formula are prefixed unless Options.CSVRaw is
// set. JSON output is always valid UTF-8.
package output

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// The formats New understands.
const (
	FormatTable = "table"
	FormatWide  = "wide" // a table of every column, nothing cut
	FormatJSONL = "jsonl"
	FormatJSON  = "json"
	FormatCSV   = "csv"
)

// Formats lists the formats New understands, for messages and completion.
func Formats() []string { return []string{FormatTable, FormatWide, FormatJSONL, FormatJSON, FormatCSV} }

// Options configure a Writer.
type Options struct {
	// Format is table, jsonl, json or csv.
	Format string
	// Columns chooses the columns of table and csv output: names (see
	// ColumnNames) or dotted paths into the event such as
	// data.context.geo_location_code. Nil means the default columns of the
	// format. JSON formats always write the whole record and refuse Columns.
	Columns []string
	// UTC shows table times in UTC; otherwise they are shown in Location
	// (nil means the local zone). JSON and CSV times are always UTC.
	UTC      bool
	Location *time.Location
	// Color allows ANSI colours in table output. The caller decides (a
	// terminal, no NO_COLOR, no --no-color); false never emits any.
	Color bool
	// CSVRaw turns off the CSV formula guard, for machine consumers.
	CSVRaw bool
	// Width is the terminal width for table output; 0 means unknown (120).
	// No line of a table is wider, unless even the least widths of the
	// chosen columns do not fit.
	Width int
	// Wide shows every column of a table (without Columns) with full
	// values, nothing cut, whatever the width. FormatWide sets it.
	Wide bool
	// Activities are the activity types (enum names) the output can hold,
	// from the filter; nil means any. The table sizes its ACTIVITY column
	// to the longest of them, so that they are never cut.
	Activities []string
	// FlushEach writes every event through at once instead of buffering:
	// for tail and follow, where events must appear as they arrive.
	FlushEach bool
}

// Writer writes events one at a time. Close finishes the output (the JSON
// array's closing bracket) and flushes it; it does not close the underlying
// io.Writer. After an error, every later call returns the same error.
type Writer interface {
	Write(e *auditlog.Event) error
	Close() error
}

// New returns a Writer for o.Format over w. It writes nothing itself; every
// error it returns is about the options (an unknown format or column), which
// callers report as bad usage.
func New(w io.Writer, o Options) (Writer, error) {
	switch o.Format {
	case FormatJSONL, FormatJSON:
		if len(o.Columns) > 0 {
			return nil, fmt.Errorf("columns apply to table and csv output, not %s: give -o csv or -o table, or leave out --columns", o.Format)
		}
		return newJSONWriter(w, o.Format == FormatJSON, o.FlushEach), nil
	case FormatCSV:
		return newCSVWriter(w, o)
	case FormatTable:
		return newTableWriter(w, o)
	case FormatWide:
		o.Wide = true
		return newTableWriter(w, o)
	default:
		return nil, fmt.Errorf("unknown output format %q: valid formats are %s", o.Format, strings.Join(Formats(), ", "))
	}
}

// FormatFromPath returns the format that a file name asks for by its
// extension: .jsonl and .ndjson are jsonl, .json is json, .csv is csv, each
// optionally followed by .gz. The second result is false for anything else.
func FormatFromPath(path string) (string, bool) {
	name := strings.ToLower(filepath.Base(path))
	name = strings.TrimSuffix(name, ".gz")
	switch filepath.Ext(name) {
	case ".jsonl", ".ndjson":
		return FormatJSONL, true
	case ".json":
		return FormatJSON, true
	case ".csv":
		return FormatCSV, true
	}
	return "", false
}

// IsBrokenPipe reports whether err comes from writing to a pipe whose reader
// has gone (search | head): the command should then end quietly, with
// success.
func IsBrokenPipe(err error) bool {
	return err != nil && errors.Is(err, syscall.EPIPE)
}

// location returns where table and key/value views show times.
func (o Options) location() *time.Location {
	if o.UTC {
		return time.UTC
	}
	if o.Location != nil {
		return o.Location
	}
	return time.Local
}
