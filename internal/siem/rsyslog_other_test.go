//go:build !linux

package siem

import "os/exec"

// stopWithTest does nothing where the kernel cannot tie rsyslogd's life to
// the test binary's; the test's cleanup stops it.
func stopWithTest(*exec.Cmd) {}
