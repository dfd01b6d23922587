package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestAddProfileCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "authgear-audit")
	path := filepath.Join(dir, "config.yaml")
	p := Profile{Project: "myapp", KeyID: "kid1", KeyFile: "/keys/prod.pem"}
	if err := AddProfile(path, "prod", p, false, false); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, %v; want 0600", st.Mode().Perm(), err)
		}
		if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("dir mode %v, %v; want 0700", st.Mode().Perm(), err)
		}
	}
	f, err := Load(path, true, func(m string) { t.Errorf("warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	got := f.Profiles["prod"]
	if got["project"] != "myapp" || got["key_id"] != "kid1" || got["key_file"] != "/keys/prod.pem" || len(got) != 3 {
		t.Errorf("profile read back: %v", got)
	}
	if f.DefaultProfile != "" {
		t.Errorf("default_profile = %q without makeDefault", f.DefaultProfile)
	}
}

func TestEditKeepsCommentsAndOtherProfiles(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "config.yaml"), `# my settings
default_profile: staging
profiles:
  # the old one
  staging:
    project: s   # keep me
    timeout: 45s
`)
	if err := AddProfile(path, "prod", Profile{Project: "p", KeyID: "k", KeyFile: "/p.pem"}, false, true); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{"# my settings", "# the old one", "# keep me", "timeout: 45s", "default_profile: prod"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("file lost %q:\n%s", want, data)
		}
	}
	f, err := Load(path, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.DefaultProfile != "prod" || strings.Join(f.Names(), ",") != "prod,staging" {
		t.Errorf("default %q names %v", f.DefaultProfile, f.Names())
	}

	// An existing profile is replaced only when asked.
	err = AddProfile(path, "staging", Profile{Project: "s2"}, false, false)
	if err == nil || !IsUserError(err) || !strings.Contains(err.Error(), `profile "staging" already exists`) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("overwrite without force: %v", err)
	}
	if err := AddProfile(path, "staging", Profile{Project: "s2"}, true, false); err != nil {
		t.Fatal(err)
	}
	f, _ = Load(path, true, nil)
	if f.Profiles["staging"]["project"] != "s2" || f.Profiles["staging"]["timeout"] != nil {
		t.Errorf("replaced profile: %v", f.Profiles["staging"])
	}

	if err := UseProfile(path, "staging"); err != nil {
		t.Fatal(err)
	}
	f, _ = Load(path, true, nil)
	if f.DefaultProfile != "staging" {
		t.Errorf("default after use: %q", f.DefaultProfile)
	}
	err = UseProfile(path, "dev")
	if err == nil || !strings.Contains(err.Error(), `no profile "dev"`) || !strings.Contains(err.Error(), "the profiles are: staging, prod") {
		t.Errorf("use missing: %v", err)
	}

	wasDefault, err := RemoveProfile(path, "staging")
	if err != nil || !wasDefault {
		t.Fatalf("remove default profile: %v %v", wasDefault, err)
	}
	f, _ = Load(path, true, nil)
	if f.DefaultProfile != "" || strings.Join(f.Names(), ",") != "prod" {
		t.Errorf("after remove: default %q names %v", f.DefaultProfile, f.Names())
	}
	if wasDefault, err := RemoveProfile(path, "prod"); err != nil || wasDefault {
		t.Errorf("remove prod: %v %v", wasDefault, err)
	}
	if _, err := RemoveProfile(path, "prod"); err == nil || !strings.Contains(err.Error(), "it has no profiles") {
		t.Errorf("remove from empty: %v", err)
	}
}

func TestEditRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", "Prod", "a.b", "has space", "-x", strings.Repeat("a", 64)} {
		if err := AddProfile(filepath.Join(dir, "c.yaml"), name, Profile{Project: "p"}, false, false); err == nil || !IsUserError(err) {
			t.Errorf("name %q accepted: %v", name, err)
		}
	}
	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), "profiles: [\n")
	if err := AddProfile(bad, "a", Profile{Project: "p"}, false, false); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("broken file: %v", err)
	}
	if data, _ := os.ReadFile(bad); string(data) != "profiles: [\n" {
		t.Errorf("broken file was rewritten: %q", data)
	}
	list := writeFile(t, filepath.Join(dir, "list.yaml"), "- a\n")
	if err := UseProfile(list, "a"); err == nil || !strings.Contains(err.Error(), "top level must be a mapping") {
		t.Errorf("list file: %v", err)
	}
	if err := AddProfile("", "a", Profile{}, false, false); err == nil {
		t.Error("no path accepted")
	}
}

func TestEditThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	real := writeFile(t, filepath.Join(dir, "dotfiles", "config.yaml"), "profiles: {}\n")
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := AddProfile(link, "a", Profile{Project: "p"}, false, false); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", st.Mode(), err)
	}
	if data, _ := os.ReadFile(real); !strings.Contains(string(data), "  a:\n    project: p\n") {
		t.Errorf("target not written: %q", data)
	}
}
