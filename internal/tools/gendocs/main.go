// Command gendocs writes the man pages and shell completions of
// authgear-audit into a directory, for release archives:
//
//	go run ./internal/tools/gendocs -out dist-docs
//
// The output depends only on the commit: the date in the man pages is
// SOURCE_DATE_EPOCH (seconds since 1970, UTC) when it is set, else the
// commit date from `git log -1 --format=%ct`, never the clock.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra/doc"

	"github.com/authgear-audit/authgear-audit/internal/cli"
)

func main() {
	if err := gendocs(os.Args[1:], os.Getenv, gitCommitTime, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

// gendocs parses the flags, dates the man pages and writes everything.
func gendocs(args []string, getenv func(string) string, commitTime func() (string, error), stderr io.Writer) error {
	fs := flag.NewFlagSet("gendocs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "docs", "directory to write man/ and completions/ into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: the only input is -out DIR", fs.Arg(0))
	}
	date, err := sourceDate(getenv, commitTime)
	if err != nil {
		return err
	}
	return write(*out, date)
}

// sourceDate is the date the man pages carry: SOURCE_DATE_EPOCH when set,
// else the commit date.
func sourceDate(getenv func(string) string, commitTime func() (string, error)) (time.Time, error) {
	if v := strings.TrimSpace(getenv("SOURCE_DATE_EPOCH")); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec < 0 {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970", v)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	v, err := commitTime()
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot date the man pages: SOURCE_DATE_EPOCH is not set and %v; set SOURCE_DATE_EPOCH to the commit's Unix time", err)
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot date the man pages: git log printed %q, not a Unix time; set SOURCE_DATE_EPOCH", v)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// gitCommitTime returns the Unix time of the commit checked out, as git
// prints it.
func gitCommitTime() (string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", errors.New("git is not available")
	}
	var stderr bytes.Buffer
	cmd := exec.Command("git", "log", "-1", "--format=%ct")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git log failed (%s)", msg)
	}
	return string(out), nil
}

// write generates the man pages into out/man and the completions into
// out/completions. Man pages left from an earlier run are removed first, so
// that a command that no longer exists leaves no page behind.
func write(out string, date time.Time) error {
	man := filepath.Join(out, "man")
	comp := filepath.Join(out, "completions")
	for _, d := range []string{man, comp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	old, err := filepath.Glob(filepath.Join(man, "authgear-audit*.1"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	root := cli.RootCommand()
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{Title: "AUTHGEAR-AUDIT", Section: "1", Source: "authgear-audit", Date: &date}
	if err := doc.GenManTree(root, header, man); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	gens := []struct {
		name string
		gen  func(string) error
	}{
		{"authgear-audit.bash", func(p string) error { return root.GenBashCompletionFileV2(p, true) }},
		{"_authgear-audit", root.GenZshCompletionFile},
		{"authgear-audit.fish", func(p string) error { return root.GenFishCompletionFile(p, true) }},
		{"authgear-audit.ps1", root.GenPowerShellCompletionFileWithDesc},
	}
	for _, g := range gens {
		if err := g.gen(filepath.Join(comp, g.name)); err != nil {
			return fmt.Errorf("completion %s: %w", g.name, err)
		}
	}
	return nil
}
