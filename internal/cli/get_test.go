package cli

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

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
		{"no ID", []string{"get"}, "requires at least 1 arg(s), only received 0 (usage: authgear-audit get ID... [flags])", ExitUsage},
		{"two unknown IDs", []string{"get", "a", "b"}, "no audit log entries with IDs a, b", ExitFailure},
		{"an empty ID", []string{"get", "a", " "}, "get: an event ID is empty: give the IDs as search prints them (the id field), each non-empty", ExitUsage},
		{"bad format", []string{"get", "a", "-o", "csv"}, `--output: unknown format "csv": use table, json, jsonl`, ExitUsage},
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
			if out.Len() != 0 && out.String() != "[]\n" {
				t.Errorf("stdout = %q", out)
			}
		})
	}
}

// TestGetSeveral: several IDs, raw or node, print in the order given, in
// each format; an unknown one is reported after the others, with exit 1.
func TestGetSeveral(t *testing.T) {
	s := bigStandIn(t)
	var want []auditlog.Event
	for _, typ := range []string{"USER_AUTHENTICATED", "EMAIL_SENT", "USER_CREATED"} {
		evs := s.Select(adminapi.Selection{ActivityTypes: []string{typ}})
		want = append(want, evs[len(evs)/2].Record())
	}
	ids := []string{want[0].ID, auditlog.EventNodeID(want[1].ID), want[2].ID}
	run := func(t *testing.T, tty bool, args ...string) (int, string, string) {
		t.Helper()
		app, out, errb := newAPITestApp(t, map[string]string{"TZ": "Asia/Hong_Kong"})
		app.IO.OutTTY = tty
		code := runApp(t, app, append(append([]string{"get"}, args...), connArgs(t, s)...)...)
		return code, out.String(), errb.String()
	}
	order := func(t *testing.T, got []auditlog.Event) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%d events, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i].ID != want[i].ID {
				t.Errorf("event %d is %s, want %s", i, got[i].ID, want[i].ID)
			}
		}
	}

	code, out, errb := run(t, false, append(slices.Clone(ids), "-o", "jsonl")...)
	if code != 0 {
		t.Fatalf("jsonl: exit %d: %s", code, errb)
	}
	order(t, jsonlEvents(t, []byte(out)))

	code, out, errb = run(t, false, ids...)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errb)
	}
	var arr []auditlog.Event
	if err := json.Unmarshal([]byte(out), &arr); err != nil || !strings.HasPrefix(out, "[\n  {\n    \"id\"") {
		t.Fatalf("json of several IDs is not an indented array: %v\n%s", err, out)
	}
	order(t, arr)
	if !strings.Contains(out, `"createdAt": "`+want[0].CreatedAt.UTC().Format(time.RFC3339)+`"`) {
		t.Errorf("json does not carry the UTC time:\n%s", out)
	}

	code, out, errb = run(t, true, ids...)
	if code != 0 {
		t.Fatalf("table: exit %d: %s", code, errb)
	}
	blocks := strings.Split(strings.TrimSuffix(out, "\n"), "\n\n")
	if len(blocks) != len(want) {
		t.Fatalf("%d blocks, want %d:\n%s", len(blocks), len(want), out)
	}
	for i, b := range blocks {
		lines := strings.Split(b, "\n")
		if lines[0] != "id:           "+want[i].ID {
			t.Errorf("block %d starts %q, want the ID %s with the key column as wide as activityType:", i, lines[0], want[i].ID)
		}
		if wantTime := "createdAt:    " + want[i].CreatedAt.In(time.FixedZone("", 8*3600)).Format("2006-01-02 15:04:05") + " +08"; lines[1] != wantTime {
			t.Errorf("block %d: %q, want %q", i, lines[1], wantTime)
		}
		// The data block: keys as wide as the longest of them.
		longest := 0
		for _, l := range lines {
			if k, _, _ := strings.Cut(l, ": "); strings.HasPrefix(k, "data") {
				longest = max(longest, len(k))
			}
		}
		for _, l := range lines {
			if strings.HasPrefix(l, "data") && (len(l) < longest+3 || l[longest+1] != ' ' || l[longest+2] == ' ') {
				t.Errorf("block %d: %q is not aligned at %d", i, l, longest+2)
			}
		}
	}

	code, out, errb = run(t, false, ids[0], "no-such-event", ids[1], "-o", "jsonl")
	if code != ExitFailure || !strings.Contains(errb, "no audit log entry with ID no-such-event") {
		t.Errorf("an unknown ID: exit %d: %s", code, errb)
	}
	if got := jsonlEvents(t, []byte(out)); len(got) != 2 || got[0].ID != want[0].ID || got[1].ID != want[1].ID {
		t.Errorf("an unknown ID: the others are not shown in order: %v", got)
	}
}
