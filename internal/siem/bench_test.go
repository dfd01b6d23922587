package siem

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// BenchmarkEncode measures one batch of 500 events of about 1.2 KB each,
// the size of a user.authenticated event with its user snapshot, in every
// format; events/s is what one core can encode.
func BenchmarkEncode(b *testing.B) {
	base := fixtures()[0]
	pad := strings.Repeat("x", 700)
	batch := make([]*auditlog.Event, 500)
	for i := range batch {
		e := *base
		e.ID = fmt.Sprintf("%016x", 0x130d3f+i)
		e.Data = json.RawMessage(fmt.Sprintf(`{"context":{"app_id":"myapp","user_id":"u-%d"},"id":%q,"payload":{"pad":%q},"type":"user.authenticated"}`, i, e.ID, pad))
		batch[i] = &e
	}
	sl := &Syslog{o: SyslogOptions{AppName: "authgear", Hostname: "relay"}}
	encoders := []struct {
		name   string
		encode func(dst []byte, events []*auditlog.Event) ([]byte, error)
	}{
		{"splunk", Splunk(SplunkOptions{}).Encode},
		{"elasticsearch", Elasticsearch(ElasticOptions{}).Encode},
		{"otlp", OTLP(false).Encode},
		{"otlp-proto", OTLP(true).Encode},
		{"syslog", sl.encode},
	}
	for _, enc := range encoders {
		b.Run(enc.name, func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				var err error
				if buf, err = enc.encode(buf[:0], batch); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
			b.ReportMetric(float64(len(batch)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
