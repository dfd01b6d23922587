package output

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// TestRecordsMatchWrite: events encoded ahead by encoders in several
// goroutines and written with WriteRecord give the very bytes that Write
// gives, in every format with independent records, including an event the
// encoder refuses.
func TestRecordsMatchWrite(t *testing.T) {
	t.Parallel()
	evs := append(fixtures(), bulkEvents(50)...)
	// One event JSON cannot write (its year has five digits; CSV writes it
	// as it is).
	bad := &auditlog.Event{ID: "ev-far", CreatedAt: time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC), ActivityType: "USER_CREATED", Data: json.RawMessage(`{}`)}
	evs = append(evs[:3:3], append([]*auditlog.Event{bad}, evs[3:]...)...)
	for _, o := range []Options{
		{Format: FormatJSONL},
		{Format: FormatJSON},
		{Format: FormatCSV},
		{Format: FormatCSV, CSVRaw: true},
		{Format: FormatCSV, Columns: []string{"createdAt", "user", "data.payload.recipient", "userAgent"}},
		{Format: FormatCSV, Columns: []string{"clientID"}}, // rows of one empty cell
	} {
		name := o.Format
		if o.Columns != nil || o.CSVRaw {
			name += "+options"
		}
		refused := func(e *auditlog.Event) bool { return e == bad && o.Format != FormatCSV }
		var direct bytes.Buffer
		w, err := New(&direct, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if err := w.Write(e); (err != nil) != refused(e) {
				t.Fatalf("%s: Write(%s): %v", name, e.ID, err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}

		var ahead bytes.Buffer
		w, err = New(&ahead, o)
		if err != nil {
			t.Fatal(err)
		}
		rw, ok := w.(RecordWriter)
		if !ok {
			t.Fatalf("%s: the writer is not a RecordWriter", name)
		}
		// Encode in four goroutines, each with its own encoder, then write
		// in order.
		recs := make([][]byte, len(evs))
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				enc := rw.NewEncoder()
				for i := g; i < len(evs); i += 4 {
					rec, err := enc(nil, evs[i])
					if (err != nil) != refused(evs[i]) {
						t.Errorf("%s: encode %s: error %v", name, evs[i].ID, err)
					}
					if err == nil {
						recs[i] = rec
					}
				}
			})
		}
		wg.Wait()
		for _, rec := range recs {
			if rec == nil {
				continue
			}
			if err := rw.WriteRecord(rec); err != nil {
				t.Fatal(err)
			}
		}
		if err := rw.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(direct.Bytes(), ahead.Bytes()) {
			t.Errorf("%s: records written ahead differ from Write:\n%s\nwant\n%s", name, ahead.Bytes(), direct.Bytes())
		}
	}
}

// TestRecordWriterAfterClose: WriteRecord refuses to write after Close.
func TestRecordWriterAfterClose(t *testing.T) {
	t.Parallel()
	for _, f := range []string{FormatJSONL, FormatJSON, FormatCSV} {
		w, err := New(&bytes.Buffer{}, Options{Format: f})
		if err != nil {
			t.Fatal(err)
		}
		rw := w.(RecordWriter)
		rec, err := rw.NewEncoder()(nil, fixtures()[0])
		if err != nil {
			t.Fatal(err)
		}
		rw.Close()
		if err := rw.WriteRecord(rec); err == nil {
			t.Errorf("%s: WriteRecord after Close succeeded", f)
		}
	}
}
