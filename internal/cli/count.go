package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/count"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/output/shape"
)

// countOptions are the inputs of count.
type countOptions struct {
	App *App

	Filter  auditlog.Filter
	Count   count.Options
	Write   count.WriteOptions
	NoChart bool
	Inputs  []string
	Shaper  *shape.Shaper // --jq or --template; nil for neither
}

func newCountCmd(a *App) *cobra.Command {
	opts := &countOptions{App: a}
	var (
		ff     filterFlags
		sf     shapeFlags
		by     string
		format string
	)
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
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := ff.filter(a)
			if err != nil {
				return err
			}
			opts.Filter = f
			b, err := count.ParseBy(by)
			if err != nil {
				return usageError(fmt.Errorf("--by: %w", err))
			}
			opts.Count.By, opts.Write.By = b, b
			if opts.Write.Format, err = countFormat(a, format, cmd.Flags().Changed("output")); err != nil {
				return err
			}
			opts.Count.Location = a.zone()
			opts.Write.Location = opts.Count.Location
			opts.Count.Local = localFilter(f)
			if opts.Shaper, err = sf.shaper(cmd, a, opts.Count.Location); err != nil {
				return err
			}
			return runCount(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	ff.register(fl)
	ff.registerLocal(fl)
	a.addZoneFlags(cmd)
	fl.StringVar(&by, "by", "", "group by activity, user, ip, client, day or hour")
	fl.StringVarP(&format, "output", "o", "", "output format: table, json or csv (default: table on a terminal, else json)")
	fl.BoolVar(&opts.Write.CSVRaw, "csv-raw", false, "do not guard CSV cells that a spreadsheet would run as a formula")
	fl.BoolVar(&opts.NoChart, "no-chart", false, "no bars in a table on a terminal")
	fl.StringArrayVar(&opts.Inputs, "input", nil, "count this earlier export instead of the API: a file (jsonl or csv, .gz too), an export folder,\nor - for stdin; repeatable")
	sf.register(cmd, "output")
	_ = cmd.RegisterFlagCompletionFunc("by", cobra.FixedCompletions(count.Groupings(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{output.FormatTable, output.FormatJSON, output.FormatCSV}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// countFormat is -o, else table on a terminal and json elsewhere.
func countFormat(a *App, format string, set bool) (string, error) {
	switch {
	case set:
		f := strings.ToLower(strings.TrimSpace(format))
		if f != output.FormatTable && f != output.FormatJSON && f != output.FormatCSV {
			return "", usageError(fmt.Errorf("--output: unknown format %q: use table, json or csv", format))
		}
		return f, nil
	case a.IO.OutTTY:
		return output.FormatTable, nil
	}
	return output.FormatJSON, nil
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
	a := o.App
	o.Count.Now = a.now()
	o.Write.Chart = a.IO.OutTTY && !o.NoChart
	o.Write.Width = a.termWidth()
	var (
		rows []count.Row
		err  error
	)
	if len(o.Inputs) > 0 {
		ins, ierr := a.inputs(ctx, o.Inputs)
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
		return o.Shaper.JSON(ctx, a.IO.Out, shape.Dest{Color: a.colorOut(), Terminal: a.IO.OutTTY}, b.Bytes())
	}
	return count.Write(a.IO.Out, rows, o.Write)
}

// countAPI counts through the Admin API.
func countAPI(ctx context.Context, o *countOptions) ([]count.Row, error) {
	a := o.App
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	sel, err := a.selection(ctx, c, o.Filter)
	if err != nil {
		return nil, err
	}
	if msg := o.Count.DownloadNotice(); msg != "" {
		a.notice("%s", msg)
	}
	prog := a.startProgress("counting")
	defer prog.Stop()
	o.Count.Progress = prog.Update
	return count.API(ctx, c, sel, o.Count)
}
