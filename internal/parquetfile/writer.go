package parquetfile

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// RowGroupBytes is the size at which the Writer ends a row group: its
// compressed pages, plus the values not yet encoded, are held in memory
// until then. With 4 MiB (about 23,000 realistic events) writing a file
// of 1,000,000 events adds about 24 MiB to the process's peak RSS;
// 16 MiB row groups make files a tenth smaller but add 44 MiB, too much
// for an export's bound of 64 MiB (BenchmarkWriteMillion).
const RowGroupBytes = 4 << 20

// PageBytes is the size of a page before encoding and compression, 1 MiB
// as parquet-mr and Arrow write. zstd compresses each page on its own:
// the library's default of 256 KiB makes files larger than JSON lines
// gzip; bigger pages make them smaller but hold more memory per column.
const PageBytes = 1 << 20

// The writer's options. zstd at its fastest level: the default level
// makes files another 8% smaller but costs 1.7 times the CPU of a JSON
// lines gzip export, against 1.1 to 1.3 times (BenchmarkEncode). data has no
// min/max: they would be whole events in the footer, of no use to prune.
func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
		parquet.PageBufferSize(PageBytes),
		parquet.SortingWriterConfig(parquet.SortingColumns(parquet.Ascending(ColCreatedAt))),
		parquet.SkipPageBounds(ColData),
	}
}

// Writer writes events to one Parquet file, streaming: only the current
// row group is held in memory. Events must come oldest first (the file
// records that it is sorted by created_at, and engines rely on it).
type Writer struct {
	pw       *parquet.GenericWriter[row]
	rows     [1]row
	promoted promoted // what rows' promoted fields point at
	last     time.Time
	n        int64
	rgStart  int64 // pw.Size() when the current row group began
	rgBytes  int64
	closed   bool
	writeErr error
}

// NewWriter starts a Parquet file on w. Nothing is written until the first
// row group is full or Close is called; the file is complete only after
// Close returns nil.
func NewWriter(w io.Writer) (*Writer, error) {
	return newWriter(w, RowGroupBytes)
}

func newWriter(w io.Writer, rowGroupBytes int64) (*Writer, error) {
	pw := parquet.NewGenericWriter[row](w, writerOptions()...)
	return &Writer{pw: pw, rgBytes: rowGroupBytes}, nil
}

// Write adds one event. It fails on an event older than the one before
// and on a time finer than a microsecond, which the file cannot hold; the
// Writer is then unusable.
func (w *Writer) Write(e *auditlog.Event) error {
	if w.writeErr != nil {
		return w.writeErr
	}
	if w.closed {
		return errors.New("parquet: write after close")
	}
	if err := w.write(e); err != nil {
		w.writeErr = err
		return err
	}
	return nil
}

func (w *Writer) write(e *auditlog.Event) error {
	t := e.CreatedAt
	if t.Nanosecond()%1000 != 0 {
		return fmt.Errorf("parquet: event %s: createdAt %s is finer than a microsecond, which a Parquet archive cannot keep",
			e.ID, t.Format(time.RFC3339Nano))
	}
	if w.n > 0 && t.Before(w.last) {
		return fmt.Errorf("parquet: event %s (%s) comes after an event of %s: a Parquet archive is written oldest first",
			e.ID, t.UTC().Format(time.RFC3339), w.last.UTC().Format(time.RFC3339))
	}
	// The library copies the row's values: nothing of e is kept after
	// Write returns.
	w.rows[0].fill(e, &w.promoted)
	_, err := w.pw.Write(w.rows[:])
	w.rows[0], w.promoted = row{}, promoted{}
	if err != nil {
		return fmt.Errorf("parquet: write: %w", err)
	}
	w.last = t
	w.n++
	if w.pw.Size()-w.rgStart >= w.rgBytes {
		if err := w.pw.Flush(); err != nil {
			return fmt.Errorf("parquet: write row group: %w", err)
		}
		w.rgStart = w.pw.Size()
	}
	return nil
}

// Close writes the last row group and the footer. It does not close the
// underlying io.Writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.writeErr
	}
	w.closed = true
	if w.writeErr != nil {
		return w.writeErr
	}
	if err := w.pw.Close(); err != nil {
		w.writeErr = fmt.Errorf("parquet: finish file: %w", err)
		return w.writeErr
	}
	return nil
}
