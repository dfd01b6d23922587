package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The table follows one rule for names, so that a user who knows one of a
// setting's names can guess the others.
func TestSettingsNames(t *testing.T) {
	want := []string{KeyEndpoint, KeyProject, KeyKeyID, KeyKeyFile, KeyToken, KeyTokenFile,
		KeyCAFile, KeyInsecureHTTP, KeyTimeout, KeyMaxRetries, KeyRate}
	var keys []string
	for _, s := range Settings() {
		keys = append(keys, s.Key)
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	for _, s := range Settings() {
		if s.Flag != strings.ReplaceAll(s.Key, "_", "-") || s.Env != EnvPrefix+strings.ToUpper(s.Key) {
			t.Errorf("%s: flag %q env %q do not follow the rule", s.Key, s.Flag, s.Env)
		}
		if FlagName(s.Key) != s.Flag || EnvName(s.Key) != s.Env {
			t.Errorf("%s: FlagName %q EnvName %q", s.Key, FlagName(s.Key), EnvName(s.Key))
		}
		if s.Usage == "" {
			t.Errorf("%s: no usage", s.Key)
		}
		var zero any
		switch s.Kind {
		case KindString:
			zero = ""
		case KindBool:
			zero = false
		case KindDuration:
			zero = time.Duration(0)
		case KindInt:
			zero = 0
		case KindFloat:
			zero = 0.0
		}
		if reflect.TypeOf(s.Default) != reflect.TypeOf(zero) {
			t.Errorf("%s: default %T, want a %T", s.Key, s.Default, zero)
		}
		if got := reflect.TypeOf(s.field(&Connection{})).Elem(); got != reflect.TypeOf(zero) {
			t.Errorf("%s: field %v, want a %T", s.Key, got, zero)
		}
	}
	if got := fileKeys(); strings.Contains(strings.Join(got, ","), KeyToken+",") || len(got) != len(want)-1 {
		t.Errorf("fileKeys() = %q: want every key but the token", got)
	}
	if FlagName("profile") != "profile" || EnvName("profile") != "AUTHGEAR_AUDIT_PROFILE" {
		t.Errorf("profile: %q %q", FlagName("profile"), EnvName("profile"))
	}
}

// Every setting is resolved flags > environment > profile > default.
func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	// values are a setting's value from the flag, the environment and the
	// profile (as YAML), and what each resolves to.
	type values struct {
		flag, env, profile string
		want               [3]any
	}
	tokenFile := func(name string) string {
		return writeFile(t, filepath.Join(dir, name), "tok-"+name+"\n")
	}
	tf, te, tp := tokenFile("flag"), tokenFile("env"), tokenFile("profile")
	byKind := map[Kind]values{
		KindString:   {"from-flag", "from-env", "from-profile", [3]any{"from-flag", "from-env", "from-profile"}},
		KindBool:     {"true", "false", "true", [3]any{true, false, true}},
		KindDuration: {"11s", "12s", "13s", [3]any{11 * time.Second, 12 * time.Second, 13 * time.Second}},
		KindInt:      {"1", "2", "3", [3]any{1, 2, 3}},
		KindFloat:    {"0.5", "1.5", "2.5", [3]any{0.5, 1.5, 2.5}},
	}
	for _, s := range Settings() {
		v := byKind[s.Kind]
		if s.Path {
			v = values{"/flag.pem", "/env.pem", "/profile.pem", [3]any{"/flag.pem", "/env.pem", "/profile.pem"}}
		}
		if s.Key == KeyTokenFile {
			v = values{tf, te, tp, [3]any{tf, te, tp}}
		}
		profile := fmt.Sprintf("profiles:\n  p:\n    %s: %s\n", s.Key, v.profile)
		if !s.InProfile {
			profile = "profiles:\n  p: {}\n"
		}
		f, _ := load(t, profile)
		flag := map[string]string{s.Key: v.flag}
		envv := map[string]string{s.Env: v.env}
		tests := []struct {
			name  string
			flags map[string]string
			env   map[string]string
			want  any
			src   Source
		}{
			{"flag", flag, envv, v.want[0], SourceFlag},
			{"env", nil, envv, v.want[1], SourceEnv},
			{"profile", nil, nil, v.want[2], SourceProfile},
		}
		if !s.InProfile {
			tests[2].want, tests[2].src = "", SourceNone
		}
		for _, tt := range tests {
			t.Run(s.Key+"/"+tt.name, func(t *testing.T) {
				c, err := Resolve(f, Inputs{Flags: tt.flags, Profile: "p", Getenv: env(tt.env)})
				if err != nil {
					t.Fatal(err)
				}
				if got := s.value(c); got != tt.want || c.Source(s.Key) != tt.src {
					t.Errorf("got %v (%T) from %q, want %v (%T) from %q", got, got, c.Source(s.Key), tt.want, tt.want, tt.src)
				}
				if s.Key == KeyTokenFile && c.Token != "tok-"+tt.name {
					t.Errorf("token %q read from %s", c.Token, c.TokenFile)
				}
			})
		}
		t.Run(s.Key+"/default", func(t *testing.T) {
			c, err := Resolve(nil, Inputs{})
			if err != nil {
				t.Fatal(err)
			}
			want := SourceDefault
			if s.Kind == KindString {
				want = SourceNone
			}
			if got := s.value(c); got != s.Default || c.Source(s.Key) != want {
				t.Errorf("got %v from %q, want %v from %q", got, c.Source(s.Key), s.Default, want)
			}
		})
	}
}
