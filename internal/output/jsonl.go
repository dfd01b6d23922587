package output

import (
	"bufio"
	"errors"
	"io"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// bufSize is the write buffer of every writer: large enough that a pipe or
// file sees few, big writes.
const bufSize = 64 << 10

// errClosed is returned by Write after Close.
var errClosed = errors.New("output: write after close")

// jsonWriter writes JSON lines, or with array one JSON array with one
// element per line:
//
//	[
//	{...},
//	{...}
//	]
//
// and "[]" when there is no event.
type jsonWriter struct {
	w         *bufio.Writer
	buf       []byte
	array     bool
	flushEach bool
	n         int
	closed    bool
	err       error
}

func newJSONWriter(w io.Writer, array, flushEach bool) *jsonWriter {
	return &jsonWriter{w: bufio.NewWriterSize(w, bufSize), array: array, flushEach: flushEach, buf: make([]byte, 0, 4096)}
}

func (j *jsonWriter) Write(e *auditlog.Event) error {
	if err := j.usable(); err != nil {
		return err
	}
	rec, err := j.encode(j.buf[:0], e)
	j.buf = rec
	if err != nil {
		return err // the event is refused; the stream stays usable
	}
	return j.writeRecord(rec)
}

// encode appends the record of e: the JSON object, and in JSON lines the
// newline (the array's separators belong to writeRecord).
func (j *jsonWriter) encode(dst []byte, e *auditlog.Event) ([]byte, error) {
	dst, err := appendEvent(dst, e)
	if err != nil || j.array {
		return dst, err
	}
	return append(dst, '\n'), nil
}

// writeRecord writes one encoded event.
func (j *jsonWriter) writeRecord(rec []byte) error {
	if err := j.usable(); err != nil {
		return err
	}
	if j.array {
		sep := ",\n"
		if j.n == 0 {
			sep = "[\n"
		}
		if _, err := j.w.WriteString(sep); err != nil {
			j.err = err
			return err
		}
	}
	j.n++
	if _, err := j.w.Write(rec); err != nil {
		j.err = err
		return err
	}
	if j.flushEach {
		return j.flush()
	}
	return nil
}

func (j *jsonWriter) usable() error {
	if j.err != nil {
		return j.err
	}
	if j.closed {
		return errClosed
	}
	return nil
}

func (j *jsonWriter) flush() error {
	if err := j.w.Flush(); err != nil {
		j.err = err
	}
	return j.err
}

func (j *jsonWriter) Close() error {
	if j.err != nil {
		return j.err
	}
	if j.closed {
		return nil
	}
	j.closed = true
	if j.array {
		footer := "\n]\n"
		if j.n == 0 {
			footer = "[]\n"
		}
		if _, err := j.w.WriteString(footer); err != nil {
			j.err = err
			return err
		}
	}
	return j.flush()
}
