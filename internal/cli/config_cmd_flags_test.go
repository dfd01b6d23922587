package cli

import (
	"context"
	"testing"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/config"
)

// TestConfigShowFlags checks NAME, --profile and -o of config show,
// without a config file.
func TestConfigShowFlags(t *testing.T) {
	type o = configShowOptions
	cases := []flagCase[o]{
		{name: "defaults", check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "table")
			wantEqual(t, "name", o.Name, "")
			wantEqual(t, "profile", o.Profile, "")
		}},
		{name: "table on a terminal", tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "table")
		}},
		{name: "-o json", args: []string{"-o", "json"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "json")
		}},
		{name: "-o yaml", args: []string{"-o", "yaml"}, want: `--output: unknown format "yaml": use table, json`},
		{name: "name", args: []string{"prod"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "name", o.Name, "prod")
		}},
		{name: "name and the same profile", args: []string{"prod", "--profile", "prod"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "name", o.Name, "prod")
			wantEqual(t, "profile", o.Profile, "prod")
		}},
		{name: "profile alone", args: []string{"--profile", "dev"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "profile", o.Profile, "dev")
			wantEqual(t, "name", o.Name, "")
		}},
		{name: "name over the profile's variable", args: []string{"prod"}, env: map[string]string{config.EnvName("profile"): "dev"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "name", o.Name, "prod")
		}},
		{name: "name and profile disagree", args: []string{"prod", "--profile", "dev"}, want: "config show prod and --profile dev disagree: give one"},
		{name: "two names", args: []string{"prod", "dev"}, want: "accepts at most 1 arg(s), received 2"},
	}
	runFlagCases(t, "config show", cases, func(f *Factory, runF func(context.Context, *o) error) *cobra.Command {
		return newCmdConfigShow(f, func(o *o) error { return runF(t.Context(), o) })
	})
}

// TestConfigAddFlags checks the arguments and flags config add hands to
// its run function, without writing a config file.
func TestConfigAddFlags(t *testing.T) {
	type o = configAddOptions
	cases := []flagCase[o]{
		{name: "name and connection flags", args: []string{"prod", "--project", "myapp", "--key-id", "k1", "--key-file", "k1.pem"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "name", o.Name, "prod")
			wantEqual(t, "force", o.Force, false)
			wantEqual(t, "default", o.MakeDefault, false)
			flags := o.Flags()
			wantEqual(t, "flags given", len(flags), 3)
			wantEqual(t, "project", flags[config.KeyProject], "myapp")
			wantEqual(t, "key id", flags[config.KeyKeyID], "k1")
			wantEqual(t, "key file", flags[config.KeyKeyFile], "k1.pem")
		}},
		{name: "force and default", args: []string{"--default", "prod", "--force"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "name", o.Name, "prod")
			wantEqual(t, "force", o.Force, true)
			wantEqual(t, "default", o.MakeDefault, true)
			wantEqual(t, "flags given", len(o.Flags()), 0)
		}},
		{name: "no name", args: []string{"--project", "myapp"}, want: "accepts 1 arg(s), received 0 (usage: authgear-audit config add NAME"},
		{name: "two names", args: []string{"prod", "dev"}, want: "accepts 1 arg(s), received 2"},
	}
	runFlagCases(t, "config add", cases, func(f *Factory, runF func(context.Context, *o) error) *cobra.Command {
		return newCmdConfigAdd(f, func(o *o) error { return runF(t.Context(), o) })
	})
}
