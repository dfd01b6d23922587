package iostreams

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/briandowns/spinner"
	"github.com/fatih/color"

	"github.com/authgear-audit/authgear-audit/internal/output"
)

// progressTick is how often the spinner redraws; it is also the throttle of
// the progress line: Update only stores numbers, the line is formatted at
// most once per tick.
const progressTick = 120 * time.Millisecond

// Counts are the numbers a progress line shows.
type Counts struct {
	Events   int64 // events read so far
	Total    int64 // events expected in all; <= 0 unknown
	Requests int64
	// Kept is how many events passed the filters the API lacks, shown when
	// Filtered.
	Kept     int64
	Filtered bool
}

// Progress is the spinner on stderr: "searching 12,345 events · 2,100/s ·
// 37% · ETA 1m20s". A nil *Progress is a valid no-op, which is what
// StartProgress returns when stderr is not a terminal or --quiet is given,
// so commands call its methods unconditionally.
//
// Update may be called from one goroutine while Stop is called from another;
// Stop may be called more than once. When stdout is the same terminal,
// commands stop the spinner before writing the first row to stdout (or wrap
// stdout with StopBefore): once rows flow they are the progress.
type Progress struct {
	label string
	now   func() time.Time
	start time.Time
	spin  *spinner.Spinner

	events   atomic.Int64
	total    atomic.Int64
	requests atomic.Int64
	updated  atomic.Bool
	kept     atomic.Int64
	filtered atomic.Bool

	stopOnce sync.Once
}

// ProgressShown says whether StartProgress draws anything: only on a
// terminal file, and not with --quiet or TERM=dumb.
func (s *IOStreams) ProgressShown() bool {
	return !s.quiet && s.ErrTTY && s.ErrFile != nil && !s.dumbTerminal()
}

// StartProgress starts a spinner labelled label on stderr, or returns nil
// (a no-op) unless ProgressShown. now is the clock of the rate and ETA.
func (s *IOStreams) StartProgress(label string, now func() time.Time) *Progress {
	if !s.ProgressShown() {
		return nil
	}
	// The spinner wraps its frame in a colour unless the colour library
	// says no colour, and a progress line has no colour to show. The
	// switch is the library's own, global by its design; nothing else here
	// draws with that library.
	color.NoColor = true
	p := &Progress{label: label, now: now, start: now()}
	p.total.Store(-1)
	// WithWriterFile, not WithWriter: the library decides about the
	// terminal from the file it is given, and WithWriter would make it look
	// at stdout. A hidden cursor would stay hidden if the process died
	// before Stop.
	p.spin = spinner.New(spinner.CharSets[14], progressTick,
		spinner.WithWriterFile(s.ErrFile), spinner.WithHiddenCursor(false))
	p.spin.PreUpdate = func(sp *spinner.Spinner) {
		// Runs on the spinner's goroutine under its lock, once per tick.
		sp.Suffix = " " + p.line()
	}
	p.spin.Start()
	return p
}

// Update records the latest numbers; the spinner shows them on its next
// tick. Cheap enough to call for every event.
func (p *Progress) Update(c Counts) {
	if p == nil {
		return
	}
	p.events.Store(c.Events)
	p.total.Store(c.Total)
	p.requests.Store(c.Requests)
	if c.Filtered {
		p.kept.Store(c.Kept)
		p.filtered.Store(true)
	}
	p.updated.Store(true)
}

// Stop erases the spinner's line. Safe to call more than once and
// concurrently with Update.
func (p *Progress) Stop() {
	if p == nil {
		return
	}
	p.stopOnce.Do(func() {
		if p.spin != nil {
			p.spin.Stop()
		}
	})
}

// line is the current progress line (without the spinner character).
func (p *Progress) line() string {
	if !p.updated.Load() {
		return p.label
	}
	c := Counts{Events: p.events.Load(), Total: p.total.Load(), Requests: p.requests.Load()}
	line := formatProgress(p.label, c, p.now().Sub(p.start))
	if p.filtered.Load() {
		line += " · " + output.GroupDigits(p.kept.Load()) + " matched here"
	}
	return line
}

// formatProgress renders "label 12,345 events · 2,100/s · 37% · ETA 1m20s".
// The rate appears after a second, percentage and ETA only when the total
// is known.
func formatProgress(label string, c Counts, elapsed time.Duration) string {
	unit := "events"
	if c.Events == 1 {
		unit = "event"
	}
	s := fmt.Sprintf("%s %s %s", label, output.GroupDigits(c.Events), unit)
	var rate float64
	if elapsed >= time.Second {
		rate = float64(c.Events) / elapsed.Seconds()
		s += " · " + output.GroupDigits(int64(rate+0.5)) + "/s"
	}
	if c.Total > 0 {
		pct := min(100, c.Events*100/c.Total)
		s += fmt.Sprintf(" · %d%%", pct)
		if rate > 0 && c.Events < c.Total {
			eta := time.Duration(float64(c.Total-c.Events) / rate * float64(time.Second))
			s += " · ETA " + eta.Round(time.Second).String()
		}
	}
	return s
}

// StopBefore returns w wrapped so that stop runs once, before the first
// byte reaches it: stdout on a terminal that a spinner shares stops the
// spinner (Progress.Stop, which a nil Progress takes too, or one started
// later, looked up when the first row comes).
func StopBefore(w io.Writer, stop func()) io.Writer {
	return &stopOnWrite{w: w, stop: stop}
}

type stopOnWrite struct {
	w       io.Writer
	stop    func()
	stopped bool
}

func (s *stopOnWrite) Write(b []byte) (int, error) {
	if !s.stopped {
		s.stopped = true
		s.stop()
	}
	return s.w.Write(b)
}
