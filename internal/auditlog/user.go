package auditlog

// UserKind says what a --user value is.
type UserKind int

const (
	// UserRawID is a raw user ID, as in data.context.user_id.
	UserRawID UserKind = iota
	// UserNodeID is base64url (no padding) of "User:<raw id>".
	UserNodeID
	// UserEmail is an email address.
	UserEmail
	// UserPhone is an E.164 phone number.
	UserPhone
)

// UserRef is one --user value.
//
// For UserRawID and UserNodeID, RawID holds the raw user ID. For UserEmail
// and UserPhone, Value holds the normalised address and ResolvedIDs the raw
// IDs of the users who own it (filled by a lookup against the API, or from an
// input file); the address also matches as a message recipient.
type UserRef struct {
	Kind        UserKind
	Input       string
	Value       string
	RawID       string
	ResolvedIDs []string
}
