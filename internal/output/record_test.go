package output

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// TestRefusedEventKeepsTheStream: an event a format cannot write (JSON has
// no year 12026; CSV writes it as it is) is refused with an error, and the
// events around it are written as if it had not been there. After Close,
// every format refuses to write.
func TestRefusedEventKeepsTheStream(t *testing.T) {
	t.Parallel()
	evs := fixtures()
	bad := &auditlog.Event{ID: "ev-far", CreatedAt: time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC), ActivityType: "USER_CREATED", Data: json.RawMessage(`{}`)}
	for _, f := range []string{FormatJSONL, FormatJSON, FormatCSV} {
		write := func(withBad bool) []byte {
			var b bytes.Buffer
			w, err := New(&b, Options{Format: f})
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range evs {
				if withBad && i == 2 {
					if err := w.Write(bad); (err != nil) != (f != FormatCSV) {
						t.Fatalf("%s: Write of year 12026: %v", f, err)
					}
				}
				if err := w.Write(e); err != nil {
					t.Fatalf("%s: Write(%s): %v", f, e.ID, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(evs[0]); err == nil {
				t.Errorf("%s: Write after Close succeeded", f)
			}
			return b.Bytes()
		}
		if f != FormatCSV && !bytes.Equal(write(true), write(false)) {
			t.Errorf("%s: a refused event changed the output", f)
		}
		if f == FormatCSV && !bytes.Contains(write(true), []byte("ev-far")) {
			t.Errorf("csv: the far event is missing")
		}
	}
}
