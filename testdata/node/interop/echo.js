'use strict';
// echo.js drives one echo namespace (PROTOCOL.md section 10) with
// socket.io-client: connect with auth (ECHO-2, SIO-2), acks (ECHO-4, SIO-4),
// message-back (ECHO-3), binary events and acks (SIO-5, EIO-11), room
// fan-out (ECHO-7) and an unknown namespace (SIO-3).
//
// Config: url, path, transports, namespace, auth, args, binaryArgs, room,
// shout, binaryShout, waitMs, quietMs, awaitUpgrade.
const { io } = require('socket.io-client');
const lib = require('./lib');

const wire = lib.tapWire();

lib.main(async (cfg, track) => {
  const ms = cfg.waitMs;
  const opts = (extra) => ({
    path: cfg.path, transports: cfg.transports, forceNew: true, reconnection: false, ...extra,
  });
  const url = cfg.url + cfg.namespace;
  const obs = lib.observing({ order: [] });

  const main = track(io(url, opts({ auth: lib.untag(cfg.auth) })));
  let upgraded = false;
  main.io.engine.on('upgrade', () => { upgraded = true; });
  main.io.engine.once('open', () => { obs.openTransport = main.io.engine.transport.name; });
  main.on('connect', () => obs.order.push('connect'));
  const auth = lib.once(main, 'auth', ms);
  main.on('auth', () => obs.order.push('auth'));
  obs.connectError = await lib.connected(main, ms);
  if (obs.connectError !== null) return obs;
  obs.auth = await auth;

  // ECHO-4: every argument comes back in the ack; emitWithAck keeps the first.
  obs.ackArgs = await lib.ack(main, ms, 'message-with-ack', ...lib.untag(cfg.args));
  obs.emitWithAck = await main.timeout(ms).emitWithAck('message-with-ack', lib.untag(cfg.args[0]))
    .catch(() => ({ $timeout: 'emitWithAck' }));

  // ECHO-3, then the same with binary arguments (SIO-5).
  let back = lib.once(main, 'message-back', ms);
  main.emit('message', ...lib.untag(cfg.args));
  obs.messageBack = await back;
  back = lib.once(main, 'message-back', ms);
  main.emit('message', ...lib.untag(cfg.binaryArgs));
  obs.binaryMessageBack = await back;
  obs.binaryAckArgs = await lib.ack(main, ms, 'message-with-ack', ...lib.untag(cfg.binaryArgs));

  obs.rooms = await fanOut(cfg, main, () => track(io(url, opts({}))));

  // SIO-3 on the same Engine.IO session: the refusal leaves /echo working.
  const engineID = main.io.engine.id;
  const nope = track(main.io.socket('/nope', {}));
  obs.nopeSameSession = await lib.once(nope, 'connect_error', ms).then((a) => (a.$timeout ? a : a[0].message));
  obs.afterNope = await lib.ack(main, ms, 'message-with-ack', 'still-here');
  obs.sameEngineSession = main.io.engine.id === engineID;
  // SIO-3 on a session of its own.
  const alone = track(io(cfg.url + '/nope', opts({})));
  obs.nopeAlone = await lib.connected(alone, ms);

  if (cfg.awaitUpgrade) {
    await lib.until(() => main.io.engine.transport.name === 'websocket', ms);
  }
  obs.upgraded = upgraded;
  obs.transport = main.io.engine.transport.name;
  obs.socketID = main.id;
  obs.wire = wire;
  return obs;
});

// fanOut checks ECHO-7: three members of a room (the sender among them) get
// each shout once, a fourth socket of the namespace gets none.
async function fanOut(cfg, sender, dial) {
  const ms = cfg.waitMs;
  const peers = [dial(), dial(), dial()];
  const errs = await Promise.all(peers.map((s) => lib.connected(s, ms)));
  const members = [sender, peers[0], peers[1]];
  const outsider = peers[2];
  const got = new Map([...members, outsider].map((s) => [s, []]));
  for (const [s, list] of got) s.on('shouted', (...args) => list.push(args));

  const out = { connectErrors: errs };
  out.joinAcks = await Promise.all(members.map((s) => lib.ack(s, ms, 'join', cfg.room)));
  sender.emit('shout', cfg.room, lib.untag(cfg.shout));
  sender.emit('shout', cfg.room, lib.untag(cfg.binaryShout));
  await lib.until(() => members.every((s) => got.get(s).length >= 2), ms);
  await lib.sleep(cfg.quietMs); // time for a wrong extra delivery to show up
  out.members = members.map((s) => got.get(s));
  out.outsider = got.get(outsider);
  return out;
}
