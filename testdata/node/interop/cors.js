'use strict';
// cors.js connects once per case with an Origin header set through
// socket.io-client's extraHeaders (EIO-12), all cases at once, and records
// whether each connected or got connect_error.
//
// Config: url, path, namespace, waitMs, cases: [{origin, transports}] (an
// empty origin sends no Origin header).
const { io } = require('socket.io-client');
const lib = require('./lib');

lib.main(async (cfg, track) => Promise.all(cfg.cases.map(async (c) => {
  const socket = track(io(cfg.url + cfg.namespace, {
    path: cfg.path,
    transports: c.transports,
    forceNew: true,
    reconnection: false,
    extraHeaders: c.origin ? { Origin: c.origin } : {},
  }));
  let description = null;
  socket.once('connect_error', (err) => {
    description = err.description && err.description.message
      ? err.description.message : (err.description === undefined ? null : String(err.description));
  });
  const err = await lib.connected(socket, cfg.waitMs);
  return { connectError: err, description, connected: socket.connected };
})));
