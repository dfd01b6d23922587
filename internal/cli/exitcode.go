package cli

import (
	"errors"
)

// Exit codes, the contract with scripts (see README "Exit codes").
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2   // any invalid flag or value
	ExitCredentials = 3   // the Admin API refused the credentials
	ExitAPI         = 4   // the API kept failing or answered inconsistently
	ExitInterrupted = 130 // SIGINT or SIGTERM
)

// UsageError is a bad flag or value. It exits 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usageErrorf builds a UsageError from a format, like fmt.Errorf.
func usageError(err error) error {
	if err == nil {
		return nil
	}
	var u *UsageError
	if errors.As(err, &u) {
		return err
	}
	return &UsageError{Err: err}
}

// SilentError ends the command with a code and no message: the command has
// already said what there was to say (verify's report, for example).
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return "exit status" }
