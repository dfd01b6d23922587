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

// marshalLine is what the JSON writers write for e: json.Marshal(e) and a
// newline, except that data that looks like JSON on one line (verbatimData)
// is copied verbatim, where json.Marshal would compact it and escape <, >,
// &, U+2028 and U+2029 inside it.
func marshalLine(t testing.TB, e *auditlog.Event) []byte {
	t.Helper()
	if !verbatimData(e.Data) {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		return append(b, '\n')
	}
	c := *e
	c.Data = nil
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	b, ok := bytes.CutSuffix(b, []byte(`"data":null}`))
	if !ok {
		t.Fatalf("json.Marshal does not end with data: %s", b)
	}
	b = append(b, `"data":`...)
	b = append(b, e.Data...)
	return append(b, '}', '\n')
}

// TestJSONLMatchesEncodingJSON checks the JSON lines against json.Marshal:
// identical but for data, which is verbatim where it can be (marshalLine).
func TestJSONLMatchesEncodingJSON(t *testing.T) {
	evs := append(fixtures(), bulkEvents(3)...)
	evs = append(evs,
		&auditlog.Event{ID: "nano", CreatedAt: t0.Add(1500 * time.Millisecond), ActivityType: "X", Data: json.RawMessage(` { "a" : [ 1 , -2.5e+3 , true , null ] , "b" : "<&>" } `)},
		&auditlog.Event{ID: "nil-data", CreatedAt: time.Time{}, ActivityType: "X"},
		&auditlog.Event{ID: "ctl \x00\x01\b\f\n\r\t\x1f\x7f \"\\ <>& \u2028\u2029 é 😀", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage(`"\u0000 \ud800 \/"`)},
		&auditlog.Event{ID: "scalars", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage(`0`)},
		&auditlog.Event{ID: "deep", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage(strings.Repeat("[", 500) + strings.Repeat("]", 500))},
		&auditlog.Event{ID: "<pretty>", CreatedAt: t0, ActivityType: "A&B", UserAgent: "<ua>", Data: json.RawMessage("{\n  \"a\": \"<b>\",\r\n  \"c\": [1, 2]\n}\n")},
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

// TestJSONLData shows which data is copied verbatim and which is
// compacted or repaired.
func TestJSONLData(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"object", `{"a":"<b>&</b>","n":[1,2]}`, `{"a":"<b>&</b>","n":[1,2]}`},
		{"array", `[1, "x"]`, `[1, "x"]`},
		{"spaces and tabs", "{ \"a\" :\t1 }", "{ \"a\" :\t1 }"},
		{"line separators in a string", "{\"a\":\"x\u2028y\u2029z\\u2028\"}", "{\"a\":\"x\u2028y\u2029z\\u2028\"}"},
		{"newline", "{\n\"a\": \"<\"\n}", `{"a":"\u003c"}`},
		{"carriage return", "[1,\r2]", `[1,2]`},
		{"white space around", ` {"a":1} `, `{"a":1}`},
		{"string", `"<x>"`, `"\u003cx\u003e"`},
		{"number", `42`, `42`},
		{"invalid UTF-8", "{\"a\":\"\xff<\"}", `{"a":"\ufffd\u003c"}`},
		{"not JSON", `{oops`, `"{oops"`},
		{"brackets that do not match", `{"a":1]`, `"{\"a\":1]"`},
		{"empty", ``, `null`},
		// Trusted, not checked: an Event built by hand with data that looks
		// like an object but is not JSON makes a broken line.
		{"looks like an object", `{oops}`, `{oops}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &auditlog.Event{ID: "a", CreatedAt: t0, ActivityType: "X", Data: json.RawMessage(tt.data)}
			got, err := appendEvent(nil, e)
			if err != nil {
				t.Fatal(err)
			}
			want := `{"id":"a","createdAt":"2026-11-25T10:00:00Z","activityType":"X","data":` + tt.want + `}`
			if string(got) != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if json.Valid([]byte(tt.data)) && !json.Valid(got) {
				t.Errorf("invalid line for valid data: %q", got)
			}
		})
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
// always valid JSON in valid UTF-8 unless data looks like JSON without being
// JSON (which the writers trust), and is what marshalLine says whenever
// encoding/json accepts the data and everything is valid UTF-8.
func FuzzJSONLEvent(f *testing.F) {
	f.Add("id", "USER_AUTHENTICATED", "u1", "<ua>&", []byte(`{"a": [1, -2.5e3, true, null, "\u2028"]}`))
	f.Add("\x00\xff", "\u2029", "", "", []byte("{\"a\":\"\xff<\"}"))
	f.Add("", "", "", "", []byte(`{oops`))
	f.Add("", "", "", "", []byte(` "x" `))
	f.Add("", "", "", "", []byte(`01`))
	f.Add("", "", "", "", []byte("{\n\"a\":\"<\"}"))
	f.Fuzz(func(t *testing.T, id, activity, user, ua string, data []byte) {
		e := &auditlog.Event{ID: id, CreatedAt: t0, ActivityType: activity, UserID: user, UserAgent: ua, Data: data}
		got, err := appendEvent(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		if verbatimData(data) && !json.Valid(data) {
			if !bytes.HasSuffix(got, append(append([]byte(`,"data":`), data...), '}')) {
				t.Fatalf("data not verbatim: %q", got)
			}
			return // trusted: see verbatimData
		}
		if !utf8.Valid(got) || !json.Valid(got) {
			t.Fatalf("invalid output %q", got)
		}
		if bytes.ContainsAny(got, "\n\r") {
			t.Fatalf("line break in %q", got)
		}
		if !utf8.ValidString(id+activity+user+ua) || !utf8.Valid(data) || !json.Valid(data) {
			return
		}
		if len(data) == 0 {
			e.Data = nil
		}
		if want := marshalLine(t, e); !bytes.Equal(append(got, '\n'), want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
