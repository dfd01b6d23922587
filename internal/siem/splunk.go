package siem

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// SplunkOptions are the metadata of every event sent to Splunk HEC. Empty
// Source and SourceType take the defaults below; empty Host and Index are
// left out, so that HEC applies the token's defaults.
type SplunkOptions struct {
	Host       string
	Source     string // default "authgear"
	SourceType string // default "authgear:audit"
	Index      string
}

// Splunk returns the format of HEC's /services/collector/event endpoint: one
// JSON object per event, one per line, whose event is the record that
// -o jsonl writes.
func Splunk(opts SplunkOptions) Format {
	if opts.Source == "" {
		opts.Source = "authgear"
	}
	if opts.SourceType == "" {
		opts.SourceType = "authgear:audit"
	}
	// Everything between "time" and the record is the same for every
	// event, so it is encoded once.
	meta := struct {
		Host       string `json:"host,omitempty"`
		Source     string `json:"source"`
		SourceType string `json:"sourcetype"`
		Index      string `json:"index,omitempty"`
	}{opts.Host, opts.Source, opts.SourceType, opts.Index}
	b, err := json.Marshal(meta)
	if err != nil {
		panic(err) // strings always marshal
	}
	// b is {"source":...}: keep its fields, without the braces.
	middle := append([]byte{','}, b[1:len(b)-1]...)
	return &splunk{middle: append(middle, `,"event":`...)}
}

type splunk struct {
	middle []byte // ,"host":...,"event":
}

func (*splunk) Name() string        { return "splunk" }
func (*splunk) ContentType() string { return "application/json" }

func (s *splunk) Encode(dst []byte, events []*auditlog.Event) ([]byte, error) {
	start := len(dst)
	for _, e := range events {
		dst = append(dst, `{"time":`...)
		dst = appendEpoch(dst, e)
		dst = append(dst, s.middle...)
		var err error
		if dst, err = output.AppendJSON(dst, e); err != nil {
			return dst[:start], err
		}
		dst = append(dst, "}\n"...)
	}
	return dst, nil
}

// appendEpoch appends createdAt as HEC's time: epoch seconds, with
// milliseconds (HEC's resolution) only when there are any.
func appendEpoch(dst []byte, e *auditlog.Event) []byte {
	t := e.CreatedAt
	dst = strconv.AppendInt(dst, t.Unix(), 10)
	if ms := t.Nanosecond() / 1e6; ms != 0 {
		dst = append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	}
	return dst
}

// hecAnswer is the body of every HEC answer.
type hecAnswer struct {
	Text               string `json:"text"`
	Code               *int   `json:"code"`
	InvalidEventNumber *int   `json:"invalid-event-number"`
}

func (*splunk) Check(body []byte) error {
	var a hecAnswer
	if err := json.Unmarshal(body, &a); err != nil || a.Code == nil {
		return fmt.Errorf("splunk: the answer is not from HEC (expected {\"text\":\"Success\",\"code\":0}): %s", excerpt(body))
	}
	if *a.Code == 0 {
		return nil
	}
	if a.InvalidEventNumber != nil {
		return fmt.Errorf("splunk HEC refused the batch: code %d, %q, at event %d of the batch", *a.Code, a.Text, *a.InvalidEventNumber)
	}
	return fmt.Errorf("splunk HEC refused the batch: code %d, %q", *a.Code, a.Text)
}

// excerpt is the start of a receiver's answer, made safe for one line of an
// error message.
func excerpt(body []byte) string {
	const max = 200
	s := string(body)
	if len(s) > max {
		s = s[:max] + "..."
	}
	return output.Sanitize(s)
}
