package deliver

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// TLSConfig is the TLS configuration for a receiver: the system's roots,
// and those of caFile (PEM) when not empty, for a receiver with a
// private CA.
func TLSConfig(caFile string) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--to-ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--to-ca-file %s holds no PEM certificate", caFile)
	}
	conf.RootCAs = pool
	return conf, nil
}

// Client is an HTTP client for receivers: the environment's proxy, conf
// for TLS, and no redirect to another host, which would take the headers
// (and their tokens) with it.
func Client(conf *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = conf
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != via[0].URL.Host {
			return &redirectError{fmt.Sprintf("the receiver redirects to another host, %s: give that URL as --to", req.URL.Host)}
		}
		if len(via) >= 5 {
			return &redirectError{"the receiver redirected more than 5 times"}
		}
		return nil
	}}
}

// redirectError is a redirect not followed: sending again would not help.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }
