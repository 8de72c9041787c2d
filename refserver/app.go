package refserver

import (
	"context"
	"sync"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/refserver/sio"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// newApp builds the open-webui layer for namespace "/" (issue 3).
func newApp(cfg Config, sc *scale) (*webui.App, error) {
	profile, err := webui.ParseProfile(cfg.Profile)
	if err != nil {
		return nil, err
	}
	enableWS := false
	for _, t := range cfg.Transports {
		enableWS = enableWS || t == engineio.TransportWebsocket
	}
	wc := webui.Config{
		Profile:           profile,
		Secret:            cfg.Secret,
		Population:        cfg.Population,
		HeartbeatInterval: cfg.HeartbeatInterval,
		SessionTimeout:    cfg.SessionTimeout,
		EnableWebsocket:   enableWS,
		Version:           cfg.Version,
		Logger:            cfg.Logger,
		Faults:            cfg.Faults.App,
	}
	if sc != nil {
		sc.appStores(cfg, &wc)
		wc.Cluster = sc.broker
	}
	return webui.New(wc)
}

// startApp attaches the app to the Socket.IO layer, mounts its HTTP routes
// and runs its reapers until Shutdown.
func (s *Server) startApp(io *sio.Server) {
	if s.webui == nil && s.scale == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopApp = cancel
	s.appDone = make(chan struct{})
	var wg sync.WaitGroup
	if s.webui != nil {
		s.webui.Attach(io)
		s.webui.Routes(s.mux)
		wg.Go(func() { s.webui.Run(ctx) })
	}
	if s.scale != nil {
		wg.Go(func() { s.scale.broker.Run(ctx) })
	}
	if s.scale != nil && s.scale.sessions != nil && s.webui != nil {
		wg.Go(func() { s.scale.restoreSessions(ctx, s.webui, s.log) })
	}
	go func() {
		defer close(s.appDone)
		wg.Wait()
	}()
}

// App returns the open-webui layer, nil in lab mode.
func (s *Server) App() *webui.App { return s.webui }

// Secret returns the key tokens are signed with.
func (s *Server) Secret() []byte { return s.cfg.Secret }
