package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/deliver"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/output/shape"
	"github.com/authgear-audit/authgear-audit/internal/readback"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// searchOptions are the inputs of search, after flag parsing.
type searchOptions struct {
	App *App

	Filter     auditlog.Filter
	Descending bool
	Limit      int // 0 = all

	Output  outputFlags
	OutPath string // "" or "-" = stdout

	Inputs []string // search these exports instead of the API
	Shaped string   // --jq or --template, as the state of --follow --state records it

	Follow    bool // behave like tail
	StatePath string
	Backlog   int
	FromStart bool
	Interval  time.Duration
	Lag       time.Duration
}

// outputFlags are the output flags shared by search, tail and count.
type outputFlags struct {
	Format  string
	Columns []string
	CSVRaw  bool
	// Activities are the types the filter allows (nil: any); a table sizes
	// its ACTIVITY column to them.
	Activities []string
	// Shape, when set, writes events through --jq or --template.
	Shape func(w io.Writer, d shape.Dest) output.Writer
}

func newSearchCmd(a *App) *cobra.Command {
	opts := &searchOptions{App: a}
	var (
		ff      filterFlags
		sf      shapeFlags
		sortDir string
		format  string
	)
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
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := ff.filter(a)
			if err != nil {
				return err
			}
			opts.Filter = f
			switch strings.ToLower(sortDir) {
			case "desc":
				opts.Descending = true
			case "asc":
				opts.Descending = false
			default:
				return usageError(fmt.Errorf("--sort: %q is neither asc nor desc", sortDir))
			}
			if opts.Limit < 0 {
				return usageError(fmt.Errorf("--limit: %d is negative: give 0 for all events, or a positive number", opts.Limit))
			}
			if opts.Follow {
				if cmd.Flags().Changed("sort") && opts.Descending {
					return usageError(errors.New("--follow prints events oldest first: drop --sort desc"))
				}
				if len(opts.Inputs) > 0 {
					return usageError(errors.New("--follow watches the API for new events: it does not apply to --input"))
				}
				if opts.OutPath != "" && opts.OutPath != "-" {
					return usageError(errors.New("--follow writes to stdout and never finishes a file: use 'export' for files"))
				}
				if err := checkFollowUntil(opts.Filter); err != nil {
					return err
				}
				opts.Backlog = defaultBacklog
				if cmd.Flags().Changed("limit") {
					opts.Backlog = opts.Limit
				}
				opts.FromStart = !opts.Filter.Since.IsZero() && !cmd.Flags().Changed("limit")
				if err := checkFollowTiming(opts.Interval, opts.Lag); err != nil {
					return err
				}
			} else if cmd.Flags().Changed("interval") || cmd.Flags().Changed("lag") {
				return usageError(errors.New("--interval and --lag apply to --follow"))
			} else if opts.StatePath != "" {
				return usageError(errors.New("--state applies to --follow; to resume exports, see 'export --state'"))
			}
			o, err := resolveOutputFlags(a, format, cmd.Flags().Changed("output"), opts.OutPath, &opts.Output)
			if err != nil {
				return err
			}
			if err := sf.apply(cmd, a, &o); err != nil {
				return err
			}
			opts.Output = o
			opts.Shaped = shapedName(sf)
			return runSearch(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	ff.register(fl)
	ff.registerLocal(fl)
	a.addZoneFlags(cmd)
	fl.StringVar(&sortDir, "sort", "desc", "order of events: desc (newest first) or asc")
	fl.IntVarP(&opts.Limit, "limit", "n", 100, "at most this many events; 0 for all")
	registerOutputFlags(cmd, &format, &opts.Output)
	fl.StringVar(&opts.OutPath, "out", "", "write to this file instead of stdout (atomically; .gz compresses)")
	sf.register(cmd, "output", "columns", "out")
	fl.StringArrayVar(&opts.Inputs, "input", nil, "search this earlier export instead of the API: a file (jsonl or csv, .gz too), an export folder,\nor - for stdin; repeatable")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new events as they arrive, like 'tail'")
	fl.DurationVar(&opts.Interval, "interval", defaultInterval, "with --follow: time between polls")
	fl.DurationVar(&opts.Lag, "lag", defaultLag, "with --follow: leave events younger than this for the next poll")
	fl.StringVar(&opts.StatePath, "state", "", "with --follow: resume where the last run with this state file stopped, as 'tail --state'")
	return cmd
}

// registerOutputFlags adds -o, --columns and --csv-raw.
func registerOutputFlags(cmd *cobra.Command, format *string, o *outputFlags) {
	fl := cmd.Flags()
	fl.StringVarP(format, "output", "o", "", "output format: table, wide, jsonl, json or csv (default: table on a terminal, else jsonl)")
	fl.StringSliceVar(&o.Columns, "columns", nil, "columns of table and csv output, comma-separated: "+output.ColumnNames()+" or dotted paths such as data.context.geo_location_code")
	fl.BoolVar(&o.CSVRaw, "csv-raw", false, "do not guard CSV cells that a spreadsheet would run as a formula")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats(), cobra.ShellCompDirectiveNoFileComp))
}

// resolveOutputFlags picks the output format (-o, else the --out file's
// extension, else table on a terminal and jsonl on a pipe) and checks the
// columns. Every error is a usage error.
func resolveOutputFlags(a *App, format string, formatSet bool, outPath string, o *outputFlags) (outputFlags, error) {
	res := *o
	toFile := outPath != "" && outPath != "-"
	if toFile {
		if _, err := safefile.Check(outPath); err != nil {
			return res, usageError(fmt.Errorf("--out: %w", err))
		}
	}
	switch {
	case formatSet:
		res.Format = strings.ToLower(strings.TrimSpace(format))
		if !slices.Contains(output.Formats(), res.Format) {
			return res, usageError(fmt.Errorf("--output: unknown format %q: use %s", format, strings.Join(output.Formats(), ", ")))
		}
	case toFile:
		f, ok := output.FormatFromPath(outPath)
		if !ok {
			return res, usageError(fmt.Errorf("--out: cannot tell the format of %s from its extension: name it .jsonl, .json or .csv (.gz to compress) or give -o", outPath))
		}
		res.Format = f
	case a.IO.OutTTY:
		res.Format = output.FormatTable
	default:
		res.Format = output.FormatJSONL
	}
	// output.New only checks options; it writes nothing.
	if _, err := output.New(io.Discard, res.options(a, false)); err != nil {
		return res, usageError(fmt.Errorf("--columns: %w", err))
	}
	return res, nil
}

// options are the output.Options for writing to stdout (toStdout) or a file.
func (o outputFlags) options(a *App, toStdout bool) output.Options {
	opts := output.Options{
		Format:   o.Format,
		Columns:  o.Columns,
		Location: a.zone(),
		CSVRaw:   o.CSVRaw,

		Activities: o.Activities,
	}
	if toStdout {
		opts.Color = a.colorOut()
		opts.Width = a.termWidth()
	}
	return opts
}

// colorOut reports whether stdout may get colours: a terminal that is not
// TERM=dumb, no NO_COLOR (https://no-color.org: set and not empty) and no
// --no-color.
func (a *App) colorOut() bool {
	return a.IO.OutTTY && a.getenv("NO_COLOR") == "" && !a.Global.NoColor && !a.dumbTerminal()
}

// termWidth is the width of the terminal on stdout, else $COLUMNS, else 0
// (unknown: the table then takes its default).
func (a *App) termWidth() int {
	if a.IO.OutTTY && a.IO.Width != nil {
		if w := a.IO.Width(); w > 0 {
			return w
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(a.getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return 0
}

// sink is where a command writes events: stdout or an atomic file.
type sink struct {
	w      output.Writer
	file   *safefile.File // nil for stdout
	stdout bool
}

// openSink opens the output: stdout when path is "" or "-", else a file
// that appears under its name only when finish succeeds.
func openSink(a *App, path string, o outputFlags, flushEach bool) (*sink, error) {
	return openSinkWith(a, path, o, flushEach, nil)
}

// openSinkWith is openSink that calls beforeWrite, when not nil, before
// each write to a terminal on stdout (it stops the spinner).
func openSinkWith(a *App, path string, o outputFlags, flushEach bool, beforeWrite func()) (*sink, error) {
	s := &sink{stdout: path == "" || path == "-"}
	var dst io.Writer = a.IO.Out
	if s.stdout && a.IO.OutTTY && beforeWrite != nil {
		dst = stopBefore(dst, beforeWrite)
	}
	if !s.stdout {
		f, err := safefile.Create(path, 0)
		if err != nil {
			return nil, err
		}
		s.file, dst = f, f
	}
	opts := o.options(a, s.stdout)
	opts.FlushEach = flushEach
	w, err := o.writer(a, dst, opts, s.stdout)
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
	a := o.App
	o.Output.Activities = o.Filter.ActivityTypes
	if o.Follow {
		return runTail(ctx, &tailOptions{
			App: a, Filter: o.Filter, Backlog: o.Backlog, FromStart: o.FromStart,
			Interval: o.Interval, Lag: o.Lag, Output: o.Output,
			Delivery: deliveryFlags{StatePath: o.StatePath, Shaped: o.Shaped,
				BatchSize: deliver.DefaultBatchSize, FlushInterval: deliver.DefaultFlushInterval},
		})
	}
	var (
		err error
		s   *sink
	)
	rep := newSearchReport(o)
	if len(o.Inputs) > 0 {
		ins, ierr := a.inputs(ctx, o.Inputs)
		if ierr != nil {
			return ierr
		}
		s, err = openSink(a, o.OutPath, o.Output, false)
		if err != nil {
			return err
		}
		err = readback.Search(ctx, ins, o.Filter, o.Descending, rep.limit(), rep.emit(s.w.Write))
	} else {
		c, cerr := a.client(ctx)
		if cerr != nil {
			return cerr
		}
		sel, rerr := a.selection(ctx, c, o.Filter)
		if rerr != nil {
			return rerr
		}
		prog := a.startProgress("searching")
		defer prog.Stop()
		// A table holds rows back to size its columns: the spinner runs
		// until its first line.
		s, err = openSinkWith(a, o.OutPath, o.Output, false, prog.Stop)
		if err != nil {
			return err
		}
		err = walk.Serial(ctx, c, walk.SerialOptions{
			Selection:  sel,
			Descending: o.Descending,
			Limit:      rep.limit(),
			Keep:       o.Filter.Keep(),
			Progress:   prog.Update,
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
func (a *App) noticeNoEvents(f auditlog.Filter) {
	if a.IO.ErrTTY {
		a.notice("no events matched (%s)", f.Describe())
	}
}
