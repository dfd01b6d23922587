package deliver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/siem"
)

// receiver is an HTTP receiver of JSON lines that answers each request
// with what answer says for the n-th request (from 0); it keeps what it
// took, by event ID, as a receiver that keys by ID does.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	ids      map[string]int // times each ID was taken
	headers  []http.Header
	answer   func(n int, w http.ResponseWriter, r *http.Request) bool // true: answered
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request) bool) *receiver {
	rc := &receiver{ids: map[string]int{}, answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		n := rc.requests
		rc.requests++
		rc.headers = append(rc.headers, r.Header.Clone())
		rc.mu.Unlock()
		if rc.answer != nil && rc.answer(n, w, r) {
			return
		}
		sc := bufio.NewScanner(r.Body)
		for sc.Scan() {
			var e auditlog.Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				http.Error(w, "bad line", http.StatusBadRequest)
				return
			}
			rc.mu.Lock()
			rc.ids[e.ID]++
			rc.mu.Unlock()
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) took() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]int{}
	for k, v := range rc.ids {
		out[k] = v
	}
	return out
}

func (rc *receiver) sink(t *testing.T, o HTTPOptions) *HTTP {
	u, err := url.Parse(rc.URL + "/ingest?token=secret-in-query")
	if err != nil {
		t.Fatal(err)
	}
	o.URL, o.Format = u, JSONL()
	if o.Backoff == 0 {
		o.Backoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	return NewHTTP(o)
}

var batch = []*auditlog.Event{ev("e1", 0), ev("e2", 0), ev("e3", 1)}

// TestHTTPDelivers: one POST of JSON lines with the format's type, the
// headers given and an Idempotency-Key that is the same on every try.
func TestHTTPDelivers(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	h := rc.sink(t, HTTPOptions{Header: http.Header{"Authorization": {"Bearer tok"}}})
	if err := h.Deliver(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	if got := rc.took(); len(got) != 3 || got["e1"] != 1 || got["e3"] != 1 {
		t.Errorf("receiver took %v", got)
	}
	h0, h1 := rc.headers[0], rc.headers[1]
	if h1.Get("Content-Type") != "application/x-ndjson" || h1.Get("Authorization") != "Bearer tok" {
		t.Errorf("headers %v", h1)
	}
	if k := h1.Get("Idempotency-Key"); k == "" || k != h0.Get("Idempotency-Key") {
		t.Errorf("Idempotency-Key %q, then %q: want the same on each try", h0.Get("Idempotency-Key"), k)
	}
	if idempotencyKey(batch) == idempotencyKey(batch[:2]) {
		t.Error("two batches share an Idempotency-Key")
	}
}

// TestHTTPRetries: failures that may pass are tried again until the
// receiver takes the batch, waiting what Retry-After says.
func TestHTTPRetries(t *testing.T) {
	tests := []struct {
		name     string
		fail     func(w http.ResponseWriter, r *http.Request)
		minWait  time.Duration
		failures int
	}{
		{"429 Retry-After seconds", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}, time.Second, 1},
		{"503 Retry-After date", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		}, time.Second, 1},
		{"500s", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }, 0, 3},
		{"dropped connection", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, 0, 3},
		{"408", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusRequestTimeout) }, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n < tt.failures {
					io.Copy(io.Discard, r.Body)
					tt.fail(w, r)
					return true
				}
				return false
			})
			var waits []time.Duration
			var msgs []string
			h := rc.sink(t, HTTPOptions{Retrying: func(err error, d time.Duration) {
				waits = append(waits, d)
				msgs = append(msgs, err.Error())
			}})
			start := time.Now()
			if err := h.Deliver(t.Context(), batch); err != nil {
				t.Fatal(err)
			}
			if len(waits) != tt.failures {
				t.Fatalf("%d retries (%v), want %d", len(waits), msgs, tt.failures)
			}
			if tt.minWait > 0 && (waits[0] < tt.minWait-10*time.Millisecond || time.Since(start) < tt.minWait-10*time.Millisecond) {
				t.Errorf("waited %s before the retry, want Retry-After's %s", waits[0], tt.minWait)
			}
			for _, m := range msgs {
				if strings.Contains(m, "secret-in-query") {
					t.Errorf("a message shows the URL's query: %s", m)
				}
			}
			if got := rc.took(); len(got) != 3 {
				t.Errorf("receiver took %v", got)
			}
		})
	}
}

// TestHTTPSlowReceiver: a receiver slower than the timeout is tried
// again, with the same Idempotency-Key, which lets it take the batch once.
func TestHTTPSlowReceiver(t *testing.T) {
	var keys sync.Map
	var slow atomic.Bool
	slow.Store(true)
	var rc *receiver
	rc = newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if _, seen := keys.LoadOrStore(r.Header.Get("Idempotency-Key"), true); seen {
			// a receiver that honours the key takes a batch only once
			w.WriteHeader(http.StatusOK)
			return true
		}
		if slow.Load() {
			slow.Store(false)
			// It takes the batch, but answers too late.
			sc := bufio.NewScanner(r.Body)
			for sc.Scan() {
				var e auditlog.Event
				json.Unmarshal(sc.Bytes(), &e)
				rc.mu.Lock()
				rc.ids[e.ID]++
				rc.mu.Unlock()
			}
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return true
		}
		return false
	})
	var retried []string
	h := rc.sink(t, HTTPOptions{Timeout: 100 * time.Millisecond, Retrying: func(err error, _ time.Duration) { retried = append(retried, err.Error()) }})
	if err := h.Deliver(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	if len(retried) != 1 || !strings.Contains(retried[0], "no answer within 100ms (--to-timeout)") {
		t.Errorf("retries %q, want one after the timeout", retried)
	}
	took := rc.took()
	if len(took) != 3 {
		t.Errorf("receiver took %v, want the 3 events", took)
	}
	for id, n := range took {
		if n != 1 {
			t.Errorf("%s taken %d times", id, n)
		}
	}
}

// TestHTTPRefused: answers that sending again will not change stop at
// once with one clear line, and no secret in it.
func TestHTTPRefused(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   string
	}{
		{401, "invalid token tok-123456", "refused the token (401 Unauthorized: invalid token [redacted]): check the --to-header that carries it"},
		{403, "", "refused the token (403 Forbidden): check the --to-header that carries it"},
		{413, "too big", "batch too large for http://127.0.0.1"},
		{400, `{"error":{"type":"index_not_found_exception","reason":"no such index [audit]"}}`, `refused the batch (400 Bad Request: {"error":{"type":"index_not_found_exception","reason":"no such index [audit]"}}): check --to, --to-format and --to-header`},
		{404, strings.Repeat("x", 500), "refused the batch (404 Not Found: " + strings.Repeat("x", 200) + "...)"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
				return true
			})
			h := rc.sink(t, HTTPOptions{Header: http.Header{"Authorization": {"Bearer tok-123456"}}, Secrets: []string{"tok-123456"}, BatchSize: 3})
			err := h.Deliver(t.Context(), batch)
			var refused *RefusedError
			if !errors.As(err, &refused) || refused.Status != tt.status {
				t.Fatalf("Deliver = %v, want a RefusedError of %d", err, tt.status)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "tok-123456") || strings.Contains(err.Error(), "secret-in-query") || strings.Contains(err.Error(), "\n") {
				t.Errorf("message %q, want one line with %q and no secret", err, tt.want)
			}
			if tt.status == 413 && !strings.Contains(err.Error(), "lower --batch-size") {
				t.Errorf("message %q does not say to lower --batch-size", err)
			}
			if rc.requests != 1 {
				t.Errorf("%d requests, want 1: a refusal is not retried", rc.requests)
			}
		})
	}
}

// checkFormat refuses a batch from inside a 2xx answer, as _bulk's
// per-item errors do; retryable says whether that may pass.
type checkFormat struct {
	Format
	fails     *atomic.Int32
	retryable bool
}

func (c checkFormat) Check([]byte) error {
	if c.fails.Add(-1) < 0 {
		return nil
	}
	if c.retryable {
		return fmt.Errorf("item 2: es_rejected_execution_exception: %w", siem.ErrRetryable)
	}
	return errors.New("item 2: mapper_parsing_exception")
}

// TestHTTPCheck: a refusal inside a 2xx answer stops the follow, unless
// the format says it may pass; then the batch is sent again.
func TestHTTPCheck(t *testing.T) {
	for _, retry := range []bool{false, true} {
		rc := newReceiver(t, nil)
		u, _ := url.Parse(rc.URL)
		var fails atomic.Int32
		fails.Store(1)
		h := NewHTTP(HTTPOptions{URL: u, Format: checkFormat{JSONL(), &fails, retry}, Backoff: time.Millisecond})
		err := h.Deliver(t.Context(), batch)
		var refused *RefusedError
		switch {
		case retry && err != nil:
			t.Errorf("a refusal that may pass: Deliver = %v, want it sent again", err)
		case !retry && (!errors.As(err, &refused) || !strings.Contains(err.Error(), "refused part of the batch: item 2")):
			t.Errorf("a refusal of an item: Deliver = %v, want a RefusedError", err)
		}
	}
}

// TestHTTPGivesUp: MaxRetries bounds the retries; a cancelled context
// ends them at once.
func TestHTTPGivesUp(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	h := rc.sink(t, HTTPOptions{MaxRetries: 2})
	err := h.Deliver(t.Context(), batch)
	if err == nil || !strings.Contains(err.Error(), "gave up after 2 retries") || rc.requests != 3 {
		t.Errorf("Deliver = %v after %d requests, want a give-up after 3", err, rc.requests)
	}
	ctx, cancel := context.WithCancel(t.Context())
	h = rc.sink(t, HTTPOptions{Backoff: time.Hour, MaxBackoff: time.Hour, Retrying: func(error, time.Duration) { cancel() }})
	if err := h.Deliver(ctx, batch); !errors.Is(err, context.Canceled) {
		t.Errorf("Deliver = %v after a cancel, want context.Canceled", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Tue, 01 Dec 2026 10:00:30 GMT": 30 * time.Second,
		"Tue, 01 Dec 2026 09:00:00 GMT": 0,
	}
	for v, want := range tests {
		if got := retryAfter(http.Header{"Retry-After": {v}}, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	h := NewHTTP(HTTPOptions{URL: &url.URL{Scheme: "https", Host: "siem.example.com"}, Backoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	for try, top := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		top *= time.Millisecond
		for range 20 {
			if d := h.retry().wait(try); d < top/2 || d > top {
				t.Errorf("try %d: waited %s, want %s to %s", try, d, top/2, top)
			}
		}
	}
	if d := h.retry().wait(1000); d > time.Second {
		t.Errorf("try 1000: %s, past the cap", d)
	}
}
