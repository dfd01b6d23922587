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

	for _, s := range settings {
		v, src, err := r.resolve(s)
		if err != nil {
			return nil, err
		}
		if src != SourceNone {
			s.set(c, v)
			c.Sources[s.Key] = src
		}
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
	name, src, from := flag, SourceFlag, "--"+FlagProfile
	if name == "" {
		name, src, from = getenv(EnvProfile), SourceEnv, EnvProfile
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

// lookup returns the raw value of s from the strongest source that has one.
func (r *resolver) lookup(s Setting) (any, Source) {
	if v, ok := r.in.Flags[s.Key]; ok {
		return v, SourceFlag
	}
	if v := r.getenv(s.Env); v != "" {
		return v, SourceEnv
	}
	if r.profile != "" && s.InProfile {
		if v, ok := r.file.Profiles[r.profile][s.Key]; ok && v != nil {
			return v, SourceProfile
		}
	}
	return nil, SourceNone
}

// resolve is the value of s, of its Kind's Go type, and its source:
// SourceDefault when no source gives one, SourceNone for an unset string.
func (r *resolver) resolve(s Setting) (any, Source, error) {
	switch s.Kind {
	case KindString:
		return r.str(s)
	case KindBool:
		return r.boolean(s)
	case KindDuration:
		return r.duration(s)
	case KindInt:
		return r.integer(s)
	case KindFloat:
		return r.float(s)
	}
	panic(fmt.Sprintf("config: setting %s has kind %d", s.Key, s.Kind))
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

func (r *resolver) str(s Setting) (any, Source, error) {
	key := s.Key
	raw, src := r.lookup(s)
	if src == SourceNone {
		return "", src, nil
	}
	var v string
	switch raw := raw.(type) {
	case string:
		v = raw
	case int, int64, float64, bool:
		v = fmt.Sprint(raw)
	default:
		return "", src, errorf("invalid %s: want a single value, not a list or mapping", r.origin(key, src))
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", SourceNone, nil
	}
	if s.Path && !(key == KeyTokenFile && v == "-") {
		v = ExpandHome(v, r.getenv)
		if src == SourceProfile && !filepath.IsAbs(v) {
			// Paths in the file are relative to the file, not to the
			// directory the command runs in.
			v = filepath.Join(filepath.Dir(r.file.Path), v)
		}
	}
	return v, src, nil
}

func (r *resolver) boolean(s Setting) (any, Source, error) {
	key := s.Key
	raw, src := r.lookup(s)
	switch v := raw.(type) {
	case nil:
		return s.Default.(bool), SourceDefault, nil
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

func (r *resolver) duration(s Setting) (any, Source, error) {
	key := s.Key
	raw, src := r.lookup(s)
	var d time.Duration
	switch v := raw.(type) {
	case nil:
		return s.Default.(time.Duration), SourceDefault, nil
	case string:
		var err error
		d, err = time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return nil, src, r.invalid(key, src, v, "want a duration such as 30s or 2m")
		}
	case int, int64, float64:
		return nil, src, r.invalid(key, src, v, "want a duration with a unit, such as 30s or 2m")
	default:
		return nil, src, r.invalid(key, src, v, "want a duration such as 30s or 2m")
	}
	if d <= 0 {
		return nil, src, r.invalid(key, src, raw, "must be more than 0, such as 30s")
	}
	return d, src, nil
}

func (r *resolver) integer(s Setting) (any, Source, error) {
	key := s.Key
	raw, src := r.lookup(s)
	want := fmt.Sprintf("want a whole number from %d to %d", s.lo, s.hi)
	var n int
	switch v := raw.(type) {
	case nil:
		return s.Default.(int), SourceDefault, nil
	case int:
		n = v
	case int64:
		n = int(v)
	case string:
		var err error
		n, err = strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, src, r.invalid(key, src, v, want)
		}
	default:
		return nil, src, r.invalid(key, src, v, want)
	}
	if n < s.lo || n > s.hi {
		return nil, src, r.invalid(key, src, raw, want)
	}
	return n, src, nil
}

func (r *resolver) float(s Setting) (any, Source, error) {
	key := s.Key
	raw, src := r.lookup(s)
	want := s.want
	if want == "" {
		want = "want a number, 0 or more"
	}
	var x float64
	switch v := raw.(type) {
	case nil:
		return s.Default.(float64), SourceDefault, nil
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
			return nil, src, r.invalid(key, src, v, want)
		}
	default:
		return nil, src, r.invalid(key, src, v, want)
	}
	if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, src, r.invalid(key, src, raw, want)
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
