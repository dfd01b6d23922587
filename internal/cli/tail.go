package cli

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/fetch"
)

// Defaults of tail and search --follow.
const (
	defaultBacklog  = 10
	defaultInterval = 5 * time.Second
	defaultLag      = 5 * time.Second
)

// tailOptions are the inputs of tail (and of search --follow).
type tailOptions struct {
	App *App

	Filter   auditlog.Filter
	Backlog  int
	Interval time.Duration
	Lag      time.Duration
	Output   outputFlags
}

func newTailCmd(a *App) *cobra.Command {
	opts := &tailOptions{App: a}
	var (
		ff     filterFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print new audit events as they arrive",
		Long: `Print the last few events (-n), then every new event as it arrives, oldest
first, until interrupted. Ctrl-C is the normal way to stop and exits 0. In a
pipe whose reader has gone (tail | head -1), tail ends with 0 within about a
second, even while no new event arrives (not on Windows, where it learns at
its next write).

The API is asked for new events every --interval. Events younger than --lag
are left for the next poll, since the server may still be writing events of
that second; each event is printed exactly once.

Takes the same --activity and --user filters as search (not --since or
--until). Output (-o) as for search: table on a terminal, jsonl on a pipe;
each event is written through at once.`,
		Example: `  authgear-audit tail --activity authentication
  authgear-audit tail -n 0 --user alice@example.com -o jsonl | jq -c '{createdAt, activityType}'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := ff.filter(a)
			if err != nil {
				return err
			}
			if err := checkFollowFilter(f, "tail"); err != nil {
				return err
			}
			opts.Filter = f
			if opts.Backlog < 0 {
				return usageError(fmt.Errorf("--backlog: %d is negative: give 0 for new events only, or a positive number", opts.Backlog))
			}
			if err := checkFollowTiming(opts.Interval, opts.Lag); err != nil {
				return err
			}
			o, err := resolveOutputFlags(a, format, cmd.Flags().Changed("output"), "", &ff, &opts.Output)
			if err != nil {
				return err
			}
			opts.Output = o
			return runTail(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	ff.register(fl)
	fl.IntVarP(&opts.Backlog, "backlog", "n", defaultBacklog, "print this many earlier events first")
	fl.DurationVar(&opts.Interval, "interval", defaultInterval, "time between polls")
	fl.DurationVar(&opts.Lag, "lag", defaultLag, "leave events younger than this for the next poll")
	registerOutputFlags(cmd, &format, &opts.Output)
	return cmd
}

// checkFollowFilter refuses a time range: following starts at the backlog
// and never ends.
func checkFollowFilter(f auditlog.Filter, what string) error {
	if !f.Since.IsZero() || !f.Until.IsZero() {
		return usageError(fmt.Errorf("%s prints the last --backlog events and then new ones: --since and --until apply to search and export", what))
	}
	return nil
}

// checkFollowTiming checks --interval and --lag.
func checkFollowTiming(interval, lag time.Duration) error {
	if interval <= 0 {
		return usageError(fmt.Errorf("--interval: %s is not positive", interval))
	}
	if lag < 0 {
		return usageError(fmt.Errorf("--lag: %s is negative", lag))
	}
	return nil
}

func runTail(ctx context.Context, o *tailOptions) error {
	a := o.App
	o.Output.Activities = o.Filter.ActivityTypes
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	sel, err := a.selection(ctx, c, o.Filter)
	if err != nil {
		return err
	}
	s, err := openSink(a, "", o.Output, true)
	if err != nil {
		return err
	}
	// `tail | head -1`: when head has gone, stop, even if no new event
	// comes to fail on the closed pipe.
	follow, stop := context.WithCancel(ctx)
	defer stop()
	var readerGone atomic.Bool
	watchReader(follow, a.IO.Out, func() {
		readerGone.Store(true)
		stop()
	})
	err = fetch.Follow(follow, c, fetch.FollowOptions{
		Selection: sel,
		Interval:  o.Interval,
		Lag:       o.Lag,
		Backlog:   o.Backlog,
		Now:       a.Now,
	}, s.w.Write)
	// Interrupting is how tail ends, and so is a reader that has gone:
	// that is success, not failure.
	if err != nil && (ctx.Err() != nil || readerGone.Load()) && errors.Is(err, context.Canceled) {
		err = nil
	}
	return s.finish(err)
}
