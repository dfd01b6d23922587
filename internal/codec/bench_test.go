package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// bulk writes n events of about 1.2 KB each in format f.
func bulk(b *testing.B, f string, n int) []byte {
	var buf bytes.Buffer
	w, err := output.New(&buf, output.Options{Format: f})
	if err != nil {
		b.Fatal(err)
	}
	pad := strings.Repeat("x", 700)
	for i := range n {
		e := &auditlog.Event{
			ID: fmt.Sprintf("e%07d-8c2d-4b1a-9f00-000000000000", i), CreatedAt: t0.Add(time.Duration(i) * time.Second),
			ActivityType: "USER_AUTHENTICATED", UserID: "u-1111-4222-8333-444444444444", IPAddress: "203.0.113.7",
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
			ClientID:  "portal",
			Data: json.RawMessage(fmt.Sprintf(`{"context":{"app_id":"myapp","client_id":"portal","geo_location_code":"HK","ip_address":"203.0.113.7","language":"en","preferred_languages":["en"],"timestamp":%d,"triggered_by":"user","user_agent":"Mozilla/5.0","user_id":"u-1111-4222-8333-444444444444"},"id":"e%d","payload":{"session":{"pad":"%s"},"user":{"standard_attributes":{"email":"user@example.com"}}},"seq":%d,"type":"user.authenticated"}`,
				t0.Unix()+int64(i), i, pad, i)),
		}
		if err := w.Write(e); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	return buf.Bytes()
}

// Reading back an export, per event:
//
//	go test -run='^$' -bench=Read -benchmem ./internal/codec
func BenchmarkReadJSONL(b *testing.B) { benchRead(b, "x.jsonl", output.FormatJSONL) }
func BenchmarkReadCSV(b *testing.B)   { benchRead(b, "x.csv", output.FormatCSV) }

func benchRead(b *testing.B, name, f string) {
	const n = 2000
	data := bulk(b, f, n)
	b.SetBytes(int64(len(data) / n))
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		r, err := NewReader(name, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for ; done < b.N; done++ {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}
