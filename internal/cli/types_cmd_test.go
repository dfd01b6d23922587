package cli

import (
	"slices"
	"testing"
)

// TestActivityTypesFlags checks the flag rules of activity-types, without
// a server.
func TestActivityTypesFlags(t *testing.T) {
	type o = activityTypesOptions
	cases := []flagCase[o]{
		{name: "table on a pipe", check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "table")
			wantEqual(t, "patterns", len(o.Patterns), 0)
		}},
		{name: "table on a terminal", tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "table")
		}},
		{name: "-o json", args: []string{"-o", "JSON"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "json")
		}},
		{name: "-o csv", args: []string{"-o", "csv"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "csv")
		}},
		{name: "-o yaml", args: []string{"-o", "yaml"}, want: `--output: unknown format "yaml": use table, jsonl, json, csv`},
		{name: "-o wide", args: []string{"-o", "wide"}, want: `--output: unknown format "wide"`},
		{name: "activity", args: []string{"--activity", "user", "--activity", "AUTHENTICATION_*"}, check: func(t *testing.T, o *o) {
			if !slices.Equal(o.Patterns, []string{"user", "AUTHENTICATION_*"}) {
				t.Errorf("patterns = %q", o.Patterns)
			}
		}},
		{name: "unknown activity", args: []string{"--activity", "NOPE"}, want: "--activity:"},
		{name: "empty activity", args: []string{"--activity", "user,,identity"}, want: "--activity: empty activity"},
		{name: "an argument", args: []string{"user"}, want: `unknown command "user"`},
	}
	runFlagCases(t, "activity-types", cases, NewCmdActivityTypes)
	// The alias runs the same command.
	runFlagCases(t, "types", []flagCase[o]{
		{name: "alias", args: []string{"-o", "jsonl"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "jsonl")
		}},
		{name: "alias -o yaml", args: []string{"-o", "yaml"}, want: `--output: unknown format "yaml"`},
	}, NewCmdActivityTypes)
}
