package cli

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// Flag rules without a server: each command is built with a runF that
// records the options validate derived, and run under the real root
// command, so that the global flags, the argument checks and cobra's flag
// groups apply as they do for a user.

// runCmd runs the command line args under newRootCmd(f), with cmd in
// place of the command that args name (the same name, under the same
// parent), and returns the error as run sees it: cobra's flag-group
// errors in our words. Output is discarded.
func runCmd(t *testing.T, f *Factory, cmd *cobra.Command, args ...string) error {
	t.Helper()
	root := newRootCmd(f)
	old, _, err := root.Find(args)
	if err != nil || old == root || old.Name() != cmd.Name() {
		t.Fatalf("%q names no command %q (found %v, %v)", args, cmd.Name(), old, err)
	}
	parent := old.Parent()
	parent.RemoveCommand(old)
	parent.AddCommand(cmd)
	if cmd.Args != nil {
		// As checkArgsAsUsage does for the commands of newRootCmd.
		cmd.Args = usageArgs(cmd.Args)
	}
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return flagGroupError(root.ExecuteContext(t.Context()))
}

// captured records the options a command's runF was given.
type captured[T any] struct {
	opts  *T
	calls int
}

func (c *captured[T]) runF(_ context.Context, o *T) error {
	c.calls++
	c.opts = o
	return nil
}

// flagCase is one command line of a flag-rule table.
type flagCase[T any] struct {
	name string
	args []string // after the command's path
	tty  bool     // stdout is a terminal
	env  map[string]string
	// want is a part of the usage error; "" wants none, and the run
	// function to be reached with the options that check looks at.
	want  string
	check func(t *testing.T, o *T)
}

// runFlagCases runs each case: path is the command's path ("search",
// "config show"), build makes the command over a fresh Factory.
func runFlagCases[T any](t *testing.T, path string, cases []flagCase[T], build func(*Factory, func(context.Context, *T) error) *cobra.Command) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, _, _ := newTestApp(t, tc.env)
			f.IO.OutTTY = tc.tty
			var got captured[T]
			cmd := build(f, got.runF)
			err := runCmd(t, f, cmd, slices.Concat(strings.Fields(path), tc.args)...)
			if tc.want != "" {
				wantUsageError(t, err, tc.want)
				if got.calls != 0 {
					t.Errorf("the run function was reached despite the error")
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v, want none", err)
			}
			if got.calls != 1 {
				t.Fatalf("the run function was called %d times, want once", got.calls)
			}
			if tc.check != nil {
				tc.check(t, got.opts)
			}
		})
	}
}

// wantUsageError fails unless err is a usage error (exit 2) whose message
// contains want.
func wantUsageError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want a usage error with %q", want)
	}
	var usage *UsageError
	if !errors.As(err, &usage) {
		t.Errorf("error %q (%T) is not a usage error", err, err)
	}
	if code := exitCode(t.Context(), err); code != ExitUsage {
		t.Errorf("exit code %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
}

// Checks of captured options, shared by the commands' tables.

func wantEqual[V comparable](t *testing.T, what string, got, want V) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func wantZone(t *testing.T, loc *time.Location, want string) {
	t.Helper()
	if loc == nil {
		t.Fatalf("zone is nil, want %s", want)
	}
	wantEqual(t, "zone", loc.String(), want)
}

func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
