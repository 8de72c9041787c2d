package metrics_test

import (
	"os"

	"github.com/stampede-sio/stampede/refserver/metrics"
)

func ExampleRegistry() {
	reg := metrics.New()
	connected := reg.NewGauge("sio_connected_clients", "Clients connected now.")
	packets := reg.NewCounterVec("sio_packets_total", "Packets by direction.", "direction")
	in := packets.With("in") // keep the child: With is not for hot paths
	if err := reg.Err(); err != nil {
		panic(err)
	}

	connected.Inc()
	in.Add(3)
	_, _ = reg.WriteTo(os.Stdout)
	// Output:
	// # HELP sio_connected_clients Clients connected now.
	// # TYPE sio_connected_clients gauge
	// sio_connected_clients 1
	// # HELP sio_packets_total Packets by direction.
	// # TYPE sio_packets_total counter
	// sio_packets_total{direction="in"} 3
}
