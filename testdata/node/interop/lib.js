'use strict';
// Shared plumbing of the interop scripts (refserver/interop_test.go).
//
// Protocol with the Go side: the script's JSON config is argv[2]; the script
// prints exactly one JSON object of observations on stdout, then keeps its
// clients connected until stdin ends, so that the Go test can look at the
// server's state while they are still there. Scripts never assert: a missing
// reply is recorded as {"$timeout": "<what>"} so that the Go assertion shows
// what was missing. Binary values travel in JSON as {"$bin": "<base64>"} in
// both directions (see tag and untag). Only an unexpected exception (exit 1,
// stack on stderr) or the whole run outlasting cfg.deadlineMs (exit 3, the
// partial observations on stdout) ends a script with a non-zero status.

function config() {
  if (process.argv.length < 3) {
    throw new Error('usage: node <script>.js <json-config>');
  }
  return JSON.parse(process.argv[2]);
}

// tag replaces binary values (Buffer, ArrayBuffer, typed arrays) with
// {"$bin": base64}, recursively.
function tag(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString('base64') };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString('base64') };
  if (ArrayBuffer.isView(v)) {
    return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  }
  if (Array.isArray(v)) return v.map(tag);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = tag(x);
    return out;
  }
  return v;
}

// untag is the inverse of tag: {"$bin": base64} becomes a Buffer.
function untag(v) {
  if (Array.isArray(v)) return v.map(untag);
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$bin') return Buffer.from(v.$bin, 'base64');
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = untag(x);
    return out;
  }
  return v;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// within resolves with what promise resolves with, or with {"$timeout": what}
// after ms.
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ $timeout: what }), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// once resolves with the argument list of the next `event` on emitter.
function once(emitter, event, ms) {
  return within(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))), ms, event);
}

// ack emits event with args and an ack callback and resolves with the ack's
// whole argument list (emitWithAck would keep only the first).
function ack(socket, ms, event, ...args) {
  return new Promise((resolve) => {
    socket.timeout(ms).emit(event, ...args, (err, ...reply) => {
      resolve(err ? { $timeout: `ack of ${event}` } : reply);
    });
  });
}

// until polls cond every 10 ms and resolves true once it holds, false after ms.
async function until(cond, ms) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

// connected resolves with null once socket connects, or with the message of
// its connect_error, or with {"$timeout": "connect"}.
function connected(socket, ms) {
  return within(new Promise((resolve) => {
    if (socket.connected) return resolve(null);
    socket.once('connect', () => resolve(null));
    socket.once('connect_error', (err) => resolve(err.message));
  }), ms, 'connect');
}

// tapWire counts packets as they cross the wire: binary ones in both
// directions, as base64 `b…` records in polling payloads or binary websocket
// frames (EIO-11), and close packets `1` arriving in polling payloads. It
// patches the transport classes that engine.io-client (and so
// socket.io-client) uses, for the whole process.
function tapWire() {
  const { transports } = require('engine.io-client');
  const wire = { pollingBase64In: 0, pollingBase64Out: 0, wsBinaryIn: 0, wsBinaryOut: 0, pollingCloseIn: 0 };
  const records = (payload, keep) => (typeof payload === 'string'
    ? payload.split('\x1e').filter(keep).length : 0);
  const isBase64 = (r) => r.startsWith('b');
  const P = transports.polling.prototype;
  const W = transports.websocket.prototype;
  const pollIn = P.onData;
  P.onData = function (data) {
    wire.pollingBase64In += records(data, isBase64);
    wire.pollingCloseIn += records(data, (r) => r === '1');
    return pollIn.call(this, data);
  };
  const pollOut = P.doWrite;
  P.doWrite = function (data, fn) {
    wire.pollingBase64Out += records(data, isBase64);
    return pollOut.call(this, data, fn);
  };
  const wsIn = W.onData;
  W.onData = function (data) {
    if (typeof data !== 'string') wire.wsBinaryIn++;
    return wsIn.call(this, data);
  };
  const wsOut = W.doWrite;
  W.doWrite = function (packet, data) {
    if (typeof data !== 'string') wire.wsBinaryOut++;
    return wsOut.call(this, packet, data);
  };
  return wire;
}

// partial is what the script has observed so far (see observing): printed
// if the deadline passes, so that the Go side can tell what was missing.
let partial = null;

// observing registers the script's observations object as it fills up.
function observing(obs) {
  partial = obs;
  return obs;
}

// main runs fn(cfg, track) and prints its result; every socket passed to
// track is closed after stdin ends. After cfg.deadlineMs it prints what was
// observed so far and exits 3.
function main(fn) {
  const open = [];
  const track = (s) => { open.push(s); return s; };
  let cfg;
  (async () => {
    cfg = config();
    const deadline = setTimeout(() => {
      process.stderr.write(`interop: deadline of ${cfg.deadlineMs} ms exceeded\n`);
      process.stdout.write(JSON.stringify(tag({ ...partial, $deadline: true })) + '\n', () => process.exit(3));
    }, cfg.deadlineMs);
    const result = await fn(cfg, track);
    clearTimeout(deadline);
    process.stdout.write(JSON.stringify(tag(result)) + '\n');
    await new Promise((resolve) => {
      process.stdin.on('end', resolve);
      process.stdin.on('error', resolve);
      process.stdin.resume();
    });
    for (const s of open) s.close();
    // No process.exit here: a polling client's last packets (its DISCONNECT
    // and its close, POSTs) and a GET it has only begun must reach the
    // server, else the server keeps the session until pingTimeout and a
    // test's shutdown waits on it. The process ends when they are done;
    // the timer, which does not keep it alive, ends a straggler.
    setTimeout(() => process.exit(0), 3000).unref();
  })().catch((err) => {
    process.stderr.write(`interop: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
}

module.exports = {
  ack, connected, main, observing, once, sleep, tag, tapWire, until, untag, within,
};
