package shape

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func event() *auditlog.Event {
	return &auditlog.Event{
		ID: "0000000000130d3f", CreatedAt: t0, ActivityType: "USER_AUTHENTICATED", UserID: "u-1",
		IPAddress: "203.0.113.7", UserAgent: "Mozilla/5.0\x1b[31m", ClientID: "portal",
		Data: json.RawMessage(`{"context":{"geo_location_code":null,"timestamp":1764064800,"preferred_languages":["zh-HK","en"]},` +
			`"payload":{"user":{"id":"u-1"}},"seq":12345678901234567890,"ratio":0.25}`),
	}
}

// anonymous has no user, IP or client: the record leaves them out.
func anonymous() *auditlog.Event {
	return &auditlog.Event{ID: "0000000000000001", CreatedAt: t0.Add(time.Second), ActivityType: "USAGE_ALERT_TRIGGERED", Data: json.RawMessage(`{"context":{}}`)}
}

func shapeEvents(t *testing.T, s Spec, d Dest, evs ...*auditlog.Event) (string, error) {
	t.Helper()
	sh, err := New(s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var b bytes.Buffer
	w := sh.Writer(context.Background(), &b, d)
	for _, e := range evs {
		if err := w.Write(e); err != nil {
			return b.String(), err
		}
	}
	err = w.Close()
	return b.String(), err
}

func TestJQ(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{".activityType", "USER_AUTHENTICATED\nUSAGE_ALERT_TRIGGERED\n"},
		{"{id, ip: .ipAddress}", `{"id":"0000000000130d3f","ip":"203.0.113.7"}` + "\n" + `{"id":"0000000000000001","ip":null}` + "\n"},
		{".data.seq", "12345678901234567890\nnull\n"}, // as written, not through float64
		{".data.ratio // empty", "0.25\n"},
		{".data.context.preferred_languages[]?", "zh-HK\nen\n"},
		{"select(.userID == null) | .id", "0000000000000001\n"},
		{".createdAt", "2026-11-25T10:00:00Z\n2026-11-25T10:00:01Z\n"},
		{"keys | length", "8\n4\n"}, // the record as -o jsonl writes it
		{"if .userID then . else halt end | .userID", "u-1\n"},
		{".data.context.timestamp + 1", "1764064801\n1\n"}, // null + 1 is 1 in jq
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := shapeEvents(t, Spec{JQ: tt.expr}, Dest{}, event(), anonymous())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestJQErrors(t *testing.T) {
	for _, expr := range []string{".foo |", "map(", "nosuchfunction(1)", "{a:}", "$undefined"} {
		_, err := New(Spec{JQ: expr})
		if err == nil {
			t.Errorf("New(%q): no error", expr)
			continue
		}
		if !strings.HasPrefix(err.Error(), "--jq: ") || !strings.Contains(err.Error(), expr) {
			t.Errorf("New(%q) = %v: want --jq, the expression and gojq's message", expr, err)
		}
	}
	// A failure at run time names the flag and the event.
	_, err := shapeEvents(t, Spec{JQ: ".data.context[0]"}, Dest{}, event())
	if err == nil || !strings.Contains(err.Error(), "--jq, event 0000000000130d3f: ") || !strings.Contains(err.Error(), "expected an array") {
		t.Errorf("run-time error %v", err)
	}
	if _, err := New(Spec{JQ: ".", Template: "x"}); err == nil {
		t.Error("--jq and --template together: no error")
	}
	if s, err := New(Spec{}); s != nil || err != nil {
		t.Errorf("New of nothing = %v, %v", s, err)
	}
}

func TestTemplate(t *testing.T) {
	hk, err := time.LoadLocation("Asia/Hong_Kong")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	now := func() time.Time { return t0.Add(3 * time.Hour) }
	tests := []struct {
		name, tpl, want string
		color           bool
	}{
		{"fields, newline added", `{{.id}} {{.activityType}}`, "0000000000130d3f USER_AUTHENTICATED\n0000000000000001 USAGE_ALERT_TRIGGERED\n", false},
		{"absent and null print nothing", `[{{.userID}}|{{.ipAddress}}|{{.data.context.geo_location_code}}|{{.data.payload.recipient}}]`, "[u-1|203.0.113.7||]\n[|||]\n", false},
		{"if on an absent field", `{{if .userID}}user {{.userID}}{{else}}no user{{end}}`, "user u-1\nno user\n", false},
		{"empty output prints nothing", `{{if .clientID}}{{.clientID}}{{end}}`, "portal\n", false},
		{"own newline kept", "{{.id}}\n", "0000000000130d3f\n0000000000000001\n", false},
		{"timefmt in the zone", `{{timefmt "2006-01-02 15:04 MST" .createdAt}}`, "2026-11-25 18:00 HKT\n2026-11-25 18:00 HKT\n", false},
		{"timefmt of Unix seconds", `{{timefmt "15:04:05" .data.context.timestamp}}`, "18:00:00\n", false},
		{"timeago", `{{timeago .createdAt}}`, "3 hours ago\n2 hours ago\n", false},
		{"truncate", `{{truncate 10 .userAgent}}|{{truncate 3 .activityType}}`, "Mozilla...|USE\n|USA\n", false},
		{"join", `{{join ", " .data.context.preferred_languages}}`, "zh-HK, en\n", false},
		{"json", `{{json .data.context}}`, `{"geo_location_code":null,"preferred_languages":["zh-HK","en"],"timestamp":1764064800}` + "\n{}\n", false},
		{"numbers print as written and compare", `{{.data.context.timestamp}}{{with .data.context.timestamp}} {{if gt . 1000}}big{{end}}{{end}}`, "1764064800 big\n", false},
		{"color off", `{{color "red+bold" .activityType}}`, "USER_AUTHENTICATED\nUSAGE_ALERT_TRIGGERED\n", false},
		{"color on", `{{color "red+bold" .id}}`, "\x1b[31;1m0000000000130d3f\x1b[0m\n\x1b[31;1m0000000000000001\x1b[0m\n", true},
		{"range and variables", `{{range $i, $l := .data.context.preferred_languages}}{{if $i}},{{end}}{{$l}}{{end}}`, "zh-HK,en\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := Spec{Template: tt.tpl, Zone: hk, Now: now}
			got, err := shapeEvents(t, spec, Dest{Color: tt.color}, event(), anonymous())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	for _, tpl := range []string{"{{.id", "{{nosuch .id}}", "{{end}}", "{{timefmt}}x{{"} {
		_, err := New(Spec{Template: tpl})
		if err == nil || !strings.HasPrefix(err.Error(), "--template: ") {
			t.Errorf("New(%q) = %v, want a --template error", tpl, err)
		}
	}
	for tpl, want := range map[string]string{
		`{{color "blink" .id}}`:      `unknown style "blink"`,
		`{{timefmt "15:04" .id}}`:    "is not an RFC 3339 time",
		`{{truncate 3 .data}}`:       "an object is not text: use json",
		`{{join "," .activityType}}`: "a string is not a list",
	} {
		_, err := shapeEvents(t, Spec{Template: tpl}, Dest{}, event())
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "--template, event 0000000000130d3f: ") {
			t.Errorf("%s: %v, want %q", tpl, err, want)
		}
	}
}

// On a terminal the data's escape sequences are shown escaped; colours
// of the color helper still work.
func TestTerminal(t *testing.T) {
	got, err := shapeEvents(t, Spec{JQ: ".userAgent"}, Dest{Terminal: true}, event())
	if err != nil || got != `Mozilla/5.0\e[31m`+"\n" {
		t.Errorf("jq on a terminal: %q, %v", got, err)
	}
	got, err = shapeEvents(t, Spec{JQ: "{ua: .userAgent}"}, Dest{Terminal: true}, event())
	if err != nil || got != `{"ua":"Mozilla/5.0\u001b[31m"}`+"\n" {
		t.Errorf("jq JSON on a terminal: %q, %v", got, err)
	}
	got, err = shapeEvents(t, Spec{Template: `{{color "green" .userAgent}}`}, Dest{Terminal: true, Color: true}, event())
	if err != nil || got != "\x1b[32m"+`Mozilla/5.0\e[31m`+"\x1b[0m\n" {
		t.Errorf("template on a terminal: %q, %v", got, err)
	}
	got, err = shapeEvents(t, Spec{JQ: ".userAgent"}, Dest{}, event())
	if err != nil || got != "Mozilla/5.0\x1b[31m\n" {
		t.Errorf("jq in a pipe is raw: %q, %v", got, err)
	}
}

func TestValue(t *testing.T) {
	rows := []struct {
		Key   string `json:"key"`
		Count int    `json:"count"`
	}{{"USER_AUTHENTICATED", 12}, {"EMAIL_SENT", 3}}
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{JQ: ".[] | select(.count > 5) | .key"}, "USER_AUTHENTICATED\n"},
		{Spec{JQ: "map(.count) | add"}, "15\n"},
		{Spec{Template: `{{range .}}{{.key}}={{.count}} {{end}}`}, "USER_AUTHENTICATED=12 EMAIL_SENT=3 \n"},
		{Spec{Template: `{{len .}} kinds, first {{(index . 0).key}}`}, "2 kinds, first USER_AUTHENTICATED\n"},
		{Spec{Template: `{{join "," (pluck "key" .)}}`}, "USER_AUTHENTICATED,EMAIL_SENT\n"},
	} {
		spec, want := tt.spec, tt.want
		sh, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := sh.Value(context.Background(), &b, Dest{}, rows); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%+v: %q, want %q", spec, b.String(), want)
		}
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteErrors(t *testing.T) {
	sh, _ := New(Spec{JQ: ".id"})
	w := sh.Writer(context.Background(), failingWriter{syscall.EPIPE}, Dest{FlushEach: true})
	err := w.Write(event())
	if !errors.Is(err, syscall.EPIPE) || strings.Contains(err.Error(), "--jq") {
		t.Errorf("Write = %v, want the write error itself", err)
	}
	if err := w.Close(); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Close = %v", err)
	}
}

func TestInterrupted(t *testing.T) {
	sh, _ := New(Spec{JQ: "repeat(.)"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b bytes.Buffer
	err := sh.Writer(ctx, &b, Dest{}).Write(event())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write = %v, want context.Canceled", err)
	}
}
