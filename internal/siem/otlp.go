package siem

import (
	"fmt"
	"time"

	"github.com/tidwall/gjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// OTLP returns the format of OTLP/HTTP's /v1/logs: an
// ExportLogsServiceRequest in JSON, or in protobuf when protobuf is set,
// built and marshalled with the OpenTelemetry Collector's pdata.
func OTLP(protobuf bool) Format {
	return &otlp{protobuf: protobuf, now: time.Now}
}

type otlp struct {
	protobuf bool
	now      func() time.Time // ObservedTimestamp
}

func (o *otlp) Name() string {
	if o.protobuf {
		return "otlp-proto"
	}
	return "otlp"
}

func (o *otlp) ContentType() string {
	if o.protobuf {
		return "application/x-protobuf"
	}
	return "application/json"
}

// The attributes of each log record. Where OpenTelemetry's semantic
// conventions have a name, it is used, so that receivers show the field
// where their users expect it.
const (
	attrEventID      = "log.record.uid" // the event ID
	attrActivityType = "authgear.activity_type"
	attrUserID       = "user.id"
	attrIPAddress    = "client.address"
	attrUserAgent    = "user_agent.original"
	attrClientID     = "authgear.client_id" // the OAuth client
	attrProject      = "authgear.project"   // a resource attribute: data.context.app_id
)

func (o *otlp) Encode(dst []byte, events []*auditlog.Event) ([]byte, error) {
	logs := plog.NewLogs()
	observed := pcommon.NewTimestampFromTime(o.now())
	// One resource per project, in the order they first appear; a batch
	// normally holds one.
	scopes := map[string]plog.LogRecordSlice{}
	var rec []byte
	for _, e := range events {
		var err error
		if rec, err = output.AppendJSON(rec[:0], e); err != nil {
			return dst, err
		}
		project := gjson.GetBytes(e.Data, "context.app_id").String()
		records, ok := scopes[project]
		if !ok {
			rl := logs.ResourceLogs().AppendEmpty()
			attrs := rl.Resource().Attributes()
			attrs.PutStr("service.name", "authgear")
			if project != "" {
				attrs.PutStr(attrProject, project)
			}
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName("authgear-audit")
			records = sl.LogRecords()
			scopes[project] = records
		}
		r := records.AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(e.CreatedAt))
		r.SetObservedTimestamp(observed)
		if levelOf(e.ActivityType) == levelWarning {
			r.SetSeverityNumber(plog.SeverityNumberWarn)
			r.SetSeverityText("WARN")
		} else {
			r.SetSeverityNumber(plog.SeverityNumberInfo)
			r.SetSeverityText("INFO")
		}
		if a, ok := auditlog.LookupActivity(e.ActivityType); ok {
			r.SetEventName(a.EventType)
		}
		r.Body().SetStr(string(rec))
		attrs := r.Attributes()
		attrs.EnsureCapacity(6)
		putNonEmpty(attrs, attrEventID, e.ID)
		putNonEmpty(attrs, attrActivityType, e.ActivityType)
		putNonEmpty(attrs, attrUserID, e.UserID)
		putNonEmpty(attrs, attrIPAddress, e.IPAddress)
		putNonEmpty(attrs, attrUserAgent, e.UserAgent)
		putNonEmpty(attrs, attrClientID, e.ClientID)
	}
	var body []byte
	var err error
	if o.protobuf {
		body, err = (&plog.ProtoMarshaler{}).MarshalLogs(logs)
	} else {
		body, err = (&plog.JSONMarshaler{}).MarshalLogs(logs)
	}
	if err != nil {
		return dst, fmt.Errorf("otlp: encode %d events: %w", len(events), err)
	}
	return append(dst, body...), nil
}

// putNonEmpty sets key unless value is empty. Protobuf strings must be
// UTF-8, and a receiver refuses the whole request for one that is not.
func putNonEmpty(m pcommon.Map, key, value string) {
	if value != "" {
		m.PutStr(key, validUTF8(value))
	}
}

// Check reads an ExportLogsServiceResponse. An empty body is a response
// without partial success (so is an empty protobuf message); rejected log
// records are an error with their count and the receiver's message.
func (o *otlp) Check(body []byte) error {
	if len(body) == 0 {
		return nil
	}
	resp := plogotlp.NewExportResponse()
	var err error
	if o.protobuf {
		err = resp.UnmarshalProto(body)
	} else {
		err = resp.UnmarshalJSON(body)
	}
	if err != nil {
		return fmt.Errorf("otlp: the answer is not an ExportLogsServiceResponse: %v: %s", err, excerpt(body))
	}
	ps := resp.PartialSuccess()
	if n := ps.RejectedLogRecords(); n > 0 {
		return fmt.Errorf("otlp receiver rejected %d log records: %s", n, output.Sanitize(ps.ErrorMessage()))
	}
	return nil
}
