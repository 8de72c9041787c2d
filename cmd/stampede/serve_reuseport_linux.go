package main

import (
	"os/exec"
	"syscall"
)

const reusePortSupported = true

// soReusePort is SO_REUSEPORT on Linux (the syscall package lacks the name).
const soReusePort = 0xf

func setReusePort(fd uintptr) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
}

// dieWithParent stops an extra process when its parent dies without
// stopping it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
