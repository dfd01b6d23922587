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

	Filter  auditlog.Filter
	Backlog int
	// FromStart prints every event since Filter.Since first, instead of
	// the Backlog newest.
	FromStart bool
	Interval  time.Duration
	Lag       time.Duration
	Output    outputFlags
}

func newTailCmd(a *App) *cobra.Command {
	opts := &tailOptions{App: a}
	var (
		ff     filterFlags
		sf     shapeFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print new audit events as they arrive",
		Long: `Print the last few events (-n, 10 by default), then every new event as it
arrives, oldest first, until interrupted. With --since, print every event
since then instead (or, with -n as well, the last n of them), then follow.
Ctrl-C is the normal way to stop and exits 0. In a
pipe whose reader has gone (tail | head -1), tail ends with 0 within about a
second, even while no new event arrives (not on Windows, where it learns at
its next write).

The API is asked for new events every --interval. Events younger than --lag
are left for the next poll, since the server may still be writing events of
that second; each event is printed exactly once.

Takes the same --activity, --user, --ip, --client and --country filters as
search, and --since; it has no end, so no --until. Output (-o) as for search: table on a terminal,
jsonl on a pipe; each event is written through at once.`,
		Example: `  authgear-audit tail --activity authentication
  authgear-audit tail --since 1h --activity authentication
  authgear-audit tail -n 0 --user alice@example.com -o jsonl | jq -c '{createdAt, activityType}'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := ff.filter(a)
			if err != nil {
				return err
			}
			opts.Filter = f
			if opts.Backlog < 0 {
				return usageError(fmt.Errorf("--backlog: %d is negative: give 0 for new events only, or a positive number", opts.Backlog))
			}
			opts.FromStart = !f.Since.IsZero() && !cmd.Flags().Changed("backlog")
			if err := checkFollowTiming(opts.Interval, opts.Lag); err != nil {
				return err
			}
			o, err := resolveOutputFlags(a, format, cmd.Flags().Changed("output"), "", &opts.Output)
			if err != nil {
				return err
			}
			if err := sf.apply(cmd, a, &o); err != nil {
				return err
			}
			opts.Output = o
			return runTail(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	ff.registerFollow(fl)
	ff.registerLocal(fl)
	a.addZoneFlags(cmd)
	fl.IntVarP(&opts.Backlog, "backlog", "n", defaultBacklog, "print this many earlier events first (with --since: every event since then, unless given)")
	fl.DurationVar(&opts.Interval, "interval", defaultInterval, "time between polls")
	fl.DurationVar(&opts.Lag, "lag", defaultLag, "leave events younger than this for the next poll")
	registerOutputFlags(cmd, &format, &opts.Output)
	sf.register(cmd, "output", "columns")
	return cmd
}

// checkFollowUntil refuses an end to search --follow, which has none.
func checkFollowUntil(f auditlog.Filter) error {
	if !f.Until.IsZero() {
		return usageError(errors.New("--follow keeps printing new events and has no end: drop --until, or drop --follow to search up to --until"))
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
		FromStart: o.FromStart,
		Keep:      o.Filter.Keep(),
		Now:       a.Now,
	}, s.w.Write)
	// Interrupting is how tail ends, and so is a reader that has gone:
	// that is success, not failure.
	if err != nil && (ctx.Err() != nil || readerGone.Load()) && errors.Is(err, context.Canceled) {
		err = nil
	}
	return s.finish(err)
}
