// Package safefile writes a file so that a reader never sees half of it: the
// data goes to a temporary file beside the target, which is synced and
// renamed over the target only when the writer commits. An interrupted
// writer leaves the previous file untouched and removes its temporary file.
//
// What is not a regular file is never replaced: a character device or a
// FIFO (/dev/null, a named pipe), and a name for an open descriptor
// (/dev/stdout, /dev/fd/3), are written straight through, with no
// temporary file and no rename; a symbolic link stays a link, and its
// target is replaced atomically; a directory, a block device or a socket is
// refused with a *TargetError.
package safefile

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/klauspost/compress/gzip"
)

// DefaultPerm is the mode of a created file when the caller passes 0: audit
// logs hold personal data, so only the owner may read them.
const DefaultPerm os.FileMode = 0o600

// File is a file being written. Write, then Commit to put it in place, or
// Abort to throw it away. A File is not safe for concurrent use.
type File struct {
	path string    // the target as the caller named it
	dst  string    // the file replaced on Commit: path, or a link's target
	tmp  *os.File  // the temporary file beside dst, or dst itself when through
	thru bool      // written straight through: no temporary file, no rename
	sum  hash.Hash // SHA-256 of the bytes written to tmp; nil unless asked for
	size int64     // bytes written to tmp
	buf  *bufio.Writer
	gz   *gzip.Writer // nil unless the target ends in .gz
	w    io.Writer    // gz or buf
	done bool         // committed or aborted: Write fails, Abort is a no-op
	err  error        // the first write error
}

// Create starts writing path. The data goes to a temporary file with an
// unpredictable name (".<base>.tmp-<random>") in the same directory, so the
// final rename is atomic; its mode is perm (0 means DefaultPerm), set
// explicitly so the umask cannot widen or narrow it. A path ending in ".gz"
// is gzip-compressed. Sum reports only the size; CreateSummed also computes
// the SHA-256.
func Create(path string, perm os.FileMode) (*File, error) {
	return create(path, perm, false)
}

// CreateSummed is Create for a file whose SHA-256 the caller needs from Sum
// (for a manifest). Hashing costs CPU on every byte, so only callers that
// use the digest ask for it.
func CreateSummed(path string, perm os.FileMode) (*File, error) {
	return create(path, perm, true)
}

func create(path string, perm os.FileMode, summed bool) (*File, error) {
	if perm == 0 {
		perm = DefaultPerm
	}
	t, err := inspect(path)
	if err != nil {
		return nil, err
	}
	f := &File{path: path, dst: t.path, thru: t.through}
	if t.through {
		// Not ours to replace or to chmod: open what is there. O_APPEND
		// keeps what a shell already wrote to a redirected stdout.
		if f.tmp, err = os.OpenFile(t.path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	} else if f.tmp, err = createTemp(path, t.path, perm); err != nil {
		return nil, err
	}
	if summed {
		f.sum = sha256.New()
	}
	f.buf = bufio.NewWriterSize(fileWriter{f}, 256<<10)
	f.w = f.buf
	if strings.HasSuffix(path, ".gz") {
		f.gz = gzip.NewWriter(f.buf)
		f.w = f.gz
	}
	return f, nil
}

// createTemp makes the temporary file beside dst with mode perm.
func createTemp(path, dst string, perm os.FileMode) (*os.File, error) {
	dir, base := filepath.Split(dst)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := tmp.Chmod(perm.Perm()); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("create %s: set mode %#o: %w", path, perm.Perm(), err)
	}
	return tmp, nil
}

// fileWriter is what the buffer flushes into: the temporary file, with the
// bytes hashed and counted on their way, so the checksum is that of the file
// on disk (compressed, when it is compressed) without reading it again.
type fileWriter struct{ f *File }

func (w fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.tmp.Write(p)
	if w.f.sum != nil {
		w.f.sum.Write(p[:n])
	}
	w.f.size += int64(n)
	return n, err
}

// Sum returns the SHA-256 (hex) and the size of the file as written to disk.
// It is final after Commit. The digest is empty unless the file was made by
// CreateSummed.
func (f *File) Sum() (sha256Hex string, size int64) {
	if f.sum == nil {
		return "", f.size
	}
	return hex.EncodeToString(f.sum.Sum(nil)), f.size
}

// Path is the target the file will have after Commit.
func (f *File) Path() string { return f.path }

// TempName is the temporary file's path while the file is being written,
// "" when the target is written straight through.
func (f *File) TempName() string {
	if f.thru {
		return ""
	}
	return f.tmp.Name()
}

// Write writes p (compressed when the target ends in .gz). After the first
// error every later Write and the Commit fail with it.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, fmt.Errorf("write %s: %w", f.path, os.ErrClosed)
	}
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	if err != nil {
		f.err = fmt.Errorf("write %s: %w", f.path, err)
		return n, f.err
	}
	return n, nil
}

// Commit finishes the file: it flushes the compressor and the buffer, syncs
// the temporary file to disk, closes it, renames it over the target and
// syncs the directory so the rename survives a crash. On any failure the
// temporary file is removed and the target is left as it was. A target
// written straight through is flushed and closed.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("commit %s: %w", f.path, os.ErrClosed)
	}
	if err := f.commit(); err != nil {
		f.Abort()
		return err
	}
	f.done = true
	return nil
}

func (f *File) commit() error {
	if f.err != nil {
		return f.err
	}
	if f.gz != nil {
		if err := f.gz.Close(); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
	}
	if err := f.buf.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := f.tmp.Sync(); err != nil && !(f.thru && unsyncable(err)) {
		return fmt.Errorf("sync %s: %w", f.path, err)
	}
	if err := f.tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", f.path, err)
	}
	if f.thru {
		return nil
	}
	if err := os.Rename(f.tmp.Name(), f.dst); err != nil {
		return fmt.Errorf("rename into %s: %w", f.path, err)
	}
	// From here the target is in place; a failing directory sync only
	// weakens durability after a power loss, so it is reported but the
	// temporary file is gone already.
	if err := SyncDir(filepath.Dir(f.dst)); err != nil {
		f.done = true
		return fmt.Errorf("sync directory of %s: %w", f.path, err)
	}
	return nil
}

// Abort closes and removes the temporary file and leaves the target as it
// was. It is safe to call after Commit (it does nothing) and more than once,
// so `defer f.Abort()` right after Create covers every exit path. What was
// written straight through to a device or a pipe cannot be taken back:
// Abort only closes it.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.tmp.Close()
	if !f.thru {
		os.Remove(f.tmp.Name())
	}
}

// SyncDir syncs a directory so that a rename or a new file in it is durable.
// File systems that cannot sync a directory are not an error.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !unsyncable(err) {
		return err
	}
	return nil
}

// unsyncable reports whether a sync failed only because the file cannot be
// synced (a directory on some file systems, a pipe, a device).
func unsyncable(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}

// WriteFile writes data to path atomically with mode perm (0 means
// DefaultPerm): the convenience for small files such as a state or a
// manifest.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// IsTemp reports whether name (a base name) is a temporary file of this
// package, for callers that list a directory.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
}
