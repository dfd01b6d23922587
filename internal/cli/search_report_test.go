package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSearchSaysWhatItDid: on a terminal, search says which file it wrote
// and when --limit cut the result; in a pipe, in cron and with --quiet it
// says nothing.
func TestSearchSaysWhatItDid(t *testing.T) {
	s := tableServer(t) // three events
	dir := t.TempDir()
	tests := []struct {
		name   string
		outTTY bool
		errTTY bool
		args   []string
		want   string // the line on stderr; "" for none
		rows   int    // events written to stdout
	}{
		{"limit cut, terminal", true, true, []string{"--limit", "2"}, "showing the 2 newest; --limit 0 for all", 2},
		{"limit cut, oldest first", true, true, []string{"--limit", "1", "--sort", "asc"}, "showing the 1 oldest; --limit 0 for all", 1},
		{"limit not reached", true, true, []string{"--limit", "3"}, "", 3},
		{"no limit", true, true, []string{"--limit", "0"}, "", 3},
		{"limit cut, --quiet", true, true, []string{"--limit", "2", "--quiet"}, "", 2},
		{"limit cut, a pipe", false, true, []string{"--limit", "2"}, "", 2},
		{"limit cut, cron", false, false, []string{"--limit", "2"}, "", 2},
		{"to a file", false, true, []string{"--out", filepath.Join(dir, "week2.csv")}, "wrote 3 events to " + filepath.Join(dir, "week2.csv"), 0},
		{"to a file, limit cut", true, true, []string{"--out", filepath.Join(dir, "a.jsonl"), "--limit", "1"},
			"wrote the 1 newest event to " + filepath.Join(dir, "a.jsonl") + "; --limit 0 for all", 0},
		{"to a file, cron", false, false, []string{"--out", filepath.Join(dir, "b.jsonl")}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, out, errb := newAPITestApp(t, map[string]string{"NO_COLOR": "1"})
			app.IO.OutTTY = tt.outTTY
			app.IO.ErrTTY = tt.errTTY
			args := append([]string{"search", "-o", "jsonl"}, tt.args...)
			if strings.Contains(tt.name, "file") {
				args = append([]string{"search"}, tt.args...)
			}
			if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			var want []string
			if tt.want != "" {
				want = []string{tt.want}
			}
			if got := stderrLines(errb); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("stderr %q, want %q", got, want)
			}
			if got := len(jsonlEvents(t, out.Bytes())); got != tt.rows {
				t.Errorf("%d events on stdout, want %d", got, tt.rows)
			}
		})
	}
}

// TestSearchReportOfAnExport: the count has its thousands grouped, as in
// export's summary, and --input reports the same way.
func TestSearchReportOfAnExport(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	var b strings.Builder
	for i := range 1234 {
		fmt.Fprintf(&b, `{"id":"e%d","createdAt":"2026-11-01T00:%02d:%02dZ","activityType":"USER_CREATED","data":{}}`+"\n", i, i/60%60, i%60)
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	app, _, errb := newTestApp(t, nil)
	app.IO.ErrTTY = true
	out := filepath.Join(dir, "week2.csv")
	if code := runApp(t, app, "search", "--input", in, "--limit", "0", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if got, want := strings.TrimSpace(errb.String()), "wrote 1,234 events to "+out; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	app, stdout, errb := newTestApp(t, nil)
	app.IO.ErrTTY = true
	app.IO.OutTTY = true
	if code := runApp(t, app, "search", "--input", in, "-o", "jsonl"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if got, want := strings.TrimSpace(errb.String()), "showing the 100 newest; --limit 0 for all"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if evs := jsonlEvents(t, stdout.Bytes()); len(evs) != 100 || evs[0].ID != "e1233" {
		t.Errorf("%d events, the first %v; want the 100 newest", len(evs), evs[:1])
	}
}
