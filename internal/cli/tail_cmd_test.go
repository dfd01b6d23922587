package cli

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/deliver"
)

// TestTailFlags checks the flag rules of tail, its delivery flags among
// them, and what validate derives from them, without a server.
func TestTailFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "tail.jsonl")
	const hec = "https://splunk.example/services/collector/event"
	type o = tailOptions
	cases := []flagCase[o]{
		{name: "defaults on a pipe", check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Output.Format, "jsonl")
			wantEqual(t, "backlog", o.Backlog, defaultBacklog)
			wantEqual(t, "from start", o.FromStart, false)
			wantEqual(t, "interval", o.Interval, defaultInterval)
			wantEqual(t, "lag", o.Lag, defaultLag)
			wantEqual(t, "delivery", o.Delivery.active(), false)
			wantEqual(t, "batch size", o.Delivery.BatchSize, deliver.DefaultBatchSize)
			wantZone(t, o.Output.Zone, "UTC")
		}},
		{name: "defaults on a terminal", tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Output.Format, "table")
		}},
		{name: "-n 0", args: []string{"-n", "0"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "backlog", o.Backlog, 0)
		}},
		{name: "negative backlog", args: []string{"--backlog", "-1"}, want: "--backlog: -1 is negative"},
		{name: "since starts there", args: []string{"--since", "1h"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "from start", o.FromStart, true)
			wantTime(t, "since", o.Filter.Since, testNow().Add(-time.Hour))
		}},
		{name: "since with -n", args: []string{"--since", "1h", "-n", "5"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "from start", o.FromStart, false)
			wantEqual(t, "backlog", o.Backlog, 5)
		}},
		{name: "interval 0", args: []string{"--interval", "0s"}, want: "--interval: 0s is not positive"},
		{name: "negative lag", args: []string{"--lag", "-1s"}, want: "--lag: -1s is negative"},
		{name: "out file", args: []string{"--out", out}, check: func(t *testing.T, o *o) {
			wantEqual(t, "out", o.Delivery.OutPath, out)
			wantEqual(t, "delivery", o.Delivery.active(), true)
			wantEqual(t, "format", o.Output.Format, "jsonl")
		}},
		{name: "out file on a terminal", args: []string{"--out", out}, tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Output.Format, "jsonl")
		}},
		{name: "out with -o csv", args: []string{"--out", out, "-o", "csv"}, want: "--out appends JSON lines: -o csv cannot be appended to"},
		{name: "out with jq", args: []string{"--out", out, "--jq", ".id"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "shaped", o.Delivery.Shaped, "jq .id")
		}},
		{name: "out stdout", args: []string{"--out", "-"}, want: "--out -: leave --out out"},
		{name: "to-format without to", args: []string{"--to-format", "splunk"}, want: "--to-format applies to --to"},
		{name: "to-header without to", args: []string{"--to-header", "A:b"}, want: "--to-header applies to --to"},
		{name: "to-index without to", args: []string{"--to-index", "main"}, want: "--to-index applies to --to"},
		{name: "to-max-retries without to", args: []string{"--to-max-retries", "3"}, want: "--to-max-retries applies to --to"},
		{name: "batch size without delivery", args: []string{"--batch-size", "50"}, want: "--batch-size applies to --to, --out or --state"},
		{name: "flush interval without delivery", args: []string{"--flush-interval", "1s"}, want: "--flush-interval applies to --to, --out or --state"},
		{name: "batch size 0", args: []string{"--state", "s.json", "--batch-size", "0"}, want: "--batch-size: 0 is not positive"},
		{name: "flush interval 0", args: []string{"--state", "s.json", "--flush-interval", "0s"}, want: "--flush-interval: 0s is not positive"},
		{name: "state and batch size", args: []string{"--state", "s.json", "--batch-size", "50"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "state", o.Delivery.StatePath, "s.json")
			wantEqual(t, "batch size", o.Delivery.BatchSize, 50)
		}},
		{name: "to with out", args: []string{"--to", hec, "--out", out}, want: "--out and --to exclude each other"},
		{name: "to with -o", args: []string{"--to", hec, "-o", "json"}, want: "--output and --to exclude each other"},
		{name: "to timeout 0", args: []string{"--to", hec, "--to-timeout", "0s"}, want: "--to-timeout: 0s is not positive"},
		{name: "to negative retries", args: []string{"--to", hec, "--to-max-retries", "-1"}, want: "--to-max-retries: -1 is negative"},
		{name: "to header", args: []string{"--to", hec, "--to-header", "Authorization:Splunk $HEC"}, env: map[string]string{"HEC": "s3cret"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "to", o.Delivery.To, hec)
			wantEqual(t, "header", o.Delivery.header.Get("Authorization"), "Splunk s3cret")
		}},
		{name: "header to syslog", args: []string{"--to", "syslog+tls://logs.example:6514", "--to-header", "A:b"}, want: "--to-header applies to HTTP receivers"},
		{name: "utc and tz", args: []string{"--utc", "--tz", "Asia/Tokyo"}, want: "--utc and --tz both set the zone"},
		{name: "bad tz", args: []string{"--tz", "Mars/Olympus"}, want: `--tz: unknown time zone "Mars/Olympus"`},
		{name: "tz", args: []string{"--tz", "+08:00", "--since", "2026-11-10"}, check: func(t *testing.T, o *o) {
			wantTime(t, "since", o.Filter.Since, time.Date(2026, 11, 9, 16, 0, 0, 0, time.UTC))
			wantEqual(t, "offset", zoneOffset(o.Output.Zone), 8*3600)
		}},
		{name: "jq with columns", args: []string{"--jq", ".id", "--columns", "id"}, want: "--columns and --jq exclude each other"},
		{name: "an argument", args: []string{"now"}, want: `unknown command "now"`},
	}
	runFlagCases(t, "tail", cases, NewCmdTail)
}

// zoneOffset is loc's offset from UTC at testNow.
func zoneOffset(loc *time.Location) int {
	_, off := testNow().In(loc).Zone()
	return off
}
