package adminapi

import (
	"errors"
	"fmt"
)

// ErrCredentials is returned when the Admin API answers 403 Forbidden: the
// token is missing, malformed, expired, wrongly signed, for another project,
// or signed with a key ID the project does not know. The server says no more
// than "Forbidden", so neither can we; ClockHint may add that the local clock
// looks wrong.
type CredentialsError struct {
	// ClockSkew is the difference between the server's Date header and the
	// local clock when it is large enough to explain the refusal, else 0.
	ClockSkew string
}

func (e *CredentialsError) Error() string {
	msg := "the Admin API refused the credentials: check the project ID, key ID and key file"
	if e.ClockSkew != "" {
		msg += fmt.Sprintf(" (the local clock differs from the server's by %s: check the system time)", e.ClockSkew)
	}
	return msg
}

// APIError means the API kept failing after retries, or answered something
// that cannot be right (an inconsistent count, a body that is not GraphQL).
// Commands exit 4 on it.
type APIError struct {
	Op  string // what was being done, e.g. "fetch audit logs"
	Err error
}

func (e *APIError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *APIError) Unwrap() error { return e.Err }

// ErrNotFound is returned by Event when no event has that ID.
var ErrNotFound = errors.New("no such event")
