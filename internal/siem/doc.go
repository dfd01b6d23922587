// Package siem encodes audit events for the receivers of security teams:
// Splunk HEC, Elasticsearch and OpenSearch _bulk, OTLP/HTTP logs (Datadog,
// the OpenTelemetry Collector) and syslog (RFC 5424, rsyslog). Each HTTP
// receiver has a Format, which turns a batch into one request body and reads
// the receiver's 2xx answer for refusals of part of the batch; syslog, which
// is not HTTP, has its own connection type. Sending, retrying and headers
// (tokens) belong to the caller.
//
// # Splunk HEC
//
// URL: https://SPLUNK:8088/services/collector/event, with the token in the
// header "Authorization: Splunk <token>" (given with --to-header). The body
// holds one JSON object per event, one per line:
//
//	{"time":1795600800,"host":"...","source":"authgear","sourcetype":"authgear:audit","index":"...","event":{...}}
//
// time is createdAt in epoch seconds (with milliseconds when it has any);
// source and sourcetype default to "authgear" and "authgear:audit"; host and
// index are left out unless set, so HEC applies the token's defaults; event
// is the record exactly as -o jsonl writes it. With KV_MODE = json for the
// sourcetype in props.conf (or sourcetype "_json"), Splunk extracts its
// fields at search time, so that sourcetype="authgear:audit"
// activityType=USER_AUTHENTICATED works; | spath extracts them anywhere.
// HEC answers {"text":"Success","code":0}; any other code is reported with
// its text (and the number of the refused event when HEC names one). With
// indexer acknowledgement enabled HEC also needs the header
// "X-Splunk-Request-Channel: <uuid>", and code 0 then means received:
// the ackId is not polled.
//
// # Elasticsearch and OpenSearch _bulk
//
// URL: https://ES:9200/_bulk (or /INDEX/_bulk), Content-Type
// application/x-ndjson, with an API key in "Authorization: ApiKey <key>" or
// basic auth in "Authorization: Basic <base64 user:password>". Each event
// is two lines:
//
//	{"create":{"_index":"authgear-audit","_id":"0000000000130d3f"}}
//	{"@timestamp":"2026-11-25T10:00:00Z","id":"0000000000130d3f","createdAt":...,"data":{...}}
//
// The document is the record of -o jsonl with @timestamp = createdAt in
// front. The action is create with _id = the event ID, so that delivering
// an event again stores nothing twice and overwrites nothing: the cluster
// answers 409 for that item, which counts as accepted. create also works
// for data streams, which refuse index. The index defaults to
// "authgear-audit". Check reads the answer's errors flag and items: any
// item refused other than with 409 is an error naming how many were refused
// and the first one's event ID, status, error type and reason; when the only
// refusals are 429 (the cluster was busy) the error wraps ErrRetryable, and
// sending the batch again is safe.
//
// # OTLP/HTTP logs (OpenTelemetry Collector, Datadog)
//
// URL: the receiver's /v1/logs, for example http://COLLECTOR:4318/v1/logs.
// Format "otlp" sends JSON (application/json), "otlp-proto" protobuf
// (application/x-protobuf); both are an ExportLogsServiceRequest built
// with the Collector's own pdata. For Datadog's agentless intake use
// "otlp-proto" (Datadog documents protobuf for logs), the intake of your
// Datadog site, such as https://otlp.datadoghq.com/v1/logs for US1, and the
// API key in the header "dd-api-key: <key>".
//
// A batch holds one resource per project (service.name "authgear",
// authgear.project = data.context.app_id when the data has one), with one
// scope, "authgear-audit", and one log record per event:
//
//   - Timestamp = createdAt; ObservedTimestamp = when the batch was encoded.
//   - SeverityNumber and SeverityText: WARN (13) for activity types ending
//     _FAILED or _BLOCKED, INFO (9) for the rest.
//   - EventName: the event type, such as user.authenticated.
//   - Body: a string holding the record exactly as -o jsonl writes it.
//     A string rather than a map keeps data verbatim (numbers, key order)
//     and shows as one readable line in the Collector's debug exporter;
//     receivers that parse JSON messages get every field (Datadog does so
//     for a message that is a JSON object, the Collector with
//     ParseJSON(body) in a transform processor).
//   - Attributes, each only when not empty: log.record.uid (the event ID),
//     authgear.activity_type, user.id, client.address (the IP address),
//     user_agent.original and authgear.client_id, named after
//     OpenTelemetry's semantic conventions where they have a name.
//
// Check reads the ExportLogsServiceResponse: partialSuccess with
// rejectedLogRecords above 0 is an error naming the count and the
// receiver's errorMessage; an empty body, or an errorMessage alone (a
// warning), is success.
//
// # Syslog (RFC 5424 over TCP or TLS)
//
// DialSyslog connects to host:port, over TLS when SyslogOptions.TLS is set
// (RFC 5425; the server name defaults to the host). Messages are framed by
// octet counting (RFC 6587 3.4.1: the length in decimal, a space, the
// message), one per event:
//
//	<86>1 2026-11-25T10:00:00Z relay.example.com authgear - user [authgear@32473 id="0000000000130d3f" activityType="USER_AUTHENTICATED" userID="..." ipAddress="203.0.113.7" clientID="portal"] {"id":"0000000000130d3f",...}
//
// Its parts:
//
//   - PRI: facility authpriv (10), private security messages, which
//     receivers keep apart from other logs; severity warning (4) for
//     activity types ending _FAILED or _BLOCKED, notice (5) for the groups
//     admin_api and project, info (6) for the rest. So PRI is 84, 85 or 86.
//   - TIMESTAMP is createdAt in UTC, with up to 6 fractional digits.
//   - HOSTNAME is SyslogOptions.Hostname, by default this machine's name;
//     APP-NAME is SyslogOptions.AppName, by default "authgear"; PROCID is -.
//   - MSGID is the activity's group (user, authentication, identity,
//     messaging, admin_api, project, other), not the activity type: RFC 5424
//     allows 32 characters and 75 of the 129 types are longer. The type is
//     the SD parameter activityType.
//   - Structured data: one element authgear@32473 (32473 is the example
//     enterprise number of RFC 5612) with id, activityType, userID,
//     ipAddress and clientID; empty ones are left out; ", \ and ] in values
//     are escaped with a backslash (RFC 5424 6.3.3).
//   - MSG is the record exactly as -o jsonl writes it, plain UTF-8 without
//     a BOM, so that JSON parsers (rsyslog's mmjsonparse, jq) take it as it
//     is.
//
// Syslog over TCP has no acknowledgement: Send returns once the batch was
// handed to the connection. Before each batch Send checks that the receiver
// has not closed the connection (a restart, an idle timeout), and dials
// again if it has, so that the batch is not written into a dead socket; after
// a failed write it drops the connection and the next Send dials again.
// Records can be larger than rsyslog's default limit of 8 KB, so a
// receiving rsyslog needs a larger one. This configuration receives on TCP
// port 514 and writes one JSON record per line:
//
//	global(maxMessageSize="64k")
//	module(load="imtcp")
//	input(type="imtcp" port="514" ruleset="authgear")
//	template(name="authgear" type="string" string="%msg%\n")
//	ruleset(name="authgear") {
//	    action(type="omfile" file="/var/log/authgear-audit.jsonl" template="authgear")
//	}
//
// For TLS (usually on port 6514), install rsyslog-gnutls and replace the
// first two lines with
//
//	global(maxMessageSize="64k" defaultNetstreamDriverCAFile="/etc/rsyslog.d/ca.pem"
//	    defaultNetstreamDriverCertFile="/etc/rsyslog.d/cert.pem" defaultNetstreamDriverKeyFile="/etc/rsyslog.d/key.pem")
//	module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
//
// (authMode anon: rsyslog does not ask the sender for a certificate; the
// sender still checks rsyslog's). The parsed fields are there for filters
// and other templates too, as %msgid%, %structured-data% and %pri-text%;
// the tests check every field with %PRI%, %TIMESTAMP:::date-rfc3339%,
// %HOSTNAME%, %APP-NAME%, %PROCID%, %MSGID% and %STRUCTURED-DATA%.
package siem
