package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env is a hermetic environment for Locate and Resolve.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// load reads content as a config file in a temporary directory and returns
// the File and the warnings.
func load(t *testing.T, content string) (*File, []string) {
	t.Helper()
	path := writeFile(t, filepath.Join(t.TempDir(), "config.yaml"), content)
	var warns []string
	f, err := Load(path, false, func(m string) { warns = append(warns, m) })
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return f, warns
}

const twoProfiles = `
default_profile: prod
profiles:
  prod:
    project: p-prof
    endpoint: https://prof.example/_api/admin/graphql
    key_id: kid-prof
    key_file: keys/prod.pem
    timeout: 10s
    max_retries: 3
    rate: 1.5
  staging:
    project: p-staging
    key_id: kid-staging
    key_file: /abs/staging.pem
`

func TestLocate(t *testing.T) {
	tests := []struct {
		name     string
		flag     string
		env      map[string]string
		want     string
		explicit bool
	}{
		{"flag", "/etc/a.yaml", map[string]string{"AUTHGEAR_AUDIT_CONFIG": "/b.yaml", "HOME": "/home/u"}, "/etc/a.yaml", true},
		{"flag with tilde", "~/a.yaml", map[string]string{"HOME": "/home/u"}, "/home/u/a.yaml", true},
		{"env", "", map[string]string{"AUTHGEAR_AUDIT_CONFIG": "/b.yaml", "XDG_CONFIG_HOME": "/x"}, "/b.yaml", true},
		{"xdg", "", map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/home/u"}, "/x/authgear-audit/config.yaml", false},
		{"relative xdg ignored", "", map[string]string{"XDG_CONFIG_HOME": "x", "HOME": "/home/u"}, "/home/u/.config/authgear-audit/config.yaml", false},
		{"home", "", map[string]string{"HOME": "/home/u"}, "/home/u/.config/authgear-audit/config.yaml", false},
		{"nothing", "", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, explicit := Locate(tt.flag, env(tt.env))
			if got != filepath.FromSlash(tt.want) || explicit != tt.explicit {
				t.Errorf("Locate = %q, %v; want %q, %v", got, explicit, tt.want, tt.explicit)
			}
		})
	}
}

func TestResolvePrecedence(t *testing.T) {
	f, warns := load(t, twoProfiles)
	if len(warns) != 0 {
		t.Fatalf("warnings: %q", warns)
	}
	dir := filepath.Dir(f.Path)
	type want struct {
		project, endpoint, keyID, keyFile string
		timeout                           time.Duration
		retries                           int
		rate                              float64
		sources                           map[string]Source
	}
	tests := []struct {
		name    string
		flags   map[string]string
		profile string
		env     map[string]string
		want    want
	}{
		{
			name: "profile over defaults",
			want: want{"p-prof", "https://prof.example/_api/admin/graphql", "kid-prof", filepath.Join(dir, "keys/prod.pem"), 10 * time.Second, 3, 1.5,
				map[string]Source{KeyProject: SourceProfile, KeyTimeout: SourceProfile, KeyRate: SourceProfile, KeyInsecureHTTP: SourceDefault}},
		},
		{
			name: "env over profile",
			env:  map[string]string{"AUTHGEAR_AUDIT_PROJECT": "p-env", "AUTHGEAR_AUDIT_TIMEOUT": "20s", "AUTHGEAR_AUDIT_KEY_FILE": "/env.pem"},
			want: want{"p-env", "https://prof.example/_api/admin/graphql", "kid-prof", "/env.pem", 20 * time.Second, 3, 1.5,
				map[string]Source{KeyProject: SourceEnv, KeyTimeout: SourceEnv, KeyKeyFile: SourceEnv, KeyKeyID: SourceProfile}},
		},
		{
			name:  "flags over env",
			flags: map[string]string{KeyProject: "p-flag", KeyMaxRetries: "0", KeyRate: "0"},
			env:   map[string]string{"AUTHGEAR_AUDIT_PROJECT": "p-env", "AUTHGEAR_AUDIT_MAX_RETRIES": "7"},
			want: want{"p-flag", "https://prof.example/_api/admin/graphql", "kid-prof", filepath.Join(dir, "keys/prod.pem"), 10 * time.Second, 0, 0,
				map[string]Source{KeyProject: SourceFlag, KeyMaxRetries: SourceFlag, KeyRate: SourceFlag}},
		},
		{
			name:    "another profile by flag",
			profile: "staging",
			want: want{"p-staging", "", "kid-staging", "/abs/staging.pem", DefaultTimeout, DefaultMaxRetries, 0,
				map[string]Source{KeyProject: SourceProfile, KeyTimeout: SourceDefault, KeyMaxRetries: SourceDefault}},
		},
		{
			name: "another profile by env",
			env:  map[string]string{"AUTHGEAR_AUDIT_PROFILE": "staging"},
			want: want{"p-staging", "", "kid-staging", "/abs/staging.pem", DefaultTimeout, DefaultMaxRetries, 0,
				map[string]Source{KeyKeyID: SourceProfile}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Resolve(f, Inputs{Flags: tt.flags, Profile: tt.profile, Getenv: env(tt.env)})
			if err != nil {
				t.Fatal(err)
			}
			got := want{c.Project, c.Endpoint, c.KeyID, c.KeyFile, c.Timeout, c.MaxRetries, c.Rate, nil}
			w := tt.want
			w.sources = nil
			if !reflect.DeepEqual(got, w) {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
			for k, s := range tt.want.sources {
				if c.Source(k) != s {
					t.Errorf("source of %s = %q, want %q", k, c.Source(k), s)
				}
			}
			if c.File != f.Path {
				t.Errorf("File = %q", c.File)
			}
		})
	}
}

func TestSelectProfile(t *testing.T) {
	withDefault, _ := load(t, "profiles:\n  default:\n    project: d\n  other:\n    project: o\n")
	none, _ := load(t, "profiles:\n  a:\n    project: a\n")
	empty, _ := load(t, "# nothing yet\n")
	missing := &File{Path: "/nowhere/config.yaml", Profiles: map[string]map[string]any{}}
	prod, _ := load(t, twoProfiles)
	tests := []struct {
		name    string
		f       *File
		flag    string
		env     map[string]string
		want    string
		src     Source
		wantErr string
	}{
		{"default_profile", prod, "", nil, "prod", SourceProfile, ""},
		{"flag beats env", prod, "staging", map[string]string{"AUTHGEAR_AUDIT_PROFILE": "prod"}, "staging", SourceFlag, ""},
		{"env beats default_profile", prod, "", map[string]string{"AUTHGEAR_AUDIT_PROFILE": "staging"}, "staging", SourceEnv, ""},
		{"case-insensitive", prod, "Staging", nil, "staging", SourceFlag, ""},
		{"named default", withDefault, "", nil, "default", SourceDefault, ""},
		{"none", none, "", nil, "", SourceNone, ""},
		{"missing lists the others", prod, "dev", nil, "", SourceNone, `no profile "dev" (--profile) in ` + prod.Path + "; the profiles are: prod, staging"},
		{"missing from env", prod, "", map[string]string{"AUTHGEAR_AUDIT_PROFILE": "dev"}, "", SourceNone, `no profile "dev" (AUTHGEAR_AUDIT_PROFILE) in`},
		{"no profiles yet", empty, "dev", nil, "", SourceNone, "it has no profiles yet"},
		{"no file", missing, "dev", nil, "", SourceNone, "there is no config file at /nowhere/config.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, src, err := SelectProfile(tt.f, tt.flag, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !IsUserError(err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || src != tt.src {
				t.Errorf("got %q %q %v, want %q %q", got, src, err, tt.want, tt.src)
			}
		})
	}
}

func TestDefaultProfileMissing(t *testing.T) {
	f, _ := load(t, "default_profile: gone\nprofiles:\n  a: {project: a}\n")
	_, err := Resolve(f, Inputs{})
	if err == nil || !strings.Contains(err.Error(), `no profile "gone" (default_profile)`) || !strings.Contains(err.Error(), "the profiles are: a") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadWarnsUnknownKeys(t *testing.T) {
	_, warns := load(t, `
default_profile: prod
colour: true
profiles:
  prod:
    project: p
    keyfile: x.pem
    key-id: k
    token: secret-value-never-quoted
    frobnicate: 1
`)
	want := []string{
		`config.yaml: unknown key "colour"`,
		`config.yaml: unknown key "profiles.prod.frobnicate"`,
		`config.yaml: unknown key "profiles.prod.key-id" (did you mean key_id?)`,
		`config.yaml: unknown key "profiles.prod.keyfile" (did you mean key_file?)`,
		`config.yaml: key "profiles.prod.token" is not used: tokens are never read from the config file; use token_file or AUTHGEAR_AUDIT_TOKEN`,
	}
	if !reflect.DeepEqual(warns, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warns, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range warns {
		if strings.Contains(w, "secret-value") {
			t.Errorf("warning quotes a secret: %s", w)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"bad yaml", "profiles:\n  prod:\n    project: [a\n", "line "},
		{"tabs", "profiles:\n\tprod: {}\n", "line 2"},
		{"list at top", "- a\n- b\n", "line 1: want a mapping (default_profile, profiles), not a list"},
		{"profiles not a map", "profiles: [a, b]\n", "profiles must be a mapping"},
		{"profile not a map", "profiles:\n  prod: yes\n", "profiles.prod must be a mapping"},
		{"default_profile not a name", "default_profile: [a]\n", "default_profile must be a profile name"},
		{"names that differ only in case", "profiles:\n  Prod: {project: a}\n  prod: {project: b}\n", `profiles "Prod" and "prod" differ only in case`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(dir, strings.Repeat("d", i+1), "config.yaml"), tt.content)
			_, err := Load(path, false, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) || !IsUserError(err) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v; want a one-line user error naming %s and containing %q", err, path, tt.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	f, err := Load(path, false, nil)
	if err != nil || f.Exists || len(f.Profiles) != 0 {
		t.Errorf("implicit missing file: %+v, %v", f, err)
	}
	if _, err := Load(path, true, nil); err == nil || !strings.Contains(err.Error(), path+" does not exist") {
		t.Errorf("explicit missing file: %v", err)
	}
	// A directory is not a config file, and not a user error about a value.
	if _, err := Load(t.TempDir(), false, nil); err == nil {
		t.Error("reading a directory succeeded")
	}
}

func TestResolveValidation(t *testing.T) {
	f, _ := load(t, `
profiles:
  prod:
    project: p
    timeout: 30
    max_retries: many
  ok:
    project: p
    rate: -2
  list:
    project: [a, b]
`)
	tests := []struct {
		name    string
		flags   map[string]string
		profile string
		env     map[string]string
		want    string
	}{
		{"env timeout", nil, "", map[string]string{"AUTHGEAR_AUDIT_TIMEOUT": "soon"}, `invalid AUTHGEAR_AUDIT_TIMEOUT "soon": want a duration such as 30s or 2m`},
		{"flag timeout zero", map[string]string{KeyTimeout: "0s"}, "", nil, `invalid --timeout "0s": must be more than 0`},
		{"negative timeout", nil, "", map[string]string{"AUTHGEAR_AUDIT_TIMEOUT": "-5s"}, `invalid AUTHGEAR_AUDIT_TIMEOUT "-5s"`},
		{"profile timeout without unit", nil, "prod", nil, `config.yaml: invalid profiles.prod.timeout "30": want a duration with a unit`},
		{"profile max_retries", map[string]string{KeyTimeout: "1s"}, "prod", nil, `config.yaml: invalid profiles.prod.max_retries "many": want a whole number from 0 to 20`},
		{"flag max_retries too many", map[string]string{KeyMaxRetries: "21"}, "", nil, `invalid --max-retries "21": want a whole number from 0 to 20`},
		{"env max_retries negative", nil, "", map[string]string{"AUTHGEAR_AUDIT_MAX_RETRIES": "-1"}, `invalid AUTHGEAR_AUDIT_MAX_RETRIES "-1"`},
		{"profile rate", nil, "ok", nil, `config.yaml: invalid profiles.ok.rate "-2": want requests per second`},
		{"env rate nan", nil, "", map[string]string{"AUTHGEAR_AUDIT_RATE": "NaN"}, `invalid AUTHGEAR_AUDIT_RATE "NaN"`},
		{"env rate word", nil, "", map[string]string{"AUTHGEAR_AUDIT_RATE": "fast"}, `invalid AUTHGEAR_AUDIT_RATE "fast"`},
		{"env insecure", nil, "", map[string]string{"AUTHGEAR_AUDIT_INSECURE_HTTP": "maybe"}, `invalid AUTHGEAR_AUDIT_INSECURE_HTTP "maybe": want true or false`},
		{"profile list value", nil, "list", nil, `invalid profiles.list.project in config.yaml: want a single value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(f, Inputs{Flags: tt.flags, Profile: tt.profile, Getenv: env(tt.env)})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !IsUserError(err) {
				t.Errorf("err = %v\nwant a user error containing %q", err, tt.want)
			}
		})
	}
}

func TestResolvePaths(t *testing.T) {
	f, _ := load(t, "profiles:\n  a:\n    key_id: k\n    key_file: ~/keys/a.pem\n    ca_file: ca.pem\n")
	c, err := Resolve(f, Inputs{Profile: "a", Getenv: env(map[string]string{"HOME": "/home/u"})})
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyFile != filepath.FromSlash("/home/u/keys/a.pem") {
		t.Errorf("KeyFile = %q", c.KeyFile)
	}
	if c.CAFile != filepath.Join(filepath.Dir(f.Path), "ca.pem") {
		t.Errorf("CAFile = %q, want it beside the config file", c.CAFile)
	}
	// Paths from flags and the environment are the user's own: relative to
	// the working directory, ~ expanded.
	c, err = Resolve(f, Inputs{Profile: "a", Flags: map[string]string{KeyKeyFile: "rel.pem"},
		Getenv: env(map[string]string{"HOME": "/home/u", "AUTHGEAR_AUDIT_CA_FILE": "~/ca.pem"})})
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyFile != "rel.pem" || c.CAFile != filepath.FromSlash("/home/u/ca.pem") {
		t.Errorf("KeyFile %q CAFile %q", c.KeyFile, c.CAFile)
	}
}

func TestResolveToken(t *testing.T) {
	dir := t.TempDir()
	tokFile := writeFile(t, filepath.Join(dir, "token"), "  tok-from-file\n\n")
	emptyFile := writeFile(t, filepath.Join(dir, "empty"), " \n")
	twoLines := writeFile(t, filepath.Join(dir, "two"), "a\nb\n")
	f, _ := load(t, "profiles:\n  k:\n    project: p\n    key_id: kid\n    key_file: /k.pem\n  t:\n    project: p\n    token_file: "+tokFile+"\n")
	tests := []struct {
		name      string
		flags     map[string]string
		profile   string
		env       map[string]string
		stdin     string
		tty       bool
		wantToken string
		wantKeyID string
		wantErr   string
		wantWarn  bool
	}{
		{name: "token flag", flags: map[string]string{KeyToken: "tok-flag"}, wantToken: "tok-flag", wantWarn: true},
		{name: "token env", env: map[string]string{"AUTHGEAR_AUDIT_TOKEN": "tok-env"}, wantToken: "tok-env"},
		{name: "token file flag", flags: map[string]string{KeyTokenFile: tokFile}, wantToken: "tok-from-file"},
		{name: "token from stdin", flags: map[string]string{KeyTokenFile: "-"}, stdin: "tok-stdin\n", wantToken: "tok-stdin"},
		{name: "stdin is a terminal", flags: map[string]string{KeyTokenFile: "-"}, stdin: "tok-stdin\n", tty: true, wantErr: "--token-file is - but stdin is a terminal"},
		{name: "token file in profile", profile: "t", wantToken: "tok-from-file"},
		{name: "empty stdin", flags: map[string]string{KeyTokenFile: "-"}, stdin: "\n", wantErr: "no token in stdin (--token-file): it is empty"},
		{name: "empty file", flags: map[string]string{KeyTokenFile: emptyFile}, wantErr: "no token in " + emptyFile},
		{name: "two lines", env: map[string]string{"AUTHGEAR_AUDIT_TOKEN_FILE": twoLines}, wantErr: "holds spaces or several lines"},
		{name: "missing file", flags: map[string]string{KeyTokenFile: filepath.Join(dir, "nope")}, wantErr: "read token file (--token-file)"},
		{name: "token and token file on flags", flags: map[string]string{KeyToken: "x", KeyTokenFile: tokFile}, wantErr: "both --token and --token-file are given", wantWarn: true},
		{name: "env token beats profile key", profile: "k", env: map[string]string{"AUTHGEAR_AUDIT_TOKEN": "tok-env"}, wantToken: "tok-env"},
		{name: "flag key beats env token", profile: "k", flags: map[string]string{KeyKeyID: "kid-flag"}, env: map[string]string{"AUTHGEAR_AUDIT_TOKEN": "tok-env"}, wantKeyID: "kid-flag"},
		{name: "token and key on flags", flags: map[string]string{KeyToken: "x", KeyKeyFile: "/k.pem"}, wantErr: "both a token (--token) and a key (--key-file) are given", wantWarn: true},
		{name: "token env beats token file env", env: map[string]string{"AUTHGEAR_AUDIT_TOKEN": "tok-env", "AUTHGEAR_AUDIT_TOKEN_FILE": "/nope"}, wantErr: "both AUTHGEAR_AUDIT_TOKEN and AUTHGEAR_AUDIT_TOKEN_FILE"},
		{name: "token file flag beats token env", flags: map[string]string{KeyTokenFile: tokFile}, env: map[string]string{"AUTHGEAR_AUDIT_TOKEN": "tok-env"}, wantToken: "tok-from-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warns []string
			c, err := Resolve(f, Inputs{Flags: tt.flags, Profile: tt.profile, Getenv: env(tt.env),
				Stdin: strings.NewReader(tt.stdin), StdinTTY: tt.tty, Warn: func(m string) { warns = append(warns, m) }})
			gotWarn := len(warns) == 1 && warns[0] == "--token is visible to other users in ps; prefer --token-file or AUTHGEAR_AUDIT_TOKEN"
			if gotWarn != tt.wantWarn || len(warns) > 1 {
				t.Errorf("warnings %q, want the ps warning: %v", warns, tt.wantWarn)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !IsUserError(err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "tok-") {
					t.Errorf("error quotes the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Token != tt.wantToken || c.KeyID != tt.wantKeyID {
				t.Errorf("token %q key ID %q; want %q %q", c.Token, c.KeyID, tt.wantToken, tt.wantKeyID)
			}
			if c.Token != "" && (c.KeyID != "" || c.KeyFile != "") {
				t.Errorf("both credentials kept: %+v", c)
			}
		})
	}
}

func TestLoadKeepsProfileNames(t *testing.T) {
	f, _ := load(t, "default_profile: Prod\nprofiles:\n  Prod:\n    Project: a\n  staging-EU: {}\n")
	if got := f.Names(); !reflect.DeepEqual(got, []string{"Prod", "staging-EU"}) {
		t.Errorf("names %q", got)
	}
	if f.Profiles["Prod"]["project"] != "a" || !f.IsDefault("Prod") || !f.IsDefault("prod") || f.IsDefault("staging-EU") {
		t.Errorf("profiles %v, default %q", f.Profiles, f.DefaultProfile)
	}
	for _, name := range []string{"Prod", "prod", "PROD"} {
		if got, ok := f.Lookup(name); !ok || got != "Prod" {
			t.Errorf("Lookup(%q) = %q, %v", name, got, ok)
		}
	}
}
