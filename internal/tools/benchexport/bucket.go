package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/authgear-audit/authgear-audit/internal/objstore"
	"github.com/authgear-audit/authgear-audit/internal/objstore/objstoretest"
)

// s3Store is an S3-compatible server for the bucket measurement: SeaweedFS
// when AUTHGEAR_AUDIT_TEST_WEED names it (scripts/test-servers), else
// gofakes3 in this process.
type s3Store struct {
	name     string
	endpoint string
	create   func(bucket string) error
	stop     func()
}

func startS3Store(work string) (*s3Store, error) {
	if weed := os.Getenv("AUTHGEAR_AUDIT_TEST_WEED"); weed != "" {
		dir := filepath.Join(work, "seaweedfs")
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, err
		}
		w, err := objstoretest.StartSeaweed(weed, dir)
		if err != nil {
			return nil, err
		}
		return &s3Store{name: "SeaweedFS", endpoint: w.Endpoint, create: w.CreateBucket, stop: w.Stop}, nil
	}
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithoutVersioning()).Server())
	return &s3Store{name: "gofakes3 (in this process)", endpoint: srv.URL, create: backend.CreateBucket, stop: srv.Close}, nil
}

func (s *s3Store) location(bucket string) string {
	return "s3://" + bucket + "/audit?" + url.Values{"endpoint": {s.endpoint}, "use_path_style": {"true"}}.Encode()
}

// s3Env is what the CLI needs to reach the store: the test identity, and
// nothing of this machine's AWS settings.
func s3Env(work string) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + objstoretest.SeaweedKeyID, "AWS_SECRET_ACCESS_KEY=" + objstoretest.SeaweedSecret,
		"AWS_CONFIG_FILE=" + filepath.Join(work, "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(work, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PROFILE=", "AWS_REGION=", "AWS_DEFAULT_REGION=",
	}
}

// measured is one run's wall time, client CPU time, peak RSS and peak
// anonymous memory (RSS without the executable's own pages).
type measured struct {
	wall, cpu time.Duration
	maxRSS    int64
	maxAnon   int64
}

func measure(wall time.Duration, ps *os.ProcessState, anon int64) measured {
	ru := ps.SysUsage().(*syscall.Rusage)
	return measured{wall: wall, cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), maxRSS: ru.Maxrss * 1024, maxAnon: anon}
}

// measureBucket exports the same events into a local folder and into an
// S3 bucket, interleaved, and then verifies the last bucket archive
// offline.
func measureBucket(cfg config, clis []contender, standinBin string) error {
	store, err := startS3Store(cfg.work)
	if err != nil {
		return err
	}
	defer store.stop()
	s, err := startStandin(standinBin, "-events", strconv.Itoa(cfg.bucketEvents), "-days", "30")
	if err != nil {
		return err
	}
	defer s.stop()
	env := s3Env(cfg.work)

	fmt.Printf("\n== export --out-dir, %d events: a local folder against an S3 bucket on %s, median of %d interleaved runs\n",
		cfg.bucketEvents, store.name, cfg.repeat)
	runs := map[string][]measured{}
	var lastBucket, lastHead string
	events := 0
	n := 0
	for range cfg.repeat {
		for _, cli := range clis {
			bucketCLI := contender{name: cli.name, bin: cli.bin, env: append(slices.Clone(cli.env), env...)}
			n++
			dir := filepath.Join(cfg.work, fmt.Sprintf("archive-%d", n))
			wall, stderr, ps, anon, err := cli.runSampled(s, "export", "--since", "40d", "--out-dir", dir)
			if err != nil {
				return err
			}
			runs[cli.label("folder")] = append(runs[cli.label("folder")], measure(wall, ps, anon))
			if m := summaryRE.FindStringSubmatch(stderr); m != nil {
				events, _ = strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
			}
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			bucket := fmt.Sprintf("bench-%d", n)
			if err := store.create(bucket); err != nil {
				return err
			}
			loc := store.location(bucket)
			wall, stderr, ps, anon, err = bucketCLI.runSampled(s, "export", "--since", "40d", "--out-dir", loc)
			if err != nil {
				return err
			}
			runs[cli.label("bucket")] = append(runs[cli.label("bucket")], measure(wall, ps, anon))
			if cli.name == "" {
				lastBucket = loc
				if m := headRE.FindStringSubmatch(stderr); m != nil {
					lastHead = m[1]
				}
			}
		}
	}
	if events == 0 {
		events = cfg.bucketEvents
	}
	fmt.Printf("%-16s %9s %9s %12s %14s %10s %10s   %s\n", "to", "wall", "cpu", "events/s", "events/cpu-s", "max RSS", "max anon", "all walls")
	rate := map[string]float64{}
	var keys []string
	for _, cli := range clis {
		keys = append(keys, cli.label("folder"), cli.label("bucket"))
	}
	for _, k := range keys {
		ms := runs[k]
		m := medianBy(ms, func(m measured) time.Duration { return m.wall })
		peak := slices.MaxFunc(ms, func(a, b measured) int { return int(a.maxRSS - b.maxRSS) }).maxRSS
		anon := slices.MaxFunc(ms, func(a, b measured) int { return int(a.maxAnon - b.maxAnon) }).maxAnon
		rate[k] = float64(events) / m.wall.Seconds()
		var walls []time.Duration
		for _, x := range ms {
			walls = append(walls, x.wall)
		}
		fmt.Printf("%-16s %9s %9s %12.0f %14.0f %8.1fMiB %8.1fMiB   %s\n", k, m.wall.Round(10*time.Millisecond), m.cpu.Round(10*time.Millisecond),
			rate[k], float64(events)/m.cpu.Seconds(), float64(peak)/(1<<20), float64(anon)/(1<<20), fmtWalls(walls))
	}
	for _, cli := range clis {
		fmt.Printf("%s: %.0f%% (peak RSS and anon are the highest of the runs)\n", cli.label("bucket/folder events per second"),
			100*rate[cli.label("bucket")]/rate[cli.label("folder")])
	}
	c := clis[0]
	return measureVerify(contender{bin: c.bin, env: append(slices.Clone(c.env), env...)}, s, lastBucket, lastHead, env, events)
}

// headRE finds the head in an export's summary line.
var headRE = regexp.MustCompile(`head: (sha256:[0-9a-f]{64})`)

// measureVerify runs verify --offline of a bucket archive: with --head
// (its objects proven by their hash), and without (the unsigned entry is
// vouched for by nothing, so every object is decoded), interleaved; and
// sets their rates against reading and hashing the same objects here, in
// this process, one stream each (what sha256sum of a download costs), and
// against one core's SHA-256 of as many bytes in memory.
func measureVerify(c contender, s *standin, loc, head string, env []string, events int) error {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	size, err := archiveBytes(loc)
	if err != nil {
		return err
	}
	mb := float64(size) / 1e6
	fmt.Printf("\n== verify --offline of that bucket archive: %d events, %.1f MB of objects, median of %d interleaved runs\n", events, mb, verifyRepeat)
	type variant struct {
		name string
		args []string
		runs []measured
	}
	variants := []*variant{
		{name: "read and SHA-256 of the objects (sha256sum of a download)"},
		{name: "verify --offline --head HEAD (hashed)", args: []string{"verify", "--offline", "--head", head, loc}},
		{name: "verify --offline (decoded: nothing vouches)", args: []string{"verify", "--offline", loc}},
	}
	if head == "" {
		return fmt.Errorf("no head in the export's summary line")
	}
	for range verifyRepeat {
		for _, v := range variants {
			if v.args == nil {
				start := time.Now()
				if err := hashObjects(loc); err != nil {
					return err
				}
				v.runs = append(v.runs, measured{wall: time.Since(start)})
				continue
			}
			wall, _, ps, err := c.run(s, v.args...)
			if err != nil {
				return err
			}
			v.runs = append(v.runs, measure(wall, ps, 0))
		}
	}
	floor := medianBy(variants[0].runs, func(m measured) time.Duration { return m.wall }).wall
	fmt.Printf("%-60s %9s %9s %12s %9s %10s %12s\n", "", "wall", "cpu", "events/s", "MB/s", "max RSS", "read+hash/it")
	for _, v := range variants {
		m := medianBy(v.runs, func(m measured) time.Duration { return m.wall })
		rss, cpu := "", ""
		if m.maxRSS > 0 {
			rss, cpu = fmt.Sprintf("%.1fMiB", float64(m.maxRSS)/(1<<20)), m.cpu.Round(10*time.Millisecond).String()
		}
		fmt.Printf("%-60s %9s %9s %12.0f %9.1f %10s %11.0f%%\n", v.name, m.wall.Round(10*time.Millisecond), cpu,
			float64(events)/m.wall.Seconds(), mb/m.wall.Seconds(), rss, 100*floor.Seconds()/m.wall.Seconds())
	}
	hashRate := sha256Rate(size)
	fmt.Printf("SHA-256 of as many bytes in memory on one core here: %.0f MB/s, %s\n",
		hashRate, time.Duration(float64(size)/hashRate/1e6*float64(time.Second)).Round(time.Millisecond))
	return nil
}

// verifyRepeat is the number of runs of each verify variant.
const verifyRepeat = 3

// hashObjects reads every object of the archive, one stream each, one
// after another, through SHA-256.
func hashObjects(loc string) error {
	ctx := context.Background()
	b, err := objstore.Open(ctx, loc)
	if err != nil {
		return err
	}
	defer b.Close()
	it := b.List(nil)
	buf := make([]byte, 256<<10)
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		r, err := b.NewReader(ctx, o.Key, nil)
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.CopyBuffer(h, r, buf)
		r.Close()
		if err != nil {
			return err
		}
	}
}

// archiveBytes adds up the sizes of the archive's objects.
func archiveBytes(loc string) (int64, error) {
	ctx := context.Background()
	b, err := objstore.Open(ctx, loc)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	var n int64
	it := b.List(nil)
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		n += o.Size
	}
}

// sha256Rate is this machine's SHA-256 speed on one core, in MB/s.
func sha256Rate(size int64) float64 {
	buf := make([]byte, 1<<20)
	h := sha256.New()
	start := time.Now()
	for done := int64(0); done < max(size, 64<<20); done += int64(len(buf)) {
		h.Write(buf)
	}
	return float64(max(size, 64<<20)) / 1e6 / time.Since(start).Seconds()
}

func medianBy(ms []measured, key func(measured) time.Duration) measured {
	s := slices.Clone(ms)
	slices.SortFunc(s, func(a, b measured) int { return int(key(a) - key(b)) })
	return s[len(s)/2]
}
