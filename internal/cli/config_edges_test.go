package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Profile names keep their case: viper lowercases map keys, which lost the
// default marker of "Prod" and silently merged "Prod" with "prod".
func TestConfigProfileCase(t *testing.T) {
	t.Run("names as written", func(t *testing.T) {
		env, _ := configEnv(t, "default_profile: Prod\nprofiles:\n  Prod:\n    project: p-prod\n  staging:\n    project: p-staging\n", nil)
		app, out, errb := newTestApp(t, env)
		if code := runApp(t, app, "config", "list", "-o", "json"); code != ExitOK {
			t.Fatalf("config list: exit %d: %s", code, errb)
		}
		var rows []profileRow
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
			t.Fatal(err)
		}
		want := []profileRow{{Name: "Prod", Default: true, Project: "p-prod"}, {Name: "staging", Project: "p-staging"}}
		if len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
			t.Errorf("config list = %+v, want %+v", rows, want)
		}
		for _, args := range [][]string{nil, {"--profile", "prod"}, {"--profile", "Prod"}} {
			s := showConfig(t, env, args...)
			if s.Profile != "Prod" || s.get("project").Value != "p-prod" {
				t.Errorf("%v config show: profile %q, project %q", args, s.Profile, s.get("project").Value)
			}
		}
	})

	t.Run("names that differ only in case", func(t *testing.T) {
		content := "default_profile: prod\nprofiles:\n  Prod:\n    project: p-upper\n  prod:\n    project: p-lower\n"
		env, path := configEnv(t, content, nil)
		for _, args := range [][]string{{"config", "list"}, {"config", "show"}, {"config", "remove", "prod"}, {"config", "use", "Prod"}} {
			app, out, errb := newTestApp(t, env)
			code := runApp(t, app, args...)
			if code != ExitUsage || !strings.Contains(errb.String(), `profiles "Prod" and "prod" differ only in case`) {
				t.Errorf("%v: exit %d, want 2 naming both: %s%s", args, code, out, errb)
			}
		}
		if raw, _ := os.ReadFile(path); string(raw) != content {
			t.Errorf("the config file changed:\n%s", raw)
		}
	})
}

// Removing the default profile says that there is none now, and lists the
// profiles left to choose from.
func TestConfigRemoveDefault(t *testing.T) {
	tests := []struct {
		name, content, remove, want string
	}{
		{"others left", "default_profile: staging\nprofiles:\n  prod: {project: a}\n  staging: {project: b}\n  dev: {project: c}\n", "staging",
			"it was the default profile; there is no default profile now: give --profile, or choose one with `authgear-audit config use NAME`; the profiles left are: dev, prod"},
		{"a profile named default left", "default_profile: prod\nprofiles:\n  prod: {project: a}\n  default: {project: b}\n", "prod",
			`it was the default profile; there is no default_profile now, so commands use the profile named "default"; the profiles left are: default`},
		{"none left", "default_profile: prod\nprofiles:\n  prod: {project: a}\n", "prod",
			"it was the default profile; there are no profiles left: add one with `authgear-audit config add NAME --project ... --key-id ... --key-file ...`"},
		{"not the default", "default_profile: prod\nprofiles:\n  prod: {project: a}\n  dev: {project: b}\n", "dev", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, path := configEnv(t, tt.content, nil)
			app, _, errb := newTestApp(t, env)
			if code := runApp(t, app, "config", "remove", tt.remove); code != ExitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			lines := stderrLines(errb)
			if lines[0] != `removed profile "`+tt.remove+`" from `+path {
				t.Errorf("first line %q", lines[0])
			}
			switch {
			case tt.want == "" && len(lines) != 1:
				t.Errorf("stderr: %s", errb)
			case tt.want != "" && (len(lines) != 2 || lines[1] != tt.want):
				t.Errorf("stderr:\n%s\nwant second line:\n%s", errb, tt.want)
			}
		})
	}
}
