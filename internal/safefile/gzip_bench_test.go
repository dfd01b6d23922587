package safefile

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// The gzip of .gz exports, on our JSON lines (the sample export), at the
// default level: klauspost/compress's against the standard library's, which
// it replaced, side by side in one run:
//
//	go test -run='^$' -bench=Gzip ./internal/safefile
//
// "ratio" is compressed size over raw size.
func BenchmarkGzipJSONL(b *testing.B) {
	raw, err := os.ReadFile("../../examples/sample-export.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	type codec struct {
		name   string
		writer func(io.Writer) io.WriteCloser
		reader func(io.Reader) (io.Reader, error)
	}
	codecs := []codec{
		{"compress-gzip",
			func(w io.Writer) io.WriteCloser { return stdgzip.NewWriter(w) },
			func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) }},
		{"klauspost",
			func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) },
			func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
	}
	compress := func(c codec, dst *bytes.Buffer) {
		dst.Reset()
		w := c.writer(dst)
		if _, err := w.Write(raw); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range codecs {
		b.Run("write/"+c.name, func(b *testing.B) {
			var z bytes.Buffer
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				compress(c, &z)
			}
			b.ReportMetric(float64(z.Len())/float64(len(raw)), "ratio")
		})
	}
	for _, c := range codecs {
		b.Run("read/"+c.name, func(b *testing.B) {
			// Both read the same stream, as the standard library wrote it:
			// the archives written before the change.
			var z bytes.Buffer
			compress(codecs[0], &z)
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				r, err := c.reader(bytes.NewReader(z.Bytes()))
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(raw)) {
					b.Fatalf("read %d of %d bytes: %v", n, len(raw), err)
				}
			}
		})
	}
}
