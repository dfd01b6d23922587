package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// countCase is one count command of the comparison.
type countCase struct {
	label string
	args  []string
}

// countCases count the same month three ways from the API's totalCounts,
// and once by downloading it: --by user cannot be counted by the API, so
// it reads every event of the month, exactly as --by day did before it
// asked for counts.
func countCases() []countCase {
	month := []string{"--since", "32d", "--utc", "-o", "json"}
	return []countCase{
		{"count --by day", append([]string{"count", "--by", "day"}, month...)},
		{"count --by hour", append([]string{"count", "--by", "hour"}, month...)},
		{"count --by activity", append([]string{"count", "--by", "activity"}, month...)},
		{"count --by user (downloads)", append([]string{"count", "--by", "user"}, month...)},
	}
}

// countRun is one measured count.
type countRun struct {
	wall          time.Duration
	pages, counts int // requests of each operation, from the client's request log
}

func runCount(c contender, s *standin, args []string) (*countRun, error) {
	wall, stderr, _, err := c.run(s, append(append([]string{}, args...), "-v")...)
	if err != nil {
		return nil, err
	}
	r := &countRun{wall: wall}
	for _, line := range strings.Split(stderr, "\n") {
		switch {
		case strings.Contains(line, " AuditLogPage "):
			r.pages++
		case strings.Contains(line, " AuditLogCounts "):
			r.counts++
		}
	}
	return r, nil
}

// measureCount runs each count against a stand-in of cfg.countEvents
// events over 31 days with cfg.latency per request, interleaved, and
// compares the wall times with the download.
func measureCount(cfg config, clis []contender, standinBin string) error {
	fmt.Printf("\n== count over a month of %d events, %s per request, median of %d runs each\n",
		cfg.countEvents, cfg.latency, cfg.repeat)
	s, err := startStandin(standinBin, "-events", strconv.Itoa(cfg.countEvents), "-days", "31", "-latency", cfg.latency.String())
	if err != nil {
		return err
	}
	defer s.stop()

	type key struct {
		cli  int
		name string
	}
	walls := map[key][]time.Duration{}
	last := map[key]*countRun{}
	for range cfg.repeat {
		for _, cc := range countCases() {
			for i, c := range clis {
				r, err := runCount(c, s, cc.args)
				if err != nil {
					return err
				}
				k := key{i, cc.label}
				walls[k] = append(walls[k], r.wall)
				last[k] = r
			}
		}
	}
	cases := countCases()
	download := median(walls[key{0, cases[len(cases)-1].label}])
	fmt.Printf("%-38s %9s %7s %15s %10s   %s\n", "", "wall", "pages", "count requests", "vs download", "all runs")
	for _, cc := range cases {
		for i, c := range clis {
			k := key{i, cc.label}
			m := median(walls[k])
			fmt.Printf("%-38s %9s %7d %15d %9.1fx   %s\n", c.label(cc.label), m.Round(10*time.Millisecond),
				last[k].pages, last[k].counts, download.Seconds()/m.Seconds(), fmtWalls(walls[k]))
		}
	}
	return nil
}
