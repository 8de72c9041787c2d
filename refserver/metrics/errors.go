package metrics

import (
	"errors"
	"fmt"
	"slices"
)

// Registration errors, reported by [Registry.Err] wrapped with the metric name.
var (
	ErrDuplicate    = errors.New("metrics: duplicate metric name")
	ErrInvalidName  = errors.New("metrics: invalid metric name")
	ErrInvalidLabel = errors.New("metrics: invalid label name")
	ErrLabelCount   = errors.New("metrics: wrong number of label values")
	ErrNilFunc      = errors.New("metrics: nil value function")
)

// checkMetricName reports whether name matches [a-zA-Z_:][a-zA-Z0-9_:]*.
func checkMetricName(name string) error {
	if !validName(name, true) {
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	return nil
}

// checkLabelNames rejects names outside [a-zA-Z_][a-zA-Z0-9_]*, names with
// the "__" prefix Prometheus reserves for itself, and repeated names.
func checkLabelNames(metric string, labels []string) error {
	for i, l := range labels {
		bad := !validName(l, false) || len(l) >= 2 && l[:2] == "__" || slices.Contains(labels[:i], l)
		if bad {
			return fmt.Errorf("%w: %q of %s", ErrInvalidLabel, l, metric)
		}
	}
	return nil
}

func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			colon && c == ':' || i > 0 && '0' <= c && c <= '9'
		if !ok {
			return false
		}
	}
	return true
}
