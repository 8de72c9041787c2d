package campaign

import "syscall"

// childAttr makes a managed server die with its parent (a killed
// campaign leaves no server behind).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
