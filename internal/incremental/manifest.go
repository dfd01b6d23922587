package incremental

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// ManifestName is the manifest's file name inside an --out-dir.
const ManifestName = "manifest.json"

// ManifestVersion is the version of the manifest format this code writes.
const ManifestVersion = 1

// fileTimeLayout is the time in data file names: UTC, no separators, so the
// names sort in time order and are safe on every file system.
const fileTimeLayout = "20060102T150405Z"

// FileName is the data file of a range in an --out-dir:
// audit-20261125T100000Z-20261125T110000Z.jsonl.gz for ext ".jsonl.gz".
func FileName(r Range, ext string) string {
	return "audit-" + r.From.UTC().Format(fileTimeLayout) + "-" + r.To.UTC().Format(fileTimeLayout) + ext
}

var fileNameRE = regexp.MustCompile(`^audit-(\d{8}T\d{6}Z)-(\d{8}T\d{6}Z)(\.[a-z]+(?:\.gz)?)$`)

// ParseFileName reads the range and extension back from a data file name.
func ParseFileName(name string) (Range, string, bool) {
	m := fileNameRE.FindStringSubmatch(name)
	if m == nil {
		return Range{}, "", false
	}
	from, err1 := time.Parse(fileTimeLayout, m[1])
	to, err2 := time.Parse(fileTimeLayout, m[2])
	if err1 != nil || err2 != nil {
		return Range{}, "", false
	}
	return Range{From: from, To: to}, m[3], true
}

// ManifestFile is one data file of an --out-dir.
type ManifestFile struct {
	Name        string    `json:"name"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Count       int64     `json:"count"`
	SHA256      string    `json:"sha256"`
	Bytes       int64     `json:"bytes"`
	Format      string    `json:"format"`
	Compression string    `json:"compression,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Range is the file's range.
func (f ManifestFile) Range() Range { return Range{From: f.From, To: f.To} }

// Manifest lists the data files of an --out-dir, ordered by range. It is
// rewritten atomically after each file is in place.
type Manifest struct {
	Version  int    `json:"version"`
	Endpoint string `json:"endpoint,omitempty"`
	Project  string `json:"project,omitempty"`
	// Filter is what every file holds; verify uses it when given no filter
	// flags.
	Filter Filter         `json:"filter"`
	Files  []ManifestFile `json:"files"`
}

// LoadManifest reads dir's manifest. A missing manifest is no error: it
// returns nil.
func LoadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestName)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("manifest %s is not valid JSON: %v", path, err)
	}
	if m.Version > ManifestVersion {
		return nil, fmt.Errorf("manifest %s has version %d, newer than this authgear-audit understands (%d): upgrade authgear-audit", path, m.Version, ManifestVersion)
	}
	m.sort()
	return &m, nil
}

func (m *Manifest) sort() {
	sort.SliceStable(m.Files, func(i, j int) bool {
		if !m.Files[i].From.Equal(m.Files[j].From) {
			return m.Files[i].From.Before(m.Files[j].From)
		}
		return m.Files[i].Name < m.Files[j].Name
	})
}

// Put records a file, replacing the entry of the same name (a redone range).
func (m *Manifest) Put(f ManifestFile) {
	for i := range m.Files {
		if m.Files[i].Name == f.Name {
			m.Files[i] = f
			return
		}
	}
	m.Files = append(m.Files, f)
	m.sort()
}

// Overlapping returns the files other than name whose ranges overlap r.
func (m *Manifest) Overlapping(r Range, name string) []ManifestFile {
	var out []ManifestFile
	for _, f := range m.Files {
		if f.Name != name && f.From.Before(r.To) && r.From.Before(f.To) {
			out = append(out, f)
		}
	}
	return out
}

// Save writes the manifest into dir atomically with mode perm.
func (m *Manifest) Save(dir string, perm os.FileMode) error {
	m.Version = ManifestVersion
	m.sort()
	if m.Files == nil {
		m.Files = []ManifestFile{}
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	raw = append(raw, '\n')
	if err := safefile.WriteFile(filepath.Join(dir, ManifestName), raw, perm); err != nil {
		return fmt.Errorf("save manifest: %w", err)
	}
	return nil
}

// IsDataFile reports whether a base name is a data file of an --out-dir.
func IsDataFile(name string) bool {
	_, _, ok := ParseFileName(name)
	return ok
}

// RemoveStaleTemps removes temporary files that a killed run left in dir
// (names from safefile that start with prefix, e.g. ".audit-"). Only call it
// while holding the state lock: no one else writes there then.
func RemoveStaleTemps(dir string, prefixes ...string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var removed []string
	for _, de := range des {
		name := de.Name()
		if !safefile.IsTemp(name) || !de.Type().IsRegular() {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				if err := os.Remove(filepath.Join(dir, name)); err == nil {
					removed = append(removed, name)
				}
				break
			}
		}
	}
	return removed, nil
}
