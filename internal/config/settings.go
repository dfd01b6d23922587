package config

import (
	"fmt"
	"strings"
	"time"
)

// Setting keys: the names in the config file, and the keys of
// Connection.Sources and Inputs.Flags.
const (
	KeyEndpoint     = "endpoint"
	KeyProject      = "project"
	KeyKeyID        = "key_id"
	KeyKeyFile      = "key_file"
	KeyToken        = "token" // flag and environment only: never in the file
	KeyTokenFile    = "token_file"
	KeyCAFile       = "ca_file"
	KeyInsecureHTTP = "insecure_http"
	KeyTimeout      = "timeout"
	KeyMaxRetries   = "max_retries"
	KeyRate         = "rate"
)

// Defaults of the settings that have one. The endpoint's default depends on
// the project and is the Admin API client's to give.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 5
	MaxMaxRetries     = 20
)

// Kind is the type of a setting's value.
type Kind int

const (
	KindString   Kind = iota // string; unset, it has no value and no source
	KindBool                 // bool
	KindDuration             // time.Duration, more than 0
	KindInt                  // int, within the setting's bounds
	KindFloat                // float64, 0 or more
)

// Setting is one connection setting. Each is declared once, in the table
// below; the flags, the resolution, the rows of `config show` and the
// profile's keys are all derived from it.
type Setting struct {
	Key  string // in a profile of the config file
	Flag string // the command-line flag, without "--"
	Env  string // the environment variable
	Kind Kind
	// Default is the value when no source gives one, and the flag's
	// default, of the Kind's Go type. A string setting has none ("").
	Default any
	Usage   string // the flag's help text
	// InProfile says a profile may hold the setting. A token may not: the
	// file names the files that hold secrets, never a secret.
	InProfile bool
	// Path says the value names a file: "~" is expanded, and a path in a
	// profile is relative to the config file.
	Path bool
	// Secret says the value is never shown, only whether it is set.
	Secret bool

	// lo and hi bound a KindInt; want says what an invalid value should
	// have been when the kind's own words are not enough.
	lo, hi int
	want   string
	// field is the Connection field that holds the resolved value, a
	// pointer of the Kind's Go type.
	field func(*Connection) any
}

// settings are the connection settings, in the order `config show` lists
// them and Resolve reads them (so the first invalid one is reported).
var settings = []Setting{
	{Key: KeyEndpoint, Flag: "endpoint", Env: "AUTHGEAR_AUDIT_ENDPOINT", Kind: KindString, Default: "",
		Usage: "Admin API GraphQL endpoint (default https://<project>.authgear.cloud/_api/admin/graphql)", InProfile: true,
		field: func(c *Connection) any { return &c.Endpoint }},
	{Key: KeyProject, Flag: "project", Env: "AUTHGEAR_AUDIT_PROJECT", Kind: KindString, Default: "",
		Usage: "project (app) ID, the token's audience", InProfile: true,
		field: func(c *Connection) any { return &c.Project }},
	{Key: KeyKeyID, Flag: "key-id", Env: "AUTHGEAR_AUDIT_KEY_ID", Kind: KindString, Default: "",
		Usage: "Admin API key ID", InProfile: true,
		field: func(c *Connection) any { return &c.KeyID }},
	{Key: KeyKeyFile, Flag: "key-file", Env: "AUTHGEAR_AUDIT_KEY_FILE", Kind: KindString, Default: "",
		Usage: "Admin API private key (PEM)", InProfile: true, Path: true,
		field: func(c *Connection) any { return &c.KeyFile }},
	{Key: KeyToken, Flag: "token", Env: "AUTHGEAR_AUDIT_TOKEN", Kind: KindString, Default: "",
		Usage: "a ready bearer token (visible in ps: prefer --token-file)", Secret: true,
		field: func(c *Connection) any { return &c.Token }},
	{Key: KeyTokenFile, Flag: "token-file", Env: "AUTHGEAR_AUDIT_TOKEN_FILE", Kind: KindString, Default: "",
		Usage: "read the bearer token from this file ('-' for stdin)", InProfile: true, Path: true,
		field: func(c *Connection) any { return &c.TokenFile }},
	{Key: KeyCAFile, Flag: "ca-file", Env: "AUTHGEAR_AUDIT_CA_FILE", Kind: KindString, Default: "",
		Usage: "trust this PEM CA bundle as well (self-hosted servers)", InProfile: true, Path: true,
		field: func(c *Connection) any { return &c.CAFile }},
	{Key: KeyInsecureHTTP, Flag: "insecure-http", Env: "AUTHGEAR_AUDIT_INSECURE_HTTP", Kind: KindBool, Default: false,
		Usage: "allow a plain http:// endpoint on a non-loopback host", InProfile: true,
		field: func(c *Connection) any { return &c.InsecureHTTP }},
	{Key: KeyTimeout, Flag: "timeout", Env: "AUTHGEAR_AUDIT_TIMEOUT", Kind: KindDuration, Default: DefaultTimeout,
		Usage: "timeout of each request", InProfile: true,
		field: func(c *Connection) any { return &c.Timeout }},
	{Key: KeyMaxRetries, Flag: "max-retries", Env: "AUTHGEAR_AUDIT_MAX_RETRIES", Kind: KindInt, Default: DefaultMaxRetries,
		Usage: "retries of a failed request", InProfile: true, lo: 0, hi: MaxMaxRetries,
		field: func(c *Connection) any { return &c.MaxRetries }},
	{Key: KeyRate, Flag: "rate", Env: "AUTHGEAR_AUDIT_RATE", Kind: KindFloat, Default: 0.0,
		Usage: "at most this many requests per second (0: no limit)", InProfile: true,
		want:  "want requests per second, 0 or more (0: no limit)",
		field: func(c *Connection) any { return &c.Rate }},
}

// Settings are the connection settings, in the order `config show` lists
// them.
func Settings() []Setting { return append([]Setting(nil), settings...) }

// setting is the table's entry for key.
func setting(key string) (Setting, bool) {
	for _, s := range settings {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

// fileKeys are the keys a profile may hold.
func fileKeys() []string {
	var keys []string
	for _, s := range settings {
		if s.InProfile {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

func isFileKey(k string) bool {
	s, ok := setting(k)
	return ok && s.InProfile
}

// FlagName is the command-line flag of a key ("key_file" -> "key-file").
// Keys outside the table follow the table's rule (FlagName("profile") is
// FlagProfile).
func FlagName(key string) string {
	if s, ok := setting(key); ok {
		return s.Flag
	}
	return strings.ReplaceAll(key, "_", "-")
}

// EnvName is the environment variable of a key ("key_file" ->
// "AUTHGEAR_AUDIT_KEY_FILE"). Keys outside the table follow the table's
// rule (EnvName("profile") is EnvProfile).
func EnvName(key string) string {
	if s, ok := setting(key); ok {
		return s.Env
	}
	return EnvPrefix + strings.ToUpper(key)
}

// value is the resolved value of s in c, of the Kind's Go type.
func (s Setting) value(c *Connection) any {
	switch p := s.field(c).(type) {
	case *string:
		return *p
	case *bool:
		return *p
	case *time.Duration:
		return *p
	case *int:
		return *p
	case *float64:
		return *p
	}
	panic(fmt.Sprintf("config: setting %s has a field of type %T", s.Key, s.field(c)))
}

// set stores v, of the Kind's Go type, in c.
func (s Setting) set(c *Connection, v any) {
	switch p := s.field(c).(type) {
	case *string:
		*p = v.(string)
	case *bool:
		*p = v.(bool)
	case *time.Duration:
		*p = v.(time.Duration)
	case *int:
		*p = v.(int)
	case *float64:
		*p = v.(float64)
	default:
		panic(fmt.Sprintf("config: setting %s has a field of type %T", s.Key, p))
	}
}
