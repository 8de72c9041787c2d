package metrics

import (
	"io"
	"testing"
)

func BenchmarkCounterInc(b *testing.B) {
	c := New().NewCounter("c_total", "h")
	b.ReportAllocs()
	for b.Loop() {
		c.Inc()
	}
}

func BenchmarkCounterIncParallel(b *testing.B) {
	c := New().NewCounter("c_total", "h")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc()
		}
	})
}

func BenchmarkGaugeAdd(b *testing.B) {
	g := New().NewGauge("g", "h")
	b.ReportAllocs()
	for b.Loop() {
		g.Add(1)
	}
}

func BenchmarkCounterVecWithInc(b *testing.B) {
	cv := New().NewCounterVec("cv_total", "h", "namespace", "event")
	cv.With("/chat", "message")
	b.ReportAllocs()
	for b.Loop() {
		cv.With("/chat", "message").Inc()
	}
}

func BenchmarkCounterVecWithIncParallel(b *testing.B) {
	cv := New().NewCounterVec("cv_total", "h", "namespace", "event")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			cv.With("/chat", "message").Inc()
		}
	})
}

func BenchmarkScrape(b *testing.B) {
	reg := goldenRegistry()
	RegisterGoCollector(reg)
	RegisterProcessCollector(reg)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = reg.WriteTo(io.Discard)
	}
}
