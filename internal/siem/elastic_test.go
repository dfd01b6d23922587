package siem

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// bulkReceiver parses a _bulk body as Elasticsearch does for what this
// format sends: an action line with exactly one create and its _index and
// _id, then the document. It keeps documents by _id, answers 409 for an _id
// it has, and refuses the IDs in fail with the item error given there.
type bulkReceiver struct {
	t    *testing.T
	fail map[string]bulkItemInfo
	mu   sync.Mutex
	docs map[string]json.RawMessage
	idx  map[string]string
}

func newBulkReceiver(t *testing.T) *bulkReceiver {
	return &bulkReceiver{t: t, fail: map[string]bulkItemInfo{}, docs: map[string]json.RawMessage{}, idx: map[string]string{}}
}

func (b *bulkReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		b.t.Errorf("Content-Type %q", ct)
	}
	type item map[string]bulkItemInfo
	var items []item
	anyErr := false
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var action map[string]struct {
			Index *string `json:"_index"`
			ID    *string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &action); err != nil || len(action) != 1 {
			http.Error(w, `{"error":{"type":"illegal_argument_exception","reason":"Malformed action/metadata line"},"status":400}`, http.StatusBadRequest)
			return
		}
		a, ok := action["create"]
		if !ok || a.ID == nil || a.Index == nil {
			http.Error(w, `{"error":{"type":"action_request_validation_exception","reason":"create needs _index and _id"},"status":400}`, http.StatusBadRequest)
			return
		}
		if !sc.Scan() {
			http.Error(w, `{"error":{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\n]"},"status":400}`, http.StatusBadRequest)
			return
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			b.t.Errorf("document of %s: %v", *a.ID, err)
		}
		var ts time.Time
		if err := json.Unmarshal(doc["@timestamp"], &ts); err != nil {
			b.t.Errorf("document of %s: @timestamp %s: %v", *a.ID, doc["@timestamp"], err)
		}
		it := bulkItemInfo{ID: *a.ID, Status: 201}
		if f, refuse := b.fail[*a.ID]; refuse {
			it = f
			it.ID = *a.ID
		} else if _, exists := b.docs[*a.ID]; exists {
			it.Status = 409
			it.Error = &struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			}{"version_conflict_engine_exception", "[" + *a.ID + "]: version conflict, document already exists"}
		} else {
			b.docs[*a.ID] = append(json.RawMessage(nil), sc.Bytes()...)
			b.idx[*a.ID] = *a.Index
		}
		anyErr = anyErr || it.Error != nil
		items = append(items, item{"create": it})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"took": 3, "errors": anyErr, "items": items})
}

func TestElasticsearchWireFormat(t *testing.T) {
	f := Elasticsearch(ElasticOptions{Index: "audit-authgear"})
	evs := fixtures()
	body, err := f.Encode(nil, evs)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(body), "\n"); n != 2*len(evs) || !strings.HasSuffix(string(body), "\n") {
		t.Fatalf("body has %d lines, want %d, each ended by a newline", n, 2*len(evs))
	}
	if want := `{"create":{"_index":"audit-authgear","_id":"0000000000130d3f"}}` + "\n"; !strings.HasPrefix(string(body), want) {
		t.Errorf("first action line %q, want %q", strings.SplitAfter(string(body), "\n")[0], want)
	}
	rcv := newBulkReceiver(t)
	status, answer := post(t, f, body, rcv.ServeHTTP)
	if status != http.StatusOK {
		t.Fatalf("receiver answered %d %s", status, answer)
	}
	if err := f.Check(answer); err != nil {
		t.Fatalf("Check(%s) = %v", answer, err)
	}
	for _, e := range evs {
		doc, ok := rcv.docs[e.ID]
		if !ok {
			t.Errorf("event %s not stored", e.ID)
			continue
		}
		if rcv.idx[e.ID] != "audit-authgear" {
			t.Errorf("event %s in index %q", e.ID, rcv.idx[e.ID])
		}
		var fields map[string]json.RawMessage
		_ = json.Unmarshal(doc, &fields)
		var ts time.Time
		_ = json.Unmarshal(fields["@timestamp"], &ts)
		if !ts.Equal(e.CreatedAt) {
			t.Errorf("event %s: @timestamp %s, want %v", e.ID, fields["@timestamp"], e.CreatedAt)
		}
		delete(fields, "@timestamp")
		rest, _ := json.Marshal(fields)
		sameRecord(t, rest, e)
	}
}

// Delivering a batch again, whole or in part, stores nothing twice and is
// accepted: the 409 of create means the event is already there.
func TestElasticsearchRedeliveryIsAccepted(t *testing.T) {
	f := Elasticsearch(ElasticOptions{})
	evs := fixtures()
	rcv := newBulkReceiver(t)
	for i, batch := range [][]int{{0}, {0, 1, 2}, {0, 1, 2}} {
		var sub = evs[:0:0]
		for _, j := range batch {
			sub = append(sub, evs[j])
		}
		body, err := f.Encode(nil, sub)
		if err != nil {
			t.Fatal(err)
		}
		_, answer := post(t, f, body, rcv.ServeHTTP)
		if i > 0 && !strings.Contains(string(answer), `"status":409`) {
			t.Fatalf("delivery %d: the receiver saw no duplicate: %s", i, answer)
		}
		if err := f.Check(answer); err != nil {
			t.Fatalf("delivery %d: Check = %v", i, err)
		}
	}
	if len(rcv.docs) != len(evs) {
		t.Errorf("receiver holds %d documents, want %d", len(rcv.docs), len(evs))
	}
	for id := range rcv.idx {
		if rcv.idx[id] != "authgear-audit" {
			t.Errorf("event %s in index %q, want the default authgear-audit", id, rcv.idx[id])
		}
	}
}

func TestElasticsearchCheckRefusals(t *testing.T) {
	mapping := bulkItemInfo{Status: 400, Error: &struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	}{"document_parsing_exception", "failed to parse field [data.payload.big] of type [integer]"}}
	busy := bulkItemInfo{Status: 429, Error: &struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	}{"es_rejected_execution_exception", "rejected execution"}}
	tests := []struct {
		name      string
		fail      map[string]bulkItemInfo
		wantErr   string
		retryable bool
	}{
		{"one refused", map[string]bulkItemInfo{"0000000000130d40": mapping},
			"refused 1 of 3 events; the first, 0000000000130d40: status 400, document_parsing_exception: failed to parse field [data.payload.big]", false},
		{"busy", map[string]bulkItemInfo{"0000000000130d3f": busy, "0000000000130d41": busy},
			"refused 2 of 3 events as too busy (429)", true},
		{"refused beats busy", map[string]bulkItemInfo{"0000000000130d3f": busy, "0000000000130d41": mapping},
			"refused 2 of 3 events; the first, 0000000000130d41", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Elasticsearch(ElasticOptions{})
			rcv := newBulkReceiver(t)
			rcv.fail = tt.fail
			body, err := f.Encode(nil, fixtures())
			if err != nil {
				t.Fatal(err)
			}
			_, answer := post(t, f, body, rcv.ServeHTTP)
			err = f.Check(answer)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check = %v, want %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrRetryable) != tt.retryable {
				t.Errorf("errors.Is(%v, ErrRetryable) = %v, want %v", err, !tt.retryable, tt.retryable)
			}
		})
	}
}

func TestElasticsearchCheckAnswers(t *testing.T) {
	tests := []struct {
		answer, wantErr string
	}{
		{`{"took":1,"errors":false,"items":[{"create":{"_id":"a","status":201}}]}`, ""},
		{`{"took":1,"errors":true,"items":[{"create":{"_id":"a","status":409,"error":{"type":"version_conflict_engine_exception"}}}]}`, ""},
		{`{"took":1,"errors":true,"items":[]}`, "without items"},
		{`{"took":1,"errors":true,"items":[{"create":{"_id":"a\u001b[31m","status":400}}]}`, `the first, a\e[31m: status 400`},
		// As Elasticsearch 8 answers: a created item, a duplicate, a mapping error.
		{`{"took":30,"errors":true,"items":[` +
			`{"create":{"_index":"authgear-audit","_id":"a","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}},` +
			`{"create":{"_index":"authgear-audit","_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[b]: version conflict, document already exists (current version [1])","index_uuid":"aAsFqTI0Tc2W0LCWgPNrOA","shard":"0","index":"authgear-audit"}}}]}`, ""},
		{`{"took":3,"errors":true,"items":[` +
			`{"create":{"_index":"authgear-audit","_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[b]: version conflict"}}},` +
			`{"create":{"_index":"authgear-audit","_id":"c","status":400,"error":{"type":"document_parsing_exception","reason":"[1:120] failed to parse field [data.seq] of type [date]","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse date field [4711]"}}}}]}`,
			"refused 1 of 2 events; the first, c: status 400, document_parsing_exception: [1:120] failed to parse field [data.seq] of type [date]"},
		{`{"error":{"type":"security_exception"},"status":403}`, "not from _bulk"},
		{`not json`, "not from _bulk"},
	}
	for _, tt := range tests {
		err := Elasticsearch(ElasticOptions{}).Check([]byte(tt.answer))
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Check(%s) = %v, want %q", tt.answer, err, tt.wantErr)
		}
	}
}
