package adminapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/tidwall/gjson"
)

// maxBodySize caps the answer read into memory. A page of 100 events is a
// few hundred KB; anything near this is not an answer to our queries.
const maxBodySize = 64 << 20

// bodies holds the buffers answers are read into. A page is about 150 KB:
// reading each into a new slice was over half of what an export
// allocated, and the collector's work with it cost a third of the
// client's CPU (benchexport: about 70,000 events per CPU-second without the
// pool, 100,000 with it). Nothing decoded from an answer points into its
// buffer (TestDecodedAnswerOwnsItsBytes), so it can serve the next one.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBody returns a buffer to the pool, unless an outsized answer grew it.
func putBody(b *bytes.Buffer) {
	if b.Cap() > 4<<20 {
		return
	}
	b.Reset()
	bodies.Put(b)
}

// gqlClient is the graphql.Client the generated operations call. It is not
// graphql.NewClient: the retry loop has to cover the whole exchange, reading
// and decoding the body included, because a connection cut in the middle of
// a 200 answer only shows when the body is read.
type gqlClient struct{ c *Client }

func (g *gqlClient) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	return g.c.exchange(ctx, req, resp)
}

// failure is what went wrong with one attempt.
type failure struct {
	err        error
	retry      bool
	retryAfter time.Duration // from the server's Retry-After; 0 = use backoff
	final      error         // returned as is (credentials, cancellation)
}

// opDescription names what a generated operation does, for error messages.
func opDescription(opName string) string {
	switch opName {
	case "AuditLogPage":
		return "fetch audit logs"
	case "AuditLogCounts":
		return "count audit logs"
	case "GetAuditLog":
		return "get audit log"
	case "UsersByStandardAttribute":
		return "look up users"
	}
	return opName
}

// exchange runs one GraphQL operation: rate limit, send, read, classify and
// decode, retried as one unit.
func (c *Client) exchange(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	op := opDescription(req.OpName)
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("%s: encode the request: %w", op, err)
	}
	summary := ""
	if c.opts.Verbose != nil {
		summary = summarizeVariables(body)
	}
	attempts := c.opts.MaxRetries + 1
	for attempt := 1; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("%s: %w", op, ctx.Err())
				}
				// The limiter refuses to wait past the context's deadline.
				return fmt.Errorf("%s: waiting for --rate: %w", op, context.DeadlineExceeded)
			}
		}
		f := c.attempt(ctx, req.OpName, summary, body, resp)
		if f == nil {
			return nil
		}
		if f.final != nil {
			return f.final
		}
		if !f.retry {
			return &APIError{Op: op, Err: f.err}
		}
		if attempt >= attempts {
			if attempts == 1 {
				return &APIError{Op: op, Err: f.err}
			}
			return &APIError{Op: op, Err: fmt.Errorf("gave up after %d attempts: %w", attempt, f.err)}
		}
		wait := c.backoff(attempt, f.retryAfter)
		c.retries.Add(1)
		note := ""
		if f.retryAfter > 0 {
			note = fmt.Sprintf(" (Retry-After %s)", roundDuration(f.retryAfter))
		}
		c.logf("retry %d/%d in %s%s: %s", attempt, attempts-1, roundDuration(wait), note, f.err)
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
}

// attempt is one HTTP request and its classification. It returns nil when
// resp holds a good answer.
func (c *Client) attempt(ctx context.Context, opName, summary string, body []byte, resp *graphql.Response) *failure {
	op := opDescription(opName)
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return &failure{err: err}
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "authgear-audit/"+c.opts.UserAgent)

	c.requests.Add(1)
	start := time.Now()
	hres, err := c.http.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return &failure{final: fmt.Errorf("%s: %w", op, ctx.Err())}
		}
		f := c.classifyTransport(err, actx)
		c.logAttempt(opName, summary, "error: "+f.err.Error(), time.Since(start))
		return f
	}
	defer hres.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	defer putBody(buf)
	_, readErr := buf.ReadFrom(io.LimitReader(hres.Body, maxBodySize+1))
	data := buf.Bytes()
	elapsed := time.Since(start)
	if readErr != nil {
		if ctx.Err() != nil {
			return &failure{final: fmt.Errorf("%s: %w", op, ctx.Err())}
		}
		var f *failure
		if actx.Err() != nil {
			f = &failure{err: fmt.Errorf("no complete answer within %s (--timeout)", c.opts.Timeout), retry: true}
		} else {
			f = &failure{err: fmt.Errorf("the answer was cut off after %d bytes (HTTP %d): %s", len(data), hres.StatusCode, readErrText(readErr)), retry: true}
		}
		c.logAttempt(opName, summary, fmt.Sprintf("%d %s cut off after %s: %s", hres.StatusCode, roundDuration(elapsed), formatSize(len(data)), readErrText(readErr)), elapsed)
		return f
	}
	c.logAttempt(opName, summary, fmt.Sprintf("%d %s %s", hres.StatusCode, roundDuration(elapsed), formatSize(len(data))), elapsed)
	if len(data) > maxBodySize {
		return &failure{err: fmt.Errorf("the answer is larger than %d MiB: check --endpoint", maxBodySize>>20)}
	}
	return c.classifyResponse(hres, data, resp)
}

// classifyResponse decides what an answer that was read whole means.
func (c *Client) classifyResponse(hres *http.Response, data []byte, resp *graphql.Response) *failure {
	status := hres.StatusCode
	ctype := hres.Header.Get("Content-Type")
	switch {
	case status == http.StatusOK:
		if looksHTML(ctype, data) {
			return &failure{err: c.notGraphQL(status, ctype, data)}
		}
		res, err := decodeResponse(data, resp)
		if err != nil {
			if !json.Valid(data) {
				return &failure{err: fmt.Errorf("the answer is not complete JSON (%s): %s", formatSize(len(data)), c.snippet(data)), retry: true}
			}
			return &failure{err: fmt.Errorf("unexpected answer from the Admin API: %s", c.sanitize(err.Error(), 200))}
		}
		if len(res.errors) > 0 {
			msg := c.sanitize(res.errors[0].Message, 300)
			if msg == "" {
				msg = "an error without a message"
			}
			err := fmt.Errorf("the Admin API said: %s", msg)
			if n := len(res.errors) - 1; n > 0 {
				err = fmt.Errorf("the Admin API said: %s (and %d more errors)", msg, n)
			}
			return &failure{err: err, retry: transientMessage(res.errors[0].Message)}
		}
		if res.dataNull {
			return &failure{err: errors.New("the Admin API answered without data and without an error")}
		}
		return nil
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &failure{final: &CredentialsError{ClockSkew: clockSkew(hres.Header.Get("Date"), c.now())}}
	case status >= 300 && status < 400:
		loc := hres.Header.Get("Location")
		if loc == "" {
			return &failure{err: fmt.Errorf("the endpoint answered HTTP %d without a Location: set --endpoint to the final URL", status)}
		}
		if u, err := c.endpoint.Parse(loc); err == nil {
			u.RawQuery, u.Fragment = "", ""
			loc = u.Redacted()
		}
		return &failure{err: fmt.Errorf("the endpoint redirects to %s: set --endpoint to the final URL", c.sanitize(loc, 200))}
	case status == http.StatusTooManyRequests || status == http.StatusBadGateway ||
		status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		ra, _ := parseRetryAfter(hres.Header.Get("Retry-After"), c.now())
		return &failure{err: fmt.Errorf("HTTP %d %s", status, http.StatusText(status)), retry: true, retryAfter: ra}
	case status == http.StatusInternalServerError:
		// A query that does not parse gets 500 with {"error": {...}}: a
		// bug here, or a server that runs another version of the API.
		if m := gjson.GetBytes(data, "error.message"); m.Type == gjson.String && gjson.ValidBytes(data) {
			reason := gjson.GetBytes(data, "error.reason").String()
			msg := c.sanitize(m.String(), 300)
			if reason != "" {
				msg = c.sanitize(reason, 80) + ": " + msg
			}
			return &failure{err: fmt.Errorf("the Admin API could not run the query (HTTP 500): %s: the server may run an incompatible Authgear version", msg)}
		}
		return &failure{err: c.notGraphQL(status, ctype, data)}
	default:
		return &failure{err: c.notGraphQL(status, ctype, data)}
	}
}

func (c *Client) notGraphQL(status int, ctype string, data []byte) error {
	mt := strings.TrimSpace(strings.SplitN(ctype, ";", 2)[0])
	if mt == "" {
		mt = "no content type"
	}
	msg := fmt.Sprintf("the endpoint did not answer as a GraphQL API (HTTP %d, %s): check --endpoint", status, c.sanitize(mt, 60))
	if s := c.snippet(data); s != "" {
		msg += ": " + s
	}
	return errors.New(msg)
}

// looksHTML tells a web page (a login portal, a proxy's error page) from a
// truncated JSON answer.
func looksHTML(ctype string, data []byte) bool {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(ctype)), "text/html") {
		return true
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(trimmed) > 0 && trimmed[0] == '<'
}

// transientMessage reports whether a GraphQL error reads like a passing
// condition worth another try.
func transientMessage(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"timeout", "timed out", "temporarily", "unavailable", "deadline", "try again"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// clockSkew is the difference between the server's Date header and now when
// it is large enough to explain a refused token, formatted like "7m12s".
func clockSkew(date string, now time.Time) string {
	if date == "" {
		return ""
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return ""
	}
	d := t.Sub(now)
	if d < 0 {
		d = -d
	}
	if d <= 4*time.Minute {
		return ""
	}
	return d.Round(time.Second).String()
}

// classifyTransport turns an error from the HTTP client into a failure.
func (c *Client) classifyTransport(err error, actx context.Context) *failure {
	host := c.endpoint.Host
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var (
		dnsErr     *net.DNSError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
	)
	switch {
	case actx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return &failure{err: fmt.Errorf("no answer from %s within %s (--timeout)", host, c.opts.Timeout), retry: true}
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return &failure{err: fmt.Errorf("cannot resolve host %s: check --endpoint", dnsErr.Name)}
		}
		return &failure{err: fmt.Errorf("cannot resolve host %s: %s", dnsErr.Name, dnsErr.Err), retry: true}
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidErr), errors.As(err, &verifyErr):
		return &failure{err: fmt.Errorf("TLS handshake with %s failed: %s; for a private CA use --ca-file", host, tlsText(err))}
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return &failure{err: fmt.Errorf("TLS handshake with %s failed: the server does not speak TLS on that port: check --endpoint (http or https?)", host)}
	case errors.As(err, &alertErr):
		return &failure{err: fmt.Errorf("TLS handshake with %s failed: %s", host, alertErr.Error())}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &failure{err: fmt.Errorf("cannot connect to %s: connection refused: check --endpoint", host), retry: true}
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return &failure{err: fmt.Errorf("no answer from %s: %s", host, c.redact(err.Error())), retry: true}
	}
	return &failure{err: fmt.Errorf("request to %s failed: %s", host, c.redact(err.Error())), retry: true}
}

// tlsText is the certificate error without the "tls: failed to verify
// certificate:" prefix the message repeats.
func tlsText(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "tls: failed to verify certificate: ")
	return s
}

// readErrText shortens the error of a body read.
func readErrText(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected EOF"
	}
	return err.Error()
}
