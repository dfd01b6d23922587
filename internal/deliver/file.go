package deliver

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// Stream is a Sink that writes each batch through an output.Writer that
// flushes every event: stdout, a pipe, or a file opened by OpenAppend,
// which it also syncs after each batch.
type Stream struct {
	w    output.Writer
	file *os.File // nil for stdout and pipes
}

// NewStream returns a Stream writing through w (which must write each
// event through, output.Options.FlushEach). file, when not nil, is the
// file under w: it is synced after each batch, and Size reads it.
func NewStream(w output.Writer, file *os.File) *Stream { return &Stream{w: w, file: file} }

// Deliver writes events; for a file, nil means they are on disk.
func (s *Stream) Deliver(_ context.Context, events []*auditlog.Event) error {
	for _, e := range events {
		if err := s.w.Write(e); err != nil {
			return err
		}
	}
	if s.file != nil {
		if err := s.file.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", s.file.Name(), err)
		}
	}
	return nil
}

// Size is the length of the file written so far (0 for a stream without
// one), for the checkpoint: every byte before it is a delivered event.
func (s *Stream) Size() (int64, error) {
	if s.file == nil {
		return 0, nil
	}
	n, err := s.file.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, fmt.Errorf("position in %s: %w", s.file.Name(), err)
	}
	return n, nil
}

// Close closes the writer and the file.
func (s *Stream) Close() error {
	err := s.w.Close()
	if s.file != nil {
		if cerr := s.file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// ShortFileError says that a file holds fewer bytes than the state
// recorded as delivered into it: it was cut or replaced since.
type ShortFileError struct {
	Path      string
	Size, Was int64
}

func (e *ShortFileError) Error() string {
	return fmt.Sprintf("--out %s holds %d bytes, fewer than the %d the state file recorded as delivered: it was cut or replaced since; restore it, or start a new state file (and a new --out file)", e.Path, e.Size, e.Was)
}

// OpenAppend opens a regular file to append events to, created with
// perm when missing. keep is the length recorded with the last
// checkpoint: the file is cut back to it, so that whatever a killed run
// wrote after its last checkpoint is dropped and written again, once. A
// file shorter than keep is a *ShortFileError. A negative keep keeps
// the whole file (no checkpoint to go back to).
func OpenAppend(path string, keep int64, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, perm)
	if err != nil {
		return nil, fmt.Errorf("open --out %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("--out %s is not a regular file", path)
	}
	if err == nil && keep < 0 {
		keep = fi.Size()
	}
	if err == nil && fi.Size() < keep {
		f.Close()
		return nil, &ShortFileError{Path: path, Size: fi.Size(), Was: keep}
	}
	if err == nil && fi.Size() > keep {
		if err = f.Truncate(keep); err == nil {
			err = f.Sync()
		}
	}
	if err == nil {
		_, err = f.Seek(keep, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("prepare --out %s: %w", path, err)
	}
	return f, nil
}
