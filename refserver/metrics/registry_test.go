package metrics

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistrationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(r *Registry)
		wantErr error
	}{
		{"duplicate name", func(r *Registry) {
			r.NewCounter("x_total", "a")
			r.NewGauge("x_total", "b")
		}, ErrDuplicate},
		{"duplicate with a collector", func(r *Registry) {
			r.NewGauge("go_goroutines", "mine")
			RegisterGoCollector(r)
		}, ErrDuplicate},
		{"collector twice", func(r *Registry) {
			RegisterProcessCollector(r)
			RegisterProcessCollector(r)
		}, ErrDuplicate},
		{"empty name", func(r *Registry) { r.NewCounter("", "h") }, ErrInvalidName},
		{"name starts with a digit", func(r *Registry) { r.NewGauge("1x", "h") }, ErrInvalidName},
		{"name with a dash", func(r *Registry) { r.NewGaugeFunc("a-b", "h", func() float64 { return 0 }) }, ErrInvalidName},
		{"label with a colon", func(r *Registry) { r.NewCounterVec("v_total", "h", "a:b") }, ErrInvalidLabel},
		{"reserved label", func(r *Registry) { r.NewGaugeVec("v", "h", "__name") }, ErrInvalidLabel},
		{"repeated label", func(r *Registry) { r.NewGaugeVec("v", "h", "a", "a") }, ErrInvalidLabel},
		{"too few values", func(r *Registry) { r.NewCounterVec("v_total", "h", "a", "b").With("x").Inc() }, ErrLabelCount},
		{"nil gauge func", func(r *Registry) { r.NewGaugeFunc("f", "h", nil) }, ErrNilFunc},
		{"nil counter func", func(r *Registry) { r.NewCounterFunc("f_total", "h", nil) }, ErrNilFunc},
		{"too many values", func(r *Registry) { r.NewGaugeVec("v", "h", "a").With("x", "y").Inc() }, ErrLabelCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := New()
			tt.setup(r)
			assert.ErrorIs(t, r.Err(), tt.wantErr)
		})
	}
}

func TestValidNames(t *testing.T) {
	t.Parallel()
	r := New()
	r.NewCounter("a:b_c9_total", "colons are allowed in metric names")
	r.NewCounterVec("_v_total", "h", "_label9", "Z")
	RegisterGoCollector(r)
	RegisterProcessCollector(r)
	assert.NoError(t, r.Err())
}

func TestFirstErrorKept(t *testing.T) {
	t.Parallel()
	r := New()
	r.NewCounter("bad name", "h")
	r.NewCounter("ok_total", "h")
	r.NewCounter("ok_total", "h")
	require.ErrorIs(t, r.Err(), ErrInvalidName)
	assert.NotErrorIs(t, r.Err(), ErrDuplicate)
}

func TestFailedMetricStillWorksButIsNotExported(t *testing.T) {
	t.Parallel()
	r := New()
	r.NewGauge("x", "first")
	dup := r.NewGauge("x", "second")
	dup.Set(99)
	wrong := r.NewCounterVec("v_total", "h", "a").With()
	wrong.Inc()

	assert.Equal(t, 99.0, dup.Value())
	assert.Equal(t, 1.0, wrong.Value())
	var out bytes.Buffer
	_, err := r.WriteTo(&out)
	require.NoError(t, err)
	assert.Equal(t, "# HELP x first\n# TYPE x gauge\nx 0\n", out.String())
}

func TestHandler(t *testing.T) {
	t.Parallel()
	reg := goldenRegistry()
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := httptest.NewRecorder()
		reg.Handler().ServeHTTP(rec, httptest.NewRequest(method, "/metrics", nil))

		assert.Equal(t, http.StatusOK, rec.Code, method)
		assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", rec.Header().Get("Content-Type"), method)
		var want bytes.Buffer
		_, err := reg.WriteTo(&want)
		require.NoError(t, err)
		assert.Equal(t, want.String(), rec.Body.String(), method)
	}
}
