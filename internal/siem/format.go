package siem

import (
	"errors"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// Format encodes a batch of events as one request body for one kind of HTTP receiver.
type Format interface {
	Name() string // "splunk", "elasticsearch", "otlp", "otlp-proto"
	ContentType() string
	// Encode appends the body of one request holding events to dst. On
	// error (an event that no receiver could take) dst comes back as it was.
	Encode(dst []byte, events []*auditlog.Event) ([]byte, error)
	// Check reads the body of a 2xx answer and returns an error when the
	// receiver refused part of the batch (for example _bulk's per-item
	// errors); nil when all of it was accepted.
	Check(body []byte) error
}

// ErrRetryable is wrapped by the errors of Check when the receiver refused
// only because it was busy (an Elasticsearch item answered 429), so sending
// the same batch again later may succeed. Resending is safe: every format
// that can report it makes redelivery idempotent.
var ErrRetryable = errors.New("the receiver was busy; send the batch again later")

// validUTF8 replaces each byte of s that is not UTF-8 with U+FFFD, as the
// record's JSON encoder does, so that a field reads the same in the record
// and beside it.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}
