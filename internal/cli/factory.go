package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
)

// Factory is what commands are built from: the streams, the environment,
// the clock, and constructors for the config file, the connection and the
// client. A command copies into its options only the ones its run function
// needs, so a test replaces any of them, and a flag rule is tested without
// a server. One Factory serves one run of the command line.
type Factory struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Now    func() time.Time

	// Config is the config file, read once per run.
	Config func() (*config.File, error)
	// ConfigPath is where the config file is, or would be created.
	ConfigPath func() (string, error)
	// Settings is the connection resolved from flags, environment, profile
	// and defaults, not necessarily complete (config show lists what is
	// missing). Resolved once per run: the token may come from stdin.
	Settings func() (*config.Connection, error)
	// Connection is Settings complete enough to build a client.
	Connection func() (config.Connection, error)
	// Client builds the Admin API client of the connection; a problem with
	// a setting, the key file or the CA file is a usage error.
	Client func(context.Context) (*adminapi.Client, error)

	// global are the root's persistent flags.
	global globalFlags
	// resolved is the connection once Settings has resolved it, nil before.
	resolved *config.Connection
}

// globalFlags are the persistent flags of the root command: the ones of
// the streams here, and the connection settings, --profile and --config,
// which config declares (config.AddFlags) and reads back from the flag set.
type globalFlags struct {
	verbose bool
	quiet   bool
	noColor bool
	// set is the root's persistent flag set; given is what config read
	// from it, once, after parsing.
	set   *pflag.FlagSet
	given *config.Flags
}

// flags are the connection flags, --profile and --config the user gave.
func (g *globalFlags) flags() *config.Flags {
	if g.given == nil {
		fl := config.ReadFlags(g.set)
		g.given = &fl
	}
	return g.given
}

// newFactory builds the Factory of one run. Its constructors read the
// global flags when called, after cobra has parsed them.
func newFactory(ios *iostreams.IOStreams, getenv func(string) string, now func() time.Time) *Factory {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if now == nil {
		now = time.Now
	}
	f := &Factory{IO: ios, Getenv: getenv, Now: now}
	warn := func(msg string) { ios.Warn("%s", msg) }

	var (
		file    *config.File
		fileErr error
		loaded  bool
	)
	f.Config = func() (*config.File, error) {
		if !loaded {
			loaded = true
			path, explicit := config.Locate(f.global.flags().Config, getenv)
			file, fileErr = config.Load(path, explicit, warn)
			fileErr = configError(fileErr)
		}
		return file, fileErr
	}
	f.ConfigPath = func() (string, error) {
		path, _ := config.Locate(f.global.flags().Config, getenv)
		if path == "" {
			return "", settingsError(errors.New("no config file location: set HOME or XDG_CONFIG_HOME, or pass --config"))
		}
		return path, nil
	}

	var (
		conn    *config.Connection
		connErr error
		settled bool
	)
	f.Settings = func() (*config.Connection, error) {
		if settled {
			return conn, connErr
		}
		settled = true
		file, err := f.Config()
		if err != nil {
			connErr = err
			return nil, err
		}
		c, err := config.Resolve(file, config.Inputs{
			Flags:    f.global.flags().Settings,
			Profile:  f.global.flags().Profile,
			Getenv:   getenv,
			Stdin:    ios.In,
			StdinTTY: ios.InTTY,
			Warn:     warn,
		})
		if err != nil {
			connErr = configError(err)
			return nil, connErr
		}
		if c.Endpoint == "" && c.Project != "" {
			c.Endpoint = adminapi.DefaultEndpoint(c.Project)
			c.Sources[config.KeyEndpoint] = config.SourceDefault
		}
		conn, f.resolved = c, c
		return conn, nil
	}
	f.Connection = func() (config.Connection, error) {
		c, err := f.Settings()
		if err != nil {
			return config.Connection{}, err
		}
		if c.Project == "" && (c.Token == "" || c.Endpoint == "") {
			return config.Connection{}, settingsError(errNoProject)
		}
		return *c, nil
	}
	f.Client = func(ctx context.Context) (*adminapi.Client, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := f.Connection()
		if err != nil {
			return nil, err
		}
		client, err := adminapi.New(clientOptions(c, ios, f.global.verbose))
		if err != nil {
			return nil, settingsError(err)
		}
		return client, nil
	}
	return f
}

// errNoProject is the usage error for a connection without a project.
var errNoProject = fmt.Errorf("no project: pass --%s, set %s, or add it to a profile (authgear-audit config add)",
	config.FlagName(config.KeyProject), config.EnvName(config.KeyProject))

// configError makes a problem with the user's configuration a usage error
// in the settings (exit 2); other errors (an unreadable file) stay
// failures.
func configError(err error) error {
	if err != nil && config.IsUserError(err) {
		return settingsError(err)
	}
	return err
}

// localZone is the zone named by the run's TZ, else the process's local
// zone. For the process itself the two agree (Go reads TZ the same way); a
// run with an environment of its own, as in tests, gets that environment's
// zone.
func (f *Factory) localZone() *time.Location {
	if tz := strings.TrimPrefix(f.Getenv("TZ"), ":"); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.Local
}

// clientOptions are the client's options for a connection: warnings go to
// stderr, and so does the request log with --verbose.
func clientOptions(conn config.Connection, ios *iostreams.IOStreams, verbose bool) adminapi.Options {
	var log io.Writer
	if verbose {
		log = ios.ErrOut
	}
	return conn.ClientOptions(userAgentVersion(), log, func(msg string) { ios.Warn("%s", msg) })
}
