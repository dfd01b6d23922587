package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// FuzzCodecRoundTrip writes an event with the writer of every text codec
// of the table (JSON lines, CSV and a JSON array, each plain and gzipped)
// and reads it back with that codec's reader, under the name a data file
// of that codec has: every field must come back as it was, apart from what
// the format itself cannot carry (invalid UTF-8; in CSV, "\r\n" in a cell).
func FuzzCodecRoundTrip(f *testing.F) {
	f.Add("id", int64(1795687200), int64(0), "USER_AUTHENTICATED", "u1", "203.0.113.7", `=HYPERLINK("http://evil","x")`, "portal", `{"a":"b"}`)
	f.Add("'=id", int64(0), int64(5e8), "+X", "-u", "@ip", "\t\rua", "''=c", `{"a":"\u001b","b":[1, 2 ]}`)
	f.Add("a,b", int64(-5), int64(1), "\"q\"", "", "", "line\r\nbreak\u2028", "\xff", `[1, 2 ]`)
	f.Add("", int64(1), int64(0), "X", "", "", "", "", `null`)
	f.Fuzz(func(t *testing.T, id string, sec, nsec int64, activity, user, ip, ua, client, data string) {
		e := &auditlog.Event{
			ID: id, CreatedAt: time.Unix(sec%(1<<35), nsec%1e9).UTC(), ActivityType: activity,
			UserID: user, IPAddress: ip, UserAgent: ua, ClientID: client, Data: json.RawMessage(data),
		}
		if !json.Valid(e.Data) || !utf8.ValidString(data) {
			e.Data = json.RawMessage(`{}`)
		}
		for _, c := range codecs {
			if c.NewReader == nil {
				continue // Parquet: read with random access, and tested with internal/parquetfile
			}
			name := "audit" + c.Ext
			var buf bytes.Buffer
			w, err := c.NewWriter(&buf, output.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(e); err != nil {
				t.Fatalf("%s: write: %v", name, err)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("%s: close: %v", name, err)
			}
			want := wantAfter(e, c.Format == output.FormatCSV)
			rd, err := c.NewReader(name, bytes.NewReader(buf.Bytes()))
			var got []*auditlog.Event
			for err == nil {
				var ev *auditlog.Event
				if ev, err = rd.Next(); err == nil {
					got = append(got, ev)
				}
			}
			if rd != nil {
				rd.Close()
			}
			if want.ID == "" || want.ActivityType == "" || e.CreatedAt.IsZero() {
				if len(got) != 0 {
					t.Fatalf("%s: an event without id, activityType or time was read back: %+v", name, got)
				}
				continue
			}
			if !errors.Is(err, io.EOF) || len(got) != 1 {
				t.Fatalf("%s: read back %d events, %v, from %q", name, len(got), err, buf.String())
			}
			if !got[0].CreatedAt.Equal(want.CreatedAt) {
				t.Fatalf("%s: createdAt %v, want %v", name, got[0].CreatedAt, want.CreatedAt)
			}
			g, w2 := *got[0], *want
			g.CreatedAt, w2.CreatedAt = time.Time{}, time.Time{}
			if gs, ws := mustJSON(&g), mustJSON(&w2); gs != ws {
				t.Fatalf("%s: read back\n %s\nwant\n %s\nfile %q", name, gs, ws, buf.String())
			}
		}
	})
}

// wantAfter is e as a reader of a text format sees it again: invalid
// UTF-8 replaced, and in CSV "\r\n" inside a cell read as "\n" (encoding/csv
// does that).
func wantAfter(e *auditlog.Event, csv bool) *auditlog.Event {
	fix := func(s string) string {
		s = toValid(s)
		if csv {
			s = strings.ReplaceAll(s, "\r\n", "\n")
		}
		return s
	}
	c := *e
	c.ID, c.ActivityType, c.UserID = fix(c.ID), fix(c.ActivityType), fix(c.UserID)
	c.IPAddress, c.UserAgent, c.ClientID = fix(c.IPAddress), fix(c.UserAgent), fix(c.ClientID)
	return &c
}
