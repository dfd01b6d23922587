//go:build !linux

package objstoretest

import "os/exec"

// setDeathSignal has no portable equivalent; the test's clean-up still
// kills the server.
func setDeathSignal(*exec.Cmd) {}
