package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

const authCheckLong = `Resolve the connection (flags, environment, profile), print the endpoint,
project and key in use, and make one cheap query to prove that the Admin API
accepts the credentials. A failure says what went wrong: the configuration
(exit 2), credentials refused (exit 3), or the endpoint could not be reached
or is not the Admin API (exit 4).`

// authCheckOptions are the inputs of auth check and doctor.
type authCheckOptions struct {
	IO         *iostreams.IOStreams
	Connection func() (config.Connection, error)
	Client     func(context.Context) (*adminapi.Client, error)
}

func newAuthCheckOptions(f *Factory) *authCheckOptions {
	return &authCheckOptions{IO: f.IO, Connection: f.Connection, Client: f.Client}
}

// NewCmdAuth builds auth and auth check.
func NewCmdAuth(f *Factory) *cobra.Command {
	cmd := groupCommand(&cobra.Command{
		Use:   "auth",
		Short: "Check the Admin API credentials",
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Prove that the credentials work with one cheap query",
		Long:  authCheckLong,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return authCheck(cmd.Context(), newAuthCheckOptions(f)) },
	})
	return cmd
}

// NewCmdDoctor builds doctor, auth check's other name.
func NewCmdDoctor(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Same as auth check: prove that the credentials work",
		Long:  authCheckLong,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return authCheck(cmd.Context(), newAuthCheckOptions(f)) },
	}
}

// authCheck prints what it is about to use, then checks it. The report goes
// to stdout; a failure goes through the normal error path, so the exit code
// classifies it.
func authCheck(ctx context.Context, o *authCheckOptions) error {
	conn, err := o.Connection()
	if err != nil {
		return err
	}
	project := conn.Project
	if project == "" {
		project = "(from the token)"
	}
	fields := [][2]string{{"endpoint", conn.Endpoint}, {"project", project}}
	if conn.Token != "" {
		fields = append(fields, [2]string{"key ID", "token"}, [2]string{"token", "from " + tokenSource(&conn)})
	} else {
		fields = append(fields, [2]string{"key ID", orNotSet(conn.KeyID)}, [2]string{"key file", orNotSet(conn.KeyFile)})
	}
	if conn.Profile != "" {
		fields = append(fields, [2]string{"profile", conn.Profile})
	}
	if err := output.WriteFields(o.IO.Out, fields); err != nil {
		return err
	}
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	res, err := c.Check(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.IO.Out, "ok: the Admin API accepted the credentials (%d ms)\n", res.Latency.Round(time.Millisecond).Milliseconds())
	return err
}

// tokenSource says where a ready token came from: --token, stdin, a token
// file or the environment.
func tokenSource(conn *config.Connection) string {
	switch {
	case conn.TokenFile == "-":
		return "stdin"
	case conn.TokenFile != "":
		return conn.TokenFile
	case conn.Source(config.KeyToken) == config.SourceEnv:
		return config.EnvName(config.KeyToken)
	}
	return "--token"
}

// credentialsLine words a refusal of the credentials for what was used:
// with a ready token, the key ID and key file played no part, so the
// message points at the token instead.
func credentialsLine(f *Factory, err error, line string) string {
	var creds *adminapi.CredentialsError
	if !errors.As(err, &creds) {
		return line
	}
	// The connection as resolved for the request that was refused; a
	// refusal before any resolution has none to word itself after.
	conn := f.resolved
	if conn == nil || conn.Token == "" {
		return line
	}
	keyed := (&adminapi.CredentialsError{}).Error()
	token := fmt.Sprintf("the Admin API refused the token from %s: check the token: it must be an Admin API token for this project, signed with a key the project still has, and not expired", tokenSource(conn))
	return strings.Replace(line, keyed, token, 1)
}

func orNotSet(s string) string {
	if s == "" {
		return "(not set)"
	}
	return s
}
