// Package export is an export run that cron can repeat: Open takes the
// locks and checks the state and the archive, Run.Do writes the data
// files and commits what they hold, Close lets the locks go. The state,
// the locks and the archive's format are internal/incremental's.
//
// The protocol of one incremental run, each step atomic on disk:
//
//  1. lock the state file (a second run exits at once);
//  2. record the planned range as pending in the state;
//  3. write the range's data file (temporary name, synced, renamed);
//  4. record the file in the manifest (--out-dir only);
//  5. advance lastEnd to the range's end and clear pending.
//
// A run killed anywhere leaves either no trace (before 2), or a pending
// range whose file is absent, complete but unlisted, or complete and listed.
// The next run redoes exactly that range under the same file name before it
// goes on, so every event ends up in exactly one file.
package export

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"gocloud.dev/blob"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// UsualRetention is the shortest retention Authgear is known to use (older
// self-hosted defaults; current ones keep 180 days).
const UsualRetention = 90 * 24 * time.Hour

// Options say what a run exports, where, and how it reports.
type Options struct {
	Source   walk.Source
	Identity incremental.Identity // endpoint, project, filter and destination
	Filter   auditlog.Filter      // as given, for messages
	// Since is the start of a first run; zero starts at the oldest event
	// the API holds. Until is the exclusive end, a whole second a lag
	// before now.
	Since, Until time.Time

	StatePath string // "" for a one-off run
	// OutDir is the archive: a local folder or a bucket's URL, opened by
	// OpenBucket. Each run adds its data objects and one entry.
	OutDir     string
	OpenBucket func(ctx context.Context, location string) (*blob.Bucket, error)
	// SignKey, when not nil, signs the run's entry.
	SignKey ed25519.PrivateKey
	OutPath string // "-" is Stdout; used without OutDir
	// OutThrough says that OutPath is written in place (a device, a FIFO):
	// shards then spool elsewhere.
	OutThrough bool
	NoGzip     bool // OutDir objects without gzip
	Output     output.Options
	FileMode   os.FileMode
	Stdout     io.Writer

	Parallel int
	Count    bool   // probe with count queries (balance, progress total)
	SpoolDir string // "" is beside the output

	// Keep, when not nil, drops the events that fail the filters the API
	// lacks (--ip, --client, --country): the range is read whole and only
	// what passes is written (fetch's Keep).
	Keep func(*auditlog.Event) bool
	// SinceNames, when not nil, says whether the --since as typed names the
	// instant start in some zone: a state's first start, repeated by a cron
	// line and read in another zone, is then taken as that start.
	SinceNames func(start time.Time) bool

	Now      func() time.Time
	Notice   func(format string, args ...any) // things a person wants to know
	Warn     func(format string, args ...any) // things a person should act on
	Begin    func()                           // before the first range is written
	Progress func(walk.Progress)              // nil-safe
}

// Result is what a run wrote.
type Result struct {
	Events  int64
	Written []string // paths, or "stdout"
	// Entry and Head are the key of the entry an archive run committed and
	// the archive's new head.
	Entry, Head string
}

// RefusedError is a run that the state, the --out-dir or the plan refuse:
// another export's state or directory, an unfinished range of another
// kind of output, a --since that does not continue the state. Bad usage,
// not a failure.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

func refused(err error) error { return &RefusedError{Err: err} }

// Run is one export holding its locks: Open takes them, Do writes, and
// Close lets them go. The protocol of each range is described in the
// package documentation.
type Run struct {
	o      Options
	start  time.Time
	state  *incremental.State
	arch   *incremental.Archive
	bucket *blob.Bucket
	unlock []func()

	events  int64
	written []string
}

// Open locks the state file and a local --out-dir (creating their
// folders), removes what killed runs left behind, reads the archive and
// checks that the state and the archive belong to this export and agree.
// A second run with the same state or local folder exits here at once.
func Open(ctx context.Context, o Options) (*Run, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, f := range []*func(string, ...any){&o.Notice, &o.Warn} {
		if *f == nil {
			*f = func(string, ...any) {}
		}
	}
	r := &Run{o: o, start: o.Now()}
	if err := r.lockState(); err != nil {
		r.Close()
		return nil, err
	}
	if r.state != nil {
		if err := r.state.Check(o.StatePath, o.Identity); err != nil {
			r.Close()
			return nil, refused(err)
		}
	}
	if err := r.openOutDir(ctx); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.checkArchive(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Close releases the locks. It is safe more than once.
func (r *Run) Close() {
	for i := len(r.unlock) - 1; i >= 0; i-- {
		r.unlock[i]()
	}
	r.unlock = nil
}

// lockState takes the lock of the state file, reads the state and removes
// the temporary state files of killed runs. Without a state it does nothing.
func (r *Run) lockState() error {
	if r.o.StatePath == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(r.o.StatePath), 0o700); err != nil {
		return fmt.Errorf("create the folder of --state %s: %w", r.o.StatePath, err)
	}
	lock, err := incremental.AcquireLock(r.o.StatePath, r.start)
	if err != nil {
		return err
	}
	r.unlock = append(r.unlock, func() { lock.Release() })
	if r.state, err = incremental.LoadState(r.o.StatePath); err != nil {
		return err
	}
	dir, base := filepath.Split(r.o.StatePath)
	if dir == "" {
		dir = "."
	}
	incremental.RemoveStaleTemps(dir, "."+base+".")
	return nil
}

// openOutDir opens the archive. A local folder is created when missing
// and locked for the whole run: two runs with different state files must
// not write into it at once, nor take each other's temporary files for
// leftovers, which the holder then removes.
func (r *Run) openOutDir(ctx context.Context) error {
	loc := r.o.OutDir
	if loc == "" {
		return nil
	}
	if dir, ok := incremental.LocalDir(loc); ok {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create --out-dir %s: %w", dir, err)
		}
		lock, err := incremental.AcquireDirLock(dir, r.start)
		if err != nil {
			return err
		}
		r.unlock = append(r.unlock, func() { lock.Release() })
		removeLocalTemps(dir)
		if r.spoolDir() == dir {
			walk.RemoveStaleSpools(dir)
		}
	}
	if r.o.OpenBucket == nil {
		return errNoBucket
	}
	b, err := r.o.OpenBucket(ctx, loc)
	if err != nil {
		return err
	}
	r.bucket = b
	r.unlock = append(r.unlock, func() { b.Close() })
	r.arch, err = incremental.ReadArchive(ctx, b, loc)
	if err != nil {
		return err
	}
	return r.arch.Problem()
}

// checkArchive refuses an archive that holds another export, a state
// that disagrees with it, and an unsigned run into a signed archive.
func (r *Run) checkArchive() error {
	a := r.arch
	if a == nil {
		return nil
	}
	if project, filter, ok := a.Holds(); ok {
		var diffs []string
		if project != "" && project != r.o.Identity.Project {
			diffs = append(diffs, fmt.Sprintf("project %q, not %q", project, r.o.Identity.Project))
		}
		if !filter.Equal(r.o.Identity.Filter) {
			diffs = append(diffs, "other --activity or --user filters")
		}
		if len(diffs) > 0 {
			return refused(fmt.Errorf("--out-dir %s holds an export with %s: use another --out-dir (and state file) for this export",
				r.o.OutDir, strings.Join(diffs, " and ")))
		}
	}
	if l := a.Last(); l != nil && l.Signature != nil && r.o.SignKey == nil {
		pub, _ := l.PublicKey()
		return refused(fmt.Errorf("the entries of --out-dir %s are signed (key %s): give --sign-key, or 'verify --verify-key' fails on this run's entry",
			r.o.OutDir, incremental.KeyID(pub)))
	}
	if r.o.StatePath != "" {
		st := r.state
		if st == nil {
			st = &incremental.State{}
		}
		return refusedOrNil(checkStateArchive(r.o.StatePath, st, a))
	}
	return nil
}

func refusedOrNil(err error) error {
	if err == nil {
		return nil
	}
	return refused(err)
}

// checkStateArchive says whether a state file agrees with the archive it
// is used with: it ends where the archive ends, or it has a pending range
// that the archive either committed (the state was not saved after) or
// not (the run was killed before its commit).
func checkStateArchive(path string, st *incremental.State, a *incremental.Archive) error {
	end := a.End()
	last := st.LastEnd
	switch {
	case a.Empty():
		return nil // the archive's first run starts where the state continues
	case last.IsZero() && st.Pending == nil:
		return fmt.Errorf("state file %s has no run yet, but --out-dir %s already holds an export up to %s: "+
			"the archive is its own state: omit --state, or use the state file that did write it", path, a.Location, incremental.FormatTime(end))
	case incremental.SameSecond(last, end):
		return nil
	case st.Pending != nil && !a.Empty() && incremental.SameSecond(st.Pending.To, end):
		return nil // committed, the state not yet saved
	}
	where := "ends at " + incremental.FormatTime(end)
	cont := incremental.FormatTime(st.Resume())
	if st.Resume().IsZero() {
		cont = "nothing"
	}
	return fmt.Errorf("state file %s continues at %s, but --out-dir %s %s: they disagree: "+
		"omit --state (the archive is its own state), or use the state file of this archive", path, cont, a.Location, where)
}

// spoolDir is where shards wait: the option, else the output's directory,
// else the system's temporary directory.
func (r *Run) spoolDir() string {
	switch {
	case r.o.SpoolDir != "":
		return r.o.SpoolDir
	case r.o.OutDir != "":
		if dir, ok := incremental.LocalDir(r.o.OutDir); ok {
			return dir
		}
		return os.TempDir()
	case r.o.OutPath != "-" && !r.o.OutThrough:
		return filepath.Dir(r.o.OutPath)
	}
	return os.TempDir()
}

// Do plans the run from the state and writes its ranges: a range that a
// killed run left pending first, under the same name, then the new one.
// Into an archive, it writes the run's data objects and commits the entry
// that names them. sel holds the filters as the API takes them (users
// resolved).
func (r *Run) Do(ctx context.Context, sel adminapi.Selection) (Result, error) {
	if r.arch != nil {
		return r.exportArchive(ctx, sel)
	}
	o := r.o
	since := o.Since
	fromOldest := false
	if since.IsZero() && r.state.Resume().IsZero() {
		oldest, ok, err := walk.Oldest(ctx, o.Source, sel, o.Until)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			o.Notice("nothing to export: no events before %s (%s)", incremental.FormatTime(o.Until), o.Filter.Describe())
			return r.nothing(ctx)
		}
		since, fromOldest = oldest, true
	}
	if st := r.state; st != nil && !st.Start.IsZero() && !since.IsZero() && !since.Equal(st.Start) &&
		o.SinceNames != nil && o.SinceNames(st.Start) {
		since = st.Start
	}
	plan, err := incremental.PlanRun(o.StatePath, r.state, since, o.Until)
	if err != nil {
		return Result{}, refused(err)
	}
	jobs, err := r.jobs(plan)
	if err != nil {
		return Result{}, err
	}
	if len(jobs) == 0 {
		if r.state != nil && !r.state.LastEnd.IsZero() {
			o.Notice("nothing new to export: the state %s already ends at %s", o.StatePath, incremental.FormatTime(r.state.LastEnd))
			return Result{}, nil
		}
		o.Notice("nothing to export: the range starts at %s, not before its end %s (now minus --lag)", incremental.FormatTime(since), incremental.FormatTime(o.Until))
		return r.nothing(ctx)
	}
	if first := jobs[0].rng.From; !fromOldest && first.Before(r.start.Add(-UsualRetention)) {
		o.Warn("the range starts at %s: Authgear drops audit logs after 90–180 days and says nothing: events before %s may be gone",
			incremental.FormatTime(first), r.start.Add(-UsualRetention).UTC().Format("2006-01-02"))
	}
	if o.Begin != nil {
		o.Begin()
	}
	for _, j := range jobs {
		if err := r.runJob(ctx, sel, j); err != nil {
			return Result{}, err
		}
	}
	return Result{Events: r.events, Written: r.written}, nil
}

// nothing ends a run that has no range to write. A one-off export to
// --out still writes an empty file: a downstream step that expects it
// finds a valid, empty one.
func (r *Run) nothing(ctx context.Context) (Result, error) {
	if r.o.OutDir != "" || r.o.StatePath != "" {
		return Result{}, nil
	}
	if r.o.OutPath == "-" {
		w, err := output.New(r.o.Stdout, r.o.Output)
		if err != nil {
			return Result{}, err
		}
		return Result{}, w.Close()
	}
	df, err := CreateDataFile(r.o.OutPath, r.o.FileMode, r.o.Output, false)
	if err != nil {
		return Result{}, err
	}
	defer df.Abort()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	_, err = df.Commit()
	return Result{}, err
}

// job is one range written to one place.
type job struct {
	rng    incremental.Range
	path   string // file path; "-" = stdout
	name   string // as recorded in the state: the path, or "-"
	format string
}

func (j job) stdout() bool { return j.path == "-" }

func (j job) compression() string {
	if strings.HasSuffix(j.path, ".gz") {
		return "gzip"
	}
	return ""
}

// jobs turns the plan into the ranges to write and where.
func (r *Run) jobs(p incremental.Plan) ([]job, error) {
	o := r.o
	var jobs []job
	if p.Redo != nil {
		redo := p.Redo
		j := job{rng: redo.Range(), name: redo.File, format: redo.Format}
		switch {
		case redo.InDir:
			return nil, refused(fmt.Errorf("state file %s has an unfinished range %s for --out-dir (file %s): run again with the same kind of output to finish it first",
				o.StatePath, redo.Range(), redo.File))
		case redo.File == "-" || redo.File == o.OutPath:
			// The same destination as this run: one range from the pending
			// start to this run's end replaces whatever the killed run left.
			j.path, j.name, j.format = o.OutPath, o.OutPath, o.Output.Format
			if p.Next != nil {
				j.rng.To = p.Next.To
			}
			return []job{j}, nil
		default:
			j.path = redo.File
		}
		if j.format == "" {
			j.format = o.Output.Format
		}
		jobs = append(jobs, j)
	}
	if p.Next != nil {
		jobs = append(jobs, job{rng: *p.Next, format: o.Output.Format, path: o.OutPath, name: o.OutPath})
	}
	return jobs, nil
}

// runJob writes one range and records it: pending in the state before,
// the end in the state after.
func (r *Run) runJob(ctx context.Context, sel adminapi.Selection, j job) error {
	o := r.o
	id := o.Identity
	st := r.state
	var before *incremental.Pending
	if o.StatePath != "" {
		if st == nil {
			st = &incremental.State{}
			r.state = st
		}
		before = st.Pending
		st.Endpoint, st.Project, st.Filter = id.Endpoint, id.Project, id.Filter
		st.Format, st.Compression = j.format, j.compression()
		st.OutDir, st.Out = id.Dest.Dir, id.Dest.Out
		if st.Start.IsZero() {
			st.Start = j.rng.From
		}
		st.Pending = &incremental.Pending{From: j.rng.From, To: j.rng.To, File: j.name, Format: j.format,
			Compression: j.compression(), StartedAt: r.start.UTC().Truncate(time.Second)}
		if err := st.Save(o.StatePath, o.Now()); err != nil {
			return err
		}
	}
	_, err := r.write(ctx, sel, j)
	if err != nil {
		if st != nil {
			// Nothing reached the destination: put the state back as it was.
			st.Pending = before
			if serr := st.Save(o.StatePath, o.Now()); serr != nil {
				o.Warn("%v", serr)
			}
		}
		return err
	}
	if st != nil {
		st.LastEnd = j.rng.To
		st.Pending = nil
		if err := st.Save(o.StatePath, o.Now()); err != nil {
			return err
		}
	}
	if j.stdout() {
		r.written = append(r.written, "stdout")
	} else {
		r.written = append(r.written, j.path)
	}
	return nil
}

// sink is where one range's events go: a data file or stdout.
type sink struct {
	write  func(e *auditlog.Event) error
	commit func() (incremental.ManifestFile, error)
	abort  func()
}

// write exports one range to its file or stdout. A file appears at its path
// only when complete; on any error it is removed and the path left as it was.
func (r *Run) write(ctx context.Context, sel adminapi.Selection, j job) (incremental.ManifestFile, error) {
	opts := r.o.Output
	opts.Format = j.format
	s, err := r.sink(j, opts)
	if err != nil {
		return incremental.ManifestFile{}, err
	}
	defer s.abort()
	if err := r.walk(ctx, sel, j.rng, s.write); err != nil {
		if j.stdout() && output.IsBrokenPipe(err) {
			return incremental.ManifestFile{}, stdoutError(err)
		}
		return incremental.ManifestFile{}, err
	}
	f, err := s.commit()
	if err != nil {
		return incremental.ManifestFile{}, err
	}
	r.events += f.Count // written: fewer than read with a local filter
	return f, nil
}

// walk reads the events of rng from the API, exactly once and in order,
// into write.
func (r *Run) walk(ctx context.Context, sel adminapi.Selection, rng incremental.Range, write func(*auditlog.Event) error) error {
	sel.From, sel.To = rng.From, rng.To
	base := r.events
	_, err := walk.Parallel(ctx, r.o.Source, walk.ParallelOptions{
		Selection: sel,
		Parallel:  r.o.Parallel,
		Count:     r.o.Count,
		SpoolDir:  r.spoolDir(),
		Keep:      r.o.Keep,
		Progress: func(p walk.Progress) {
			if r.o.Progress == nil {
				return
			}
			if p.Total >= 0 {
				p.Total += base
			}
			if p.Filtered {
				p.Kept += base
			}
			p.Events += base
			r.o.Progress(p)
		},
	}, write)
	return err
}

func (r *Run) sink(j job, opts output.Options) (sink, error) {
	if !j.stdout() {
		df, err := CreateDataFile(j.path, r.o.FileMode, opts, false)
		if err != nil {
			return sink{}, err
		}
		return sink{write: df.Write, commit: df.Commit, abort: df.Abort}, nil
	}
	w, err := output.New(r.o.Stdout, opts)
	if err != nil {
		return sink{}, err
	}
	var n int64
	return sink{
		write: func(e *auditlog.Event) error {
			if err := w.Write(e); err != nil {
				return err
			}
			n++
			return nil
		},
		commit: func() (incremental.ManifestFile, error) {
			if err := w.Close(); err != nil {
				return incremental.ManifestFile{}, stdoutError(err)
			}
			if err := closeStdout(r.o.Stdout); err != nil {
				return incremental.ManifestFile{}, stdoutError(err)
			}
			return incremental.ManifestFile{Count: n, Format: j.format}, nil
		},
		abort: func() {},
	}, nil
}

// stdoutError reports a failed write to stdout. A closed pipe is a failure
// for export (the reader did not get every event), so the error does not
// wrap EPIPE, which would end the command quietly with status 0.
func stdoutError(err error) error {
	if output.IsBrokenPipe(err) {
		return errors.New("write to stdout: the reader closed the pipe before the export was complete")
	}
	return fmt.Errorf("write to stdout: %w", err)
}

// closeStdout syncs and closes stdout when it is a file, so that a state
// advances only after the stream was flushed and closed without error.
func closeStdout(w io.Writer) error {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return f.Close()
}
