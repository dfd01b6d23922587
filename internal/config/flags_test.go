package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func newFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

// The flags are registered as the command line has always registered
// them: help output and scripts see no change.
func TestAddFlags(t *testing.T) {
	tests := []struct {
		name, typ, def, usage string
	}{
		{"endpoint", "string", "", "Admin API GraphQL endpoint (default https://<project>.authgear.cloud/_api/admin/graphql)"},
		{"project", "string", "", "project (app) ID, the token's audience"},
		{"key-id", "string", "", "Admin API key ID"},
		{"key-file", "string", "", "Admin API private key (PEM)"},
		{"token", "string", "", "a ready bearer token (visible in ps: prefer --token-file)"},
		{"token-file", "string", "", "read the bearer token from this file ('-' for stdin)"},
		{"ca-file", "string", "", "trust this PEM CA bundle as well (self-hosted servers)"},
		{"insecure-http", "bool", "false", "allow a plain http:// endpoint on a non-loopback host"},
		{"timeout", "duration", "30s", "timeout of each request"},
		{"max-retries", "int", "5", "retries of a failed request"},
		{"rate", "float64", "0", "at most this many requests per second (0: no limit)"},
		{"profile", "string", "", "profile of the config file to use"},
		{"config", "string", "", "config file (default $XDG_CONFIG_HOME/authgear-audit/config.yaml)"},
	}
	fs := newFlags(t)
	n := 0
	fs.VisitAll(func(*pflag.Flag) { n++ })
	if n != len(tests) {
		t.Errorf("%d flags registered, want %d", n, len(tests))
	}
	for _, tt := range tests {
		f := fs.Lookup(tt.name)
		if f == nil {
			t.Errorf("--%s not registered", tt.name)
			continue
		}
		if f.Value.Type() != tt.typ || f.DefValue != tt.def || f.Usage != tt.usage || f.Shorthand != "" {
			t.Errorf("--%s: %s default %q usage %q -%s; want %s default %q usage %q",
				tt.name, f.Value.Type(), f.DefValue, f.Usage, f.Shorthand, tt.typ, tt.def, tt.usage)
		}
	}
}

func TestReadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Flags
	}{
		{"none given", nil, Flags{Settings: map[string]string{}}},
		{"each kind", []string{"--project", "p", "--insecure-http", "--timeout", "45s", "--max-retries=0", "--rate", "2.5"},
			Flags{Settings: map[string]string{KeyProject: "p", KeyInsecureHTTP: "true", KeyTimeout: "45s", KeyMaxRetries: "0", KeyRate: "2.5"}}},
		// Given, even at its default: the user said so, and it must win
		// over the environment.
		{"given at the default", []string{"--timeout", "30s", "--max-retries", "5"},
			Flags{Settings: map[string]string{KeyTimeout: "30s", KeyMaxRetries: "5"}}},
		{"profile and config", []string{"--profile", "prod", "--config", "~/c.yaml", "--token-file", "-"},
			Flags{Settings: map[string]string{KeyTokenFile: "-"}, Profile: "prod", Config: "~/c.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReadFlags(newFlags(t, tt.args...)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if got := ReadFlags(nil); got.Settings == nil || len(got.Settings) != 0 || got.Profile != "" {
		t.Errorf("ReadFlags(nil) = %+v", got)
	}
}

// A flag left at its default hides neither the environment nor the
// profile; one given beats both, even at the default value.
func TestFlagsAtDefaultDoNotHide(t *testing.T) {
	f, _ := load(t, "profiles:\n  p:\n    timeout: 10s\n    rate: 3\n")
	environ := env(map[string]string{"AUTHGEAR_AUDIT_MAX_RETRIES": "7", "AUTHGEAR_AUDIT_INSECURE_HTTP": "true"})
	resolve := func(args ...string) *Connection {
		t.Helper()
		fl := ReadFlags(newFlags(t, args...))
		c, err := Resolve(f, Inputs{Flags: fl.Settings, Profile: fl.Profile, Getenv: environ})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := resolve("--profile", "p")
	if c.Timeout != 10*time.Second || c.Rate != 3 || c.MaxRetries != 7 || !c.InsecureHTTP {
		t.Errorf("at defaults: timeout %v rate %v retries %d insecure %v", c.Timeout, c.Rate, c.MaxRetries, c.InsecureHTTP)
	}
	for _, k := range []string{KeyTimeout, KeyRate} {
		if c.Source(k) != SourceProfile {
			t.Errorf("%s from %q, want the profile", k, c.Source(k))
		}
	}
	for _, k := range []string{KeyMaxRetries, KeyInsecureHTTP} {
		if c.Source(k) != SourceEnv {
			t.Errorf("%s from %q, want the environment", k, c.Source(k))
		}
	}
	c = resolve("--profile", "p", "--timeout", "30s", "--rate", "0", "--max-retries", "5", "--insecure-http=false")
	if c.Timeout != DefaultTimeout || c.Rate != 0 || c.MaxRetries != DefaultMaxRetries || c.InsecureHTTP {
		t.Errorf("given: timeout %v rate %v retries %d insecure %v", c.Timeout, c.Rate, c.MaxRetries, c.InsecureHTTP)
	}
	for _, k := range []string{KeyTimeout, KeyRate, KeyMaxRetries, KeyInsecureHTTP} {
		if c.Source(k) != SourceFlag {
			t.Errorf("%s from %q, want the flag", k, c.Source(k))
		}
	}
}
