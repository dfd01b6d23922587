package output

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func writeAll(t testing.TB, o Options, evs []*auditlog.Event) string {
	t.Helper()
	var b bytes.Buffer
	w, err := New(&b, o)
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
	return b.String()
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(s))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("output is not valid CSV: %v", err)
	}
	return recs
}

func TestCSVColumns(t *testing.T) {
	evs := fixtures()
	tests := []struct {
		name    string
		columns []string
		header  []string
		row0    []string // cells of the first event
		row2    []string // cells of the third event (a message to an email)
	}{
		{"aliases", []string{"time", "activity", "user", "ip", "client", "email"},
			[]string{"createdAt", "activityType", "userID", "ipAddress", "clientID", "email"},
			[]string{"2026-11-25T10:00:00Z", "USER_AUTHENTICATED", "6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f", "203.0.113.7", "portal", "alice@example.com"},
			[]string{"2026-11-25T10:00:02Z", "EMAIL_SENT", "", "", "", "carol@example.com"}},
		{"paths", []string{"id", "data.context.geo_location_code", "data.context.preferred_languages", "data.context.preferred_languages.1", "data.seq", "data.nope"},
			[]string{"id", "data.context.geo_location_code", "data.context.preferred_languages", "data.context.preferred_languages.1", "data.seq", "data.nope"},
			[]string{"0f2c3a90-7c36-4c7d-9a52-6a1e1f0b9d01", "HK", `["en","zh-HK"]`, "zh-HK", "4711", ""},
			[]string{"ev-osc8", "", "", "", "", ""}},
		{"case and separators", []string{"ID", "created_at", "User-Agent", "CLIENT_ID"},
			[]string{"id", "createdAt", "userAgent", "clientID"},
			[]string{"0f2c3a90-7c36-4c7d-9a52-6a1e1f0b9d01", "2026-11-25T10:00:00Z", evs[0].UserAgent, "portal"},
			[]string{"ev-osc8", "2026-11-25T10:00:02Z", evs[2].UserAgent, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := readCSV(t, writeAll(t, Options{Format: FormatCSV, Columns: tt.columns}, evs))
			if len(recs) != len(evs)+1 {
				t.Fatalf("%d records, want %d", len(recs), len(evs)+1)
			}
			for i, want := range [][]string{tt.header, tt.row0, nil, tt.row2} {
				if want != nil && strings.Join(recs[i], "|") != strings.Join(want, "|") {
					t.Errorf("record %d:\n got %q\nwant %q", i, recs[i], want)
				}
			}
		})
	}
}

func TestCSVUnknownColumn(t *testing.T) {
	for _, cols := range [][]string{{"id", "nope"}, {"data."}, {"data..x"}, {"context.user_id"}, {}} {
		_, err := New(&bytes.Buffer{}, Options{Format: FormatCSV, Columns: cols})
		if err == nil {
			t.Errorf("columns %q: want an error", cols)
			continue
		}
		if len(cols) > 0 && !strings.Contains(err.Error(), "createdAt (time)") {
			t.Errorf("columns %q: the error should list the valid names: %v", cols, err)
		}
	}
}

func TestCSVEmptyHasHeader(t *testing.T) {
	got := writeAll(t, Options{Format: FormatCSV}, nil)
	if want := "id,createdAt,activityType,userID,ipAddress,userAgent,clientID,data\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCSVFormulaGuard(t *testing.T) {
	tests := []struct{ in, guarded string }{
		{`=HYPERLINK("http://evil","x")`, `'=HYPERLINK("http://evil","x")`},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'=x", "''=x"},
		{"''@x", "'''@x"},
		{"'plain", "'plain"},
		{"a=b", "a=b"},
		{"", ""},
		{"'", "'"},
	}
	for _, tt := range tests {
		e := &auditlog.Event{ID: "id", CreatedAt: t0, ActivityType: "X", UserAgent: tt.in}
		for _, raw := range []bool{false, true} {
			recs := readCSV(t, writeAll(t, Options{Format: FormatCSV, Columns: []string{"userAgent"}, CSVRaw: raw}, []*auditlog.Event{e}))
			want := tt.guarded
			if raw {
				want = tt.in
			}
			if got := recs[1][0]; got != want {
				t.Errorf("%q raw=%v: cell %q, want %q", tt.in, raw, got, want)
			}
		}
	}
}

func TestCSVDataIsCompactAndValidUTF8(t *testing.T) {
	e := &auditlog.Event{ID: "id", CreatedAt: t0, ActivityType: "X", UserAgent: "a\xffb",
		Data: []byte("{ \"a\" : \"<\xff>\" }")}
	recs := readCSV(t, writeAll(t, Options{Format: FormatCSV, Columns: []string{"userAgent", "data"}}, []*auditlog.Event{e}))
	if got, want := recs[1][0], "a\uFFFDb"; got != want {
		t.Errorf("userAgent %q, want %q", got, want)
	}
	if got, want := recs[1][1], `{"a":"<\ufffd>"}`; got != want {
		t.Errorf("data %q, want %q", got, want)
	}
}
