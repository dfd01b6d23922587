package cli

import (
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/count"
)

// TestCountFlags checks the flag rules of count and what validate derives
// from them, without a server.
func TestCountFlags(t *testing.T) {
	type o = countOptions
	cases := []flagCase[o]{
		{name: "defaults on a pipe", check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Write.Format, "json")
			wantEqual(t, "by", o.Count.By, count.ByNone)
			wantEqual(t, "shaper set", o.Shaper != nil, false)
			wantEqual(t, "local filter set", o.Count.Local != nil, false)
			wantZone(t, o.Count.Location, "UTC")
			wantZone(t, o.Write.Location, "UTC")
		}},
		{name: "defaults on a terminal", tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Write.Format, "table")
		}},
		{name: "-o csv on a terminal", tty: true, args: []string{"-o", "csv"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Write.Format, "csv")
		}},
		{name: "-o jsonl", args: []string{"-o", "jsonl"}, want: `--output: unknown format "jsonl": use table, json, csv`},
		{name: "by activity", args: []string{"--by", "activity"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "count by", o.Count.By, count.ByActivity)
			wantEqual(t, "write by", o.Write.By, count.ByActivity)
		}},
		{name: "by in capitals", args: []string{"--by", "Day"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "count by", o.Count.By, count.ByDay)
		}},
		{name: "by week", args: []string{"--by", "week"}, want: `--by: unknown grouping "week"`},
		{name: "a filter the API lacks", args: []string{"--ip", "203.0.113.0/24"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "local filter set", o.Count.Local != nil, true)
		}},
		{name: "input", args: []string{"--input", "a.jsonl", "--input", "-"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "inputs", len(o.Inputs), 2)
		}},
		{name: "jq", args: []string{"--jq", ".[0].key"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "shaper set", o.Shaper != nil, true)
		}},
		{name: "jq with -o", args: []string{"--jq", ".", "-o", "csv"}, want: "--jq and --output exclude each other"},
		{name: "jq with template", args: []string{"--jq", ".", "--template", "{{.}}"}, want: "--jq and --template exclude each other"},
		{name: "empty template", args: []string{"--template", ""}, want: "--template is empty"},
		{name: "bad jq", args: []string{"--jq", ".["}, want: `--jq: ".[": unexpected EOF`},
		{name: "utc and tz", args: []string{"--utc", "--tz", "Asia/Tokyo"}, want: "--utc and --tz both set the zone"},
		{name: "bad tz", args: []string{"--tz", "Mars/Olympus"}, want: `--tz: unknown time zone "Mars/Olympus"`},
		{name: "tz buckets and reads times", args: []string{"--tz", "Asia/Hong_Kong", "--since", "2026-11-10"}, check: func(t *testing.T, o *o) {
			wantZone(t, o.Count.Location, "Asia/Hong_Kong")
			wantZone(t, o.Write.Location, "Asia/Hong_Kong")
			wantTime(t, "since", o.Filter.Since, time.Date(2026, 11, 9, 16, 0, 0, 0, time.UTC))
		}},
		{name: "since after until", args: []string{"--since", "1h", "--until", "2h"}, want: "is not before --until"},
		{name: "an argument", args: []string{"user"}, want: `unknown command "user"`},
	}
	runFlagCases(t, "count", cases, NewCmdCount)
}
