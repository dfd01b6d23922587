// Command authgear-audit searches, exports and follows the audit log of an
// Authgear project through the Admin API.
package main

import (
	"os"

	"github.com/authgear-audit/authgear-audit/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.SystemStreams(), os.Getenv))
}
