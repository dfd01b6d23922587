package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
)

// testNow is the fixed clock of test apps: relative times such as --since 7d
// resolve against it.
func testNow() time.Time { return time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC) }

// newTestApp returns the Factory of one run with buffers for stdout and
// stderr, an empty stdin, no terminals, the fixed clock testNow and an
// environment made of env only. HOME and XDG_CONFIG_HOME point into a fresh
// temporary directory unless env sets them, so no test ever reads the real
// config file; TZ is UTC unless env sets it, so the local zone is the same
// on every machine. Set app.IO.In to feed stdin, the IO's setters to test
// terminal behaviour (SetStdoutTTY, SetWidth), or app.Now for another clock.
func newTestApp(t testing.TB, env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	vars := map[string]string{}
	home := t.TempDir()
	vars["HOME"] = home
	vars["XDG_CONFIG_HOME"] = home + "/.config"
	vars["TZ"] = "UTC"
	for k, v := range env {
		vars[k] = v
	}
	getenv := func(k string) string { return vars[k] }
	ios, out, errb := iostreams.Test(getenv)
	return newFactory(ios, getenv, testNow), out, errb
}

// runApp runs the command line args with app and returns the exit code.
// Each Factory serves one run: build a new one for the next command.
func runApp(t testing.TB, app *Factory, args ...string) int {
	t.Helper()
	return run(t.Context(), app, args)
}

// stderrLines returns the non-empty lines written to a buffer.
func stderrLines(b *bytes.Buffer) []string {
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// slimData cuts the data of generated events to their ID and user ID (which
// count --by user reads), for tests in which only IDs, times, types and
// users matter: under the race detector most of a walk's time goes into the
// 1.2 KB of JSON that each generated event carries.
func slimData(evs []adminapitest.Event) {
	for i, e := range evs {
		if e.UserID == "" {
			evs[i].Data = fmt.Appendf(nil, `{"context":{},"id":%q}`, e.ID)
		} else {
			evs[i].Data = fmt.Appendf(nil, `{"context":{"user_id":%q},"id":%q}`, e.UserID, e.ID)
		}
	}
}
