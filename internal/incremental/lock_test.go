package incremental

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLock(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	now := ts("2026-11-25T10:00:00Z")
	l, err := AcquireLock(state, now)
	if err != nil {
		t.Fatal(err)
	}
	// A second taker (another descriptor, as another process would be) is
	// refused at once with the holder named.
	_, err = AcquireLock(state, now)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second AcquireLock = %v, want *LockedError", err)
	}
	for _, want := range []string{LockPath(state), fmt.Sprintf("pid %d", os.Getpid()), "2026-11-25T10:00:00Z", "cannot be stale"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	l2, err := AcquireLock(state, now)
	if err != nil {
		t.Fatalf("AcquireLock after Release: %v", err)
	}
	l2.Release()
	if _, err := os.Stat(LockPath(state)); err != nil {
		t.Errorf("lock file removed: %v", err)
	}
}

func TestDirLock(t *testing.T) {
	dir := t.TempDir()
	now := ts("2026-11-25T10:00:00Z")
	l, err := AcquireDirLock(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	_, err = AcquireDirLock(dir, now)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second AcquireDirLock = %v, want *LockedError", err)
	}
	for _, want := range []string{filepath.Join(dir, DirLockName), fmt.Sprintf("pid %d", os.Getpid()), "writes to --out-dir " + dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	// The lock file is neither a data file nor a temporary file.
	if IsDataFile(DirLockName) {
		t.Errorf("%s taken for a data file", DirLockName)
	}
	if removed, _ := RemoveStaleTemps(dir, ".audit-", "."+ManifestName+"."); len(removed) != 0 {
		t.Errorf("clean-up removed %q", removed)
	}
}
