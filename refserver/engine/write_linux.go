//go:build linux

package engine

import "golang.org/x/sys/unix"

// haveWritev: batches are written with writev(2) on the socket's descriptor.
const haveWritev = true

// iovMax is the most vectors one writev takes (IOV_MAX).
const iovMax = 1024

// writev is one non-blocking writev(2) on fd (Go's sockets are
// non-blocking); it may write part of iov.
func writev(fd uintptr, iov [][]byte) (int, error) {
	if len(iov) > iovMax {
		iov = iov[:iovMax]
	}
	return unix.Writev(int(fd), iov)
}
