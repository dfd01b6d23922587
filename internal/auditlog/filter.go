package auditlog

import "time"

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
}
