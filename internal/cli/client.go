package cli

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/config"
)

// connState caches, for one run, the config file and the resolved
// connection: the token may come from stdin, which can be read only once,
// and warnings (unknown config keys, --token in ps) are said once.
type connState struct {
	flags *pflag.FlagSet // the root's persistent flags, to tell which were given

	file    *config.File
	fileErr error
	loaded  bool

	conn    *config.Connection
	connErr error
	settled bool
}

// configFile reads the config file once per run.
func (a *App) configFile() (*config.File, error) {
	s := a.connState()
	if !s.loaded {
		s.loaded = true
		path, explicit := config.Locate(a.Global.ConfigPath, a.getenv)
		s.file, s.fileErr = config.Load(path, explicit, func(msg string) { a.warn("%s", msg) })
		s.fileErr = configError(s.fileErr)
	}
	return s.file, s.fileErr
}

// settings resolves the connection settings from flags, environment, profile
// and defaults, without requiring them to be complete (`config show` lists
// what is missing). The endpoint is filled with the project's default.
func (a *App) settings() (*config.Connection, error) {
	s := a.connState()
	if s.settled {
		return s.conn, s.connErr
	}
	s.settled = true
	f, err := a.configFile()
	if err != nil {
		s.connErr = err
		return nil, err
	}
	conn, err := config.Resolve(f, config.Inputs{
		Flags:    a.connectionFlags(),
		Profile:  a.Global.Profile,
		Getenv:   a.getenv,
		Stdin:    a.IO.In,
		StdinTTY: a.IO.InTTY,
		Warn:     func(msg string) { a.warn("%s", msg) },
	})
	if err != nil {
		s.connErr = configError(err)
		return nil, s.connErr
	}
	if conn.Endpoint == "" && conn.Project != "" {
		conn.Endpoint = adminapi.DefaultEndpoint(conn.Project)
		conn.Sources[config.KeyEndpoint] = config.SourceDefault
	}
	s.conn = conn
	return conn, nil
}

// errNoProject is the usage error for a connection without a project.
var errNoProject = errors.New("no project: pass --project, set AUTHGEAR_AUDIT_PROJECT, or add it to a profile (authgear-audit config add)")

// connection is the resolved connection, flags > env > profile > defaults,
// complete enough to build a client: it has a project (or a token and an
// explicit endpoint). Errors are usage errors.
func (a *App) connection() (config.Connection, error) {
	conn, err := a.settings()
	if err != nil {
		return config.Connection{}, err
	}
	if conn.Project == "" && (conn.Token == "" || conn.Endpoint == "") {
		return config.Connection{}, settingsError(errNoProject)
	}
	return *conn, nil
}

// client builds the Admin API client from the resolved connection. Every
// option, the key file and the CA file are checked here, before any request;
// a problem with them is a usage error (exit 2).
func (a *App) client(ctx context.Context) (*adminapi.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := a.connection()
	if err != nil {
		return nil, err
	}
	c, err := adminapi.New(a.clientOptions(conn))
	if err != nil {
		return nil, settingsError(err)
	}
	return c, nil
}

// clientOptions maps a connection onto the client's options.
func (a *App) clientOptions(conn config.Connection) adminapi.Options {
	opts := adminapi.Options{
		Endpoint:     conn.Endpoint,
		ProjectID:    conn.Project,
		KeyID:        conn.KeyID,
		KeyFile:      conn.KeyFile,
		Token:        conn.Token,
		Timeout:      conn.Timeout,
		MaxRetries:   conn.MaxRetries,
		Rate:         conn.Rate,
		CAFile:       conn.CAFile,
		InsecureHTTP: conn.InsecureHTTP,
		UserAgent:    userAgentVersion(),
		Warn:         func(msg string) { a.warn("%s", msg) },
		// Now stays nil: tokens are judged by the server's real clock, so
		// they are signed with the real clock even when a test fixes a.Now
		// for relative times.
	}
	if opts.MaxRetries == 0 {
		// The client reads 0 as "the default"; --max-retries 0 means none.
		opts.MaxRetries = -1
	}
	if a.Global.Verbose {
		opts.Verbose = a.IO.Err
	}
	return opts
}

// connectionFlags are the connection flags the user gave, by config key.
// Flags left at their defaults are not included: they must not hide the
// environment or the profile.
func (a *App) connectionFlags() map[string]string {
	m := map[string]string{}
	fs := a.connState().flags
	if fs != nil {
		for _, key := range config.Keys() {
			if f := fs.Lookup(config.FlagName(key)); f != nil && f.Changed {
				m[key] = f.Value.String()
			}
		}
		return m
	}
	// No parsed flags (an App driven without its root command): take the
	// options that differ from the flags' defaults.
	g := a.Global
	set := func(key, v string) {
		if v != "" {
			m[key] = v
		}
	}
	set(config.KeyEndpoint, g.Endpoint)
	set(config.KeyProject, g.Project)
	set(config.KeyKeyID, g.KeyID)
	set(config.KeyKeyFile, g.KeyFile)
	set(config.KeyToken, g.Token)
	set(config.KeyTokenFile, g.TokenFile)
	set(config.KeyCAFile, g.CAFile)
	if g.InsecureHTTP {
		m[config.KeyInsecureHTTP] = "true"
	}
	if g.Timeout != 0 && g.Timeout != config.DefaultTimeout {
		m[config.KeyTimeout] = g.Timeout.String()
	}
	if g.MaxRetries != 0 && g.MaxRetries != config.DefaultMaxRetries {
		m[config.KeyMaxRetries] = strconv.Itoa(g.MaxRetries)
	}
	if g.Rate != 0 {
		m[config.KeyRate] = strconv.FormatFloat(g.Rate, 'g', -1, 64)
	}
	return m
}

func (a *App) connState() *connState {
	if a.conn == nil {
		a.conn = &connState{}
	}
	return a.conn
}

// getenv reads the App's environment (nothing when Getenv is nil).
func (a *App) getenv(key string) string {
	if a.Getenv == nil {
		return ""
	}
	return a.Getenv(key)
}

// configError makes a problem with the user's configuration a usage error
// in the settings (exit 2); other errors (an unreadable file) stay
// failures.
func configError(err error) error {
	if err != nil && config.IsUserError(err) {
		return settingsError(err)
	}
	return err
}

// now is the App's clock (time.Now when unset).
func (a *App) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}
