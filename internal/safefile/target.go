package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TargetError says that a path cannot be written as a file: it names a
// directory, or a special file that is neither a character device nor a
// FIFO. Nothing was written.
type TargetError struct {
	Path string
	What string // "a directory", "a socket", ...
}

func (e *TargetError) Error() string {
	if e.What == "a directory" {
		return fmt.Sprintf("%s is a directory: give the name of a file", e.Path)
	}
	return fmt.Sprintf("%s is %s, not a file this command can write: give the name of a file", e.Path, e.What)
}

// maxLinks bounds the symbolic links followed from one name, as the system
// does (ELOOP).
const maxLinks = 40

// target is how a path is written: the file that Commit replaces (a link's
// final target, or the path itself), or, through, the file that is opened
// and written in place.
type target struct {
	path    string
	through bool
}

// Check reports how Create would write path, without writing anything:
// through says the data goes straight into what is there (a device, a FIFO,
// an open descriptor), with no temporary file and no rename. A path that
// cannot be written is a *TargetError. A path that does not exist yet is
// fine: Create makes it.
func Check(path string) (through bool, err error) {
	t, err := inspect(path)
	return t.through, err
}

func inspect(path string) (target, error) {
	if _, base := filepath.Split(path); base == "" || base == "." || base == ".." {
		return target{}, fmt.Errorf("create %s: not a file name", path)
	}
	// Follow the links of the last element by hand, so that a link whose
	// target does not exist yet still gets its target created, and so that
	// a name for an open descriptor is caught before its link is read.
	p := path
	for range maxLinks {
		if namesDescriptor(p) {
			return inspectDescriptor(path, p)
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return target{path: p}, nil
		}
		if err != nil {
			return target{}, fmt.Errorf("create %s: %w", path, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return classify(path, p, fi)
		}
		to, err := os.Readlink(p)
		if err != nil {
			return target{}, fmt.Errorf("create %s: %w", path, err)
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(p), to)
		}
		p = to
	}
	return target{}, fmt.Errorf("create %s: too many levels of symbolic links", path)
}

// classify decides about an existing file that is not a link.
func classify(path, p string, fi fs.FileInfo) (target, error) {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return target{path: p}, nil
	case m.IsDir():
		return target{}, &TargetError{Path: path, What: "a directory"}
	case m&fs.ModeCharDevice != 0, m&fs.ModeNamedPipe != 0:
		return target{path: p, through: true}, nil
	case m&fs.ModeSocket != 0:
		return target{}, &TargetError{Path: path, What: "a socket"}
	case m&fs.ModeDevice != 0:
		return target{}, &TargetError{Path: path, What: "a block device"}
	}
	return target{}, &TargetError{Path: path, What: "a special file"}
}

// inspectDescriptor decides about a name for an open descriptor: it is
// written through, whatever it leads to (a pipe, a terminal, a file the
// shell redirected to), unless it leads to a directory.
func inspectDescriptor(path, p string) (target, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return target{}, fmt.Errorf("open %s: %w", path, err)
	}
	if fi.IsDir() {
		return target{}, &TargetError{Path: path, What: "a directory"}
	}
	return target{path: p, through: true}, nil
}

// namesDescriptor reports whether p is a name for an already open file
// descriptor: replacing the file behind it would take the file away from
// whoever opened it (a shell's redirection), so it is written in place.
func namesDescriptor(p string) bool {
	p = filepath.ToSlash(filepath.Clean(p))
	switch p {
	case "/dev/stdin", "/dev/stdout", "/dev/stderr":
		return true
	}
	for _, dir := range []string{"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"} {
		if strings.HasPrefix(p, dir) {
			return true
		}
	}
	return false
}
