package deliver

import (
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// Format encodes a batch of events as one request body for one kind of
// HTTP receiver. The receiver formats of internal/siem have the same
// method set.
type Format interface {
	Name() string
	ContentType() string
	// Encode appends the body of one request holding events to dst.
	Encode(dst []byte, events []*auditlog.Event) ([]byte, error)
	// Check reads the body of a 2xx answer and returns an error when the
	// receiver refused part of the batch; nil when it took all of it.
	Check(body []byte) error
}

// JSONL is the plain format for any HTTP endpoint: one JSON object per
// line, each the record -o jsonl writes, in application/x-ndjson. A 2xx
// answer means the whole batch was taken.
func JSONL() Format { return jsonl{} }

type jsonl struct{}

func (jsonl) Name() string        { return "jsonl" }
func (jsonl) ContentType() string { return "application/x-ndjson" }
func (jsonl) Check([]byte) error  { return nil }

func (jsonl) Encode(dst []byte, events []*auditlog.Event) ([]byte, error) {
	for _, e := range events {
		var err error
		if dst, err = output.AppendJSON(dst, e); err != nil {
			return dst, err
		}
		dst = append(dst, '\n')
	}
	return dst, nil
}
