package parquetfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// generated returns n realistic events, oldest first, hostile values
// mixed in.
func generated(t testing.TB, n int) []auditlog.Event {
	t.Helper()
	evs, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: 11, Count: n, Start: t0, End: t0.Add(48 * time.Hour), Nasty: true, Bursts: 1, BurstSize: 150})
	out := make([]auditlog.Event, len(evs))
	for i := range evs {
		out[i] = evs[i].Record()
	}
	return out
}

// encode writes events to a Parquet file in memory with row groups of
// rgBytes.
func encode(t testing.TB, events []auditlog.Event, rgBytes int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := newWriter(&buf, rgBytes)
	if err != nil {
		t.Fatal(err)
	}
	for i := range events {
		if err := w.Write(&events[i]); err != nil {
			t.Fatalf("write event %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decode reads every event of a Parquet file.
func decode(t testing.TB, file []byte) []auditlog.Event {
	t.Helper()
	r, err := NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []auditlog.Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *e)
	}
}

func sameEvents(t *testing.T, got, want []auditlog.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d events, wrote %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("event %d differs:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestRoundTripGenerated(t *testing.T) {
	events := generated(t, 3000)
	for _, tc := range []struct {
		name    string
		rgBytes int64
	}{
		{"one row group", RowGroupBytes},
		{"many row groups", 256 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := encode(t, events, tc.rgBytes)
			sameEvents(t, decode(t, file), events)
			f, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
			if err != nil {
				t.Fatal(err)
			}
			groups := len(f.RowGroups())
			if tc.rgBytes == RowGroupBytes && groups != 1 || tc.rgBytes < RowGroupBytes && groups < 3 {
				t.Errorf("%d row groups with a limit of %d bytes for %d events", groups, tc.rgBytes, len(events))
			}
		})
	}
}

// edgeEvents are events with every optional field empty or odd.
func edgeEvents() []auditlog.Event {
	big := `{"context":{"triggered_by":"user"},"payload":{"blob":"` + strings.Repeat("x€", 1<<20) + `"}}`
	return []auditlog.Event{
		{ID: "only-required", CreatedAt: t0, ActivityType: "USER_AUTHENTICATED"},
		{ID: "null-data", CreatedAt: t0, ActivityType: "USER_AUTHENTICATED", Data: json.RawMessage(`null`)},
		{ID: "empty-object", CreatedAt: t0, ActivityType: "USER_AUTHENTICATED", Data: json.RawMessage(`{}`)},
		{ID: "non-ascii", CreatedAt: t0.Add(time.Second), ActivityType: "USER_PROFILE_UPDATED", UserID: "ユーザー",
			IPAddress: "2001:db8::1", UserAgent: "Ünïcødé 🚀 \u202e", ClientID: "客户端",
			Data: json.RawMessage(`{"context":{"geo_location_code":"日本","triggered_by":"ユーザー"},"payload":{"recipient":"élodie@example.com"}}`)},
		{ID: "empty-promoted", CreatedAt: t0.Add(time.Second), ActivityType: "EMAIL_SENT",
			Data: json.RawMessage(`{"context":{"geo_location_code":"","triggered_by":""},"payload":{"recipient":""}}`)},
		{ID: "odd-promoted", CreatedAt: t0.Add(time.Second), ActivityType: "EMAIL_SENT",
			Data: json.RawMessage(`{"context":{"geo_location_code":null,"triggered_by":7},"payload":{"recipient":{"email":"a@b"}}}`)},
		{ID: "spaces kept", CreatedAt: t0.Add(2 * time.Second), ActivityType: "EMAIL_SENT",
			Data: json.RawMessage("{ \"a\" : [1, 2,\n3] }")},
		{ID: "micros", CreatedAt: t0.Add(2*time.Second + 123456*time.Microsecond), ActivityType: "EMAIL_SENT", Data: json.RawMessage(`{}`)},
		{ID: "big", CreatedAt: t0.Add(3 * time.Second), ActivityType: "USER_PROFILE_UPDATED", Data: json.RawMessage(big)},
		{ID: "old-time-zone", CreatedAt: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(3 * time.Second).Add(0), ActivityType: "EMAIL_SENT"},
	}
}

func TestRoundTripEdges(t *testing.T) {
	events := edgeEvents()
	// The last one is far in the past: it makes its own file, as time order requires.
	last := events[len(events)-1:]
	events = events[:len(events)-1]
	sameEvents(t, decode(t, encode(t, events, RowGroupBytes)), events)
	sameEvents(t, decode(t, encode(t, last, RowGroupBytes)), last)
}

func TestEmptyFile(t *testing.T) {
	file := encode(t, nil, RowGroupBytes)
	if got := decode(t, file); len(got) != 0 {
		t.Fatalf("an empty file gave %d events", len(got))
	}
}

// TestPromotedColumns reads the rows as stored: the promoted fields come
// from data only when they are JSON strings.
func TestPromotedColumns(t *testing.T) {
	file := encode(t, edgeEvents()[:6], RowGroupBytes)
	rows := make([]row, 10)
	pr := parquet.NewGenericReader[row](bytes.NewReader(file))
	n, _ := pr.Read(rows)
	if n != 6 {
		t.Fatalf("read %d rows, want 6", n)
	}
	str := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return `"` + *p + `"`
	}
	want := map[string][3]string{
		"only-required":  {"NULL", "NULL", "NULL"},
		"null-data":      {"NULL", "NULL", "NULL"},
		"empty-object":   {"NULL", "NULL", "NULL"},
		"non-ascii":      {`"ユーザー"`, `"日本"`, `"élodie@example.com"`},
		"empty-promoted": {`""`, `""`, `""`},
		"odd-promoted":   {"NULL", "NULL", "NULL"},
	}
	for _, r := range rows[:n] {
		got := [3]string{str(r.TriggeredBy), str(r.Country), str(r.Recipient)}
		if got != want[r.ID] {
			t.Errorf("%s: triggered_by, country, recipient = %v, want %v", r.ID, got, want[r.ID])
		}
	}
}

func TestWriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []auditlog.Event
		want   string
	}{
		{"out of order", []auditlog.Event{
			{ID: "b", CreatedAt: t0.Add(time.Second), ActivityType: "X"},
			{ID: "a", CreatedAt: t0, ActivityType: "X"},
		}, "written oldest first"},
		{"nanoseconds", []auditlog.Event{
			{ID: "a", CreatedAt: t0.Add(1), ActivityType: "X"},
		}, "finer than a microsecond"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := NewWriter(io.Discard)
			var err error
			for i := range tc.events {
				if err = w.Write(&tc.events[i]); err != nil {
					break
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one that says %q", err, tc.want)
			}
			if cerr := w.Close(); cerr == nil {
				t.Fatal("Close after a refused write succeeded: the file would look complete")
			}
		})
	}
}

func TestReaderRefuses(t *testing.T) {
	good := encode(t, generated(t, 200), RowGroupBytes)
	type other struct {
		Name string `parquet:"name"`
	}
	var otherFile bytes.Buffer
	ow := parquet.NewGenericWriter[other](&otherFile)
	ow.Write([]other{{Name: "x"}})
	ow.Close()
	type millis struct {
		ID           string    `parquet:"id"`
		CreatedAt    time.Time `parquet:"created_at,timestamp(millisecond)"`
		ActivityType string    `parquet:"activity_type"`
	}
	var millisFile bytes.Buffer
	mw := parquet.NewGenericWriter[millis](&millisFile)
	mw.Write([]millis{{ID: "a", CreatedAt: t0, ActivityType: "X"}})
	mw.Close()

	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"JSON lines", []byte(`{"id":"a"}` + "\n"), "not a readable Parquet file"},
		{"empty", nil, "not a readable Parquet file"},
		{"truncated", good[:len(good)/2], "not a readable Parquet file"},
		{"other columns", otherFile.Bytes(), "has no column id, created_at, activity_type"},
		{"millisecond times", millisFile.Bytes(), "column created_at is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tc.file), int64(len(tc.file)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one that says %q", err, tc.want)
			}
		})
	}
}

// TestReaderCorruptPages damages the data pages but not the footer: every
// read fails with an error or returns events, and never panics.
func TestReaderCorruptPages(t *testing.T) {
	good := encode(t, generated(t, 500), 64<<10)
	for _, at := range []int{8, 100, len(good) / 4, len(good) / 2, len(good) * 3 / 4} {
		bad := bytes.Clone(good)
		for i := at; i < at+64 && i < len(bad)-8; i++ {
			bad[i] ^= 0x5a
		}
		r, err := NewReader(bytes.NewReader(bad), int64(len(bad)))
		if err != nil {
			continue
		}
		for {
			_, err := r.Next()
			if err != nil {
				break
			}
		}
		r.Close()
	}
}
