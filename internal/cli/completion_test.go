package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// complete runs cobra's __complete for args and returns the values offered
// (descriptions cut off) and the directive.
func complete(t *testing.T, env map[string]string, args ...string) ([]string, string) {
	t.Helper()
	app, out, errb := newTestApp(t, env)
	if code := runApp(t, app, append([]string{cobra.ShellCompRequestCmd}, args...)...); code != 0 {
		t.Fatalf("__complete %q: exit %d: %s", args, code, errb)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var values []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values, lines[len(lines)-1]
}

const (
	noFiles  = ":4"  // cobra.ShellCompDirectiveNoFileComp
	dirsOnly = ":16" // cobra.ShellCompDirectiveFilterDirs
)

// TestCompletionOfEveryFlag: every flag that takes a value, in every
// command, completes: values, file or directory names, or nothing at all
// for free text.
func TestCompletionOfEveryFlag(t *testing.T) {
	var walk func(cmd *cobra.Command)
	n := 0
	walk = func(cmd *cobra.Command) {
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Value.Type() == "bool" {
				return
			}
			n++
			_, fn := cmd.GetFlagCompletionFunc(f.Name)
			_, file := f.Annotations[cobra.BashCompFilenameExt]
			_, dir := f.Annotations[cobra.BashCompSubdirsInDir]
			if !fn && !file && !dir {
				t.Errorf("%s --%s has no completion", cmd.CommandPath(), f.Name)
			}
		})
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(RootCommand())
	if n < 40 {
		t.Errorf("only %d flags with values found", n)
	}
}

func TestCompletionValues(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".config", "authgear-audit", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("profiles:\n  prod:\n    project: p\n  staging:\n    project: s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config")}
	tests := []struct {
		args      []string
		want      []string // all of these offered
		exactly   bool     // and nothing else
		not       []string // none of these
		directive string
	}{
		{[]string{"search", "--activity", "USER_AUTH"}, []string{"USER_AUTHENTICATED"}, true, nil, noFiles},
		{[]string{"search", "--activity", "user.auth"}, []string{"user.authenticated"}, true, nil, noFiles},
		{[]string{"count", "--activity", "admin"}, []string{"admin_api", "admin-activities"}, false, []string{"admin-api"}, noFiles},
		{[]string{"tail", "--activity", "user,authentication.primary.p"}, []string{"user,authentication.primary.password.failed"}, true, nil, noFiles},
		{[]string{"export", "--activity", ""}, []string{"user", "messaging", "user-activities", "admin-activities", "USER_CREATED", "user.created"}, false, nil, noFiles},
		{[]string{"activity-types", "--activity", "ident"}, []string{"identity", "identity.email.added", "identity_email_added"}, false, nil, noFiles},
		{[]string{"search", "--tz", "Asia/Hong"}, []string{"Asia/Hong_Kong"}, true, nil, noFiles},
		{[]string{"get", "--tz", "america/new_"}, []string{"America/New_York"}, true, nil, noFiles},
		{[]string{"verify", "--tz", "U"}, []string{"UTC"}, false, nil, noFiles},
		{[]string{"search", "--columns", "time,us"}, []string{"time,user", "time,userAgent", "time,userID"}, true, nil, noFiles},
		{[]string{"search", "--columns", "time,"}, []string{"time,activity", "time,email", "time,data.context.geo_location_code"}, false, []string{"time,time"}, noFiles},
		{[]string{"count", "--by", ""}, []string{"activity", "user", "ip", "client", "day", "hour"}, true, nil, noFiles},
		{[]string{"search", "-o", ""}, []string{"table", "wide", "jsonl", "json", "csv"}, true, nil, noFiles},
		{[]string{"tail", "--output", "w"}, []string{"wide"}, false, nil, noFiles},
		{[]string{"get", "-o", ""}, []string{"table", "json", "jsonl"}, true, nil, noFiles},
		{[]string{"count", "-o", ""}, []string{"table", "json", "csv"}, true, nil, noFiles},
		{[]string{"export", "-o", ""}, []string{"jsonl", "csv", "json", "parquet"}, true, nil, noFiles},
		{[]string{"search", "--profile", ""}, []string{"prod", "staging"}, true, nil, noFiles},
		{[]string{"search", "--sort", ""}, []string{"desc", "asc"}, true, nil, noFiles},
		{[]string{"search", "--since", "y"}, []string{"yesterday"}, true, nil, noFiles},
		{[]string{"search", "--user", ""}, nil, true, nil, noFiles},
		{[]string{"export", "--out-dir", ""}, nil, true, nil, dirsOnly},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, directive := complete(t, env, tt.args...)
			if directive != tt.directive {
				t.Errorf("directive %s, want %s", directive, tt.directive)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%q not offered: %q", w, got)
				}
			}
			if tt.exactly && len(got) != len(tt.want) {
				t.Errorf("offered %q, want exactly %q", got, tt.want)
			}
			for _, n := range tt.not {
				if slices.Contains(got, n) {
					t.Errorf("%q offered", n)
				}
			}
		})
	}
}
