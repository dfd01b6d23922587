package siem

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/output/jsonscan"
)

// ElasticOptions name where _bulk writes. An empty Index is "authgear-audit".
type ElasticOptions struct {
	Index string // an index, an alias or a data stream
}

// Elasticsearch returns the format of the _bulk API of Elasticsearch and
// OpenSearch. Every event is a "create" with _id = the event ID: a second
// delivery of the same event is refused as a conflict (409), which Check
// counts as accepted, so redelivery neither duplicates nor overwrites, and
// create is also the action that data streams take.
func Elasticsearch(opts ElasticOptions) Format {
	if opts.Index == "" {
		opts.Index = "authgear-audit"
	}
	index, err := json.Marshal(opts.Index)
	if err != nil {
		panic(err) // strings always marshal
	}
	return &elastic{action: append(append([]byte(`{"create":{"_index":`), index...), `,"_id":`...)}
}

type elastic struct {
	action []byte // {"create":{"_index":"...","_id":
}

func (*elastic) Name() string        { return "elasticsearch" }
func (*elastic) ContentType() string { return "application/x-ndjson" }

// Encode writes two lines per event, the action and the document; the
// document is the record of -o jsonl with @timestamp (createdAt) first.
func (x *elastic) Encode(dst []byte, events []*auditlog.Event) ([]byte, error) {
	start := len(dst)
	for _, e := range events {
		dst = append(dst, x.action...)
		dst = jsonscan.AppendString(dst, e.ID, true) // as the record writes it
		dst = append(dst, "}}\n"...)
		dst = append(dst, `{"@timestamp":"`...)
		dst = e.CreatedAt.UTC().AppendFormat(dst, time.RFC3339Nano)
		dst = append(dst, `",`...)
		recStart := len(dst)
		var err error
		if dst, err = output.AppendJSON(dst, e); err != nil {
			return dst[:start], err
		}
		// The record starts with its own "{": drop it, @timestamp opened the object.
		dst = append(dst[:recStart], dst[recStart+1:]...)
		dst = append(dst, '\n')
	}
	return dst, nil
}

// bulkAnswer is the part of a _bulk answer that tells what was refused.
type bulkAnswer struct {
	Errors *bool                     `json:"errors"`
	Items  []map[string]bulkItemInfo `json:"items"`
}

type bulkItemInfo struct {
	ID     string `json:"_id"`
	Status int    `json:"status"`
	Error  *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// Check accepts an answer whose items were all created or already there
// (409). Items refused because the cluster was busy (429) make the error
// wrap ErrRetryable; any other refusal names the first refused event.
func (*elastic) Check(body []byte) error {
	var a bulkAnswer
	if err := json.Unmarshal(body, &a); err != nil || a.Errors == nil {
		return fmt.Errorf("elasticsearch: the answer is not from _bulk (expected {\"errors\":...,\"items\":[...]}): %s", excerpt(body))
	}
	if !*a.Errors {
		return nil
	}
	var first, busy *bulkItemInfo
	refused := 0
	for _, item := range a.Items {
		for _, it := range item { // one action per item
			switch {
			case it.Status < 300 || it.Status == 409:
				continue
			case it.Status == 429:
				if busy == nil {
					busy = &it
				}
			default:
				if first == nil {
					first = &it
				}
			}
			refused++
		}
	}
	switch {
	case refused == 0 && len(a.Items) > 0:
		return nil // errors is also set when items already existed (409)
	case first != nil:
		return fmt.Errorf("elasticsearch refused %d of %d events; the first, %s: %s", refused, len(a.Items), output.Sanitize(first.ID), first.describe())
	case busy != nil:
		return fmt.Errorf("elasticsearch refused %d of %d events as too busy (429): %w", refused, len(a.Items), ErrRetryable)
	default:
		return errors.New("elasticsearch reported errors without items; check the cluster's logs")
	}
}

func (it *bulkItemInfo) describe() string {
	if it.Error == nil {
		return fmt.Sprintf("status %d", it.Status)
	}
	return output.Sanitize(fmt.Sprintf("status %d, %s: %s", it.Status, it.Error.Type, it.Error.Reason))
}
