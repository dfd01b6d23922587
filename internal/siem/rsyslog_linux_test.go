package siem

import (
	"os/exec"
	"syscall"
)

// stopWithTest makes the kernel stop rsyslogd if the test binary dies
// without running its cleanups (a -timeout panic, a kill), so that no
// rsyslogd outlives the tests.
func stopWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
