package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// faultEvents is the data of the fault tests: small enough to walk many
// times under the race detector (1,500 events with slim data, which export
// --parallel 4 still splits into shards), with two seconds of more than two
// pages so that drains meet the faults too.
func faultEvents() ([]adminapitest.Event, []adminapitest.User, time.Time) {
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	events, users := adminapitest.Generate(adminapitest.GenOptions{
		Seed: 41, Count: 1000, Start: start, End: start.Add(2 * 24 * time.Hour), Bursts: 2, BurstSize: 250,
	})
	slimData(events)
	return events, users, start
}

// TestCommandsSurviveFaults injects the faults of a struggling server into
// search and export: the faults a retry cures must leave the output exactly
// right, and the rest must end with exit 4 and a message that quotes the
// server, with nothing half-written.
func TestCommandsSurviveFaults(t *testing.T) {
	events, users, start := faultEvents()
	since := rfc(start)
	until := rfc(start.Add(3 * 24 * time.Hour))
	commands := []struct {
		name string
		args []string
	}{
		{"search", []string{"search", "--limit", "0", "-o", "jsonl", "--sort", "asc", "--since", since, "--until", until}},
		{"export", []string{"export", "--parallel", "4", "--since", since, "--until", until}},
	}
	recoverable := []struct {
		name   string
		faults []adminapitest.Fault
	}{
		{"429 with Retry-After", []adminapitest.Fault{{Status: 429, RetryAfter: "0"}, {Status: 429, RetryAfter: "0"}}},
		{"503 and 502", []adminapitest.Fault{{Status: 503}, {Status: 502}}},
		{"504 HTML page", []adminapitest.Fault{{Status: 504, ContentType: "text/html", Body: "<html><body>Gateway Timeout</body></html>"}}},
		{"connection dropped mid-body", []adminapitest.Fault{{DropMidBody: true}, {DropMidBody: true}}},
		{"truncated JSON body", []adminapitest.Fault{{Status: 200, ContentType: "application/json", Body: `{"data":{"auditLogs":{"edges":[{"cursor":"b2Zmc2V0OjA","node":{"id":`}}},
		{"slow answer", []adminapitest.Fault{{Delay: 50 * time.Millisecond}}},
	}
	for _, cmd := range commands {
		for _, f := range recoverable {
			t.Run(cmd.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				s := adminapitest.New(t, adminapitest.WithEvents(events, users), adminapitest.WithLatency(time.Millisecond))
				s.Inject(f.faults...)
				code, out, errb := runExportCmd(t, s, cmd.args...)
				if code != ExitOK {
					t.Fatalf("exit %d, want 0: %s", code, errb)
				}
				if s.PendingFaults() != 0 {
					t.Fatalf("%d faults were never met", s.PendingFaults())
				}
				checkExactlyOnce(t, jsonlEvents(t, out.Bytes()), events, false)
			})
		}
	}

	fatal := []struct {
		name   string
		faults []adminapitest.Fault
		want   string // in the one-line message
	}{
		{"GraphQL error on a page", []adminapitest.Fault{{GraphQLError: "database is on fire"}}, "database is on fire"},
		// Enough faults that every request in flight runs out of retries.
		{"503 past the retries", repeatFault(adminapitest.Fault{Status: 503}, 40), "503"},
		{"garbage past the retries", repeatFault(adminapitest.Fault{Status: 200, ContentType: "application/json", Body: "{not json"}, 40), "gave up after 4 attempts"},
	}
	for _, cmd := range commands {
		for _, f := range fatal {
			t.Run(cmd.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				s := adminapitest.New(t, adminapitest.WithEvents(events, users))
				// The faults start after a few good pages, so some output
				// has already been written when the command fails.
				s.OnRequest(func(n int64) {
					if n == 4 {
						s.Inject(f.faults...)
					}
				})
				dir := t.TempDir()
				path := filepath.Join(dir, "audit.jsonl")
				args := append(append([]string{}, cmd.args...), "--max-retries", "3")
				if cmd.name == "export" {
					args = append(args, "--out", path)
				}
				code, out, errb := runExportCmd(t, s, args...)
				if code != ExitAPI {
					t.Fatalf("exit %d, want %d: %s", code, ExitAPI, errb)
				}
				lines := stderrLines(errb)
				if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], f.want) {
					t.Errorf("last stderr line %q does not mention %q", lines, f.want)
				}
				// What was written is whole: complete lines of real events
				// on stdout, and no file (not even a temporary one) from an
				// export that failed.
				got := jsonlEvents(t, out.Bytes())
				want := map[string]bool{}
				for _, e := range events {
					want[e.ID] = true
				}
				for _, e := range got {
					if !want[e.ID] {
						t.Fatalf("printed %s, which the server does not hold", e.ID)
					}
				}
				if out.Len() > 0 && !strings.HasSuffix(out.String(), "\n") {
					t.Error("stdout ends in the middle of a line")
				}
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Errorf("a failed export left %d files: %v", len(entries), entries)
				}
			})
		}
	}
}

func repeatFault(f adminapitest.Fault, n int) []adminapitest.Fault {
	out := make([]adminapitest.Fault, n)
	for i := range out {
		out[i] = f
	}
	return out
}
