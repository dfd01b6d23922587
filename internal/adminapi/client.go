// Package adminapi is the client of the Authgear Admin API: the genqlient
// operations generated from queries/*.graphql, JWT authentication, one retry
// policy around the whole exchange, and the conversion of answers into
// auditlog.Event records. Nothing about output lives here.
package adminapi

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Client talks to one Admin API endpoint. It is safe for concurrent use.
type Client struct {
	opts     Options
	endpoint *url.URL
	url      string // endpoint as sent
	http     *http.Client
	tokens   *tokenSource
	limiter  *rate.Limiter // nil = no limit
	gql      *gqlClient

	logMu sync.Mutex // one verbose line at a time

	requests atomic.Int64
	retries  atomic.Int64
}

// Stats counts the traffic of a Client so far.
type Stats struct {
	Requests int64 // HTTP attempts, retries included
	Retries  int64 // attempts that were retries of a failed one
}

// New validates the options, reads the key file and the CA file, and returns
// a Client. It sends no request.
func New(opts Options) (*Client, error) {
	endpoint, err := opts.validate()
	if err != nil {
		return nil, err
	}
	tokens := &tokenSource{static: opts.Token, keyID: opts.KeyID, project: opts.ProjectID, now: opts.Now}
	if opts.Token == "" {
		key, warnings, err := LoadPrivateKey(opts.KeyFile)
		if err != nil {
			return nil, err
		}
		for _, w := range warnings {
			if opts.Warn != nil {
				opts.Warn(w)
			}
		}
		tokens.key = key
		// Sign once now: a key the signer rejects fails here, not mid-run.
		if _, err := tokens.token(); err != nil {
			return nil, err
		}
	}
	hc, err := newHTTPClient(endpoint, &opts, tokens)
	if err != nil {
		return nil, err
	}
	c := &Client{opts: opts, endpoint: endpoint, url: endpoint.String(), http: hc, tokens: tokens}
	if endpoint.Scheme == "http" && !isLoopback(endpoint.Hostname()) {
		c.warn(fmt.Sprintf("sending the Admin API token over plain http:// to %s (--insecure-http): anyone on the network path can read it", endpoint.Host))
	}
	if opts.Rate > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	c.gql = &gqlClient{c: c}
	return c, nil
}

// Stats returns the request and retry counts so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Retries: c.retries.Load()}
}

// Endpoint is the URL the client sends its requests to.
func (c *Client) Endpoint() string { return c.url }

func (c *Client) warn(msg string) {
	if c.opts.Warn != nil {
		c.opts.Warn(msg)
	}
}

func (c *Client) now() time.Time { return c.opts.Now() }
