// Command authgear-audit searches, exports and follows the audit log of an
// Authgear project through the Admin API.
package main

import (
	"os"

	"github.com/authgear-audit/authgear-audit/internal/cli"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], iostreams.System(os.Getenv), os.Getenv))
}
