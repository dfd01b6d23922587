// Package shape turns audit events, or any JSON value, into the text that
// --jq or --template asks for, so that a cron job or a machine without jq
// gets what it needs from one command.
//
// --jq runs a jq expression with gojq, a maintained implementation of the
// whole jq language: strings print raw, as with jq -r, other values as
// compact JSON, one result per line. --template executes a Go template with
// helpers in the manner of gh's --template (timefmt, timeago, truncate,
// join, pluck, json, color). Both see the same value: for an event, the
// record exactly as -o jsonl writes it.
package shape

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/itchyny/gojq"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// Spec is what the user asked for: a jq expression or a template (not
// both), and what the template's time helpers need.
type Spec struct {
	JQ       string
	Template string
	// Zone is the zone of timefmt; nil means UTC.
	Zone *time.Location
	// Now is the clock of timeago; nil means time.Now.
	Now func() time.Time
}

// Dest says where the shaped text goes.
type Dest struct {
	// Color lets the color helper write ANSI colours: the caller decides
	// (a terminal, no NO_COLOR, no --no-color).
	Color bool
	// Terminal shows control characters and escape sequences from the data
	// escaped (see output.Sanitize), as tables do, instead of sending them
	// to the terminal.
	Terminal bool
	// FlushEach writes every result through at once: for tail.
	FlushEach bool
}

// Shaper is a compiled --jq expression or --template. It is safe for
// concurrent use; each Writer or Value call has its own state.
type Shaper struct {
	spec Spec
	jq   *gojq.Code
	tmpl *template.Template
}

// New compiles s. It returns nil and no error when s asks for nothing. An
// error says what is wrong with the expression or template, in the words
// of gojq or text/template, and is bad usage.
func New(s Spec) (*Shaper, error) {
	if s.Zone == nil {
		s.Zone = time.UTC
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	sh := &Shaper{spec: s}
	switch {
	case s.JQ != "" && s.Template != "":
		return nil, errors.New("--jq and --template exclude each other: give one")
	case s.JQ != "":
		q, err := gojq.Parse(s.JQ)
		if err != nil {
			return nil, fmt.Errorf("--jq: %s: %s", quoteExpr(s.JQ), err)
		}
		code, err := gojq.Compile(q)
		if err != nil {
			return nil, fmt.Errorf("--jq: %s: %s", quoteExpr(s.JQ), err)
		}
		sh.jq = code
	case s.Template != "":
		t, err := parseTemplate(s)
		if err != nil {
			return nil, fmt.Errorf("--template: %s", strings.TrimPrefix(err.Error(), "template: "))
		}
		sh.tmpl = t
	default:
		return nil, nil
	}
	return sh, nil
}

// quoteExpr quotes an expression for a message, shortened when long.
func quoteExpr(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

// Flag is the flag the shaper comes from, for messages.
func (s *Shaper) Flag() string {
	if s.jq != nil {
		return "--jq"
	}
	return "--template"
}

// runner runs the shaper for one destination.
type runner struct {
	ctx  context.Context
	s    *Shaper
	w    *bufio.Writer
	tmpl *template.Template // the shaper's, with the destination's helpers
	d    Dest
	out  bytes.Buffer
}

func (s *Shaper) runner(ctx context.Context, w io.Writer, d Dest) *runner {
	r := &runner{ctx: ctx, s: s, w: bufio.NewWriterSize(w, 64<<10), d: d}
	if s.tmpl != nil {
		r.tmpl = template.Must(s.tmpl.Clone()).Funcs(destFuncs(d))
	}
	return r
}

// run shapes one value decoded from JSON (with json.Number for numbers)
// and writes the results.
func (r *runner) run(v any) error {
	r.out.Reset()
	if r.s.jq != nil {
		if err := r.runJQ(v); err != nil {
			return err
		}
	} else if err := r.runTemplate(v); err != nil {
		return err
	}
	if _, err := r.w.Write(r.out.Bytes()); err != nil {
		return &writeError{err}
	}
	if r.d.FlushEach {
		if err := r.w.Flush(); err != nil {
			return &writeError{err}
		}
	}
	return nil
}

func (r *runner) runJQ(v any) error {
	iter := r.s.jq.RunWithContext(r.ctx, v)
	for {
		x, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, ok := x.(error); ok {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil // halt: stop quietly
			}
			if cerr := r.ctx.Err(); cerr != nil {
				return cerr
			}
			return err
		}
		line := resultText(x)
		if r.d.Terminal {
			line = output.Sanitize(line)
		}
		r.out.WriteString(line)
		r.out.WriteByte('\n')
	}
}

// resultText is a jq result as jq -r prints it: a string as it is, any
// other value as compact JSON.
func resultText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := gojq.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (r *runner) runTemplate(v any) error {
	if err := r.tmpl.Execute(&r.out, templateValue(v, r.d.Terminal)); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "template: "))
	}
	if n := r.out.Len(); n > 0 && r.out.Bytes()[n-1] != '\n' {
		r.out.WriteByte('\n')
	}
	return nil
}

// decode reads JSON into the values jq works on: objects, arrays,
// strings, booleans, nil and json.Number, which keeps every number as
// written.
func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Value shapes one value (anything encoding/json can encode) and writes
// the results to w.
func (s *Shaper) Value(ctx context.Context, w io.Writer, d Dest, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: encode the value: %w", s.Flag(), err)
	}
	return s.JSON(ctx, w, d, b)
}

// JSON shapes one JSON document, such as what count -o json writes, and
// writes the results to w.
func (s *Shaper) JSON(ctx context.Context, w io.Writer, d Dest, b []byte) error {
	x, err := decode(b)
	if err != nil {
		return fmt.Errorf("%s: decode the value: %w", s.Flag(), err)
	}
	r := s.runner(ctx, w, d)
	if err := r.run(x); err != nil {
		if isWriteError(err) {
			return err
		}
		return fmt.Errorf("%s: %w", s.Flag(), err)
	}
	return r.w.Flush()
}

// Writer returns an output.Writer that shapes each event, as -o jsonl
// would write it, to w. Close flushes; it does not close w.
func (s *Shaper) Writer(ctx context.Context, w io.Writer, d Dest) output.Writer {
	return &eventWriter{r: s.runner(ctx, w, d)}
}

type eventWriter struct {
	r      *runner
	buf    []byte
	err    error
	closed bool
}

func (w *eventWriter) Write(e *auditlog.Event) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("shape: write after close")
	}
	rec, err := output.AppendJSON(w.buf[:0], e)
	w.buf = rec
	if err != nil {
		return err
	}
	v, err := decode(rec)
	if err != nil {
		return fmt.Errorf("event %s: %w", output.Sanitize(e.ID), err)
	}
	if err := w.r.run(v); err != nil {
		if !isWriteError(err) {
			err = fmt.Errorf("%s, event %s: %w", w.r.s.Flag(), output.Sanitize(e.ID), err)
		}
		w.err = err
		return err
	}
	return nil
}

func (w *eventWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	w.err = w.r.w.Flush()
	return w.err
}

// writeError marks a failure to write the output, which callers handle
// as such (a closed pipe ends a search quietly).
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

func isWriteError(err error) bool {
	var w *writeError
	return errors.As(err, &w)
}
