package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	gojson "github.com/goccy/go-json"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// readFrom reads every event of content as the file name would be read,
// stopping at the first error.
func readFrom(t *testing.T, name string, content []byte) ([]*auditlog.Event, error) {
	r, err := NewReader(name, bytes.NewReader(content))
	if err != nil {
		return nil, err
	}
	var evs []*auditlog.Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			if e != nil {
				t.Fatalf("Next returned an event with the error %v", err)
			}
			if _, err2 := r.Next(); !errors.Is(err2, io.EOF) {
				t.Fatalf("Next after an error: %v, want io.EOF", err2)
			}
			return evs, err
		}
		evs = append(evs, e)
	}
}

// checkRead checks what a reader returned: every event complete, every
// error one line naming the file; and the events written again as jsonl
// read back the same.
func checkRead(t *testing.T, name string, evs []*auditlog.Event, err error) {
	t.Helper()
	if err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, name) || strings.ContainsAny(msg, "\n\r\x1b") {
			t.Fatalf("error is not one safe line naming the file: %q", msg)
		}
	}
	var buf bytes.Buffer
	w, _ := output.New(&buf, output.Options{Format: output.FormatJSONL})
	for _, e := range evs {
		if e.ID == "" || e.ActivityType == "" || e.CreatedAt.IsZero() || len(e.Data) == 0 {
			t.Fatalf("incomplete event %+v", e)
		}
		if err := w.Write(e); err != nil {
			return // a time outside what JSON can hold: refused by the writer
		}
	}
	w.Close()
	if !utf8.Valid(buf.Bytes()) {
		t.Fatalf("jsonl output is not valid UTF-8")
	}
	again, err := readFrom(t, "again.jsonl", buf.Bytes())
	if err != nil {
		t.Fatalf("reading our own output: %v\n%s", err, buf.Bytes())
	}
	if len(again) != len(evs) {
		t.Fatalf("%d events read back, want %d", len(again), len(evs))
	}
	for i := range evs {
		if a, b := again[i], evs[i]; a.ID != toValid(b.ID) || !a.CreatedAt.Equal(b.CreatedAt) || a.ActivityType != toValid(b.ActivityType) {
			t.Fatalf("event %d read back as %+v, want %+v", i, a, b)
		}
	}
}

// toValid replaces each byte of invalid UTF-8 with U+FFFD, as the writers do.
func toValid(s string) string { return string([]rune(s)) }

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"id":"a","createdAt":"2026-11-25T10:00:00Z","activityType":"X","data":{"k":[1,2]}}` + "\n"))
	f.Add([]byte("\xEF\xBB\xBF" + `{"id":"a","createdAt":"2026-11-25T18:00:00.5+08:00","activityType":"X","userAgent":"\u001b[31m"}` + "\r\n\n"))
	f.Add([]byte(`{"id":"a","createdAt":"2026-11-25T10:00:00Z","activityType":"X","data":null}` + "\n{\"id\":"))
	f.Add([]byte(`{"ID":"a","CREATEDAT":"2026-11-25T10:00:00Z","activitytype":"X","data":"\xff"}`))
	f.Add([]byte("[1]\n{}\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		evs, err := readFrom(t, "f.jsonl", content)
		checkRead(t, "f.jsonl", evs, err)
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("id,createdAt,activityType,userID,ipAddress,userAgent,clientID,data\n" +
		"a,2026-11-25T10:00:00Z,X,u,1.2.3.4,\"'=HYPERLINK(\"\"x\"\")\",c,\"{\"\"k\"\":1}\"\n"))
	f.Add([]byte("\xEF\xBB\xBFtype,time,id\nX,2026-11-25T10:00:00.123Z,a\n\n"))
	f.Add([]byte("id,createdAt,activityType\na,2026-11-25T10:00:00Z\n"))
	f.Add([]byte("id,createdAt,activityType,data\na,2026-11-25T10:00:00Z,X,nope\n"))
	f.Add([]byte("id,\"createdAt\nb\",activityType\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		evs, err := readFrom(t, "f.csv", content)
		checkRead(t, "f.csv", evs, err)
	})
}

// FuzzCSVRoundTrip writes an event as CSV and reads it back: with the
// formula guard on, every field must come back as it was, apart from what
// CSV itself cannot carry (see wantAfterCSV).
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("id", int64(1795687200), int64(0), "USER_AUTHENTICATED", "u1", "203.0.113.7", `=HYPERLINK("http://evil","x")`, "portal", `{"a":"b"}`, false)
	f.Add("'=id", int64(0), int64(5e8), "+X", "-u", "@ip", "\t\rua", "''=c", `{"a":"\u001b"}`, true)
	f.Add("a,b", int64(-5), int64(1), "\"q\"", "", "", "line\nbreak", "", `[1, 2 ]`, false)
	f.Fuzz(func(t *testing.T, id string, sec, nsec int64, activity, user, ip, ua, client, data string, raw bool) {
		e := &auditlog.Event{
			ID: id, CreatedAt: time.Unix(sec%(1<<35), nsec%1e9).UTC(), ActivityType: activity,
			UserID: user, IPAddress: ip, UserAgent: ua, ClientID: client, Data: json.RawMessage(data),
		}
		if !json.Valid(e.Data) || !utf8.ValidString(data) {
			e.Data = json.RawMessage(`{}`)
		}
		var buf bytes.Buffer
		w, _ := output.New(&buf, output.Options{Format: output.FormatCSV, CSVRaw: raw})
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		evs, err := readFrom(t, "f.csv", buf.Bytes())
		want := wantAfterCSV(e, raw)
		if want.ID == "" || want.ActivityType == "" || e.CreatedAt.IsZero() {
			if err == nil {
				t.Fatalf("an event without id, activityType or time was read back: %+v", evs)
			}
			return
		}
		if err != nil {
			t.Fatalf("reading back %q: %v", buf.String(), err)
		}
		if len(evs) != 1 {
			t.Fatalf("%d events read back from %q", len(evs), buf.String())
		}
		got := evs[0]
		if !got.CreatedAt.Equal(want.CreatedAt) {
			t.Fatalf("createdAt %v, want %v", got.CreatedAt, want.CreatedAt)
		}
		got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
		var compact bytes.Buffer
		json.Compact(&compact, want.Data)
		want.Data = compact.Bytes()
		if g, w := mustJSON(got), mustJSON(want); g != w {
			t.Fatalf("read back\n %s\nwant\n %s\nCSV %q", g, w, buf.String())
		}
	})
}

// wantAfterCSV is e as a CSV reader sees it again: invalid UTF-8 replaced,
// "\r\n" inside a cell read as "\n" (encoding/csv does that), and, without
// the guard, a leading quote before a formula character taken for the
// guard's. The data column is compacted JSON.
func wantAfterCSV(e *auditlog.Event, raw bool) *auditlog.Event {
	fix := func(s string) string {
		s = strings.ReplaceAll(toValid(s), "\r\n", "\n")
		if raw {
			s = unguard(s)
		}
		return s
	}
	c := *e
	c.ID, c.ActivityType, c.UserID = fix(c.ID), fix(c.ActivityType), fix(c.UserID)
	c.IPAddress, c.UserAgent, c.ClientID = fix(c.IPAddress), fix(c.UserAgent), fix(c.ClientID)
	return &c
}

func mustJSON(e *auditlog.Event) string {
	b, _ := json.Marshal(e)
	return string(b)
}

// FuzzDecodeEvent checks goccy/go-json against encoding/json: wherever
// goccy accepts a record, encoding/json must accept it and decode the very
// same event.
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"id":"a","createdAt":"2026-11-25T10:00:00Z","activityType":"X","userID":"u","ipAddress":"1.2.3.4","userAgent":"ua","clientID":"c","data":{"k":[1,2]}}`))
	f.Add([]byte(` { "id" : "a\u003c\"" , "createdAt" : null , "data" : null , "other" : [ ] } `))
	f.Add([]byte(`{"ID":"a","Data":{},"iD":1}`))
	f.Add([]byte("{\"id\":\"\xff\",\"data\":\"\xfe\",\"data\":1}"))
	f.Add([]byte(`{"createdAt":"2026-11-25T10:00:00.123456789+08:00","createdAt":"bad"}`))
	f.Add([]byte(`{"userAgent":7}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast auditlog.Event
		if gojson.Unmarshal(b, &fast) != nil {
			return
		}
		var slow auditlog.Event
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("goccy accepted what encoding/json refuses (%v): %q", err, b)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("goccy decoded\n %#v\nencoding/json\n %#v\ninput %q", fast, slow, b)
		}
	})
}
