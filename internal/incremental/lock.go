package incremental

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// Lock is an exclusive advisory lock (flock) on a lock file: FILE.lock of
// a state file, or DirLockName inside an --out-dir. The kernel releases it
// when the process ends, however it ends, so a lock is never left stale by
// a killed run. The lock file itself stays: removing it would let two runs
// lock two different files.
type Lock struct {
	fl   *flock.Flock
	path string
}

// LockedError says another process holds the lock.
type LockedError struct {
	Path   string // the lock file
	State  string // the state file, when it is a state file's lock
	Dir    string // the --out-dir, when it is a directory's lock
	Holder string // what the holder wrote into the lock file, "" if unknown
}

func (e *LockedError) Error() string {
	holder := ""
	if e.Holder != "" {
		holder = " (" + e.Holder + ")"
	}
	check := "check that no other run uses state file " + e.State
	if e.Dir != "" {
		check = "check that no other run (with another state file) writes to --out-dir " + e.Dir
	}
	return fmt.Sprintf("another export holds the lock on %s%s: wait for it to finish, or %s; "+
		"the lock is released by the system when that process ends, even when it is killed, so it cannot be stale "+
		"(unless %s is on a network file system without lock support)",
		e.Path, holder, check, e.Path)
}

// LockPath is the lock file of a state file.
func LockPath(statePath string) string { return statePath + ".lock" }

// DirLockName is the lock file inside an --out-dir. It is no data file and
// no temporary file: verify and the clean-up of killed runs pass it by.
const DirLockName = ".authgear-audit.lock"

// AcquireLock takes the lock of statePath without waiting. If another
// process holds it, the error is a *LockedError naming the holder.
func AcquireLock(statePath string, now time.Time) (*Lock, error) {
	return acquire(LockPath(statePath), now, func(holder string) error {
		return &LockedError{Path: LockPath(statePath), State: statePath, Holder: holder}
	})
}

// AcquireDirLock takes the lock of an --out-dir without waiting, for the
// whole run: only its holder writes into dir, and only its holder may
// remove what killed runs left there. If another process holds it, the
// error is a *LockedError naming the holder.
func AcquireDirLock(dir string, now time.Time) (*Lock, error) {
	path := filepath.Join(dir, DirLockName)
	return acquire(path, now, func(holder string) error {
		return &LockedError{Path: path, Dir: dir, Holder: holder}
	})
}

func acquire(path string, now time.Time, locked func(holder string) error) (*Lock, error) {
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		raw, _ := os.ReadFile(path)
		return nil, locked(strings.TrimSpace(string(raw)))
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
