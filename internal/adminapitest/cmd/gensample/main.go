// Command gensample writes the sample export shipped in examples/: a few
// thousand realistic events over November 2026 in authgear-audit's jsonl
// export format, oldest first, with bursts of more than 100 events in one
// second and hostile values. The output depends only on the code, so
// `go generate ./...` reproduces the committed file byte for byte.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// Sample is what the shipped file holds.
var sample = adminapitest.GenOptions{
	Seed:      20261101,
	Count:     2200,
	Start:     time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	End:       time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
	Bursts:    3,
	BurstSize: 120,
	Users:     120,
	Nasty:     true,
}

func main() {
	out := flag.String("out", "sample-export.jsonl", "file to write")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gensample:", err)
		os.Exit(1)
	}
}

func write(path string) error {
	events, _ := adminapitest.Generate(sample)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sample-*.jsonl")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	for i := range events {
		b, err := json.Marshal(events[i].Record())
		if err != nil {
			return fmt.Errorf("encode event %s: %w", events[i].ID, err)
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
