package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/export"
	"github.com/authgear-audit/authgear-audit/internal/fetch"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// Defaults of export.
const (
	defaultExportParallel = 4
	defaultExportLag      = 5 * time.Second
	// usualRetention is the shortest retention Authgear is known to use
	// (older self-hosted defaults; current ones keep 180 days).
	usualRetention = 90 * 24 * time.Hour
)

// exportOptions are the inputs of export, after flag parsing.
type exportOptions struct {
	App *App

	Filter     auditlog.Filter
	SinceGiven bool

	Format  string
	Columns []string
	CSVRaw  bool

	OutPath   string // "-" = stdout
	OutDir    string // one file per run, with a manifest
	NoGzip    bool   // --out-dir files without .gz
	StatePath string
	SpoolDir  string
	// outThrough says that --out is written in place (a device, a FIFO,
	// /dev/stdout), not beside itself: shards then spool elsewhere.
	outThrough bool

	Parallel int
	Lag      time.Duration
	NoCount  bool
	FileMode os.FileMode
}

func newExportCmd(a *App) *cobra.Command {
	o := &exportOptions{App: a}
	var (
		ff       filterFlags
		format   string
		fileMode string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export every event of a range, oldest first, exactly once",
		Long: `Export every event that matches the filters in [--since, --until), oldest
first, each exactly once, to stdout (the default), a file (--out) or a
directory of files, one per run (--out-dir, with --state).

Formats (-o): jsonl (the default), csv or json (one array); with --out FILE
the format follows the file's extension unless -o says otherwise. A name
ending in .gz is compressed. A file is written under a temporary name beside
it, synced and renamed only when complete: a reader never sees half a file,
and an interrupted run leaves the previous file untouched. Files are created
with mode 0600 (--file-mode to change it). What is not a regular file is
never replaced: a device or a FIFO (/dev/null, a named pipe) and /dev/stdout
are written straight through; a symbolic link stays a link, and the file it
points to is replaced atomically; a directory is refused.

The end of the range: --until defaults to now, floored to a whole second,
minus --lag (5s). Events of the last few seconds may still be being written
when the export reads them; leaving them out means the next run, which starts
exactly at this end, picks them up, instead of this run missing them. The
one assumption of exactly once: no event is stored with a createdAt older
than the lag. An --until later than that is lowered to it.

Without --since (and without a state), the export starts at the oldest event
the API still holds. Authgear drops audit logs after 90 to 180 days without
a word; export on a schedule so nothing ages out first.

Incremental runs for cron: --state FILE (its folder is created, mode 0700,
when missing) records the endpoint, project and filters, and where the last
run ended. The first run starts at --since (or
the oldest event); every later run starts exactly where the previous one
ended (omit --since, or keep the first run's value). A run first records its
range as pending, then writes it, then records it as done: a run killed at any
point is followed by one that redoes exactly that range under the same file
name before it goes on, so every event lands in exactly one file. A state for
other filters, endpoint or project is refused, and so is one that wrote to
another --out-dir, or to --out files when this run has an --out-dir (or the
other way round): the events before it ended are there. A lock (FILE.lock) stops a
second run while one is going, and a lock inside an --out-dir stops a run
with another state file from writing there at the same time; the system
releases both when the process ends, however it ends. With --state and --out - the state advances only after the
whole stream was written and closed without error: when the exit status is
not 0, discard what was printed; the next run sends that range again.

--out-dir DIR (needs --state) writes one file per run, named by its range,
audit-20261125T100000Z-20261125T110000Z.jsonl.gz (gzip unless --no-gzip), and
DIR/manifest.json listing each file's range, event count, size and SHA-256.
A run that finds no new events still writes an empty file for its range, so
the files tile the time line without gaps and 'verify --offline' can prove
that nothing is missing.

--parallel N (1 to 16) walks N time shards at once, balanced by event count
from cheap count queries (--no-count skips them, and with them the
percentage and ETA of the progress line); shards waiting for their turn are
spooled to --spool-dir (default: the output's directory).

A one-line summary goes to stderr unless --quiet: events, where, time,
requests and retries. Interrupted (SIGINT, SIGTERM), the export stops,
removes its temporary files, leaves the destination and the state as they
were, and exits 130.`,
		Example: `  authgear-audit export --since 2026-11-01 --until 2026-12-01 --out november.jsonl.gz
  authgear-audit export --activity authentication --since 30d -o csv --out logins.csv
  # cron, every hour: one file per run in /var/lib/audit
  authgear-audit export --state /var/lib/audit/state.json --out-dir /var/lib/audit
  authgear-audit export --state s.json | gzip > "run-$(date +%s).jsonl.gz"`,
		Args: func(cmd *cobra.Command, args []string) error { return usageError(cobra.NoArgs(cmd, args)) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := ff.filter(a)
			if err != nil {
				return err
			}
			o.Filter = f
			o.SinceGiven = ff.since != ""
			if err := o.complete(cmd, format, fileMode); err != nil {
				return err
			}
			return runExport(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	ff.register(fl)
	fl.StringVarP(&format, "output", "o", "", "format: jsonl, csv or json (default jsonl, or from the --out file's extension)")
	fl.StringVar(&o.OutPath, "out", "-", "write to this file ('-' for stdout); .gz compresses")
	fl.StringVar(&o.OutDir, "out-dir", "", "write one file per run into this directory, with manifest.json (needs --state)")
	fl.BoolVar(&o.NoGzip, "no-gzip", false, "with --out-dir: do not compress the files")
	fl.StringSliceVar(&o.Columns, "columns", nil, "csv columns, comma-separated: "+output.ColumnNames()+" or dotted paths such as data.context.geo_location_code")
	fl.BoolVar(&o.CSVRaw, "csv-raw", false, "do not guard CSV cells that a spreadsheet would run as a formula")
	fl.StringVar(&o.StatePath, "state", "", "state file of incremental runs: start where the last run ended")
	fl.StringVar(&o.SpoolDir, "spool-dir", "", "directory for the temporary files of parallel shards (default: the output's directory)")
	fl.IntVar(&o.Parallel, "parallel", defaultExportParallel, "time shards walked at once, 1 to 16")
	fl.DurationVar(&o.Lag, "lag", defaultExportLag, "leave out the last seconds before now: events still being written go to the next run")
	fl.BoolVar(&o.NoCount, "no-count", false, "skip the count queries (no percentage or ETA; shards split evenly in time)")
	fl.StringVar(&fileMode, "file-mode", "0600", "mode of the files written, in octal")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(exportFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

var exportFormats = []string{output.FormatJSONL, output.FormatCSV, output.FormatJSON}

// complete checks the flags and fills the derived options. Every error is a
// usage error naming its flag.
func (o *exportOptions) complete(cmd *cobra.Command, format, fileMode string) error {
	fl := cmd.Flags()
	if o.Parallel < 1 || o.Parallel > fetch.MaxParallel {
		return usageError(fmt.Errorf("--parallel: %d is out of range: give 1 to %d", o.Parallel, fetch.MaxParallel))
	}
	if o.Lag < 0 {
		return usageError(fmt.Errorf("--lag: %s is negative", o.Lag))
	}
	mode, err := parseFileMode(fileMode)
	if err != nil {
		return usageError(fmt.Errorf("--file-mode: %w", err))
	}
	o.FileMode = mode
	if o.OutPath == "" {
		return usageError(errors.New("--out: empty: give a file name, or '-' for stdout"))
	}
	if o.OutDir != "" {
		if fl.Changed("out") {
			return usageError(errors.New("--out and --out-dir exclude each other: --out-dir names its files by their ranges"))
		}
		if o.StatePath == "" {
			return usageError(errors.New("--out-dir needs --state FILE: the state records where the next run starts"))
		}
		if fi, err := os.Stat(o.OutDir); err == nil && !fi.IsDir() {
			return usageError(fmt.Errorf("--out-dir: %s is not a directory: give a directory (it is created when missing)", o.OutDir))
		}
	} else if o.NoGzip {
		return usageError(errors.New("--no-gzip applies to --out-dir; with --out, name the file without .gz"))
	}
	toFile := o.OutDir == "" && o.OutPath != "-"
	if toFile {
		through, err := safefile.Check(o.OutPath)
		if err != nil {
			return usageError(fmt.Errorf("--out: %w", err))
		}
		o.outThrough = through
	}
	switch {
	case fl.Changed("output"):
		o.Format = strings.ToLower(strings.TrimSpace(format))
		if !slices.Contains(exportFormats, o.Format) {
			return usageError(fmt.Errorf("--output: export writes %s, not %q", strings.Join(exportFormats, ", "), format))
		}
	case toFile:
		f, ok := output.FormatFromPath(o.OutPath)
		if !ok || !slices.Contains(exportFormats, f) {
			return usageError(fmt.Errorf("--out: cannot tell the format of %s from its extension: name it .jsonl, .csv or .json (.gz to compress) or give -o", o.OutPath))
		}
		o.Format = f
	default:
		o.Format = output.FormatJSONL
	}
	if _, err := output.New(io.Discard, o.outputOptions()); err != nil {
		return usageError(fmt.Errorf("--columns: %w", err))
	}
	if o.CSVRaw && o.Format != output.FormatCSV {
		return usageError(fmt.Errorf("--csv-raw applies to csv output, not %s", o.Format))
	}
	return nil
}

func (o *exportOptions) outputOptions() output.Options {
	return output.Options{Format: o.Format, Columns: o.Columns, CSVRaw: o.CSVRaw, UTC: true}
}

// parseFileMode reads an octal mode: 600, 0600 or 0o600.
func parseFileMode(s string) (os.FileMode, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0o"), "0O")
	n, err := strconv.ParseUint(t, 8, 32)
	if err != nil || t == "" {
		return 0, fmt.Errorf("%q is not an octal mode such as 0600 or 0640", s)
	}
	if n > 0o777 {
		return 0, fmt.Errorf("%q has bits beyond 0777", s)
	}
	if n&0o400 == 0 {
		return 0, fmt.Errorf("%q does not let the owner read the file (verify and later runs read it)", s)
	}
	return os.FileMode(n), nil
}

// exportJob is one range written to one place.
type exportJob struct {
	rng    export.Range
	path   string // file path; "-" = stdout
	name   string // as recorded in the state: base name in the out-dir, the path, or "-"
	format string
	inDir  bool
}

func (j exportJob) stdout() bool { return j.path == "-" }

func (j exportJob) compression() string {
	if strings.HasSuffix(j.path, ".gz") {
		return "gzip"
	}
	return ""
}

// exportRun is the state of one export command.
type exportRun struct {
	*exportOptions
	a      *App
	client *adminapi.Client
	sel    adminapi.Selection
	start  time.Time

	state    *export.State
	manifest *export.Manifest
	identity export.Identity

	prog    *progress // nil-safe; Stop may be called more than once
	events  int64     // written by finished jobs
	written []string
}

func runExport(ctx context.Context, o *exportOptions) (err error) {
	a := o.App
	r := &exportRun{exportOptions: o, a: a, start: a.now()}

	// The end of the range: a whole second, the lag before now.
	until := r.start.UTC().Truncate(time.Second).Add(-o.Lag).Truncate(time.Second)
	if !o.Filter.Until.IsZero() {
		if o.Filter.Until.After(until) {
			a.notice("--until %s is later than now minus the lag: exporting until %s; later events go to the next run", fmtUTC(o.Filter.Until), fmtUTC(until))
		} else {
			until = o.Filter.Until.UTC()
		}
	}

	// Lock before anything else, so an overlapping cron run leaves at once.
	unlock, err := r.lockState()
	if err != nil {
		return err
	}
	defer unlock()

	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	r.client = c
	conn, err := a.connection()
	if err != nil {
		return err
	}
	dest, err := export.DestinationOf(o.OutDir, o.OutPath)
	if err != nil {
		return err
	}
	r.identity = export.Identity{Endpoint: c.Endpoint(), Project: conn.Project, Filter: export.FilterOf(o.Filter), Dest: dest}
	if r.state != nil {
		if err := r.state.Check(o.StatePath, r.identity); err != nil {
			return usageError(err)
		}
	}
	unlockDir, err := r.openOutDir()
	if err != nil {
		return err
	}
	defer unlockDir()
	if err := r.checkManifest(); err != nil {
		return err
	}

	sel, err := a.selection(ctx, c, o.Filter)
	if err != nil {
		return err
	}
	r.sel = sel

	since := o.Filter.Since
	fromOldest := false
	if since.IsZero() && r.state.Resume().IsZero() {
		oldest, ok, err := oldestEvent(ctx, c, sel, until)
		if err != nil {
			return err
		}
		if !ok {
			a.notice("nothing to export: no events before %s (%s)", fmtUTC(until), o.Filter.Describe())
			if o.OutDir == "" && o.StatePath == "" {
				// Downstream steps expect the file: write an empty one.
				return r.writeEmpty(ctx)
			}
			return nil
		}
		since, fromOldest = oldest, true
	}
	plan, err := export.PlanRun(o.StatePath, r.state, since, until)
	if err != nil {
		return usageError(err)
	}
	jobs, err := r.jobs(plan)
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		if r.state != nil && !r.state.LastEnd.IsZero() {
			a.notice("nothing new to export: the state %s already ends at %s", o.StatePath, fmtUTC(r.state.LastEnd))
			return nil
		}
		a.notice("nothing to export: the range starts at %s, not before its end %s (now minus --lag)", fmtUTC(since), fmtUTC(until))
		if o.OutDir == "" && o.StatePath == "" {
			return r.writeEmpty(ctx)
		}
		return nil
	}
	if first := jobs[0].rng.From; !fromOldest && first.Before(r.start.Add(-usualRetention)) {
		a.warn("the range starts at %s: Authgear drops audit logs after 90–180 days and says nothing: events before %s may be gone",
			fmtUTC(first), r.start.Add(-usualRetention).UTC().Format("2006-01-02"))
	}

	r.prog = a.startProgress("exporting")
	defer r.prog.Stop()
	for _, j := range jobs {
		if err := r.runJob(ctx, j); err != nil {
			return err
		}
	}
	r.prog.Stop()
	r.summary()
	return nil
}

// jobs turns the plan into the ranges to write and where.
func (r *exportRun) jobs(p export.Plan) ([]exportJob, error) {
	var jobs []exportJob
	if p.Redo != nil {
		redo := p.Redo
		j := exportJob{rng: redo.Range(), name: redo.File, format: redo.Format, inDir: redo.InDir}
		switch {
		case redo.InDir != (r.OutDir != ""):
			where := "--out " + redo.File
			if redo.InDir {
				where = "--out-dir (file " + redo.File + ")"
			}
			return nil, usageError(fmt.Errorf("state file %s has an unfinished range %s for %s: run again with the same kind of output to finish it first",
				r.StatePath, redo.Range(), where))
		case redo.InDir:
			j.path = filepath.Join(r.OutDir, redo.File)
		case redo.File == "-" || redo.File == r.OutPath:
			// The same destination as this run: one range from the pending
			// start to this run's end replaces whatever the killed run left.
			j.path, j.name, j.format = r.OutPath, r.OutPath, r.Format
			if p.Next != nil {
				j.rng.To = p.Next.To
			}
			return []exportJob{j}, nil
		default:
			j.path = redo.File
		}
		if j.format == "" {
			j.format = r.Format
		}
		jobs = append(jobs, j)
	}
	if p.Next != nil {
		j := exportJob{rng: *p.Next, format: r.Format}
		if r.OutDir != "" {
			j.inDir = true
			j.name = export.FileName(*p.Next, export.Ext(r.Format, !r.NoGzip))
			j.path = filepath.Join(r.OutDir, j.name)
			if r.manifest != nil {
				if o := r.manifest.Overlapping(*p.Next, j.name); len(o) > 0 {
					return nil, usageError(fmt.Errorf("--out-dir %s already holds %s for %s, which overlaps this run's range %s: "+
						"this state file did not write that directory; use the state file that did",
						r.OutDir, o[0].Name, o[0].Range(), *p.Next))
				}
			}
		} else {
			j.path, j.name = r.OutPath, r.OutPath
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// spoolDir is where shards wait: --spool-dir, else the output's directory,
// else the system's temporary directory.
// wantCount says whether to probe the range with count queries: they
// balance parallel shards and give the progress line its percentage. With
// one shard and no progress line (cron, a pipe) nobody would use them, and
// a count(*) over months of a busy project is not free for the server.
func (r *exportRun) wantCount() bool {
	return !r.NoCount && (r.Parallel > 1 || r.prog != nil)
}

func (r *exportRun) spoolDir() string {
	switch {
	case r.SpoolDir != "":
		return r.SpoolDir
	case r.OutDir != "":
		return r.OutDir
	case r.OutPath != "-" && !r.outThrough:
		return filepath.Dir(r.OutPath)
	}
	return os.TempDir()
}

// runJob writes one range and records it: pending in the state before,
// the file in the manifest and the end in the state after.
func (r *exportRun) runJob(ctx context.Context, j exportJob) error {
	st := r.state
	var before *export.Pending
	if r.StatePath != "" {
		if st == nil {
			st = &export.State{}
			r.state = st
		}
		before = st.Pending
		st.Endpoint, st.Project, st.Filter = r.identity.Endpoint, r.identity.Project, r.identity.Filter
		st.Format, st.Compression = j.format, j.compression()
		st.OutDir, st.Out = r.identity.Dest.Dir, r.identity.Dest.Out
		if st.Start.IsZero() {
			st.Start = j.rng.From
		}
		st.Pending = &export.Pending{From: j.rng.From, To: j.rng.To, File: j.name, Format: j.format,
			Compression: j.compression(), InDir: j.inDir, StartedAt: r.start.UTC().Truncate(time.Second)}
		if err := st.Save(r.StatePath, r.a.now()); err != nil {
			return err
		}
	}
	entry, err := r.write(ctx, j)
	if err != nil {
		if st != nil {
			// Nothing reached the destination: put the state back as it was.
			st.Pending = before
			if serr := st.Save(r.StatePath, r.a.now()); serr != nil {
				r.a.warn("%v", serr)
			}
		}
		return err
	}
	if j.inDir {
		if r.manifest == nil {
			r.manifest = &export.Manifest{}
		}
		m := r.manifest
		m.Endpoint, m.Project, m.Filter = r.identity.Endpoint, r.identity.Project, r.identity.Filter
		m.Put(export.Entry(entry, j.rng, r.start))
		if err := m.Save(r.OutDir, r.FileMode); err != nil {
			return err
		}
	}
	if st != nil {
		st.LastEnd = j.rng.To
		st.Pending = nil
		if err := st.Save(r.StatePath, r.a.now()); err != nil {
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

// write exports one range to its file or stdout. A file appears at its path
// only when complete; on any error it is removed and the path left as it was.
func (r *exportRun) write(ctx context.Context, j exportJob) (export.ManifestFile, error) {
	var (
		ew      eventWriter
		records fetch.Records // nil when the format has no independent records
		commit  func() (export.ManifestFile, error)
		abort   = func() {}
	)
	opts := r.outputOptions()
	opts.Format = j.format
	if j.stdout() {
		out := r.a.IO.Out
		if r.a.IO.OutTTY && r.prog != nil {
			out = r.prog.StopOnWrite(out)
		}
		w, err := output.New(out, opts)
		if err != nil {
			return export.ManifestFile{}, usageError(err)
		}
		sw := &countingWriter{w: w}
		ew = sw
		if rw, ok := w.(output.RecordWriter); ok {
			records = &countingRecords{rw: rw, c: sw}
		}
		commit = func() (export.ManifestFile, error) {
			if err := w.Close(); err != nil {
				return export.ManifestFile{}, stdoutError(err)
			}
			if err := closeStdout(r.a.IO.Out); err != nil {
				return export.ManifestFile{}, stdoutError(err)
			}
			return export.ManifestFile{Count: sw.n, Format: j.format}, nil
		}
	} else {
		// Only a file in an --out-dir is listed, with its SHA-256, in
		// the manifest.
		df, err := export.CreateDataFile(j.path, r.FileMode, opts, j.inDir)
		if err != nil {
			return export.ManifestFile{}, err
		}
		ew, commit, abort = df, df.Commit, df.Abort
		if fr, ok := df.Records(); ok {
			records = fr
		}
	}
	defer abort()

	sel := r.sel
	sel.From, sel.To = j.rng.From, j.rng.To
	base := r.events
	st, err := fetch.Export(ctx, r.client, fetch.ExportOptions{
		Selection: sel,
		Parallel:  r.Parallel,
		Count:     r.wantCount(),
		SpoolDir:  r.spoolDir(),
		Records:   records,
		Progress: func(p fetch.Progress) {
			if p.Total >= 0 {
				p.Total += base
			}
			p.Events += base
			r.prog.Update(p)
		},
	}, ew.Write)
	if err != nil {
		if j.stdout() && output.IsBrokenPipe(err) {
			return export.ManifestFile{}, stdoutError(err)
		}
		return export.ManifestFile{}, err
	}
	f, err := commit()
	if err != nil {
		return export.ManifestFile{}, err
	}
	r.events += st.Events
	return f, nil
}

// eventWriter is a data file or stdout.
type eventWriter interface {
	Write(e *auditlog.Event) error
}

type countingWriter struct {
	w output.Writer
	n int64
}

func (c *countingWriter) Write(e *auditlog.Event) error {
	if err := c.w.Write(e); err != nil {
		return err
	}
	c.n++
	return nil
}

// countingRecords takes records for stdout, counted with its events.
type countingRecords struct {
	rw output.RecordWriter
	c  *countingWriter
}

func (r *countingRecords) NewEncoder() func(dst []byte, e *auditlog.Event) ([]byte, error) {
	return r.rw.NewEncoder()
}

func (r *countingRecords) WriteRecord(rec []byte) error {
	if err := r.rw.WriteRecord(rec); err != nil {
		return err
	}
	r.c.n++
	return nil
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

// writeEmpty writes an empty export to --out (stdout or a file): a
// downstream step that expects the file then finds a valid, empty one.
func (r *exportRun) writeEmpty(ctx context.Context) error {
	opts := r.outputOptions()
	if r.OutPath == "-" {
		w, err := output.New(r.a.IO.Out, opts)
		if err != nil {
			return usageError(err)
		}
		return w.Close()
	}
	df, err := export.CreateDataFile(r.OutPath, r.FileMode, opts, false)
	if err != nil {
		return err
	}
	defer df.Abort()
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = df.Commit()
	return err
}

// summary is the one line on stderr after a successful run:
// "exported 20,000 events to audit.jsonl.gz in 4.2s (203 requests, 0 retries)".
func (r *exportRun) summary() {
	st := r.client.Stats()
	where := strings.Join(r.written, " and ")
	if r.OutDir != "" && len(r.written) > 1 {
		where = fmt.Sprintf("%d files in %s", len(r.written), r.OutDir)
	}
	unit := "events"
	if r.events == 1 {
		unit = "event"
	}
	r.a.notice("exported %s %s to %s in %s (%s requests, %s retries)",
		output.GroupDigits(r.events), unit, where, fmtElapsed(r.a.now().Sub(r.start)),
		output.GroupDigits(st.Requests), output.GroupDigits(st.Retries))
}

// fmtElapsed is 4.2s under a minute, else whole seconds (1m3s).
func fmtElapsed(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func fmtUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// oldestEvent is the createdAt of the oldest event of sel before until: one
// page of one event, oldest first.
func oldestEvent(ctx context.Context, c *adminapi.Client, sel adminapi.Selection, until time.Time) (time.Time, bool, error) {
	sel.From, sel.To = time.Time{}, until
	for _, first := range []int{1, adminapi.MaxPageSize} {
		p, err := c.Page(ctx, adminapi.PageQuery{Selection: sel, First: first})
		if err != nil {
			return time.Time{}, false, fmt.Errorf("find the oldest event: %w", err)
		}
		if len(p.Events) > 0 {
			return p.Events[0].CreatedAt.UTC().Truncate(time.Second), true, nil
		}
		if p.Edges == 0 {
			return time.Time{}, false, nil
		}
		// A null node came first: look at a whole page.
	}
	return time.Time{}, false, &adminapi.APIError{Op: "find the oldest event", Err: errors.New("the API returned only empty events: give --since")}
}
