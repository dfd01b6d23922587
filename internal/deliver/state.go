package deliver

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// StateVersion is the version of the tail state format this code writes.
// It is the field tailVersion, not version: an export reading a tail's
// state file finds no version and refuses it, instead of taking it for
// one of its own.
const StateVersion = 1

// State is the state file of a resumable follow (tail --state).
type State struct {
	TailVersion int                `json:"tailVersion"`
	Endpoint    string             `json:"endpoint"`
	Project     string             `json:"project"`
	Filter      incremental.Filter `json:"filter"`
	// Destination is where the events go: "stdout", "--out /abs/path" or
	// "--to https://host/path" (without user information or query), and
	// Format how they are written there.
	Destination string     `json:"destination"`
	Format      string     `json:"format"`
	Checkpoint  Checkpoint `json:"checkpoint"`
	// OutBytes is the length of the --out file at the checkpoint: every
	// byte before it is a delivered event, and a resumed run cuts the file
	// back to it.
	OutBytes  int64     `json:"outBytes,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// LoadState reads a state file; a missing one is nil, no error.
func LoadState(path string) (*State, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file %s: %w", path, err)
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &StateError{fmt.Sprintf("state file %s is not valid JSON (%v): restore it from a backup, or start a new state file", path, err)}
	}
	switch {
	case s.TailVersion > StateVersion:
		return nil, &StateError{fmt.Sprintf("state file %s has tail version %d, newer than this authgear-audit understands (%d): upgrade authgear-audit", path, s.TailVersion, StateVersion)}
	case s.TailVersion < 1:
		return nil, &StateError{fmt.Sprintf("state file %s was not written by tail (an export's state file?): give tail a state file of its own", path)}
	case !s.Checkpoint.Through.IsZero() && !s.Checkpoint.Through.Equal(s.Checkpoint.Through.Truncate(time.Second)):
		return nil, &StateError{fmt.Sprintf("state file %s: checkpoint %s is not a whole second: the file was edited; restore it or start a new state file", path, s.Checkpoint.Through.Format(time.RFC3339Nano))}
	case s.OutBytes < 0:
		return nil, &StateError{fmt.Sprintf("state file %s: negative outBytes: the file was edited; restore it or start a new state file", path)}
	}
	return &s, nil
}

// Save writes the state atomically, mode 0600.
func (s *State) Save(path string, now time.Time) error {
	s.TailVersion = StateVersion
	s.UpdatedAt = now.UTC().Truncate(time.Second)
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := safefile.WriteFile(path, append(raw, '\n'), 0o600); err != nil {
		return fmt.Errorf("save state file: %w", err)
	}
	return nil
}

// StateError is a state file that cannot be used as it is: bad usage.
type StateError struct{ Msg string }

func (e *StateError) Error() string { return e.Msg }

// Identity is what a state belongs to.
type Identity struct {
	Endpoint, Project string
	Filter            incremental.Filter
	Destination       string
	Format            string
}

// Check compares the state with this run and names every difference, as
// a *StateError. The endpoint, project and filters are compared as
// export compares them.
func (s *State) Check(path string, id Identity) error {
	var diffs []string
	was := incremental.State{Endpoint: s.Endpoint, Project: s.Project, Filter: s.Filter}
	var mismatch *incremental.MismatchError
	if err := was.Check(path, incremental.Identity{Endpoint: id.Endpoint, Project: id.Project, Filter: id.Filter}); errors.As(err, &mismatch) {
		diffs = append(diffs, mismatch.Diffs...)
	} else if err != nil {
		return err
	}
	if s.Destination != id.Destination {
		diffs = append(diffs, fmt.Sprintf("it delivered to %s, now to %s", s.Destination, id.Destination))
	}
	if s.Format != id.Format {
		diffs = append(diffs, fmt.Sprintf("the format was %s, now %s", s.Format, id.Format))
	}
	if len(diffs) == 0 {
		return nil
	}
	return &StateError{fmt.Sprintf("state file %s belongs to another tail: %s; run with the same endpoint, project, filters, destination and format, or use a new state file for this one",
		path, strings.Join(diffs, "; "))}
}

// Lock takes the lock of a state file (FILE.lock) without waiting,
// creating the state's folder (0700) when missing. Another holder is an
// error naming it.
func Lock(path string, now time.Time) (*incremental.Lock, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create the folder of state file %s: %w", path, err)
		}
	}
	l, err := incremental.AcquireLock(path, now)
	var locked *incremental.LockedError
	if errors.As(err, &locked) {
		holder := ""
		if locked.Holder != "" {
			holder = " (" + locked.Holder + ")"
		}
		return nil, fmt.Errorf("another run holds the lock on %s%s: check that no other tail uses state file %s; the system releases the lock when that process ends, even when it is killed", locked.Path, holder, path)
	}
	return l, err
}

// Tracker keeps a tail's state file: locked for the run, checked against
// the run, and saved at each checkpoint.
type Tracker struct {
	path string
	st   *State
	lock *incremental.Lock
	now  func() time.Time
	// size, when not nil, is the length of the --out file, recorded with
	// each checkpoint.
	size func() (int64, error)
	// fresh says the state file did not exist: this is its first run.
	fresh bool
}

// OpenTracker locks the state file at path, reads it and checks that it
// belongs to id (a *StateError if not). A missing file starts a new
// state, which is first saved at the first checkpoint.
func OpenTracker(path string, id Identity, now func() time.Time) (*Tracker, error) {
	lock, err := Lock(path, now())
	if err != nil {
		return nil, err
	}
	st, err := LoadState(path)
	if err == nil && st != nil {
		err = st.Check(path, id)
	}
	if err != nil {
		lock.Release()
		return nil, err
	}
	fresh := st == nil
	if fresh {
		st = &State{}
	}
	st.Endpoint, st.Project, st.Filter, st.Destination, st.Format = id.Endpoint, id.Project, id.Filter, id.Destination, id.Format
	return &Tracker{path: path, st: st, lock: lock, now: now, fresh: fresh}, nil
}

// Start saves a new state before anything is delivered, with the --out
// file's length as it was found: a first run killed before its first
// checkpoint is followed by one that cuts the file back to that length.
// For a state that existed it does nothing.
func (t *Tracker) Start() error {
	if !t.fresh {
		return nil
	}
	t.fresh = false
	return t.Commit(Checkpoint{})
}

// Resume is the checkpoint to resume from; ok is false for a state that
// has none yet (a first run).
func (t *Tracker) Resume() (cp Checkpoint, ok bool) {
	return t.st.Checkpoint, !t.st.Checkpoint.Through.IsZero()
}

// OutBytes is the length of the --out file at the last checkpoint (or
// when the state's first run started), -1 for a new state: the file is
// then taken as it is.
func (t *Tracker) OutBytes() int64 {
	if t.fresh {
		return -1
	}
	return t.st.OutBytes
}

// RecordSize makes each checkpoint record the length size reads.
func (t *Tracker) RecordSize(size func() (int64, error)) { t.size = size }

// Commit saves cp (and the --out file's length) atomically.
func (t *Tracker) Commit(cp Checkpoint) error {
	t.st.Checkpoint = cp
	t.st.OutBytes = 0
	if t.size != nil {
		n, err := t.size()
		if err != nil {
			return err
		}
		t.st.OutBytes = n
	}
	return t.st.Save(t.path, t.now())
}

// Close releases the lock.
func (t *Tracker) Close() error { return t.lock.Release() }
