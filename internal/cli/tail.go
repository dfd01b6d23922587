package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/deliver"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// Defaults of tail and search --follow.
const (
	defaultBacklog  = 10
	defaultInterval = 5 * time.Second
	defaultLag      = 5 * time.Second
)

// tailOptions are the inputs of tail (and of search --follow): its
// dependencies, its flags as given, and what validate derives from them.
type tailOptions struct {
	IO         *iostreams.IOStreams
	Now        func() time.Time
	Client     func(context.Context) (*adminapi.Client, error)
	Connection func() (config.Connection, error)
	Getenv     func(string) string
	Verbose    func() bool // --verbose: log each request to a receiver on stderr
	local      func() *time.Location

	// As given.
	filters  filterFlags
	zones    zoneFlags
	shapes   shapeFlags
	format   string
	changed  func(name string) bool
	shapeCtx context.Context

	// Derived by validate.
	Filter  auditlog.Filter
	Backlog int
	// FromStart prints every event since Filter.Since first, instead of
	// the Backlog newest.
	FromStart bool
	Interval  time.Duration
	Lag       time.Duration
	Output    outputFlags

	Delivery deliveryFlags
}

// deliveryFlags are what make a tail resumable or send it elsewhere than
// stdout: --state, --out, --to and their settings.
type deliveryFlags struct {
	StatePath string
	OutPath   string
	// Shaped names the --jq or --template that writes the events, "" for
	// none: the state records it as the format.
	Shaped string

	To            string
	ToFormat      string
	ToHeaders     []string
	ToTimeout     time.Duration
	ToCAFile      string
	ToInsecure    bool
	ToMaxRetries  int
	ToIndex       string
	ToSourceType  string
	BatchSize     int
	FlushInterval time.Duration

	// Resolved by check from the --to flags, before any request.
	target  deliver.Target
	header  http.Header
	secrets []string
	tls     *tls.Config
}

// active reports whether the tail goes through internal/deliver:
// resumable, to a file, or to a receiver.
func (d *deliveryFlags) active() bool { return d.StatePath != "" || d.OutPath != "" || d.To != "" }

// register adds the flags of delivery to tail.
func (d *deliveryFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	d.registerState(cmd)
	fl.StringVar(&d.OutPath, "out", "", "append JSON lines to this file, synced after each batch (exactly once with --state)")
	fl.StringVar(&d.To, "to", "", "send the events to this receiver: https://host/path or syslog+tls://host:port")
	fl.StringVar(&d.ToFormat, "to-format", "", "format for --to: "+strings.Join(deliver.FormatNames(), ", ")+" (default: from the URL)")
	fl.StringArrayVar(&d.ToHeaders, "to-header", nil, "with --to: a header NAME:VALUE, repeatable; a last word $VAR or @FILE is read from\nthe environment or a file (Authorization:Splunk $HEC_TOKEN)")
	fl.DurationVar(&d.ToTimeout, "to-timeout", deliver.DefaultTimeout, "with --to: how long one request may take before it is tried again")
	fl.StringVar(&d.ToCAFile, "to-ca-file", "", "with --to: extra CA certificates (PEM) for the receiver")
	fl.BoolVar(&d.ToInsecure, "to-insecure", false, "with --to: allow plain http:// or syslog:// to a host that is not this machine")
	fl.IntVar(&d.ToMaxRetries, "to-max-retries", 0, "with --to: give up a batch after this many retries (0: retry until interrupted)")
	fl.StringVar(&d.ToIndex, "to-index", "", "with --to: Splunk's index, or Elasticsearch's index or data stream")
	fl.StringVar(&d.ToSourceType, "to-sourcetype", "", "with --to-format splunk: the sourcetype (default authgear:audit)")
	fl.IntVar(&d.BatchSize, "batch-size", deliver.DefaultBatchSize, "with --to, --out or --state: at most this many events per batch")
	fl.DurationVar(&d.FlushInterval, "flush-interval", deliver.DefaultFlushInterval, "with --to, --out or --state: send a batch that is not full after this long")
	cmd.MarkFlagsMutuallyExclusive("to", "out")
	for _, f := range []string{"output", "columns", "csv-raw", "jq", "template"} {
		cmd.MarkFlagsMutuallyExclusive("to", f)
	}
}

// registerState adds --state alone, for search --follow.
func (d *deliveryFlags) registerState(cmd *cobra.Command) {
	cmd.Flags().StringVar(&d.StatePath, "state", "", "resume where the last run with this state file stopped: nothing lost, at most the last batch again")
}

// check refuses delivery flags that do not apply; changed says which flags
// the user gave.
func (d *deliveryFlags) check(changed func(string) bool, getenv func(string) string) error {
	if d.To == "" {
		for _, f := range []string{"to-format", "to-header", "to-timeout", "to-ca-file", "to-insecure", "to-max-retries", "to-index", "to-sourcetype"} {
			if changed(f) {
				return usageError(fmt.Errorf("--%s applies to --to", f))
			}
		}
	}
	if !d.active() {
		for _, f := range []string{"batch-size", "flush-interval"} {
			if changed(f) {
				return usageError(fmt.Errorf("--%s applies to --to, --out or --state", f))
			}
		}
	}
	switch {
	case d.BatchSize < 1:
		return usageError(fmt.Errorf("--batch-size: %d is not positive: give 1 or more events per batch", d.BatchSize))
	case d.FlushInterval <= 0:
		return usageError(fmt.Errorf("--flush-interval: %s is not positive: give a duration such as 1s", d.FlushInterval))
	case d.ToTimeout <= 0:
		return usageError(fmt.Errorf("--to-timeout: %s is not positive: give a duration such as 30s", d.ToTimeout))
	case d.ToMaxRetries < 0:
		return usageError(fmt.Errorf("--to-max-retries: %d is negative: give 0 to retry until interrupted, or a number of retries", d.ToMaxRetries))
	case d.OutPath == "-":
		return usageError(errors.New("--out -: leave --out out to write to stdout"))
	case d.To == "":
		return nil
	}
	var err error
	if d.target, err = deliver.ParseTarget(d.To, d.ToFormat, d.ToInsecure); err != nil {
		return usageError(err)
	}
	if d.target.Syslog() && len(d.ToHeaders) > 0 {
		return usageError(errors.New("--to-header applies to HTTP receivers, not syslog"))
	}
	if d.header, d.secrets, err = deliver.ParseHeaders(d.ToHeaders, getenv); err != nil {
		return usageError(err)
	}
	if d.tls, err = deliver.TLSConfig(d.ToCAFile); err != nil {
		return usageError(err)
	}
	return nil
}

// newTailOptions are the options of tail or search --follow over f.
func newTailOptions(f *Factory) *tailOptions {
	return &tailOptions{IO: f.IO, Now: f.Now, Client: f.Client, Connection: f.Connection, Getenv: f.Getenv,
		Verbose: func() bool { return f.global.verbose }, local: f.localZone}
}

// NewCmdTail builds tail; runF, when not nil, runs instead of runTail.
func NewCmdTail(f *Factory, runF func(context.Context, *tailOptions) error) *cobra.Command {
	opts := newTailOptions(f)
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
jsonl on a pipe; each event is written through at once.

--state FILE makes it resumable: the first run starts as above, every later
run at the first event the last one did not deliver (--since and --backlog
then do not apply). Events go out in batches (--batch-size, --flush-interval),
and the state's checkpoint advances after each batch was written and flushed,
synced for a file, or accepted by the receiver. --out FILE appends JSON lines
and gets every event exactly once across kills (the file is cut back to its
length at the checkpoint first); stdout gets them at least once, the last
unacknowledged batch again after a kill. The state records the endpoint,
project, filters, destination and format; another of these is refused
(exit 2). A second tail on the same state exits 1.

--to URL sends the events to a receiver: Splunk HEC
(.../services/collector/event), Elasticsearch or OpenSearch (.../_bulk, with
_id = the event ID), OTLP/HTTP logs (.../v1/logs; --to-format otlp-proto for
protobuf), syslog RFC 5424 (syslog://HOST:PORT, syslog+tls://HOST:PORT), or
JSON lines to any other URL; --to-format overrides what the URL implies.
--to-header NAME:VALUE adds a header; a last word $VAR or @FILE of the value
is read from the environment or a file, and no header value is ever
printed. Dropped connections, timeouts, 408, 429 and 5xx are retried with
backoff (Retry-After wins) until the receiver takes the batch, or
--to-max-retries; any other 4xx stops with one line and exit 1, the
checkpoint before that batch.`,
		Example: `  authgear-audit tail --activity authentication
  authgear-audit tail --since 1h --activity authentication
  authgear-audit tail -n 0 --user alice@example.com -o jsonl | jq -c '{createdAt, activityType}'
  authgear-audit tail --state /var/lib/authgear-audit/tail.json --out /var/log/authgear-audit.jsonl
  authgear-audit tail --state splunk.json --to https://splunk.example.com:8088/services/collector/event \
    --to-header 'Authorization:Splunk $SPLUNK_HEC_TOKEN'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.changed, opts.shapeCtx = cmd.Flags().Changed, cmd.Context()
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTail(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.filters.registerFollow(fl)
	opts.filters.registerLocal(fl)
	opts.zones.register(cmd)
	fl.IntVarP(&opts.Backlog, "backlog", "n", defaultBacklog, "print this many earlier events first (with --since: every event since then, unless given)")
	fl.DurationVar(&opts.Interval, "interval", defaultInterval, "time between polls")
	fl.DurationVar(&opts.Lag, "lag", defaultLag, "leave events younger than this for the next poll")
	registerOutputFlags(cmd, &opts.format, &opts.Output)
	opts.shapes.register(cmd, "output", "columns")
	opts.Delivery.register(cmd)
	return cmd
}

// validate checks the flags and derives the options. Every error is a
// usage error naming its flag.
func (o *tailOptions) validate() error {
	loc, err := o.zones.resolve(o.local)
	if err != nil {
		return err
	}
	if o.Filter, err = o.filters.filter(o.Now(), loc); err != nil {
		return err
	}
	if o.Backlog < 0 {
		return usageError(fmt.Errorf("--backlog: %d is negative: give 0 for new events only, or a positive number", o.Backlog))
	}
	if o.FromStart, err = checkFollow(o.Filter, o.Interval, o.Lag, o.changed("backlog")); err != nil {
		return err
	}
	o.Output.Zone = loc
	choice := eventFormats
	if o.Delivery.OutPath != "" {
		// --out appends JSON lines, on a terminal too.
		choice.onTerminal = output.FormatJSONL
	}
	if err := o.Output.resolve(o.IO, choice, o.format, o.changed("output"), ""); err != nil {
		return err
	}
	if err := o.shapes.apply(o.shapeCtx, o.changed, o.Now, &o.Output); err != nil {
		return err
	}
	if err := o.Delivery.check(o.changed, o.Getenv); err != nil {
		return err
	}
	if o.Delivery.OutPath != "" && o.Output.Shape == nil && o.Output.Format != output.FormatJSONL {
		return usageError(fmt.Errorf("--out appends JSON lines: -o %s cannot be appended to; drop -o or give -o jsonl", o.Output.Format))
	}
	o.Delivery.Shaped = shapedName(o.shapes)
	return nil
}

// shapedName is "jq EXPR" or "template TPL" for --jq or --template, else "".
func shapedName(sf shapeFlags) string {
	switch {
	case sf.jq != "":
		return "jq " + sf.jq
	case sf.template != "":
		return "template " + sf.template
	}
	return ""
}

// checkFollow checks the flags of a follow (tail, search --follow): it has
// no end, and polls every interval for events older than lag. fromStart
// says to print every event since --since first, unless the number of
// earlier events to print was given (countGiven: -n).
func checkFollow(f auditlog.Filter, interval, lag time.Duration, countGiven bool) (fromStart bool, err error) {
	switch {
	case !f.Until.IsZero():
		return false, usageError(errors.New("--follow keeps printing new events and has no end: drop --until, or drop --follow to search up to --until"))
	case interval <= 0:
		return false, usageError(fmt.Errorf("--interval: %s is not positive: give a duration such as 5s", interval))
	case lag < 0:
		return false, usageError(fmt.Errorf("--lag: %s is negative: give 0 or a duration such as 5s", lag))
	}
	return !f.Since.IsZero() && !countGiven, nil
}

func runTail(ctx context.Context, o *tailOptions) error {
	o.Output.Activities = o.Filter.ActivityTypes
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	sel, err := selection(ctx, o.IO, c, o.Filter)
	if err != nil {
		return err
	}
	if o.Delivery.active() {
		return runDelivery(ctx, o, c, sel)
	}
	s, err := openSink(o.IO, "", o.Output, true)
	if err != nil {
		return err
	}
	// `tail | head -1`: when head has gone, stop, even if no new event
	// comes to fail on the closed pipe.
	follow, stop := context.WithCancel(ctx)
	defer stop()
	var readerGone atomic.Bool
	watchReader(follow, o.IO.Out, func() {
		readerGone.Store(true)
		stop()
	})
	err = walk.Follow(follow, c, walk.FollowOptions{
		Selection: sel,
		Interval:  o.Interval,
		Lag:       o.Lag,
		Backlog:   o.Backlog,
		FromStart: o.FromStart,
		Keep:      o.Filter.Keep(),
		Now:       o.Now,
	}, s.w.Write)
	// Interrupting is how tail ends, and so is a reader that has gone:
	// that is success, not failure.
	if err != nil && (ctx.Err() != nil || readerGone.Load()) && errors.Is(err, context.Canceled) {
		err = nil
	}
	return s.finish(err)
}

// runDelivery is tail with --state, --out or --to: the events go through
// internal/deliver in batches, and with --state each delivered batch
// moves the checkpoint that the next run resumes from.
func runDelivery(ctx context.Context, o *tailOptions, c *adminapi.Client, sel adminapi.Selection) error {
	d := &o.Delivery
	conn, err := o.Connection()
	if err != nil {
		return err
	}
	dest, format := "stdout", o.Output.Format
	if d.Shaped != "" {
		format = d.Shaped
	}
	switch {
	case d.To != "":
		dest, format = "--to "+d.target.String(), d.target.Format
	case d.OutPath != "":
		abs, err := filepath.Abs(d.OutPath)
		if err != nil {
			return usageError(fmt.Errorf("--out: %w", err))
		}
		d.OutPath, dest = abs, "--out "+abs
	}
	var tracker *deliver.Tracker
	keep := int64(-1)
	resume, resumed := deliver.Checkpoint{}, false
	if d.StatePath != "" {
		tracker, err = deliver.OpenTracker(d.StatePath, deliver.Identity{
			Endpoint: c.Endpoint(), Project: conn.Project, Filter: incremental.FilterOf(o.Filter), Destination: dest, Format: format,
		}, o.Now)
		if err != nil {
			return deliveryError(err)
		}
		defer tracker.Close()
		resume, resumed = tracker.Resume()
		keep = tracker.OutBytes()
	}
	sink, closeSink, size, err := openDeliverySink(o, keep)
	if err != nil {
		return deliveryError(err)
	}
	fo := walk.FollowOptions{
		Selection: sel, Interval: o.Interval, Lag: o.Lag, Backlog: o.Backlog, FromStart: o.FromStart,
		Keep: o.Filter.Keep(), Now: o.Now,
	}
	if resumed {
		o.IO.Notice("resuming at %s, from state file %s", fmtUTC(resume.Through), d.StatePath)
		fo.Selection.From, fo.FromStart = resume.Through, true
	}
	bo := deliver.Options{BatchSize: d.BatchSize, FlushInterval: d.FlushInterval, Resume: resume}
	if tracker != nil {
		tracker.RecordSize(size)
		bo.Commit = tracker.Commit
		if err := tracker.Start(); err != nil {
			_ = closeSink()
			return err
		}
	}
	// `tail --state s | head -1`: when head has gone, stop, as without a state.
	follow, stop := context.WithCancel(ctx)
	defer stop()
	var readerGone atomic.Bool
	if d.To == "" && d.OutPath == "" {
		watchReader(follow, o.IO.Out, func() {
			readerGone.Store(true)
			stop()
		})
	}
	err = deliver.Run(follow, sink, bo, func(ctx context.Context, emit func(*auditlog.Event) error, windowDone func(time.Time) error) error {
		fo.WindowDone = windowDone
		return walk.Follow(ctx, c, fo, emit)
	})
	var undelivered *deliver.UndeliveredError
	if err != nil && (ctx.Err() != nil || readerGone.Load()) && errors.Is(err, context.Canceled) && !errors.As(err, &undelivered) {
		err = nil
	}
	if cerr := closeSink(); err == nil && !readerGone.Load() {
		err = cerr
	}
	return deliveryError(err)
}

// openDeliverySink opens where a delivering tail writes: the receiver of
// target, the --out file (cut back to keep bytes; -1 keeps it whole), or
// stdout. size reads the --out file's length; nil for the others.
func openDeliverySink(o *tailOptions, keep int64) (sink deliver.Sink, closeSink func() error, size func() (int64, error), err error) {
	d := &o.Delivery
	noClose := func() error { return nil }
	if d.To != "" {
		return openReceiver(o, d)
	}
	var file *os.File
	dst := o.IO.Out
	if d.OutPath != "" {
		if file, err = deliver.OpenAppend(d.OutPath, keep, 0o600); err != nil {
			return nil, noClose, nil, err
		}
		dst = file
	}
	opts := o.Output.options(o.IO, file == nil)
	opts.FlushEach = true
	if file != nil {
		opts.UTC = true
	}
	w, err := o.Output.writer(o.IO, dst, opts, file == nil)
	if err != nil {
		if file != nil {
			file.Close()
		}
		return nil, noClose, nil, usageError(err)
	}
	st := deliver.NewStream(w, file)
	if file != nil {
		size = st.Size
	}
	return st, st.Close, size, nil
}

// openReceiver is the sink of --to.
func openReceiver(o *tailOptions, d *deliveryFlags) (deliver.Sink, func() error, func() (int64, error), error) {
	noClose := func() error { return nil }
	retrying := func(err error, wait time.Duration) {
		o.IO.Warn("%v; trying again in %s", err, wait.Round(100*time.Millisecond))
	}
	if d.target.Syslog() {
		so := deliver.SyslogSinkOptions{Addr: d.target.URL.Host, Timeout: d.ToTimeout, MaxRetries: d.ToMaxRetries, Retrying: retrying}
		if d.target.URL.Scheme == "syslog+tls" {
			so.Syslog.TLS = d.tls
		}
		y := deliver.NewSyslog(so)
		return y, y.Close, nil, nil
	}
	format, err := deliver.HTTPFormat(d.target, deliver.FormatOptions{Index: d.ToIndex, SourceType: d.ToSourceType})
	if err != nil {
		return nil, noClose, nil, usageError(err)
	}
	ho := deliver.HTTPOptions{
		URL: d.target.URL, Format: format, Header: d.header, Secrets: d.secrets,
		Client: deliver.Client(d.tls), Timeout: d.ToTimeout, MaxRetries: d.ToMaxRetries, BatchSize: d.BatchSize,
		Retrying: retrying,
	}
	if o.Verbose() {
		ho.Log = func(line string) { fmt.Fprintln(o.IO.ErrOut, line) }
	}
	return deliver.NewHTTP(ho), noClose, nil, nil
}

// deliveryError makes a state file or an --out file that cannot be used
// as it is bad usage (exit 2).
func deliveryError(err error) error {
	var (
		state *deliver.StateError
		short *deliver.ShortFileError
	)
	if errors.As(err, &state) || errors.As(err, &short) {
		return usageError(err)
	}
	return err
}
