package parquetfile

import (
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// benchEvents are a day of realistic events (no hostile values), as one
// Parquet file of a busy project's archive would hold.
func benchEvents(b *testing.B, n int) []auditlog.Event {
	b.Helper()
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	evs, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: 5, Count: n, Start: start, End: start.Add(24 * time.Hour)})
	out := make([]auditlog.Event, len(evs))
	for i := range evs {
		out[i] = evs[i].Record()
	}
	return out
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// encodeJSONLGzip writes events as export writes a .jsonl.gz file and
// returns the file's size.
func encodeJSONLGzip(b *testing.B, events []auditlog.Event) int64 {
	var cw countingWriter
	gz := gzip.NewWriter(&cw)
	w, err := output.New(gz, output.Options{Format: output.FormatJSONL})
	if err != nil {
		b.Fatal(err)
	}
	for i := range events {
		if err := w.Write(&events[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		b.Fatal(err)
	}
	return cw.n
}

// encodeParquet writes events as a Parquet file and returns its size.
func encodeParquet(b *testing.B, events []auditlog.Event) int64 {
	var cw countingWriter
	w, err := NewWriter(&cw)
	if err != nil {
		b.Fatal(err)
	}
	for i := range events {
		if err := w.Write(&events[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return cw.n
}

// BenchmarkEncode compares the client CPU time (user + system, GC
// included) of encoding the same 20,000 events (a busy day) as Parquet and as
// gzip-compressed JSON lines (what export writes for a .gz file), one
// after the other in every iteration so that a shared machine's noise
// falls on both, and the bytes each writes:
//
//	go test -run '^$' -bench Encode -benchtime 5x ./internal/parquetfile
//
// cpu-ratio and size-ratio are Parquet's over JSON lines gzip's (issue
// targets: at most 1.25 and at most 1).
func BenchmarkEncode(b *testing.B) {
	const n = 20_000
	events := benchEvents(b, n)
	var cpuJSONL, cpuParquet time.Duration
	var sizeJSONL, sizeParquet int64
	for b.Loop() {
		c0 := cpuTime()
		sizeJSONL = encodeJSONLGzip(b, events)
		c1 := cpuTime()
		sizeParquet = encodeParquet(b, events)
		c2 := cpuTime()
		cpuJSONL += c1 - c0
		cpuParquet += c2 - c1
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / n }
	b.ReportMetric(per(cpuJSONL), "jsonl.gz-cpu-ns/event")
	b.ReportMetric(per(cpuParquet), "parquet-cpu-ns/event")
	b.ReportMetric(float64(cpuParquet)/float64(cpuJSONL), "cpu-ratio")
	b.ReportMetric(float64(sizeJSONL)/n, "jsonl.gz-B/event")
	b.ReportMetric(float64(sizeParquet)/n, "parquet-B/event")
	b.ReportMetric(float64(sizeParquet)/float64(sizeJSONL), "size-ratio")
}

var _ io.Writer = (*countingWriter)(nil)

// BenchmarkWriteMillion writes 1,000,000 realistic events (10,000
// generated ones, repeated a second later each time) into one Parquet
// file and reports the process's peak RSS, the generated events included:
//
//	go test -run '^$' -bench WriteMillion -benchtime 1x ./internal/parquetfile
func BenchmarkWriteMillion(b *testing.B) {
	const n, rounds = 10_000, 100
	events := benchEvents(b, n)
	span := events[n-1].CreatedAt.Sub(events[0].CreatedAt) + time.Second
	for b.Loop() {
		var cw countingWriter
		w, err := NewWriter(&cw)
		if err != nil {
			b.Fatal(err)
		}
		for r := range rounds {
			for i := range events {
				e := events[i]
				e.CreatedAt = e.CreatedAt.Add(time.Duration(r) * span)
				if err := w.Write(&e); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cw.n)/(1<<20), "file-MiB")
	}
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
}
