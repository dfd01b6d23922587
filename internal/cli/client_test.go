package cli

import (
	"strings"
	"testing"
	"time"
)

func TestClientOptions(t *testing.T) {
	app, _, errb := newTestApp(t, map[string]string{"AUTHGEAR_AUDIT_PROJECT": "p", "AUTHGEAR_AUDIT_KEY_ID": "k", "AUTHGEAR_AUDIT_KEY_FILE": "/k.pem"})
	parseGlobalFlags(t, app, "--timeout", "45s", "--rate", "2", "--verbose")
	conn, err := app.Connection()
	if err != nil {
		t.Fatal(err)
	}
	opts := clientOptions(conn, app.IO, app.global.verbose)
	if opts.Endpoint != "https://p.authgear.cloud/_api/admin/graphql" || opts.ProjectID != "p" || opts.KeyID != "k" || opts.KeyFile != "/k.pem" {
		t.Errorf("connection: %+v", opts)
	}
	if opts.Timeout != 45*time.Second || opts.Rate != 2 || opts.MaxRetries != 5 {
		t.Errorf("timeout %v rate %v retries %d", opts.Timeout, opts.Rate, opts.MaxRetries)
	}
	if opts.Verbose != app.IO.ErrOut || opts.UserAgent == "" || opts.Now != nil {
		t.Errorf("verbose %v user agent %q now set %v", opts.Verbose, opts.UserAgent, opts.Now != nil)
	}
	opts.Warn("careful")
	if errb.String() != "warning: careful\n" {
		t.Errorf("warn wrote %q", errb)
	}

	// --max-retries 0 means no retries, which the client spells -1.
	app, _, _ = newTestApp(t, map[string]string{"AUTHGEAR_AUDIT_PROJECT": "p", "AUTHGEAR_AUDIT_MAX_RETRIES": "0"})
	parseGlobalFlags(t, app)
	conn, err = app.Connection()
	if err != nil {
		t.Fatal(err)
	}
	if opts := clientOptions(conn, app.IO, app.global.verbose); opts.MaxRetries != -1 || opts.Verbose != nil {
		t.Errorf("max retries %d verbose %v", opts.MaxRetries, opts.Verbose)
	}
}

// The connection is resolved once per run: a token on stdin is read once.
func TestConnectionResolvedOnce(t *testing.T) {
	app, _, errb := newTestApp(t, map[string]string{"AUTHGEAR_AUDIT_PROJECT": "p"})
	parseGlobalFlags(t, app, "--token-file", "-")
	app.IO.In = strings.NewReader("tok-1\n")
	c1, err := app.Connection()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := app.Connection()
	if err != nil || c1.Token != "tok-1" || c2.Token != "tok-1" {
		t.Errorf("tokens %q %q, %v", c1.Token, c2.Token, err)
	}
	if errb.Len() != 0 {
		t.Errorf("stderr %q", errb)
	}
}

// parseGlobalFlags parses args as the root's persistent flags of app, as
// a run does before its command.
func parseGlobalFlags(t *testing.T, app *Factory, args ...string) {
	t.Helper()
	if err := newRootCmd(app).PersistentFlags().Parse(args); err != nil {
		t.Fatal(err)
	}
}
