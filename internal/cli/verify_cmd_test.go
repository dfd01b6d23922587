package cli

import (
	"slices"
	"testing"
	"time"
)

// TestVerifyFlags checks the arguments and flag rules of verify and what
// validate derives from them, without a server.
func TestVerifyFlags(t *testing.T) {
	type o = verifyOptions
	cases := []flagCase[o]{
		{name: "an argument", args: []string{"nov.jsonl"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "inputs", slices.Equal(o.Inputs, []string{"nov.jsonl"}), true)
			wantEqual(t, "filter given", o.FilterGiven, false)
			wantEqual(t, "range given", o.RangeGiven, false)
			wantEqual(t, "offline", o.Offline, false)
		}},
		{name: "inputs", args: []string{"--input", "a.jsonl", "--input", "-"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "inputs", slices.Equal(o.Inputs, []string{"a.jsonl", "-"}), true)
		}},
		{name: "nothing", want: "nothing to verify: give an export file"},
		{name: "argument and input", args: []string{"a.jsonl", "--input", "b.jsonl"}, want: "give the export once: as an argument or with --input"},
		{name: "two arguments", args: []string{"a.jsonl", "b.jsonl"}, want: "accepts at most 1 arg(s), received 2"},
		{name: "activity is a filter", args: []string{"x", "--activity", "user"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "filter given", o.FilterGiven, true)
			wantEqual(t, "range given", o.RangeGiven, false)
			wantEqual(t, "activity types", len(o.Filter.ActivityTypes) > 0, true)
		}},
		{name: "user is a filter", args: []string{"x", "--user", "alice@example.com"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "filter given", o.FilterGiven, true)
		}},
		{name: "since is a range", args: []string{"x", "--since", "7d"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "range given", o.RangeGiven, true)
			wantEqual(t, "filter given", o.FilterGiven, false)
			wantTime(t, "since", o.Filter.Since, testNow().Add(-7*24*time.Hour))
		}},
		{name: "until is a range", args: []string{"x", "--until", "2026-11-01"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "range given", o.RangeGiven, true)
			wantTime(t, "until", o.Filter.Until, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
		}},
		{name: "archive flags", args: []string{"--offline", "dir", "--verify-key", "k.pub.pem", "--head", "sha256:ab"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "offline", o.Offline, true)
			wantEqual(t, "verify key", o.VerifyKey, "k.pub.pem")
			wantEqual(t, "head", o.Head, "sha256:ab")
		}},
		{name: "parallel still taken", args: []string{"x", "--parallel", "8"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "inputs", len(o.Inputs), 1)
		}},
		{name: "unknown activity", args: []string{"x", "--activity", "NOPE"}, want: "--activity:"},
		{name: "since after until", args: []string{"x", "--since", "2026-11-02", "--until", "2026-11-01"}, want: "a bare date in --until means the end of that day"},
		{name: "utc and tz", args: []string{"x", "--utc", "--tz", "Asia/Tokyo"}, want: "--utc and --tz both set the zone"},
		{name: "bad tz", args: []string{"x", "--tz", "Mars/Olympus"}, want: `--tz: unknown time zone "Mars/Olympus"`},
		{name: "bad tz first", args: []string{"--tz", "Mars/Olympus"}, want: `--tz: unknown time zone "Mars/Olympus"`},
		{name: "tz reads typed times", args: []string{"x", "--tz", "Asia/Tokyo", "--until", "2026-11-01"}, check: func(t *testing.T, o *o) {
			wantTime(t, "until", o.Filter.Until, time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC))
		}},
	}
	runFlagCases(t, "verify", cases, NewCmdVerify)
}
