// Package cli is the command line of authgear-audit: one file per command,
// each parsing flags into options and calling into fetch and output. Main is
// the one place where errors become messages and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// Streams are the process's standard streams and what is known about them.
// Tests fill them with buffers and choose the terminal flags.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	InTTY  bool
	OutTTY bool
	ErrTTY bool
	// ErrFile is stderr as a file when it is one: the spinner needs it to
	// decide about the terminal itself. Nil in tests.
	ErrFile *os.File
	// Width is the width of the terminal on stdout, 0 when unknown. Nil
	// means unknown; tests set it to lay tables out for a given width.
	Width func() int
}

// SystemStreams are os.Stdin, os.Stdout and os.Stderr.
func SystemStreams() *Streams {
	tty := func(f *os.File) bool { return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()) }
	s := &Streams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTTY: tty(os.Stdin), OutTTY: tty(os.Stdout), ErrTTY: tty(os.Stderr),
		ErrFile: os.Stderr,
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

// App is what every command shares: the streams, the environment, the clock
// and the global flags. Each run builds one: the package holds no mutable
// state but the version stamped in at build time.
type App struct {
	IO     *Streams
	Getenv func(string) string
	Now    func() time.Time

	Global GlobalOptions

	// conn caches the config file and the resolved connection of one run
	// (client.go); each root command starts it afresh.
	conn *connState

	// zoneFlags are --utc and --tz of the command that runs; loc is the
	// zone they resolve to (zone.go).
	zoneFlags zoneFlags
	loc       *time.Location
}

// GlobalOptions are the persistent flags of the root command.
type GlobalOptions struct {
	Verbose bool
	Quiet   bool
	NoColor bool
	// Connection flags; resolved with env and profile by internal/config.
	Endpoint     string
	Project      string
	KeyID        string
	KeyFile      string
	Token        string
	TokenFile    string
	CAFile       string
	InsecureHTTP bool
	Timeout      time.Duration
	MaxRetries   int
	Rate         float64
	Profile      string
	ConfigPath   string
}

// Main runs the command line and returns the process exit code.
func Main(args []string, streams *Streams, getenv func(string) string) int {
	app := &App{IO: streams, Getenv: getenv, Now: time.Now}
	// Asking for SIGPIPE turns a write to a closed stdout into an EPIPE error
	// instead of death by signal, so `search | head` can end quietly with 0.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.run(ctx, args)
}

func (a *App) run(ctx context.Context, args []string) int {
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(a.IO.In)
	root.SetOut(a.IO.Out)
	root.SetErr(a.IO.Err)
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
		fmt.Fprintf(a.IO.Err, "authgear-audit: %s\n", a.credentialsLine(err, errorLine(err, a.Global.Verbose)))
		if code == ExitUsage && !a.Global.Quiet {
			if hint := usageHint(ran, err); hint != "" {
				fmt.Fprintln(a.IO.Err, hint)
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

func newRootCmd(a *App) *cobra.Command {
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
		PersistentPreRunE: func(*cobra.Command, []string) error { return a.resolveZone() },
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err: err} })
	root.SetHelpCommand(newHelpCmd())
	addGlobalFlags(root, &a.Global)
	a.conn = &connState{flags: root.PersistentFlags()}
	_ = root.RegisterFlagCompletionFunc("profile", completeProfiles(a))
	root.AddCommand(
		newSearchCmd(a),
		newExportCmd(a),
		newTailCmd(a),
		newCountCmd(a),
		newGetCmd(a),
		newVerifyCmd(a),
		newActivityTypesCmd(a),
		newConfigCmd(a),
		newAuthCmd(a),
		newDoctorCmd(a),
		newVersionCmd(a),
	)
	checkArgsAsUsage(root)
	registerCompletions(root)
	return root
}

func addGlobalFlags(root *cobra.Command, g *GlobalOptions) {
	f := root.PersistentFlags()
	f.BoolVarP(&g.Verbose, "verbose", "v", false, "log each request on stderr (secrets redacted)")
	f.BoolVarP(&g.Quiet, "quiet", "q", false, "no progress and no notices on stderr")
	f.BoolVar(&g.NoColor, "no-color", false, "never use colour (also NO_COLOR; TERM=dumb: no colour and no progress line)")
	f.StringVar(&g.Endpoint, "endpoint", "", "Admin API GraphQL endpoint (default https://<project>.authgear.cloud/_api/admin/graphql)")
	f.StringVar(&g.Project, "project", "", "project (app) ID, the token's audience")
	f.StringVar(&g.KeyID, "key-id", "", "Admin API key ID")
	f.StringVar(&g.KeyFile, "key-file", "", "Admin API private key (PEM)")
	f.StringVar(&g.Token, "token", "", "a ready bearer token (visible in ps: prefer --token-file)")
	f.StringVar(&g.TokenFile, "token-file", "", "read the bearer token from this file ('-' for stdin)")
	f.StringVar(&g.CAFile, "ca-file", "", "trust this PEM CA bundle as well (self-hosted servers)")
	f.BoolVar(&g.InsecureHTTP, "insecure-http", false, "allow a plain http:// endpoint on a non-loopback host")
	f.DurationVar(&g.Timeout, "timeout", 30*time.Second, "timeout of each request")
	f.IntVar(&g.MaxRetries, "max-retries", 5, "retries of a failed request")
	f.Float64Var(&g.Rate, "rate", 0, "at most this many requests per second (0: no limit)")
	f.StringVar(&g.Profile, "profile", "", "profile of the config file to use")
	f.StringVar(&g.ConfigPath, "config", "", "config file (default $XDG_CONFIG_HOME/authgear-audit/config.yaml)")
}

// notice writes one line on stderr unless --quiet: things a person at a
// terminal wants to know ("no events matched") but a script does not need.
func (a *App) notice(format string, args ...any) {
	if a.Global.Quiet {
		return
	}
	fmt.Fprintf(a.IO.Err, format+"\n", args...)
}

// warn writes one line on stderr, even with --quiet: something is probably
// wrong and the user should act (a world-readable key file).
func (a *App) warn(format string, args ...any) {
	fmt.Fprintf(a.IO.Err, "warning: "+format+"\n", args...)
}

// RootCommand is the command tree with empty streams, for generating shell
// completions and man pages at release time.
func RootCommand() *cobra.Command {
	a := &App{IO: &Streams{In: nil, Out: io.Discard, Err: io.Discard}, Getenv: func(string) string { return "" }, Now: time.Now}
	return newRootCmd(a)
}
