package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/fetch"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// UsualRetention is the shortest retention Authgear is known to use (older
// self-hosted defaults; current ones keep 180 days).
const UsualRetention = 90 * 24 * time.Hour

// Options say what a run exports, where, and how it reports.
type Options struct {
	Source   fetch.Source
	Identity Identity        // endpoint, project, filter and destination
	Filter   auditlog.Filter // as given, for messages
	// Since is the start of a first run; zero starts at the oldest event
	// the API holds. Until is the exclusive end, a whole second a lag
	// before now.
	Since, Until time.Time

	StatePath string // "" for a one-off run
	OutDir    string // one file per run, with a manifest
	OutPath   string // "-" is Stdout; used without OutDir
	// OutThrough says that OutPath is written in place (a device, a FIFO):
	// shards then spool elsewhere.
	OutThrough bool
	NoGzip     bool // OutDir files without .gz
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
	Progress func(fetch.Progress)             // nil-safe
}

// Result is what a run wrote.
type Result struct {
	Events  int64
	Written []string // paths, or "stdout"
}

// RefusedError is a run that the state, the --out-dir or the plan refuse:
// another export's state or directory, an unfinished range of another
// kind of output, a --since that does not continue the state. Bad usage,
// not a failure.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

func refused(err error) error { return &RefusedError{Err: err} }

// Run is one export holding its locks: Open takes them, Export writes, and
// Close lets them go. The protocol of each range is described in the
// package documentation.
type Run struct {
	o        Options
	start    time.Time
	state    *State
	manifest *Manifest
	unlock   []func()

	events  int64
	written []string
}

// Open locks the state file and the --out-dir (creating their folders),
// removes what killed runs left behind, and checks that the state and the
// directory belong to this export. A second run exits here at once.
func Open(o Options) (*Run, error) {
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
	if err := r.openOutDir(); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.checkManifest(); err != nil {
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
	lock, err := AcquireLock(r.o.StatePath, r.start)
	if err != nil {
		return err
	}
	r.unlock = append(r.unlock, func() { lock.Release() })
	if r.state, err = LoadState(r.o.StatePath); err != nil {
		return err
	}
	dir, base := filepath.Split(r.o.StatePath)
	if dir == "" {
		dir = "."
	}
	RemoveStaleTemps(dir, "."+base+".")
	return nil
}

// openOutDir creates the --out-dir when missing and locks it for the whole
// run: two runs with different state files must not write into it, nor
// take each other's temporary files for leftovers. Then it removes those
// leftovers and reads the manifest.
func (r *Run) openOutDir() error {
	if r.o.OutDir == "" {
		return nil
	}
	if err := os.MkdirAll(r.o.OutDir, 0o700); err != nil {
		return fmt.Errorf("create --out-dir %s: %w", r.o.OutDir, err)
	}
	lock, err := AcquireDirLock(r.o.OutDir, r.start)
	if err != nil {
		return err
	}
	r.unlock = append(r.unlock, func() { lock.Release() })
	RemoveStaleTemps(r.o.OutDir, ".audit-", "."+ManifestName+".")
	if r.spoolDir() == r.o.OutDir {
		fetch.RemoveStaleSpools(r.o.OutDir)
	}
	r.manifest, err = LoadManifest(r.o.OutDir)
	return err
}

// checkManifest refuses an --out-dir that holds another export.
func (r *Run) checkManifest() error {
	m := r.manifest
	if m == nil || len(m.Files) == 0 {
		return nil
	}
	var diffs []string
	if m.Project != "" && m.Project != r.o.Identity.Project {
		diffs = append(diffs, fmt.Sprintf("project %q, not %q", m.Project, r.o.Identity.Project))
	}
	if !m.Filter.Equal(r.o.Identity.Filter) {
		diffs = append(diffs, "other --activity or --user filters")
	}
	if len(diffs) > 0 {
		return refused(fmt.Errorf("--out-dir %s holds an export with %s: use another directory (and state file) for this export",
			r.o.OutDir, strings.Join(diffs, " and ")))
	}
	return nil
}

// spoolDir is where shards wait: the option, else the output's directory,
// else the system's temporary directory.
func (r *Run) spoolDir() string {
	switch {
	case r.o.SpoolDir != "":
		return r.o.SpoolDir
	case r.o.OutDir != "":
		return r.o.OutDir
	case r.o.OutPath != "-" && !r.o.OutThrough:
		return filepath.Dir(r.o.OutPath)
	}
	return os.TempDir()
}

// Export plans the run from the state and writes its ranges: a range that
// a killed run left pending first, under the same name, then the new one.
// sel holds the filters as the API takes them (users resolved).
func (r *Run) Export(ctx context.Context, sel adminapi.Selection) (Result, error) {
	o := r.o
	since := o.Since
	fromOldest := false
	if since.IsZero() && r.state.Resume().IsZero() {
		oldest, ok, err := fetch.Oldest(ctx, o.Source, sel, o.Until)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			o.Notice("nothing to export: no events before %s (%s)", fmtTime(o.Until), o.Filter.Describe())
			return r.nothing(ctx)
		}
		since, fromOldest = oldest, true
	}
	if st := r.state; st != nil && !st.Start.IsZero() && !since.IsZero() && !since.Equal(st.Start) &&
		o.SinceNames != nil && o.SinceNames(st.Start) {
		since = st.Start
	}
	plan, err := PlanRun(o.StatePath, r.state, since, o.Until)
	if err != nil {
		return Result{}, refused(err)
	}
	jobs, err := r.jobs(plan)
	if err != nil {
		return Result{}, err
	}
	if len(jobs) == 0 {
		if r.state != nil && !r.state.LastEnd.IsZero() {
			o.Notice("nothing new to export: the state %s already ends at %s", o.StatePath, fmtTime(r.state.LastEnd))
			return Result{}, nil
		}
		o.Notice("nothing to export: the range starts at %s, not before its end %s (now minus --lag)", fmtTime(since), fmtTime(o.Until))
		return r.nothing(ctx)
	}
	if first := jobs[0].rng.From; !fromOldest && first.Before(r.start.Add(-UsualRetention)) {
		o.Warn("the range starts at %s: Authgear drops audit logs after 90–180 days and says nothing: events before %s may be gone",
			fmtTime(first), r.start.Add(-UsualRetention).UTC().Format("2006-01-02"))
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
	rng    Range
	path   string // file path; "-" = stdout
	name   string // as recorded in the state: base name in the out-dir, the path, or "-"
	format string
	inDir  bool
}

func (j job) stdout() bool { return j.path == "-" }

func (j job) compression() string {
	if strings.HasSuffix(j.path, ".gz") {
		return "gzip"
	}
	return ""
}

// jobs turns the plan into the ranges to write and where.
func (r *Run) jobs(p Plan) ([]job, error) {
	o := r.o
	var jobs []job
	if p.Redo != nil {
		redo := p.Redo
		j := job{rng: redo.Range(), name: redo.File, format: redo.Format, inDir: redo.InDir}
		switch {
		case redo.InDir != (o.OutDir != ""):
			where := "--out " + redo.File
			if redo.InDir {
				where = "--out-dir (file " + redo.File + ")"
			}
			return nil, refused(fmt.Errorf("state file %s has an unfinished range %s for %s: run again with the same kind of output to finish it first",
				o.StatePath, redo.Range(), where))
		case redo.InDir:
			j.path = filepath.Join(o.OutDir, redo.File)
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
		j := job{rng: *p.Next, format: o.Output.Format}
		if o.OutDir != "" {
			j.inDir = true
			j.name = FileName(*p.Next, Ext(o.Output.Format, !o.NoGzip))
			j.path = filepath.Join(o.OutDir, j.name)
			if r.manifest != nil {
				if ov := r.manifest.Overlapping(*p.Next, j.name); len(ov) > 0 {
					return nil, refused(fmt.Errorf("--out-dir %s already holds %s for %s, which overlaps this run's range %s: "+
						"this state file did not write that directory; use the state file that did",
						o.OutDir, ov[0].Name, ov[0].Range(), *p.Next))
				}
			}
		} else {
			j.path, j.name = o.OutPath, o.OutPath
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// runJob writes one range and records it: pending in the state before,
// the file in the manifest and the end in the state after.
func (r *Run) runJob(ctx context.Context, sel adminapi.Selection, j job) error {
	o := r.o
	id := o.Identity
	st := r.state
	var before *Pending
	if o.StatePath != "" {
		if st == nil {
			st = &State{}
			r.state = st
		}
		before = st.Pending
		st.Endpoint, st.Project, st.Filter = id.Endpoint, id.Project, id.Filter
		st.Format, st.Compression = j.format, j.compression()
		st.OutDir, st.Out = id.Dest.Dir, id.Dest.Out
		if st.Start.IsZero() {
			st.Start = j.rng.From
		}
		st.Pending = &Pending{From: j.rng.From, To: j.rng.To, File: j.name, Format: j.format,
			Compression: j.compression(), InDir: j.inDir, StartedAt: r.start.UTC().Truncate(time.Second)}
		if err := st.Save(o.StatePath, o.Now()); err != nil {
			return err
		}
	}
	entry, err := r.write(ctx, sel, j)
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
	if j.inDir {
		if r.manifest == nil {
			r.manifest = &Manifest{}
		}
		m := r.manifest
		m.Endpoint, m.Project, m.Filter = id.Endpoint, id.Project, id.Filter
		m.Put(Entry(entry, j.rng, r.start))
		if err := m.Save(o.OutDir, o.FileMode); err != nil {
			return err
		}
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
	commit func() (ManifestFile, error)
	abort  func()
}

// write exports one range to its file or stdout. A file appears at its path
// only when complete; on any error it is removed and the path left as it was.
func (r *Run) write(ctx context.Context, sel adminapi.Selection, j job) (ManifestFile, error) {
	opts := r.o.Output
	opts.Format = j.format
	s, err := r.sink(j, opts)
	if err != nil {
		return ManifestFile{}, err
	}
	defer s.abort()

	sel.From, sel.To = j.rng.From, j.rng.To
	base := r.events
	_, err = fetch.Export(ctx, r.o.Source, fetch.ExportOptions{
		Selection: sel,
		Parallel:  r.o.Parallel,
		Count:     r.o.Count,
		SpoolDir:  r.spoolDir(),
		Keep:      r.o.Keep,
		Progress: func(p fetch.Progress) {
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
	}, s.write)
	if err != nil {
		if j.stdout() && output.IsBrokenPipe(err) {
			return ManifestFile{}, stdoutError(err)
		}
		return ManifestFile{}, err
	}
	f, err := s.commit()
	if err != nil {
		return ManifestFile{}, err
	}
	r.events += f.Count // written: fewer than read with a local filter
	return f, nil
}

func (r *Run) sink(j job, opts output.Options) (sink, error) {
	if !j.stdout() {
		// Only a file in an --out-dir is listed, with its SHA-256, in the
		// manifest.
		df, err := CreateDataFile(j.path, r.o.FileMode, opts, j.inDir)
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
		commit: func() (ManifestFile, error) {
			if err := w.Close(); err != nil {
				return ManifestFile{}, stdoutError(err)
			}
			if err := closeStdout(r.o.Stdout); err != nil {
				return ManifestFile{}, stdoutError(err)
			}
			return ManifestFile{Count: n, Format: j.format}, nil
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
