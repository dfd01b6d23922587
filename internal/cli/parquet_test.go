package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// export --out-dir DIR --format parquet, then search, count and verify
// read the archive (and one of its files alone) with the same filters.
func TestExportParquetThenRead(t *testing.T) {
	s, start := stateServer(t, 43)
	out := filepath.Join(t.TempDir(), "archive")
	until := start.Add(3 * 24 * time.Hour)
	code, _, errb := runExportCmd(t, s, "export", "--out-dir", out, "--format", "parquet", "--since", rfc(start), "--until", rfc(until))
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errb)
	}
	days, _ := filepath.Glob(filepath.Join(out, "dt=*", "audit-*.parquet"))
	if len(days) != 3 {
		t.Fatalf("%d Parquet files, want one for each of the 3 days: %v", len(days), days)
	}
	for _, p := range days {
		day := filepath.Base(filepath.Dir(p))
		if !strings.Contains(filepath.Base(p), "audit-"+strings.ReplaceAll(strings.TrimPrefix(day, "dt="), "-", "")) {
			t.Errorf("%s is not in the partition of its day", p)
		}
	}

	inRange := len(s.Events())
	for _, e := range s.Events() {
		if !e.CreatedAt.Before(until) {
			inRange--
		}
	}
	run := func(args ...string) (int, string, string) {
		app, stdout, stderr := newTestApp(t, nil)
		code := runApp(t, app, args...)
		return code, stdout.String(), stderr.String()
	}
	code, stdout, stderr := run("search", "--input", out, "--limit", "0", "-o", "jsonl")
	if code != 0 || strings.Count(stdout, "\n") != inRange {
		t.Errorf("search: exit %d, %d lines, want %d: %s", code, strings.Count(stdout, "\n"), inRange, stderr)
	}
	code, stdout, stderr = run("count", "--input", out, "--activity", "authentication", "--by", "day", "-o", "csv")
	if code != 0 || !strings.Contains(stdout, "day") {
		t.Errorf("count: exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run("verify", "--offline", out)
	if code != 0 || !strings.Contains(stdout+stderr, strconv.Itoa(inRange)) {
		t.Errorf("verify --offline: exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run("search", "--input", days[0], "--limit", "0", "-o", "jsonl", "--activity", "authentication")
	if code != 0 || stdout == "" {
		t.Errorf("search one file: exit %d: %s", code, stderr)
	}
	code, _, stderr = run("verify", "--offline", "--input", days[1])
	if code != 0 {
		t.Errorf("verify one file: exit %d: %s", code, stderr)
	}
	raw, err := os.ReadFile(days[2])
	if err != nil {
		t.Fatal(err)
	}
	app, stdout2, stderr2 := newTestApp(t, nil)
	app.IO.In = strings.NewReader(string(raw))
	if code := runApp(t, app, "count", "--input", "-", "--by", "activity"); code != 0 || stdout2.Len() == 0 {
		t.Errorf("count from stdin: exit %d: %s", code, stderr2)
	}
}

func TestExportParquetUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "-o", "parquet", "--out", filepath.Join(dir, "x.parquet")}, "give --out-dir"},
		{[]string{"export", "--format", "parquet"}, "give --out-dir"},
		{[]string{"export", "--format", "parquet", "--out-dir", dir, "--no-gzip"}, "compressed inside"},
		{[]string{"export", "--format", "parquet", "--out-dir", dir, "--columns", "id"}, "fixed columns"},
		{[]string{"export", "--format", "xml", "--out-dir", dir}, "jsonl, csv, json, parquet"},
	} {
		app, _, errb := newTestApp(t, nil)
		if code := runApp(t, app, tc.args...); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
