package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/deliver"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/output/shape"
	"github.com/authgear-audit/authgear-audit/internal/readback"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// searchOptions are the inputs of search: its dependencies, its flags as
// given, and what validate derives from them.
type searchOptions struct {
	IO     *iostreams.IOStreams
	Now    func() time.Time
	Client func(context.Context) (*adminapi.Client, error)
	local  func() *time.Location
	// follow are the options of the tail that --follow becomes.
	follow func() *tailOptions

	// As given.
	filters  filterFlags
	zones    zoneFlags
	shapes   shapeFlags
	sortDir  string
	format   string
	changed  func(name string) bool // whether the user gave a flag
	shapeCtx context.Context        // the context --jq and --template run in

	// Derived by validate.
	Filter     auditlog.Filter
	Descending bool
	Output     outputFlags
	Shaped     string // --jq or --template, as the state of --follow --state records it
	Backlog    int
	FromStart  bool

	Limit     int    // 0 = all
	OutPath   string // "" or "-" = stdout
	Inputs    []string
	Follow    bool // behave like tail
	StatePath string
	Interval  time.Duration
	Lag       time.Duration
}

// outputFlags are the output flags shared by search, tail and count, and
// the zone that tables show times in.
type outputFlags struct {
	Format  string
	Columns []string
	CSVRaw  bool
	Zone    *time.Location
	// Activities are the types the filter allows (nil: any); a table sizes
	// its ACTIVITY column to them.
	Activities []string
	// Shape, when set, writes events through --jq or --template.
	Shape func(w io.Writer, d shape.Dest) output.Writer
}

// eventFormats is how search and tail pick their format.
var eventFormats = formatChoice{
	allowed:     output.Formats(),
	onTerminal:  output.FormatTable,
	onPipe:      output.FormatJSONL,
	fileFormats: []string{output.FormatJSONL, output.FormatJSON, output.FormatCSV},
}

// NewCmdSearch builds search; runF, when not nil, runs instead of
// runSearch (tests check the flags with it).
func NewCmdSearch(f *Factory, runF func(context.Context, *searchOptions) error) *cobra.Command {
	opts := &searchOptions{IO: f.IO, Now: f.Now, Client: f.Client, local: f.localZone}
	opts.follow = func() *tailOptions { return newTailOptions(f) }
	cmd := &cobra.Command{
		Use:     "search",
		Aliases: []string{"list", "ls"},
		Short:   "Search the audit log (newest first)",
		Long: `Search the audit log through the Admin API, or an earlier export with --input.

Events come newest first (--sort asc for oldest first), at most --limit of
them (0 for all). There is no default time window: --since and --until narrow
the search, and the API's own retention bounds it.

Output (-o): table on a terminal, jsonl when stdout is a pipe. A table fits
the terminal: its columns are as wide as their values, and where the line is
too long the user agent, then the activity, then the user are cut with "…";
-o wide shows every column (ID and email too) with nothing cut. With --out FILE
the format follows the file's extension (.jsonl, .json, .csv, each optionally
.gz) unless -o says otherwise. The file is written to a temporary name and
renamed when complete; a device, a FIFO or /dev/stdout is written straight
through, a symbolic link stays a link (the file it points to is replaced),
and a directory is refused. --columns chooses the columns of table and csv output:
names or dotted paths into the event, such as data.context.geo_location_code.

--input searches exports with the same filters and no API access at all: a
file (jsonl or csv, .gz too), an export folder (its manifest's files in time
order, else its *.jsonl and *.csv files in name order) or - for stdin;
repeatable. An email or phone in --user is matched against the user
snapshots inside the files (they are read twice; stdin is kept in a
temporary file for that). Exports are oldest
first; newest-first output with --limit keeps only the newest N events in
memory, and with --limit 0 holds every matching event in memory until the
file has been read.

--follow keeps printing new events as they arrive, like 'tail' (oldest
first): first the last 10 events, or every event since --since; --limit,
when given, sets how many of them.

On a terminal, a line on stderr says what --out wrote (wrote 4,864 events to
week2.csv) or that --limit left events out (showing the 100 newest; --limit 0
for all). When nothing matches, the exit status is still 0; a note says so on
a terminal. In a pipe or cron, none of these.`,
		Example: `  authgear-audit search --activity authentication --since 24h
  authgear-audit search --user alice@example.com --since 2026-11-01 --until 2026-11-30
  authgear-audit search --activity USER_AUTHENTICATED --limit 0 -o jsonl | jq -r .ipAddress | sort | uniq -c
  authgear-audit search --limit 0 --out last-week.csv.gz --since 7d
  authgear-audit search --ip 203.0.113.0/24 --since 7d --limit 0 --jq .userID
  authgear-audit search --input examples/sample-export.jsonl --activity messaging --columns createdAt,activityType,data.payload.recipient`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.changed, opts.shapeCtx = cmd.Flags().Changed, cmd.Context()
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSearch(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.filters.register(fl)
	opts.filters.registerLocal(fl)
	opts.zones.register(cmd)
	fl.StringVar(&opts.sortDir, "sort", "desc", "order of events: desc (newest first) or asc")
	fl.IntVarP(&opts.Limit, "limit", "n", 100, "at most this many events; 0 for all")
	registerOutputFlags(cmd, &opts.format, &opts.Output)
	fl.StringVar(&opts.OutPath, "out", "", "write to this file instead of stdout (atomically; .gz compresses)")
	opts.shapes.register(cmd, "output", "columns", "out")
	fl.StringArrayVar(&opts.Inputs, "input", nil, "search this earlier export instead of the API: a file (jsonl or csv, .gz too), an export folder,\nor - for stdin; repeatable")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new events as they arrive, like 'tail'")
	fl.DurationVar(&opts.Interval, "interval", defaultInterval, "with --follow: time between polls")
	fl.DurationVar(&opts.Lag, "lag", defaultLag, "with --follow: leave events younger than this for the next poll")
	fl.StringVar(&opts.StatePath, "state", "", "with --follow: resume where the last run with this state file stopped, as 'tail --state'")
	return cmd
}

// validate checks the flags and derives the options. Every error is a
// usage error naming its flag.
func (o *searchOptions) validate() error {
	loc, err := o.zones.resolve(o.local)
	if err != nil {
		return err
	}
	if o.Filter, err = o.filters.filter(o.Now(), loc); err != nil {
		return err
	}
	switch strings.ToLower(o.sortDir) {
	case "desc":
		o.Descending = true
	case "asc":
		o.Descending = false
	default:
		return usageError(fmt.Errorf("--sort: %q is neither asc nor desc", o.sortDir))
	}
	if o.Limit < 0 {
		return usageError(fmt.Errorf("--limit: %d is negative: give 0 for all events, or a positive number", o.Limit))
	}
	if o.Follow {
		if o.changed("sort") && o.Descending {
			return usageError(errors.New("--follow prints events oldest first: drop --sort desc"))
		}
		o.Descending = false
		if len(o.Inputs) > 0 {
			return usageError(errors.New("--follow watches the API for new events: it does not apply to --input"))
		}
		if o.OutPath != "" && o.OutPath != "-" {
			return usageError(errors.New("--follow writes to stdout and never finishes a file: use 'export' for files"))
		}
		o.Backlog = defaultBacklog
		if o.changed("limit") {
			o.Backlog = o.Limit
		}
		if o.FromStart, err = checkFollow(o.Filter, o.Interval, o.Lag, o.changed("limit")); err != nil {
			return err
		}
	} else if o.changed("interval") || o.changed("lag") {
		return usageError(errors.New("--interval and --lag apply to --follow"))
	} else if o.StatePath != "" {
		return usageError(errors.New("--state applies to --follow; to resume exports, see 'export --state'"))
	}
	o.Output.Zone = loc
	if err := o.Output.resolve(o.IO, eventFormats, o.format, o.changed("output"), o.OutPath); err != nil {
		return err
	}
	if err := o.shapes.apply(o.shapeCtx, o.changed, o.Now, &o.Output); err != nil {
		return err
	}
	o.Shaped = shapedName(o.shapes)
	return nil
}

// registerOutputFlags adds -o, --columns and --csv-raw.
func registerOutputFlags(cmd *cobra.Command, format *string, o *outputFlags) {
	fl := cmd.Flags()
	fl.StringVarP(format, "output", "o", "", "output format: table, wide, jsonl, json or csv (default: table on a terminal, else jsonl)")
	fl.StringSliceVar(&o.Columns, "columns", nil, "columns of table and csv output, comma-separated: "+output.ColumnNames()+" or dotted paths such as data.context.geo_location_code")
	fl.BoolVar(&o.CSVRaw, "csv-raw", false, "do not guard CSV cells that a spreadsheet would run as a formula")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats(), cobra.ShellCompDirectiveNoFileComp))
}

// resolve picks the output format (choice.resolve) and checks the
// columns. Every error is a usage error.
func (o *outputFlags) resolve(ios *iostreams.IOStreams, choice formatChoice, format string, formatSet bool, outPath string) error {
	if outPath != "" && outPath != "-" {
		if _, err := safefile.Check(outPath); err != nil {
			return usageError(fmt.Errorf("--out: %w", err))
		}
	}
	f, err := choice.resolve(format, formatSet, outPath, ios.OutTTY)
	if err != nil {
		return err
	}
	o.Format = f
	// output.New only checks options; it writes nothing.
	if _, err := output.New(io.Discard, o.options(ios, false)); err != nil {
		return usageError(fmt.Errorf("--columns: %w", err))
	}
	return nil
}

// options are the output.Options for writing to stdout (toStdout) or a file.
func (o outputFlags) options(ios *iostreams.IOStreams, toStdout bool) output.Options {
	opts := output.Options{
		Format:   o.Format,
		Columns:  o.Columns,
		Location: o.Zone,
		CSVRaw:   o.CSVRaw,

		Activities: o.Activities,
	}
	if toStdout {
		opts.Color = ios.ColorEnabled()
		opts.Width = ios.TerminalWidth()
	}
	return opts
}

// sink is where a command writes events: stdout or an atomic file.
type sink struct {
	w      output.Writer
	file   *safefile.File // nil for stdout
	stdout bool
}

// openSink opens the output: stdout when path is "" or "-", else a file
// that appears under its name only when finish succeeds.
func openSink(ios *iostreams.IOStreams, path string, o outputFlags, flushEach bool) (*sink, error) {
	return openSinkWith(ios, path, o, flushEach, nil)
}

// openSinkWith is openSink that calls beforeWrite, when not nil, before
// each write to a terminal on stdout (it stops the spinner).
func openSinkWith(ios *iostreams.IOStreams, path string, o outputFlags, flushEach bool, beforeWrite func()) (*sink, error) {
	s := &sink{stdout: path == "" || path == "-"}
	var dst io.Writer = ios.Out
	if s.stdout && ios.OutTTY && beforeWrite != nil {
		dst = iostreams.StopBefore(dst, beforeWrite)
	}
	if !s.stdout {
		f, err := safefile.Create(path, 0)
		if err != nil {
			return nil, err
		}
		s.file, dst = f, f
	}
	opts := o.options(ios, s.stdout)
	opts.FlushEach = flushEach
	w, err := o.writer(ios, dst, opts, s.stdout)
	if err != nil {
		if s.file != nil {
			s.file.Abort()
		}
		return nil, usageError(err)
	}
	s.w = w
	return s, nil
}

// finish closes the writer and, for a file, commits it when err is nil or
// throws it away otherwise. It returns the first error.
//
// On stdout the events written before a failure are flushed whole even so:
// a reader of the stream sees complete records, never half a line, and the
// exit code tells it that the stream is short.
func (s *sink) finish(err error) error {
	if err == nil {
		err = s.w.Close()
	} else if s.stdout {
		_ = s.w.Close() // a second error (a closed pipe) changes nothing
	}
	if s.file != nil {
		if err == nil {
			err = s.file.Commit()
		} else {
			s.file.Abort()
		}
	}
	return err
}

func runSearch(ctx context.Context, o *searchOptions) error {
	o.Output.Activities = o.Filter.ActivityTypes
	if o.Follow {
		t := o.follow()
		t.Filter, t.Backlog, t.FromStart = o.Filter, o.Backlog, o.FromStart
		t.Interval, t.Lag, t.Output = o.Interval, o.Lag, o.Output
		t.Delivery = deliveryFlags{StatePath: o.StatePath, Shaped: o.Shaped,
			BatchSize: deliver.DefaultBatchSize, FlushInterval: deliver.DefaultFlushInterval}
		return runTail(ctx, t)
	}
	var (
		err error
		s   *sink
	)
	rep := newSearchReport(o)
	if len(o.Inputs) > 0 {
		ins, ierr := inputs(ctx, o.IO.In, o.Inputs)
		if ierr != nil {
			return ierr
		}
		s, err = openSink(o.IO, o.OutPath, o.Output, false)
		if err != nil {
			return err
		}
		err = readback.Search(ctx, ins, o.Filter, o.Descending, rep.limit(), rep.emit(s.w.Write))
	} else {
		c, cerr := o.Client(ctx)
		if cerr != nil {
			return cerr
		}
		sel, rerr := selection(ctx, o.IO, c, o.Filter)
		if rerr != nil {
			return rerr
		}
		prog := o.IO.StartProgress("searching", o.Now)
		defer prog.Stop()
		// A table holds rows back to size its columns: the spinner runs
		// until its first line.
		s, err = openSinkWith(o.IO, o.OutPath, o.Output, false, prog.Stop)
		if err != nil {
			return err
		}
		err = walk.Serial(ctx, c, walk.SerialOptions{
			Selection:  sel,
			Descending: o.Descending,
			Limit:      rep.limit(),
			Keep:       o.Filter.Keep(),
			Progress:   func(p walk.Progress) { prog.Update(countsOf(p)) },
		}, rep.emit(s.w.Write))
		prog.Stop()
	}
	if err = s.finish(err); err != nil {
		return err
	}
	rep.done()
	return nil
}

// noticeNoEvents says on a terminal stderr that nothing matched.
func noticeNoEvents(ios *iostreams.IOStreams, f auditlog.Filter) {
	if ios.ErrTTY {
		ios.Notice("no events matched (%s)", f.Describe())
	}
}
