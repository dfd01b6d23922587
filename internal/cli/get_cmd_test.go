package cli

import (
	"slices"
	"testing"
)

// TestGetFlags checks the arguments and flag rules of get and what
// validate derives from them, without a server.
func TestGetFlags(t *testing.T) {
	type o = getOptions
	cases := []flagCase[o]{
		{name: "defaults on a pipe", args: []string{"e1"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "json")
			wantEqual(t, "ids", slices.Equal(o.IDs, []string{"e1"}), true)
			wantEqual(t, "shape set", o.Output.Shape != nil, false)
			wantZone(t, o.Output.Zone, "UTC")
		}},
		{name: "defaults on a terminal", tty: true, args: []string{"e1"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "table")
		}},
		{name: "ids trimmed, in order", args: []string{" e2 ", "e1"}, check: func(t *testing.T, o *o) {
			if !slices.Equal(o.IDs, []string{"e2", "e1"}) {
				t.Errorf("ids = %q, want [e2 e1]", o.IDs)
			}
		}},
		{name: "-o jsonl", args: []string{"e1", "-o", "jsonl"}, tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "jsonl")
		}},
		{name: "-o csv", args: []string{"e1", "-o", "csv"}, want: `--output: unknown format "csv": use table, json, jsonl`},
		{name: "no id", want: "requires at least 1 arg(s), only received 0 (usage: authgear-audit get ID..."},
		{name: "empty id", args: []string{""}, want: "get: an event ID is empty"},
		{name: "blank id after another", args: []string{"e1", "  "}, want: "get: an event ID is empty"},
		{name: "jq", args: []string{"e1", "--jq", ".data"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "shape set", o.Output.Shape != nil, true)
		}},
		{name: "jq with -o", args: []string{"e1", "--jq", ".data", "-o", "json"}, want: "--jq and --output exclude each other"},
		{name: "bad template", args: []string{"e1", "--template", "{{"}, want: "--template: template:1: unclosed action"},
		{name: "utc and tz", args: []string{"e1", "--utc", "--tz", "Asia/Tokyo"}, want: "--utc and --tz both set the zone"},
		{name: "bad tz", args: []string{"e1", "--tz", "Mars/Olympus"}, want: `--tz: unknown time zone "Mars/Olympus"`},
		{name: "tz", args: []string{"e1", "--tz", "Asia/Tokyo"}, check: func(t *testing.T, o *o) {
			wantZone(t, o.Output.Zone, "Asia/Tokyo")
		}},
		{name: "utc beats TZ", args: []string{"e1", "--utc"}, env: map[string]string{"TZ": "Asia/Tokyo"}, check: func(t *testing.T, o *o) {
			wantZone(t, o.Output.Zone, "UTC")
		}},
	}
	runFlagCases(t, "get", cases, NewCmdGet)
}
