package deliver

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		url, format, want, err string
		insecure               bool
	}{
		{url: "https://splunk.example.com:8088/services/collector/event", want: FormatSplunk},
		{url: "https://es.example.com/audit/_bulk", want: FormatElasticsearch},
		{url: "https://es.example.com/_bulk/", want: FormatElasticsearch},
		{url: "https://otlp.example.com/v1/logs", want: FormatOTLP},
		{url: "https://otlp.example.com/v1/logs", format: "otlp-proto", want: FormatOTLPProto},
		{url: "syslog+tls://logs.example.com:6514", want: FormatSyslog},
		{url: "syslog://127.0.0.1:514", want: FormatSyslog},
		{url: "https://hooks.example.com/audit", want: FormatJSONL},
		{url: "https://es.example.com/_bulk", format: "JSONL", want: FormatJSONL},
		{url: "http://127.0.0.1:9000/ingest", want: FormatJSONL},
		{url: "http://[::1]:9000/ingest", want: FormatJSONL},
		{url: "http://logs.internal:9000/ingest", insecure: true, want: FormatJSONL},
		{url: "http://logs.internal:9000/ingest?token=s3cret", err: "refusing plain http:// to logs.internal:9000"},
		{url: "syslog://logs.internal:514", err: "use syslog+tls"},
		{url: "syslog+tls://logs.example.com", err: "has no port"},
		{url: "ftp://user:s3cret@x.example.com/", err: `unknown scheme "ftp" in ftp://x.example.com/`},
		{url: "/just/a/path", err: "not a URL with a host"},
		{url: "https://x.example.com/", format: "gelf", err: `--to-format: unknown format "gelf"`},
		{url: "https://x.example.com/", format: "syslog", err: "--to-format syslog does not go with https://x.example.com/"},
		{url: "syslog+tls://x.example.com:6514", format: "splunk", err: "does not go with"},
	}
	for _, tt := range tests {
		t.Run(tt.url+" "+tt.format, func(t *testing.T) {
			got, err := ParseTarget(tt.url, tt.format, tt.insecure)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("err = %v, want %q and no secret", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != tt.want {
				t.Errorf("format %s, want %s", got.Format, tt.want)
			}
		})
	}
}

func TestTargetString(t *testing.T) {
	tg, err := ParseTarget("https://user:pw@es.example.com:9200/audit/_bulk?refresh=true&api_key=k#x", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tg.String(), "https://es.example.com:9200/audit/_bulk"; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}
