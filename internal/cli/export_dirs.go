package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/authgear-audit/authgear-audit/internal/export"
)

// Where an export's state and --out-dir live: their locks, the leftovers
// of killed runs, and the check that a directory holds this export.

// lockState takes the lock of --state (creating its folder, as --out-dir
// is created), reads the state and removes what killed runs left beside
// it. Without --state it does nothing.
func (r *exportRun) lockState() (unlock func(), err error) {
	if r.StatePath == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(r.StatePath), 0o700); err != nil {
		return nil, fmt.Errorf("create the folder of --state %s: %w", r.StatePath, err)
	}
	lock, err := export.AcquireLock(r.StatePath, r.start)
	if err != nil {
		return nil, err
	}
	if r.state, err = export.LoadState(r.StatePath); err != nil {
		lock.Release()
		return nil, err
	}
	r.removeStaleStateTemps()
	return func() { lock.Release() }, nil
}

// openOutDir creates the --out-dir when missing and locks it for the whole
// run: two runs with different state files must not write into it, nor
// take each other's temporary files for leftovers. Then it removes those
// leftovers and reads the manifest. Without --out-dir it does nothing.
func (r *exportRun) openOutDir() (unlock func(), err error) {
	if r.OutDir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(r.OutDir, 0o700); err != nil {
		return nil, fmt.Errorf("create --out-dir %s: %w", r.OutDir, err)
	}
	lock, err := export.AcquireDirLock(r.OutDir, r.start)
	if err != nil {
		return nil, err
	}
	r.removeStaleDirTemps()
	if r.manifest, err = export.LoadManifest(r.OutDir); err != nil {
		lock.Release()
		return nil, err
	}
	return func() { lock.Release() }, nil
}

// removeStaleStateTemps removes the temporary state files that killed runs
// left behind: they cannot clean up after SIGKILL. Called with the state's
// lock held, when no one else writes them.
func (r *exportRun) removeStaleStateTemps() {
	dir, base := filepath.Split(r.StatePath)
	if dir == "" {
		dir = "."
	}
	export.RemoveStaleTemps(dir, "."+base+".")
}

// removeStaleDirTemps removes what killed runs left in the --out-dir.
// Called with the directory's lock held, when no one else writes there.
func (r *exportRun) removeStaleDirTemps() {
	export.RemoveStaleTemps(r.OutDir, ".audit-", "."+export.ManifestName+".")
	if r.spoolDir() == r.OutDir {
		removeStaleSpools(r.OutDir)
	}
}

// removeStaleSpools removes the shard spool files of killed runs.
func removeStaleSpools(dir string) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range des {
		if strings.HasPrefix(de.Name(), "authgear-audit-spool-") && de.Type().IsRegular() {
			os.Remove(filepath.Join(dir, de.Name()))
		}
	}
}

// checkManifest refuses an --out-dir that holds another export.
func (r *exportRun) checkManifest() error {
	m := r.manifest
	if m == nil || len(m.Files) == 0 {
		return nil
	}
	var diffs []string
	if m.Project != "" && m.Project != r.identity.Project {
		diffs = append(diffs, fmt.Sprintf("project %q, not %q", m.Project, r.identity.Project))
	}
	if !m.Filter.Equal(r.identity.Filter) {
		diffs = append(diffs, "other --activity or --user filters")
	}
	if len(diffs) > 0 {
		return usageError(fmt.Errorf("--out-dir %s holds an export with %s: use another directory (and state file) for this export",
			r.OutDir, strings.Join(diffs, " and ")))
	}
	return nil
}
