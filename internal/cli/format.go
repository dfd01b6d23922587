package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/authgear-audit/authgear-audit/internal/output"
)

// formatChoice is how one command picks its output format, the same way for
// every command: -o when given, else the format the --out file's extension
// names (for commands that write files), else one format for a terminal
// and one for a pipe. One resolver, so every command words its errors the
// same.
type formatChoice struct {
	allowed    []string // what -o takes, in the order the error lists them
	onTerminal string   // without -o, on a terminal
	onPipe     string   // without -o, elsewhere
	// fileFormats, when set, are the formats an --out file's extension may
	// name, in the order the error lists them.
	fileFormats []string
}

// resolve returns the format for -o value (set when the flag was given),
// outPath (the --out file, "" or "-" for stdout) and whether stdout is a
// terminal. Every error is a usage error naming its flag.
func (c formatChoice) resolve(value string, set bool, outPath string, stdoutTTY bool) (string, error) {
	toFile := outPath != "" && outPath != "-" && c.fileFormats != nil
	switch {
	case set:
		f := strings.ToLower(strings.TrimSpace(value))
		if !slices.Contains(c.allowed, f) {
			return "", usageError(fmt.Errorf("--output: unknown format %q: use %s", value, strings.Join(c.allowed, ", ")))
		}
		return f, nil
	case toFile:
		f, ok := output.FormatFromPath(outPath)
		if !ok || !slices.Contains(c.fileFormats, f) {
			return "", usageError(fmt.Errorf("--out: cannot tell the format of %s from its extension: name it %s (.gz to compress) or give -o",
				outPath, extensions(c.fileFormats)))
		}
		return f, nil
	case stdoutTTY:
		return c.onTerminal, nil
	}
	return c.onPipe, nil
}

// extensions lists formats as file extensions: ".jsonl, .json or .csv".
func extensions(formats []string) string {
	exts := make([]string, len(formats))
	for i, f := range formats {
		exts[i] = "." + f
	}
	if len(exts) < 2 {
		return strings.Join(exts, "")
	}
	return strings.Join(exts[:len(exts)-1], ", ") + " or " + exts[len(exts)-1]
}
