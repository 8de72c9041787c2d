package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills the redis-server when the test binary dies, even if
// it dies before its cleanup runs (a timeout, a kill), so that no server
// outlives the test holding a port or an inherited file.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
