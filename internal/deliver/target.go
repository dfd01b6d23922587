package deliver

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// The names of --to-format.
const (
	FormatJSONL         = "jsonl"
	FormatSplunk        = "splunk"
	FormatElasticsearch = "elasticsearch"
	FormatOTLP          = "otlp"
	FormatOTLPProto     = "otlp-proto"
	FormatSyslog        = "syslog"
)

// FormatNames lists the --to-format values.
func FormatNames() []string {
	return []string{FormatJSONL, FormatSplunk, FormatElasticsearch, FormatOTLP, FormatOTLPProto, FormatSyslog}
}

// Target is a --to URL, checked.
type Target struct {
	URL *url.URL
	// Format is the --to-format, or the one the URL implies.
	Format string
}

// Syslog reports whether the target is a syslog server (syslog:// or
// syslog+tls://) rather than an HTTP receiver.
func (t Target) Syslog() bool { return t.URL.Scheme == "syslog" || t.URL.Scheme == "syslog+tls" }

// String is the URL without what may be secret: user information and the
// query. Messages and the state file show this, never the URL as given.
func (t Target) String() string { return Redact(t.URL) }

// Redact is u without user information, query or fragment.
func Redact(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return r.String()
}

// ParseTarget checks a --to URL and picks its format: format when not
// empty, else the one the URL implies (see InferFormat). insecure allows
// plain http:// to a host that is not loopback.
func ParseTarget(raw, format string, insecure bool) (Target, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return Target{}, fmt.Errorf("--to: not a URL with a host: give https://host/path, syslog://host:port or syslog+tls://host:port")
	}
	t := Target{URL: u}
	switch u.Scheme {
	case "https", "syslog+tls":
	case "http", "syslog":
		if !insecure && !loopback(u.Hostname()) {
			return Target{}, fmt.Errorf("--to: refusing plain %s:// to %s, which is not this machine: what is sent (events, tokens) would cross the network unencrypted; use %s, or pass --to-insecure", u.Scheme, u.Host, map[string]string{"http": "https", "syslog": "syslog+tls"}[u.Scheme])
		}
	default:
		return Target{}, fmt.Errorf("--to: unknown scheme %q in %s: use https://, syslog:// or syslog+tls://", u.Scheme, Redact(u))
	}
	if t.Syslog() && u.Port() == "" {
		return Target{}, fmt.Errorf("--to: %s has no port: syslog over TCP has no standard one; give it, such as %s://%s:6514", Redact(u), u.Scheme, u.Hostname())
	}
	t.Format = strings.ToLower(strings.TrimSpace(format))
	if t.Format == "" {
		t.Format = InferFormat(u)
	}
	if !slices.Contains(FormatNames(), t.Format) {
		return Target{}, fmt.Errorf("--to-format: unknown format %q: use %s", format, strings.Join(FormatNames(), ", "))
	}
	if t.Syslog() != (t.Format == FormatSyslog) {
		return Target{}, fmt.Errorf("--to-format %s does not go with %s: syslog goes to syslog:// or syslog+tls://, the others to http(s)://", t.Format, Redact(u))
	}
	return t, nil
}

// InferFormat is the format a URL implies: syslog for the syslog
// schemes, splunk for HEC's /services/collector/event, elasticsearch for
// a path ending in /_bulk, otlp for /v1/logs, jsonl for anything else.
func InferFormat(u *url.URL) string {
	p := strings.TrimRight(u.Path, "/")
	switch {
	case u.Scheme == "syslog" || u.Scheme == "syslog+tls":
		return FormatSyslog
	case strings.HasSuffix(p, "/services/collector/event"):
		return FormatSplunk
	case strings.HasSuffix(p, "/_bulk"):
		return FormatElasticsearch
	case strings.HasSuffix(p, "/v1/logs"):
		return FormatOTLP
	}
	return FormatJSONL
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
