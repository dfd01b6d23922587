package output

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// t0 is the time of the first fixture event.
var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// fixtures are events as the API returns them, plus hostile values in the
// fields that an attacker controls (user agent, email, data).
func fixtures() []*auditlog.Event {
	return []*auditlog.Event{
		{
			ID: "0f2c3a90-7c36-4c7d-9a52-6a1e1f0b9d01", CreatedAt: t0, ActivityType: "USER_AUTHENTICATED",
			UserID: "6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f", IPAddress: "203.0.113.7",
			UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
			ClientID:  "portal",
			Data:      json.RawMessage(`{"context":{"app_id":"myapp","client_id":"portal","geo_location_code":"HK","ip_address":"203.0.113.7","language":"en","preferred_languages":["en","zh-HK"],"timestamp":1795687200,"triggered_by":"user","user_agent":"Mozilla/5.0","user_id":"6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f"},"id":"0f2c3a90-7c36-4c7d-9a52-6a1e1f0b9d01","payload":{"user":{"id":"6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f","standard_attributes":{"email":"alice@example.com"}}},"seq":4711,"type":"user.authenticated"}`),
		},
		{
			ID: "ev-ansi", CreatedAt: t0.Add(time.Second), ActivityType: "AUTHENTICATION_PRIMARY_PASSWORD_FAILED",
			UserID: "u-2", IPAddress: "198.51.100.23",
			UserAgent: "curl/8.0 \x1b[31mRED\x1b[0m \x1b]0;pwned title\x07",
			Data:      json.RawMessage(`{"context":{"user_id":"u-2","geo_location_code":null},"payload":{"login_id":"\u001b[2Jbob"},"type":"authentication.primary.password.failed"}`),
		},
		{
			ID: "ev-osc8", CreatedAt: t0.Add(2 * time.Second), ActivityType: "EMAIL_SENT",
			UserAgent: "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
			Data:      json.RawMessage(`{"context":{},"payload":{"recipient":"carol@example.com","type":"verification"},"type":"email.sent"}`),
		},
		{
			ID: "ev-bidi", CreatedAt: t0.Add(3 * time.Second), ActivityType: "USER_PROFILE_UPDATED",
			UserID: "u-4", IPAddress: "2001:db8::4", ClientID: "mobile",
			UserAgent: "App/1.0 \u202egnp.exe\u202c build\u2066x\u2069",
			Data:      json.RawMessage(`{"context":{"user_id":"u-4"},"payload":{"user":{"standard_attributes":{"email":"dave\u202e@example.com","name":"Dave <b>&</b>"}}}}`),
		},
		{
			ID: "ev-formula", CreatedAt: t0.Add(4 * time.Second), ActivityType: "ADMIN_API_MUTATION_DELETE_USER_EXECUTED",
			IPAddress: "192.0.2.1",
			UserAgent: `=HYPERLINK("http://evil","x")`,
			Data:      json.RawMessage(`{"context":{"triggered_by":"admin_api","ip_address":"192.0.2.1"},"payload":{"note":"+1 -2 @sum","empty":"","list":[],"obj":{}}}`),
		},
		{
			ID: "ev-nasty", CreatedAt: t0.Add(5 * time.Second), ActivityType: "SMS_SENT",
			UserAgent: "tab\there\r\nnewline \u0085 next-line \u009b31m c1-csi \x7f del",
			Data:      json.RawMessage(`{"payload":{"recipient":"+85298765432"},"text":"line\u2028sep \"quoted\" back\\slash 日本語"}`),
		},
	}
}

// bulkEvents are n ordinary events of about 1.2 KB each.
func bulkEvents(n int) []*auditlog.Event {
	pad := strings.Repeat("x", 700)
	evs := make([]*auditlog.Event, n)
	for i := range evs {
		id := fmt.Sprintf("e%07d-8c2d-4b1a-9f00-000000000000", i)
		uid := fmt.Sprintf("u%05d-1111-4222-8333-444444444444", i%97)
		evs[i] = &auditlog.Event{
			ID: id, CreatedAt: t0.Add(time.Duration(i) * time.Second), ActivityType: "USER_AUTHENTICATED",
			UserID: uid, IPAddress: "203.0.113.7",
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
			ClientID:  "portal",
			Data: json.RawMessage(fmt.Sprintf(`{"context":{"app_id":"myapp","client_id":"portal","geo_location_code":"HK","ip_address":"203.0.113.7","language":"en","preferred_languages":["en"],"timestamp":%d,"triggered_by":"user","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36","user_id":"%s"},"id":"%s","payload":{"session":{"id":"s-%d","pad":"%s"},"user":{"id":"%s","standard_attributes":{"email":"user%d@example.com"}}},"seq":%d,"type":"user.authenticated"}`,
				t0.Unix()+int64(i), uid, id, i, pad, uid, i%97, i)),
		}
	}
	return evs
}
