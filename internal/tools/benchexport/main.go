// Command benchexport measures `authgear-audit export` against the stand-in
// Admin API running in its own process, so that the client's CPU time and
// memory are its own:
//
//	go run ./internal/tools/benchexport                 # all measurements
//	go run ./internal/tools/benchexport -cpu=false      # only the latency comparison
//	go run ./internal/tools/benchexport -baseline ../old  # also another checkout's CLI
//	go run ./internal/tools/benchexport -cpu=false -speed=false  # only count
//	go run ./internal/tools/benchexport -env 'GOGC=400'   # also this CLI with GOGC=400
//	go run ./internal/tools/benchexport -cpu=false -speed=false -count=false -bucket  # only folder against bucket
//
// It reports, side by side in one run (machines are shared and noisy, so
// ratios matter more than absolute figures):
//   - events per client CPU-second and peak client RSS of a jsonl export, at
//     each size of -sizes (the RSS should stay flat as the size grows), and
//     of one busy second of -busy events, which the walker must hold whole;
//   - requests against ceil(N/100);
//   - with -latency per request on the stand-in, the wall time of
//     --parallel 1 and --parallel 8 against paging with cursors the way the
//     portal does, and how many events the cursor paging doubled or missed;
//   - with the same latency, the wall time of count --by day, hour and
//     activity over a month of -count-events events, from the API's
//     counts, against count --by user, which downloads the month;
//   - with -bucket, export --out-dir of -bucket-events events to a local
//     folder against the same to an S3 bucket (SeaweedFS when
//     AUTHGEAR_AUDIT_TEST_WEED names it, else gofakes3): events per second,
//     their ratio, peak RSS; then verify --offline of the bucket archive,
//     with --head (hashed) and without (decoded), in events/s and MB/s,
//     set against reading and hashing the same objects in this process.
//
// With -baseline, the CLI built from another checkout (an earlier commit)
// runs interleaved with this one in every measurement, so a change is
// judged by ratios taken side by side on one machine at one time. With
// -env, this checkout's CLI also runs with those environment variables
// (such as GOGC or GOMEMLIMIT), in the same way.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/codec"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchexport:", err)
		os.Exit(1)
	}
}

type config struct {
	sizes         []int
	busy          int
	cpu           bool
	latencyEvents int
	latency       time.Duration
	speed         bool
	count         bool
	countEvents   int
	repeat        int
	work          string
	baseline      string
	env           string
	bucket        bool
	bucketEvents  int
}

// contender is a CLI binary being measured, and its added environment.
type contender struct {
	name string // "" for this checkout's
	bin  string
	env  []string
}

func (c contender) label(s string) string {
	if c.name == "" {
		return s
	}
	return c.name + " " + s
}

func run() error {
	var (
		cfg   config
		sizes string
	)
	flag.StringVar(&sizes, "sizes", "100000,1000000", "export sizes (events) for the CPU and memory measurement")
	flag.IntVar(&cfg.busy, "busy", 50000, "also measure CPU and memory with one second of this many events (0: not)")
	flag.BoolVar(&cfg.cpu, "cpu", true, "measure CPU and memory at each size")
	flag.BoolVar(&cfg.speed, "speed", true, "compare wall time with per-request latency")
	flag.IntVar(&cfg.latencyEvents, "latency-events", 20000, "events for the latency comparison")
	flag.DurationVar(&cfg.latency, "latency", 30*time.Millisecond, "stand-in latency per request for the comparison")
	flag.BoolVar(&cfg.count, "count", true, "compare count from the API's counts with counting by downloading")
	flag.IntVar(&cfg.countEvents, "count-events", 200000, "events of the month for the count comparison")
	flag.IntVar(&cfg.repeat, "repeat", 3, "runs of each contender in the comparison (the median counts)")
	flag.StringVar(&cfg.baseline, "baseline", "", "another checkout whose CLI runs beside this one (e.g. a worktree of an earlier commit)")
	flag.StringVar(&cfg.env, "env", "", "space-separated VAR=value: also run this checkout's CLI with them (labelled env)")
	flag.BoolVar(&cfg.bucket, "bucket", false, "compare export --out-dir to a folder and to an S3 bucket (SeaweedFS with AUTHGEAR_AUDIT_TEST_WEED, else gofakes3), and time verify --offline of the bucket")
	flag.IntVar(&cfg.bucketEvents, "bucket-events", 1000000, "events for the bucket comparison")
	flag.Parse()
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	if cfg.repeat < 1 {
		return fmt.Errorf("-repeat: %d is not a positive number", cfg.repeat)
	}
	work, err := os.MkdirTemp("", "benchexport-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	cfg.work = work

	fmt.Println("building authgear-audit and the stand-in ...")
	cliBin := filepath.Join(work, "authgear-audit")
	standinBin := filepath.Join(work, "standin")
	for bin, pkg := range map[string]string{cliBin: "./cmd/authgear-audit", standinBin: "./internal/adminapitest/cmd/standin"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	clis := []contender{{bin: cliBin}}
	if cfg.baseline != "" {
		bin := filepath.Join(work, "authgear-audit-baseline")
		build := exec.Command("go", "build", "-o", bin, "./cmd/authgear-audit")
		build.Dir = cfg.baseline
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go build in %s: %v\n%s", cfg.baseline, err, out)
		}
		clis = append(clis, contender{name: "baseline", bin: bin})
	}
	if cfg.env != "" {
		env := strings.Fields(cfg.env)
		for _, kv := range env {
			if !strings.Contains(kv, "=") {
				return fmt.Errorf("-env: %q is not VAR=value", kv)
			}
		}
		fmt.Printf("env: this checkout's CLI with %s\n", strings.Join(env, " "))
		clis = append(clis, contender{name: "env", bin: cliBin, env: env})
	}
	if cfg.cpu {
		if err := measureCPU(cfg, clis, standinBin); err != nil {
			return err
		}
	}
	if cfg.speed {
		if err := measureSpeed(cfg, clis, standinBin); err != nil {
			return err
		}
	}
	if cfg.count {
		if err := measureCount(cfg, clis, standinBin); err != nil {
			return err
		}
	}
	if cfg.bucket {
		if err := measureBucket(cfg, clis, standinBin); err != nil {
			return err
		}
	}
	return nil
}

// standin is a running stand-in process.
type standin struct {
	Endpoint string `json:"endpoint"`
	Project  string `json:"project"`
	KeyID    string `json:"keyID"`
	KeyFile  string `json:"keyFile"`
	Events   int    `json:"events"`
	cmd      *exec.Cmd
}

func startStandin(bin string, args ...string) (*standin, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("stand-in did not start: %w", err)
	}
	s := &standin{cmd: cmd}
	if err := json.Unmarshal([]byte(line), s); err != nil {
		s.stop()
		return nil, fmt.Errorf("stand-in said %q: %w", line, err)
	}
	return s, nil
}

func (s *standin) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
}

// exportRun is one measured run of the CLI.
type exportRun struct {
	wall     time.Duration
	cpu      time.Duration // user + system of the client process
	maxRSS   int64         // bytes
	requests int
	events   int
	summary  string
}

var summaryRE = regexp.MustCompile(`exported ([\d,]+) events.*?\(([\d,]+) requests?`)

// run runs the CLI c with args and the connection flags of s, stdout
// discarded, and returns its wall time, its stderr and its process state.
func (c contender) run(s *standin, args ...string) (time.Duration, string, *os.ProcessState, error) {
	wall, stderr, ps, _, err := c.runSampled(s, args...)
	return wall, stderr, ps, err
}

// runSampled is run that also reports the peak of the process's anonymous
// memory (RssAnon: its heap, stacks and buffers, without the pages of the
// executable file, which the kernel can drop and read again), sampled every
// 10ms; 0 where /proc does not tell.
func (c contender) runSampled(s *standin, args ...string) (time.Duration, string, *os.ProcessState, int64, error) {
	full := slices.Concat(args, []string{"--endpoint", s.Endpoint, "--project", s.Project, "--key-id", s.KeyID, "--key-file", s.KeyFile})
	cmd := exec.Command(c.bin, full...)
	if c.env != nil {
		cmd.Env = append(os.Environ(), c.env...)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, "", nil, 0, fmt.Errorf("%v: %v", args, err)
	}
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var max int64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if n := rssAnon(cmd.Process.Pid); n > max {
				max = n
			}
			select {
			case <-done:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	anon := <-peak
	if err != nil {
		return 0, "", nil, 0, fmt.Errorf("%v: %v\n%s", args, err, stderr.String())
	}
	return wall, stderr.String(), cmd.ProcessState, anon, nil
}

// rssAnon reads RssAnon from /proc/PID/status, in bytes; 0 when it cannot.
func rssAnon(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "RssAnon:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func runExport(c contender, s *standin, out string, args ...string) (*exportRun, error) {
	// The previous run's file goes first: replacing it would make the
	// rename free its blocks, which is no part of exporting.
	if err := os.Remove(out); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	wall, stderr, ps, err := c.run(s, append([]string{"export", "--since", "40d", "--out", out}, args...)...)
	if err != nil {
		return nil, err
	}
	ru := ps.SysUsage().(*syscall.Rusage)
	r := &exportRun{
		wall:    wall,
		cpu:     time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		maxRSS:  ru.Maxrss * 1024, // Linux reports KiB
		summary: strings.TrimSpace(stderr),
	}
	m := summaryRE.FindStringSubmatch(stderr)
	if m == nil {
		return nil, fmt.Errorf("no summary line in the export's stderr: %q", stderr)
	}
	r.events, _ = strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	r.requests, _ = strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
	return r, nil
}

func measureCPU(cfg config, clis []contender, standinBin string) error {
	fmt.Println("\n== jsonl export, stand-in in its own process, no latency")
	fmt.Printf("%-10s %-18s %8s %9s %14s %10s %9s %12s\n", "events", "parallel", "wall", "cpu", "events/cpu-s", "max RSS", "requests", "req/ceil(N/100)")
	type dataset struct {
		note string
		args []string
	}
	var datasets []dataset
	for _, n := range cfg.sizes {
		datasets = append(datasets, dataset{args: []string{"-events", strconv.Itoa(n), "-days", "30"}})
	}
	if cfg.busy > 0 {
		datasets = append(datasets, dataset{
			note: fmt.Sprintf("1,000 events over 30 days and one second of %d", cfg.busy),
			args: []string{"-events", "1000", "-days", "30", "-bursts", "1", "-burst-size", strconv.Itoa(cfg.busy)},
		})
	}
	for _, d := range datasets {
		if d.note != "" {
			fmt.Println(d.note + ":")
		}
		s, err := startStandin(standinBin, d.args...)
		if err != nil {
			return err
		}
		for _, par := range []string{"1", "4"} {
			for _, c := range clis {
				out := filepath.Join(cfg.work, "export.jsonl")
				r, err := runExport(c, s, out, "--parallel", par)
				if err != nil {
					s.stop()
					return err
				}
				_ = os.Remove(out)
				fmt.Printf("%-10d %-18s %8s %9s %14.0f %8.1fMiB %9d %12.3f\n", r.events, c.label(par),
					r.wall.Round(10*time.Millisecond), r.cpu.Round(10*time.Millisecond),
					float64(r.events)/r.cpu.Seconds(), float64(r.maxRSS)/(1<<20), r.requests,
					float64(r.requests)/math.Ceil(float64(r.events)/100))
			}
		}
		s.stop()
	}
	return nil
}

func measureSpeed(cfg config, clis []contender, standinBin string) error {
	fmt.Printf("\n== wall time with %s per request, %d events (5 seconds of 250 events each), median of %d runs each\n",
		cfg.latency, cfg.latencyEvents, cfg.repeat)
	// Ties reshuffled on every request: a real server's cursor walk of 200,000
	// events doubled and missed hundreds (deep offsets change its plan), and
	// an unfiltered index order would hide that from the comparison.
	s, err := startStandin(standinBin, "-events", strconv.Itoa(cfg.latencyEvents), "-days", "30", "-latency", cfg.latency.String(), "-ties", "reshuffled")
	if err != nil {
		return err
	}
	defer s.stop()

	out := filepath.Join(cfg.work, "exact.jsonl")
	exact := map[string]bool{}
	walls := map[string][]time.Duration{}
	results := map[string]*exportRun{}
	var cp *cursorRun
	// Interleaved, so that a noisy moment of a shared machine falls on
	// every contender alike.
	for range cfg.repeat {
		c, err := cursorPaging(s)
		if err != nil {
			return err
		}
		walls["cursor"] = append(walls["cursor"], c.wall)
		cp = c
		for _, par := range []string{"1", "8"} {
			for _, c := range clis {
				r, err := runExport(c, s, out, "--parallel", par)
				if err != nil {
					return err
				}
				walls[c.label(par)] = append(walls[c.label(par)], r.wall)
				results[c.label(par)] = r
				if c.name == "" && par == "8" {
					if exact, err = readIDs(out); err != nil {
						return err
					}
				}
			}
		}
	}
	missing := 0
	for id := range exact {
		if !cp.seen[id] {
			missing++
		}
	}
	base := median(walls["cursor"])
	fmt.Printf("%-34s %9s %9s %8s   %s\n", "", "wall", "requests", "speed-up", "all runs")
	fmt.Printf("%-34s %9s %9d %8s   %s\n", "cursor paging, newest first", base.Round(10*time.Millisecond), cp.requests, "1.00x", fmtWalls(walls["cursor"]))
	for _, par := range []string{"1", "8"} {
		for _, c := range clis {
			k := c.label(par)
			m := median(walls[k])
			fmt.Printf("%-34s %9s %9d %7.2fx   %s\n", c.label("export --parallel "+par), m.Round(10*time.Millisecond), results[k].requests,
				base.Seconds()/m.Seconds(), fmtWalls(walls[k]))
		}
	}
	fmt.Printf("\nexport: %d events, each exactly once (--parallel 1 and 8 agree: %v)\n", len(exact), results["1"].events == len(exact))
	fmt.Printf("cursor paging: %d distinct events, %d returned twice, %d missed\n", len(cp.seen), cp.dups, missing)
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func fmtWalls(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Round(10 * time.Millisecond).String()
	}
	return strings.Join(parts, " ")
}

// cursorRun is what paging with cursors returned.
type cursorRun struct {
	wall     time.Duration
	requests int64
	seen     map[string]bool
	dups     int
}

// cursorPaging pages through everything the way the portal does: newest
// first, 100 at a time, following endCursor until an empty page. It is the
// baseline to beat, on speed and on correctness.
func cursorPaging(s *standin) (*cursorRun, error) {
	c, err := adminapi.New(adminapi.Options{Endpoint: s.Endpoint, ProjectID: s.Project, KeyID: s.KeyID, KeyFile: s.KeyFile, Timeout: time.Minute, MaxRetries: 3})
	if err != nil {
		return nil, err
	}
	r := &cursorRun{seen: map[string]bool{}}
	after := ""
	start := time.Now()
	for {
		p, err := c.Page(context.Background(), adminapi.PageQuery{First: 100, After: after, Descending: true})
		if err != nil {
			return nil, err
		}
		for _, e := range p.Events {
			if r.seen[e.ID] {
				r.dups++
			}
			r.seen[e.ID] = true
		}
		if p.Edges == 0 || !p.HasNextPage || p.EndCursor == "" {
			break
		}
		after = p.EndCursor
	}
	r.wall = time.Since(start)
	r.requests = c.Stats().Requests
	return r, nil
}

func readIDs(path string) (map[string]bool, error) {
	r, err := codec.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ids := map[string]bool{}
	for {
		e, err := r.Next()
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return nil, err
		}
		if ids[e.ID] {
			return nil, fmt.Errorf("%s: event %s twice", path, e.ID)
		}
		ids[e.ID] = true
	}
}
