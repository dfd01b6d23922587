// Package readback reads earlier exports back as events, so that search,
// count and verify can work on files with no API at all: the inputs
// (files, the export files of a folder, standard input, the objects of an
// archive), read one after another through internal/codec, and search
// over them with the same filters as the API.
package readback

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/codec"
)

// Stdin is the --input value that means standard input.
const Stdin = "-"

// manifestName is the manifest of an export folder, as internal/incremental
// writes it (incremental.ManifestName; incremental reads archives back
// through this package, so this one cannot import it).
const manifestName = "manifest.json"

// ErrNoExportFiles says that a folder holds neither a manifest nor any
// export file.
var ErrNoExportFiles = errors.New("no export files")

// Input is one file to read: a path, an object of an archive's bucket, or
// standard input.
type Input struct {
	// Name is how messages name it: the path, the object's location, or
	// "stdin".
	Name string
	path string    // "" for standard input and objects
	r    io.Reader // standard input
	// open opens an object's bytes, streaming; nil for files and stdin.
	open func() (io.ReadCloser, error)
}

// Object is the input that reads what open opens: an object of an
// archive's bucket, read as a stream when its turn comes.
func Object(name string, open func() (io.ReadCloser, error)) Input {
	return Input{Name: name, open: open}
}

// Files returns the inputs that read these paths, in order.
func Files(paths ...string) []Input {
	ins := make([]Input, len(paths))
	for i, p := range paths {
		ins[i] = Input{Name: p, path: p}
	}
	return ins
}

// IsStdin reports whether in reads standard input.
func (in Input) IsStdin() bool { return in.path == "" && in.open == nil }

// Expand turns --input values into the files to read, in order: "-" is
// stdin (once at most: it can be read only once), a folder is its export
// files (see DirFiles), anything else is a file.
func Expand(values []string, stdin io.Reader) ([]Input, error) {
	var ins []Input
	seenStdin := false
	for _, v := range values {
		if v == Stdin {
			if seenStdin {
				return nil, errors.New("--input - is given twice: standard input can be read only once")
			}
			seenStdin = true
			ins = append(ins, Input{Name: "stdin", r: stdin})
			continue
		}
		fi, err := os.Stat(v)
		if err != nil {
			return nil, fmt.Errorf("--input: %w", err)
		}
		if !fi.IsDir() {
			ins = append(ins, Input{Name: v, path: v})
			continue
		}
		files, err := DirFiles(v)
		if err != nil {
			return nil, err
		}
		ins = append(ins, Files(files...)...)
	}
	return ins, nil
}

// DirFiles lists the data files of an export folder in the order to read
// them: the files its manifest lists, oldest range first; without a
// manifest, every *.jsonl and *.csv (each also .gz) and *.parquet, in
// the folder and in its Hive partitions dt=YYYY-MM-DD/, in name order,
// which for the files of export --out-dir is time order. Hidden files and
// other subfolders are left out. A folder with neither a manifest nor such
// files is ErrNoExportFiles.
func DirFiles(dir string) ([]string, error) {
	files, ok, err := manifestFiles(dir)
	if err != nil || ok {
		return files, err
	}
	files, err = exportFilesIn(dir, true)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w: it has no %s and no *.jsonl, *.csv (.gz too) or *.parquet files", dir, ErrNoExportFiles, manifestName)
	}
	sort.Strings(files)
	return files, nil
}

// exportFilesIn lists the export files of dir and, with partitions, of
// its dt=*/ subfolders.
func exportFilesIn(dir string, partitions bool) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var files []string
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if de.IsDir() && partitions && strings.HasPrefix(name, "dt=") {
			more, err := exportFilesIn(filepath.Join(dir, name), false)
			if err != nil {
				return nil, err
			}
			files = append(files, more...)
			continue
		}
		if !de.Type().IsRegular() && de.Type()&os.ModeSymlink == 0 {
			continue
		}
		if isExportName(name) {
			files = append(files, filepath.Join(dir, name))
		}
	}
	return files, nil
}

// isExportName reports whether a file name is that of a JSON lines or CSV
// export, compressed or not, or of a Parquet archive file.
func isExportName(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(n, ".jsonl") || strings.HasSuffix(n, ".csv") || strings.HasSuffix(name, ".parquet")
}

// manifestFiles reads the file list of dir's manifest: ok is false when
// there is no manifest.
func manifestFiles(dir string) (files []string, ok bool, err error) {
	path := filepath.Join(dir, manifestName)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read manifest %s: %w", path, err)
	}
	var m struct {
		Files []struct {
			Name string    `json:"name"`
			From time.Time `json:"from"`
		} `json:"files"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false, fmt.Errorf("manifest %s is not valid JSON: %v", path, err)
	}
	sort.SliceStable(m.Files, func(i, j int) bool {
		a, b := m.Files[i], m.Files[j]
		if !a.From.Equal(b.From) {
			return a.From.Before(b.From)
		}
		return a.Name < b.Name
	})
	files = make([]string, 0, len(m.Files))
	for _, f := range m.Files {
		if f.Name == "" || f.Name != filepath.Base(f.Name) || f.Name == "." || f.Name == ".." {
			return nil, false, fmt.Errorf("manifest %s lists %q, which is not a file name inside the folder", path, f.Name)
		}
		files = append(files, filepath.Join(dir, f.Name))
	}
	return files, true, nil
}

// Open opens the input for reading events. Errors name it by Name.
func (in Input) Open() (*codec.Reader, error) {
	if in.IsStdin() {
		return codec.NewReader(in.Name, in.r)
	}
	f, err := in.OpenRaw()
	if err != nil {
		return nil, fmt.Errorf("open input file: %w", err)
	}
	return codec.NewReadCloser(in.Name, f)
}

// OpenRaw opens the input's bytes, for checks that read them as they are
// (a checksum). Closing standard input's reader leaves stdin open.
func (in Input) OpenRaw() (io.ReadCloser, error) {
	switch {
	case in.open != nil:
		return in.open()
	case in.IsStdin():
		return io.NopCloser(in.r), nil
	}
	return os.Open(in.path)
}

// replayable returns inputs that can be read twice: standard input is
// copied to a temporary file (mode 0600), which cleanup removes.
func replayable(ins []Input) ([]Input, func(), error) {
	cleanup := func() {}
	out := make([]Input, len(ins))
	copy(out, ins)
	for i, in := range out {
		if !in.IsStdin() {
			continue
		}
		f, err := os.CreateTemp("", ".authgear-audit-stdin-*")
		if err != nil {
			return nil, cleanup, fmt.Errorf("keep stdin for a second reading: %w", err)
		}
		name := f.Name()
		cleanup = func() { os.Remove(name) }
		_, err = io.Copy(f, in.r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			cleanup()
			return nil, func() {}, fmt.Errorf("keep stdin for a second reading: %w", err)
		}
		out[i] = Input{Name: in.Name, path: name}
	}
	return out, cleanup, nil
}
