package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestExportFlags checks the flag rules of export and what validate
// derives from them, without a server.
func TestExportFlags(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive")
	aFile := filepath.Join(dir, "plain")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	csvOut := filepath.Join(dir, "x.csv")
	type o = exportOptions
	cases := []flagCase[o]{
		{name: "defaults on a pipe", check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "jsonl")
			wantEqual(t, "out", o.OutPath, "-")
			wantEqual(t, "parallel", o.Parallel, defaultExportParallel)
			wantEqual(t, "lag", o.Lag, defaultExportLag)
			wantEqual(t, "file mode", o.FileMode, os.FileMode(0o600))
			wantEqual(t, "since given", o.SinceGiven, false)
			wantEqual(t, "since expr", o.SinceExpr, "")
		}},
		{name: "defaults on a terminal", tty: true, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "jsonl")
		}},
		{name: "format from the out file", args: []string{"--out", csvOut}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "csv")
			wantEqual(t, "out", o.OutPath, csvOut)
		}},
		{name: "format from a gzip out file", args: []string{"--out", filepath.Join(dir, "x.json.gz")}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "json")
		}},
		{name: "-o beats the out file", args: []string{"--out", csvOut, "-o", "json"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "json")
		}},
		{name: "--format is -o", args: []string{"--format", "csv"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "csv")
		}},
		{name: "out file of no format", args: []string{"--out", filepath.Join(dir, "x.txt")}, want: "--out: cannot tell the format"},
		{name: "unknown -o", args: []string{"-o", "table"}, want: `--output: unknown format "table"`},
		{name: "parallel 0", args: []string{"--parallel", "0"}, want: "--parallel: 0 is out of range: give 1 to 16"},
		{name: "parallel 17", args: []string{"--parallel", "17"}, want: "--parallel: 17 is out of range"},
		{name: "parallel 16", args: []string{"--parallel", "16"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "parallel", o.Parallel, 16)
		}},
		{name: "negative lag", args: []string{"--lag", "-1s"}, want: "--lag: -1s is negative"},
		{name: "lag 0", args: []string{"--lag", "0s"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "lag", o.Lag, time.Duration(0))
		}},
		{name: "file mode", args: []string{"--file-mode", "0o640"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "file mode", o.FileMode, os.FileMode(0o640))
		}},
		{name: "file mode not octal", args: []string{"--file-mode", "rw"}, want: `--file-mode: "rw" is not an octal mode`},
		{name: "file mode beyond 0777", args: []string{"--file-mode", "1777"}, want: `--file-mode: "1777" has bits beyond 0777`},
		{name: "file mode owner cannot read", args: []string{"--file-mode", "0200"}, want: "does not let the owner read"},
		{name: "empty out", args: []string{"--out", ""}, want: "--out: empty"},
		{name: "out-dir", args: []string{"--out-dir", archive, "--no-gzip", "--sign-key", "k.pem"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "out-dir", o.OutDir, archive)
			wantEqual(t, "no gzip", o.NoGzip, true)
			wantEqual(t, "sign key", o.SignKey, "k.pem")
			wantEqual(t, "format", o.Format, "jsonl")
		}},
		{name: "out with out-dir", args: []string{"--out", csvOut, "--out-dir", archive}, want: "--out and --out-dir exclude each other"},
		{name: "out stdout with out-dir", args: []string{"--out", "-", "--out-dir", archive}, want: "--out and --out-dir exclude each other"},
		{name: "out-dir is a file", args: []string{"--out-dir", aFile}, want: "is not a directory"},
		{name: "no-gzip without out-dir", args: []string{"--no-gzip"}, want: "--no-gzip applies to --out-dir"},
		{name: "sign-key without out-dir", args: []string{"--sign-key", "k.pem"}, want: "--sign-key applies to --out-dir"},
		{name: "parquet without out-dir", args: []string{"-o", "parquet"}, want: "--output parquet writes an archive"},
		{name: "parquet to a file", args: []string{"--format", "parquet", "--out", filepath.Join(dir, "x.jsonl")}, want: "--output parquet writes an archive"},
		{name: "parquet archive", args: []string{"--format", "parquet", "--out-dir", archive}, check: func(t *testing.T, o *o) {
			wantEqual(t, "format", o.Format, "parquet")
		}},
		{name: "parquet with columns", args: []string{"-o", "parquet", "--out-dir", archive, "--columns", "id"}, want: "Parquet files have fixed columns"},
		{name: "parquet with csv-raw", args: []string{"-o", "parquet", "--out-dir", archive, "--csv-raw"}, want: "Parquet files have fixed columns"},
		{name: "parquet with no-gzip", args: []string{"-o", "parquet", "--out-dir", archive, "--no-gzip"}, want: "Parquet files are compressed inside"},
		{name: "csv-raw on jsonl", args: []string{"--csv-raw"}, want: "--csv-raw applies to csv output, not jsonl"},
		{name: "columns on jsonl", args: []string{"--columns", "id"}, want: "--columns: columns apply to table and csv"},
		{name: "columns on csv", args: []string{"-o", "csv", "--columns", "id,createdAt", "--csv-raw"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "columns", len(o.Columns), 2)
			wantEqual(t, "csv raw", o.CSVRaw, true)
		}},
		{name: "since as typed", args: []string{"--since", "7d"}, check: func(t *testing.T, o *o) {
			wantEqual(t, "since given", o.SinceGiven, true)
			wantEqual(t, "since expr", o.SinceExpr, "7d")
			wantTime(t, "since", o.Filter.Since, testNow().Add(-7*24*time.Hour))
		}},
		{name: "since after until", args: []string{"--since", "2026-11-10", "--until", "2026-11-10T00:00:00Z"}, want: "is not before --until"},
		{name: "bare date until", args: []string{"--since", "2026-11-10", "--until", "2026-11-10"}, check: func(t *testing.T, o *o) {
			wantTime(t, "until", o.Filter.Until, time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC))
		}},
		{name: "utc and tz", args: []string{"--utc", "--tz", "Asia/Tokyo"}, want: "--utc and --tz both set the zone"},
		{name: "bad tz", args: []string{"--tz", "Mars/Olympus"}, want: `--tz: unknown time zone "Mars/Olympus"`},
		{name: "tz reads typed times", args: []string{"--tz", "Asia/Tokyo", "--since", "2026-11-10"}, check: func(t *testing.T, o *o) {
			wantTime(t, "since", o.Filter.Since, time.Date(2026, 11, 9, 15, 0, 0, 0, time.UTC))
		}},
		{name: "TZ reads typed times", env: map[string]string{"TZ": "Asia/Tokyo"}, args: []string{"--since", "2026-11-10"}, check: func(t *testing.T, o *o) {
			wantTime(t, "since", o.Filter.Since, time.Date(2026, 11, 9, 15, 0, 0, 0, time.UTC))
		}},
		{name: "an argument", args: []string{"november"}, want: `unknown command "november"`},
	}
	runFlagCases(t, "export", cases, NewCmdExport)
}
