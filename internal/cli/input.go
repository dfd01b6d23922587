package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/authgear-audit/authgear-audit/internal/archive"
)

// inputs checks the --input values of search, count and verify and
// expands them (archive.Expand): "-" is stdin, a folder is its export
// files. A missing file, stdin named twice and a folder without export
// files are bad usage, found before anything is written.
func (a *App) inputs(values []string) ([]archive.Input, error) {
	stdin := 0
	for _, v := range values {
		if v == archive.Stdin {
			if stdin++; stdin > 1 {
				return nil, usageError(errors.New("--input - is given twice: standard input can be read only once"))
			}
			continue
		}
		if _, err := checkInput(v); err != nil {
			return nil, err
		}
	}
	ins, err := archive.Expand(values, a.IO.In)
	if errors.Is(err, archive.ErrNoExportFiles) {
		return nil, usageError(fmt.Errorf("--input %w", err))
	}
	return ins, err
}

// checkInput refuses an --input that is not there: bad usage, the same in
// search, count and verify.
func checkInput(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageError(fmt.Errorf("--input %s: no such file or folder", path))
	case err != nil:
		return nil, usageError(fmt.Errorf("--input: %w", err))
	}
	return fi, nil
}

// inputNames is how a report names the inputs: their values, stdin for -.
func inputNames(values []string) string {
	s := ""
	for i, v := range values {
		if i > 0 {
			s += ", "
		}
		if v == archive.Stdin {
			v = "stdin"
		}
		s += v
	}
	return s
}
