package cli

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/count"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/output/shape"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// countOptions are the inputs of count: its dependencies, its flags as
// given, and what validate derives from them.
type countOptions struct {
	IO     *iostreams.IOStreams
	Now    func() time.Time
	Client func(context.Context) (*adminapi.Client, error)
	local  func() *time.Location

	// As given.
	filters filterFlags
	zones   zoneFlags
	shapes  shapeFlags
	by      string
	format  string
	changed func(name string) bool

	// Derived by validate.
	Filter  auditlog.Filter
	Count   count.Options
	Write   count.WriteOptions
	NoChart bool
	Inputs  []string
	Shaper  *shape.Shaper // --jq or --template; nil for neither
}

// countFormats is how count picks its format.
var countFormats = formatChoice{
	allowed:    []string{output.FormatTable, output.FormatJSON, output.FormatCSV},
	onTerminal: output.FormatTable,
	onPipe:     output.FormatJSON,
}

// NewCmdCount builds count; runF, when not nil, runs instead of runCount.
func NewCmdCount(f *Factory, runF func(context.Context, *countOptions) error) *cobra.Command {
	opts := &countOptions{IO: f.IO, Now: f.Now, Client: f.Client, local: f.localZone}
	cmd := &cobra.Command{
		Use:   "count",
		Short: "Count audit events, in total or grouped",
		Long: `Count the events that match the filters.

Without --by, one number: the API's totalCount, one query.

--by activity, day and hour ask the API for counts too, many to a request,
instead of downloading events: one count per activity type of the filter
(every type when --activity is not given; types with no events are left
out), one per day or hour. Over a long range of few events, hours are
downloaded instead, which is then cheaper for the server. Days and hours
are in the zone of --tz, --utc or local time; they run from
--since (else the first matching event) to --until (else now), with a row
for each, 0 included.

--by user, ip or client downloads the matching events and counts them here;
narrow the range with --since and --until on a busy project. Events with no
user, IP or client are counted under the key null in JSON, an empty cell in
CSV and (none) in a table. By user, a table also shows each user's email
address when the events carry it.

Output (-o): table on a terminal, json otherwise: the total as a bare number,
grouped counts as one array of {"key", "count"} objects. csv writes a header
(the --by name, or count) and one row per key. Grouped counts are sorted by
count, largest first, except days and hours, which are in time order. On a
terminal, each row of a table gets a bar scaled to the largest count
(--no-chart: none).

--ip, --client and --country are filters the API lacks: with them, counting
downloads every event of the range and tests it here (a notice says so).
--jq and --template run once over the array that -o json writes.

--input counts earlier exports with no API access (a file, an export folder
or - for stdin; repeatable); their days and hours run from the first to the
last matching event.`,
		Example: `  authgear-audit count --activity authentication --since 24h
  authgear-audit count --by activity --since 7d
  authgear-audit count --by hour --since 2026-11-25 --until 2026-11-25 --activity authentication
  authgear-audit count --by day --activity USER_CREATED --since 2026-11-01 --tz Asia/Hong_Kong
  authgear-audit count --by ip --activity AUTHENTICATION_PRIMARY_PASSWORD_FAILED --since 1d -o json | jq '.[:10]'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.changed = cmd.Flags().Changed
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCount(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.filters.register(fl)
	opts.filters.registerLocal(fl)
	opts.zones.register(cmd)
	fl.StringVar(&opts.by, "by", "", "group by activity, user, ip, client, day or hour")
	fl.StringVarP(&opts.format, "output", "o", "", "output format: table, json or csv (default: table on a terminal, else json)")
	fl.BoolVar(&opts.Write.CSVRaw, "csv-raw", false, "do not guard CSV cells that a spreadsheet would run as a formula")
	fl.BoolVar(&opts.NoChart, "no-chart", false, "no bars in a table on a terminal")
	fl.StringArrayVar(&opts.Inputs, "input", nil, "count this earlier export instead of the API: a file (jsonl or csv, .gz too), an export folder,\nor - for stdin; repeatable")
	opts.shapes.register(cmd, "output")
	_ = cmd.RegisterFlagCompletionFunc("by", cobra.FixedCompletions(count.Groupings(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(countFormats.allowed, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// validate checks the flags and derives the options. Every error is a
// usage error naming its flag.
func (o *countOptions) validate() error {
	loc, err := o.zones.resolve(o.local)
	if err != nil {
		return err
	}
	if o.Filter, err = o.filters.filter(o.Now(), loc); err != nil {
		return err
	}
	b, err := count.ParseBy(o.by)
	if err != nil {
		return usageError(fmt.Errorf("--by: %w", err))
	}
	o.Count.By, o.Write.By = b, b
	if o.Write.Format, err = countFormats.resolve(o.format, o.changed("output"), "", o.IO.OutTTY); err != nil {
		return err
	}
	o.Count.Location, o.Write.Location = loc, loc
	o.Count.Local = localFilter(o.Filter)
	o.Shaper, err = o.shapes.shaper(o.changed, o.Now, loc)
	return err
}

// localFilter is the part of f that the Admin API cannot apply (--ip,
// --client, --country): counting tests it on every downloaded event.
func localFilter(f auditlog.Filter) *count.LocalFilter {
	m := f.Local()
	if m == nil {
		return nil
	}
	return &count.LocalFilter{Flags: localFlags(f), Match: m.Match}
}

func runCount(ctx context.Context, o *countOptions) error {
	o.Count.Now = o.Now()
	o.Write.Chart = o.IO.OutTTY && !o.NoChart
	o.Write.Width = o.IO.TerminalWidth()
	var (
		rows []count.Row
		err  error
	)
	if len(o.Inputs) > 0 {
		ins, ierr := inputs(ctx, o.IO.In, o.Inputs)
		if ierr != nil {
			return ierr
		}
		rows, err = count.File(ctx, ins, o.Filter, o.Count)
	} else {
		rows, err = countAPI(ctx, o)
	}
	if err != nil {
		return err
	}
	if o.Shaper != nil {
		// --jq and --template see what -o json writes.
		var b bytes.Buffer
		wo := o.Write
		wo.Format, wo.Chart = output.FormatJSON, false
		if err := count.Write(&b, rows, wo); err != nil {
			return err
		}
		return o.Shaper.JSON(ctx, o.IO.Out, shape.Dest{Color: o.IO.ColorEnabled(), Terminal: o.IO.OutTTY}, b.Bytes())
	}
	return count.Write(o.IO.Out, rows, o.Write)
}

// countAPI counts through the Admin API.
func countAPI(ctx context.Context, o *countOptions) ([]count.Row, error) {
	c, err := o.Client(ctx)
	if err != nil {
		return nil, err
	}
	sel, err := selection(ctx, o.IO, c, o.Filter)
	if err != nil {
		return nil, err
	}
	if msg := o.Count.DownloadNotice(); msg != "" {
		o.IO.Notice("%s", msg)
	}
	prog := o.IO.StartProgress("counting", o.Now)
	defer prog.Stop()
	o.Count.Progress = func(p walk.Progress) { prog.Update(countsOf(p)) }
	return count.API(ctx, c, sel, o.Count)
}
