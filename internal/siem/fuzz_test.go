package siem

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// FuzzFormats feeds events with arbitrary fields to every format and checks
// that each output still parses as its receiver reads it, with the event ID
// intact: no field can break out of its place.
func FuzzFormats(f *testing.F) {
	for _, e := range fixtures() {
		f.Add(e.ID, e.ActivityType, e.UserAgent, e.IPAddress, string(e.Data), e.CreatedAt.UnixNano())
	}
	f.Add("a\"]\\\n", "X_FAILED", "\xff\x00\u2028", "::1", `{"a":`, int64(-1))
	f.Add("", "", "", "", "", int64(0))
	f.Add("\xf6\xbf", "0", "", "", "", int64(0)) // two invalid bytes, two U+FFFD
	f.Fuzz(func(t *testing.T, id, activity, userAgent, ip, data string, nanos int64) {
		if !json.Valid([]byte(data)) && data != "" {
			// Every source of events has parsed data as JSON already, and
			// the record encoder trusts it (see internal/output).
			return
		}
		e := &auditlog.Event{ID: id, ActivityType: activity, UserAgent: userAgent, IPAddress: ip,
			CreatedAt: time.Unix(0, nanos).UTC(), Data: json.RawMessage(data)}
		wantID := string([]rune(id)) // each invalid byte becomes U+FFFD
		events := []*auditlog.Event{e}

		splunkBody, err := Splunk(SplunkOptions{}).Encode(nil, events)
		if err != nil {
			return // a year outside 0-9999; every format refuses it alike
		}
		var hec struct{ Event auditlog.Event }
		if bytes.Count(splunkBody, []byte("\n")) != 1 || json.Unmarshal(splunkBody, &hec) != nil || hec.Event.ID != wantID {
			t.Fatalf("splunk: %q", splunkBody)
		}

		bulk, err := Elasticsearch(ElasticOptions{}).Encode(nil, events)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(bulk), "\n"), "\n")
		var action struct {
			Create struct {
				ID string `json:"_id"`
			}
		}
		if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &action) != nil || action.Create.ID != wantID || !json.Valid([]byte(lines[1])) {
			t.Fatalf("elasticsearch: %q", bulk)
		}

		for _, protobuf := range []bool{false, true} {
			body, err := OTLP(protobuf).Encode(nil, events)
			if err != nil {
				t.Fatal(err)
			}
			var logs plog.Logs
			if protobuf {
				logs, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(body)
			} else {
				logs, err = (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
			}
			if err != nil || logs.LogRecordCount() != 1 {
				t.Fatalf("otlp protobuf=%v: %v", protobuf, err)
			}
			r := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			if v, ok := r.Attributes().Get(attrEventID); id != "" && (!ok || v.Str() != wantID) || !json.Valid([]byte(r.Body().Str())) {
				t.Fatalf("otlp protobuf=%v: attributes %v body %q", protobuf, r.Attributes().AsRaw(), r.Body().Str())
			}
		}

		s := &Syslog{o: SyslogOptions{AppName: "authgear", Hostname: "h"}}
		frame, err := s.encode(nil, events)
		if err != nil {
			t.Fatal(err)
		}
		checkSyslogFrame(t, frame, wantID)
	})
}

// checkSyslogFrame parses one octet-counted RFC 5424 message as a strict
// receiver does and checks its SD id and its MSG.
func checkSyslogFrame(t *testing.T, frame []byte, wantID string) {
	t.Helper()
	sp := bytes.IndexByte(frame, ' ')
	n, err := strconv.Atoi(string(frame[:max(sp, 0)]))
	msg := frame[sp+1:]
	if err != nil || n != len(msg) {
		t.Fatalf("syslog: frame length %d for %d bytes: %q", n, len(msg), frame)
	}
	// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID: six fields, then SD.
	parts := strings.SplitN(string(msg), " ", 7)
	if len(parts) != 7 || !utf8.Valid(msg) {
		t.Fatalf("syslog: header of %q", msg)
	}
	if _, err := time.Parse(time.RFC3339Nano, parts[1]); err != nil {
		t.Fatalf("syslog: TIMESTAMP %q: %v", parts[1], err)
	}
	rest := parts[6]
	if !strings.HasPrefix(rest, "["+sdID) {
		t.Fatalf("syslog: SD of %q", msg)
	}
	rest = rest[len(sdID)+1:]
	params := map[string]string{}
	for rest[0] == ' ' {
		eq := strings.Index(rest, `="`)
		if eq < 0 {
			t.Fatalf("syslog: param in %q", msg)
		}
		name := rest[1:eq]
		var value strings.Builder
		i := eq + 2
		for ; rest[i] != '"'; i++ {
			if rest[i] == '\\' && strings.IndexByte(`"\]`, rest[i+1]) >= 0 {
				i++
			} else if rest[i] == ']' {
				t.Fatalf("syslog: unescaped ] in %q", msg)
			}
			value.WriteByte(rest[i])
		}
		params[name] = value.String()
		rest = rest[i+1:]
	}
	if !strings.HasPrefix(rest, "] ") || !json.Valid([]byte(rest[2:])) {
		t.Fatalf("syslog: after SD %q", rest)
	}
	if params["id"] != wantID {
		t.Fatalf("syslog: SD id %q, want %q", params["id"], wantID)
	}
}
