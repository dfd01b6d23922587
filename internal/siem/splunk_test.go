package siem

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
)

// hecEvent is what HEC's /services/collector/event reads from each object.
type hecEvent struct {
	Time       *float64        `json:"time"`
	Host       *string         `json:"host"`
	Source     string          `json:"source"`
	SourceType string          `json:"sourcetype"`
	Index      *string         `json:"index"`
	Event      json.RawMessage `json:"event"`
}

// hecReceiver parses a body the way HEC does: JSON objects one after the
// other, each with an event; the first one that is not is refused with
// HEC's code 6 and its number. It keeps what it accepted.
func hecReceiver(t *testing.T, got *[]hecEvent) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		for n := 0; ; n++ {
			var e hecEvent
			err := dec.Decode(&e)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || len(e.Event) == 0 || e.Time == nil {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"text":"Invalid data format","code":6,"invalid-event-number":`+itoa(n)+`}`)
				return
			}
			*got = append(*got, e)
		}
		_, _ = io.WriteString(w, `{"text":"Success","code":0}`)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestSplunkWireFormat(t *testing.T) {
	tests := []struct {
		name          string
		opts          SplunkOptions
		host, index   *string
		source, stype string
	}{
		{"defaults", SplunkOptions{}, nil, nil, "authgear", "authgear:audit"},
		{"all set", SplunkOptions{Host: "auth.example.com", Source: "src \"q\"", SourceType: "st", Index: "security"},
			ptr("auth.example.com"), ptr("security"), "src \"q\"", "st"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Splunk(tt.opts)
			evs := fixtures()
			body, err := f.Encode([]byte("kept"), evs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(body, []byte("kept")) {
				t.Fatalf("Encode did not append to dst: %.20q", body)
			}
			var got []hecEvent
			status, answer := post(t, f, body[4:], hecReceiver(t, &got))
			if status != http.StatusOK {
				t.Fatalf("receiver answered %d %s", status, answer)
			}
			if err := f.Check(answer); err != nil {
				t.Fatalf("Check(%s) = %v", answer, err)
			}
			if len(got) != len(evs) {
				t.Fatalf("receiver got %d events, want %d", len(got), len(evs))
			}
			for i, e := range got {
				want := evs[i]
				if wantT := float64(want.CreatedAt.UnixMilli()) / 1000; math.Abs(*e.Time-wantT) > 1e-6 {
					t.Errorf("event %d: time %v, want %v", i, *e.Time, wantT)
				}
				if !equalPtr(e.Host, tt.host) || !equalPtr(e.Index, tt.index) || e.Source != tt.source || e.SourceType != tt.stype {
					t.Errorf("event %d: host %v index %v source %q sourcetype %q", i, e.Host, e.Index, e.Source, e.SourceType)
				}
				sameRecord(t, e.Event, want)
			}
		})
	}
}

// The event is byte for byte the record that -o jsonl writes, and each
// object is on a line of its own.
func TestSplunkEventIsTheJSONLRecord(t *testing.T) {
	e := fixtures()[1]
	body, err := Splunk(SplunkOptions{}).Encode(nil, fixtures()[1:2])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":1795600801.500,"source":"authgear","sourcetype":"authgear:audit","event":{"id":"` + e.ID + `",`
	if !strings.HasPrefix(string(body), want) || !strings.HasSuffix(string(body), string(e.Data)+"}}\n") {
		t.Errorf("body %s\nwant prefix %s", body, want)
	}
	if strings.Count(string(body), "\n") != 1 {
		t.Errorf("body %q is not one line", body)
	}
}

func TestSplunkCheck(t *testing.T) {
	tests := []struct {
		answer  string
		wantErr string // "" for accepted
	}{
		{`{"text":"Success","code":0}`, ""},
		{`{"text":"Success","code":0,"ackId":7}`, ""},
		{`{"text":"Invalid data format","code":6,"invalid-event-number":2}`, `code 6, "Invalid data format", at event 2`},
		{`{"text":"Incorrect index","code":7}`, `code 7, "Incorrect index"`},
		{`<html>proxy</html>`, "not from HEC"},
		{`{"text":"Success"}`, "not from HEC"},
		{``, "not from HEC"},
	}
	for _, tt := range tests {
		err := Splunk(SplunkOptions{}).Check([]byte(tt.answer))
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Check(%s) = %v, want %q", tt.answer, err, tt.wantErr)
		}
	}
}

// A refusal seen by the receiver reaches Check with HEC's own words.
func TestSplunkCheckReportsRefusal(t *testing.T) {
	f := Splunk(SplunkOptions{})
	body, err := f.Encode(nil, fixtures())
	if err != nil {
		t.Fatal(err)
	}
	body = append(body, `{"time":1}`...) // an object without event
	var got []hecEvent
	_, answer := post(t, f, body, hecReceiver(t, &got))
	if err := f.Check(answer); err == nil || !strings.Contains(err.Error(), "at event 3") {
		t.Errorf("Check = %v, want the refusal of event 3", err)
	}
}

func ptr(s string) *string { return &s }

func equalPtr(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
