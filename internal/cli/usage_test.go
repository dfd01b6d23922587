package cli

import (
	"strings"
	"testing"
)

// A mistyped command exits 2 with cobra's message and suggestion, under
// the root, under a group command and through help; a group alone or help
// for a real command still prints help with exit 0.
func TestUnknownCommands(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		stderr  string // the start of stderr
		suggest string // "" = no suggestion expected
	}{
		{[]string{"serch"}, ExitUsage, `authgear-audit: unknown command "serch" for "authgear-audit"`, "search"},
		{[]string{"serch", "--since", "7d"}, ExitUsage, `authgear-audit: unknown command "serch" for "authgear-audit"`, "search"},
		{[]string{"config", "bogus"}, ExitUsage, `authgear-audit: unknown command "bogus" for "authgear-audit config"`, ""},
		{[]string{"config", "lst"}, ExitUsage, `authgear-audit: unknown command "lst" for "authgear-audit config"`, "list"},
		{[]string{"auth", "chek"}, ExitUsage, `authgear-audit: unknown command "chek" for "authgear-audit auth"`, "check"},
		{[]string{"help", "serch"}, ExitUsage, `authgear-audit: unknown command "serch" for "authgear-audit"`, "search"},
		{[]string{"help", "config", "bogus"}, ExitUsage, `authgear-audit: unknown command "bogus" for "authgear-audit config"`, ""},
		{[]string{"config"}, ExitOK, "", ""},
		{[]string{"auth"}, ExitOK, "", ""},
		{[]string{"help", "config"}, ExitOK, "", ""},
		{[]string{"help"}, ExitOK, "", ""},
		{nil, ExitOK, "", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			code := runApp(t, app, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errb)
			}
			if tt.code == ExitOK {
				if !strings.Contains(out.String(), "Usage:") || errb.Len() != 0 {
					t.Errorf("want help on stdout and nothing on stderr:\nstdout: %s\nstderr: %s", out, errb)
				}
				return
			}
			if !strings.HasPrefix(errb.String(), tt.stderr+"\n") {
				t.Errorf("stderr does not start with %q:\n%s", tt.stderr, errb)
			}
			if tt.suggest != "" && !strings.Contains(errb.String(), "\n\nDid you mean this?\n\t"+tt.suggest+"\n") {
				t.Errorf("stderr does not suggest %s:\n%s", tt.suggest, errb)
			}
			if tt.suggest == "" && strings.Contains(errb.String(), "Did you mean") {
				t.Errorf("stderr suggests something:\n%s", errb)
			}
			if out.Len() != 0 {
				t.Errorf("stdout: %s", out)
			}
		})
	}
}

// The hint after a usage error names the command to read about, and is
// left out where --help would not help: a problem in the settings (a key
// file, a config file, no project), and with --quiet.
func TestUsageHint(t *testing.T) {
	missingKey := t.TempDir() + "/missing.pem"
	tests := []struct {
		args []string
		hint string // "" = none
	}{
		{[]string{"search", "--limit", "-1"}, "Run 'authgear-audit search --help' for usage."},
		{[]string{"ls", "--sort", "sideways"}, "Run 'authgear-audit search --help' for usage."},
		{[]string{"export", "--parallel", "0"}, "Run 'authgear-audit export --help' for usage."},
		{[]string{"count", "--bogus"}, "Run 'authgear-audit count --help' for usage."},
		{[]string{"get"}, "Run 'authgear-audit get --help' for usage."},
		{[]string{"config", "bogus"}, "Run 'authgear-audit config --help' for usage."},
		{[]string{"help", "config", "bogus"}, "Run 'authgear-audit config --help' for usage."},
		{[]string{"help", "serch"}, "Run 'authgear-audit --help' for usage."},
		{[]string{"serch"}, "Run 'authgear-audit --help' for usage."},
		{[]string{"--bogus"}, "Run 'authgear-audit --help' for usage."},
		{[]string{"search", "--project", "p", "--key-id", "k", "--key-file", missingKey}, ""},
		{[]string{"search", "--key-id", "k", "--key-file", missingKey}, ""},
		{[]string{"--quiet", "search", "--limit", "-1"}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, _, errb := newTestApp(t, nil)
			if code := runApp(t, app, tt.args...); code != ExitUsage {
				t.Fatalf("exit %d, want 2: %s", code, errb)
			}
			hints := 0
			for _, l := range stderrLines(errb) {
				if strings.HasPrefix(l, "Run '") {
					hints++
					if l != tt.hint {
						t.Errorf("hint %q, want %q", l, tt.hint)
					}
				}
			}
			if want := map[bool]int{true: 0, false: 1}[tt.hint == ""]; hints != want {
				t.Errorf("%d hints, want %d:\n%s", hints, want, errb)
			}
		})
	}
}

// Wrong arguments are a usage error in every command, whatever check the
// command itself declares.
func TestWrongArgumentsExitUsage(t *testing.T) {
	tests := [][]string{
		{"config", "use"},
		{"config", "remove"},
		{"config", "add"},
		{"config", "show", "a", "b"},
		{"config", "list", "x"},
		{"auth", "check", "x"},
		{"version", "x"},
		{"get"},
		{"search", "x"},
		{"tail", "x"},
		{"count", "x"},
		{"export", "x"},
		{"verify", "a", "b"},
		{"activity-types", "x"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			if code := runApp(t, app, args...); code != ExitUsage {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, ExitUsage, out, errb)
			}
			if n := strings.Count(errb.String(), "(usage: "); n > 1 {
				t.Errorf("the usage line is given %d times:\n%s", n, errb)
			}
		})
	}
}
