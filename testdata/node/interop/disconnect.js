'use strict';
// disconnect.js makes the server end the connection and watches what
// socket.io-client does about it, with reconnection on (CLIENT-3, CLIENT-4):
//   mode "server-disconnect": the server sends DISCONNECT (SIO-7); the
//     client must not reconnect within watchMs.
//   mode "drop-transport": the server drops the connection without a
//     packet; the client must reconnect and re-send the same auth.
// The event goes out after idleMs without traffic, so that on polling the
// client's next GET is surely held by the server when the event arrives.
//
// Config: url, path, transports, namespace, auth, mode, reconnectionDelay,
// idleMs, waitMs, watchMs.
const { io } = require('socket.io-client');
const lib = require('./lib');

const wire = lib.tapWire();

lib.main(async (cfg, track) => {
  const ms = cfg.waitMs;
  const socket = track(io(cfg.url + cfg.namespace, {
    path: cfg.path,
    transports: cfg.transports,
    forceNew: true,
    auth: lib.untag(cfg.auth),
    reconnectionDelay: cfg.reconnectionDelay,
    reconnectionDelayMax: cfg.reconnectionDelay,
  }));
  const obs = lib.observing({ auths: [], disconnects: [], connects: 0, reconnectAttempts: 0 });
  socket.on('auth', (...args) => obs.auths.push(args));
  socket.on('connect', () => obs.connects++);
  socket.on('disconnect', (reason, details) => {
    obs.disconnects.push(reason);
    obs.closeCode = details && details.context && details.context.code; // websocket
  });
  socket.io.on('reconnect_attempt', () => obs.reconnectAttempts++);

  obs.connectError = await lib.connected(socket, ms);
  if (obs.connectError !== null) return obs;
  await lib.until(() => obs.auths.length === 1, ms);
  obs.firstSocketID = socket.id;

  await lib.sleep(cfg.idleMs);
  const closesBefore = wire.pollingCloseIn;
  socket.emit(cfg.mode);
  await lib.until(() => obs.disconnects.length === 1, ms);
  obs.closePackets = wire.pollingCloseIn - closesBefore;
  if (cfg.mode === 'server-disconnect') {
    await lib.sleep(cfg.watchMs);
  } else {
    await lib.until(() => obs.auths.length === 2, ms);
    obs.afterReconnect = await lib.ack(socket, ms, 'message-with-ack', 'again');
  }
  obs.connected = socket.connected;
  obs.active = socket.active;
  obs.socketID = socket.id || null;
  return obs;
});
