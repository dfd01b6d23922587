package auditlog_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func TestParseIPFilter(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"203.0.113.7", "203.0.113.7/32"},
		{" 203.0.113.0/24 ", "203.0.113.0/24"},
		{"203.0.113.7/24", "203.0.113.0/24"}, // host bits dropped
		{"2001:db8::/32", "2001:db8::/32"},
		{"2001:DB8::1", "2001:db8::1/128"},
		{"::ffff:203.0.113.7", "203.0.113.7/32"}, // IPv4-mapped is IPv4
		{"fe80::1%eth0", "fe80::1/128"},
		{"0.0.0.0/0", "0.0.0.0/0"},
	}
	for _, tt := range tests {
		p, err := auditlog.ParseIPFilter(tt.in)
		if err != nil {
			t.Errorf("ParseIPFilter(%q): %v", tt.in, err)
			continue
		}
		if p.String() != tt.want {
			t.Errorf("ParseIPFilter(%q) = %s, want %s", tt.in, p, tt.want)
		}
	}
	for _, bad := range []string{"", "203.0.113", "203.0.113.0/33", "2001:db8::/129", "example.com", "203.0.113.0/", "fe80::%eth0/64", "203.0.113.0/24/8"} {
		if _, err := auditlog.ParseIPFilter(bad); err == nil {
			t.Errorf("ParseIPFilter(%q): no error", bad)
		} else if !strings.Contains(err.Error(), "CIDR") && !strings.Contains(err.Error(), "zone") {
			t.Errorf("ParseIPFilter(%q): %v: does not say what to give", bad, err)
		}
	}
	for in, want := range map[string]string{"203.0.113.7": "203.0.113.7", "203.0.113.0/24": "203.0.113.0/24", "2001:db8::1": "2001:db8::1"} {
		p, _ := auditlog.ParseIPFilter(in)
		if got := auditlog.FormatIPFilter(p); got != want {
			t.Errorf("FormatIPFilter(%s) = %s, want %s", p, got, want)
		}
	}
}

func TestParseCountry(t *testing.T) {
	for in, want := range map[string]string{"hk": "HK", "US": "US", " gB ": "GB"} {
		got, err := auditlog.ParseCountry(in)
		if err != nil || got != want {
			t.Errorf("ParseCountry(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "H", "HKG", "H1", "香港", "ÅL"} {
		if _, err := auditlog.ParseCountry(bad); err == nil {
			t.Errorf("ParseCountry(%q): no error", bad)
		}
	}
}

func TestLocalMatch(t *testing.T) {
	prefixes := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, v := range s {
			p, err := auditlog.ParseIPFilter(v)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
		return out
	}
	withCtx := func(ip, client, ctx string) *auditlog.Event {
		e := ev("1", "USER_AUTHENTICATED", "u", t0, `{"context":`+ctx+`}`)
		e.IPAddress, e.ClientID = ip, client
		return e
	}
	hk := withCtx("203.0.113.7", "portal", `{"geo_location_code":"hk","ip_address":"203.0.113.7","client_id":"portal"}`)
	v6 := withCtx("2001:db8:1::5", "mobile", `{"geo_location_code":"US"}`)
	mapped := withCtx("::ffff:198.51.100.9", "", `{"geo_location_code":null,"client_id":"from-context"}`)
	fromContext := withCtx("", "", `{"ip_address":"192.0.2.44","client_id":"cli","geo_location_code":"JP"}`)
	withPort := withCtx("192.0.2.44:51234", "", `{}`)
	none := withCtx("", "", `{"geo_location_code":42}`)

	tests := []struct {
		name string
		f    auditlog.Filter
		e    *auditlog.Event
		want bool
	}{
		{"no local filter", auditlog.Filter{}, none, true},
		{"address", auditlog.Filter{IPs: prefixes("203.0.113.7")}, hk, true},
		{"other address", auditlog.Filter{IPs: prefixes("203.0.113.8")}, hk, false},
		{"IPv4 block", auditlog.Filter{IPs: prefixes("203.0.113.0/24")}, hk, true},
		{"IPv6 block", auditlog.Filter{IPs: prefixes("2001:db8::/32")}, v6, true},
		{"IPv4 block, IPv6 event", auditlog.Filter{IPs: prefixes("203.0.113.0/24")}, v6, false},
		{"blocks OR-ed", auditlog.Filter{IPs: prefixes("198.51.100.0/24", "2001:db8::/32")}, v6, true},
		{"IPv4-mapped event in an IPv4 block", auditlog.Filter{IPs: prefixes("198.51.100.0/24")}, mapped, true},
		{"IP from data.context", auditlog.Filter{IPs: prefixes("192.0.2.0/24")}, fromContext, true},
		{"IP with a port", auditlog.Filter{IPs: prefixes("192.0.2.44")}, withPort, true},
		{"no IP", auditlog.Filter{IPs: prefixes("0.0.0.0/0", "::/0")}, none, false},
		{"client", auditlog.Filter{Clients: []string{"portal"}}, hk, true},
		{"client is exact", auditlog.Filter{Clients: []string{"Portal"}}, hk, false},
		{"clients OR-ed", auditlog.Filter{Clients: []string{"x", "mobile"}}, v6, true},
		{"client from data.context", auditlog.Filter{Clients: []string{"from-context"}}, mapped, true},
		{"no client", auditlog.Filter{Clients: []string{"portal"}}, none, false},
		{"country, any case", auditlog.Filter{Countries: []string{"HK"}}, hk, true},
		{"countries OR-ed", auditlog.Filter{Countries: []string{"GB", "US"}}, v6, true},
		{"other country", auditlog.Filter{Countries: []string{"GB"}}, hk, false},
		{"null country", auditlog.Filter{Countries: []string{"HK"}}, mapped, false},
		{"country not a string", auditlog.Filter{Countries: []string{"HK"}}, none, false},
		{"filters AND-ed, all pass", auditlog.Filter{IPs: prefixes("203.0.113.0/24"), Clients: []string{"portal"}, Countries: []string{"HK"}}, hk, true},
		{"filters AND-ed, one fails", auditlog.Filter{IPs: prefixes("203.0.113.0/24"), Clients: []string{"portal"}, Countries: []string{"US"}}, hk, false},
		{"with the API's filters", auditlog.Filter{ActivityTypes: []string{"EMAIL_SENT"}, IPs: prefixes("203.0.113.0/24")}, hk, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Local().Match(tt.e); got != tt.want && len(tt.f.ActivityTypes) == 0 {
				t.Errorf("Local().Match = %v, want %v", got, tt.want)
			}
			if got := tt.f.Compile().Match(tt.e); got != tt.want {
				t.Errorf("Compile().Match = %v, want %v", got, tt.want)
			}
			if tt.f.HasLocal() != (tt.f.Local() != nil) {
				t.Errorf("HasLocal = %v, Local = %v", tt.f.HasLocal(), tt.f.Local())
			}
		})
	}
}

func TestDescribeLocal(t *testing.T) {
	p, _ := auditlog.ParseIPFilter("203.0.113.0/24")
	f := auditlog.Filter{IPs: []netip.Prefix{p}, Clients: []string{"portal"}, Countries: []string{"HK", "US"}}
	want := "ip 203.0.113.0/24; client portal; country HK, US"
	if got := f.Describe(); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
