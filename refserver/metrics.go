package refserver

import "net/http"

func (s *Server) metricsHandler() http.Handler {
	return http.NotFoundHandler()
}
