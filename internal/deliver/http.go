package deliver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/siem"
)

// Defaults of HTTPOptions.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultBackoff    = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// HTTPOptions configure an HTTP sink.
type HTTPOptions struct {
	URL    *url.URL
	Format Format
	// Header is sent with every request (tokens: see ParseHeaders).
	Header http.Header
	// Secrets are the header values, cut from anything the receiver
	// answers before it reaches a message.
	Secrets []string
	// Client sends the requests; nil means a client of its own. Timeout
	// bounds each request; 0 means DefaultTimeout.
	Client  *http.Client
	Timeout time.Duration
	// MaxRetries is how many times a batch is sent again after a failure
	// that may pass (a dropped connection, a timeout, 429, 5xx) before
	// the sink gives up; 0 means until the context ends, as a log
	// shipper does: the follow waits, and its checkpoint with it.
	MaxRetries int
	// Backoff is the first wait between tries, doubled each time up to
	// MaxBackoff, with jitter; a Retry-After of the receiver wins.
	Backoff, MaxBackoff time.Duration
	// BatchSize is named in the message for 413.
	BatchSize int
	// Retrying, when not nil, hears of each failure that is retried.
	Retrying func(err error, wait time.Duration)
	// Log, when not nil, gets a line per request (no header, no query).
	Log func(string)
}

// HTTP is a Sink that POSTs each batch, encoded by its Format, to a
// receiver, and retries what may pass.
type HTTP struct {
	o      HTTPOptions
	target string // the URL without secrets
	buf    []byte
}

// NewHTTP returns an HTTP sink.
func NewHTTP(o HTTPOptions) *HTTP {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	return &HTTP{o: o, target: Redact(o.URL)}
}

// RefusedError is a receiver's answer that sending again will not
// change: a bad token, a batch too large, a bad index. The follow stops
// with its checkpoint before the batch.
type RefusedError struct {
	Status int    // the HTTP status, 0 for a refusal inside a 2xx answer
	Msg    string // one line
}

func (e *RefusedError) Error() string { return e.Msg }

// Deliver sends events as one request, again after each failure that may
// pass, until the receiver takes them, refuses them, or ctx ends.
func (h *HTTP) Deliver(ctx context.Context, events []*auditlog.Event) error {
	var err error
	h.buf, err = h.o.Format.Encode(h.buf[:0], events)
	if err != nil {
		return fmt.Errorf("encode a batch for %s: %w", h.o.Format.Name(), err)
	}
	key := idempotencyKey(events)
	err = h.retry().do(ctx, func() (time.Duration, error) { return h.send(ctx, h.buf, key) })
	if err != nil && !isRefused(err) && ctx.Err() == nil {
		return fmt.Errorf("send %d events to %s: %w", len(events), h.target, err)
	}
	return err
}

func (h *HTTP) retry() retrier {
	return retrier{max: h.o.MaxRetries, backoff: h.o.Backoff, maxBackoff: h.o.MaxBackoff, retrying: h.o.Retrying}
}

func isRefused(err error) bool {
	var refused *RefusedError
	return errors.As(err, &refused)
}

// retrier tries an action again after each failure that may pass: all
// but a *RefusedError and the end of ctx.
type retrier struct {
	max                 int // 0: until ctx ends
	backoff, maxBackoff time.Duration
	retrying            func(err error, wait time.Duration)
}

// do runs try until it succeeds, is refused, ctx ends or the retries
// run out. try returns the wait its failure asked for (0: the backoff).
func (r retrier) do(ctx context.Context, try func() (time.Duration, error)) error {
	for n := 0; ; n++ {
		wait, err := try()
		if err == nil || isRefused(err) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r.max > 0 && n >= r.max {
			return fmt.Errorf("gave up after %d retries: %w", r.max, err)
		}
		if wait <= 0 {
			wait = r.wait(n)
		}
		if r.retrying != nil {
			r.retrying(err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// wait is the wait after the n-th failure: backoff doubled each time, at
// most maxBackoff, the second half of it random, so that many tails that
// failed at once do not come back at once.
func (r retrier) wait(n int) time.Duration {
	d := r.maxBackoff
	if n < 30 {
		d = min(r.backoff<<n, r.maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// send makes one request. A failure that may pass comes back with the
// wait the receiver asked for (0: none); one that will not is a
// *RefusedError.
func (h *HTTP) send(ctx context.Context, body []byte, key string) (time.Duration, error) {
	rctx, cancel := context.WithTimeout(ctx, h.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, h.o.URL.String(), bytes.NewReader(body))
	if err != nil {
		return 0, &RefusedError{Msg: fmt.Sprintf("--to %s: %v", h.target, err)}
	}
	for k, v := range h.o.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", h.o.Format.ContentType())
	if req.Header.Get("Idempotency-Key") == "" {
		req.Header.Set("Idempotency-Key", key)
	}
	start := time.Now()
	resp, err := h.o.Client.Do(req)
	if err != nil {
		// url.Error would show the URL as given, with its query.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		var (
			redirect *redirectError
			verify   *tls.CertificateVerificationError
		)
		switch {
		case errors.As(err, &redirect):
			return 0, &RefusedError{Msg: fmt.Sprintf("%s: %s", h.target, redirect.msg)}
		case errors.As(err, &verify):
			return 0, &RefusedError{Msg: fmt.Sprintf("%s: %v: give the receiver's CA with --to-ca-file", h.target, err)}
		}
		if rctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s (--to-timeout)", h.o.Timeout)
		}
		h.log("POST %s: %v", h.target, err)
		return 0, fmt.Errorf("send to %s: %w", h.target, err)
	}
	defer resp.Body.Close()
	answer, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	h.log("POST %s: %s, %d bytes sent, in %s", h.target, resp.Status, len(body), time.Since(start).Round(time.Millisecond))
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		if rerr != nil {
			return 0, fmt.Errorf("read the answer of %s: %w", h.target, rerr)
		}
		if err := h.o.Format.Check(answer); err != nil {
			// A refusal that may pass (Elasticsearch's per-item 429): the
			// batch is sent again, which the format makes idempotent.
			if errors.Is(err, siem.ErrRetryable) {
				return retryAfter(resp.Header, time.Now()), fmt.Errorf("%s took part of the batch: %s", h.target, h.redact(err.Error()))
			}
			return 0, &RefusedError{Msg: fmt.Sprintf("%s refused part of the batch: %s", h.target, h.redact(err.Error()))}
		}
		return 0, nil
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		return retryAfter(resp.Header, time.Now()), fmt.Errorf("%s answered %s%s", h.target, resp.Status, h.snippet(answer))
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return 0, &RefusedError{Status: code, Msg: fmt.Sprintf("%s refused the token (%s%s): check the --to-header that carries it", h.target, resp.Status, h.snippet(answer))}
	case code == http.StatusRequestEntityTooLarge:
		return 0, &RefusedError{Status: code, Msg: fmt.Sprintf("batch too large for %s (%s, %d bytes for %s events): lower --batch-size", h.target, resp.Status, len(body), batchSize(h.o.BatchSize))}
	}
	return 0, &RefusedError{Status: code, Msg: fmt.Sprintf("%s refused the batch (%s%s): check --to, --to-format and --to-header", h.target, resp.Status, h.snippet(answer))}
}

func batchSize(n int) string {
	if n <= 0 {
		return "a batch of"
	}
	return strconv.Itoa(n) + " or fewer"
}

// snippet is the start of an answer's body for a message, on one line,
// without any secret: ": index_not_found_exception ...", or "".
func (h *HTTP) snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return ": " + h.redact(s)
}

// redact cuts every secret out of s: a receiver may echo a header.
func (h *HTTP) redact(s string) string {
	for _, v := range h.o.Secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return strings.ToValidUTF8(s, "?")
}

func (h *HTTP) log(format string, args ...any) {
	if h.o.Log != nil {
		h.o.Log(fmt.Sprintf(format, args...))
	}
}

// retryAfter reads Retry-After: seconds or an HTTP date; 0 when absent
// or unreadable.
func retryAfter(hdr http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(hdr.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// idempotencyKey names a batch by its events, the same on every try and
// on every run that sends the same events again, so that a receiver
// which honours Idempotency-Key takes it once.
func idempotencyKey(events []*auditlog.Event) string {
	h := sha256.New()
	for _, e := range events {
		h.Write([]byte(e.ID))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
