// Package config resolves how to reach the Admin API: command-line flags win,
// then AUTHGEAR_AUDIT_* environment variables, then a named profile of the
// config file, then defaults. It also edits the config file for the `config`
// command. Each run builds its own viper instance to read the file; nothing
// is global. The environment is read through the caller's getenv rather
// than viper's binding, which reads only the process environment, so that
// tests are hermetic; and the precedence is the settings table's own
// (settings.go), which keeps where each value came from for messages and
// `config show`.
//
// The config file is YAML:
//
//	default_profile: prod
//	profiles:
//	  prod:
//	    project: myapp
//	    endpoint: https://myapp.authgear.cloud/_api/admin/graphql   # optional
//	    key_id: 0f1e2d...
//	    key_file: ~/.config/authgear-audit/prod.pem
//	    timeout: 30s
//	    max_retries: 5
//	    rate: 0
//
// It holds paths to secrets (key_file, token_file), never secrets.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts the name of every environment variable we read.
const EnvPrefix = "AUTHGEAR_AUDIT_"

// maxConfigSize bounds the config file; a larger one is not ours.
const maxConfigSize = 1 << 20

// Error is a problem with something the user gave: a value, a profile name,
// a config file that does not parse. The command line reports it as bad usage
// (exit 2). Other errors (a config file that cannot be written) are failures.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func errorf(format string, args ...any) error { return &Error{msg: fmt.Sprintf(format, args...)} }

// IsUserError reports whether err is (or wraps) an *Error.
func IsUserError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Locate returns the config file to use and whether the user named it (with
// --config, given here as flag, or AUTHGEAR_AUDIT_CONFIG). Otherwise it is
// $XDG_CONFIG_HOME/authgear-audit/config.yaml, else
// ~/.config/authgear-audit/config.yaml; "" when neither HOME nor
// XDG_CONFIG_HOME is known.
func Locate(flag string, getenv func(string) string) (path string, explicit bool) {
	if flag != "" {
		return ExpandHome(flag, getenv), true
	}
	if p := getenv(EnvConfig); p != "" {
		return ExpandHome(p, getenv), true
	}
	// The XDG spec says a relative XDG_CONFIG_HOME is to be ignored.
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "authgear-audit", "config.yaml"), false
	}
	if h := home(getenv); h != "" {
		return filepath.Join(h, ".config", "authgear-audit", "config.yaml"), false
	}
	return "", false
}

// home is the user's home directory from the environment, "" if unknown.
func home(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	return getenv("USERPROFILE")
}

// ExpandHome replaces a leading "~" or "~/" with the home directory
// (HOME, else USERPROFILE, from getenv).
func ExpandHome(p string, getenv func(string) string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, `~\`) {
		return p
	}
	h := home(getenv)
	if h == "" {
		return p
	}
	return filepath.Join(h, p[1:])
}

// File is the config file as read: its profiles with their raw values.
type File struct {
	// Path is where the file is (or would be); "" when no location is known.
	Path string
	// Exists is false when there is no file at Path (not an error unless the
	// user named the file).
	Exists         bool
	DefaultProfile string
	// Profiles maps a profile name to its settings, by key (see Keys).
	// Unknown keys are not here; Load warns about them.
	Profiles map[string]map[string]any
}

// Lookup finds a profile by name: as written, else in another case (the
// file is read without case, as viper reads it, and Load refuses names
// that differ only in case). It returns the name as the file writes it.
func (f *File) Lookup(name string) (string, bool) {
	if _, ok := f.Profiles[name]; ok {
		return name, true
	}
	for n := range f.Profiles {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// IsDefault reports whether name is the file's default profile.
func (f *File) IsDefault(name string) bool {
	return f.DefaultProfile != "" && strings.EqualFold(name, f.DefaultProfile)
}

// Names are the profile names, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load reads the config file at path. A missing file is an empty File
// unless explicit (the user named it), when it is an error. Unknown keys are
// reported through warn, one line each; an invalid file is an error naming
// the file and, where the YAML parser knows it, the line.
func Load(path string, explicit bool, warn func(string)) (*File, error) {
	f := &File{Path: path, Profiles: map[string]map[string]any{}}
	if path == "" {
		return f, nil
	}
	data, err := readConfig(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if explicit {
				return nil, errorf("config file %s does not exist (create it with `authgear-audit config add`)", path)
			}
			return f, nil
		}
		return nil, err
	}
	f.Exists = true
	// viper parses the file; the decoder sees that one parse and keeps
	// the profile names as written, which viper lowercases.
	dec := &fileDecoder{path: path}
	v := viper.NewWithOptions(viper.WithDecoderRegistry(dec))
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		var pe viper.ConfigParseError
		if errors.As(err, &pe) && pe.Unwrap() != nil {
			err = pe.Unwrap()
		}
		return nil, errorf("config file %s: %s", path, yamlError(err))
	}
	base := filepath.Base(path)
	for _, k := range topKeys(v) {
		switch k {
		case "default_profile", "profiles":
		default:
			warnUnknown(warn, base, k, k, []string{"default_profile", "profiles"})
		}
	}
	if raw := v.Get("default_profile"); raw != nil {
		s, ok := raw.(string)
		if !ok {
			return nil, errorf("config file %s: default_profile must be a profile name, not %v", path, raw)
		}
		f.DefaultProfile = s
	}
	switch profiles := v.Get("profiles").(type) {
	case nil:
	case map[string]any:
		// viper lowercases keys; the names come back as the file writes
		// them, and two that differ only in case would have been merged.
		if dec.caseErr != nil {
			return nil, dec.caseErr
		}
		written := dec.names
		for name, raw := range profiles {
			if w, ok := written[name]; ok {
				name = w
			}
			settings, err := profileSettings(path, base, name, raw, warn)
			if err != nil {
				return nil, err
			}
			f.Profiles[name] = settings
		}
	default:
		return nil, errorf("config file %s: profiles must be a mapping of profile names to settings", path)
	}
	return f, nil
}

// fileDecoder is viper's YAML decoder for one config file. It decodes as
// viper's own does, and notes from the same parse what viper drops: the
// profile names as the file writes them.
type fileDecoder struct {
	path string
	// names maps the lowercased name of each profile to the name as
	// written. caseErr is set when two differ only in case: they are one
	// profile to viper, and one of them would be lost without a word.
	names   map[string]string
	caseErr error
}

// Decoder makes fileDecoder viper's decoder of every format; Load asks
// only for YAML.
func (d *fileDecoder) Decoder(string) (viper.Decoder, error) { return d, nil }

func (d *fileDecoder) Decode(b []byte, m map[string]any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return err
	}
	if len(doc.Content) == 0 {
		return nil // empty, or comments only
	}
	if root := doc.Content[0]; root.Kind == yaml.MappingNode {
		if i := keyIndex(root, "profiles"); i >= 0 && root.Content[i+1].Kind == yaml.MappingNode {
			d.names, d.caseErr = caseUniqueNames(d.path, root.Content[i+1])
		}
	}
	return doc.Decode(&m)
}

// caseUniqueNames maps the lowercased keys of a mapping node to the keys as
// written, refusing two that differ only in case.
func caseUniqueNames(path string, m *yaml.Node) (map[string]string, error) {
	names := map[string]string{}
	for j := 0; j+1 < len(m.Content); j += 2 {
		name := m.Content[j].Value
		low := strings.ToLower(name)
		if prev, dup := names[low]; dup {
			return nil, errorf("config file %s: profiles %q and %q differ only in case, and profile names are read without case: rename or remove one of them", path, prev, name)
		}
		names[low] = name
	}
	return names, nil
}

// yamlError is a YAML parser's error on one line: "line 3: did not find
// expected key".
func yamlError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:")
	msg = strings.Join(strings.Fields(msg), " ")
	for _, t := range []string{"map[string]interface {}", "map[string]any"} {
		msg = strings.ReplaceAll(msg, "cannot unmarshal !!seq into "+t, "want a mapping (default_profile, profiles), not a list")
		msg = strings.ReplaceAll(msg, "cannot unmarshal !!str into "+t, "want a mapping (default_profile, profiles), not a string")
	}
	return msg
}

func readConfig(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read config file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config file %s: %w", path, err)
	}
	if len(data) > maxConfigSize {
		return nil, errorf("config file %s is larger than %d bytes: not a config file", path, maxConfigSize)
	}
	return data, nil
}

// topKeys are the top-level keys of the file (viper flattens nested keys
// with dots; the first part is the top-level key).
func topKeys(v *viper.Viper) []string {
	seen := map[string]bool{}
	var keys []string
	for _, k := range v.AllKeys() {
		top, _, _ := strings.Cut(k, ".")
		if !seen[top] {
			seen[top] = true
			keys = append(keys, top)
		}
	}
	sort.Strings(keys)
	return keys
}

// profileSettings checks one profile's raw map and keeps the known keys.
func profileSettings(path, base, name string, raw any, warn func(string)) (map[string]any, error) {
	settings := map[string]any{}
	if raw == nil {
		return settings, nil // an empty profile
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, errorf("config file %s: profiles.%s must be a mapping of settings (project, key_id, key_file, ...)", path, name)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		full := "profiles." + name + "." + k
		switch {
		case k == KeyToken:
			if warn != nil {
				warn(fmt.Sprintf("%s: key %q is not used: tokens are never read from the config file; use token_file or AUTHGEAR_AUDIT_TOKEN", base, full))
			}
		case isFileKey(k):
			settings[k] = m[k]
		default:
			warnUnknown(warn, base, full, k, fileKeys())
		}
	}
	return settings, nil
}

func warnUnknown(warn func(string), base, full, key string, known []string) {
	if warn == nil {
		return
	}
	msg := fmt.Sprintf("%s: unknown key %q", base, full)
	if s := suggest(key, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	warn(msg)
}

// suggest returns the known name nearest to s, if it is near enough.
func suggest(s string, known []string) string {
	norm := func(x string) string {
		return strings.NewReplacer("_", "", "-", "", ".", "").Replace(strings.ToLower(x))
	}
	best, bestD := "", 3
	for _, k := range known {
		if norm(k) == norm(s) {
			return k
		}
		if d := editDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
