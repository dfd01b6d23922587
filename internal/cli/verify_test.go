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

// An archive written before gzip came from klauspost/compress (by
// authgear-audit when it compressed with the standard library's
// compress/gzip, in testdata) still verifies offline, and its files still
// read: every event the manifest counts is there.
func TestVerifyArchiveOfCompressGzip(t *testing.T) {
	dir := filepath.Join("testdata", "archive-compress-gzip")
	app, out, errb := newTestApp(t, nil)
	if code := runApp(t, app, "verify", "--offline", dir); code != ExitOK {
		t.Fatalf("verify --offline: exit %d\n%s%s", code, out, errb)
	}
	if !strings.Contains(out.String(), "2 files, 283 events") || !strings.Contains(out.String(), "ok: complete and clean") {
		t.Errorf("report:\n%s", out)
	}
	for name, want := range map[string]int{
		"audit-20261127T091256Z-20261128T091256Z.jsonl.gz": 72,
		"audit-20261128T091256Z-20261129T091256Z.jsonl.gz": 211,
	} {
		app, out, errb := newTestApp(t, nil)
		if code := runApp(t, app, "search", "--input", filepath.Join(dir, name), "--limit", "0", "-o", "jsonl"); code != ExitOK {
			t.Fatalf("search --input %s: exit %d\n%s", name, code, errb)
		}
		if got := strings.Count(out.String(), "\n"); got != want {
			t.Errorf("search --input %s: %d events, want %d", name, got, want)
		}
	}
}
