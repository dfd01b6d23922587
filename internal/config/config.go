package config

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Setting keys: the names in the config file. The flag is "--" + the key
// with "-" for "_", the environment variable EnvPrefix + the key in capitals.
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

// Keys are all setting keys, in the order `config show` lists them.
func Keys() []string {
	return []string{KeyEndpoint, KeyProject, KeyKeyID, KeyKeyFile, KeyToken, KeyTokenFile,
		KeyCAFile, KeyInsecureHTTP, KeyTimeout, KeyMaxRetries, KeyRate}
}

// fileKeys are the keys a profile may hold.
func fileKeys() []string {
	var keys []string
	for _, k := range Keys() {
		if k != KeyToken {
			keys = append(keys, k)
		}
	}
	return keys
}

func isFileKey(k string) bool {
	for _, f := range fileKeys() {
		if f == k {
			return true
		}
	}
	return false
}

func isPathKey(k string) bool { return k == KeyKeyFile || k == KeyTokenFile || k == KeyCAFile }

// FlagName is the command-line flag of a key ("key_file" -> "key-file").
func FlagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// EnvName is the environment variable of a key ("key_file" ->
// "AUTHGEAR_AUDIT_KEY_FILE").
func EnvName(key string) string { return EnvPrefix + strings.ToUpper(key) }

// Source says where a setting's value came from.
type Source string

const (
	SourceNone    Source = ""
	SourceFlag    Source = "flag"
	SourceEnv     Source = "env"
	SourceProfile Source = "profile"
	SourceDefault Source = "default"
)

// rank orders the sources: a lower rank wins.
func (s Source) rank() int {
	switch s {
	case SourceFlag:
		return 0
	case SourceEnv:
		return 1
	case SourceProfile:
		return 2
	case SourceDefault:
		return 3
	}
	return 4
}

// Connection is how to reach the Admin API, resolved from every source.
// Only one kind of credential is kept: a token (Token, with TokenFile when it
// was read from a file) or a key (KeyID and KeyFile), whichever came from
// the stronger source.
type Connection struct {
	Endpoint string // "" means the default for Project
	Project  string
	KeyID    string
	KeyFile  string
	// Token is the bearer token itself. Never print it.
	Token        string
	TokenFile    string // where Token was read from ("-" for stdin)
	CAFile       string
	InsecureHTTP bool
	Timeout      time.Duration
	MaxRetries   int
	Rate         float64

	// Profile is the profile used, "" when none; ProfileSource says who chose it.
	Profile       string
	ProfileSource Source
	// File is the config file that was read ("" when there was none).
	File string
	// Sources maps each key that has a value to where the value came from.
	Sources map[string]Source
}

// Source is where the value of key came from (SourceNone when unset).
func (c *Connection) Source(key string) Source { return c.Sources[key] }

// Inputs are what Resolve reads besides the config file.
type Inputs struct {
	// Flags holds the values of the flags the user gave, by key (KeyTimeout:
	// "45s"), as the flag parser prints them. Flags left at their defaults
	// must not be here: they would hide the environment and the profile.
	Flags map[string]string
	// Profile is the --profile flag ("" when not given).
	Profile string
	Getenv  func(string) string
	// Stdin is read when the token file is "-"; not when StdinTTY, since a
	// terminal would wait for typing the user does not expect.
	Stdin    io.Reader
	StdinTTY bool
	// Warn receives one-line warnings; may be nil.
	Warn func(string)
}

// maxTokenSize bounds a token file; tokens are a few kilobytes at most.
const maxTokenSize = 64 << 10

// Resolve combines the flags, the environment, the profile and the defaults
// into a Connection, validating every value and naming the flag, variable
// or config key of a bad one. It reads the token file (or stdin) when a
// token file is the credential in use. It does not require a complete
// connection: a missing project or key is the caller's to report.
func Resolve(f *File, in Inputs) (*Connection, error) {
	if f == nil {
		f = &File{Profiles: map[string]map[string]any{}}
	}
	getenv := in.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	r := &resolver{file: f, in: in, getenv: getenv}
	c := &Connection{File: f.Path, Sources: map[string]Source{}}
	if !f.Exists {
		c.File = ""
	}
	name, src, err := SelectProfile(f, in.Profile, getenv)
	if err != nil {
		return nil, err
	}
	c.Profile, c.ProfileSource = name, src
	r.profile = name

	if in.Flags[KeyToken] != "" && in.Warn != nil {
		in.Warn("--token is visible to other users in ps; prefer --token-file or AUTHGEAR_AUDIT_TOKEN")
	}

	strs := []struct {
		key string
		dst *string
	}{
		{KeyEndpoint, &c.Endpoint}, {KeyProject, &c.Project}, {KeyKeyID, &c.KeyID},
		{KeyKeyFile, &c.KeyFile}, {KeyToken, &c.Token}, {KeyTokenFile, &c.TokenFile}, {KeyCAFile, &c.CAFile},
	}
	for _, s := range strs {
		v, src, err := r.str(s.key)
		if err != nil {
			return nil, err
		}
		if src != SourceNone {
			*s.dst = v
			c.Sources[s.key] = src
		}
	}
	if c.InsecureHTTP, c.Sources[KeyInsecureHTTP], err = r.boolean(KeyInsecureHTTP); err != nil {
		return nil, err
	}
	if c.Timeout, c.Sources[KeyTimeout], err = r.duration(KeyTimeout, DefaultTimeout); err != nil {
		return nil, err
	}
	if c.MaxRetries, c.Sources[KeyMaxRetries], err = r.integer(KeyMaxRetries, DefaultMaxRetries, 0, MaxMaxRetries); err != nil {
		return nil, err
	}
	if c.Rate, c.Sources[KeyRate], err = r.rate(KeyRate); err != nil {
		return nil, err
	}
	if err := c.pickCredential(r); err != nil {
		return nil, err
	}
	if c.TokenFile != "" {
		origin := r.origin(KeyTokenFile, c.Sources[KeyTokenFile])
		if c.TokenFile == "-" && in.StdinTTY {
			return nil, errorf("%s is - but stdin is a terminal: pipe the token in (e.g. from a secret store), or name a file", origin)
		}
		tok, err := readToken(c.TokenFile, in.Stdin, origin)
		if err != nil {
			return nil, err
		}
		c.Token = tok
		c.Sources[KeyToken] = c.Sources[KeyTokenFile]
	}
	for k, s := range c.Sources {
		if s == SourceNone {
			delete(c.Sources, k)
		}
	}
	return c, nil
}

// pickCredential keeps one credential: a token or a key, whichever comes
// from the stronger source. Both from the same source is ambiguous.
func (c *Connection) pickCredential(r *resolver) error {
	best := func(keys ...string) (Source, string) {
		var s Source
		var key string
		for _, k := range keys {
			if cs := c.Sources[k]; cs != SourceNone && (s == SourceNone || cs.rank() < s.rank()) {
				s, key = cs, k
			}
		}
		return s, key
	}
	if c.Sources[KeyToken] != SourceNone && c.Sources[KeyTokenFile] != SourceNone {
		ts, fs := c.Sources[KeyToken], c.Sources[KeyTokenFile]
		switch {
		case ts == fs:
			return errorf("both %s and %s are given: use one", r.origin(KeyToken, ts), r.origin(KeyTokenFile, fs))
		case ts.rank() < fs.rank():
			c.TokenFile = ""
			delete(c.Sources, KeyTokenFile)
		default:
			c.Token = ""
			delete(c.Sources, KeyToken)
		}
	}
	tokSrc, tokKey := best(KeyToken, KeyTokenFile)
	keySrc, keyKey := best(KeyKeyID, KeyKeyFile)
	if tokSrc == SourceNone || keySrc == SourceNone {
		return nil
	}
	switch {
	case tokSrc == keySrc:
		return errorf("both a token (%s) and a key (%s) are given: use one", r.origin(tokKey, tokSrc), r.origin(keyKey, keySrc))
	case tokSrc.rank() < keySrc.rank():
		c.KeyID, c.KeyFile = "", ""
		delete(c.Sources, KeyKeyID)
		delete(c.Sources, KeyKeyFile)
	default:
		c.Token, c.TokenFile = "", ""
		delete(c.Sources, KeyToken)
		delete(c.Sources, KeyTokenFile)
	}
	return nil
}

// SelectProfile picks the profile: --profile (flag), else
// AUTHGEAR_AUDIT_PROFILE, else the file's default_profile, else a profile
// named "default" if there is one, else none (""). A named profile that does
// not exist is an error listing the ones that do.
func SelectProfile(f *File, flag string, getenv func(string) string) (string, Source, error) {
	name, src, from := flag, SourceFlag, "--profile"
	if name == "" {
		name, src, from = getenv(EnvName("profile")), SourceEnv, EnvName("profile")
	}
	if name == "" {
		name, src, from = f.DefaultProfile, SourceProfile, "default_profile"
	}
	if name == "" {
		if n, ok := f.Lookup("default"); ok {
			return n, SourceDefault, nil
		}
		return "", SourceNone, nil
	}
	// viper reads keys case-insensitively: accept the name in any case.
	if n, ok := f.Lookup(name); ok {
		return n, src, nil
	}
	switch {
	case !f.Exists && f.Path != "":
		return "", SourceNone, errorf("no profile %q (%s): there is no config file at %s; create the profile with `authgear-audit config add %s --project ... --key-id ... --key-file ...`", name, from, f.Path, name)
	case !f.Exists:
		return "", SourceNone, errorf("no profile %q (%s): no config file (set HOME, XDG_CONFIG_HOME or --config)", name, from)
	case len(f.Profiles) == 0:
		return "", SourceNone, errorf("no profile %q (%s) in %s: it has no profiles yet (add one with `authgear-audit config add`)", name, from, f.Path)
	}
	return "", SourceNone, errorf("no profile %q (%s) in %s; the profiles are: %s", name, from, f.Path, strings.Join(f.Names(), ", "))
}

// resolver looks a key up in each source in turn.
type resolver struct {
	file    *File
	profile string
	in      Inputs
	getenv  func(string) string
}

// lookup returns the raw value of key from the strongest source that has one.
func (r *resolver) lookup(key string) (any, Source) {
	if v, ok := r.in.Flags[key]; ok {
		return v, SourceFlag
	}
	if v := r.getenv(EnvName(key)); v != "" {
		return v, SourceEnv
	}
	if r.profile != "" && key != KeyToken {
		if v, ok := r.file.Profiles[r.profile][key]; ok && v != nil {
			return v, SourceProfile
		}
	}
	return nil, SourceNone
}

// origin names where a value came from, for messages: "--timeout",
// "AUTHGEAR_AUDIT_TIMEOUT", "config.yaml: profiles.prod.timeout".
func (r *resolver) origin(key string, src Source) string {
	switch src {
	case SourceFlag:
		return "--" + FlagName(key)
	case SourceEnv:
		return EnvName(key)
	case SourceProfile:
		return fmt.Sprintf("%s in %s", "profiles."+r.profile+"."+key, filepath.Base(r.file.Path))
	}
	return key
}

func (r *resolver) invalid(key string, src Source, value any, why string) error {
	if src == SourceProfile {
		return errorf("%s: invalid %s %q: %s", filepath.Base(r.file.Path), "profiles."+r.profile+"."+key, fmt.Sprint(value), why)
	}
	return errorf("invalid %s %q: %s", r.origin(key, src), fmt.Sprint(value), why)
}

func (r *resolver) str(key string) (string, Source, error) {
	raw, src := r.lookup(key)
	if src == SourceNone {
		return "", src, nil
	}
	var s string
	switch v := raw.(type) {
	case string:
		s = v
	case int, int64, float64, bool:
		s = fmt.Sprint(v)
	default:
		return "", src, errorf("invalid %s: want a single value, not a list or mapping", r.origin(key, src))
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", SourceNone, nil
	}
	if isPathKey(key) && !(key == KeyTokenFile && s == "-") {
		s = ExpandHome(s, r.getenv)
		if src == SourceProfile && !filepath.IsAbs(s) {
			// Paths in the file are relative to the file, not to the
			// directory the command runs in.
			s = filepath.Join(filepath.Dir(r.file.Path), s)
		}
	}
	return s, src, nil
}

func (r *resolver) boolean(key string) (bool, Source, error) {
	raw, src := r.lookup(key)
	switch v := raw.(type) {
	case nil:
		return false, SourceDefault, nil
	case bool:
		return v, src, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return false, src, r.invalid(key, src, v, "want true or false")
		}
		return b, src, nil
	}
	return false, src, r.invalid(key, src, raw, "want true or false")
}

func (r *resolver) duration(key string, def time.Duration) (time.Duration, Source, error) {
	raw, src := r.lookup(key)
	var d time.Duration
	switch v := raw.(type) {
	case nil:
		return def, SourceDefault, nil
	case string:
		var err error
		d, err = time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return 0, src, r.invalid(key, src, v, "want a duration such as 30s or 2m")
		}
	case int, int64, float64:
		return 0, src, r.invalid(key, src, v, "want a duration with a unit, such as 30s or 2m")
	default:
		return 0, src, r.invalid(key, src, v, "want a duration such as 30s or 2m")
	}
	if d <= 0 {
		return 0, src, r.invalid(key, src, raw, "must be more than 0, such as 30s")
	}
	return d, src, nil
}

func (r *resolver) integer(key string, def, lo, hi int) (int, Source, error) {
	raw, src := r.lookup(key)
	var n int
	switch v := raw.(type) {
	case nil:
		return def, SourceDefault, nil
	case int:
		n = v
	case int64:
		n = int(v)
	case string:
		var err error
		n, err = strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, src, r.invalid(key, src, v, fmt.Sprintf("want a whole number from %d to %d", lo, hi))
		}
	default:
		return 0, src, r.invalid(key, src, v, fmt.Sprintf("want a whole number from %d to %d", lo, hi))
	}
	if n < lo || n > hi {
		return 0, src, r.invalid(key, src, raw, fmt.Sprintf("want a whole number from %d to %d", lo, hi))
	}
	return n, src, nil
}

func (r *resolver) rate(key string) (float64, Source, error) {
	raw, src := r.lookup(key)
	const want = "want requests per second, 0 or more (0: no limit)"
	var x float64
	switch v := raw.(type) {
	case nil:
		return 0, SourceDefault, nil
	case int:
		x = float64(v)
	case int64:
		x = float64(v)
	case float64:
		x = v
	case string:
		var err error
		x, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, src, r.invalid(key, src, v, want)
		}
	default:
		return 0, src, r.invalid(key, src, v, want)
	}
	if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, src, r.invalid(key, src, raw, want)
	}
	return x, src, nil
}

// readToken reads a bearer token from a file or, for "-", from stdin, and
// trims the space around it. The token never appears in an error.
func readToken(path string, stdin io.Reader, origin string) (string, error) {
	var (
		data []byte
		err  error
		name = path
	)
	if path == "-" {
		name = "stdin"
		if stdin == nil {
			return "", errorf("%s is - but there is no stdin to read the token from", origin)
		}
		data, err = io.ReadAll(io.LimitReader(stdin, maxTokenSize+1))
	} else {
		var fh *os.File
		fh, err = os.Open(path)
		if err != nil {
			return "", errorf("read token file (%s): %v", origin, err)
		}
		defer fh.Close()
		data, err = io.ReadAll(io.LimitReader(fh, maxTokenSize+1))
	}
	if err != nil {
		return "", errorf("read token from %s (%s): %v", name, origin, err)
	}
	if len(data) > maxTokenSize {
		return "", errorf("token in %s (%s) is larger than %d bytes: not a token", name, origin, maxTokenSize)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", errorf("no token in %s (%s): it is empty", name, origin)
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", errorf("token in %s (%s) holds spaces or several lines: want one bearer token", name, origin)
	}
	return tok, nil
}
