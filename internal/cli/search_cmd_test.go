package cli

import (
	"path/filepath"
	"testing"
	"time"
)

// TestSearchFlags checks the flag rules of search and what validate
// derives from them, without a server.
func TestSearchFlags(t *testing.T) {
	dir := t.TempDir()
	csvOut := filepath.Join(dir, "x.csv")
	hongKong := time.FixedZone("HKT", 8*3600)
	type o = searchOptions
	cases := []flagCase[o]{
		{name: "defaults on a pipe", check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Output.Format, "jsonl")
			wantEqual(t, "descending", o.Descending, true)
			wantEqual(t, "limit", o.Limit, 100)
			wantEqual(t, "follow", o.Follow, false)
			wantEqual(t, "shape set", o.Output.Shape != nil, false)
			wantZone(t, o.Output.Zone, "UTC")
		}},
		{name: "defaults on a terminal", tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Output.Format, "table")
		}},
		{name: "local zone from TZ", env: map[string]string{"TZ": "Asia/Tokyo"}, check: func(t *testing.T, o *o) {
			wantZone(t, o.Output.Zone, "Asia/Tokyo")
		}},
		{name: "format from the out file", args: []string{"--out", csvOut}, tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Output.Format, "csv")
			wantEqual(t, "out", o.OutPath, csvOut)
		}},
		{name: "-o beats the out file", args: []string{"--out", csvOut, "-o", "jsonl"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Output.Format, "jsonl")
		}},
		{name: "out file of no format", args: []string{"--out", filepath.Join(dir, "x.txt")}, want: "--out: cannot tell the format"},
		{name: "out is a directory", args: []string{"--out", dir}, want: "--out:"},
		{name: "unknown -o", args: []string{"-o", "yaml"}, want: `--output: unknown format "yaml"`},
		{name: "sort asc", args: []string{"--sort", "ASC"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "descending", o.Descending, false)
		}},
		{name: "sort neither", args: []string{"--sort", "up"}, want: `--sort: "up" is neither asc nor desc`},
		{name: "negative limit", args: []string{"--limit", "-1"}, want: "--limit: -1 is negative"},
		{name: "limit 0 for all", args: []string{"-n", "0"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "limit", o.Limit, 0)
		}},
		{name: "follow defaults", args: []string{"--follow"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "follow", o.Follow, true)
			wantEqual(t, "descending", o.Descending, false)
			wantEqual(t, "backlog", o.Backlog, defaultBacklog)
			wantEqual(t, "from start", o.FromStart, false)
			wantEqual(t, "interval", o.Interval, defaultInterval)
			wantEqual(t, "lag", o.Lag, defaultLag)
		}},
		{name: "follow -n sets the backlog", args: []string{"-f", "-n", "3"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "backlog", o.Backlog, 3)
			wantEqual(t, "from start", o.FromStart, false)
		}},
		{name: "follow since starts there", args: []string{"--follow", "--since", "1h"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "from start", o.FromStart, true)
			wantTime(t, "since", o.Filter.Since, testNow().Add(-time.Hour))
		}},
		{name: "follow since with -n", args: []string{"--follow", "--since", "1h", "-n", "5"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "from start", o.FromStart, false)
			wantEqual(t, "backlog", o.Backlog, 5)
		}},
		{name: "follow sort asc", args: []string{"--follow", "--sort", "asc"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "descending", o.Descending, false)
		}},
		{name: "follow sort desc", args: []string{"--follow", "--sort", "desc"}, want: "drop --sort desc"},
		{name: "follow input", args: []string{"--follow", "--input", "x.jsonl"}, want: "does not apply to --input"},
		{name: "follow out file", args: []string{"--follow", "--out", filepath.Join(dir, "x.jsonl")}, want: "never finishes a file"},
		{name: "follow out stdout", args: []string{"--follow", "--out", "-"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "out", o.OutPath, "-")
		}},
		{name: "follow until", args: []string{"--follow", "--until", "1h"}, want: "has no end: drop --until"},
		{name: "follow interval 0", args: []string{"--follow", "--interval", "0s"}, want: "--interval: 0s is not positive"},
		{name: "follow negative lag", args: []string{"--follow", "--lag", "-1s"}, want: "--lag: -1s is negative"},
		{name: "follow state", args: []string{"--follow", "--state", "s.json", "--interval", "1s", "--lag", "0s"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "state", o.StatePath, "s.json")
			wantEqual(t, "interval", o.Interval, time.Second)
			wantEqual(t, "lag", o.Lag, time.Duration(0))
		}},
		{name: "interval without follow", args: []string{"--interval", "1s"}, want: "--interval and --lag apply to --follow"},
		{name: "lag without follow", args: []string{"--lag", "1s"}, want: "--interval and --lag apply to --follow"},
		{name: "state without follow", args: []string{"--state", "s.json"}, want: "--state applies to --follow"},
		{name: "utc and tz", args: []string{"--utc", "--tz", "Asia/Tokyo"}, want: "--utc and --tz both set the zone"},
		{name: "bad tz", args: []string{"--tz", "Mars/Olympus"}, want: `--tz: unknown time zone "Mars/Olympus"`},
		{name: "tz reads typed times", args: []string{"--tz", "Asia/Hong_Kong", "--since", "2026-11-10"}, check: func(t *testing.T, o *o) {
			wantZone(t, o.Output.Zone, "Asia/Hong_Kong")
			wantTime(t, "since", o.Filter.Since, time.Date(2026, 11, 10, 0, 0, 0, 0, hongKong))
		}},
		{name: "utc beats TZ", args: []string{"--utc"}, env: map[string]string{"TZ": "Asia/Tokyo"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "zone", o.Output.Zone, time.UTC)
		}},
		{name: "since after until", args: []string{"--since", "2026-11-10", "--until", "2026-11-01"}, want: "--since 2026-11-10 (2026-11-10T00:00:00Z) is not before --until 2026-11-01"},
		{name: "jq with -o", args: []string{"--jq", ".id", "-o", "json"}, want: "--jq and --output exclude each other: give one of them"},
		{name: "empty jq", args: []string{"--jq", " "}, want: "--jq is empty"},
		{name: "jq shapes", args: []string{"--jq", ".id"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "shaped", o.Shaped, "jq .id")
			wantEqual(t, "shape set", o.Output.Shape != nil, true)
		}},
		{name: "columns on jsonl", args: []string{"--columns", "id", "-o", "jsonl"}, want: "--columns: columns apply to table and csv"},
		{name: "unknown activity", args: []string{"--activity", "NOPE"}, want: "--activity:"},
		{name: "an argument", args: []string{"alice"}, want: `unknown command "alice"`},
	}
	runFlagCases(t, "search", cases, NewCmdSearch)
}
