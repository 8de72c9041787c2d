//go:build !linux

package engine

import "syscall"

// writev writes nothing where it is not wired to writev(2): every batch takes the
// blocking path.
func writev(uintptr, [][]byte) (int, error) { return 0, syscall.EAGAIN }
