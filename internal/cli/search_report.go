package cli

import (
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// searchReport tells a person at a terminal what search did: the file it
// wrote (`wrote 4,864 events to week2.csv`), or that --limit cut the
// result (`showing the 100 newest; --limit 0 for all`). In a pipe or
// cron, and with --quiet, it says nothing and costs nothing.
//
// To know whether the limit cut the result, search asks for one event
// more than the limit and does not write it.
type searchReport struct {
	io    *iostreams.IOStreams
	o     *searchOptions
	probe bool // one event more than the limit is asked for
	n     int  // events written
	cut   bool // the limit left events out
}

func newSearchReport(o *searchOptions) *searchReport {
	r := &searchReport{io: o.IO, o: o}
	r.probe = o.Limit > 0 && !o.IO.Quiet() && o.IO.ErrTTY && (r.toFile() || o.IO.OutTTY)
	return r
}

func (r *searchReport) toFile() bool { return r.o.OutPath != "" && r.o.OutPath != "-" }

// limit is the limit to walk with.
func (r *searchReport) limit() int {
	if r.probe {
		return r.o.Limit + 1
	}
	return r.o.Limit
}

// emit counts the events that write writes and keeps back the one beyond
// the limit.
func (r *searchReport) emit(write func(*auditlog.Event) error) func(*auditlog.Event) error {
	return func(e *auditlog.Event) error {
		if r.probe && r.n == r.o.Limit {
			r.cut = true
			return nil
		}
		r.n++
		return write(e)
	}
}

// done says what happened, once the output is complete.
func (r *searchReport) done() {
	ios := r.io
	if r.n == 0 {
		noticeNoEvents(ios, r.o.Filter)
		return
	}
	if !ios.ErrTTY {
		return
	}
	which := "newest"
	if !r.o.Descending {
		which = "oldest"
	}
	switch {
	case r.toFile() && r.cut:
		ios.Notice("wrote the %s %s %s to %s; --limit 0 for all", output.GroupDigits(int64(r.n)), which, events(r.n), r.o.OutPath)
	case r.toFile():
		ios.Notice("wrote %s %s to %s", output.GroupDigits(int64(r.n)), events(r.n), r.o.OutPath)
	case r.cut && ios.OutTTY:
		ios.Notice("showing the %s %s; --limit 0 for all", output.GroupDigits(int64(r.n)), which)
	}
}

// events is "event" or "events", for n of them.
func events(n int) string {
	if n == 1 {
		return "event"
	}
	return "events"
}
