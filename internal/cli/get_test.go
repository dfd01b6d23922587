package cli

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func TestGet(t *testing.T) {
	s := bigStandIn(t)
	// An event of a user, with an IP address: every field is there.
	var want *auditlog.Event
	for _, e := range s.Select(adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}}) {
		if e.UserID != "" && e.IPAddress != "" && e.ClientID != "" {
			r := e.Record()
			want = &r
			break
		}
	}
	if want == nil {
		t.Fatal("no complete USER_AUTHENTICATED event")
	}
	tests := []struct {
		name string
		id   string
		args []string
		tty  bool
		json bool
	}{
		{name: "raw ID, piped: json", id: want.ID, json: true},
		{name: "node ID, piped: json", id: auditlog.EventNodeID(want.ID), json: true},
		{name: "raw ID on a terminal: table", id: want.ID, tty: true},
		{name: "node ID, -o table", id: auditlog.EventNodeID(want.ID), args: []string{"-o", "table"}},
		{name: "-o json on a terminal", id: want.ID, args: []string{"-o", "json"}, tty: true, json: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newAPITestApp(t, nil)
			app.IO.OutTTY = tt.tty
			args := append(append([]string{"get", tt.id}, tt.args...), connArgs(t, s)...)
			if code := runApp(t, app, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if !tt.json {
				text := out.String()
				for _, part := range []string{want.ID, want.ActivityType, want.IPAddress, want.ClientID} {
					if !strings.Contains(text, part) {
						t.Errorf("the table does not show %q:\n%s", part, text)
					}
				}
				if strings.HasPrefix(text, "{") {
					t.Errorf("table output is JSON:\n%s", text)
				}
				return
			}
			if !bytes.Contains(out.Bytes(), []byte("\n  \"")) {
				t.Errorf("JSON is not indented:\n%s", out)
			}
			var got auditlog.Event
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("output is not one JSON event: %v\n%s", err, out)
			}
			var gotData, wantData any
			_ = json.Unmarshal(got.Data, &gotData)
			_ = json.Unmarshal(want.Data, &wantData)
			want := *want
			got.Data, want.Data = nil, nil
			if !got.CreatedAt.Equal(want.CreatedAt) {
				t.Errorf("createdAt %s, want %s", got.CreatedAt, want.CreatedAt)
			}
			got.CreatedAt = want.CreatedAt
			if !jsonEqual(got, want) || !jsonEqual(gotData, wantData) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestGetErrors(t *testing.T) {
	s := bigStandIn(t)
	tests := []struct {
		name string
		args []string
		msg  string
		code int
	}{
		{"unknown raw ID", []string{"get", "no-such-event"}, "no audit log entry with ID no-such-event", ExitFailure},
		{"unknown node ID", []string{"get", auditlog.EventNodeID("no-such-event")}, "no audit log entry with ID " + auditlog.EventNodeID("no-such-event"), ExitFailure},
		{"no ID", []string{"get"}, "accepts 1 arg(s), received 0 (usage: authgear-audit get ID [flags])", ExitUsage},
		{"two IDs", []string{"get", "a", "b"}, "accepts 1 arg(s), received 2 (usage: authgear-audit get ID [flags])", ExitUsage},
		{"bad format", []string{"get", "a", "-o", "csv"}, `--output: unknown format "csv": use table or json`, ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newAPITestApp(t, nil)
			code := runApp(t, app, append(slices.Clone(tt.args), connArgs(t, s)...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if lines := stderrLines(errb); len(lines) == 0 || lines[0] != "authgear-audit: "+tt.msg {
				t.Errorf("stderr = %q, want first line %q", lines, "authgear-audit: "+tt.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
		})
	}
}
