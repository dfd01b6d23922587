package readback

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// writeAs writes events to dir/name with the writer of the codec that
// export uses for format, as an export's data object.
func writeAs(t testing.TB, dir, name, format string, evs []*auditlog.Event) string {
	t.Helper()
	c, err := codec.ForWriting(format, false)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := c.NewWriter(&buf, output.Options{Format: format, UTC: true})
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
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
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
