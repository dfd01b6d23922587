package adminapi_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// echoServer puts the stand-in behind a front that, for the next requests,
// answers with failures that quote the request's Authorization header back,
// the way a misconfigured proxy or a hostile server might.
type echoServer struct {
	*httptest.Server
	mu        sync.Mutex
	modes     []string
	seenAuth  []string
	userAgent string
}

func newEchoServer(t *testing.T, standin *adminapitest.Server) *echoServer {
	e := &echoServer{}
	next := standin.Handler()
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		tok := strings.TrimPrefix(auth, "Bearer ")
		e.mu.Lock()
		e.seenAuth = append(e.seenAuth, tok)
		e.userAgent = r.Header.Get("User-Agent")
		mode := ""
		if len(e.modes) > 0 {
			mode, e.modes = e.modes[0], e.modes[1:]
		}
		e.mu.Unlock()
		quoted, _ := json.Marshal("token " + tok + " was refused; header: " + auth)
		switch mode {
		case "":
			next.ServeHTTP(w, r)
		case "html404":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			fmt.Fprintf(w, "<html><head><title>No route for %s</title></head><body>%s</body></html>", auth, tok)
		case "text404":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(404)
			fmt.Fprintf(w, "Authorization: %s\n", auth)
		case "graphql":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"errors":[{"message":%s}],"data":null}`, quoted)
		case "envelope":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"error":{"reason":"UnexpectedError","message":%s}}`, quoted)
		case "garbage":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"data": %s`, tok)
		case "redirect":
			w.Header().Set("Location", "https://elsewhere.example/"+tok+"?token="+tok)
			w.WriteHeader(302)
		case "503":
			w.WriteHeader(503)
			fmt.Fprintf(w, "overloaded %s", auth)
		}
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *echoServer) queue(modes ...string) {
	e.mu.Lock()
	e.modes = append(e.modes, modes...)
	e.mu.Unlock()
}

func (e *echoServer) tokens() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seenAuth...)
}

// TestSecretsNeverShown plants a key and a token in failing requests and
// checks that neither reaches the verbose log, a warning or an error.
func TestSecretsNeverShown(t *testing.T) {
	standin := adminapitest.New(t)
	echo := newEchoServer(t, standin)
	keyPEM := standin.PrivateKeyPEM(false)
	plantedToken := standin.Token(time.Hour)

	for _, auth := range []string{"key", "token"} {
		t.Run(auth, func(t *testing.T) {
			h := newHarness(t, standin, func(o *adminapi.Options) {
				o.Endpoint = echo.URL + adminapitest.EndpointPath
				o.MaxRetries = 2
				if auth == "token" {
					o.KeyID, o.KeyFile, o.Token = "", "", plantedToken
				}
			})
			var errs []string
			for _, mode := range []string{"html404", "text404", "graphql", "envelope", "garbage", "redirect", "503"} {
				echo.queue(mode, mode, mode)
				_, err := h.client.Count(context.Background(), adminapi.Selection{})
				if err == nil {
					t.Fatalf("%s: no error", mode)
				}
				errs = append(errs, err.Error())
				echo.queue() // drain whatever was not used
				echo.mu.Lock()
				echo.modes = nil
				echo.mu.Unlock()
			}
			shown := strings.Join(errs, "\n") + "\n" + h.verbose.String() + "\n" + strings.Join(h.Warnings(), "\n")
			secrets := echo.tokens()
			if auth == "token" {
				secrets = append(secrets, plantedToken)
			}
			if len(secrets) == 0 {
				t.Fatal("no token was sent; the test proves nothing")
			}
			for _, s := range secrets {
				if s == "" {
					t.Fatal("a request went out without a token")
				}
				if strings.Contains(shown, s) {
					t.Fatalf("a token was shown:\n%s", shown)
				}
				// Also no recognisable piece of it (the signature part).
				if parts := strings.Split(s, "."); len(parts) == 3 && strings.Contains(shown, parts[2][:20]) {
					t.Fatalf("part of a token was shown:\n%s", shown)
				}
			}
			block, _ := pem.Decode(keyPEM)
			for _, line := range strings.Split(string(keyPEM), "\n") {
				if len(line) > 20 && !strings.HasPrefix(line, "-----") && strings.Contains(shown, line[:20]) {
					t.Fatalf("key material was shown:\n%s", shown)
				}
			}
			if block == nil || strings.Contains(shown, "PRIVATE KEY") {
				t.Fatalf("key material was shown:\n%s", shown)
			}
			// The failures are still explained.
			for _, want := range []string{"did not answer as a GraphQL API (HTTP 404, text/html)", "the Admin API said: token [REDACTED]",
				"could not run the query (HTTP 500)", "the endpoint redirects to https://elsewhere.example/[REDACTED]", "HTTP 503"} {
				if !strings.Contains(shown, want) {
					t.Fatalf("output lacks %q:\n%s", want, shown)
				}
			}
			t.Logf("what a user sees:\n%s", shown)
		})
	}
	if ua := echo.userAgent; ua != "authgear-audit/1.2.3-test" {
		t.Fatalf("User-Agent %q", ua)
	}
}

// TestTLS: a server whose certificate the system does not trust fails with
// a message that points at --ca-file, without retries; with the CA file the
// same server works.
func TestTLS(t *testing.T) {
	standin := adminapitest.NewUnstarted()
	ts := httptest.NewUnstartedServer(standin.Handler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	ts.StartTLS()
	defer ts.Close()
	endpoint := ts.URL + adminapitest.EndpointPath
	host := strings.TrimPrefix(ts.URL, "https://")

	h := newHarness(t, standin, func(o *adminapi.Options) { o.Endpoint = endpoint })
	_, err := h.client.Check(context.Background())
	var apiErr *adminapi.APIError
	want := "TLS handshake with " + host + " failed: x509: certificate signed by unknown authority; for a private CA use --ca-file"
	if !errors.As(err, &apiErr) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	if n := h.client.Stats().Requests; n != 1 {
		t.Fatalf("%d attempts, want 1: a certificate error is not retried", n)
	}

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	h = newHarness(t, standin, func(o *adminapi.Options) { o.Endpoint, o.CAFile = endpoint, caFile })
	if _, err := h.client.Check(context.Background()); err != nil {
		t.Fatal(err)
	}

	// https:// to a port that speaks plain HTTP.
	plain := adminapitest.New(t)
	h = newHarness(t, plain, func(o *adminapi.Options) { o.Endpoint = strings.Replace(plain.Endpoint(), "http://", "https://", 1) })
	_, err = h.client.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the server does not speak TLS on that port") {
		t.Fatalf("error %v", err)
	}
}

// TestConnectionRefused: nothing listens; the failure is retried and then
// named plainly.
func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	standin := adminapitest.NewUnstarted()
	h := newHarness(t, standin, func(o *adminapi.Options) {
		o.Endpoint = "http://" + addr + adminapitest.EndpointPath
		o.MaxRetries = 2
	})
	_, err = h.client.Check(context.Background())
	want := "gave up after 3 attempts: cannot connect to " + addr + ": connection refused: check --endpoint"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
}
