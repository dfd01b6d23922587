package auditlog

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/tidwall/gjson"
)

// Paths inside Event.Data that the local filters read.
const (
	pathContextIP      = "context.ip_address"
	pathContextClient  = "context.client_id"
	pathContextCountry = "context.geo_location_code"
)

// ParseIPFilter reads one --ip value: an IPv4 or IPv6 address
// (203.0.113.7, 2001:db8::1) or a CIDR block (203.0.113.0/24,
// 2001:db8::/32). An address is the block of its full length; a block with
// host bits set (203.0.113.7/24) is the block it lies in.
func ParseIPFilter(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block (such as 203.0.113.0/24 or 2001:db8::/32)", s)
		}
		if p.Addr().Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q: a CIDR block has no zone", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block (such as 203.0.113.7 or 203.0.113.0/24)", s)
	}
	a = a.WithZone("").Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// FormatIPFilter writes a parsed --ip value back: the address alone for a
// block of one address, else the CIDR block.
func FormatIPFilter(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// ParseCountry reads one --country value: an ISO 3166-1 alpha-2 code, two
// letters in any case. It returns the code in upper case.
func ParseCountry(s string) (string, error) {
	c := strings.TrimSpace(s)
	if len(c) != 2 || !isLetter(c[0]) || !isLetter(c[1]) {
		return "", fmt.Errorf("%q is not a country code: give two letters (ISO 3166-1 alpha-2), such as HK or us", s)
	}
	return strings.ToUpper(c), nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// LocalMatcher tests events against the filters the API lacks: --ip,
// --client and --country. A nil *LocalMatcher matches every event. It is
// safe for concurrent use.
type LocalMatcher struct {
	ips       []netip.Prefix
	clients   map[string]struct{}
	countries map[string]struct{}
}

// Local prepares the local filters of f, or returns nil when f has none.
// Use it where the API has applied the rest of f already; Compile's
// Matcher tests the local filters along with everything else.
func (f Filter) Local() *LocalMatcher {
	if !f.HasLocal() {
		return nil
	}
	m := &LocalMatcher{ips: append([]netip.Prefix(nil), f.IPs...)}
	if len(f.Clients) > 0 {
		m.clients = make(map[string]struct{}, len(f.Clients))
		for _, c := range f.Clients {
			m.clients[c] = struct{}{}
		}
	}
	if len(f.Countries) > 0 {
		m.countries = make(map[string]struct{}, len(f.Countries))
		for _, c := range f.Countries {
			m.countries[strings.ToUpper(c)] = struct{}{}
		}
	}
	return m
}

// Keep is the local filters of f as a function, for fetch's Keep option;
// nil when f has none.
func (f Filter) Keep() func(*Event) bool {
	if m := f.Local(); m != nil {
		return m.Match
	}
	return nil
}

// Match reports whether e passes every local filter: its IP address lies
// in one of the blocks, its client is one of the clients, and its country
// is one of the countries (each when given). The IP address and client ID
// are the event's own fields, else those of data.context; an event without
// one fails that filter.
func (m *LocalMatcher) Match(e *Event) bool {
	if m == nil {
		return true
	}
	if e == nil {
		return false
	}
	if len(m.ips) > 0 && !m.matchIP(e) {
		return false
	}
	if m.clients != nil {
		c := e.ClientID
		if c == "" {
			c = contextString(e, pathContextClient)
		}
		if _, ok := m.clients[c]; !ok {
			return false
		}
	}
	if m.countries != nil {
		c := contextString(e, pathContextCountry)
		if len(c) != 2 {
			return false
		}
		if _, ok := m.countries[strings.ToUpper(c)]; !ok {
			return false
		}
	}
	return true
}

func (m *LocalMatcher) matchIP(e *Event) bool {
	s := e.IPAddress
	if s == "" {
		s = contextString(e, pathContextIP)
	}
	a, ok := parseEventIP(s)
	if !ok {
		return false
	}
	for _, p := range m.ips {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseEventIP reads the IP address of an event: an address, an
// IPv4-mapped IPv6 address (taken as IPv4), or either with a port.
func parseEventIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), true
}

// contextString is a string at path in e.Data, "" when absent or not a
// string.
func contextString(e *Event, path string) string {
	if len(e.Data) == 0 {
		return ""
	}
	r := gjson.GetBytes(e.Data, path)
	if r.Type != gjson.String {
		return ""
	}
	return r.Str
}

// describeLocal names the local filters for Describe.
func (f Filter) describeLocal() []string {
	var parts []string
	if len(f.IPs) > 0 {
		ips := make([]string, len(f.IPs))
		for i, p := range f.IPs {
			ips[i] = FormatIPFilter(p)
		}
		parts = append(parts, "ip "+strings.Join(ips, ", "))
	}
	if len(f.Clients) > 0 {
		parts = append(parts, "client "+strings.Join(f.Clients, ", "))
	}
	if len(f.Countries) > 0 {
		parts = append(parts, "country "+strings.Join(f.Countries, ", "))
	}
	return parts
}
