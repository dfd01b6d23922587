package export

import (
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/parquetfile"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

// Codec is how the events of one data object are encoded and read back.
// Every data object of an archive names its format and compression, and
// the reader is chosen by them: a new format is one more Codec in codecs.
type Codec struct {
	Format      string // as entries record it: "jsonl", "csv"
	Compression string // "gzip" or ""
	Ext         string // of the object's key: ".jsonl.gz"
	// SplitByDay writes one object per UTC day of a run, under Hive
	// partitions dt=YYYY-MM-DD/, instead of one per run under data/.
	SplitByDay bool
	// NewWriter encodes events into w; its Close finishes the encoding
	// and leaves w open.
	NewWriter func(w io.Writer, o output.Options) (output.Writer, error)
	// NewReader reads an object's events as a stream. A format that needs
	// random access (Parquet) sets NewReaderAt instead.
	NewReader   func(name string, r io.Reader) (EventReader, error)
	NewReaderAt func(name string, r io.ReaderAt, size int64) (EventReader, error)
}

// EventReader reads the events of one object; Next returns io.EOF at its
// end.
type EventReader interface {
	Next() (*auditlog.Event, error)
	Close() error
}

// codecs are the formats of data objects.
var codecs = []Codec{
	textCodec(output.FormatJSONL, false),
	textCodec(output.FormatJSONL, true),
	textCodec(output.FormatCSV, false),
	textCodec(output.FormatCSV, true),
	textCodec(output.FormatJSON, false),
	textCodec(output.FormatJSON, true),
	parquetCodec(),
}

// FormatParquet is the format of Parquet archives: one file per UTC day
// of a run, zstd-compressed inside, for query engines.
const FormatParquet = readback.FormatParquet

// parquetCodec writes with internal/parquetfile and reads back through
// internal/readback, which checks every event as for the text formats.
func parquetCodec() Codec {
	return Codec{
		Format:     FormatParquet,
		Ext:        ".parquet",
		SplitByDay: true,
		NewWriter: func(w io.Writer, _ output.Options) (output.Writer, error) {
			return parquetfile.NewWriter(w)
		},
		NewReaderAt: func(name string, r io.ReaderAt, size int64) (EventReader, error) {
			rd, err := readback.OpenParquet(name, r, size)
			if err != nil {
				return nil, err
			}
			return rd, nil
		},
	}
}

// WriteCodec is the codec a run writes: format's, gzip-compressed when
// gzip is true, except Parquet, which compresses inside.
func WriteCodec(format string, gzip bool) (Codec, error) {
	if format == FormatParquet {
		return parquetCodec(), nil
	}
	compression := ""
	if gzip {
		compression = "gzip"
	}
	return CodecFor(format, compression)
}

// textCodec is JSON lines, CSV or a JSON array, gzipped or not, as
// internal/output writes them and internal/readback reads them.
func textCodec(format string, gz bool) Codec {
	c := Codec{Format: format, Ext: Ext(format, gz)}
	c.NewReader = func(name string, r io.Reader) (EventReader, error) {
		rd, err := readback.NewReader(name, r)
		if err != nil {
			return nil, err
		}
		return rd, nil
	}
	c.NewWriter = func(w io.Writer, o output.Options) (output.Writer, error) {
		o.Format = format
		return output.New(w, o)
	}
	if gz {
		c.Compression = "gzip"
		c.NewWriter = func(w io.Writer, o output.Options) (output.Writer, error) {
			o.Format = format
			z := gzip.NewWriter(w)
			enc, err := output.New(z, o)
			if err != nil {
				return nil, err
			}
			return &gzipWriter{Writer: enc, z: z}, nil
		}
	}
	return c
}

type gzipWriter struct {
	output.Writer
	z *gzip.Writer
}

func (g *gzipWriter) Close() error {
	return errors.Join(g.Writer.Close(), g.z.Close())
}

// CodecFor is the codec of a format and compression ("gzip" or "").
func CodecFor(format, compression string) (Codec, error) {
	for _, c := range codecs {
		if c.Format == format && c.Compression == compression {
			return c, nil
		}
	}
	if compression != "" {
		format += " (" + compression + ")"
	}
	return Codec{}, fmt.Errorf("data objects of format %s are not known to this authgear-audit: upgrade it", format)
}
