//go:build !linux

package client

import "time"

func processCPU() time.Duration { return 0 }
