package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/archive"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/fetch"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/output/shape"
)

// The groupings of count --by.
const (
	byNone     = ""
	byActivity = "activity"
	byUser     = "user"
	byIP       = "ip"
	byClient   = "client"
	byDay      = "day"
	byHour     = "hour"
)

var countByValues = []string{byActivity, byUser, byIP, byClient, byDay, byHour}

// countConcurrency bounds the parallel totalCount queries of --by activity.
const countConcurrency = 8

// countOptions are the inputs of count.
type countOptions struct {
	App *App

	Filter   auditlog.Filter
	By       string
	Format   string // table, json or csv
	Location *time.Location
	CSVRaw   bool
	Inputs   []string
	Shaper   *shape.Shaper // --jq or --template; nil for neither
}

// countRow is one line of count's output.
type countRow struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

func newCountCmd(a *App) *cobra.Command {
	opts := &countOptions{App: a}
	var (
		ff filterFlags
		sf shapeFlags
	)
	cmd := &cobra.Command{
		Use:   "count",
		Short: "Count audit events, in total or grouped",
		Long: `Count the events that match the filters.

Without --by, one number: the API's totalCount, one query.

--by activity counts each activity type of the filter (every type when
--activity is not given) with the API's totalCount, up to 8 queries at a time,
instead of downloading events; types with no events are left out.

--by user, ip, client, day or hour downloads the matching events and counts
them here; narrow the range with --since and --until on a busy project. Days
and hours are those of the zone (local, or --utc, or --tz).

Output (-o): table on a terminal, json otherwise: the total as a bare number,
grouped counts as one array of {"key", "count"} objects. csv writes a header
(the --by name, or count) and one row per key. Grouped counts are sorted by
count, largest first, except days and hours, which are in time order.

--input counts earlier exports with no API access: a file (jsonl or csv,
.gz too), an export folder (its manifest's files in time order, else every
*.jsonl and *.csv file in name order) or - for stdin; repeatable.

--ip, --client and --country are not filters of the API: with them count
downloads every event of the range and counts here, as a notice says.`,
		Example: `  authgear-audit count --activity authentication --since 24h
  authgear-audit count --by activity --since 7d
  authgear-audit count --by day --activity USER_CREATED --since 2026-11-01 --tz Asia/Hong_Kong
  authgear-audit count --by ip --activity AUTHENTICATION_PRIMARY_PASSWORD_FAILED --since 1d -o json | jq '.[:10]'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := ff.filter(a)
			if err != nil {
				return err
			}
			opts.Filter = f
			opts.By = strings.ToLower(strings.TrimSpace(opts.By))
			if opts.By != byNone && !slices.Contains(countByValues, opts.By) {
				return usageError(fmt.Errorf("--by: unknown grouping %q: use %s", opts.By, strings.Join(countByValues, ", ")))
			}
			switch {
			case cmd.Flags().Changed("output"):
				opts.Format = strings.ToLower(strings.TrimSpace(opts.Format))
				if opts.Format != output.FormatTable && opts.Format != output.FormatJSON && opts.Format != output.FormatCSV {
					return usageError(fmt.Errorf("--output: unknown format %q: use table, json or csv", opts.Format))
				}
			case a.IO.OutTTY:
				opts.Format = output.FormatTable
			default:
				opts.Format = output.FormatJSON
			}
			opts.Location = a.zone()
			if opts.Shaper, err = sf.shaper(cmd, a, opts.Location); err != nil {
				return err
			}
			return runCount(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	ff.register(fl)
	ff.registerLocal(fl)
	fl.StringVar(&opts.By, "by", "", "group by activity, user, ip, client, day or hour")
	fl.StringVarP(&opts.Format, "output", "o", "", "output format: table, json or csv (default: table on a terminal, else json)")
	a.addZoneFlags(cmd)
	fl.BoolVar(&opts.CSVRaw, "csv-raw", false, "do not guard CSV cells that a spreadsheet would run as a formula")
	fl.StringArrayVar(&opts.Inputs, "input", nil, "count this earlier export instead of the API: a file (jsonl or csv, .gz too), an export folder,\nor - for stdin; repeatable")
	sf.register(cmd, "output")
	_ = cmd.RegisterFlagCompletionFunc("by", cobra.FixedCompletions(countByValues, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{output.FormatTable, output.FormatJSON, output.FormatCSV}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runCount(ctx context.Context, o *countOptions) error {
	var (
		rows []countRow
		err  error
	)
	if len(o.Inputs) > 0 {
		rows, err = countFile(ctx, o)
	} else {
		rows, err = countAPI(ctx, o)
	}
	if err != nil {
		return err
	}
	if o.Shaper != nil {
		return shapeCounts(ctx, o, rows)
	}
	return writeCounts(o.App.IO.Out, o, rows)
}

// countAPI counts through the Admin API. Without --by the result is one row
// with the key "total".
func countAPI(ctx context.Context, o *countOptions) ([]countRow, error) {
	a := o.App
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	sel, err := a.selection(ctx, c, o.Filter)
	if err != nil {
		return nil, err
	}
	if o.Filter.HasLocal() {
		return countLocal(ctx, c, sel, o)
	}
	prog := a.startProgress("counting")
	defer prog.Stop()
	switch o.By {
	case byNone:
		n, err := c.Count(ctx, sel)
		if err != nil {
			return nil, err
		}
		return []countRow{{Key: "total", Count: n}}, nil
	case byActivity:
		return countByActivity(ctx, c, sel)
	}
	key := countKey(o.By, o.Location)
	counts := map[string]int{}
	err = fetch.Walk(ctx, c, fetch.WalkOptions{Selection: sel, Progress: prog.Update}, func(e *auditlog.Event) error {
		counts[key(e)]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sortCounts(counts, o.By), nil
}

// countByActivity asks for the totalCount of each activity type of sel (all
// of them when sel names none), countConcurrency at a time, and returns the
// non-zero counts, largest first.
func countByActivity(ctx context.Context, c *adminapi.Client, sel adminapi.Selection) ([]countRow, error) {
	types := sel.ActivityTypes
	if len(types) == 0 {
		for _, t := range auditlog.Catalog() {
			types = append(types, t.Enum)
		}
	}
	// One count per type, a few at a time; the first failure stops the rest.
	counts := make([]int, len(types))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(countConcurrency)
	for i, t := range types {
		g.Go(func() error {
			s := sel
			s.ActivityTypes = []string{t}
			n, err := c.Count(gctx, s)
			if err != nil {
				return fmt.Errorf("count %s: %w", t, err)
			}
			counts[i] = n
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	m := map[string]int{}
	for i, t := range types {
		if counts[i] > 0 {
			m[t] = counts[i]
		}
	}
	return sortCounts(m, byActivity), nil
}

// countFile counts the matching events of exports.
func countFile(ctx context.Context, o *countOptions) ([]countRow, error) {
	ins, err := o.App.inputs(o.Inputs)
	if err != nil {
		return nil, err
	}
	by := o.By
	key := countKey(by, o.Location)
	if by == byNone {
		key = func(*auditlog.Event) string { return "total" }
	}
	counts := map[string]int{}
	err = archive.Match(ctx, ins, o.Filter, func(e *auditlog.Event) error {
		counts[key(e)]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if by == byNone {
		return []countRow{{Key: "total", Count: counts["total"]}}, nil
	}
	return sortCounts(counts, by), nil
}

// countKey returns the grouping key of an event for --by.
func countKey(by string, loc *time.Location) func(*auditlog.Event) string {
	switch by {
	case byActivity:
		return func(e *auditlog.Event) string { return e.ActivityType }
	case byUser:
		return func(e *auditlog.Event) string { return e.UserID }
	case byIP:
		return func(e *auditlog.Event) string { return e.IPAddress }
	case byClient:
		return func(e *auditlog.Event) string { return e.ClientID }
	case byDay:
		return func(e *auditlog.Event) string { return e.CreatedAt.In(loc).Format("2006-01-02") }
	case byHour:
		return func(e *auditlog.Event) string { return e.CreatedAt.In(loc).Format("2006-01-02T15:00Z07:00") }
	}
	return func(*auditlog.Event) string { return "total" }
}

// sortCounts orders days and hours by time and everything else by count,
// largest first, then by key.
func sortCounts(m map[string]int, by string) []countRow {
	rows := make([]countRow, 0, len(m))
	for k, n := range m {
		rows = append(rows, countRow{Key: k, Count: n})
	}
	sort.Slice(rows, func(i, j int) bool {
		if by != byDay && by != byHour && rows[i].Count != rows[j].Count {
			return rows[i].Count > rows[j].Count
		}
		return rows[i].Key < rows[j].Key
	})
	return rows
}

// bucketHeader is the header of the key column; for days and hours it names
// the zone, at the first of them.
func bucketHeader(by string, loc *time.Location, rows []countRow) string {
	h := strings.ToUpper(by)
	if (by == byDay || by == byHour) && len(rows) > 0 && len(rows[0].Key) >= 10 {
		at, _ := time.ParseInLocation("2006-01-02", rows[0].Key[:10], loc)
		h += " (" + output.ZoneLabel(loc, at) + ")"
	}
	return h
}

// writeCounts writes the result in the chosen format.
func writeCounts(w io.Writer, o *countOptions, rows []countRow) error {
	total := o.By == byNone
	switch o.Format {
	case output.FormatJSON:
		if total {
			_, err := fmt.Fprintln(w, rows[0].Count)
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(rows)
	case output.FormatCSV:
		cw := csv.NewWriter(w)
		header := o.By
		if total {
			header = "count"
			_ = cw.Write([]string{header})
			_ = cw.Write([]string{strconv.Itoa(rows[0].Count)})
		} else {
			_ = cw.Write([]string{header, "count"})
			for _, r := range rows {
				key := r.Key
				if !o.CSVRaw && output.NeedsFormulaGuard(key) {
					key = "'" + key
				}
				_ = cw.Write([]string{key, strconv.Itoa(r.Count)})
			}
		}
		cw.Flush()
		return cw.Error()
	}
	if total {
		_, err := fmt.Fprintln(w, rows[0].Count)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tCOUNT\n", bucketHeader(o.By, o.Location, rows))
	sum := 0
	for _, r := range rows {
		key := output.Sanitize(r.Key)
		if key == "" {
			key = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%d\n", key, r.Count)
		sum += r.Count
	}
	fmt.Fprintf(tw, "TOTAL\t%d\n", sum)
	return tw.Flush()
}
