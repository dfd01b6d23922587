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
package siem
