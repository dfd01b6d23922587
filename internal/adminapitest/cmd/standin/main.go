// Command standin runs the stand-in Admin API as its own process, for
// benchmarks that must not share a process with the client, and for trying
// the CLI by hand.
//
// It generates the events, listens, and prints one JSON line on stdout:
//
//	{"endpoint":"http://127.0.0.1:PORT/_api/admin/graphql","project":"myapp","keyID":"test-key-1","keyFile":"/path/key.pem","events":1000000}
//
// then serves until SIGINT or SIGTERM. With -insert-rate or -insert-burst it
// keeps adding new events while it serves, for `authgear-audit tail` to show.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := mainCode(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a bad flag or value: exit code 2.
type usageError struct{ error }

// mainCode runs the stand-in and returns the exit code: 0 when it was
// stopped or asked for help, 2 for bad usage, 1 for anything else.
func mainCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout)
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "standin: %v (see standin -h)\n", err)
		return 2
	}
	fmt.Fprintln(stderr, "standin:", err)
	return 1
}

const usageHead = `Usage: standin [flags]

Serves a stand-in for the Authgear Admin API, filled with generated audit
events over the last -days days, and prints one JSON line on stdout with
its endpoint, project, keyID, keyFile and the number of events. Serves until
interrupted. With -insert-rate or -insert-burst it keeps adding new events.

Flags:
`

// run serves until ctx is done, after printing the JSON line to stdout.
// With -h it prints the usage to stdout and returns flag.ErrHelp.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("standin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	events := fs.Int("events", 10000, "number of events spread over the time span")
	seed := fs.Int64("seed", 1, "generator seed")
	bursts := fs.Int("bursts", 5, "seconds that hold -burst-size events each")
	burstSize := fs.Int("burst-size", 250, "events in each burst second")
	days := fs.Int("days", 30, "the events span this many days, ending now")
	users := fs.Int("users", 0, "number of users (0: events/40)")
	nasty := fs.Bool("nasty", false, "mix hostile values into the events")
	latency := fs.Duration("latency", 0, "added latency per request")
	offsetCost := fs.Duration("offset-cost", 0, "added latency per row of offset")
	retrieval := fs.Int("retrieval-days", 0, "limit retrieval to this many days (0: no limit)")
	ties := fs.String("ties", "postgres", "order of events that share a second: postgres (like a real server), reshuffled, per-window or stable")
	seedTies := fs.Uint64("ties-seed", 0, "seed of the tie orders (0: random)")
	project := fs.String("project", adminapitest.DefaultProjectID, "project ID (JWT audience)")
	keyOut := fs.String("key-out", "", "write the private key (PKCS#8 PEM, mode 0600) here (default: a temporary file removed on exit)")
	insertRate := fs.Float64("insert-rate", 0, "while serving, add this many new events per second (0: none)")
	insertBurst := fs.Int("insert-burst", 0, "while serving, add this many events in one second every -insert-burst-every (0: none)")
	burstEvery := fs.Duration("insert-burst-every", 30*time.Second, "time between two bursts of -insert-burst")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q: standin takes only flags", fs.Arg(0))}
	}
	if *events < 0 || *bursts < 0 || *burstSize < 0 || *days <= 0 {
		return usageError{errors.New("-events, -bursts and -burst-size must not be negative and -days must be positive")}
	}
	if *insertRate < 0 || *insertBurst < 0 || *burstEvery <= 0 {
		return usageError{errors.New("-insert-rate and -insert-burst must not be negative and -insert-burst-every must be positive")}
	}

	end := time.Now().UTC().Truncate(time.Second)
	gen := adminapitest.GenOptions{
		Seed: *seed, Count: *events, Start: end.Add(-time.Duration(*days) * 24 * time.Hour), End: end,
		Bursts: *bursts, BurstSize: *burstSize, Users: *users, Nasty: *nasty, Project: *project,
	}
	evs, us := adminapitest.Generate(gen)
	opts := []adminapitest.Option{
		adminapitest.WithProject(*project),
		adminapitest.WithLatency(*latency),
		adminapitest.WithOffsetCost(*offsetCost),
		adminapitest.WithRetrievalDays(*retrieval),
		adminapitest.WithEvents(evs, us),
	}
	order, err := adminapitest.ParseTies(*ties)
	if err != nil {
		return err
	}
	opts = append(opts, adminapitest.WithTies(order))
	if *seedTies != 0 {
		opts = append(opts, adminapitest.WithSeed(*seedTies))
	}
	s := adminapitest.NewUnstarted(opts...)
	n := len(evs)
	evs = nil // the server holds its own copy

	keyFile := *keyOut
	if keyFile == "" {
		dir, err := os.MkdirTemp("", "standin-key-")
		if err != nil {
			return fmt.Errorf("create key directory: %w", err)
		}
		defer os.RemoveAll(dir)
		keyFile = filepath.Join(dir, "admin-api-key.pem")
	}
	if err := adminapitest.WriteKeyFile(keyFile, s.PrivateKeyPEM(false)); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	s.Start(ln)
	defer s.Close()

	line, _ := json.Marshal(map[string]any{
		"endpoint": s.Endpoint(),
		"project":  s.ProjectID(),
		"keyID":    s.KeyID(),
		"keyFile":  keyFile,
		"events":   n,
	})
	if _, err := fmt.Fprintln(stdout, string(line)); err != nil {
		return fmt.Errorf("write to stdout: %w", err)
	}
	if *insertRate > 0 || *insertBurst > 0 {
		ins := &inserter{
			add:        s.Add,
			arrivals:   adminapitest.NewArrivals(gen, int64(n)),
			rate:       *insertRate,
			burst:      *insertBurst,
			burstEvery: *burstEvery,
		}
		ins.run(ctx)
		return nil
	}
	<-ctx.Done()
	return nil
}

// inserter adds new events to a serving stand-in: rate events per second
// on average, in steps of at most a second, and burst events in one second
// every burstEvery.
type inserter struct {
	add        func(...adminapitest.Event)
	arrivals   *adminapitest.Arrivals
	rate       float64
	burst      int
	burstEvery time.Duration
}

// run inserts until ctx is done.
func (in *inserter) run(ctx context.Context) {
	var steady, bursts <-chan time.Time
	if in.rate > 0 {
		// Often enough for a smooth flow, never more than 100 times a second.
		step := min(time.Second, max(10*time.Millisecond, time.Duration(float64(time.Second)/in.rate)))
		t := time.NewTicker(step)
		defer t.Stop()
		steady = t.C
	}
	if in.burst > 0 {
		t := time.NewTicker(in.burstEvery)
		defer t.Stop()
		bursts = t.C
	}
	start := time.Now()
	var added int64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-steady:
			// As many as the rate calls for since start, so that the
			// average holds whatever the ticker's jitter.
			due := int64(in.rate*now.Sub(start).Seconds()) - added
			if due > 0 {
				in.add(in.arrivals.Next(now, int(due), false)...)
				added += due
			}
		case now := <-bursts:
			in.add(in.arrivals.Next(now, in.burst, true)...)
		}
	}
}
