// Command standin runs the stand-in Admin API as its own process, for
// benchmarks that must not share a process with the client, and for trying
// the CLI by hand.
//
// It generates the events, listens, and prints one JSON line on stdout:
//
//	{"endpoint":"http://127.0.0.1:PORT/_api/admin/graphql","project":"myapp","keyID":"test-key-1","keyFile":"/path/key.pem","events":1000000}
//
// then serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
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
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done, after printing the JSON line to stdout.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("standin", flag.ContinueOnError)
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *events < 0 || *bursts < 0 || *burstSize < 0 || *days <= 0 {
		return fmt.Errorf("-events, -bursts and -burst-size must not be negative and -days must be positive")
	}

	end := time.Now().UTC().Truncate(time.Second)
	evs, us := adminapitest.Generate(adminapitest.GenOptions{
		Seed: *seed, Count: *events, Start: end.Add(-time.Duration(*days) * 24 * time.Hour), End: end,
		Bursts: *bursts, BurstSize: *burstSize, Users: *users, Nasty: *nasty, Project: *project,
	})
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
	<-ctx.Done()
	return nil
}
