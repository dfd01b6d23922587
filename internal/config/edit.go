package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// Profile is what `config add` writes for a profile. It names files that
// hold secrets; it never holds a secret.
type Profile struct {
	Project   string `yaml:"project,omitempty"`
	Endpoint  string `yaml:"endpoint,omitempty"`
	KeyID     string `yaml:"key_id,omitempty"`
	KeyFile   string `yaml:"key_file,omitempty"`
	TokenFile string `yaml:"token_file,omitempty"`
	CAFile    string `yaml:"ca_file,omitempty"`
}

var profileName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// CheckProfileName accepts lowercase letters, digits, "-" and "_": the
// config file is read case-insensitively and splits keys on dots.
func CheckProfileName(name string) error {
	if !profileName.MatchString(name) {
		return errorf("invalid profile name %q: use lowercase letters, digits, - and _ (at most 63)", name)
	}
	return nil
}

// AddProfile writes profile name into the config file at path, creating the
// file (mode 0600) and its directory (0700) when needed and keeping the
// other profiles, settings and comments. An existing profile is replaced
// only with replace; makeDefault also sets default_profile.
func AddProfile(path, name string, p Profile, replace, makeDefault bool) error {
	if err := CheckProfileName(name); err != nil {
		return err
	}
	return edit(path, func(root *yaml.Node) error {
		profiles, err := mappingValue(root, "profiles", true, path)
		if err != nil {
			return err
		}
		// "profiles: {}" would stay on one line as it grows.
		profiles.Style &^= yaml.FlowStyle
		var node yaml.Node
		if err := node.Encode(p); err != nil {
			return fmt.Errorf("encode profile %s: %w", name, err)
		}
		if i := keyIndex(profiles, name); i >= 0 {
			if !replace {
				return errorf("profile %q already exists in %s: pass --force to replace it", name, path)
			}
			profiles.Content[i+1] = &node
		} else {
			profiles.Content = append(profiles.Content, scalar(name), &node)
		}
		if makeDefault {
			setScalar(root, "default_profile", name)
		}
		return nil
	})
}

// UseProfile sets default_profile to name, which must exist.
func UseProfile(path, name string) error {
	return edit(path, func(root *yaml.Node) error {
		if err := mustHaveProfile(root, path, name); err != nil {
			return err
		}
		setScalar(root, "default_profile", name)
		return nil
	})
}

// RemoveProfile deletes profile name, and default_profile when it named
// that profile (wasDefault tells).
func RemoveProfile(path, name string) (wasDefault bool, err error) {
	err = edit(path, func(root *yaml.Node) error {
		if err := mustHaveProfile(root, path, name); err != nil {
			return err
		}
		profiles, _ := mappingValue(root, "profiles", false, path)
		i := keyIndex(profiles, name)
		profiles.Content = append(profiles.Content[:i], profiles.Content[i+2:]...)
		if j := keyIndex(root, "default_profile"); j >= 0 && strings.EqualFold(root.Content[j+1].Value, name) {
			root.Content = append(root.Content[:j], root.Content[j+2:]...)
			wasDefault = true
		}
		return nil
	})
	return wasDefault, err
}

func mustHaveProfile(root *yaml.Node, path, name string) error {
	profiles, err := mappingValue(root, "profiles", false, path)
	if err != nil {
		return err
	}
	if profiles == nil || keyIndex(profiles, name) < 0 {
		var names []string
		if profiles != nil {
			for i := 0; i+1 < len(profiles.Content); i += 2 {
				names = append(names, profiles.Content[i].Value)
			}
		}
		if len(names) == 0 {
			return errorf("no profile %q in %s: it has no profiles (add one with `authgear-audit config add`)", name, path)
		}
		return errorf("no profile %q in %s; the profiles are: %s", name, path, strings.Join(names, ", "))
	}
	return nil
}

// edit reads the YAML document at path (an absent or empty file is an empty
// mapping), lets fn change it, and writes it back atomically with mode 0600.
func edit(path string, fn func(root *yaml.Node) error) error {
	if path == "" {
		return errorf("no config file location: set HOME or XDG_CONFIG_HOME, or pass --config")
	}
	// Write through a symlink (a config kept with other dotfiles) rather
	// than replacing it with a file.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read config file: %w", err)
	}
	var doc yaml.Node
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return errorf("config file %s: %s", path, yamlError(err))
		}
	}
	if doc.Kind != yaml.DocumentNode {
		doc = yaml.Node{Kind: yaml.DocumentNode}
	}
	if len(doc.Content) == 0 {
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return errorf("config file %s: the top level must be a mapping (default_profile, profiles)", path)
	}
	// Names that differ only in case make "which profile" ambiguous:
	// refuse to edit rather than change the wrong one.
	if i := keyIndex(root, "profiles"); i >= 0 && root.Content[i+1].Kind == yaml.MappingNode {
		if _, err := caseUniqueNames(path, root.Content[i+1]); err != nil {
			return err
		}
	}
	if err := fn(root); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("encode config file %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode config file %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	if err := safefile.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write config file %s: %w", path, err)
	}
	return nil
}

// keyIndex is the index of key in a mapping node's Content, or -1. Keys
// compare without case, as the reader compares them.
func keyIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			return i
		}
	}
	return -1
}

// mappingValue returns the mapping under key, creating it when create is
// set (nil when absent otherwise). A null value counts as absent.
func mappingValue(m *yaml.Node, key string, create bool, path string) (*yaml.Node, error) {
	if i := keyIndex(m, key); i >= 0 {
		v := m.Content[i+1]
		switch {
		case v.Kind == yaml.MappingNode:
			return v, nil
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			if !create {
				return nil, nil
			}
			nv := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content[i+1] = nv
			return nv, nil
		}
		return nil, errorf("config file %s: %s must be a mapping", path, key)
	}
	if !create {
		return nil, nil
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, scalar(key), v)
	return v, nil
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// setScalar sets key to a string value, first in the mapping when new.
func setScalar(m *yaml.Node, key, value string) {
	if i := keyIndex(m, key); i >= 0 {
		m.Content[i+1] = scalar(value)
		return
	}
	m.Content = append([]*yaml.Node{scalar(key), scalar(value)}, m.Content...)
}
