// Command gendocs writes the man pages and shell completions of
// authgear-audit into a directory, for release archives:
//
//	go run ./internal/tools/gendocs -out dist/docs
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra/doc"

	"github.com/authgear-audit/authgear-audit/internal/cli"
)

func main() {
	out := flag.String("out", "docs", "directory to write man/ and completions/ into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	man := filepath.Join(out, "man")
	comp := filepath.Join(out, "completions")
	for _, d := range []string{man, comp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	root := cli.RootCommand()
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{Title: "AUTHGEAR-AUDIT", Section: "1", Source: "authgear-audit"}
	if err := doc.GenManTree(root, header, man); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	gens := map[string]func(string) error{
		"authgear-audit.bash": func(p string) error { return root.GenBashCompletionFileV2(p, true) },
		"_authgear-audit":     root.GenZshCompletionFile,
		"authgear-audit.fish": func(p string) error { return root.GenFishCompletionFile(p, true) },
		"authgear-audit.ps1":  root.GenPowerShellCompletionFileWithDesc,
	}
	for name, gen := range gens {
		if err := gen(filepath.Join(comp, name)); err != nil {
			return fmt.Errorf("completion %s: %w", name, err)
		}
	}
	return nil
}
