package cli

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/briandowns/spinner"

	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// progressTick is how often the spinner redraws; it is also the throttle of
// the progress line: Update only stores numbers, the line is formatted at
// most once per tick.
const progressTick = 120 * time.Millisecond

// progress is the spinner on stderr: "searching 12,345 events · 2,100/s ·
// 37% · ETA 1m20s". A nil *progress is a valid no-op, which is what
// startProgress returns when stderr is not a terminal or --quiet is given,
// so commands call its methods unconditionally.
//
// Update may be called from one goroutine while Stop is called from another;
// Stop may be called more than once. When stdout is the same terminal,
// commands stop the spinner before writing the first row to stdout (or wrap
// stdout with stopBefore): once rows flow they are the progress.
type progress struct {
	label string
	now   func() time.Time
	start time.Time
	spin  *spinner.Spinner

	events   atomic.Int64
	total    atomic.Int64
	requests atomic.Int64
	updated  atomic.Bool
	// matched is how many events passed the filters the API lacks, shown
	// once filtering is set.
	matched   atomic.Int64
	filtering atomic.Bool

	stopOnce sync.Once
}

// startProgress starts a spinner labelled label on stderr, or returns nil
// (a no-op) unless stderr is a terminal file and --quiet is off.
func (a *App) startProgress(label string) *progress {
	if !a.progressShown() {
		return nil
	}
	p := &progress{label: label, now: a.now, start: a.now()}
	p.total.Store(-1)
	// WithWriterFile, not WithWriter: the library decides about the
	// terminal from the file it is given, and WithWriter would make it look
	// at stdout.
	//
	// The frames are drawn here, as the prefix, rather than by the library,
	// which would colour them: --no-color and NO_COLOR mean no colour.
	frames := spinner.CharSets[14]
	tick := 0
	p.spin = spinner.New([]string{""}, progressTick, spinner.WithWriterFile(a.IO.ErrFile))
	// The library still wraps its (empty) character in a colour, white and
	// reset, whatever NO_COLOR says: the writer drops colour sequences and
	// keeps the ones that erase the line.
	p.spin.Writer = &noColorWriter{w: a.IO.ErrFile}
	// A hidden cursor would stay hidden if the process died before Stop.
	p.spin.HideCursor = false
	p.spin.PreUpdate = func(s *spinner.Spinner) {
		// Runs on the spinner's goroutine under its lock, once per tick.
		s.Prefix = frames[tick%len(frames)]
		tick++
		s.Suffix = " " + p.line()
	}
	p.spin.Start()
	return p
}

// dumbTerminal reports TERM=dumb: a terminal that understands no escape
// sequences, so no colour and no spinner.
func (a *App) dumbTerminal() bool { return a.getenv("TERM") == "dumb" }

// noColorWriter drops SGR sequences (ESC [ ... m: colours and attributes)
// from what passes through it; other sequences (erasing a line) pass. A
// sequence may be split between writes.
type noColorWriter struct {
	w   io.Writer
	seq []byte // an escape sequence begun and not yet ended
}

func (n *noColorWriter) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, c := range p {
		switch {
		case len(n.seq) == 0 && c == 0x1b:
			n.seq = append(n.seq, c)
		case len(n.seq) == 0:
			out = append(out, c)
		case len(n.seq) == 1 && c != '[':
			// Not a CSI sequence: pass it on.
			out = append(append(out, n.seq...), c)
			n.seq = n.seq[:0]
		case len(n.seq) == 1 || c >= 0x20 && c <= 0x3f:
			n.seq = append(n.seq, c) // '[', parameters and intermediates
		default:
			// The final byte: m ends a colour, which is dropped.
			if c != 'm' {
				out = append(append(out, n.seq...), c)
			}
			n.seq = n.seq[:0]
		}
	}
	if _, err := n.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Update records the latest numbers; the spinner shows them on its next
// tick. Cheap enough to call for every event.
func (p *progress) Update(pr walk.Progress) {
	if p == nil {
		return
	}
	p.events.Store(pr.Events)
	p.total.Store(pr.Total)
	p.requests.Store(pr.Requests)
	if pr.Filtered {
		p.matched.Store(pr.Kept)
		p.filtering.Store(true)
	}
	p.updated.Store(true)
}

// Stop erases the spinner's line. Safe to call more than once and
// concurrently with Update.
func (p *progress) Stop() {
	if p == nil {
		return
	}
	p.stopOnce.Do(func() {
		if p.spin != nil {
			p.spin.Stop()
		}
	})
}

// progressShown says whether startProgress draws anything: only on a
// terminal, and not with --quiet or TERM=dumb.
func (a *App) progressShown() bool {
	return !a.Global.Quiet && a.IO.ErrTTY && a.IO.ErrFile != nil && !a.dumbTerminal()
}

// stopBefore returns w wrapped so that stop runs once, before the first
// byte reaches it: stdout on a terminal that a spinner shares stops the
// spinner (progress.Stop, which a nil progress takes too, or one started
// later, looked up when the first row comes).
func stopBefore(w io.Writer, stop func()) io.Writer {
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

// line is the current progress line (without the spinner character).
func (p *progress) line() string {
	if !p.updated.Load() {
		return p.label
	}
	pr := walk.Progress{Events: p.events.Load(), Total: p.total.Load(), Requests: p.requests.Load()}
	line := formatProgress(p.label, pr, p.now().Sub(p.start))
	if p.filtering.Load() {
		line += " · " + output.GroupDigits(p.matched.Load()) + " matched here"
	}
	return line
}

// formatProgress renders "label 12,345 events · 2,100/s · 37% · ETA 1m20s".
// The rate appears after a second, percentage and ETA only when the total
// is known.
func formatProgress(label string, pr walk.Progress, elapsed time.Duration) string {
	unit := "events"
	if pr.Events == 1 {
		unit = "event"
	}
	s := fmt.Sprintf("%s %s %s", label, output.GroupDigits(pr.Events), unit)
	var rate float64
	if elapsed >= time.Second {
		rate = float64(pr.Events) / elapsed.Seconds()
		s += " · " + output.GroupDigits(int64(rate+0.5)) + "/s"
	}
	if pr.Total > 0 {
		pct := min(100, pr.Events*100/pr.Total)
		s += fmt.Sprintf(" · %d%%", pct)
		if rate > 0 && pr.Events < pr.Total {
			eta := time.Duration(float64(pr.Total-pr.Events) / rate * float64(time.Second))
			s += " · ETA " + eta.Round(time.Second).String()
		}
	}
	return s
}
