package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// configEnv is a test environment whose config file lives in a temporary
// XDG_CONFIG_HOME; content, when not empty, is written there.
func configEnv(t *testing.T, content string, extra map[string]string) (map[string]string, string) {
	t.Helper()
	xdg := t.TempDir()
	path := filepath.Join(xdg, "authgear-audit", "config.yaml")
	if content != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"XDG_CONFIG_HOME": xdg, "HOME": t.TempDir()}
	for k, v := range extra {
		env[k] = v
	}
	return env, path
}

type shownConfig struct {
	File     string       `json:"file"`
	Profile  string       `json:"profile"`
	Settings []settingRow `json:"settings"`
}

func (s shownConfig) get(key string) settingRow {
	for _, r := range s.Settings {
		if r.Key == key {
			return r
		}
	}
	return settingRow{}
}

// showConfig runs `config show -o json` with args before it and decodes it.
func showConfig(t *testing.T, env map[string]string, args ...string) shownConfig {
	t.Helper()
	app, out, errb := newTestApp(t, env)
	if code := runApp(t, app, append(args, "config", "show", "-o", "json")...); code != ExitOK {
		t.Fatalf("config show: exit %d: %s", code, errb)
	}
	var s shownConfig
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	return s
}

const precedenceConfig = `default_profile: prod
profiles:
  prod:
    project: p-profile
    key_id: kid-profile
    key_file: prod.pem
    timeout: 10s
    max_retries: 3
  other:
    project: p-other
    endpoint: https://other.example/_api/admin/graphql
`

func TestConnectionPrecedence(t *testing.T) {
	type cell struct{ value, source string }
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want map[string]cell
	}{
		{
			name: "profile, then defaults",
			want: map[string]cell{
				"project":     {"p-profile", "profile (prod)"},
				"endpoint":    {"https://p-profile.authgear.cloud/_api/admin/graphql", "default"},
				"timeout":     {"10s", "profile (prod)"},
				"max_retries": {"3", "profile (prod)"},
				"rate":        {"0", "default"},
				"token":       {"(not set)", ""},
			},
		},
		{
			name: "env over profile",
			env:  map[string]string{"AUTHGEAR_AUDIT_PROJECT": "p-env", "AUTHGEAR_AUDIT_TIMEOUT": "20s", "AUTHGEAR_AUDIT_RATE": "2.5"},
			want: map[string]cell{
				"project":  {"p-env", "env (AUTHGEAR_AUDIT_PROJECT)"},
				"endpoint": {"https://p-env.authgear.cloud/_api/admin/graphql", "default"},
				"timeout":  {"20s", "env (AUTHGEAR_AUDIT_TIMEOUT)"},
				"rate":     {"2.5", "env (AUTHGEAR_AUDIT_RATE)"},
				"key_id":   {"kid-profile", "profile (prod)"},
			},
		},
		{
			name: "flags over env",
			env:  map[string]string{"AUTHGEAR_AUDIT_PROJECT": "p-env", "AUTHGEAR_AUDIT_TIMEOUT": "20s"},
			args: []string{"--project", "p-flag", "--timeout", "45s", "--max-retries", "0"},
			want: map[string]cell{
				"project":     {"p-flag", "flag (--project)"},
				"timeout":     {"45s", "flag (--timeout)"},
				"max_retries": {"0", "flag (--max-retries)"},
			},
		},
		{
			name: "a flag left at its default does not hide the profile",
			args: []string{"--verbose"},
			want: map[string]cell{"timeout": {"10s", "profile (prod)"}, "max_retries": {"3", "profile (prod)"}},
		},
		{
			name: "profile from env",
			env:  map[string]string{"AUTHGEAR_AUDIT_PROFILE": "other"},
			want: map[string]cell{
				"project":  {"p-other", "profile (other)"},
				"endpoint": {"https://other.example/_api/admin/graphql", "profile (other)"},
				"timeout":  {"30s", "default"},
				"key_id":   {"(not set)", ""},
			},
		},
		{
			name: "profile flag over env",
			env:  map[string]string{"AUTHGEAR_AUDIT_PROFILE": "other"},
			args: []string{"--profile", "prod"},
			want: map[string]cell{"project": {"p-profile", "profile (prod)"}},
		},
		{
			name: "token is never shown",
			env:  map[string]string{"AUTHGEAR_AUDIT_TOKEN": "tok-secret-1"},
			want: map[string]cell{"token": {"(set, hidden)", "env (AUTHGEAR_AUDIT_TOKEN)"}, "key_id": {"(not set)", ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, path := configEnv(t, precedenceConfig, tt.env)
			s := showConfig(t, env, tt.args...)
			if s.File != path {
				t.Errorf("file %q, want %q", s.File, path)
			}
			for key, want := range tt.want {
				got := s.get(key)
				if got.Value != want.value || got.Source != want.source {
					t.Errorf("%s = %q from %q, want %q from %q", key, got.Value, got.Source, want.value, want.source)
				}
			}
			if kf := s.get("key_file"); kf.Source == "profile (prod)" && kf.Value != filepath.Join(filepath.Dir(path), "prod.pem") {
				t.Errorf("key_file %q: want it relative to the config file", kf.Value)
			}
		})
	}
}

func TestConfigShowTableHidesToken(t *testing.T) {
	env, _ := configEnv(t, precedenceConfig, map[string]string{"AUTHGEAR_AUDIT_TOKEN": "tok-secret-1"})
	app, out, errb := newTestApp(t, env)
	if code := runApp(t, app, "config", "show", "other"); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if strings.Contains(out.String()+errb.String(), "tok-secret-1") {
		t.Errorf("token printed:\n%s", out)
	}
	for _, want := range []string{"profile:", "other (--profile)", "(set, hidden)", "env (AUTHGEAR_AUDIT_TOKEN)", "SETTING"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		env     map[string]string
		args    []string
		code    int
		stderr  string // a line of stderr
	}{
		{
			name:    "missing profile lists the others",
			content: precedenceConfig,
			args:    []string{"--profile", "dev", "config", "show"},
			code:    ExitUsage,
			stderr:  `authgear-audit: no profile "dev" (--profile) in %CONFIG%; the profiles are: other, prod`,
		},
		{
			name:    "invalid yaml names file and line",
			content: "profiles:\n  prod:\n    project: [p\n",
			args:    []string{"config", "list"},
			code:    ExitUsage,
			stderr:  "authgear-audit: config file %CONFIG%: line 2: did not find expected ',' or ']'",
		},
		{
			name:    "invalid env value",
			content: precedenceConfig,
			env:     map[string]string{"AUTHGEAR_AUDIT_MAX_RETRIES": "lots"},
			args:    []string{"config", "show"},
			code:    ExitUsage,
			stderr:  `authgear-audit: invalid AUTHGEAR_AUDIT_MAX_RETRIES "lots": want a whole number from 0 to 20`,
		},
		{
			name:    "invalid profile value",
			content: "profiles:\n  default:\n    project: p\n    rate: -1\n",
			args:    []string{"config", "show"},
			code:    ExitUsage,
			stderr:  `authgear-audit: config.yaml: invalid profiles.default.rate "-1": want requests per second, 0 or more (0: no limit)`,
		},
		{
			name:   "invalid flag value",
			args:   []string{"--timeout", "0s", "config", "show"},
			code:   ExitUsage,
			stderr: `authgear-audit: invalid --timeout "0s": must be more than 0, such as 30s`,
		},
		{
			name:   "explicit config that does not exist",
			args:   []string{"--config", "/nonexistent/c.yaml", "config", "show"},
			code:   ExitUsage,
			stderr: "authgear-audit: config file /nonexistent/c.yaml does not exist (create it with `authgear-audit config add`)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, path := configEnv(t, tt.content, tt.env)
			app, _, errb := newTestApp(t, env)
			code := runApp(t, app, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errb)
			}
			want := strings.ReplaceAll(tt.stderr, "%CONFIG%", path)
			if lines := stderrLines(errb); len(lines) == 0 || lines[0] != want {
				t.Errorf("stderr:\n%s\nwant first line:\n%s", errb, want)
			}
		})
	}
}

func TestConfigUnknownKeysWarn(t *testing.T) {
	env, _ := configEnv(t, "profiles:\n  prod:\n    project: p\n    keyfile: x.pem\n", nil)
	app, out, errb := newTestApp(t, env)
	if code := runApp(t, app, "config", "list"); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	want := `warning: config.yaml: unknown key "profiles.prod.keyfile" (did you mean key_file?)`
	if lines := stderrLines(errb); len(lines) != 1 || lines[0] != want {
		t.Errorf("stderr %q, want %q", lines, want)
	}
	if !strings.Contains(out.String(), "prod") {
		t.Errorf("list output: %q", out)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	s := adminapitest.NewUnstarted()
	keyPEM := s.PrivateKeyPEM(false)
	keyDir := t.TempDir()
	keyFile := filepath.Join(keyDir, "prod.pem")
	if err := adminapitest.WriteKeyFile(keyFile, keyPEM); err != nil {
		t.Fatal(err)
	}
	env, path := configEnv(t, "", nil)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		app, out, errb := newTestApp(t, env)
		code := runApp(t, app, args...)
		return code, out.String(), errb.String()
	}

	// path works before the file exists.
	if code, out, _ := run("config", "path"); code != ExitOK || out != path+"\n" {
		t.Fatalf("config path: %d %q", code, out)
	}
	// Relative key file paths are stored absolute.
	t.Chdir(keyDir)
	code, _, errOut := run("config", "add", "prod", "--project", "myapp", "--key-id", "kid-1", "--key-file", "prod.pem")
	if code != ExitOK {
		t.Fatalf("add prod: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, `added profile "prod" in `+path) || !strings.Contains(errOut, `"prod" is the default profile`) {
		t.Errorf("add notices: %q", errOut)
	}
	code, _, errOut = run("config", "add", "staging", "--project", "myapp-staging", "--key-id", "kid-2", "--key-file", keyFile,
		"--endpoint", "https://auth.example.com/_api/admin/graphql")
	if code != ExitOK || strings.Contains(errOut, "default profile") {
		t.Fatalf("add staging: exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("config mode %04o, want 0600", st.Mode().Perm())
		}
		if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
			t.Errorf("config dir mode %04o, want 0700", st.Mode().Perm())
		}
	}
	if strings.Contains(string(data), "PRIVATE KEY") || strings.Contains(string(data), string(keyPEM[40:80])) {
		t.Fatalf("the key's contents are in the config file:\n%s", data)
	}
	if !strings.Contains(string(data), "key_file: "+keyFile) {
		t.Errorf("key file path not stored absolute:\n%s", data)
	}

	// An existing profile is not replaced without --force.
	code, _, errOut = run("config", "add", "prod", "--project", "x", "--key-id", "k", "--key-file", keyFile)
	if code != ExitUsage || !strings.Contains(errOut, `profile "prod" already exists in `+path+": pass --force to replace it") {
		t.Errorf("overwrite: exit %d: %s", code, errOut)
	}

	code, out, _ := run("config", "list")
	wantList := []string{"  NAME     PROJECT        ENDPOINT", "* prod     myapp          (default)", "  staging  myapp-staging  https://auth.example.com/_api/admin/graphql"}
	if code != ExitOK || strings.Join(linesOf(out), "\n") != strings.Join(wantList, "\n") {
		t.Errorf("config list: exit %d\n%s\nwant\n%s", code, out, strings.Join(wantList, "\n"))
	}

	if code, _, errOut := run("config", "use", "staging"); code != ExitOK || !strings.Contains(errOut, `"staging" is the default profile`) {
		t.Errorf("use: %d %s", code, errOut)
	}
	s2 := showConfig(t, env)
	if s2.Profile != "staging" || s2.get("project").Value != "myapp-staging" || s2.get("key_file").Value != keyFile {
		t.Errorf("show after use: %+v", s2)
	}
	if code, _, errOut := run("config", "use", "dev"); code != ExitUsage || !strings.Contains(errOut, "the profiles are: prod, staging") {
		t.Errorf("use dev: %d %s", code, errOut)
	}

	code, _, errOut = run("config", "remove", "staging")
	if code != ExitOK || !strings.Contains(errOut, "it was the default profile") {
		t.Errorf("remove: %d %s", code, errOut)
	}
	code, out, _ = run("config", "list", "-o", "json")
	var rows []profileRow
	if err := json.Unmarshal([]byte(out), &rows); code != ExitOK || err != nil || len(rows) != 1 || rows[0].Name != "prod" || rows[0].Default {
		t.Errorf("list after remove: %d %q %v", code, out, err)
	}
}

// linesOf splits text into its non-empty lines.
func linesOf(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func TestConfigAddChecks(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pem")
	if err := adminapitest.WriteKeyFile(good, adminapitest.EncodePrivateKeyPEM(adminapitest.TestKey(), true)); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(dir, "loose.pem")
	if err := adminapitest.WriteKeyFile(loose, adminapitest.EncodePrivateKeyPEM(adminapitest.TestKey(), false)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no project", []string{"config", "add", "a", "--key-id", "k", "--key-file", good}, ExitUsage, "authgear-audit: config add needs --project"},
		{"no key", []string{"config", "add", "a", "--project", "p"}, ExitUsage, "authgear-audit: config add needs --key-id and --key-file"},
		{"token", []string{"config", "add", "a", "--project", "p", "--token", "tok"}, ExitUsage, "authgear-audit: config add stores no tokens"},
		{"bad name", []string{"config", "add", "Prod", "--project", "p", "--key-id", "k", "--key-file", good}, ExitUsage, `authgear-audit: invalid profile name "Prod"`},
		{"bad endpoint", []string{"config", "add", "a", "--project", "p", "--key-id", "k", "--key-file", good, "--endpoint", "myapp.example"}, ExitUsage, `authgear-audit: invalid --endpoint "myapp.example"`},
		{"missing key file warns", []string{"config", "add", "a", "--project", "p", "--key-id", "k", "--key-file", filepath.Join(dir, "nope.pem")}, ExitOK,
			"warning: key file " + filepath.Join(dir, "nope.pem") + " does not exist: check --key-file (the profile is saved; fix the key file before using it)"},
		{"loose key file warns", []string{"config", "add", "a", "--project", "p", "--key-id", "k", "--key-file", loose}, ExitOK,
			"warning: key file " + loose + " is readable by other users (mode 0644): run chmod 600 " + loose},
		{"token file", []string{"config", "add", "a", "--project", "p", "--token-file", good}, ExitOK, `added profile "a" in `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "loose key file warns" && runtime.GOOS == "windows" {
				t.Skip("no modes on Windows")
			}
			env, _ := configEnv(t, "", nil)
			app, _, errb := newTestApp(t, env)
			code := runApp(t, app, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, errb)
			}
			if lines := stderrLines(errb); len(lines) == 0 || !strings.HasPrefix(lines[0], tt.stderr) {
				t.Errorf("stderr:\n%s\nwant a first line starting %q", errb, tt.stderr)
			}
		})
	}
}

func TestProfileCompletion(t *testing.T) {
	env, _ := configEnv(t, precedenceConfig, nil)
	for _, args := range [][]string{{"__complete", "--profile", ""}, {"__complete", "config", "use", ""}} {
		app, out, errb := newTestApp(t, env)
		if code := runApp(t, app, args...); code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb)
		}
		if lines := linesOf(out.String()); len(lines) != 3 || lines[0] != "other" || lines[1] != "prod" || lines[2] != ":4" {
			t.Errorf("%v: completions %q", args, lines)
		}
	}
}
