package readback

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/parquetfile"
)

// The files the tests read, written as internal/codec's tests write them.

func write(t testing.TB, dir, name string, o output.Options, evs []*auditlog.Event) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := output.New(&buf, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if strings.HasSuffix(name, ".gz") {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		b = z.Bytes()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// canon is an event as JSON with its data compacted, for comparisons.
func canon(t testing.TB, e *auditlog.Event) string {
	t.Helper()
	var d bytes.Buffer
	if err := json.Compact(&d, e.Data); err != nil {
		t.Fatalf("event %s: data %q: %v", e.ID, e.Data, err)
	}
	c := *e
	c.Data = d.Bytes()
	c.CreatedAt = c.CreatedAt.UTC()
	b, _ := json.Marshal(c)
	return string(b)
}

// writeParquet writes events to dir/name as a Parquet archive file.
func writeParquet(t testing.TB, dir, name string, evs []*auditlog.Event) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func generatedEvents(n int) []*auditlog.Event {
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	gen, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: 9, Count: n, Start: start, End: start.Add(72 * time.Hour), Nasty: true})
	evs := make([]*auditlog.Event, len(gen))
	for i := range gen {
		r := gen[i].Record()
		evs[i] = &r
	}
	return evs
}
