package output

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"time"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// defaultCSVColumns are the record's fields, in the order of the JSON record.
var defaultCSVColumns = []string{"id", "createdAt", "activityType", "userID", "ipAddress", "userAgent", "clientID", "data"}

type csvWriter struct {
	bw        *bufio.Writer
	cols      []column
	raw       bool
	flushEach bool
	enc       *csvEncoder // Write's own
	rec       []byte
	header    bool
	closed    bool
	err       error
}

func newCSVWriter(w io.Writer, o Options) (*csvWriter, error) {
	names := o.Columns
	if names == nil {
		names = defaultCSVColumns
	}
	cols, err := parseColumns(names)
	if err != nil {
		return nil, err
	}
	c := &csvWriter{bw: bufio.NewWriterSize(w, bufSize), cols: cols, raw: o.CSVRaw, flushEach: o.FlushEach}
	c.enc = c.newEncoder()
	return c, nil
}

// csvEncoder turns events into CSV rows.
type csvEncoder struct {
	c      *csvWriter
	out    bytes.Buffer
	w      *csv.Writer // writes into out
	record []string
	buf    []byte
}

func (c *csvWriter) newEncoder() *csvEncoder {
	enc := &csvEncoder{c: c, record: make([]string, len(c.cols))}
	enc.w = csv.NewWriter(&enc.out)
	return enc
}

// event appends the row of e to dst.
func (enc *csvEncoder) event(dst []byte, e *auditlog.Event) ([]byte, error) {
	for i, col := range enc.c.cols {
		enc.record[i] = enc.c.cell(enc.value(e, col))
	}
	return enc.row(dst)
}

// header appends the header row to dst.
func (enc *csvEncoder) header(dst []byte) ([]byte, error) {
	for i, col := range enc.c.cols {
		enc.record[i] = enc.c.cell(col.name)
	}
	return enc.row(dst)
}

// row appends enc.record as one CSV row. encoding/csv writes a record of
// one empty cell as an empty line, which readers skip; it is written as ""
// instead.
func (enc *csvEncoder) row(dst []byte) ([]byte, error) {
	if len(enc.record) == 1 && enc.record[0] == "" {
		return append(dst, "\"\"\n"...), nil
	}
	enc.out.Reset()
	if err := enc.w.Write(enc.record); err != nil {
		return dst, err
	}
	enc.w.Flush()
	if err := enc.w.Error(); err != nil {
		return dst, err
	}
	return append(dst, enc.out.Bytes()...), nil
}

func (c *csvWriter) Write(e *auditlog.Event) error {
	if err := c.usable(); err != nil {
		return err
	}
	rec, err := c.enc.event(c.rec[:0], e)
	c.rec = rec
	if err != nil {
		return err
	}
	return c.writeRecord(rec)
}

// writeRecord writes one encoded row; the header goes before the first.
func (c *csvWriter) writeRecord(rec []byte) error {
	if err := c.usable(); err != nil {
		return err
	}
	if !c.header {
		if err := c.writeHeader(); err != nil {
			return err
		}
	}
	if _, err := c.bw.Write(rec); err != nil {
		c.err = err
		return err
	}
	if c.flushEach {
		return c.flush()
	}
	return nil
}

func (c *csvWriter) writeHeader() error {
	c.header = true
	h, err := c.enc.header(nil)
	if err == nil {
		_, err = c.bw.Write(h)
	}
	if err != nil {
		c.err = err
	}
	return err
}

func (c *csvWriter) usable() error {
	if c.err != nil {
		return c.err
	}
	if c.closed {
		return errClosed
	}
	return nil
}

// value is the text of one cell before the formula guard.
func (enc *csvEncoder) value(e *auditlog.Event, col column) string {
	switch col.kind {
	case colID:
		return e.ID
	case colCreatedAt:
		return e.CreatedAt.UTC().Format(time.RFC3339Nano)
	case colActivityType:
		return e.ActivityType
	case colUserID:
		return e.UserID
	case colEmail:
		return eventEmail(e)
	case colIPAddress:
		return e.IPAddress
	case colUserAgent:
		return e.UserAgent
	case colClientID:
		return e.ClientID
	case colData:
		enc.buf = appendData(enc.buf[:0], e.Data, false)
		return string(enc.buf)
	case colPath:
		return pathValue(e.Data, col.path)
	}
	return ""
}

// cell makes s safe for a CSV cell: valid UTF-8, and, unless raw, guarded
// against formula injection.
//
// A spreadsheet runs a cell that starts with =, +, - or @ as a formula (and
// tab or carriage return can hide such a start), so a cell like
// =HYPERLINK("http://evil","x") in a user agent would become a live link or
// worse. The guard prefixes such a cell with a single quote ', the prefix
// OWASP recommends against CSV injection: spreadsheets show the text as it
// is, and the archive reader removes the quote again. A cell that already
// starts with quotes before such a character gets one more quote, so that
// removing one on reading restores it exactly.
func (c *csvWriter) cell(s string) string {
	if !utf8.ValidString(s) {
		s = toValidUTF8(s)
	}
	if !c.raw && NeedsFormulaGuard(s) {
		return "'" + s
	}
	return s
}

// NeedsFormulaGuard reports whether a CSV writer with the formula guard on
// prefixes s with a single quote: s starts, after any single quotes, with =,
// +, -, @, tab or carriage return. A reader undoes the guard by removing one
// leading quote from every cell for which NeedsFormulaGuard(cell) holds.
func NeedsFormulaGuard(s string) bool {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	if i >= len(s) {
		return false
	}
	switch s[i] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

func (c *csvWriter) flush() error {
	if err := c.bw.Flush(); err != nil {
		c.err = err
	}
	return c.err
}

// Close writes the header if no event came (a CSV file always has one) and
// flushes.
func (c *csvWriter) Close() error {
	if c.err != nil {
		return c.err
	}
	if c.closed {
		return nil
	}
	c.closed = true
	if !c.header {
		if err := c.writeHeader(); err != nil {
			return err
		}
	}
	return c.flush()
}

// toValidUTF8 replaces each invalid byte with U+FFFD.
func toValidUTF8(s string) string {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}
