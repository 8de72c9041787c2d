package refserver

import (
	"github.com/stampede-sio/stampede/refserver/broker"
)

// ScaleFaults break the Redis mode (SCALE-1…3, SESS-5), so that the
// conformance suite's cases for several instances can be shown to fail.
type ScaleFaults struct {
	Broker broker.Faults
	// LocalState keeps the session pool, usage pool, documents and
	// revocations in process memory even with Redis (SCALE-2), and changes
	// to users, channels and notes on the instance that made them.
	LocalState bool
	// LockOverwrite renews a reaper lock with SET XX whatever its value,
	// taking back a lock another instance holds (SESS-5).
	LockOverwrite bool
}

// scaleFaultSetters are the --fault names of ScaleFaults.
var scaleFaultSetters = map[string]func(f *Faults, arg string) error{
	"redis-no-publish":     flagFault(func(f *Faults) { f.Scale.Broker.NoPublish = true }),
	"redis-sync-publish":   flagFault(func(f *Faults) { f.Scale.Broker.SyncPublish = true }),
	"redis-no-resubscribe": flagFault(func(f *Faults) { f.Scale.Broker.NoResubscribe = true }),
	"redis-local-state":    flagFault(func(f *Faults) { f.Scale.LocalState = true }),
	"lock-overwrite":       flagFault(func(f *Faults) { f.Scale.LockOverwrite = true }),
	"no-lock-renew":        flagFault(func(f *Faults) { f.App.NoLockRenew = true }),
}
