//go:build !linux

package main

import (
	"errors"
	"os/exec"
)

const reusePortSupported = false

func setReusePort(uintptr) error { return errors.New("SO_REUSEPORT is not supported here") }

func dieWithParent(*exec.Cmd) {}
