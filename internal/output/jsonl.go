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
	if j.err != nil {
		return j.err
	}
	if j.closed {
		return errClosed
	}
	buf := j.buf[:0]
	if j.array {
		if j.n == 0 {
			buf = append(buf, "[\n"...)
		} else {
			buf = append(buf, ",\n"...)
		}
	}
	buf, err := appendEvent(buf, e)
	if err != nil {
		return err // the event is refused; the stream stays usable
	}
	if !j.array {
		buf = append(buf, '\n')
	}
	j.buf = buf
	j.n++
	if _, err := j.w.Write(buf); err != nil {
		j.err = err
		return err
	}
	if j.flushEach {
		return j.flush()
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
