'use strict';
// webui.js is open-webui's browser client, done with socket.io-client 4.8
// and yjs, against the refserver's app namespace "/" (PROTOCOL.md 3–7, 9, 11).
//
// Startup of every tab (CLIENT-1): GET /api/config (once, as a page load
// does), connect to cfg.path with auth {token} and the transports that
// features.enable_websocket selects (CLIENT-2), GET /api/version with the
// bearer token, start the heartbeat (SESS-1; every cfg.heartbeatMs, since
// the served interval is at least 5 s; it stops on disconnect and starts
// again on connect, CLIENT-5), then user-join with an ack (AUTH-4). The
// identity the ack names is what the tab later announces in documents.
//
// Then three phases, each recording every event each tab receives, as
// [name, ...args] in arrival order:
//   stream: waits until the tabs in cfg.streamTabs have each received the
//     final chat:completion (done:true) of the stream that the Go side
//     starts (CHAT-1);
//   typing: cfg.typingFrom emits events:channel typing in cfg.channel (CHAN-2);
//   doc: cfg.doc.first and cfg.doc.second join cfg.doc.id (DOC-1), each
//     makes a Yjs edit on its own Y.Doc and sends it at the same time, the
//     first as an int array with its user_id, the second as binary without
//     one (DOC-2); each applies what is relayed to it; then cfg.doc.third
//     joins and builds a fresh Y.Doc from the state it gets.
//
// Config: url, path, waitMs, quietMs, deadlineMs, heartbeatMs, streamWaitMs,
// tabs: [{name, token, color}], streamTabs, typingFrom, channel,
// doc: {id, first, second, third, edits: {<tab>: {text, clientID}}}.
const { io } = require('socket.io-client');
const Y = require('yjs');
const lib = require('./lib');

// stdout carries the observations only; Yjs's own warnings go to stderr.
console.log = console.warn = (...args) => process.stderr.write(args.join(' ') + '\n');

const wire = lib.tapWire();

lib.main(async (cfg, track) => {
  const ms = cfg.waitMs;
  const obs = lib.observing({ tabs: {} });

  const config = await getJSON(cfg.url + '/api/config');
  obs.config = config;
  const features = (config.body && config.body.features) || {};
  obs.transports = features.enable_websocket ? ['websocket'] : ['polling', 'websocket'];

  const tabs = {};
  for (const tc of cfg.tabs) {
    tabs[tc.name] = { ...tc, events: [], heartbeats: 0 };
    obs.tabs[tc.name] = await startTab(cfg, tabs[tc.name], obs.transports, track);
  }
  const all = Object.values(tabs);
  // take returns what each tab received since the last take.
  const take = () => {
    const out = {};
    for (const t of all) {
      out[t.name] = t.events;
      t.events = [];
    }
    return out;
  };
  if (all.some((t) => !t.user)) return obs;

  // stream (CHAT-1): the Go side starts it once every tab is connected.
  const done = (t) => t.events.some(([name, p]) => name === 'events' && p && p.data
    && p.data.type === 'chat:completion' && p.data.data && p.data.data.done === true);
  obs.streamDone = await lib.until(() => cfg.streamTabs.every((n) => done(tabs[n])), cfg.streamWaitMs);
  await lib.sleep(cfg.quietMs); // time for a wrong extra delivery to show up
  obs.stream = take();

  // typing (CHAN-2): every socket of the channel's members, the sender's included.
  tabs[cfg.typingFrom].socket.emit('events:channel', {
    channel_id: cfg.channel, message_id: null, data: { type: 'typing', data: { typing: true } },
  });
  await lib.until(() => all.every((t) => t.events.length >= 1), ms);
  await lib.sleep(cfg.quietMs);
  obs.typing = take();

  obs.doc = await documentPhase(cfg, tabs);
  obs.doc.events = take();

  for (const t of all) {
    obs.tabs[t.name].transport = t.socket.io.engine.transport.name;
    obs.tabs[t.name].heartbeats = t.heartbeats;
  }
  obs.wire = wire;
  return obs;
});

// startTab is one tab's startup (CLIENT-1); it returns what the tab saw.
async function startTab(cfg, t, transports, track) {
  const ms = cfg.waitMs;
  const socket = track(io(cfg.url, {
    path: cfg.path,
    transports,
    auth: { token: t.token },
    forceNew: true, // one connection per tab, as separate pages have
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    randomizationFactor: 0.5,
  }));
  t.socket = socket;
  socket.onAny((name, ...args) => t.events.push([name, ...args]));
  const o = {};
  socket.io.engine.once('open', () => { o.openTransport = socket.io.engine.transport.name; });
  o.connectError = await lib.connected(socket, ms);
  if (o.connectError !== null) return o;
  o.id = socket.id;
  o.version = await getJSON(cfg.url + '/api/version', t.token);

  let timer = null;
  const stop = () => {
    clearInterval(timer);
    timer = null;
  };
  const start = () => {
    stop();
    timer = setInterval(() => {
      socket.emit('heartbeat', {});
      t.heartbeats++;
    }, cfg.heartbeatMs);
  };
  start();
  socket.on('connect', start);
  socket.on('disconnect', stop);

  o.userJoin = await lib.ack(socket, ms, 'user-join', { auth: { token: t.token } });
  if (Array.isArray(o.userJoin) && o.userJoin[0] && o.userJoin[0].id) t.user = o.userJoin[0];
  return o;
}

// documentPhase runs the doc phase and returns what the editors sent and
// the text each Y.Doc ends with.
async function documentPhase(cfg, tabs) {
  const ms = cfg.waitMs;
  const d = cfg.doc;
  const out = { sent: {}, text: {}, errors: [] };
  const count = (t, name) => t.events.filter(([n]) => n === name).length;
  const docs = {};
  const apply = (name, ints) => {
    try {
      Y.applyUpdate(docs[name], Uint8Array.from(ints), 'remote');
    } catch (err) {
      out.errors.push(`${name}: ${err.message}`);
    }
  };
  const join = async (name) => {
    const t = tabs[name];
    docs[name] = new Y.Doc();
    if (d.edits[name]) docs[name].clientID = d.edits[name].clientID;
    t.socket.on('ydoc:document:update', (m) => {
      if (m && Array.isArray(m.update)) apply(name, m.update);
    });
    const n = count(t, 'ydoc:document:state');
    t.socket.emit('ydoc:document:join', {
      document_id: d.id, user_id: t.user.id, user_name: t.user.name, user_color: t.color,
    });
    await lib.until(() => count(t, 'ydoc:document:state') > n, ms);
    const state = t.events.filter(([e]) => e === 'ydoc:document:state').pop();
    if (state && state[1] && Array.isArray(state[1].state)) apply(name, state[1].state);
  };
  const first = tabs[d.first];
  const second = tabs[d.second];
  await join(d.first);
  await join(d.second);
  await lib.until(() => count(first, 'ydoc:user:joined') >= 1, ms);

  // Concurrent edits: neither has seen the other's when it sends.
  const edit = (name) => {
    docs[name].getText('content').insert(0, d.edits[name].text);
    return Y.encodeStateAsUpdate(docs[name]);
  };
  const u1 = Array.from(edit(d.first));
  const u2 = edit(d.second);
  out.sent[d.first] = u1;
  out.sent[d.second] = Array.from(u2);
  first.socket.emit('ydoc:document:update', { document_id: d.id, user_id: first.user.id, update: u1 });
  second.socket.emit('ydoc:document:update', { document_id: d.id, update: u2 }); // a Uint8Array: binary
  await lib.until(() => count(first, 'ydoc:document:update') >= 1 && count(second, 'ydoc:document:update') >= 1, ms);
  await lib.sleep(cfg.quietMs);

  await join(d.third);
  await lib.until(() => count(first, 'ydoc:user:joined') >= 2 && count(second, 'ydoc:user:joined') >= 1, ms);
  await lib.sleep(cfg.quietMs);
  for (const [name, doc] of Object.entries(docs)) out.text[name] = doc.getText('content').toString();
  return out;
}

// getJSON fetches url (with a bearer token when given) and returns
// {status, body}; a network failure is recorded as {error}.
async function getJSON(url, token) {
  try {
    const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: await res.json() };
  } catch (err) {
    return { error: String(err && err.message) };
  }
}
