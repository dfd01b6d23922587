package readback

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func touch(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDirFiles(t *testing.T) {
	// Without a manifest: JSON lines and CSV, gzipped or not, in name order.
	dir := t.TempDir()
	touch(t, dir, "b.csv.gz", "a.jsonl", "c.JSONL.GZ", "notes.txt", "data.json", ".hidden.jsonl", "audit.csv")
	if err := os.Mkdir(filepath.Join(dir, "sub.jsonl"), 0o700); err != nil {
		t.Fatal(err)
	}
	got, err := DirFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.jsonl", "audit.csv", "b.csv.gz", "c.JSONL.GZ"}
	for i := range want {
		want[i] = filepath.Join(dir, want[i])
	}
	if !slices.Equal(got, want) {
		t.Errorf("DirFiles = %v, want %v", got, want)
	}

	// With a manifest: its files, oldest range first, whatever their names
	// and whatever else lies there.
	dir = t.TempDir()
	touch(t, dir, "zzz.jsonl")
	manifest := `{"version":1,"filter":{},"files":[
		{"name":"audit-20261125T110000Z-20261125T120000Z.jsonl.gz","from":"2026-11-25T11:00:00Z","to":"2026-11-25T12:00:00Z"},
		{"name":"audit-20261125T100000Z-20261125T110000Z.json","from":"2026-11-25T10:00:00Z","to":"2026-11-25T11:00:00Z"}]}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = DirFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{filepath.Join(dir, "audit-20261125T100000Z-20261125T110000Z.json"), filepath.Join(dir, "audit-20261125T110000Z-20261125T120000Z.jsonl.gz")}
	if !slices.Equal(got, want) {
		t.Errorf("DirFiles with a manifest = %v, want %v", got, want)
	}

	// An empty folder, and a manifest that points outside its folder.
	if _, err := DirFiles(t.TempDir()); !errors.Is(err, ErrNoExportFiles) {
		t.Errorf("empty folder: %v", err)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"files":[{"name":"../x.jsonl"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := DirFiles(dir); err == nil || !strings.Contains(err.Error(), "not a file name inside the folder") {
		t.Errorf("manifest with ../: %v", err)
	}
}

func TestExpand(t *testing.T) {
	path := searchFixture(t)
	stdin := strings.NewReader("")
	ins, err := Expand([]string{path, "-", filepath.Dir(path)}, stdin)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range ins {
		names = append(names, in.Name)
	}
	if want := []string{path, "stdin", path}; !slices.Equal(names, want) {
		t.Errorf("Expand = %v, want %v", names, want)
	}
	if !ins[1].IsStdin() || ins[0].IsStdin() {
		t.Error("IsStdin is wrong")
	}
	if _, err := Expand([]string{"-", "-"}, stdin); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("stdin twice: %v", err)
	}
	if _, err := Expand([]string{filepath.Join(t.TempDir(), "missing.jsonl")}, stdin); err == nil {
		t.Error("a missing file: no error")
	}
}

// Standard input is read like a file, gzip and format sniffed; with an
// email user it is read twice through a temporary file, removed after.
func TestSearchStdin(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	raw, err := os.ReadFile(searchFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	// e04 is alice's, as her snapshot in the later e10 tells; e07 was sent to her.
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	lines[4] = strings.Replace(lines[4], `"activityType"`, `"userID":"u-alice","activityType"`, 1)
	lines[7] = strings.Replace(lines[7], `"data":{`, `"data":{"payload":{"recipient":"alice@example.com"},`, 1)
	lines[10] = strings.Replace(lines[10], `"data":{`, `"data":{"payload":{"user":{"id":"u-alice","standard_attributes":{"email":"alice@example.com"}}},`, 1)
	input := strings.Join(lines, "\n") + "\n"

	run := func(f auditlog.Filter, extra ...Input) []string {
		t.Helper()
		ins, err := Expand([]string{"-"}, strings.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		err = Search(context.Background(), append(ins, extra...), f, false, 0, func(e *auditlog.Event) error {
			got = append(got, e.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	alice, err := auditlog.ParseUser("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := run(auditlog.Filter{Users: []auditlog.UserRef{alice}}); !slices.Equal(got, []string{"e04", "e07"}) {
		t.Errorf("stdin by email = %v", got)
	}
	if got := run(auditlog.Filter{}); len(got) != 30 {
		t.Errorf("stdin, everything: %d events", len(got))
	}
	// Several inputs: one after another.
	if got := run(auditlog.Filter{ActivityTypes: []string{"EMAIL_SENT"}}, Files(searchFixture(t))...); len(got) != 30 || got[0] != "e01" || got[15] != "e01" {
		t.Errorf("stdin then a file = %v", got)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestStdinErrorsNameStdin(t *testing.T) {
	ins, _ := Expand([]string{"-"}, strings.NewReader("{\"id\":\"a\",\"createdAt\":\"2026-11-25T10:00:00Z\",\"activityType\":\"X\"}\nnot json\n"))
	err := Each(context.Background(), ins, func(*auditlog.Event) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "stdin:2: ") {
		t.Errorf("Each = %v, want an error at stdin:2", err)
	}
}
