package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// An export folder, stdin and several files are inputs of search, count
// and verify: a folder through its manifest's files in time order, else
// its *.jsonl and *.csv files in name order; stdin sniffed like a file.
func TestInputFolderStdinAndMany(t *testing.T) {
	s, start := stateServer(t, 51)
	dir := t.TempDir()
	state, out := filepath.Join(dir, "state.json"), filepath.Join(dir, "archive")
	t1, t2 := start.Add(4*24*time.Hour), start.Add(10*24*time.Hour)
	for _, until := range []time.Time{t1, t2} {
		if code, _, errb := runExportCmd(t, s, "export", "--state", state, "--out-dir", out, "--since", rfc(start), "--until", rfc(until)); code != 0 {
			t.Fatalf("export: exit %d: %s", code, errb)
		}
	}
	objs := loadObjects(t, out)
	if len(objs) != 2 {
		t.Fatalf("objects %+v", objs)
	}
	first, second := filepath.Join(out, objs[0].Key), filepath.Join(out, objs[1].Key)
	all := s.Select(adminapi.Selection{From: start, To: t2})
	before := s.Select(adminapi.Selection{From: start, To: t1})

	// The same files without a manifest, names chosen so that name order
	// is time order, beside a file that is not an export.
	bare := filepath.Join(dir, "bare")
	if err := os.Mkdir(bare, 0o700); err != nil {
		t.Fatal(err)
	}
	for i, f := range []string{first, second} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bare, "part-"+strconv.Itoa(i)+".jsonl.gz"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bare, "README.txt"), []byte("not an export\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	firstRaw, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}

	run := func(t *testing.T, stdin []byte, args ...string) (int, string, string) {
		t.Helper()
		app, stdout, errb := newTestApp(t, nil)
		if stdin != nil {
			app.IO.In = strings.NewReader(string(stdin))
		}
		code := runApp(t, app, args...)
		return code, stdout.String(), errb.String()
	}
	searches := []struct {
		name  string
		stdin []byte
		args  []string
		want  []adminapitest.Event
	}{
		{"folder with a manifest", nil, []string{"--input", out}, all},
		{"folder without one", nil, []string{"--input", bare}, all},
		{"stdin, gzipped", firstRaw, []string{"--input", "-"}, before},
		{"two files", nil, []string{"--input", first, "--input", second}, all},
		{"stdin and a file", firstRaw, []string{"--input", "-", "--input", second}, all},
	}
	for _, tt := range searches {
		t.Run("search/"+tt.name, func(t *testing.T) {
			code, stdout, errb := run(t, tt.stdin, append([]string{"search", "--sort", "asc", "--limit", "0", "-o", "jsonl"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkExactlyOnce(t, jsonlEvents(t, []byte(stdout)), tt.want, false)
		})
		t.Run("count/"+tt.name, func(t *testing.T) {
			code, stdout, errb := run(t, tt.stdin, append([]string{"count", "-o", "json"}, tt.args...)...)
			if code != 0 || strings.TrimSpace(stdout) != strconv.Itoa(len(tt.want)) {
				t.Fatalf("exit %d, count %q, want %d: %s", code, stdout, len(tt.want), errb)
			}
		})
	}

	// An email address read from stdin: its owner is found in the user
	// snapshots, which takes a second reading of stdin.
	t.Run("count stdin by email", func(t *testing.T) {
		var email string
		for _, e := range before {
			if e.Recipient != "" && strings.Contains(e.Recipient, "@") {
				email = e.Recipient
				break
			}
		}
		if email == "" {
			t.Fatal("no email recipient in the fixture")
		}
		code, fromFile, errb := run(t, nil, "count", "-o", "json", "--input", first, "--user", email)
		if code != 0 {
			t.Fatalf("file: exit %d: %s", code, errb)
		}
		code, fromStdin, errb := run(t, firstRaw, "count", "-o", "json", "--input", "-", "--user", email)
		if code != 0 || fromStdin != fromFile || fromFile == "0\n" {
			t.Errorf("stdin counts %q (exit %d: %s), the file %q", fromStdin, code, errb, fromFile)
		}
	})

	verifies := []struct {
		name  string
		stdin []byte
		args  []string
		want  string
	}{
		{"folder with a manifest", nil, []string{"verify", "--offline", out}, "ok: complete and clean"},
		{"folder without one", nil, []string{"verify", "--offline", "--input", bare}, "ok: clean"},
		{"two files", nil, []string{"verify", "--offline", "--input", first, "--input", second}, first + ", " + second + ": 2 files, "},
		{"stdin", firstRaw, []string{"verify", "--offline", "--input", "-"}, "stdin: 1 file, " + strconv.Itoa(len(before)) + " events"},
	}
	for _, tt := range verifies {
		t.Run("verify/"+tt.name, func(t *testing.T) {
			code, stdout, errb := run(t, tt.stdin, tt.args...)
			if code != 0 || !strings.Contains(stdout, tt.want) {
				t.Errorf("exit %d, report lacks %q:\n%s%s", code, tt.want, stdout, errb)
			}
		})
	}
	t.Run("verify the second file alone against the API", func(t *testing.T) {
		code, stdout, errb := runExportCmd(t, s, "verify", "--input", second, "--since", rfc(t1), "--until", rfc(t2))
		if code != 0 || !strings.Contains(stdout.String(), "ok: complete and clean") {
			t.Errorf("exit %d:\n%s%s", code, stdout, errb)
		}
	})
	t.Run("a folder with a manifest among other inputs", func(t *testing.T) {
		code, _, errb := run(t, nil, "verify", "--offline", "--input", out, "--input", first)
		if code != ExitUsage || !strings.Contains(errb, "verify it alone") {
			t.Errorf("exit %d: %s", code, errb)
		}
	})
}
