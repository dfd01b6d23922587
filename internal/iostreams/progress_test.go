package iostreams

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"
)

func TestFormatProgress(t *testing.T) {
	tests := []struct {
		name    string
		pr      Counts
		elapsed time.Duration
		want    string
	}{
		{"start", Counts{Total: -1}, 0, "searching 0 events"},
		{"one", Counts{Events: 1, Total: -1}, 500 * time.Millisecond, "searching 1 event"},
		{"unknown total", Counts{Events: 12345, Total: -1}, 5 * time.Second, "searching 12,345 events · 2,469/s"},
		{"known total", Counts{Events: 12345, Total: 33000}, 5 * time.Second, "searching 12,345 events · 2,469/s · 37% · ETA 8s"},
		{"eta minutes", Counts{Events: 2100, Total: 170100}, time.Second, "searching 2,100 events · 2,100/s · 1% · ETA 1m20s"},
		{"done", Counts{Events: 500, Total: 500}, 2 * time.Second, "searching 500 events · 250/s · 100%"},
		{"more than total", Counts{Events: 510, Total: 500}, 2 * time.Second, "searching 510 events · 255/s · 100%"},
		{"zero total", Counts{Events: 0, Total: 0}, 2 * time.Second, "searching 0 events · 0/s"},
		{"too early for a rate", Counts{Events: 10, Total: 100}, 100 * time.Millisecond, "searching 10 events · 10%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatProgress("searching", tt.pr, tt.elapsed); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestProgressOnlyOnTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	tests := []struct {
		name    string
		errTTY  bool
		errFile *os.File
		quiet   bool
	}{
		{"pipe", false, w, false},
		{"no file", true, nil, false},
		{"quiet", true, w, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, errb := Test(nil)
			ios.ErrTTY = tt.errTTY
			ios.ErrFile = tt.errFile
			ios.SetQuiet(tt.quiet)
			p := ios.StartProgress("searching", time.Now)
			if p != nil {
				t.Fatalf("got a spinner, want none")
			}
			// Every method of the no-op is safe.
			p.Update(Counts{Events: 1, Total: -1})
			var buf bytes.Buffer
			if _, err := StopBefore(&buf, p.Stop).Write([]byte("row\n")); err != nil || buf.String() != "row\n" {
				t.Errorf("stopBefore on nil: %q, %v", buf.String(), err)
			}
			p.Stop()
			p.Stop()
			if errb.Len() != 0 {
				t.Errorf("stderr: %q", errb)
			}
		})
	}
}

// A spinner on a file that is not a terminal does not draw, but the object
// is the real one: Update, line and Stop race here under -race.
func TestProgressConcurrentUpdateAndStop(t *testing.T) {
	_, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ios, _, _ := Test(nil)
	ios.ErrTTY = true
	ios.ErrFile = w
	p := ios.StartProgress("exporting", time.Now)
	if p == nil {
		t.Fatal("no progress on a terminal stderr")
	}
	if got := p.line(); got != "exporting" {
		t.Errorf("line before any update = %q", got)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range int64(1000) {
			p.Update(Counts{Events: i, Total: -1, Requests: i / 100})
		}
	}()
	go func() {
		defer wg.Done()
		for range 100 {
			_ = p.line()
		}
		p.Stop()
	}()
	wg.Wait()
	p.Stop()
	p.Update(Counts{Events: 1000, Total: 1000})
	if got := p.line(); got != "exporting 1,000 events · 100%" {
		t.Errorf("line = %q", got)
	}
	var out bytes.Buffer
	stops := 0
	sw := StopBefore(&out, func() { stops++; p.Stop() })
	sw.Write([]byte("a"))
	sw.Write([]byte("b"))
	if out.String() != "ab" || stops != 1 {
		t.Errorf("stopBefore passed %q and stopped %d times", out.String(), stops)
	}
}

// With local filters the progress line shows how many of the events read
// (the downloaded range) passed them.
func TestProgressMatched(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	p := &Progress{label: "searching", now: func() time.Time { return now }, start: now}
	p.total.Store(-1)
	p.Update(Counts{Events: 12345, Total: -1})
	if got := p.line(); got != "searching 12,345 events" {
		t.Errorf("line without local filters = %q", got)
	}
	p.Update(Counts{Events: 12345, Total: -1, Filtered: true, Kept: 37})
	if got := p.line(); got != "searching 12,345 events · 37 matched here" {
		t.Errorf("line = %q", got)
	}
	var none *Progress
	none.Update(Counts{Filtered: true, Kept: 1}) // a nil progress is a no-op
}
