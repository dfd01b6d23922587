// Package cli is the command line of authgear-audit: one file per command,
// each a NewCmdX(f, runF) that parses flags into its options, checks them in
// validate and calls one package that does the work. run is the one place
// where errors become messages and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"

	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// Main runs the command line over the process's streams and returns its
// exit code.
func Main(args []string, ios *iostreams.IOStreams, getenv func(string) string) int {
	f := newFactory(ios, getenv, time.Now)
	// Asking for SIGPIPE turns a write to a closed stdout into an EPIPE error
	// instead of death by signal, so `search | head` can end quietly with 0.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, f, args)
}

// run runs one command line with f and returns the exit code: the one
// place where errors become messages and codes.
func run(ctx context.Context, f *Factory, args []string) int {
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	ran, err := root.ExecuteContextC(ctx)
	err = flagGroupError(err)
	if err == nil || errors.Is(err, syscall.EPIPE) {
		return ExitOK
	}
	var usage *UsageError
	if isUnknownCommand(err) && !errors.As(err, &usage) {
		// cobra's own, from the root: a plain error.
		err = &UsageError{Err: errors.New(strings.TrimRight(err.Error(), "\n"))}
	}
	code := exitCode(ctx, err)
	var silent *SilentError
	if !errors.As(err, &silent) {
		fmt.Fprintf(f.IO.ErrOut, "authgear-audit: %s\n", credentialsLine(f, err, errorLine(err, f.global.verbose)))
		if code == ExitUsage && !f.global.quiet {
			if hint := usageHint(ran, err); hint != "" {
				fmt.Fprintln(f.IO.ErrOut, hint)
			}
		}
	}
	return code
}

// exitCode maps an error to the documented exit codes.
func exitCode(ctx context.Context, err error) int {
	var (
		silent *SilentError
		usage  *UsageError
		creds  *adminapi.CredentialsError
		api    *adminapi.APIError
		target *safefile.TargetError
	)
	switch {
	case errors.As(err, &silent):
		return silent.Code
	case ctx.Err() != nil && errors.Is(err, context.Canceled), errors.Is(err, errInterrupted):
		return ExitInterrupted
	case errors.As(err, &usage):
		return ExitUsage
	case errors.As(err, &creds):
		return ExitCredentials
	case errors.As(err, &api):
		return ExitAPI
	case isFlagError(err), errors.As(err, &target):
		return ExitUsage
	}
	return ExitFailure
}

var errInterrupted = errors.New("interrupted")

// errorLine is the message a user sees: the error's own text, which wraps
// its causes on one line; with --verbose, an error's Detail follows (the
// windows a failed drain read). The text never holds a secret; the
// transports redact tokens before they reach an error.
func errorLine(err error, verbose bool) string {
	if errors.Is(err, errInterrupted) || errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	var d interface{ Detail() string }
	if verbose && errors.As(err, &d) {
		return err.Error() + "\n" + d.Detail()
	}
	return err.Error()
}

// flagError marks errors from cobra's flag parsing, which it returns as
// plain errors.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func isFlagError(err error) bool {
	var f *flagError
	return errors.As(err, &f)
}

func newRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "authgear-audit",
		Short: "Search, export and follow the audit log of an Authgear project",
		Long: `authgear-audit searches, exports and follows the audit log of an Authgear
project through the Admin API.

Data goes to stdout, messages to stderr. Exit codes: 0 ok, 1 failure,
2 bad usage, 3 credentials refused, 4 the API kept failing, 130 interrupted.

` + zoneRule,
		SilenceUsage:  true,
		SilenceErrors: true,
		// No Args: cobra then checks the first argument against the
		// subcommands before parsing flags, and an unknown one is an
		// error with suggestions (see run).
		PersistentPreRun: func(*cobra.Command, []string) {
			f.IO.SetQuiet(f.global.quiet)
			f.IO.SetNoColor(f.global.noColor)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err: err} })
	root.SetHelpCommand(newHelpCmd())
	addGlobalFlags(root, &f.global)
	_ = root.RegisterFlagCompletionFunc(config.FlagProfile, completeProfiles(f))
	root.AddCommand(
		NewCmdSearch(f, nil),
		NewCmdExport(f, nil),
		NewCmdTail(f, nil),
		NewCmdCount(f, nil),
		NewCmdGet(f, nil),
		NewCmdVerify(f, nil),
		NewCmdActivityTypes(f, nil),
		NewCmdConfig(f),
		NewCmdAuth(f),
		NewCmdDoctor(f),
		NewCmdVersion(f),
	)
	checkArgsAsUsage(root)
	registerCompletions(root)
	return root
}

func addGlobalFlags(root *cobra.Command, g *globalFlags) {
	f := root.PersistentFlags()
	g.set = f
	f.BoolVarP(&g.verbose, "verbose", "v", false, "log each request on stderr (secrets redacted)")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "no progress and no notices on stderr")
	f.BoolVar(&g.noColor, "no-color", false, "never use colour (also NO_COLOR; TERM=dumb: no colour and no progress line)")
	config.AddFlags(f)
}

// RootCommand is the command tree with empty streams, for generating shell
// completions and man pages at release time.
func RootCommand() *cobra.Command {
	ios, _, _ := iostreams.Test(nil)
	return newRootCmd(newFactory(ios, nil, time.Now))
}
