//go:build !unix

package metrics

// collect reports nothing: this platform has neither /proc nor getrusage.
func (c *processCollector) collect(dst []family) []family { return dst }

func (c *processCollector) readStartTime() float64 { return 0 }
