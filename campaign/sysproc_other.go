//go:build !linux

package campaign

import "syscall"

// childAttr: no parent-death signal off Linux; Stop ends the server.
func childAttr() *syscall.SysProcAttr { return nil }

// descendants: not known off Linux.
func descendants(int) []int { return nil }
