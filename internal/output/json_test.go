package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func marshalLine(t testing.TB, e *auditlog.Event) []byte {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return append(b, '\n')
}

func TestJSONLMatchesEncodingJSON(t *testing.T) {
	evs := append(fixtures(), bulkEvents(3)...)
	evs = append(evs,
		&auditlog.Event{ID: "nano", CreatedAt: t0.Add(1500 * time.Millisecond), ActivityType: "X", Data: json.RawMessage(` { "a" : [ 1 , -2.5e+3 , true , null ] , "b" : "<&>" } `)},
		&auditlog.Event{ID: "nil-data", CreatedAt: time.Time{}, ActivityType: "X"},
		&auditlog.Event{ID: "ctl \x00\x01\b\f\n\r\t\x1f\x7f \"\\ <>& \u2028\u2029 é 😀", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage(`"\u0000 \ud800 \/"`)},
		&auditlog.Event{ID: "scalars", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage(`0`)},
		&auditlog.Event{ID: "deep", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage(strings.Repeat("[", 500) + strings.Repeat("]", 500))},
	)
	for _, e := range evs {
		var got bytes.Buffer
		w, err := New(&got, Options{Format: FormatJSONL})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if want := marshalLine(t, e); !bytes.Equal(got.Bytes(), want) {
			t.Errorf("event %q:\n got %s\nwant %s", e.ID, got.Bytes(), want)
		}
	}
}

func TestJSONLRepairsInvalidInput(t *testing.T) {
	tests := []struct {
		name string
		e    auditlog.Event
		want string
	}{
		{"bad utf8 in field", auditlog.Event{ID: "a\xffb", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage(`{}`)},
			`{"id":"a\ufffdb","createdAt":"2026-11-25T10:00:00Z","activityType":"X","data":{}}`},
		{"bad utf8 in data", auditlog.Event{ID: "a", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage("{\"k\":\"\xff\xfe<\"}")},
			`{"id":"a","createdAt":"2026-11-25T10:00:00Z","activityType":"X","data":{"k":"\ufffd\ufffd\u003c"}}`},
		{"data not JSON", auditlog.Event{ID: "a", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage("{oops\xff")},
			`{"id":"a","createdAt":"2026-11-25T10:00:00Z","activityType":"X","data":"{oops\ufffd"}`},
		{"empty data", auditlog.Event{ID: "a", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage{}},
			`{"id":"a","createdAt":"2026-11-25T10:00:00Z","activityType":"X","data":null}`},
		{"non-UTC time", auditlog.Event{ID: "a", CreatedAt: t0.In(time.FixedZone("HKT", 8*3600)), ActivityType: "X", Data: json.RawMessage(`{}`)},
			`{"id":"a","createdAt":"2026-11-25T10:00:00Z","activityType":"X","data":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w, _ := New(&b, Options{Format: FormatJSONL})
			if err := w.Write(&tt.e); err != nil {
				t.Fatal(err)
			}
			w.Close()
			if got := strings.TrimSuffix(b.String(), "\n"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !utf8.Valid(b.Bytes()) || !json.Valid(b.Bytes()) {
				t.Errorf("output is not valid UTF-8 JSON: %q", b.Bytes())
			}
		})
	}
}

func TestJSONLRefusesYearOutOfRange(t *testing.T) {
	var b bytes.Buffer
	w, _ := New(&b, Options{Format: FormatJSONL})
	if err := w.Write(&auditlog.Event{ID: "a", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Fatal("want an error for year 10000")
	}
	if err := w.Write(&auditlog.Event{ID: "b", CreatedAt: t0, ActivityType: "X"}); err != nil {
		t.Fatalf("the writer should stay usable after a refused event: %v", err)
	}
	w.Close()
	if got := b.String(); !strings.HasPrefix(got, `{"id":"b"`) || strings.Count(got, "\n") != 1 {
		t.Errorf("output %q", got)
	}
}

func TestJSONArray(t *testing.T) {
	evs := fixtures()[:2]
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"empty", 0, "[]\n"},
		{"one", 1, "[\n" + strings.TrimSuffix(string(marshalLine(t, evs[0])), "\n") + "\n]\n"},
		{"two", 2, "[\n" + strings.TrimSuffix(string(marshalLine(t, evs[0])), "\n") + ",\n" + strings.TrimSuffix(string(marshalLine(t, evs[1])), "\n") + "\n]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w, err := New(&b, Options{Format: FormatJSON})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs[:tt.n] {
				if err := w.Write(e); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q\nwant %q", b.String(), tt.want)
			}
			var arr []auditlog.Event
			if err := json.Unmarshal(b.Bytes(), &arr); err != nil || len(arr) != tt.n {
				t.Errorf("not a JSON array of %d events: %v", tt.n, err)
			}
		})
	}
}

func TestJSONRefusesColumns(t *testing.T) {
	for _, f := range []string{FormatJSONL, FormatJSON} {
		if _, err := New(&bytes.Buffer{}, Options{Format: f, Columns: []string{"id"}}); err == nil {
			t.Errorf("%s with columns: want an error", f)
		}
	}
}

// FuzzJSONLEvent encodes events with arbitrary fields and data: the line is
// always valid JSON in valid UTF-8, and byte-identical to json.Marshal
// whenever encoding/json accepts the data and everything is valid UTF-8.
func FuzzJSONLEvent(f *testing.F) {
	f.Add("id", "USER_AUTHENTICATED", "u1", "<ua>&", []byte(`{"a": [1, -2.5e3, true, null, "\u2028"]}`))
	f.Add("\x00\xff", "\u2029", "", "", []byte("{\"a\":\"\xff<\"}"))
	f.Add("", "", "", "", []byte(`{oops`))
	f.Add("", "", "", "", []byte(` "x" `))
	f.Add("", "", "", "", []byte(`01`))
	f.Fuzz(func(t *testing.T, id, activity, user, ua string, data []byte) {
		e := &auditlog.Event{ID: id, CreatedAt: t0, ActivityType: activity, UserID: user, UserAgent: ua, Data: data}
		got, err := appendEvent(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(got) || !json.Valid(got) {
			t.Fatalf("invalid output %q", got)
		}
		if !utf8.ValidString(id+activity+user+ua) || !utf8.Valid(data) || !json.Valid(data) {
			return
		}
		if len(data) == 0 {
			e.Data = nil
		}
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
