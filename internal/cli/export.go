package cli

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/export"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// Defaults of export.
const (
	defaultExportParallel = 4
	defaultExportLag      = 5 * time.Second
)

// exportOptions are the inputs of export: its dependencies, its flags as
// given, and what validate derives from them.
type exportOptions struct {
	IO         *iostreams.IOStreams
	Now        func() time.Time
	Client     func(context.Context) (*adminapi.Client, error)
	Connection func() (config.Connection, error)
	local      func() *time.Location

	// As given.
	filters  filterFlags
	zones    zoneFlags
	format   string
	fileMode string
	changed  func(name string) bool

	// Derived by validate.
	Filter     auditlog.Filter
	SinceGiven bool
	SinceExpr  string // --since as typed

	Format  string
	Columns []string
	CSVRaw  bool

	OutPath   string // "-" = stdout
	OutDir    string // the archive: a folder or a bucket's URL
	NoGzip    bool   // --out-dir objects without gzip
	SignKey   string // --sign-key: Ed25519 private key that signs each entry
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

// NewCmdExport builds export; runF, when not nil, runs instead of
// runExport.
func NewCmdExport(f *Factory, runF func(context.Context, *exportOptions) error) *cobra.Command {
	o := &exportOptions{IO: f.IO, Now: f.Now, Client: f.Client, Connection: f.Connection, local: f.localZone}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export every event of a range, oldest first, exactly once",
		Long: `Export every event that matches the filters in [--since, --until), oldest
first, each exactly once, to stdout (the default), a file (--out) or an
archive that each run continues (--out-dir: a folder or a bucket).

Formats (-o, or --format): jsonl (the default), csv or json (one array),
and with --out-dir parquet; with --out FILE the format follows the file's
extension unless -o says otherwise. A name
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

Incremental runs of --out files or stdout: --state FILE (its folder is
created, mode 0700, when missing) records the endpoint, project and filters,
and where the last run ended. The first run starts at --since (or
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

--out-dir LOCATION is an archive: a folder, file:///path, s3://BUCKET/PREFIX
(with ?endpoint=URL&region=R&use_path_style=true for S3-compatible stores),
gs://BUCKET/PREFIX or azblob://CONTAINER/PREFIX, with each cloud's standard
credentials. It is its own state: a run continues where the archive ends
(--since matters only for the first run), writes its data object,
data/audit-FROM-TO-RUNID.jsonl.gz (gzip unless --no-gzip), and commits one
entry, manifest/00000001.json, 00000002.json, ..., with a conditional create
that fails when another run committed that entry first (exit 1; the archive
stays exact). Nothing committed is ever overwritten or deleted. Each entry
holds the range, the size and SHA-256 of its object and the SHA-256 of the
entry before (a hash chain); --sign-key FILE (Ed25519, PKCS#8 PEM, as
'openssl genpkey -algorithm ed25519' writes it) signs it. The summary names
the new head (sha256:...): keep it somewhere else to pin the chain with
'verify --head'. A folder written by an earlier version (manifest.json) is
continued without rewriting it. With --state too, the state must agree with
the archive. With --format parquet a run writes one Parquet file per UTC day
instead, dt=YYYY-MM-DD/audit-FROM-TO-RUNID.parquet (Hive partitions for
query engines; the README lists the columns), under the same entries.

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
  # cron, every hour: one entry per run, the archive its own state
  authgear-audit export --out-dir s3://audit-archive/myapp --sign-key /etc/authgear-audit/sign.pem
  authgear-audit export --out-dir /var/lib/audit
  authgear-audit export --state s.json | gzip > "run-$(date +%s).jsonl.gz"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.changed = cmd.Flags().Changed
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runExport(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	o.filters.register(fl)
	o.filters.registerLocal(fl)
	o.zones.register(cmd)
	fl.StringVarP(&o.format, "output", "o", "", "format: jsonl, csv, json, or parquet with --out-dir (default jsonl, or from the --out file's extension); --format is the same flag")
	fl.StringVar(&o.OutPath, "out", "-", "write to this file ('-' for stdout); .gz compresses")
	fl.StringVar(&o.OutDir, "out-dir", "", "the archive: a folder or s3://, gs://, azblob://, file:// URL; each run adds its data and one entry, and continues where the archive ends")
	fl.BoolVar(&o.NoGzip, "no-gzip", false, "with --out-dir: do not compress the data objects")
	fl.StringVar(&o.SignKey, "sign-key", "", "with --out-dir: sign each entry with this Ed25519 private key (PKCS#8 PEM)")
	fl.StringSliceVar(&o.Columns, "columns", nil, "csv columns, comma-separated: "+output.ColumnNames()+" or dotted paths such as data.context.geo_location_code")
	fl.BoolVar(&o.CSVRaw, "csv-raw", false, "do not guard CSV cells that a spreadsheet would run as a formula")
	fl.StringVar(&o.StatePath, "state", "", "state file of incremental runs: start where the last run ended")
	fl.StringVar(&o.SpoolDir, "spool-dir", "", "directory for the temporary files of parallel shards (default: the output's directory)")
	fl.IntVar(&o.Parallel, "parallel", defaultExportParallel, "time shards walked at once, 1 to 16")
	fl.DurationVar(&o.Lag, "lag", defaultExportLag, "leave out the last seconds before now: events still being written go to the next run")
	fl.BoolVar(&o.NoCount, "no-count", false, "skip the count queries (no percentage or ETA; shards split evenly in time)")
	fl.StringVar(&o.fileMode, "file-mode", "0600", "mode of the files written, in octal")
	fl.SetNormalizeFunc(formatIsOutput)
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(exportFormats.allowed, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// formatIsOutput makes --format another name of export's -o/--output, as
// archives are usually asked for: --out-dir URL --format parquet.
func formatIsOutput(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "format" {
		name = "output"
	}
	return pflag.NormalizedName(name)
}

// fileFormats are those of --out files and stdout; exportFormats adds
// the archives' Parquet.
var (
	fileFormats   = []string{output.FormatJSONL, output.FormatCSV, output.FormatJSON}
	exportFormats = formatChoice{
		allowed:     append(slices.Clip(fileFormats), codec.FormatParquet),
		onTerminal:  output.FormatJSONL,
		onPipe:      output.FormatJSONL,
		fileFormats: []string{output.FormatJSONL, output.FormatJSON, output.FormatCSV},
	}
)

// validate checks the flags and derives the options. Every error is a
// usage error naming its flag.
func (o *exportOptions) validate() error {
	loc, err := o.zones.resolve(o.local)
	if err != nil {
		return err
	}
	if o.Filter, err = o.filters.filter(o.Now(), loc); err != nil {
		return err
	}
	o.SinceGiven = o.filters.since != ""
	o.SinceExpr = o.filters.since
	if o.Parallel < 1 || o.Parallel > walk.MaxParallel {
		return usageError(fmt.Errorf("--parallel: %d is out of range: give 1 to %d", o.Parallel, walk.MaxParallel))
	}
	if o.Lag < 0 {
		return usageError(fmt.Errorf("--lag: %s is negative: give 0 or a duration such as 5s", o.Lag))
	}
	mode, err := parseFileMode(o.fileMode)
	if err != nil {
		return usageError(fmt.Errorf("--file-mode: %w", err))
	}
	o.FileMode = mode
	if o.OutPath == "" {
		return usageError(errors.New("--out: empty: give a file name, or '-' for stdout"))
	}
	if o.OutDir != "" {
		if o.changed("out") {
			return usageError(errors.New("--out and --out-dir exclude each other: --out-dir names its files by their ranges"))
		}
		if dir, local := incremental.LocalDir(o.OutDir); local {
			if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
				return usageError(fmt.Errorf("--out-dir: %s is not a directory: give a directory (it is created when missing)", dir))
			}
		}
	} else if o.NoGzip {
		return usageError(errors.New("--no-gzip applies to --out-dir; with --out, name the file without .gz"))
	} else if o.SignKey != "" {
		return usageError(errors.New("--sign-key applies to --out-dir, whose entries it signs"))
	}
	toFile := o.OutDir == "" && o.OutPath != "-"
	if toFile {
		through, err := safefile.Check(o.OutPath)
		if err != nil {
			return usageError(fmt.Errorf("--out: %w", err))
		}
		o.outThrough = through
	}
	file := ""
	if toFile {
		file = o.OutPath
	}
	if o.Format, err = exportFormats.resolve(o.format, o.changed("output"), file, o.IO.OutTTY); err != nil {
		return err
	}
	if o.Format == codec.FormatParquet {
		return o.checkParquet()
	}
	if _, err := output.New(io.Discard, o.outputOptions()); err != nil {
		return usageError(fmt.Errorf("--columns: %w", err))
	}
	if o.CSVRaw && o.Format != output.FormatCSV {
		return usageError(fmt.Errorf("--csv-raw applies to csv output, not %s", o.Format))
	}
	return nil
}

// checkParquet refuses what a Parquet archive cannot do: it is an archive
// of one file per UTC day, with fixed columns, compressed inside.
func (o *exportOptions) checkParquet() error {
	switch {
	case o.OutDir == "":
		return usageError(errors.New("--output parquet writes an archive of one file per UTC day: give --out-dir (a folder or a bucket URL), not --out"))
	case o.NoGzip:
		return usageError(errors.New("--no-gzip applies to jsonl, csv and json: Parquet files are compressed inside (zstd)"))
	case o.changed("columns"), o.CSVRaw:
		return usageError(errors.New("--columns and --csv-raw apply to csv output: Parquet files have fixed columns (see the README's Parquet archives)"))
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

// runExport runs the export protocol of internal/export: the command
// resolves the range's end, the client and the filters, and reports.
func runExport(ctx context.Context, o *exportOptions) error {
	start := o.Now()

	// The end of the range: a whole second, the lag before now.
	until := start.UTC().Truncate(time.Second).Add(-o.Lag).Truncate(time.Second)
	if !o.Filter.Until.IsZero() {
		if o.Filter.Until.After(until) {
			o.IO.Notice("--until %s is later than now minus the lag: exporting until %s; later events go to the next run", fmtUTC(o.Filter.Until), fmtUTC(until))
		} else {
			until = o.Filter.Until.UTC()
		}
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	conn, err := o.Connection()
	if err != nil {
		return err
	}
	dest, err := incremental.DestinationOf(o.OutDir, o.OutPath)
	if err != nil {
		return err
	}
	var signKey ed25519.PrivateKey
	if o.SignKey != "" {
		if signKey, err = incremental.ReadSignKey(o.SignKey); err != nil {
			return usageError(err)
		}
	}
	var prog *iostreams.Progress // started once the ranges are planned
	defer func() { prog.Stop() }()
	stdout := o.IO.Out
	if o.IO.OutTTY && o.IO.ProgressShown() {
		// The spinner and the events share the terminal: it goes first.
		stdout = iostreams.StopBefore(stdout, func() { prog.Stop() })
	}
	run, err := export.Open(ctx, export.Options{
		Source: c, Filter: o.Filter, Since: o.Filter.Since, Until: until,
		Identity:  incremental.Identity{Endpoint: c.Endpoint(), Project: conn.Project, Filter: incremental.FilterOf(o.Filter), Dest: dest},
		StatePath: o.StatePath, OutDir: o.OutDir, OutPath: o.OutPath, OutThrough: o.outThrough, NoGzip: o.NoGzip,
		OpenBucket: openLocation, SignKey: signKey,
		Output: o.outputOptions(), FileMode: o.FileMode, Stdout: stdout,
		Parallel: o.Parallel, SpoolDir: o.SpoolDir,
		// The count probes balance parallel shards and give the progress
		// line its percentage. With one shard and no progress line (cron,
		// a pipe) nobody would use them, and a count(*) over months of a
		// busy project is not free for the server.
		Count:    !o.NoCount && (o.Parallel > 1 || o.IO.ProgressShown()),
		Now:      o.Now,
		Notice:   o.IO.Notice,
		Warn:     o.IO.Warn,
		Begin:    func() { prog = o.IO.StartProgress("exporting", o.Now) },
		Progress: func(p walk.Progress) { prog.Update(countsOf(p)) },
		// --ip, --client, --country: every event passes the filter here.
		Keep: o.Filter.Keep(),
		// A cron line repeats its first --since; read in another zone than
		// the first run's, it still names the state's start.
		SinceNames: func(start time.Time) bool { return auditlog.ReadInSomeZone(o.SinceExpr, o.Now(), start) },
	})
	if err != nil {
		return exportError(err)
	}
	defer run.Close()
	sel, err := selection(ctx, o.IO, c, o.Filter)
	if err != nil {
		return err
	}
	res, err := run.Do(ctx, sel)
	prog.Stop()
	if err != nil {
		return exportError(err)
	}
	if len(res.Written) > 0 {
		o.IO.Notice("%s", exportSummary(res, o.OutDir, o.Now().Sub(start), c.Stats()))
	}
	return nil
}

// exportError makes what the state, the --out-dir or the plan refuse bad
// usage (exit 2).
func exportError(err error) error {
	var refused *export.RefusedError
	if errors.As(err, &refused) {
		return usageError(err)
	}
	return err
}

// exportSummary is the one line on stderr after a successful run:
// "exported 20,000 events to audit.jsonl.gz in 4.2s (203 requests, 0 retries)".
func exportSummary(res export.Result, outDir string, took time.Duration, st adminapi.Stats) string {
	where := strings.Join(res.Written, " and ")
	if outDir != "" && len(res.Written) > 1 {
		where = fmt.Sprintf("%d files in %s", len(res.Written), outDir)
	}
	unit := "events"
	if res.Events == 1 {
		unit = "event"
	}
	line := fmt.Sprintf("exported %s %s to %s in %s (%s requests, %s retries)",
		output.GroupDigits(res.Events), unit, where, fmtElapsed(took), output.GroupDigits(st.Requests), output.GroupDigits(st.Retries))
	if res.Head != "" {
		line += fmt.Sprintf("; committed %s, head: %s", res.Entry, res.Head)
	}
	return line
}

// fmtElapsed is 4.2s under a minute, else whole seconds (1m3s).
func fmtElapsed(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func fmtUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }
