package auditlog_test

import (
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func TestParseUser(t *testing.T) {
	const uuid = "e7d1c8a4-1b7a-4a0f-9d5e-2f1c3b4a5d6e"
	tests := []struct {
		in   string
		want auditlog.UserRef
	}{
		{uuid, auditlog.UserRef{Kind: auditlog.UserRawID, Input: uuid, RawID: uuid}},
		{"  " + uuid + "\n", auditlog.UserRef{Kind: auditlog.UserRawID, Input: uuid, RawID: uuid}},
		{"u1", auditlog.UserRef{Kind: auditlog.UserRawID, Input: "u1", RawID: "u1"}},
		// 32 digits and dashes is no phone number: a UUID of digits.
		{"12345678-1234-1234-1234-123456789012", auditlog.UserRef{Kind: auditlog.UserRawID,
			Input: "12345678-1234-1234-1234-123456789012", RawID: "12345678-1234-1234-1234-123456789012"}},
		{"12345", auditlog.UserRef{Kind: auditlog.UserRawID, Input: "12345", RawID: "12345"}},
		{strings.Repeat("x", 200), auditlog.UserRef{Kind: auditlog.UserRawID, Input: strings.Repeat("x", 200), RawID: strings.Repeat("x", 200)}},
		{"VXNlcjp1MQ", auditlog.UserRef{Kind: auditlog.UserNodeID, Input: "VXNlcjp1MQ", RawID: "u1"}},
		{"VXNlcjp1MQ==", auditlog.UserRef{Kind: auditlog.UserNodeID, Input: "VXNlcjp1MQ==", RawID: "u1"}},
		{auditlog.UserNodeIDOf(uuid), auditlog.UserRef{Kind: auditlog.UserNodeID, Input: auditlog.UserNodeIDOf(uuid), RawID: uuid}},
		// "User:a?>" in standard base64 has a /, in base64url a _.
		{"VXNlcjphPz4/", auditlog.UserRef{Kind: auditlog.UserNodeID, Input: "VXNlcjphPz4/", RawID: "a?>?"}},
		{"VXNlcjphPz4_", auditlog.UserRef{Kind: auditlog.UserNodeID, Input: "VXNlcjphPz4_", RawID: "a?>?"}},
		{"alice@example.com", auditlog.UserRef{Kind: auditlog.UserEmail, Input: "alice@example.com", Value: "alice@example.com"}},
		{"Alice.Smith+audit@Example.COM", auditlog.UserRef{Kind: auditlog.UserEmail, Input: "Alice.Smith+audit@Example.COM", Value: "alice.smith+audit@example.com"}},
		{"+85298765432", auditlog.UserRef{Kind: auditlog.UserPhone, Input: "+85298765432", Value: "+85298765432"}},
		{"+852 9876 5432", auditlog.UserRef{Kind: auditlog.UserPhone, Input: "+852 9876 5432", Value: "+85298765432"}},
		{"+1 (415) 555-0100", auditlog.UserRef{Kind: auditlog.UserPhone, Input: "+1 (415) 555-0100", Value: "+14155550100"}},
		{"+44.20.7946.0958", auditlog.UserRef{Kind: auditlog.UserPhone, Input: "+44.20.7946.0958", Value: "+442079460958"}},
		{"+12345678", auditlog.UserRef{Kind: auditlog.UserPhone, Input: "+12345678", Value: "+12345678"}},
		{"+123456789012345", auditlog.UserRef{Kind: auditlog.UserPhone, Input: "+123456789012345", Value: "+123456789012345"}},
	}
	for _, tt := range tests {
		got, err := auditlog.ParseUser(tt.in)
		if err != nil {
			t.Errorf("ParseUser(%q): %v", tt.in, err)
			continue
		}
		if got.Kind != tt.want.Kind || got.Input != tt.want.Input || got.Value != tt.want.Value ||
			got.RawID != tt.want.RawID || len(got.ResolvedIDs) != 0 {
			t.Errorf("ParseUser(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseUserErrors(t *testing.T) {
	const e164 = "(+85298765432)"
	tests := []struct{ in, want string }{
		{"", "empty user: give a user ID, a User node ID, an email address or a phone number in E.164 (+85298765432)"},
		{"   ", "empty user: give a user ID, a User node ID, an email address or a phone number in E.164 (+85298765432)"},
		{"a b", `invalid user "a b": give a user ID, a User node ID, an email address or a phone number in E.164 (+85298765432)`},
		{"a\x00b", `invalid user "a\x00b": give a user ID, a User node ID, an email address or a phone number in E.164 (+85298765432)`},
		{"a\xffb", `invalid user "a\xffb": not valid UTF-8`},
		{strings.Repeat("x", 201), `invalid user "` + strings.Repeat("x", 80) + `"...: longer than 200 bytes; give a user ID, a User node ID, an email address or a phone number in E.164 (+85298765432)`},
		{auditlog.EventNodeID("ev1"), `invalid user "QXVkaXRMb2c6ZXYx": that is the node ID of an AuditLog, not of a User`},
		{"a@b", `invalid email address "a@b": the domain after the @ needs a dot, as in example.com`},
		{"a@b.", `invalid email address "a@b.": the domain after the @ needs a dot, as in example.com`},
		{"a@.com", `invalid email address "a@.com": the domain after the @ needs a dot, as in example.com`},
		{"@example.com", `invalid email address "@example.com": nothing before the @`},
		{"a@b@example.com", `invalid email address "a@b@example.com": it has more than one @`},
		{"a b@example.com", `invalid email address "a b@example.com": it contains spaces or control characters`},
		{"98765432", `phone number "98765432" has no country code: write it in E.164, + then the country code and number ` + e164},
		{"9876 5432", `phone number "9876 5432" has no country code: write it in E.164, + then the country code and number ` + e164},
		{"(852) 9876-5432", `phone number "(852) 9876-5432" has no country code: write it in E.164, + then the country code and number ` + e164},
		{"+1234567", `invalid phone number "+1234567": E.164 has 8 to 15 digits after the + ` + e164},
		{"+1234567890123456", `invalid phone number "+1234567890123456": E.164 has 8 to 15 digits after the + ` + e164},
		{"+", `invalid phone number "+": E.164 has 8 to 15 digits after the + ` + e164},
		{"+0085298765432", `invalid phone number "+0085298765432": a country code never starts with 0 ` + e164},
		{"+852-9876-543x", `invalid phone number "+852-9876-543x": use E.164, + then the country code and number, 8 to 15 digits ` + e164},
	}
	for _, tt := range tests {
		got, err := auditlog.ParseUser(tt.in)
		if err == nil {
			t.Errorf("ParseUser(%q) = %+v, want error %s", tt.in, got, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseUser(%q)\n got %s\nwant %s", tt.in, err, tt.want)
		}
	}
}

func TestNodeIDs(t *testing.T) {
	if got := auditlog.UserNodeIDOf("u1"); got != "VXNlcjp1MQ" {
		t.Errorf("UserNodeIDOf(u1) = %s", got)
	}
	if got := auditlog.EventNodeID("ev1"); got != "QXVkaXRMb2c6ZXYx" {
		t.Errorf("EventNodeID(ev1) = %s", got)
	}
	for _, raw := range []string{"u1", "e7d1c8a4-1b7a-4a0f-9d5e-2f1c3b4a5d6e", "ünïcode", "a:b:c", "?>?>"} {
		if got, ok := auditlog.UserIDFromNodeID(auditlog.UserNodeIDOf(raw)); !ok || got != raw {
			t.Errorf("UserIDFromNodeID(UserNodeIDOf(%q)) = %q, %v", raw, got, ok)
		}
		if got, ok := auditlog.EventIDFromNodeID(auditlog.EventNodeID(raw)); !ok || got != raw {
			t.Errorf("EventIDFromNodeID(EventNodeID(%q)) = %q, %v", raw, got, ok)
		}
	}
	bad := []string{
		"", "u1", "not base64!", "VXNlcjo", // "User:" with no ID
		auditlog.EventNodeID("ev1"), // an AuditLog where a User is wanted
		"VXNlcjp1MQ=",               // bad padding
		"dXNlcjp1MQ",                // "user:u1": the type is case-sensitive
		"VXNlcjoKCg",                // "User:\n\n"
	}
	for _, s := range bad {
		if got, ok := auditlog.UserIDFromNodeID(s); ok {
			t.Errorf("UserIDFromNodeID(%q) = %q, want not a node ID", s, got)
		}
	}
	if got, ok := auditlog.EventIDFromNodeID(auditlog.UserNodeIDOf("u1")); ok {
		t.Errorf("EventIDFromNodeID(a User node ID) = %q", got)
	}
	if got, ok := auditlog.EventIDFromNodeID("QXVkaXRMb2c6ZXYx"); !ok || got != "ev1" {
		t.Errorf("EventIDFromNodeID = %q, %v", got, ok)
	}
}
