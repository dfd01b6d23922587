package parquetfile

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// readBatch is how many rows the Reader decodes at a time.
const readBatch = 256

// Magic is how every Parquet file begins (and ends).
const Magic = "PAR1"

// Reader reads back the events of a Parquet file, in file order.
type Reader struct {
	pr   *parquet.GenericReader[row]
	buf  []row
	pos  int
	done bool
	err  error
}

// requiredColumns are the columns without which a file is not an archive
// of events; the others may be missing (read as empty).
var requiredColumns = []string{ColID, ColCreatedAt, ColActivityType}

// NewReader opens the Parquet file of size bytes that r holds. It reads the
// footer and checks that the file has the columns of an event archive.
func NewReader(r io.ReaderAt, size int64) (rd *Reader, err error) {
	defer recoverCorrupt(&err)
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a readable Parquet file: %w", err)
	}
	if err := checkSchema(f.Schema()); err != nil {
		return nil, err
	}
	return &Reader{pr: parquet.NewGenericReader[row](f)}, nil
}

// checkSchema accepts a file whose required columns have the types this
// package writes.
func checkSchema(s *parquet.Schema) error {
	var missing []string
	for _, name := range requiredColumns {
		if _, ok := s.Lookup(name); !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("not an audit log archive: the Parquet file has no column %s", strings.Join(missing, ", "))
	}
	want := parquet.SchemaOf(row{})
	for _, name := range slices.Concat(requiredColumns, []string{"user_id", "ip_address", "user_agent", "client_id", "triggered_by", "country", "recipient", ColData}) {
		got, ok := s.Lookup(name)
		if !ok {
			continue
		}
		exp, _ := want.Lookup(name)
		// The time's unit matters for decoding; text columns need only be
		// byte arrays.
		gt, et := got.Node.Type(), exp.Node.Type()
		if gt.Kind() != et.Kind() || name == ColCreatedAt && gt.String() != et.String() {
			return fmt.Errorf("not an audit log archive: column %s is %s, not %s", name, gt, et)
		}
	}
	return nil
}

// Next returns the next event, or io.EOF after the last.
func (r *Reader) Next() (e *auditlog.Event, err error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.pos == len(r.buf) {
		if r.done {
			return nil, io.EOF
		}
		if err := r.fill(); err != nil {
			r.err = err
			return nil, err
		}
		if len(r.buf) == 0 {
			return nil, io.EOF
		}
	}
	e = r.buf[r.pos].event()
	r.pos++
	return e, nil
}

func (r *Reader) fill() (err error) {
	defer recoverCorrupt(&err)
	if r.buf == nil {
		r.buf = make([]row, readBatch)
	}
	// Fresh rows each time: the events handed out keep their data slices.
	r.buf = r.buf[:readBatch]
	clear(r.buf)
	n, err := r.pr.Read(r.buf)
	r.buf, r.pos = r.buf[:n], 0
	if errors.Is(err, io.EOF) {
		r.done = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("read Parquet rows: %w", err)
	}
	return nil
}

// Close releases the reader; it does not close the io.ReaderAt.
func (r *Reader) Close() error {
	if r.err == nil {
		r.err = io.EOF
	}
	return r.pr.Close()
}

// recoverCorrupt turns a panic of the Parquet decoder, which a corrupt file
// can cause, into an error, so that a damaged archive fails with a message
// instead of a crash.
func recoverCorrupt(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("corrupt Parquet file: %v", v)
	}
}
