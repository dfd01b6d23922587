package walk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func spoolSamples() []auditlog.Event {
	return []auditlog.Event{
		{
			ID:           "0a6b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d",
			CreatedAt:    at("2026-11-25T10:00:00Z"),
			ActivityType: "USER_AUTHENTICATED",
			UserID:       "u-1",
			IPAddress:    "203.0.113.7",
			UserAgent:    "Mozilla/5.0 (X11; Linux x86_64) \u00e9\u4e2d\U0001F600",
			ClientID:     "portal",
			Data:         json.RawMessage(`{"context":{"timestamp":1764064800},"id":"0a6b","seq":4711,"type":"user.authenticated"}`),
		},
		{ID: "minimal", CreatedAt: at("1970-01-01T00:00:00Z"), ActivityType: "EMAIL_SENT"},
		{ID: "empty data", CreatedAt: at("2026-11-25T10:00:00.123456789Z"), ActivityType: "EMAIL_SENT", Data: json.RawMessage{}},
		{ID: "before 1970", CreatedAt: at("1969-07-20T20:17:40Z"), ActivityType: "USER_CREATED", Data: json.RawMessage(`{}`)},
		{ID: "big", CreatedAt: at("2026-11-25T10:00:01Z"), ActivityType: "USER_AUTHENTICATED",
			Data: json.RawMessage(`{"x":"` + strings.Repeat("\x00\xff\"", 100000) + `"}`)},
	}
}

func TestSpoolRoundTrip(t *testing.T) {
	t.Parallel()
	want := spoolSamples()
	var buf bytes.Buffer
	w := newSpoolWriter(&buf)
	for i := range want {
		if err := w.write(&want[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	r := newSpoolReader(&buf)
	for i := range want {
		got, err := r.next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !reflect.DeepEqual(*got, want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, *got, want[i])
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("record %d: createdAt in %v, want UTC", i, got.CreatedAt.Location())
		}
	}
	if _, err := r.next(); err != io.EOF {
		t.Errorf("after the last record: %v, want io.EOF", err)
	}
}

func TestSpoolDamaged(t *testing.T) {
	t.Parallel()
	evs := spoolSamples()
	var buf bytes.Buffer
	w := newSpoolWriter(&buf)
	for i := range evs[:2] {
		if err := w.write(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	whole := buf.Bytes()
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated in the second record", whole[:len(whole)-3]},
		{"truncated in a length", append(append([]byte{}, whole...), 0x80)},
		{"huge length", append(append([]byte{}, whole...), 0xff, 0xff, 0xff, 0xff, 0x0f)},
		{"fields overrun the record", append(append([]byte{}, whole...), 3, 0, 0, 9)},
		{"trailing bytes in a record", append(append([]byte{}, whole...), 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newSpoolReader(bytes.NewReader(tt.data))
			var err error
			for n := 0; n < 10 && err == nil; n++ {
				_, err = r.next()
			}
			if err == nil || errors.Is(err, io.EOF) {
				t.Fatalf("damaged spool read without error: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "read spool: ") {
				t.Errorf("error %q does not say what failed", err)
			}
		})
	}
}

// BenchmarkSpool writes and reads back events of about 1.2 KB through a
// spool file.
//
//	go test -run '^$' -bench BenchmarkSpool ./internal/walk
func BenchmarkSpool(b *testing.B) {
	e := spoolSamples()[0]
	e.Data = json.RawMessage(`{"context":` + strings.Repeat(`"abcdefghij",`, 95) + `"x"}`)
	f, err := os.CreateTemp(b.TempDir(), "spool-*")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(int64(len(e.Data)))
	b.ReportAllocs()
	w := newSpoolWriter(f)
	for b.Loop() {
		if err := w.write(&e); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.flush(); err != nil {
		b.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		b.Fatal(err)
	}
	r := newSpoolReader(f)
	for {
		if _, err := r.next(); err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
	}
}
