package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// standin is a stand-in started by run, as a client sees it.
type standin struct {
	Endpoint, Project, KeyID, KeyFile string
	Events                            int

	key *rsa.PrivateKey
}

// start runs the stand-in with args until the test ends and returns what
// its JSON line says.
func start(t *testing.T, args ...string) *standin {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	var s standin
	if err := json.Unmarshal([]byte(line), &s); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	pemBytes, err := os.ReadFile(s.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatalf("%s holds no PEM block", s.KeyFile)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	s.key = k.(*rsa.PrivateKey)
	return &s
}

// query asks the stand-in a GraphQL query with a signed token and decodes
// the answer's data into out.
func (s *standin) query(t *testing.T, q string, out any) {
	t.Helper()
	tok := adminapitest.SignToken(s.key, s.KeyID, map[string]any{"aud": s.Project, "exp": time.Now().Add(time.Minute).Unix()})
	body, _ := json.Marshal(map[string]string{"query": q})
	req, _ := http.NewRequest("POST", s.Endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	var env struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(answer, &env); err != nil || resp.StatusCode != 200 || len(env.Errors) > 0 {
		t.Fatalf("%s: %d %s", q, resp.StatusCode, answer)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		t.Fatalf("%s: %v", answer, err)
	}
}

// count returns the number of events in [from, to), or of all events when
// from is zero.
func (s *standin) count(t *testing.T, from, to time.Time) int {
	t.Helper()
	args := "first: 1"
	if !from.IsZero() {
		args += fmt.Sprintf(", rangeFrom: %q, rangeTo: %q", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	var data struct{ AuditLogs struct{ TotalCount int } }
	s.query(t, "{ auditLogs("+args+") { totalCount } }", &data)
	return data.AuditLogs.TotalCount
}

// waitForCount polls until the stand-in holds at least n events. It fails
// only after a minute, a bound far beyond what the insertion needs.
func (s *standin) waitForCount(t *testing.T, n int) int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := s.count(t, time.Time{}, time.Time{})
		if got >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d events, want at least %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newest is the newest stored event.
type newest struct {
	CreatedAt    time.Time
	ActivityType string
	Data         struct {
		Seq     int64
		Context struct {
			Timestamp int64
			AppID     string `json:"app_id"`
		}
	}
}

func (s *standin) newest(t *testing.T, n int) []newest {
	t.Helper()
	var data struct {
		AuditLogs struct {
			Edges []struct{ Node newest }
		}
	}
	s.query(t, fmt.Sprintf("{ auditLogs(first: %d, sortDirection: DESC) { edges { node { createdAt activityType data } } } }", n), &data)
	out := make([]newest, 0, n)
	for _, e := range data.AuditLogs.Edges {
		out = append(out, e.Node)
	}
	return out
}

func TestRun(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "key.pem")
	s := start(t, "-events", "300", "-bursts", "1", "-burst-size", "120", "-project", "proj", "-key-out", keyPath)
	if s.Project != "proj" || s.KeyFile != keyPath || s.Events != 420 || !strings.HasSuffix(s.Endpoint, adminapitest.EndpointPath) {
		t.Fatalf("info %+v", s)
	}
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	if got := s.count(t, time.Time{}, time.Time{}); got != 420 {
		t.Fatalf("%d events, want 420", got)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-days", "0"}, {"-events", "-1"}, {"-nosuch"}, {"-listen", "256.0.0.1:99999", "-events", "1"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var stdout, stderr bytes.Buffer
		if code := mainCode(context.Background(), []string{arg}, &stdout, &stderr); code != 0 {
			t.Errorf("%s: exit %d, want 0; stderr %q", arg, code, stderr.String())
		}
		for _, want := range []string{"Usage: standin [flags]", "-insert-rate", "-insert-burst-every", "-events"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, stdout.String())
			}
		}
		if stderr.Len() > 0 {
			t.Errorf("%s: stderr %q", arg, stderr.String())
		}
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-nosuch"}, 2, "standin: flag provided but not defined: -nosuch (see standin -h)\n"},
		{[]string{"-events", "many"}, 2, "standin: invalid value \"many\" for flag -events: parse error (see standin -h)\n"},
		{[]string{"-days", "0"}, 2, "standin: -events, -bursts and -burst-size must not be negative and -days must be positive (see standin -h)\n"},
		{[]string{"-insert-rate", "-1"}, 2, "standin: -insert-rate and -insert-burst must not be negative and -insert-burst-every must be positive (see standin -h)\n"},
		{[]string{"-insert-burst", "10", "-insert-burst-every", "0s"}, 2, "standin: -insert-rate and -insert-burst must not be negative and -insert-burst-every must be positive (see standin -h)\n"},
		{[]string{"serve"}, 2, "standin: unexpected argument \"serve\": standin takes only flags (see standin -h)\n"},
		{[]string{"-listen", "256.0.0.1:99999", "-events", "1"}, 1, ""},
	} {
		var stdout, stderr bytes.Buffer
		code := mainCode(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || stdout.Len() > 0 || strings.Count(stderr.String(), "\n") != 1 || (tc.msg != "" && stderr.String() != tc.msg) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and one line %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.msg)
		}
	}
}

func TestInsertRate(t *testing.T) {
	before := time.Now().UTC().Truncate(time.Second)
	s := start(t, "-events", "50", "-bursts", "0", "-insert-rate", "200", "-project", "proj")
	if s.Events != 50 {
		t.Fatalf("%d events at start, want 50", s.Events)
	}
	first := s.waitForCount(t, 51)
	later := s.waitForCount(t, first+1)
	if later <= first {
		t.Fatalf("%d events, then %d", first, later)
	}

	types := map[string]bool{}
	for _, a := range auditlog.Catalog() {
		types[a.Enum] = true
	}
	for _, e := range s.newest(t, 5) {
		if e.Data.Seq <= 50 || e.CreatedAt.Before(before) || e.Data.Context.Timestamp != e.CreatedAt.Unix() ||
			!types[e.ActivityType] || e.Data.Context.AppID != "proj" || e.CreatedAt.Nanosecond() != 0 {
			t.Errorf("inserted event %+v does not look generated", e)
		}
	}
}

func TestInsertBursts(t *testing.T) {
	s := start(t, "-events", "20", "-bursts", "0", "-insert-burst", "25", "-insert-burst-every", "20ms")
	got := s.waitForCount(t, 20+2*25)
	if (got-20)%25 != 0 {
		t.Fatalf("%d events: not 20 plus whole bursts of 25", got)
	}
	// A burst shares one second, like Generate's bursts.
	at := s.newest(t, 1)[0].CreatedAt
	if n := s.count(t, at, at.Add(time.Second)); n < 25 || n%25 != 0 {
		t.Fatalf("the second %s holds %d events, want whole bursts of 25", at.Format(time.RFC3339), n)
	}
}
