package adminapi

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

type tlsServer struct {
	*httptest.Server
	caPEM []byte
}

func newTLSServer(t *testing.T) *tlsServer {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not here", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	return &tlsServer{Server: srv, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})}
}

// TestRedirectIsNotFollowed: the endpoint redirects to another host; the
// other host must see no request at all (so no Authorization), and the error
// must tell the user to use the final URL.
func TestRedirectIsNotFollowed(t *testing.T) {
	var otherHits atomic.Int64
	var otherAuth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		otherAuth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":{"auditLogs":{"totalCount":1}}}`))
	}))
	defer other.Close()
	var sawAuth atomic.Value
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth.Store(r.Header.Get("Authorization"))
		http.Redirect(w, r, other.URL+"/_api/admin/graphql?x=1", http.StatusTemporaryRedirect)
	}))
	defer origin.Close()

	c, err := New(Options{Endpoint: origin.URL + "/_api/admin/graphql", Token: "planted-token-123"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Count(context.Background(), Selection{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want *APIError", err, err)
	}
	want := "the endpoint redirects to " + other.URL + "/_api/admin/graphql: set --endpoint to the final URL"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want %q", err, want)
	}
	if got := sawAuth.Load(); got != "Bearer planted-token-123" {
		t.Fatalf("endpoint got Authorization %q", got)
	}
	if n := otherHits.Load(); n != 0 {
		t.Fatalf("the redirect target got %d requests (Authorization %q), want none", n, otherAuth.Load())
	}
	if s := c.Stats(); s.Requests != 1 || s.Retries != 0 {
		t.Fatalf("stats %+v, want one request and no retry", s)
	}
}

// TestAuthorizationOnlyForEndpointHost drives the RoundTripper directly:
// requests to any other scheme or host go out without the token.
func TestAuthorizationOnlyForEndpointHost(t *testing.T) {
	var got []string
	rec := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.String()+" "+r.Header.Get("Authorization"))
		return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
	})
	ep, _ := url.Parse("https://myapp.authgear.cloud/_api/admin/graphql")
	tr := &authTransport{base: rec, scheme: ep.Scheme, host: canonicalHost(ep), tokens: &tokenSource{static: "tok"}}
	for _, u := range []string{
		"https://myapp.authgear.cloud/_api/admin/graphql",
		"https://MYAPP.authgear.cloud:443/other",
		"http://myapp.authgear.cloud/_api/admin/graphql",
		"https://myapp.authgear.cloud:8443/_api/admin/graphql",
		"https://evil.example/_api/admin/graphql",
	} {
		req, _ := http.NewRequest("POST", u, nil)
		if u == "https://evil.example/_api/admin/graphql" {
			req.Header.Set("Authorization", "Bearer stale")
		}
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"https://myapp.authgear.cloud/_api/admin/graphql Bearer tok",
		"https://MYAPP.authgear.cloud:443/other Bearer tok",
		"http://myapp.authgear.cloud/_api/admin/graphql ",
		"https://myapp.authgear.cloud:8443/_api/admin/graphql ",
		"https://evil.example/_api/admin/graphql ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestClassifyTransport covers failures that cannot be produced on a
// machine without a network: DNS answers.
func TestClassifyTransport(t *testing.T) {
	ep, _ := url.Parse("https://myapp.authgear.cloud/_api/admin/graphql")
	c := &Client{endpoint: ep, opts: Options{Timeout: DefaultTimeout}}
	ctx := context.Background()
	tests := []struct {
		err   error
		want  string
		retry bool
	}{
		{&url.Error{Op: "Post", URL: ep.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "myapp.authgear.cloud", IsNotFound: true}}},
			"cannot resolve host myapp.authgear.cloud: check --endpoint", false},
		{&url.Error{Op: "Post", URL: ep.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "myapp.authgear.cloud", IsTemporary: true}}},
			"cannot resolve host myapp.authgear.cloud: server misbehaving", true},
		{&url.Error{Op: "Post", URL: ep.String(), Err: errors.New("read: connection reset by peer")},
			"request to myapp.authgear.cloud failed: read: connection reset by peer", true},
	}
	for _, tt := range tests {
		f := c.classifyTransport(tt.err, ctx)
		if f.err.Error() != tt.want || f.retry != tt.retry {
			t.Errorf("classifyTransport(%v) = %q retry %v; want %q retry %v", tt.err, f.err, f.retry, tt.want, tt.retry)
		}
	}
}
