//go:build !linux

package simulator

// ReadHostLimits returns no limits off Linux: the run is not bounded by
// what the machine holds there.
func ReadHostLimits() HostLimits { return HostLimits{} }
