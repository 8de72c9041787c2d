package metrics

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ContentType is the media type of the text exposition format 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Registry holds metrics and renders them in the Prometheus text format.
// There is no default registry: the server makes one with [New] and passes
// it to whatever it instruments.
type Registry struct {
	mu         sync.Mutex
	names      map[string]struct{}
	collectors []collector
	err        error
}

// collector reads its families at scrape time, appending them to dst.
type collector interface {
	collect(dst []family) []family
}

var _ io.WriterTo = (*Registry)(nil)

// New returns an empty registry.
func New() *Registry {
	return &Registry{names: make(map[string]struct{})}
}

// Err returns the first registration error, or nil. See the package
// documentation for why constructors do not return errors themselves.
func (r *Registry) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// fail records err unless an earlier error is already kept.
func (r *Registry) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// register adds c, which produces the families named names. On an invalid
// or taken name it records the error and leaves c out of the exposition.
func (r *Registry) register(c collector, names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, name := range names {
		err := checkMetricName(name)
		if _, taken := r.names[name]; err == nil && (taken || slices.Contains(names[:i], name)) {
			err = fmt.Errorf("%w: %q", ErrDuplicate, name)
		}
		if err != nil {
			if r.err == nil {
				r.err = err
			}
			return
		}
	}
	for _, name := range names {
		r.names[name] = struct{}{}
	}
	r.collectors = append(r.collectors, c)
}

// gather reads every collector and sorts the families by name.
func (r *Registry) gather() []family {
	r.mu.Lock()
	cs := slices.Clone(r.collectors)
	r.mu.Unlock()
	var fams []family
	for _, c := range cs {
		fams = c.collect(fams)
	}
	slices.SortFunc(fams, func(a, b family) int { return strings.Compare(a.name, b.name) })
	return fams
}

// appendText renders one scrape.
func (r *Registry) appendText(b []byte) []byte {
	fams := r.gather()
	for i := range fams {
		b = appendFamily(b, &fams[i])
	}
	return b
}

// WriteTo writes one scrape of every registered metric to w in the text
// exposition format. It implements io.WriterTo.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(r.appendText(nil))
	return int64(n), err
}

// Handler serves a scrape on every request. The body is rendered in full
// before the first byte is sent, so a client never sees half a scrape
// followed by a status it cannot read. It does not compress.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		body := r.appendText(nil)
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body) // a failed write means the scraper left; nothing to report to
	})
}
