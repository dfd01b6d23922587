package adminapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// newHTTPClient builds the HTTP client: TLS 1.2+ with verification always
// on (plus CAFile), proxies from the environment, no redirects followed, and
// the bearer token added only for the endpoint's own scheme and host.
func newHTTPClient(endpoint *url.URL, opts *Options, tokens *tokenSource) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.CAFile != "" {
		pool, err := loadCAFile(opts.CAFile)
		if err != nil {
			return nil, err
		}
		tlsConf.RootCAs = pool
	}
	dialTimeout := min(10*time.Second, opts.Timeout)
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   dialTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: &authTransport{base: base, scheme: endpoint.Scheme, host: canonicalHost(endpoint), tokens: tokens},
		// A redirect is never followed: the answer is reported as it is, so
		// the token can never travel to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// loadCAFile reads a PEM bundle and adds it to the system roots.
func loadCAFile(path string) (*x509.CertPool, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("CA file %s does not exist: check --ca-file", path)
	case err != nil:
		return nil, fmt.Errorf("read --ca-file %s: %w", path, unwrapPathError(err))
	case info.IsDir():
		return nil, fmt.Errorf("CA file %s is a directory: --ca-file takes a PEM file of certificates", path)
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read --ca-file %s: %w", path, unwrapPathError(err))
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificates (-----BEGIN CERTIFICATE-----): check --ca-file", path)
	}
	return pool, nil
}

// canonicalHost is host:port in lower case with the scheme's default port
// made explicit, so https://x and https://X:443 compare equal.
func canonicalHost(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return net.JoinHostPort(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), port)
}

// authTransport adds the Authorization and User-Agent headers. The token is
// added only to requests for the endpoint's scheme and host.
type authTransport struct {
	base   http.RoundTripper
	scheme string
	host   string
	tokens *tokenSource
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != t.scheme || canonicalHost(req.URL) != t.host {
		if req.Header.Get("Authorization") != "" {
			req = req.Clone(req.Context())
			req.Header.Del("Authorization")
		}
		return t.base.RoundTrip(req)
	}
	tok, err := t.tokens.token()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+tok)
	return t.base.RoundTrip(req)
}
