package output

import (
	"bufio"
	"encoding/json"
	"io"
	"testing"
)

// The jsonl writer against json.Marshal of the same events, per event of
// about 1.2 KB (the writer copies data verbatim, json.Marshal compacts it):
//
//	go test -run='^$' -bench=Event -benchmem ./internal/output
func BenchmarkJSONLWriterEvent(b *testing.B) {
	evs := bulkEvents(256)
	w, err := New(io.Discard, Options{Format: FormatJSONL})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(marshalLine(b, evs[0]))))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Write(evs[i%len(evs)]); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
}

func BenchmarkEncodingJSONEvent(b *testing.B) {
	evs := bulkEvents(256)
	bw := bufio.NewWriterSize(io.Discard, bufSize)
	b.SetBytes(int64(len(marshalLine(b, evs[0]))))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		line, err := json.Marshal(evs[i%len(evs)])
		if err != nil {
			b.Fatal(err)
		}
		bw.Write(line)
		bw.WriteByte('\n')
	}
	bw.Flush()
}

func BenchmarkCSVWriterEvent(b *testing.B) {
	evs := bulkEvents(256)
	w, err := New(io.Discard, Options{Format: FormatCSV})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Write(evs[i%len(evs)]); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
}

func BenchmarkTableWriterEvent(b *testing.B) {
	evs := bulkEvents(256)
	w, err := New(io.Discard, Options{Format: FormatTable, UTC: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Write(evs[i%len(evs)]); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
}

func BenchmarkSanitizeClean(b *testing.B) {
	s := bulkEvents(1)[0].UserAgent
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Sanitize(s)
	}
}
