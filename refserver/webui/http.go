package webui

import "net/http"

// Routes mounts the HTTP endpoints of PROTOCOL.md section 11 and the
// control API on mux.
func (a *App) Routes(mux *http.ServeMux) {}
