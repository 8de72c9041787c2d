package webui

import "github.com/stampede-sio/stampede/refserver/sio"

// docHandlers returns the ydoc:* handlers (DOC-1 … DOC-6).
// TODO(issue 3): being written; see the docs work in progress.
func (a *App) docHandlers() map[string]sio.EventHandler { return nil }

// leaveAllDocs leaves every document on disconnect (DOC-6).
func (a *App) leaveAllDocs(s *sio.Socket) {}
