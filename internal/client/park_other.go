//go:build !linux

package client

// parker is Linux's epoll waiter (park_linux.go); elsewhere parking is off
// and every websocket keeps its read goroutine.
type parker struct{}

func sharedParker() *parker { return nil }

func (p *parker) arm(*wsConn) error { return nil }

func (p *parker) release(*wsConn) {}
