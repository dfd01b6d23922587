package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/parquetfile"
)

// FormatParquet is the format of Parquet archives (internal/parquetfile):
// one file per UTC day of a run, zstd-compressed inside, for query engines.
const FormatParquet = "parquet"

// isParquet reports whether a file is Parquet: by its name, or by the
// magic bytes it starts with.
func isParquet(name string, head []byte) bool {
	return strings.EqualFold(filepath.Ext(name), ".parquet") || bytes.HasPrefix(head, []byte(parquetfile.Magic))
}

// parquetState is the Parquet side of a Reader.
type parquetState struct {
	r     *parquetfile.Reader
	row   int64
	spool *os.File // the temporary copy of a stream, removed on Close
}

// openParquet reads a Parquet file, whose footer is at its end: a file is
// read in place; a stream (standard input, an object) is copied to a
// temporary file (mode 0600) first, as fast as it arrives. rd is the
// source, buffered its buffer over it.
func openParquet(name string, rd io.Reader, buffered io.Reader) (*Reader, error) {
	if f, ok := rd.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return OpenParquet(name, f, fi.Size())
		}
	}
	spool, err := os.CreateTemp("", ".authgear-audit-parquet-*")
	if err != nil {
		return nil, fmt.Errorf("%s: keep a copy to read it as Parquet: %w", name, err)
	}
	discard := func() { spool.Close(); os.Remove(spool.Name()) }
	size, err := io.Copy(spool, buffered)
	if err != nil {
		discard()
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	r, err := OpenParquet(name, spool, size)
	if err != nil {
		discard()
		return nil, err
	}
	r.pq.spool = spool
	return r, nil
}

// OpenParquet reads the events of a Parquet archive file of size bytes
// from ra, which the caller closes after the Reader.
func OpenParquet(name string, ra io.ReaderAt, size int64) (*Reader, error) {
	pr, err := parquetfile.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Reader{name: name, format: FormatParquet, pq: &parquetState{r: pr}}, nil
}

func (r *Reader) nextParquet() (*auditlog.Event, error) {
	e, err := r.pq.r.Next()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	r.pq.row++
	if err != nil {
		return nil, fmt.Errorf("%s: row %d: %w", r.name, r.pq.row, err)
	}
	if err := checkEvent(e); err != nil {
		return nil, fmt.Errorf("%s: row %d: %w", r.name, r.pq.row, err)
	}
	return e, nil
}

func (r *Reader) closeParquet() {
	if r.pq == nil {
		return
	}
	r.pq.r.Close()
	if r.pq.spool != nil {
		r.pq.spool.Close()
		os.Remove(r.pq.spool.Name())
	}
	r.pq = nil
}
