package cli

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// verify says what it can and cannot prove of a file written by search:
// newest first is detected and checked as it is; offline and without a
// manifest the file is clean but its completeness unknown (exit 0); an
// open side of the range prints as open.
func TestVerifySearchFile(t *testing.T) {
	s, start := stateServer(t, 65)
	until := start.Add(24 * time.Hour)
	file := filepath.Join(t.TempDir(), "day.jsonl")
	code, _, errb := runExportCmd(t, s, "search", "--since", rfc(start), "--until", rfc(until), "--limit", "0", "--out", file)
	if code != 0 {
		t.Fatalf("search: exit %d: %s", code, errb)
	}
	since := start.Add(12 * time.Hour)
	tests := []struct {
		args []string
		code int
		want []string
		not  []string
	}{
		{[]string{"verify", "--offline", file}, ExitOK,
			[]string{"events, newest first,", "ok: clean", "completeness not checked: no manifest, and offline"}, []string{"complete and clean"}},
		{[]string{"verify", file}, ExitOK,
			[]string{"events, newest first,", "against the API", "ok: complete and clean"}, nil},
		{[]string{"verify", "--offline", file, "--since", rfc(since)}, ExitFailure,
			[]string{"events outside the range", "is before the start of the range [" + rfc(since) + ", open)"}, []string{"0001-01-01"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			code, out, errb := runExportCmd(t, s, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%s%s", code, tt.code, out, errb)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out.String(), w) {
					t.Errorf("report has %q:\n%s", w, out)
				}
			}
		})
	}
}
