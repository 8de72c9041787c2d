'use strict';
// raw.js talks plain Engine.IO to the raw echo (ECHO-1) with engine.io-client
// (socket.io-client's own transport layer): it sends each message of
// cfg.messages (strings, or {"$bin": base64} for binary) and records what
// comes back, in order.
//
// Config: url, path, transports, messages, waitMs, quietMs, awaitUpgrade.
const { Socket } = require('engine.io-client');
const lib = require('./lib');

const wire = lib.tapWire();

lib.main(async (cfg, track) => {
  const ms = cfg.waitMs;
  const socket = track(new Socket(cfg.url, { path: cfg.path, transports: cfg.transports }));
  const obs = lib.observing({ received: [] });
  socket.on('message', (data) => obs.received.push(data));
  obs.openError = await lib.within(new Promise((resolve) => {
    socket.once('open', () => resolve(null));
    socket.once('error', (err) => resolve(String(err && err.message)));
  }), ms, 'open');
  if (obs.openError !== null) return obs;
  obs.openTransport = socket.transport.name;
  if (cfg.awaitUpgrade) {
    await lib.until(() => socket.transport.name === 'websocket', ms);
  }
  await lib.sleep(cfg.quietMs);
  obs.beforeSending = obs.received.length; // nothing comes unasked

  for (const m of lib.untag(cfg.messages)) socket.send(m);
  await lib.until(() => obs.received.length >= cfg.messages.length, ms);
  await lib.sleep(cfg.quietMs); // time for a wrong extra echo to show up
  obs.transport = socket.transport.name;
  obs.wire = wire;
  return obs;
});
