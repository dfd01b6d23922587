package auditlog

import (
	"net/netip"
	"time"
)

// Filter selects events. The zero Filter selects everything.
//
// Since is inclusive and Until exclusive, as the API's rangeFrom and rangeTo
// are; a zero time leaves that side open. Both are UTC.
type Filter struct {
	// ActivityTypes are enum names (USER_AUTHENTICATED). Empty means all.
	ActivityTypes []string
	// Users are the --user values, classified and, for API use, resolved.
	Users []UserRef
	Since time.Time
	Until time.Time

	// The filters the API lacks (see Local): they are applied to each
	// event by the client, after the API's filters have narrowed the
	// range. Within one of them the values are OR-ed; the filters are
	// AND-ed with each other and with the rest.
	//
	// IPs are addresses and CIDR blocks (an address is a block of its
	// full length), matched against the event's IP address.
	IPs []netip.Prefix
	// Clients are OAuth client IDs, matched exactly.
	Clients []string
	// Countries are ISO 3166-1 alpha-2 codes in upper case, matched
	// against data.context.geo_location_code without regard to case.
	Countries []string
}

// HasLocal reports whether f holds a filter that the API cannot apply
// (--ip, --client, --country): every event of the API's range must then be
// downloaded and tested here, and counts cannot come from totalCount.
func (f Filter) HasLocal() bool {
	return len(f.IPs) > 0 || len(f.Clients) > 0 || len(f.Countries) > 0
}
