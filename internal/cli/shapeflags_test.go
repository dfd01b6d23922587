package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// shapeStandIn is a small stand-in: 600 events over November 2026.
func shapeStandIn(t *testing.T) (*adminapitest.Server, []adminapitest.Event) {
	t.Helper()
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 11, Count: 600, Nasty: true})
	s := adminapitest.New(t, adminapitest.WithEvents(events, users))
	return s, s.Select(adminapi.Selection{})
}

func lines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// --jq and --template see each event exactly as -o jsonl writes it, and
// print strings raw, other values as compact JSON, one result per line.
func TestShapeEvents(t *testing.T) {
	s, all := shapeStandIn(t)
	run := func(t *testing.T, args ...string) []byte {
		t.Helper()
		app, out, errb := newAPITestApp(t, nil)
		if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb)
		}
		return out.Bytes()
	}

	t.Run("search --jq . is -o jsonl", func(t *testing.T) {
		jsonl := lines(run(t, "search", "--limit", "50", "-o", "jsonl"))
		jq := lines(run(t, "search", "--limit", "50", "--jq", "."))
		if len(jq) != 50 || len(jsonl) != 50 {
			t.Fatalf("%d and %d lines", len(jq), len(jsonl))
		}
		for i := range jq {
			var a, b any
			if err := json.Unmarshal([]byte(jq[i]), &a); err != nil {
				t.Fatalf("line %d is not JSON: %v", i, err)
			}
			_ = json.Unmarshal([]byte(jsonl[i]), &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("line %d differs:\n%s\n%s", i, jq[i], jsonl[i])
			}
		}
	})
	t.Run("search --jq strings raw, one per line", func(t *testing.T) {
		got := lines(run(t, "search", "--limit", "0", "--sort", "asc", "--jq", ".id"))
		if len(got) != len(all) {
			t.Fatalf("%d lines, want %d", len(got), len(all))
		}
		for i, e := range all {
			if got[i] != e.ID {
				t.Fatalf("line %d is %q, want %q", i, got[i], e.ID)
			}
		}
	})
	t.Run("search --jq several results and numbers", func(t *testing.T) {
		got := lines(run(t, "search", "--limit", "3", "--jq", ".data.seq, .data.context.timestamp"))
		if len(got) != 6 {
			t.Fatalf("%d lines, want 6: %q", len(got), got)
		}
		for _, l := range got {
			if _, err := strconv.ParseInt(l, 10, 64); err != nil {
				t.Errorf("%q is not a whole number as written", l)
			}
		}
	})
	t.Run("search --template in the zone of --tz", func(t *testing.T) {
		first := all[len(all)-1] // newest first
		got := lines(run(t, "search", "--limit", "1", "--tz", "+08:00", "--template", `{{.id}} {{timefmt "2006-01-02T15:04:05Z07:00" .createdAt}}`))
		want := first.ID + " " + first.CreatedAt.In(time.FixedZone("", 8*3600)).Format(time.RFC3339)
		if len(got) != 1 || got[0] != want {
			t.Errorf("got %q, want %q", got, want)
		}
		got = lines(run(t, "search", "--limit", "1", "--utc", "--template", `{{timefmt "15:04 MST" .createdAt}}`))
		if want := first.CreatedAt.UTC().Format("15:04 MST"); len(got) != 1 || got[0] != want {
			t.Errorf("--utc: got %q, want %q", got, want)
		}
	})
	t.Run("get --jq and --template", func(t *testing.T) {
		e := all[0]
		if got := string(run(t, "get", e.ID, "--jq", ".activityType")); got != e.ActivityType+"\n" {
			t.Errorf("get --jq = %q", got)
		}
		want := e.ID + " " + e.ActivityType + "\n"
		if got := string(run(t, "get", e.ID, "--template", "{{.id}} {{.activityType}}")); got != want {
			t.Errorf("get --template = %q, want %q", got, want)
		}
	})
	t.Run("count --jq over the -o json array", func(t *testing.T) {
		got := string(run(t, "count", "--by", "activity", "--jq", "map(.count) | add"))
		if got != strconv.Itoa(len(all))+"\n" {
			t.Errorf("sum of the counts %q, want %d", got, len(all))
		}
		got = string(run(t, "count", "--jq", ". * 2"))
		if got != strconv.Itoa(2*len(all))+"\n" {
			t.Errorf("total %q, want %d", got, 2*len(all))
		}
		got = string(run(t, "count", "--by", "activity", "--template", `{{range .}}{{.key}}{{"\n"}}{{end}}`))
		if n := len(lines([]byte(got))); n < 10 {
			t.Errorf("%d activity lines:\n%s", n, got)
		}
	})
}

func TestShapeTail(t *testing.T) {
	s, all := shapeStandIn(t)
	out := &lockedBuffer{}
	app, _, errb := newAPITestApp(t, nil)
	app.IO.Out = out
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	args := append([]string{"tail", "-n", "3", "--interval", "10ms", "--jq", ".id"}, connArgs(t, s)...)
	go func() { done <- run(ctx, app, args) }()
	waitFor(t, "the backlog", done, errb, func() bool { return len(lines(out.Bytes())) >= 3 })
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	want := []string{all[len(all)-3].ID, all[len(all)-2].ID, all[len(all)-1].ID}
	if got := lines(out.Bytes()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tail --jq printed %q, want %q", got, want)
	}
}

// A bad expression or template, or flags that exclude each other, are bad
// usage found before any request.
func TestShapeBadUsage(t *testing.T) {
	s, all := shapeStandIn(t)
	id := all[0].ID
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"search", "--jq", ".foo |"}, `--jq: ".foo |": unexpected EOF`},
		{[]string{"tail", "--jq", "nosuch(1)"}, `--jq: "nosuch(1)": function not defined: nosuch/1`},
		{[]string{"get", id, "--jq", "{a:}"}, `--jq: "{a:}": unexpected token "}"`},
		{[]string{"count", "--by", "day", "--jq", "map("}, `--jq: "map(": unexpected EOF`},
		{[]string{"search", "--template", "{{.id"}, "--template: template:1: unclosed action"},
		{[]string{"count", "--template", "{{nosuch .}}"}, `--template: template:1: function "nosuch" not defined`},
		{[]string{"search", "--jq", " "}, "--jq is empty: give an expression, or leave the flag out"},
		{[]string{"search", "--jq", ".", "-o", "json"}, "--jq and --output exclude each other: give one of them"},
		{[]string{"search", "--template", "x", "--columns", "id"}, "--columns and --template exclude each other: give one of them"},
		{[]string{"search", "--jq", ".", "--out", "x.jsonl"}, "--jq and --out exclude each other: give one of them"},
		{[]string{"tail", "--jq", ".", "--template", "x"}, "--jq and --template exclude each other: give one of them"},
		{[]string{"get", id, "--template", "x", "-o", "json"}, "--output and --template exclude each other: give one of them"},
		{[]string{"count", "--jq", ".", "-o", "csv"}, "--jq and --output exclude each other: give one of them"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			before := s.Requests()
			app, out, errb := newAPITestApp(t, nil)
			if code := runApp(t, app, append(tt.args, connArgs(t, s)...)...); code != ExitUsage {
				t.Errorf("exit %d, want 2: %s", code, errb)
			}
			if l := stderrLines(errb); len(l) == 0 || l[0] != "authgear-audit: "+tt.want {
				t.Errorf("stderr %q, want first %q", l, "authgear-audit: "+tt.want)
			}
			if out.Len() != 0 || s.Requests() != before {
				t.Errorf("stdout %q, %d requests", out, s.Requests()-before)
			}
		})
	}

	// An expression that fails on an event is a failure, naming the event.
	app, _, errb := newAPITestApp(t, nil)
	code := runApp(t, app, append([]string{"search", "--limit", "1", "--sort", "asc", "--jq", ".data[0]"}, connArgs(t, s)...)...)
	if want := "authgear-audit: --jq, event " + id + ": expected an array but got: object"; code != ExitFailure || !strings.HasPrefix(errb.String(), want) {
		t.Errorf("exit %d: %s, want %q", code, errb, want)
	}
}

// On a terminal the data's escape sequences are escaped, and color
// colours only where colour is allowed.
func TestShapeTerminal(t *testing.T) {
	s, _ := shapeStandIn(t)
	for _, tt := range []struct {
		name    string
		env     map[string]string
		flags   []string
		colored bool
	}{
		{"terminal", nil, nil, true},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, nil, false},
		{"--no-color", nil, []string{"--no-color"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newAPITestApp(t, tt.env)
			app.IO.OutTTY = true
			args := append(append([]string{"search", "--limit", "0", "--template", `{{color "red" .activityType}} {{.userAgent}}`}, tt.flags...), connArgs(t, s)...)
			if code := runApp(t, app, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			text := out.String()
			if got := strings.Contains(text, "\x1b[31m"); got != tt.colored {
				t.Errorf("coloured %v, want %v", got, tt.colored)
			}
			if strings.Count(text, "\x1b") != 2*strings.Count(text, "\x1b[31m") {
				t.Error("an escape from the data reached the terminal")
			}
			if !strings.Contains(text, `\e`) {
				t.Error("the nasty user agents are not shown escaped")
			}
		})
	}
}
