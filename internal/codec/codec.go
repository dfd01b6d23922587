// Package codec is the one place for the formats of export data files:
// the codec table (format, compression, extension, how a run splits its
// objects), a writer per format and the reader that reads each back as
// events, checked field by field. JSON lines, CSV and JSON arrays, each
// optionally gzip-compressed, are written by internal/output; Parquet is a
// row that delegates to internal/parquetfile.
package codec

import (
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/parquetfile"
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

// parquetCodec writes with internal/parquetfile and reads back with
// OpenParquet, which checks every event as for the text formats.
func parquetCodec() Codec {
	return Codec{
		Format:     FormatParquet,
		Ext:        ".parquet",
		SplitByDay: true,
		NewWriter: func(w io.Writer, _ output.Options) (output.Writer, error) {
			return parquetfile.NewWriter(w)
		},
		NewReaderAt: func(name string, r io.ReaderAt, size int64) (EventReader, error) {
			rd, err := OpenParquet(name, r, size)
			if err != nil {
				return nil, err
			}
			return rd, nil
		},
	}
}

// ForWriting is the codec a run writes: format's, gzip-compressed when
// gzip is true, except Parquet, which compresses inside.
func ForWriting(format string, gzip bool) (Codec, error) {
	if format == FormatParquet {
		return parquetCodec(), nil
	}
	compression := ""
	if gzip {
		compression = "gzip"
	}
	return For(format, compression)
}

// textCodec is JSON lines, CSV or a JSON array, gzipped or not, as
// internal/output writes them and Reader reads them.
func textCodec(format string, gz bool) Codec {
	c := Codec{Format: format, Ext: Ext(format, gz)}
	c.NewReader = func(name string, r io.Reader) (EventReader, error) {
		rd, err := NewReader(name, r)
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

// For is the codec of a format and compression ("gzip" or "").
func For(format, compression string) (Codec, error) {
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

// Ext is the extension of a data file: ".jsonl", ".csv" or ".json", with
// ".gz" added when gzip is true.
func Ext(format string, gzip bool) string {
	ext := "." + format
	if gzip {
		ext += ".gz"
	}
	return ext
}
