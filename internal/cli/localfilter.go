package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// The filters the API lacks: --ip, --client and --country. The API's own
// filters narrow the range; every event of it is then downloaded and
// tested here (auditlog.LocalMatcher).

// registerLocal adds --ip, --client and --country (search, export, tail,
// count).
func (f *filterFlags) registerLocal(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.ips, "ip", nil,
		"only events from this IP address or CIDR block (203.0.113.7, 203.0.113.0/24, 2001:db8::/32);\n"+
			"repeatable and comma-separated; not an API filter: the range is downloaded and filtered here")
	fs.StringArrayVar(&f.clients, "client", nil,
		"only events of this OAuth client ID; repeatable; not an API filter: the range is downloaded and filtered here")
	fs.StringArrayVar(&f.countries, "country", nil,
		"only events from this country: an ISO code (HK, us) matched against data.context.geo_location_code;\n"+
			"repeatable and comma-separated; not an API filter: the range is downloaded and filtered here")
}

// local parses --ip, --client and --country into out. Every error is a
// usage error that names its flag.
func (f *filterFlags) local(out *auditlog.Filter) error {
	for _, v := range splitValues(f.ips) {
		p, err := auditlog.ParseIPFilter(v)
		if err != nil {
			return usageError(fmt.Errorf("--ip: %w", err))
		}
		out.IPs = append(out.IPs, p)
	}
	for _, v := range f.clients {
		c := strings.TrimSpace(v)
		if c == "" {
			return usageError(errors.New("--client is empty: give an OAuth client ID"))
		}
		out.Clients = append(out.Clients, c)
	}
	for _, v := range splitValues(f.countries) {
		c, err := auditlog.ParseCountry(v)
		if err != nil {
			return usageError(fmt.Errorf("--country: %w", err))
		}
		out.Countries = append(out.Countries, c)
	}
	return nil
}

// splitValues splits comma-separated flag values.
func splitValues(values []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, strings.Split(v, ",")...)
	}
	return out
}

// localFlags names the local filters of f: "--ip and --country".
func localFlags(f auditlog.Filter) string {
	var names []string
	if len(f.IPs) > 0 {
		names = append(names, "--ip")
	}
	if len(f.Clients) > 0 {
		names = append(names, "--client")
	}
	if len(f.Countries) > 0 {
		names = append(names, "--country")
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
