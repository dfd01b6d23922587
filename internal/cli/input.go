package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// checkInput refuses an --input that is not there, or that is a directory
// where a file is needed (dirOK false): bad usage, found before anything
// is written, the same in search, count and verify.
func checkInput(path string, dirOK bool) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageError(fmt.Errorf("--input %s: no such file", path))
	case err != nil:
		return nil, usageError(fmt.Errorf("--input: %w", err))
	case fi.IsDir() && !dirOK:
		return nil, usageError(fmt.Errorf("--input %s is a directory: give an export file (jsonl or csv, .gz too)", path))
	}
	return fi, nil
}
