'use strict';
// heartbeat.js watches the server's pings (EIO-5) over socket.io-client.
// With dropPongsAfter >= 0 the client answers that many pings and then stops
// answering (the pong is dropped inside engine.io-client), and records when
// and why it got disconnected. With dropPongsAfter < 0 it is a well-behaved
// client that stays for watchMs and then checks an ack still works.
//
// The client's own heartbeat check (no ping for pingInterval + pingTimeout
// means a dead server, CLIENT-3) gets clientSlackMs more time, so that on a
// busy machine a late timer in Node cannot end the connection first: what
// is observed is what the server does.
//
// Config: url, path, transports, namespace, dropPongsAfter, clientSlackMs,
// waitMs, watchMs.
const { io } = require('socket.io-client');
const lib = require('./lib');

lib.main(async (cfg, track) => {
  const ms = cfg.waitMs;
  const socket = track(io(cfg.url + cfg.namespace, {
    path: cfg.path, transports: cfg.transports, forceNew: true, reconnection: false,
  }));
  const obs = lib.observing({ pings: 0, pongsSent: 0, pongsDropped: 0, disconnects: [] });
  let lastPongAt = 0;
  let lastPingAt = 0;
  let disconnectAt = 0;

  // engine.io-client answers a ping with this._sendPacket("pong") (Socket
  // in engine.io-client/build/cjs/socket.js); wrapping the instance's method
  // lets us drop the pong and nothing else.
  const engine = socket.io.engine;
  const send = engine._sendPacket;
  engine._sendPacket = function (type, ...rest) {
    if (type === 'pong') {
      if (cfg.dropPongsAfter >= 0 && obs.pongsSent >= cfg.dropPongsAfter) {
        obs.pongsDropped++;
        return undefined;
      }
      obs.pongsSent++;
      lastPongAt = Date.now();
    }
    return send.call(this, type, ...rest);
  };
  const t0 = Date.now();
  obs.pingTimesMs = []; // since the script started, for failure messages
  // onHandshake reads pingTimeout from this object after emitting it.
  engine.once('handshake', (data) => { data.pingTimeout += cfg.clientSlackMs; });
  engine.on('ping', () => { obs.pings++; lastPingAt = Date.now(); obs.pingTimesMs.push(lastPingAt - t0); });
  socket.on('disconnect', (reason, details) => {
    disconnectAt = Date.now();
    obs.disconnectAtMs = disconnectAt - t0;
    obs.disconnects.push(reason);
    obs.closeCode = details && details.context && details.context.code;
  });

  obs.connectError = await lib.connected(socket, ms);
  if (obs.connectError !== null) return obs;
  const connectedAt = Date.now();
  if (cfg.dropPongsAfter >= 0) {
    await lib.until(() => obs.disconnects.length > 0, ms);
    obs.sinceLastPongMs = disconnectAt && lastPongAt ? disconnectAt - lastPongAt : null;
    obs.sinceLastPingMs = disconnectAt && lastPingAt ? disconnectAt - lastPingAt : null;
  } else {
    await lib.sleep(cfg.watchMs);
    obs.connectedForMs = Date.now() - connectedAt;
    obs.ack = await lib.ack(socket, ms, 'message-with-ack', 'alive');
  }
  obs.connected = socket.connected;
  return obs;
});
