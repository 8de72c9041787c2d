//go:build !linux

package engine

import "syscall"

// haveWritev: elsewhere the batch goes through net.Buffers, and every batch
// takes the blocking path.
const haveWritev = false

func writev(uintptr, [][]byte) (int, error) { return 0, syscall.EAGAIN }
