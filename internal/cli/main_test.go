package cli

import (
	"os"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/iostreams"
)

// testMainEnv makes the test binary run the command line instead of the
// tests, so that a test can run authgear-audit as a real process (and kill
// it) without building it: exec os.Args[0] with testMainEnv=1 in the
// environment and the command's arguments.
const testMainEnv = "AUTHGEAR_AUDIT_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(testMainEnv) == "1" {
		os.Exit(Main(os.Args[1:], iostreams.System(os.Getenv), os.Getenv))
	}
	os.Exit(m.Run())
}
