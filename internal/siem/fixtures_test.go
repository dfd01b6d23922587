package siem

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// t0 is the createdAt of the first fixture event.
var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// fixtures are events as the API returns them, with the characters that each
// format must escape in the fields an attacker controls.
func fixtures() []*auditlog.Event {
	return []*auditlog.Event{
		{
			ID: "0000000000130d3f", CreatedAt: t0, ActivityType: "USER_AUTHENTICATED",
			UserID: "6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f", IPAddress: "203.0.113.7",
			UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)", ClientID: "portal",
			Data: json.RawMessage(`{"context":{"app_id":"myapp","client_id":"portal","geo_location_code":"HK","ip_address":"203.0.113.7","timestamp":1795600800,"triggered_by":"user","user_id":"6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f"},"id":"0000000000130d3f","payload":{"user":{"standard_attributes":{"email":"alice@example.com"}}},"seq":4711,"type":"user.authenticated"}`),
		},
		{
			ID: "0000000000130d40", CreatedAt: t0.Add(1500 * time.Millisecond), ActivityType: "AUTHENTICATION_PRIMARY_PASSWORD_FAILED",
			UserID: "u-2", IPAddress: "2001:db8::4",
			UserAgent: `curl/8.0 "quoted" back\slash ]bracket [sd] 日本語` + "\ttab",
			Data:      json.RawMessage(`{"context":{"app_id":"myapp","user_id":"u-2","geo_location_code":null},"payload":{"login_id":"bob\u2028","ratio":0.25,"big":12345678901},"type":"authentication.primary.password.failed"}`),
		},
		{
			ID: "0000000000130d41", CreatedAt: t0.Add(2 * time.Second), ActivityType: "ADMIN_API_MUTATION_DELETE_USER_EXECUTED",
			Data: json.RawMessage(`{"context":{"triggered_by":"admin_api"},"payload":{"list":[1,"two",true,null],"obj":{}},"type":"admin_api.mutation.executed"}`),
		},
	}
}

// post sends body to a test server that handler answers and returns the
// status and body of its answer.
func post(t *testing.T, f Format, body []byte, handler http.HandlerFunc) (int, []byte) {
	t.Helper()
	srv := httptest.NewServer(handler)
	defer srv.Close()
	resp, err := http.Post(srv.URL, f.ContentType(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, answer
}

// sameRecord fails the test unless got (a record as -o jsonl writes it,
// decoded) holds every field of want.
func sameRecord(t *testing.T, got []byte, want *auditlog.Event) {
	t.Helper()
	var e auditlog.Event
	if err := json.Unmarshal(got, &e); err != nil {
		t.Fatalf("record %s: %v", got, err)
	}
	if !e.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("record %s: createdAt %v, want %v", want.ID, e.CreatedAt, want.CreatedAt)
	}
	e.CreatedAt = want.CreatedAt
	if !sameJSON(e.Data, want.Data) {
		t.Errorf("record %s: data %s, want %s", want.ID, e.Data, want.Data)
	}
	e.Data = want.Data
	if !equalEvent(&e, want) {
		t.Errorf("record %s:\n got %+v\nwant %+v", want.ID, e, *want)
	}
}

func equalEvent(a, b *auditlog.Event) bool {
	return a.ID == b.ID && a.CreatedAt.Equal(b.CreatedAt) && a.ActivityType == b.ActivityType &&
		a.UserID == b.UserID && a.IPAddress == b.IPAddress && a.UserAgent == b.UserAgent &&
		a.ClientID == b.ClientID && sameJSON(a.Data, b.Data)
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// An event that the record encoder refuses leaves dst as it was, in every format.
func TestEncodeRefusalLeavesDst(t *testing.T) {
	for _, f := range httpFormats() {
		evs := fixtures()
		evs[1].CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		body, err := f.Encode([]byte("kept"), evs)
		if err == nil || !strings.Contains(err.Error(), evs[1].ID) {
			t.Errorf("%s: Encode of a createdAt in year 10000 = %v, want an error naming %s", f.Name(), err, evs[1].ID)
		}
		if string(body) != "kept" {
			t.Errorf("%s: after the refusal dst is %.40q", f.Name(), body)
		}
	}
}

func httpFormats() []Format {
	return []Format{Splunk(SplunkOptions{}), Elasticsearch(ElasticOptions{}), OTLP(false), OTLP(true)}
}
