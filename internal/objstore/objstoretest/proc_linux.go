package objstoretest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills the server when the test binary dies, even by
// SIGKILL or a test time-out, so no server outlives its test.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
