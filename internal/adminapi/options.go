package adminapi

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 5
)

// Options configure a Client. New validates all of them, reads the key file
// and the CA file, and fails before any request is sent.
type Options struct {
	// Endpoint is the GraphQL URL of the Admin API; empty means
	// DefaultEndpoint(ProjectID).
	Endpoint string
	// ProjectID is the JWT audience. Required unless Token is given.
	ProjectID string
	// KeyID and KeyFile are the Admin API key (the kid header and the PEM
	// private key). Required unless Token is given.
	KeyID, KeyFile string
	// Token is a ready bearer token, sent as is (surrounding space and a
	// "Bearer " prefix trimmed).
	Token string

	// Timeout bounds one HTTP attempt, reading the body included
	// (0 = DefaultTimeout).
	Timeout time.Duration
	// MaxRetries is how many times a failed exchange is tried again
	// (0 = DefaultMaxRetries; negative = never retry).
	MaxRetries int
	// Rate limits requests per second over the whole client (0 = no limit).
	Rate float64

	// CAFile is a PEM bundle added to the system roots (a private CA).
	CAFile string
	// InsecureHTTP allows a plain http:// endpoint on a host that is not
	// loopback. TLS verification is never turned off.
	InsecureHTTP bool
	// UserAgent is the version part of the User-Agent header
	// ("authgear-audit/<UserAgent>"); empty means "dev".
	UserAgent string

	// Verbose receives one line per HTTP attempt and per retry; nil = off.
	// Tokens and keys are never written.
	Verbose io.Writer
	// Warn receives one-line warnings (a loose key file mode, an event
	// without data, a null node); nil = dropped.
	Warn func(msg string)
	// Now is the clock for tokens and clock-skew hints (nil = time.Now).
	Now func() time.Time

	// RetryBase and RetryCap shape the exponential backoff with full jitter
	// (0 = 250ms and 30s). RetryAfterCap bounds a server's Retry-After
	// (0 = 2m). Tests shrink them.
	RetryBase, RetryCap, RetryAfterCap time.Duration
}

// DefaultEndpoint is the Admin API GraphQL URL of an Authgear Cloud project.
func DefaultEndpoint(project string) string {
	return "https://" + project + ".authgear.cloud/_api/admin/graphql"
}

// checkEndpoint parses and vets the endpoint URL.
func checkEndpoint(raw string, insecureHTTP bool) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	const example = "https://myproject.authgear.cloud/_api/admin/graphql"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		shown := raw
		if err == nil {
			shown = u.Redacted()
		} else if len(shown) > 80 {
			shown = shown[:80] + "..."
		}
		return nil, fmt.Errorf("invalid --endpoint %q: want an absolute http(s) URL such as %s", shown, example)
	}
	if u.User != nil {
		return nil, fmt.Errorf("invalid --endpoint %s: credentials in the URL are not used; remove them", u.Redacted())
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("invalid --endpoint %s: remove the #fragment", u.Redacted())
	}
	if u.Scheme == "http" && !insecureHTTP && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("refusing plain http:// endpoint %s: use https, or pass --insecure-http", u.Host)
	}
	return u, nil
}

// isLoopback reports whether host names this machine: localhost or a
// loopback address (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// validate checks the options that need no file access and fills defaults.
// It returns the parsed endpoint.
func (o *Options) validate() (*url.URL, error) {
	o.Token = strings.TrimSpace(o.Token)
	if len(o.Token) > 7 && strings.EqualFold(o.Token[:7], "bearer ") {
		o.Token = strings.TrimSpace(o.Token[7:])
	}
	o.ProjectID = strings.TrimSpace(o.ProjectID)
	o.KeyID = strings.TrimSpace(o.KeyID)
	o.KeyFile = strings.TrimSpace(o.KeyFile)
	if o.Token == "" && o.ProjectID == "" {
		return nil, errors.New("no project ID: pass --project, set AUTHGEAR_AUDIT_PROJECT, or set project in the profile")
	}
	if strings.ContainsAny(o.ProjectID, "/:@?# \t") {
		return nil, fmt.Errorf("invalid --project %q: a project ID has no spaces, slashes or colons", o.ProjectID)
	}
	if o.Token == "" {
		if o.KeyID == "" {
			return nil, errors.New("no key ID: pass --key-id or set AUTHGEAR_AUDIT_KEY_ID (or key_id in the profile), or pass a ready token with --token")
		}
		if o.KeyFile == "" {
			return nil, errors.New("no key file: pass --key-file or set AUTHGEAR_AUDIT_KEY_FILE (or key_file in the profile), or pass a ready token with --token")
		}
	} else if strings.ContainsAny(o.Token, " \t\r\n") {
		return nil, errors.New("invalid --token: a bearer token holds no spaces or line breaks")
	}
	endpoint := strings.TrimSpace(o.Endpoint)
	if endpoint == "" {
		if o.ProjectID == "" {
			return nil, errors.New("no endpoint: pass --endpoint (or --project for an Authgear Cloud project)")
		}
		endpoint = DefaultEndpoint(o.ProjectID)
	}
	u, err := checkEndpoint(endpoint, o.InsecureHTTP)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Timeout < 0:
		return nil, fmt.Errorf("invalid --timeout %s: must be positive", o.Timeout)
	case o.Timeout == 0:
		o.Timeout = DefaultTimeout
	}
	switch {
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	}
	if o.Rate < 0 || o.Rate != o.Rate {
		return nil, fmt.Errorf("invalid --rate %v: requests per second, 0 for no limit", o.Rate)
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 250 * time.Millisecond
	}
	if o.RetryCap <= 0 {
		o.RetryCap = 30 * time.Second
	}
	if o.RetryAfterCap <= 0 {
		o.RetryAfterCap = 2 * time.Minute
	}
	if o.UserAgent == "" {
		o.UserAgent = "dev"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return u, nil
}
