package auditlog

import (
	_ "embed"
	"strings"
)

// zoneList is every zone name of the form Area/Location in Go's zone
// database, one a line, sorted; TestZoneNames checks it and rewrites it
// from the database with -update.
//
//go:embed zones.txt
var zoneList string

// ZoneNames returns the IANA zone names that --tz takes, of the form
// Area/Location (Asia/Hong_Kong), sorted: what completion offers. The
// embedded zone database holds every one of them.
func ZoneNames() []string {
	return strings.Fields(zoneList)
}
