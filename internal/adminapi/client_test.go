package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// harness is a stand-in server and a client for it, with the verbose log
// and the warnings captured. Backoff is shrunk so fault tests run fast.
type harness struct {
	srv      *adminapitest.Server
	client   *adminapi.Client
	opts     adminapi.Options
	verbose  *syncBuffer
	mu       sync.Mutex
	warnings []string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t *testing.T, srv *adminapitest.Server, mod func(*adminapi.Options)) *harness {
	t.Helper()
	if srv == nil {
		srv = adminapitest.New(t)
	}
	h := &harness{srv: srv, verbose: &syncBuffer{}}
	h.opts = adminapi.Options{
		Endpoint:      srv.Endpoint(),
		ProjectID:     srv.ProjectID(),
		KeyID:         srv.KeyID(),
		KeyFile:       srv.KeyFile(t),
		Verbose:       h.verbose,
		Warn:          func(s string) { h.mu.Lock(); h.warnings = append(h.warnings, s); h.mu.Unlock() },
		RetryBase:     time.Millisecond,
		RetryCap:      5 * time.Millisecond,
		RetryAfterCap: 20 * time.Millisecond,
		UserAgent:     "1.2.3-test",
	}
	if mod != nil {
		mod(&h.opts)
	}
	c, err := adminapi.New(h.opts)
	if err != nil {
		t.Fatal(err)
	}
	h.client = c
	return h
}

func (h *harness) Warnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.warnings)
}

func ids(events []auditlog.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func standinIDs(events []adminapitest.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

var genStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func generated(t *testing.T, n int, opts ...adminapitest.Option) *adminapitest.Server {
	t.Helper()
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 7, Count: n, Start: genStart, End: genStart.Add(48 * time.Hour), Bursts: 1, BurstSize: 30})
	return adminapitest.New(t, append([]adminapitest.Option{adminapitest.WithEvents(events, users)}, opts...)...)
}

// walk pages through sel with cursors (safe with stable ties).
func walk(t *testing.T, c *adminapi.Client, q adminapi.PageQuery) []auditlog.Event {
	t.Helper()
	var all []auditlog.Event
	for range 1000 {
		p, err := c.Page(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Events...)
		if p.Edges < adminapi.MaxPageSize || p.EndCursor == "" {
			return all
		}
		q.After = p.EndCursor
	}
	t.Fatal("walk did not end")
	return nil
}

func TestPageMatchesStandIn(t *testing.T) {
	srv := generated(t, 450, adminapitest.WithTies(adminapitest.TiesStable))
	h := newHarness(t, srv, nil)
	hk := time.FixedZone("HKT", 8*3600)
	types := []string{"USER_AUTHENTICATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"}
	var some adminapitest.Event
	for _, e := range srv.Events() {
		if e.UserID != "" {
			some = e
			break
		}
	}
	tests := []struct {
		name string
		sel  adminapi.Selection
	}{
		{"all", adminapi.Selection{}},
		// Non-UTC bounds must go out as UTC: the server drops offsets.
		{"window in +08:00", adminapi.Selection{From: genStart.Add(10 * time.Hour).In(hk), To: genStart.Add(30 * time.Hour).In(hk)}},
		{"types", adminapi.Selection{ActivityTypes: types}},
		{"user", adminapi.Selection{UserIDs: []string{auditlog.UserNodeIDOf(some.UserID)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := standinIDs(srv.Select(tt.sel))
			if len(want) == 0 {
				t.Fatal("the selection matches nothing; the test proves nothing")
			}
			asc := walk(t, h.client, adminapi.PageQuery{Selection: tt.sel})
			if got := ids(asc); !slices.Equal(got, want) {
				t.Fatalf("ascending: got %d events, want %d\n got %.5q\nwant %.5q", len(got), len(want), got, want)
			}
			for i := 1; i < len(asc); i++ {
				if asc[i].CreatedAt.Before(asc[i-1].CreatedAt) {
					t.Fatal("ascending walk out of order")
				}
			}
			desc := walk(t, h.client, adminapi.PageQuery{Selection: tt.sel, Descending: true})
			if len(desc) != len(want) || desc[0].CreatedAt.Before(desc[len(desc)-1].CreatedAt) {
				t.Fatalf("descending: %d events, first %v last %v", len(desc), desc[0].CreatedAt, desc[len(desc)-1].CreatedAt)
			}
			p, err := h.client.Page(context.Background(), adminapi.PageQuery{Selection: tt.sel, First: 10, WithTotal: true})
			if err != nil {
				t.Fatal(err)
			}
			if p.TotalCount != len(want) || p.Edges != min(10, len(want)) {
				t.Fatalf("counted page: total %d edges %d, want %d and %d", p.TotalCount, p.Edges, len(want), min(10, len(want)))
			}
			n, err := h.client.Count(context.Background(), tt.sel)
			if err != nil || n != len(want) {
				t.Fatalf("Count = %d, %v; want %d", n, err, len(want))
			}
		})
	}
	if w := h.Warnings(); len(w) > 0 {
		t.Fatalf("warnings: %q", w)
	}
}

// TestEventFields: every field of the record comes from the right place.
func TestEventFields(t *testing.T) {
	srv := adminapitest.New(t)
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	srv.Add(
		adminapitest.Event{ID: "ev-1", Seq: 1, CreatedAt: at, ActivityType: "USER_AUTHENTICATED", UserID: "u-1",
			IPAddress: "203.0.113.7", UserAgent: "curl/8", ClientID: "cli-1",
			Data: json.RawMessage(`{"context":{"ip_address":"203.0.113.7","user_id":"u-1"},"id":"ev-1","payload":{"n":1.5},"seq":1,"type":"user.authenticated"}`)},
		adminapitest.Event{ID: "ev-2", Seq: 2, CreatedAt: at.Add(time.Second), ActivityType: "EMAIL_SENT",
			Data: json.RawMessage(`{"context":{},"id":"ev-2","payload":{"recipient":"a@example.com"},"seq":2,"type":"email.sent"}`)},
		adminapitest.Event{ID: "ev-3", Seq: 3, CreatedAt: at.Add(2 * time.Second), ActivityType: "USER_DELETED", UserID: "u-gone"},
	)
	h := newHarness(t, srv, nil)
	p, err := h.client.Page(context.Background(), adminapi.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 3 || p.Edges != 3 || p.HasNextPage || p.TotalCount != -1 {
		t.Fatalf("page %+v", p)
	}
	e := p.Events[0]
	if e.ID != "ev-1" || !e.CreatedAt.Equal(at) || e.CreatedAt.Location() != time.UTC || e.ActivityType != "USER_AUTHENTICATED" ||
		e.UserID != "u-1" || e.IPAddress != "203.0.113.7" || e.UserAgent != "curl/8" || e.ClientID != "cli-1" {
		t.Fatalf("event 1: %+v", e)
	}
	if string(e.Data) != `{"context":{"ip_address":"203.0.113.7","user_id":"u-1"},"id":"ev-1","payload":{"n":1.5},"seq":1,"type":"user.authenticated"}` {
		t.Fatalf("data not verbatim: %s", e.Data)
	}
	if e := p.Events[1]; e.UserID != "" || e.IPAddress != "" || e.UserAgent != "" || e.ClientID != "" {
		t.Fatalf("event 2: %+v", e)
	}
	if e := p.Events[2]; e.ID != "ev-3" || string(e.Data) != "{}" {
		t.Fatalf("event 3 (null data): %+v", e)
	}
	if w := h.Warnings(); len(w) != 1 || !strings.Contains(w[0], "event ev-3 (USER_DELETED at 2026-11-25T10:00:02Z) has no data") {
		t.Fatalf("warnings %q", w)
	}
}

func TestEventByID(t *testing.T) {
	srv := generated(t, 50)
	h := newHarness(t, srv, nil)
	want := srv.Events()[3]
	for _, id := range []string{want.ID, auditlog.EventNodeID(want.ID), " " + want.ID + " "} {
		e, err := h.client.Event(context.Background(), id)
		if err != nil {
			t.Fatalf("Event(%q): %v", id, err)
		}
		if e.ID != want.ID || !e.CreatedAt.Equal(want.CreatedAt) || e.ActivityType != want.ActivityType || e.UserID != want.UserID {
			t.Fatalf("Event(%q) = %+v, want %+v", id, e, want)
		}
	}
	for _, id := range []string{"no-such-event", auditlog.EventNodeID("no-such-event"), auditlog.UserNodeIDOf(want.UserID)} {
		_, err := h.client.Event(context.Background(), id)
		if !errors.Is(err, adminapi.ErrNotFound) {
			t.Fatalf("Event(%q) error %v, want ErrNotFound", id, err)
		}
	}
}

func TestUsersByAttribute(t *testing.T) {
	srv := adminapitest.New(t)
	srv.AddUsers(adminapitest.User{ID: "u-1", Email: "a@example.com", Phone: "+85291234567", Username: "alice"},
		adminapitest.User{ID: "u-2", Email: "b@example.com"})
	h := newHarness(t, srv, nil)
	tests := []struct {
		attr, value string
		want        []string
	}{
		{"email", "a@example.com", []string{"u-1"}},
		{"phone_number", "+85291234567", []string{"u-1"}},
		{"preferred_username", "alice", []string{"u-1"}},
		{"email", "nobody@example.com", []string{}},
	}
	for _, tt := range tests {
		got, err := h.client.UsersByAttribute(context.Background(), tt.attr, tt.value)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Fatalf("UsersByAttribute(%s, %s) = %q, want %q", tt.attr, tt.value, got, tt.want)
		}
	}
	if _, err := h.client.UsersByAttribute(context.Background(), "name", "x"); err == nil || !strings.Contains(err.Error(), "unknown attribute") {
		t.Fatalf("bad attribute: %v", err)
	}
}

func TestCheck(t *testing.T) {
	srv := adminapitest.New(t)
	h := newHarness(t, srv, nil)
	res, err := h.client.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Endpoint != srv.Endpoint() || res.Project != srv.ProjectID() || res.KeyID != srv.KeyID() || res.Latency <= 0 {
		t.Fatalf("check result %+v", res)
	}
	// With a ready token, project and key ID are read from the token.
	tok := newHarness(t, srv, func(o *adminapi.Options) {
		o.ProjectID, o.KeyID, o.KeyFile, o.Token = "", "", "", srv.Token(time.Minute)
	})
	res, err = tok.client.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Project != srv.ProjectID() || res.KeyID != srv.KeyID() {
		t.Fatalf("check result with token %+v", res)
	}
}

func TestCredentialsRefused(t *testing.T) {
	srv := adminapitest.New(t)
	tests := []struct {
		name      string
		mod       func(*adminapi.Options)
		wantSkew  string
		wantInMsg string
	}{
		{"unknown key ID", func(o *adminapi.Options) { o.KeyID = "other-key" }, "", "check the project ID, key ID and key file"},
		{"wrong project", func(o *adminapi.Options) { o.ProjectID = "otherapp" }, "", "check the project ID, key ID and key file"},
		{"expired token", func(o *adminapi.Options) {
			o.KeyFile, o.Token = "", adminapitest.SignToken(adminapitest.TestKey(), srv.KeyID(), map[string]any{"aud": srv.ProjectID(), "exp": time.Now().Add(-time.Hour).Unix()})
		}, "", "refused the credentials"},
		{"clock ten minutes ahead", func(o *adminapi.Options) {
			o.Now = func() time.Time { return time.Now().Add(10 * time.Minute) }
		}, "10m0s", "(the local clock differs from the server's by 10m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, srv, tt.mod)
			before := srv.Requests()
			_, err := h.client.Count(context.Background(), adminapi.Selection{})
			var ce *adminapi.CredentialsError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want *CredentialsError", err, err)
			}
			skewOK := ce.ClockSkew == tt.wantSkew
			if tt.wantSkew != "" {
				// The Date header has whole seconds: allow one either way.
				got, perr := time.ParseDuration(ce.ClockSkew)
				want, _ := time.ParseDuration(tt.wantSkew)
				skewOK = perr == nil && got >= want-time.Second && got <= want+time.Second
			}
			if !skewOK || !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Fatalf("error %q (skew %q), want skew %q and %q", err, ce.ClockSkew, tt.wantSkew, tt.wantInMsg)
			}
			if n := srv.Requests() - before; n != 1 {
				t.Fatalf("%d requests, want 1: a 403 is never retried", n)
			}
		})
	}
}

// TestFaults: each fault is retried or reported as it should be, and the
// request and retry counts say so.
func TestFaults(t *testing.T) {
	html404 := `<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>nginx</p></body></html>`
	envelope500 := `{"error":{"name":"InternalError","reason":"UnexpectedError","message":"unexpected error: Syntax Error: Unexpected Name \"quer\"","code":500}}`
	tests := []struct {
		name       string
		faults     []adminapitest.Fault
		timeout    time.Duration
		wantErr    string // "" = the count succeeds after the faults
		wantReqs   int64
		wantLog    []string
		maxRetries int
	}{
		{name: "503 then ok", faults: []adminapitest.Fault{{Status: 503}}, wantReqs: 2, wantLog: []string{"-> 503 ", "retry 1/5 in ", ": HTTP 503 Service Unavailable"}},
		{name: "429 with Retry-After", faults: []adminapitest.Fault{{Status: 429, RetryAfter: "1"}}, wantReqs: 2, wantLog: []string{"(Retry-After 1s): HTTP 429 Too Many Requests"}},
		{name: "429 with HTTP date", faults: []adminapitest.Fault{{Status: 429, RetryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}, wantReqs: 2, wantLog: []string{"retry 1/5 in 20ms (Retry-After "}},
		{name: "502 and 504", faults: []adminapitest.Fault{{Status: 502}, {Status: 504}}, wantReqs: 3, wantLog: []string{"retry 2/5 in "}},
		{name: "dropped mid-body", faults: []adminapitest.Fault{{DropMidBody: true}}, wantReqs: 2, wantLog: []string{"cut off after", "retry 1/5"}},
		{name: "truncated JSON", faults: []adminapitest.Fault{{Body: `{"data":{"auditLogs":{"tot`}}, wantReqs: 2, wantLog: []string{"the answer is not complete JSON"}},
		{name: "garbage", faults: []adminapitest.Fault{{Body: "\x00\x01garbage\xff"}}, wantReqs: 2},
		{name: "transient GraphQL error", faults: []adminapitest.Fault{{GraphQLError: "database temporarily unavailable"}}, wantReqs: 2},
		{name: "slow answer", faults: []adminapitest.Fault{{Delay: 1500 * time.Millisecond}}, timeout: 300 * time.Millisecond, wantReqs: 2, wantLog: []string{"no answer from", "within 300ms (--timeout)"}},
		{name: "GraphQL error", faults: []adminapitest.Fault{{GraphQLError: "invalid user IDs"}}, wantReqs: 1,
			wantErr: "count audit logs: the Admin API said: invalid user IDs"},
		{name: "HTML 404", faults: []adminapitest.Fault{{Status: 404, Body: html404, ContentType: "text/html"}}, wantReqs: 1,
			wantErr: `the endpoint did not answer as a GraphQL API (HTTP 404, text/html): check --endpoint: "404 Not Found"`},
		{name: "HTML 200", faults: []adminapitest.Fault{{Body: "<html><body>Sign in to the portal</body></html>", ContentType: "text/html; charset=utf-8"}}, wantReqs: 1,
			wantErr: `(HTTP 200, text/html): check --endpoint: "Sign in to the portal"`},
		{name: "415", faults: []adminapitest.Fault{{Status: 415}}, wantReqs: 1,
			wantErr: `(HTTP 415, text/plain): check --endpoint: "Unsupported Media Type"`},
		{name: "500 envelope", faults: []adminapitest.Fault{{Status: 500, Body: envelope500, ContentType: "application/json"}}, wantReqs: 1,
			wantErr: `the Admin API could not run the query (HTTP 500): UnexpectedError: unexpected error: Syntax Error: Unexpected Name "quer"`},
		{name: "gives up", faults: slices.Repeat([]adminapitest.Fault{{Status: 503}}, 6), wantReqs: 6,
			wantErr: "count audit logs: gave up after 6 attempts: HTTP 503 Service Unavailable"},
		{name: "no retries", maxRetries: -1, faults: []adminapitest.Fault{{Status: 503}}, wantReqs: 1,
			wantErr: "count audit logs: HTTP 503 Service Unavailable"},
		{name: "two retries", maxRetries: 2, faults: slices.Repeat([]adminapitest.Fault{{DropMidBody: true}}, 3), wantReqs: 3,
			wantErr: "gave up after 3 attempts: the answer was cut off after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := generated(t, 20)
			h := newHarness(t, srv, func(o *adminapi.Options) {
				o.Timeout = tt.timeout
				o.MaxRetries = tt.maxRetries
			})
			srv.Inject(tt.faults...)
			n, err := h.client.Count(context.Background(), adminapi.Selection{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v\nlog:\n%s", err, h.verbose)
				}
				if want := len(srv.Events()); n != want {
					t.Fatalf("count %d, want %d", n, want)
				}
			} else {
				var apiErr *adminapi.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error %v (%T), want *APIError", err, err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q\nwant %q", err, tt.wantErr)
				}
				if strings.ContainsAny(err.Error(), "\n\r\x00\x1b") {
					t.Fatalf("error is not one clean line: %q", err)
				}
			}
			st := h.client.Stats()
			if st.Requests != tt.wantReqs || st.Retries != tt.wantReqs-1 || srv.Requests() != tt.wantReqs {
				t.Fatalf("stats %+v, server saw %d; want %d requests\nlog:\n%s", st, srv.Requests(), tt.wantReqs, h.verbose)
			}
			for _, w := range tt.wantLog {
				if !strings.Contains(h.verbose.String(), w) {
					t.Fatalf("verbose log lacks %q:\n%s", w, h.verbose)
				}
			}
		})
	}
}

func TestVerboseLine(t *testing.T) {
	srv := generated(t, 5)
	h := newHarness(t, srv, nil)
	from := time.Date(2026, 11, 25, 18, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	if _, err := h.client.Page(context.Background(), adminapi.PageQuery{Selection: adminapi.Selection{From: from, ActivityTypes: []string{"USER_CREATED", "USER_DELETED", "USER_DISABLED", "USER_REENABLED", "USER_SIGNED_OUT"}}, Descending: true}); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(h.verbose.String())
	want := "POST " + srv.Endpoint() + " AuditLogPage {first:100 activityTypes:[USER_CREATED,USER_DELETED,USER_DISABLED,+2] rangeFrom:2026-11-25T10:00:00Z sortDirection:DESC withTotal:false} -> 200 "
	if !strings.HasPrefix(line, want) || strings.Count(line, "\n") != 0 {
		t.Fatalf("verbose line\n%q\nwant prefix\n%q", line, want)
	}
}

// TestCancelDuringBackoff: a cancelled context ends the retry loop with the
// context's error, not an APIError.
func TestCancelDuringBackoff(t *testing.T) {
	srv := generated(t, 5)
	h := newHarness(t, srv, func(o *adminapi.Options) { o.RetryBase, o.RetryCap = time.Hour, time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	srv.OnRequest(func(int64) { cancel() })
	srv.Inject(adminapitest.Fault{Status: 503})
	_, err := h.client.Count(ctx, adminapi.Selection{})
	var apiErr *adminapi.APIError
	if !errors.Is(err, context.Canceled) || errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want context.Canceled and no APIError", err, err)
	}
}

// TestRateLimit: with a rate of one request per 10s, a second request that
// cannot wait so long fails at once with a deadline error; only one request
// reaches the server.
func TestRateLimit(t *testing.T) {
	srv := generated(t, 5)
	h := newHarness(t, srv, func(o *adminapi.Options) { o.Rate = 0.1 })
	if _, err := h.client.Count(context.Background(), adminapi.Selection{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := h.client.Count(ctx, adminapi.Selection{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "--rate") {
		t.Fatalf("error %v, want a deadline error naming --rate", err)
	}
	if srv.Requests() != 1 {
		t.Fatalf("server saw %d requests, want 1", srv.Requests())
	}
}

// TestConcurrentUse: one client, many goroutines, faults in between; the
// counters agree with the server.
func TestConcurrentUse(t *testing.T) {
	srv := generated(t, 300, adminapitest.WithTies(adminapitest.TiesStable))
	h := newHarness(t, srv, nil)
	srv.Inject(adminapitest.Fault{Status: 503}, adminapitest.Fault{DropMidBody: true}, adminapitest.Fault{Status: 429, RetryAfter: "0"})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := h.client.Page(context.Background(), adminapi.PageQuery{First: 10 + i, Descending: i%2 == 0})
			if err == nil && len(p.Events) != 10+i {
				err = fmt.Errorf("page of %d events, want %d", len(p.Events), 10+i)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := h.client.Stats(); st.Requests != srv.Requests() || st.Retries != 3 || st.Requests != 11 {
		t.Fatalf("stats %+v, server saw %d; want 11 requests and 3 retries", st, srv.Requests())
	}
}
