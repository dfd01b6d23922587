package adminapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// pageBody builds an AuditLogPage answer of n events whose data objects are
// about 1.2 KB each, shaped like the real server's (keys in order, a user
// snapshot with a name in Chinese, a context).
func pageBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":{"auditLogs":{"edges":[`)
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		id := fmt.Sprintf("0193a5f2-7c1e-7d3a-9b4e-%012d", i)
		user := fmt.Sprintf("9f1c2d3e-4b5a-6789-abcd-%012d", i%37)
		created := start.Add(time.Duration(i/3) * time.Second)
		data := fmt.Sprintf(`{"context":{"app_id":"myapp","audit_context":{"http_url":"https://myapp.authgear.cloud/oauth2/authorize?client_id=portal&redirect_uri=https%%3A%%2F%%2Fexample.com%%2Fcallback&state=%d"},"client_id":"a1b2c3d4e5f6","geo_location_code":"HK","ip_address":"203.0.113.%d","language":"en","preferred_languages":["en","zh-HK"],"timestamp":%d,"triggered_by":"user","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15","user_id":%q},"id":%q,"payload":{"session":{"acr":"","amr":["pwd","otp"],"created_at":"2026-11-25T09:59:58Z","id":"sess-%d","last_accessed_at":"2026-11-25T10:00:00Z","type":"idp"},"user":{"created_at":"2025-01-02T03:04:05Z","id":%q,"is_anonymous":false,"is_deactivated":false,"is_disabled":false,"is_verified":true,"last_login_at":"2026-11-25T10:00:00Z","standard_attributes":{"email":"user%d@example.com","email_verified":true,"family_name":"陳","given_name":"大文","name":"陳大文 Chan Tai Man","updated_at":1732528800}}},"seq":%d,"type":"user.authenticated"}`,
			i, i%250, created.Unix(), user, id, i, user, i%37, 4711+i)
		node := fmt.Sprintf(`{"cursor":%q,"node":{"id":%q,"createdAt":%q,"activityType":"USER_AUTHENTICATED","ipAddress":"203.0.113.%d","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)","clientID":"a1b2c3d4e5f6","data":%s}}`,
			encodeOffsetCursor(i), auditlog.EventNodeID(id), created.Format(time.RFC3339), i%250, data)
		b.WriteString(node)
	}
	fmt.Fprintf(&b, `],"pageInfo":{"hasNextPage":true,"endCursor":%q}}}}`, encodeOffsetCursor(n-1))
	return b.Bytes()
}

func encodeOffsetCursor(i int) string {
	return strings.TrimRight(fmt.Sprintf("%x", i), "=") // any string; only carried through
}

// decodePage is the decoding path of Page: the envelope, the generated
// response, and the conversion to events.
func decodePage(c *Client, body []byte) (*Page, error) {
	return decodePageWith(c, body, nil)
}

func decodePageWith(c *Client, body []byte, unmarshal func([]byte, any) error) (*Page, error) {
	var data AuditLogPageResponse
	var res decoded
	var err error
	if unmarshal == nil {
		res, err = decodeResponse(body, &graphql.Response{Data: &data})
	} else {
		res, err = decodeWith(unmarshal, body, &graphql.Response{Data: &data})
	}
	if err != nil {
		return nil, err
	}
	if len(res.errors) > 0 {
		return nil, fmt.Errorf("graphql error: %s", res.errors[0].Message)
	}
	if res.dataNull || data.AuditLogs == nil {
		return nil, fmt.Errorf("no auditLogs")
	}
	return c.convertPage(data.AuditLogs, ""), nil
}

func TestDecodePage(t *testing.T) {
	body := pageBody(100)
	if !json.Valid(body) {
		t.Fatal("test body is not JSON")
	}
	var warnings []string
	c := &Client{opts: Options{Warn: func(s string) { warnings = append(warnings, s) }}}
	p, err := decodePage(c, body)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 100 || p.Edges != 100 || !p.HasNextPage || p.TotalCount != -1 {
		t.Fatalf("page: %d events, %d edges, hasNext %v, total %d", len(p.Events), p.Edges, p.HasNextPage, p.TotalCount)
	}
	e := p.Events[7]
	if e.ID != "0193a5f2-7c1e-7d3a-9b4e-000000000007" || e.UserID != "9f1c2d3e-4b5a-6789-abcd-000000000007" ||
		e.ActivityType != "USER_AUTHENTICATED" || e.IPAddress != "203.0.113.7" || e.ClientID != "a1b2c3d4e5f6" ||
		!e.CreatedAt.Equal(time.Date(2026, 11, 25, 10, 0, 2, 0, time.UTC)) || e.CreatedAt.Location() != time.UTC {
		t.Fatalf("event 7: %+v", e)
	}
	if !json.Valid(e.Data) || !bytes.Contains(body, e.Data) {
		t.Fatal("data not passed through verbatim")
	}
	if len(warnings) > 0 {
		t.Fatalf("warnings: %q", warnings)
	}
	if per := len(body) / 100; per < 1100 || per > 1600 {
		t.Fatalf("%d bytes per event, want about 1.2 KB", per)
	}
}

// TestDecodeOddNodes: null edges, null nodes, null data, null optional
// fields, an ID that is not a node ID.
func TestDecodeOddNodes(t *testing.T) {
	body := `{"data":{"auditLogs":{"edges":[
		{"cursor":"c0","node":{"id":"` + auditlog.EventNodeID("e0") + `","createdAt":"2026-11-25T18:00:00+08:00","activityType":"USER_CREATED","ipAddress":null,"userAgent":null,"clientID":null,"data":{"context":{},"id":"e0"}}},
		{"cursor":"c1","node":null},
		null,
		{"cursor":"c3","node":{"id":"not-a-node-id","createdAt":"2026-11-25T10:00:01Z","activityType":"USER_DELETED","ipAddress":"","userAgent":"","clientID":"","data":{"id":"raw-from-data","context":{"user_id":"u9"}}}},
		{"cursor":"c4","node":{"id":"` + auditlog.EventNodeID("e4") + `","createdAt":"2026-11-25T10:00:02Z","activityType":"EMAIL_SENT","data":null}}
	],"pageInfo":{"hasNextPage":false,"endCursor":null}}}}`
	var warnings []string
	c := &Client{opts: Options{Warn: func(s string) { warnings = append(warnings, s) }}}
	p, err := decodePage(c, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if p.Edges != 5 || len(p.Events) != 3 || p.EndCursor != "" || p.HasNextPage {
		t.Fatalf("page %+v", p)
	}
	if e := p.Events[0]; e.ID != "e0" || e.UserID != "" || e.IPAddress != "" || !e.CreatedAt.Equal(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)) || e.CreatedAt.Location() != time.UTC {
		t.Fatalf("event 0: %+v", e)
	}
	if e := p.Events[1]; e.ID != "raw-from-data" || e.UserID != "u9" {
		t.Fatalf("event 1: %+v", e)
	}
	if e := p.Events[2]; e.ID != "e4" || string(e.Data) != "{}" {
		t.Fatalf("event 2: %+v", e)
	}
	want := []string{
		"the Admin API sent an empty event at cursor c1: skipped",
		"the Admin API sent a null edge at the edge after cursor c1: skipped",
		"event e4 (EMAIL_SENT at 2026-11-25T10:00:02Z) has no data: written as {}",
	}
	if strings.Join(warnings, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
}

// BenchmarkDecodePage decodes a page of 100 events of about 1.2 KB data:
// the envelope, the generated structs and the conversion to events, with
// the decoder the client uses and with encoding/json for comparison. An
// export needs at least 50,000 events per CPU-second.
func BenchmarkDecodePage(b *testing.B) {
	for _, bc := range []struct {
		name      string
		unmarshal func([]byte, any) error
	}{
		{"client", nil},
		{"encoding-json", json.Unmarshal},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := pageBody(100)
			c := &Client{}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				p, err := decodePageWith(c, body, bc.unmarshal)
				if err != nil || len(p.Events) != 100 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "events/s")
			// Per CPU-second of the whole process (GC included), which a
			// busy machine does not distort as it does wall time.
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N)*100/cpu.Seconds(), "events/cpu-s")
			}
		})
	}
}

// FuzzDecodePage feeds arbitrary bytes through the decoding path of a page:
// it must never panic, and return either an error or a page whose counts
// agree.
func FuzzDecodePage(f *testing.F) {
	f.Add(pageBody(2))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`{"data":{"auditLogs":null}}`))
	f.Add([]byte(`{"errors":[{"message":"invalid user IDs"}],"data":null}`))
	f.Add([]byte(`{"data":{"auditLogs":{"edges":[null,{"cursor":"x","node":null},{"cursor":"y","node":{"id":"","createdAt":"2026-11-25T10:00:00Z","activityType":"","data":null}}],"pageInfo":{"hasNextPage":true,"endCursor":""}}}}`))
	f.Add([]byte(`{"data":{"auditLogs":{"edges":[{"cursor":"y","node":{"id":"QXVkaXRMb2c6","createdAt":"bad","data":[1]}}]}}}`))
	f.Add(pageBody(1)[:200])
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := &Client{opts: Options{Warn: func(string) {}}}
		p, err := decodePage(c, body)
		if err != nil {
			return
		}
		if p.Edges < len(p.Events) {
			t.Fatalf("%d edges but %d events", p.Edges, len(p.Events))
		}
		for _, e := range p.Events {
			if len(e.Data) == 0 {
				t.Fatal("event without data")
			}
			if e.CreatedAt.Location() != time.UTC {
				t.Fatal("createdAt not in UTC")
			}
		}
	})
}

// TestDecodeStartsFromZero: what a failed attempt decoded does not survive
// into the next attempt's answer.
func TestDecodeStartsFromZero(t *testing.T) {
	var data AuditLogPageResponse
	resp := &graphql.Response{Data: &data}
	if _, err := decodeResponse([]byte(`{"errors":[{"message":"temporarily unavailable"}],"data":{"auditLogs":{"totalCount":7,"edges":[],"pageInfo":{"hasNextPage":false}}}}`), resp); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeResponse([]byte(`{"data":{"auditLogs":{"edges":[],"pageInfo":{"hasNextPage":false}}}}`), resp); err != nil {
		t.Fatal(err)
	}
	if data.AuditLogs == nil || data.AuditLogs.TotalCount != nil {
		t.Fatalf("totalCount of the first answer survived: %+v", data.AuditLogs)
	}
}

// TestDecodedAnswerOwnsItsBytes: the events decoded from an answer share
// no memory with its bytes, which the client reuses for the next answer.
func TestDecodedAnswerOwnsItsBytes(t *testing.T) {
	body := pageBody(100)
	c := &Client{}
	p, err := decodePage(c, body)
	if err != nil {
		t.Fatal(err)
	}
	before := make([]string, len(p.Events))
	for i, e := range p.Events {
		before[i] = e.ID + e.ActivityType + e.UserID + e.IPAddress + e.UserAgent + e.ClientID + string(e.Data)
	}
	for i := range body {
		body[i] = 'x'
	}
	for i, e := range p.Events {
		if after := e.ID + e.ActivityType + e.UserID + e.IPAddress + e.UserAgent + e.ClientID + string(e.Data); after != before[i] {
			t.Fatalf("event %d changed when the answer's bytes were overwritten", i)
		}
	}
}
