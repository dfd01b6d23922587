// Package iostreams owns what a command knows about its standard streams:
// which of them are terminals, whether stdout may get colour, how wide the
// terminal is, whether notices and the progress spinner show on stderr.
// Commands ask it instead of looking at files and the environment
// themselves, so a test decides all of that with Test and the setters.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams are a process's standard streams and what is known about them.
// System fills them from the process; a test fills the terminal facts
// itself after Test.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// Whether each stream is a terminal.
	InTTY, OutTTY, ErrTTY bool
	// ErrFile is stderr as a file when it is one: the spinner decides about
	// the terminal from the file itself, and draws only there (messages
	// still go to ErrOut).
	ErrFile *os.File
	// Width is the width of the terminal on stdout; nil when unknown.
	Width func() int

	// getenv reads NO_COLOR, TERM and COLUMNS.
	getenv func(string) string

	noColor bool // --no-color
	quiet   bool // --quiet
}

// System returns os.Stdin, os.Stdout and os.Stderr, read with getenv.
func System(getenv func(string) string) *IOStreams {
	tty := func(f *os.File) bool { return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()) }
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: tty(os.Stdin), OutTTY: tty(os.Stdout), ErrTTY: tty(os.Stderr),
		ErrFile: os.Stderr,
		getenv:  getenv,
	}
	if s.OutTTY {
		s.Width = func() int {
			if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
				return w
			}
			return 0
		}
	}
	return s
}

// Test returns streams over buffers: empty stdin, no terminals, and an
// environment read with getenv (nil: empty).
func Test(getenv func(string) string) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut, getenv: getenv}, out, errOut
}

func (s *IOStreams) env(key string) string {
	if s.getenv == nil {
		return ""
	}
	return s.getenv(key)
}

// SetNoColor is --no-color.
func (s *IOStreams) SetNoColor(v bool) { s.noColor = v }

// SetQuiet is --quiet: no notices and no progress.
func (s *IOStreams) SetQuiet(v bool) { s.quiet = v }

// Quiet reports --quiet.
func (s *IOStreams) Quiet() bool { return s.quiet }

// dumbTerminal is TERM=dumb: a terminal that understands no escape
// sequences, so no colour and no spinner.
func (s *IOStreams) dumbTerminal() bool { return s.env("TERM") == "dumb" }

// ColorEnabled reports whether stdout may get colours: a terminal that is
// not TERM=dumb, no NO_COLOR (https://no-color.org: set and not empty) and
// no --no-color.
func (s *IOStreams) ColorEnabled() bool {
	return s.OutTTY && s.env("NO_COLOR") == "" && !s.noColor && !s.dumbTerminal()
}

// TerminalWidth is the width of the terminal on stdout, else $COLUMNS,
// else 0 (unknown: a table then takes its default).
func (s *IOStreams) TerminalWidth() int {
	if s.OutTTY && s.Width != nil {
		if w := s.Width(); w > 0 {
			return w
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s.env("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return 0
}

// Notice writes one line on stderr unless --quiet: things a person at a
// terminal wants to know ("no events matched") but a script does not need.
func (s *IOStreams) Notice(format string, args ...any) {
	if s.quiet {
		return
	}
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
}

// Warn writes one line on stderr, even with --quiet: something is probably
// wrong and the user should act (a world-readable key file).
func (s *IOStreams) Warn(format string, args ...any) {
	fmt.Fprintf(s.ErrOut, "warning: "+format+"\n", args...)
}
