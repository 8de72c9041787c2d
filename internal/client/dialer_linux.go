package client

import "syscall"

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT from linux/in.h; the syscall
// package defines it only for some architectures.
const ipBindAddressNoPort = 0x18

// bindNoPort asks the kernel to pick the source port at connect time rather
// than at bind time, so that binding a source address does not halve the
// ephemeral port range (PERFORMANCE.md). It is best effort: a kernel that
// refuses the option still dials.
func bindNoPort(_, _ string, rc syscall.RawConn) error {
	return rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
}
