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
// is the record exactly as -o jsonl writes it, so a search such as
// sourcetype="authgear:audit" activityType=USER_AUTHENTICATED userID=...
// works on its fields. HEC answers {"text":"Success","code":0}; any other
// code is reported with its text (and the number of the refused event when
// HEC names one).
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
package siem
