package simulator

import "github.com/stampede-sio/stampede/internal/procstat"

// selfRSS is this process's resident memory in bytes; nil where it is not
// known (off Linux).
func selfRSS() *int64 {
	v, ok := procstat.RSS()
	if !ok {
		return nil
	}
	return &v
}
