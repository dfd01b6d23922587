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
type UsageError struct {
	Err error
	// Settings marks a problem with the settings rather than with the
	// command line: a key file, a config file, a missing project. It exits
	// 2 too, without the hint to read --help, which would not help.
	Settings bool
	// For is the command whose --help the hint names; "" is the command
	// that ran.
	For string
}

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

// settingsError is a usage error in the settings (see UsageError.Settings).
func settingsError(err error) error {
	if err == nil {
		return nil
	}
	var u *UsageError
	if errors.As(err, &u) {
		u.Settings = true
		return err
	}
	return &UsageError{Err: err, Settings: true}
}

// SilentError ends the command with a code and no message: the command has
// already said what there was to say (verify's report, for example).
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return "exit status" }
