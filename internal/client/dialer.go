package client

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// netDial returns the TCP dial function for Options, or nil for the default.
func (o *Options) netDial() func(ctx context.Context, network, addr string) (net.Conn, error) {
	if o.NetDialer == nil && o.LocalAddr == nil {
		return nil
	}
	d := new(net.Dialer)
	if o.NetDialer != nil {
		*d = *o.NetDialer
	}
	if o.LocalAddr != nil {
		d.LocalAddr = o.LocalAddr
		if d.Control == nil && d.ControlContext == nil {
			d.Control = bindNoPort
		}
	}
	return d.DialContext
}

// pollKey identifies a shared long-polling HTTP client.
type pollKey struct {
	dialer *net.Dialer
	tls    *tls.Config
	local  string
}

// pollClients holds one HTTP client per dialer and source address, so that
// polling sessions reuse keep-alive connections and keep their source address.
var pollClients sync.Map // pollKey -> *http.Client

func (o *Options) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	key := pollKey{dialer: o.NetDialer, tls: o.TLSConfig}
	if o.LocalAddr != nil {
		key.local = o.LocalAddr.String()
	}
	if v, ok := pollClients.Load(key); ok {
		return v.(*http.Client)
	}
	dial := o.netDial()
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	tr := &http.Transport{
		DialContext:         dial,
		TLSClientConfig:     o.TLSConfig,
		MaxIdleConns:        0, // no global limit
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     30 * time.Second,
	}
	v, _ := pollClients.LoadOrStore(key, &http.Client{Transport: tr})
	return v.(*http.Client)
}

// CloseIdleConnections drops the idle keep-alive connections of the shared
// long-polling HTTP clients, whose goroutines otherwise linger for 30 s after
// the last polling Conn closed. Call it at shutdown, or in a TestMain before
// checking for leaked goroutines.
func CloseIdleConnections() {
	pollClients.Range(func(_, v any) bool {
		v.(*http.Client).CloseIdleConnections()
		return true
	})
}
