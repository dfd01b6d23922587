package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// ViewFormats are the formats of NewView.
func ViewFormats() []string { return []string{FormatTable, FormatJSON, FormatJSONL} }

// NewView returns a Writer of whole events, one at a time, for the get
// command: table is the key/value view (WriteKeyValue), a blank line between
// events; json is one indented object, or with many set an indented array
// of them; jsonl one line per event, as search writes it. JSON carries
// times in UTC whatever the zone.
func NewView(w io.Writer, o Options, many bool) (Writer, error) {
	switch o.Format {
	case FormatTable, FormatJSON:
		return &viewWriter{w: bufio.NewWriterSize(w, bufSize), o: o, many: many}, nil
	case FormatJSONL:
		return newJSONWriter(w, false, false), nil
	}
	return nil, fmt.Errorf("unknown format %q: valid formats are table, json and jsonl", o.Format)
}

type viewWriter struct {
	w      *bufio.Writer
	o      Options
	many   bool
	n      int
	buf    []byte
	closed bool
	err    error
}

func (v *viewWriter) Write(e *auditlog.Event) error {
	if v.err != nil {
		return v.err
	}
	if v.closed {
		return errClosed
	}
	if v.o.Format == FormatTable {
		if v.n > 0 {
			v.err = v.w.WriteByte('\n')
		}
		if v.err == nil {
			v.err = WriteKeyValue(v.w, e, v.o)
		}
		v.n++
		return v.err
	}
	rec, err := appendEvent(v.buf[:0], e)
	v.buf = rec
	if err != nil {
		return err
	}
	var b bytes.Buffer
	prefix := ""
	switch {
	case v.many && v.n == 0:
		b.WriteString("[\n  ")
		prefix = "  "
	case v.many:
		b.WriteString(",\n  ")
		prefix = "  "
	}
	if err := json.Indent(&b, rec, prefix, "  "); err != nil {
		return fmt.Errorf("indent event %s: %w", Sanitize(e.ID), err)
	}
	if !v.many {
		b.WriteByte('\n')
	}
	_, v.err = v.w.Write(b.Bytes())
	v.n++
	return v.err
}

// Close ends the array of many JSON events ("[]" when there was none) and
// flushes.
func (v *viewWriter) Close() error {
	if v.err != nil || v.closed {
		return v.err
	}
	v.closed = true
	if v.o.Format == FormatJSON && v.many {
		end := "\n]\n"
		if v.n == 0 {
			end = "[]\n"
		}
		if _, v.err = v.w.WriteString(end); v.err != nil {
			return v.err
		}
	}
	v.err = v.w.Flush()
	return v.err
}
