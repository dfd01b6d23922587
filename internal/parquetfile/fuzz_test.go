package parquetfile

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// FuzzRoundTrip writes two events made of arbitrary values and reads them
// back with our Reader (exactly the same events) and with Arrow's (the
// same number of rows).
func FuzzRoundTrip(f *testing.F) {
	f.Add("id", "USER_AUTHENTICATED", "u1", "192.0.2.1", "Mozilla", "portal", []byte(`{"context":{"triggered_by":"user"}}`), int64(0), uint16(1))
	f.Add("", "", "", "", "", "", []byte(nil), int64(-1), uint16(0))
	f.Add("ü\x00\xff", "\u202e", "ユーザー", "::1", "\r\n", "'=1", []byte(`{"payload":{"recipient":"a\u0000b"}}`), int64(1<<40), uint16(999))
	f.Fuzz(func(t *testing.T, id, activity, user, ip, ua, client string, data []byte, micros int64, gapMillis uint16) {
		at := time.UnixMicro(micros % (1 << 50)).UTC()
		events := []auditlog.Event{
			{ID: id, CreatedAt: at, ActivityType: activity, UserID: user, IPAddress: ip, UserAgent: ua, ClientID: client, Data: json.RawMessage(data)},
			{ID: client, CreatedAt: at.Add(time.Duration(gapMillis) * time.Millisecond), ActivityType: user, UserID: id, Data: json.RawMessage(`{}`)},
		}
		if len(data) == 0 {
			events[0].Data = nil
		}
		raw := encode(t, events, RowGroupBytes)
		sameEvents(t, decode(t, raw), events)
		r, err := file.NewParquetReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("Arrow cannot open the file: %v", err)
		}
		defer r.Close()
		if r.NumRows() != 2 {
			t.Fatalf("Arrow reads %d rows, want 2", r.NumRows())
		}
	})
}
