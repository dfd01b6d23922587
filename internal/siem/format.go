package siem

import (
	"errors"

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
