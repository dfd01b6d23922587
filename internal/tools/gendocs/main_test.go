package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// env returns a getenv that knows only SOURCE_DATE_EPOCH.
func env(epoch string) func(string) string {
	return func(k string) string {
		if k == "SOURCE_DATE_EPOCH" {
			return epoch
		}
		return ""
	}
}

func noGit() (string, error) { return "", errors.New("git is not available") }

// readTree returns every file under dir by its path relative to dir.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSameOutputOnEveryRun(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := gendocs([]string{"-out", dir}, env("1764104400"), noGit, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	fa, fb := readTree(t, a), readTree(t, b)
	for _, want := range []string{
		"man/authgear-audit.1", "man/authgear-audit-export.1",
		"completions/authgear-audit.bash", "completions/_authgear-audit",
		"completions/authgear-audit.fish", "completions/authgear-audit.ps1",
	} {
		if len(fa[filepath.FromSlash(want)]) == 0 {
			t.Errorf("%s is missing or empty", want)
		}
	}
	if len(fa) != len(fb) {
		t.Fatalf("%d files, then %d", len(fa), len(fb))
	}
	for name, content := range fa {
		if !bytes.Equal(content, fb[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestManPageDate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		epoch  string
		commit func() (string, error)
		want   string
	}{
		{"SOURCE_DATE_EPOCH", "1764104400", noGit, `.TH "AUTHGEAR-AUDIT" "1" "Nov 2025" "authgear-audit" ""`},
		{"SOURCE_DATE_EPOCH wins over the commit", "0", func() (string, error) { return "1764104400\n", nil }, `.TH "AUTHGEAR-AUDIT" "1" "Jan 1970" "authgear-audit" ""`},
		{"commit date", "", func() (string, error) { return "1798675200\n", nil }, `.TH "AUTHGEAR-AUDIT" "1" "Dec 2026" "authgear-audit" ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := gendocs([]string{"-out", dir}, env(tc.epoch), tc.commit, io.Discard); err != nil {
				t.Fatal(err)
			}
			for _, page := range []string{"authgear-audit.1", "authgear-audit-search.1"} {
				if got := thLine(t, filepath.Join(dir, "man", page)); got != tc.want {
					t.Errorf("%s: %s, want %s", page, got, tc.want)
				}
			}
		})
	}
}

func thLine(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), ".TH ") {
			return sc.Text()
		}
	}
	t.Fatalf("%s has no .TH line", path)
	return ""
}

func TestNoDateIsAnError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		epoch  string
		commit func() (string, error)
		want   string
	}{
		{"", noGit, "cannot date the man pages: SOURCE_DATE_EPOCH is not set and git is not available; set SOURCE_DATE_EPOCH to the commit's Unix time"},
		{"", func() (string, error) { return "not a time", nil }, `cannot date the man pages: git log printed "not a time", not a Unix time; set SOURCE_DATE_EPOCH`},
		{"yesterday", noGit, `SOURCE_DATE_EPOCH="yesterday" is not a number of seconds since 1970`},
		{"-5", noGit, `SOURCE_DATE_EPOCH="-5" is not a number of seconds since 1970`},
	} {
		err := gendocs([]string{"-out", dir}, env(tc.epoch), tc.commit, io.Discard)
		if err == nil || err.Error() != tc.want {
			t.Errorf("SOURCE_DATE_EPOCH=%q: error %v, want %q", tc.epoch, err, tc.want)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an undated run wrote %s (%v)", dir, err)
	}
}

func TestStalePagesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "man", "authgear-audit-gone.1")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte(".TH old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := gendocs([]string{"-out", dir}, env("1764104400"), noGit, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a page of a command that does not exist survived (%v)", err)
	}
}

func TestGitCommitTime(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not available")
	}
	if err := exec.Command("git", "rev-parse", "--verify", "HEAD").Run(); err != nil {
		t.Skip("not inside a git work tree with a commit")
	}
	if _, err := sourceDate(env(""), gitCommitTime); err != nil {
		t.Fatal(err)
	}
}
