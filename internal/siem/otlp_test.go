package siem

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// otlpReceiver decodes an ExportLogsServiceRequest with pdata, as the
// Collector's OTLP/HTTP receiver does, and answers in the request's
// encoding with rejected log records of partial success when reject is set.
func otlpReceiver(t *testing.T, got *plog.Logs, reject int64, message string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		req := plogotlp.NewExportRequest()
		proto := r.Header.Get("Content-Type") == "application/x-protobuf"
		switch ct := r.Header.Get("Content-Type"); ct {
		case "application/x-protobuf":
			err = req.UnmarshalProto(body)
		case "application/json":
			err = req.UnmarshalJSON(body)
		default:
			http.Error(w, "unsupported Content-Type "+ct, http.StatusUnsupportedMediaType)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		*got = req.Logs()
		resp := plogotlp.NewExportResponse()
		if reject > 0 {
			resp.PartialSuccess().SetRejectedLogRecords(reject)
			resp.PartialSuccess().SetErrorMessage(message)
		}
		var out []byte
		if proto {
			w.Header().Set("Content-Type", "application/x-protobuf")
			out, err = resp.MarshalProto()
		} else {
			w.Header().Set("Content-Type", "application/json")
			out, err = resp.MarshalJSON()
		}
		if err != nil {
			t.Error(err)
		}
		_, _ = w.Write(out)
	}
}

func otlpFormats() []Format { return []Format{OTLP(false), OTLP(true)} }

func TestOTLPNamesAndContentTypes(t *testing.T) {
	if f := OTLP(false); f.Name() != "otlp" || f.ContentType() != "application/json" {
		t.Errorf("OTLP(false): %s %s", f.Name(), f.ContentType())
	}
	if f := OTLP(true); f.Name() != "otlp-proto" || f.ContentType() != "application/x-protobuf" {
		t.Errorf("OTLP(true): %s %s", f.Name(), f.ContentType())
	}
}

func TestOTLPDecodedByPdata(t *testing.T) {
	for _, f := range otlpFormats() {
		t.Run(f.Name(), func(t *testing.T) {
			observed := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			f.(*otlp).now = func() time.Time { return observed }
			evs := fixtures()
			body, err := f.Encode(nil, evs)
			if err != nil {
				t.Fatal(err)
			}
			var logs plog.Logs
			status, answer := post(t, f, body, otlpReceiver(t, &logs, 0, ""))
			if status != http.StatusOK {
				t.Fatalf("receiver answered %d %s", status, answer)
			}
			if err := f.Check(answer); err != nil {
				t.Fatalf("Check = %v", err)
			}
			// The fixtures: two events of project myapp, then one without.
			wantResources := []map[string]any{
				{"service.name": "authgear", "authgear.project": "myapp"},
				{"service.name": "authgear"},
			}
			wantEvents := [][]*auditlog.Event{evs[:2], evs[2:]}
			if n := logs.ResourceLogs().Len(); n != len(wantResources) {
				t.Fatalf("%d resources, want %d", n, len(wantResources))
			}
			for i := range wantResources {
				rl := logs.ResourceLogs().At(i)
				if got := rl.Resource().Attributes().AsRaw(); !reflect.DeepEqual(got, wantResources[i]) {
					t.Errorf("resource %d: %v, want %v", i, got, wantResources[i])
				}
				if rl.ScopeLogs().Len() != 1 || rl.ScopeLogs().At(0).Scope().Name() != "authgear-audit" {
					t.Fatalf("resource %d: scopes %d, want one named authgear-audit", i, rl.ScopeLogs().Len())
				}
				records := rl.ScopeLogs().At(0).LogRecords()
				if records.Len() != len(wantEvents[i]) {
					t.Fatalf("resource %d: %d records, want %d", i, records.Len(), len(wantEvents[i]))
				}
				for j, e := range wantEvents[i] {
					checkLogRecord(t, records.At(j), e, observed)
				}
			}
		})
	}
}

func checkLogRecord(t *testing.T, r plog.LogRecord, e *auditlog.Event, observed time.Time) {
	t.Helper()
	if !r.Timestamp().AsTime().Equal(e.CreatedAt) || !r.ObservedTimestamp().AsTime().Equal(observed) {
		t.Errorf("%s: Timestamp %v ObservedTimestamp %v, want %v and %v", e.ID, r.Timestamp(), r.ObservedTimestamp(), e.CreatedAt, observed)
	}
	wantSev, wantText := plog.SeverityNumberInfo, "INFO"
	if strings.HasSuffix(e.ActivityType, "_FAILED") {
		wantSev, wantText = plog.SeverityNumberWarn, "WARN"
	}
	if r.SeverityNumber() != wantSev || r.SeverityText() != wantText {
		t.Errorf("%s: severity %v %q, want %v %q", e.ID, r.SeverityNumber(), r.SeverityText(), wantSev, wantText)
	}
	a, _ := auditlog.LookupActivity(e.ActivityType)
	if r.EventName() != a.EventType {
		t.Errorf("%s: EventName %q, want %q", e.ID, r.EventName(), a.EventType)
	}
	want := map[string]any{"log.record.uid": e.ID, "authgear.activity_type": e.ActivityType}
	for k, v := range map[string]string{"user.id": e.UserID, "client.address": e.IPAddress, "user_agent.original": e.UserAgent, "authgear.client_id": e.ClientID} {
		if v != "" {
			want[k] = v
		}
	}
	if got := r.Attributes().AsRaw(); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: attributes\n got %v\nwant %v", e.ID, got, want)
	}
	if r.Body().Type().String() != "Str" {
		t.Fatalf("%s: body of type %s, want Str", e.ID, r.Body().Type())
	}
	sameRecord(t, []byte(r.Body().Str()), e)
	if r.Flags() != 0 || !r.TraceID().IsEmpty() || !r.SpanID().IsEmpty() || r.DroppedAttributesCount() != 0 {
		t.Errorf("%s: flags %v trace %v span %v dropped %d, want none", e.ID, r.Flags(), r.TraceID(), r.SpanID(), r.DroppedAttributesCount())
	}
}

// An event whose data is no object (or lacks context) still goes out, in
// the resource without a project.
func TestOTLPEventWithoutProject(t *testing.T) {
	e := &auditlog.Event{ID: "1", CreatedAt: t0, ActivityType: "SOMETHING_NEW", Data: json.RawMessage(`null`)}
	body, err := OTLP(true).Encode(nil, []*auditlog.Event{e})
	if err != nil {
		t.Fatal(err)
	}
	logs, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(body)
	if err != nil {
		t.Fatal(err)
	}
	rl := logs.ResourceLogs().At(0)
	r := rl.ScopeLogs().At(0).LogRecords().At(0)
	if _, ok := rl.Resource().Attributes().Get("authgear.project"); ok || r.EventName() != "" || logs.LogRecordCount() != 1 {
		t.Errorf("resource %v, event name %q, %d records", rl.Resource().Attributes().AsRaw(), r.EventName(), logs.LogRecordCount())
	}
	sameRecord(t, []byte(r.Body().Str()), e)
}

func TestOTLPCheckPartialSuccess(t *testing.T) {
	for _, f := range otlpFormats() {
		t.Run(f.Name(), func(t *testing.T) {
			body, err := f.Encode(nil, fixtures())
			if err != nil {
				t.Fatal(err)
			}
			var logs plog.Logs
			_, answer := post(t, f, body, otlpReceiver(t, &logs, 2, "log record too large\x1b[2J"))
			err = f.Check(answer)
			if want := `rejected 2 log records: log record too large\e[2J`; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Check = %v, want %q", err, want)
			}
			// A message without rejected records is a warning: accepted.
			_, answer = post(t, f, body, otlpReceiver(t, &logs, 0, "deprecated field"))
			if err := f.Check(answer); err != nil {
				t.Errorf("Check of an answer without rejections = %v", err)
			}
		})
	}
}

func TestOTLPCheckAnswers(t *testing.T) {
	tests := []struct {
		protobuf bool
		answer   string
		wantErr  string
	}{
		{false, ``, ""},
		{false, `{}`, ""},
		{false, `{"partialSuccess":{}}`, ""},
		{false, `{"partialSuccess":{"rejectedLogRecords":"3","errorMessage":"quota"}}`, "rejected 3 log records: quota"},
		{false, `<html>bad gateway</html>`, "not an ExportLogsServiceResponse"},
		{true, ``, ""},
		{true, "\x0a\x04\x08\x05\x12\x00", "rejected 5 log records"},
		{true, "\xff\xff", "not an ExportLogsServiceResponse"},
	}
	for _, tt := range tests {
		err := OTLP(tt.protobuf).Check([]byte(tt.answer))
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Check(protobuf=%v, %q) = %v, want %q", tt.protobuf, tt.answer, err, tt.wantErr)
		}
	}
}
