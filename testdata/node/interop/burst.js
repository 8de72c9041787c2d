'use strict';
// burst.js emits `message` with the numbers 0 … count-1, a few per timer
// tick from the moment the client is created: the first ones before the
// connection is up (socket.io-client buffers them), later ones while the
// transport is being upgraded (engine.io-client buffers them during the
// switch) and the rest after. It records the message-back numbers in arrival
// order, to show that nothing is lost, doubled or reordered across polling
// batches and the upgrade (EIO-8, EIO-9, SIO-8).
//
// Config: url, path, transports, namespace, count, perTick, waitMs, quietMs.
const { io } = require('socket.io-client');
const lib = require('./lib');

lib.main(async (cfg, track) => {
  const socket = track(io(cfg.url + cfg.namespace, {
    path: cfg.path, transports: cfg.transports, forceNew: true, reconnection: false,
  }));
  const engine = socket.io.engine;
  const obs = lib.observing({ got: [], sentBeforeConnect: 0, sentWhileUpgrading: 0, upgraded: false });
  socket.on('message-back', (n) => obs.got.push(n));
  engine.on('upgrade', () => { obs.upgraded = true; });

  let next = 0;
  const tick = () => {
    for (const end = Math.min(next + cfg.perTick, cfg.count); next < end; next++) {
      if (!socket.connected) obs.sentBeforeConnect++;
      if (engine.upgrading) obs.sentWhileUpgrading++;
      socket.emit('message', next);
    }
    if (next < cfg.count) setTimeout(tick, 1);
  };
  tick();
  obs.connectError = await lib.connected(socket, cfg.waitMs);
  if (obs.connectError !== null) return obs;
  await lib.until(() => obs.got.length >= cfg.count, cfg.waitMs);
  await lib.sleep(cfg.quietMs); // time for a duplicate to show up
  obs.transport = engine.transport.name;
  return obs;
});
