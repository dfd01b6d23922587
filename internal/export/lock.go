package export

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// Lock is an exclusive advisory lock (flock) on a state file's lock file,
// FILE.lock. The kernel releases it when the process ends, however it ends,
// so a lock is never left stale by a killed run. The lock file itself stays:
// removing it would let two runs lock two different files.
type Lock struct {
	fl   *flock.Flock
	path string
}

// LockedError says another process holds the lock.
type LockedError struct {
	Path   string // the lock file
	State  string // the state file
	Holder string // what the holder wrote into the lock file, "" if unknown
}

func (e *LockedError) Error() string {
	holder := ""
	if e.Holder != "" {
		holder = " (" + e.Holder + ")"
	}
	return fmt.Sprintf("another export holds the lock on %s%s: wait for it to finish, or check that no other run uses state file %s; "+
		"the lock is released by the system when that process ends, even when it is killed, so it cannot be stale "+
		"(unless %s is on a network file system without lock support)",
		e.Path, holder, e.State, e.Path)
}

// LockPath is the lock file of a state file.
func LockPath(statePath string) string { return statePath + ".lock" }

// AcquireLock takes the lock of statePath without waiting. If another
// process holds it, the error is a *LockedError naming the holder.
func AcquireLock(statePath string, now time.Time) (*Lock, error) {
	path := LockPath(statePath)
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		raw, _ := os.ReadFile(path)
		return nil, &LockedError{Path: path, State: statePath, Holder: strings.TrimSpace(string(raw))}
	}
	// Say who holds it, for the message of a run that finds it taken. The
	// lock is on the open file, so writing through another descriptor is
	// fine; failing to write only makes that message vaguer.
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid %d on %s, started %s", os.Getpid(), host, now.UTC().Format(time.RFC3339))
	_ = os.WriteFile(path, []byte(info+"\n"), 0o600)
	return &Lock{fl: fl, path: path}, nil
}

// Release gives the lock up. It is safe to call more than once.
func (l *Lock) Release() error {
	if l == nil || l.fl == nil {
		return nil
	}
	err := l.fl.Unlock()
	l.fl = nil
	if err != nil {
		return fmt.Errorf("unlock %s: %w", l.path, err)
	}
	return nil
}
