package metrics

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// CounterVec is a family of counters told apart by label values.
type CounterVec struct{ v *vec[Counter] }

// With returns the counter for labelValues, given in the order the label
// names were declared, creating it on first use. Keep the result on hot
// paths: With costs a read lock and a map lookup. A wrong number of values
// is recorded in the registry's Err and yields a counter that is not exported.
func (cv *CounterVec) With(labelValues ...string) *Counter { return cv.v.with(labelValues) }

// GaugeVec is a family of gauges told apart by label values.
type GaugeVec struct{ v *vec[Gauge] }

// With returns the gauge for labelValues; see [CounterVec.With].
func (gv *GaugeVec) With(labelValues ...string) *Gauge { return gv.v.with(labelValues) }

// vec holds the children of a labelled family, one per label-value tuple.
type vec[T any] struct {
	reg    *Registry
	desc   desc
	labels []string // declared order, the order With takes values in
	order  []int    // indexes into labels, sorted by label name, for output
	value  func(*T) float64

	mu       sync.RWMutex
	children map[string]*child[T] // by key(values)
}

type child[T any] struct {
	labels []labelPair // sorted by label name
	metric T
}

func newVec[T any](r *Registry, d desc, value func(*T) float64, labels []string) *vec[T] {
	v := &vec[T]{
		reg:      r,
		desc:     d,
		labels:   slices.Clone(labels),
		order:    make([]int, len(labels)),
		value:    value,
		children: make(map[string]*child[T]),
	}
	for i := range v.order {
		v.order[i] = i
	}
	slices.SortFunc(v.order, func(a, b int) int { return strings.Compare(labels[a], labels[b]) })
	if err := checkLabelNames(d.name, labels); err != nil {
		r.fail(err)
		return v
	}
	r.register(v, d.name)
	return v
}

func (v *vec[T]) with(values []string) *T {
	if len(values) != len(v.labels) {
		v.reg.fail(fmt.Errorf("%w: %s has %d labels, got %d values",
			ErrLabelCount, v.desc.name, len(v.labels), len(values)))
		return new(T)
	}
	var buf [256]byte
	key := appendKey(buf[:0], values)
	v.mu.RLock()
	c := v.children[string(key)] // no allocation: the compiler keeps the bytes
	v.mu.RUnlock()
	if c != nil {
		return &c.metric
	}
	return v.create(string(key), values)
}

// create adds the child for values unless a concurrent With got there first.
func (v *vec[T]) create(key string, values []string) *T {
	v.mu.Lock()
	defer v.mu.Unlock()
	if c, ok := v.children[key]; ok {
		return &c.metric
	}
	c := &child[T]{labels: make([]labelPair, len(values))}
	for i, j := range v.order {
		c.labels[i] = labelPair{name: v.labels[j], value: strings.Clone(validUTF8(values[j]))}
	}
	v.children[key] = c
	return &c.metric
}

// appendKey joins values with 0xff, a byte valid UTF-8 never contains, so
// distinct tuples get distinct keys once invalid values are repaired.
func appendKey(b []byte, values []string) []byte {
	for i, s := range values {
		if i > 0 {
			b = append(b, 0xff)
		}
		b = append(b, validUTF8(s)...)
	}
	return b
}

// validUTF8 repairs s, since the exposition format is UTF-8.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (v *vec[T]) collect(dst []family) []family {
	v.mu.RLock()
	samples := make([]sample, 0, len(v.children))
	for _, c := range v.children {
		samples = append(samples, sample{labels: c.labels, value: v.value(&c.metric)})
	}
	v.mu.RUnlock()
	slices.SortFunc(samples, compareLabels)
	return append(dst, family{desc: v.desc, samples: samples})
}

// compareLabels orders samples by label values, label by label.
func compareLabels(a, b sample) int {
	for i := range a.labels {
		if c := strings.Compare(a.labels[i].value, b.labels[i].value); c != 0 {
			return c
		}
	}
	return 0
}
