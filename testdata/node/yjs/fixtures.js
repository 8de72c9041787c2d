'use strict'
// Yjs fixtures for stampede's Go tests (internal/yjs, refserver/webui).
//
//   node fixtures.js generate <seed> <cases>
//       Random concurrent edits by several Y.Docs (Y.Text with formats and
//       embeds, Y.Map with every value kind, Y.Array, Y.XmlFragment, nested
//       types, sub-documents, legacy ContentJSON), with deletions, partial
//       syncs, state snapshots and merged pieces. Prints
//       {"cases":[{"name","updates":[b64],"merged":b64,"content"}]}, merged
//       being Y.mergeUpdates(updates) and content the JSON of every root
//       type of a Y.Doc built from the updates.
//   node fixtures.js special
//       Hand-made cases (surrogate pairs cut, typing runs with gaps, GC
//       ranges, split Deleted/Any/JSON items, map overwrites), same shape.
//   node fixtures.js typing <seed> <n>
//       One Y.Doc, n small edits, one update each: {"updates":[b64]}.
//   node fixtures.js check  (stdin: {"cases":[{"name","updates":[b64],"merged":b64}]})
//       For each case: a Y.Doc built from the updates and one built from
//       merged alone must be the same document (content of every root type,
//       state vector, delete set, pending structs). Prints
//       {"results":[{"name","ok","why","content"}]}.
//
// Everything is deterministic for a seed.

const Y = require('yjs')

// stdout carries the JSON answer only; Yjs's own warnings go to stderr.
console.log = console.warn = (...args) => process.stderr.write(args.join(' ') + '\n')

const b64 = u => Buffer.from(u).toString('base64')
const unb64 = s => new Uint8Array(Buffer.from(s, 'base64'))

function rng (seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  next.int = n => Math.floor(next() * n)
  next.pick = xs => xs[next.int(xs.length)]
  next.chance = p => next() < p
  return next
}

const PIECES = ['a', 'b', 'hello', ' ', 'world', 'é', '中文', '😀', '👩‍👩‍👧', 'x\ny', '\u{1F600}\u{1F601}', 'ß']

function randomText (r) {
  let s = ''
  for (let n = 1 + r.int(3); n > 0; n--) s += r.pick(PIECES)
  return s
}

function randomAny (r, depth = 0) {
  switch (r.int(depth > 1 ? 6 : 8)) {
    case 0: return r.int(1000) - 500
    case 1: return r() * 1e6
    case 2: return randomText(r)
    case 3: return r.chance(0.5)
    case 4: return null
    case 5: return 2 ** 40 + r.int(10)
    case 6: return [randomAny(r, depth + 1), randomAny(r, depth + 1)]
    default: return { k: randomAny(r, depth + 1), [randomText(r)]: randomAny(r, depth + 1) }
  }
}

// encoder writes hand-made v1 updates: one client group of structs, an
// empty delete set.
function encoder () {
  const bytes = []
  const uint = v => { while (v >= 0x80) { bytes.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80) } bytes.push(v) }
  const str = s => { const b = Buffer.from(s, 'utf8'); uint(b.length); bytes.push(...b) }
  return { bytes, uint, str }
}

// pieceUpdate is a string item of root text "text", or a GC range when
// text is null, as one update.
function pieceUpdate (client, clock, origin, text, length) {
  const e = encoder()
  e.uint(1); e.uint(1); e.uint(client); e.uint(clock)
  if (text === null) {
    e.bytes.push(0); e.uint(length)
  } else if (origin) {
    e.bytes.push(4 | 0x80); e.uint(origin.client); e.uint(origin.clock); e.str(text)
  } else {
    e.bytes.push(4); e.uint(1); e.str('text'); e.str(text)
  }
  e.uint(0)
  return new Uint8Array(e.bytes)
}

// jsonUpdate is a legacy ContentJSON item of the root array "legacy"
// (current Yjs never writes ContentJSON, but reads it).
function jsonUpdate (client, clock, origin, values) {
  const e = encoder()
  e.uint(1); e.uint(1); e.uint(client); e.uint(clock)
  if (origin) {
    e.bytes.push(2 | 0x80); e.uint(origin.client); e.uint(origin.clock)
  } else {
    e.bytes.push(2); e.uint(1); e.str('legacy')
  }
  e.uint(values.length)
  for (const v of values) e.str(v === undefined ? 'undefined' : JSON.stringify(v))
  e.uint(0)
  return new Uint8Array(e.bytes)
}

function edit (r, doc, sub) {
  const text = doc.getText('text')
  const map = doc.getMap('map')
  const arr = doc.getArray('array')
  const xml = doc.getXmlFragment('xml')
  switch (r.int(12)) {
    case 0: case 1: {
      const attrs = r.chance(0.3) ? { bold: true } : undefined
      text.insert(r.int(text.length + 1), randomText(r), attrs)
      break
    }
    case 2:
      if (text.length > 0) {
        const at = r.int(text.length)
        text.delete(at, 1 + r.int(Math.min(6, text.length - at)))
      }
      break
    case 3:
      if (text.length > 0) {
        const at = r.int(text.length)
        text.format(at, 1 + r.int(text.length - at), r.chance(0.5) ? { italic: true } : { italic: null, color: '#f00' })
      } else {
        text.insertEmbed(0, { image: 'x.png' })
      }
      break
    case 4: {
      const kind = r.int(6)
      const key = 'k' + r.int(6)
      if (kind === 0) map.set(key, new Uint8Array([r.int(256), r.int(256)]))
      else if (kind === 1) map.set(key, new Y.Map())
      else if (kind === 2) map.set(key, new Y.Array())
      else if (kind === 3) map.set(key, new Y.Doc({ guid: 'sub-' + sub.n++ }))
      else map.set(key, randomAny(r))
      break
    }
    case 5:
      if (map.size > 0) map.delete(r.pick([...map.keys()]))
      break
    case 6: {
      const nested = [...map.values()].filter(v => v instanceof Y.Map || v instanceof Y.Array)
      if (nested.length === 0) break
      const t = r.pick(nested)
      if (t instanceof Y.Map) t.set('n' + r.int(3), randomAny(r))
      else if (r.chance(0.7) || t.length === 0) t.insert(r.int(t.length + 1), [randomAny(r), randomAny(r)])
      else t.delete(r.int(t.length))
      break
    }
    case 7: case 8: {
      const values = []
      for (let n = 1 + r.int(4); n > 0; n--) values.push(randomAny(r))
      arr.insert(r.int(arr.length + 1), values)
      break
    }
    case 9:
      if (arr.length > 0) {
        const at = r.int(arr.length)
        arr.delete(at, 1 + r.int(Math.min(3, arr.length - at)))
      }
      break
    case 10: {
      const el = new Y.XmlElement(r.pick(['p', 'h1', 'li']))
      el.setAttribute('class', randomText(r))
      el.insert(0, [new Y.XmlText(randomText(r))])
      xml.insert(r.int(xml.length + 1), r.chance(0.1) ? [new Y.XmlHook('hook')] : [el])
      break
    }
    case 11:
      if (xml.length > 0) {
        const node = xml.get(r.int(xml.length))
        if (node instanceof Y.XmlElement && r.chance(0.6)) {
          const t = node.get(0)
          if (t instanceof Y.XmlText && t.length > 0) t.delete(0, 1)
          else node.setAttribute('class', randomText(r))
        } else {
          xml.delete(xml.toArray().indexOf(node))
        }
      }
      break
  }
}

// legacy appends a ContentJSON item from doc's legacy writer (a client id
// of its own: a doc that receives its own id changes it), after the
// writer's last item. Outside any transaction: applyUpdate inside one would
// make the doc's own edits look remote.
function legacy (r, doc) {
  doc.getArray('legacy')
  const client = doc.clientID + 500000
  const clock = Y.getState(doc.store, client)
  const values = [randomAny(r), r.chance(0.2) ? undefined : randomText(r)]
  const origin = clock > 0 ? { client, clock: clock - 1 } : null
  Y.applyUpdate(doc, jsonUpdate(client, clock, origin, values))
}

function scenario (seed) {
  const r = rng(seed)
  const sub = { n: 0 }
  const docs = []
  const log = []
  for (let i = 0, n = 2 + r.int(3); i < n; i++) {
    const doc = new Y.Doc({ gc: r.chance(0.7) })
    doc.clientID = 1 + ((seed * 7919 + i * 104729) % 1000000)
    doc.on('update', u => log.push(u))
    docs.push(doc)
  }
  const extra = []
  for (let step = 0, steps = 20 + r.int(60); step < steps; step++) {
    const doc = r.pick(docs)
    if (r.chance(0.15) && log.length > 0) {
      // partial sync: some of the log, maybe leaving gaps (pending structs)
      const target = r.pick(docs)
      const from = r.int(log.length)
      for (const u of log.slice(from, from + 1 + r.int(8))) Y.applyUpdate(target, u, 'remote')
    } else if (r.chance(0.1)) {
      extra.push(Y.encodeStateAsUpdate(doc))
    } else if (r.chance(0.1)) {
      // a typing run, one transaction per piece: the doc merges the items
      // that its updates carry one by one
      const text = doc.getText('text')
      let at = r.int(text.length + 1)
      for (let n = 2 + r.int(5); n > 0; n--) {
        const piece = r.pick(PIECES)
        text.insert(at, piece)
        at += piece.length
      }
    } else if (r.chance(0.05) && log.length > 3) {
      const from = r.int(log.length - 2)
      extra.push(Y.mergeUpdates(log.slice(from, from + 2 + r.int(4))))
    } else if (r.chance(0.03) && log.length > 0) {
      const other = r.pick(docs)
      extra.push(Y.diffUpdate(r.pick(log), Y.encodeStateVector(other)))
    } else if (r.chance(0.08)) {
      legacy(r, doc)
    } else {
      doc.transact(() => { for (let n = 1 + r.int(2); n > 0; n--) edit(r, doc, sub) })
    }
  }
  // the case: a random part of everything that was sent, in random order
  const all = log.concat(extra)
  const take = []
  for (const u of all) if (r.chance(0.85)) take.push(u)
  for (let i = take.length - 1; i > 0; i--) {
    const j = r.int(i + 1)
    ;[take[i], take[j]] = [take[j], take[i]]
  }
  return take
}

// special cases: hand-made situations that random edits rarely reach, each
// with its updates in several orders.
function special () {
  const cases = []
  const add = (name, updates) => cases.push({ name, updates: updates.map(b64), merged: b64(Y.mergeUpdates(updates)), content: content(build(updates)) })
  const track = (doc, client) => {
    doc.clientID = client
    const log = []
    doc.on('update', u => log.push(u))
    return log
  }

  // A string item cut inside a surrogate pair: B inserts between the halves
  // of A's emoji, so B's state holds A's item in two pieces ending and
  // starting with U+FFFD; merging them with A's whole item slices it there.
  {
    const a = new Y.Doc()
    const la = track(a, 100)
    a.getText('text').insert(0, 'a😀b😀c')
    const b = new Y.Doc()
    const lb = track(b, 50)
    Y.applyUpdate(b, la[0])
    b.getText('text').insert(2, 'x')
    b.getText('text').insert(6, 'y')
    const sb = Y.encodeStateAsUpdate(b)
    add('surrogate-state-first', [sb, la[0]])
    add('surrogate-update-first', [la[0], sb])
    add('surrogate-with-updates', [lb[0], sb, la[0], lb[1]])
    // B's first piece of A's item alone, then the whole item: the whole
    // item is cut after the piece, inside the emoji
    const piece = pieceUpdate(100, 0, null, 'a\uFFFD')
    add('surrogate-piece-then-whole', [piece, la[0]])
    add('surrogate-piece-then-state', [piece, sb])
  }

  // GC ranges that join: one ending where the next starts, and one that
  // overlaps a longer one.
  {
    add('gc-adjacent', [pieceUpdate(9, 0, null, null, 3), pieceUpdate(9, 3, null, null, 4)])
    add('gc-overlap', [pieceUpdate(9, 0, null, null, 3), pieceUpdate(9, 0, null, null, 5)])
    add('gc-overlap-gap', [pieceUpdate(9, 0, null, null, 3), pieceUpdate(9, 1, null, null, 5), pieceUpdate(9, 9, null, null, 1)])
  }

  // A typing run: five updates of one item each, merged by the doc into one
  // item in its state; gaps between the updates give Skips.
  {
    const a = new Y.Doc()
    const la = track(a, 7)
    const t = a.getText('text')
    for (const [i, piece] of ['h', 'e', 'll', 'o', '😀'].entries()) t.insert(t.length, piece, i === 2 ? { bold: true } : undefined)
    const s = Y.encodeStateAsUpdate(a)
    add('typing-first-then-state', [la[0], s])
    add('typing-state-then-middle', [s, la[2], la[3]])
    add('typing-gaps', [la[0], la[2], la[4]])
    add('typing-gaps-reversed', [la[4], la[2], la[0]])
    add('typing-all-and-state', [...la, s])
  }

  // GC ranges: nested arrays deleted one after the other; each state holds
  // GC for the children of the deleted arrays, to be sliced and joined.
  {
    const d = new Y.Doc()
    const ld = track(d, 9)
    const arr = d.getArray('array')
    const n1 = new Y.Array()
    const n2 = new Y.Array()
    arr.insert(0, [n1, n2])
    n1.insert(0, [1, 2, 3])
    n2.insert(0, ['a', 'b'])
    n1.insert(3, [4])
    const s0 = Y.encodeStateAsUpdate(d)
    arr.delete(0, 1)
    const s1 = Y.encodeStateAsUpdate(d)
    arr.delete(0, 1)
    const s2 = Y.encodeStateAsUpdate(d)
    add('gc-states', [s1, s2])
    add('gc-states-reversed', [s2, s1])
    add('gc-states-and-updates', [s0, ...ld, s1, s2])
    add('gc-updates-then-states', [...ld.slice(0, 3), s2, s1])
  }

  // Deleted content and split Any and JSON items: a state after deletions in
  // the middle of items merged with the updates holding the whole items.
  {
    const d = new Y.Doc()
    const ld = track(d, 11)
    d.getText('text').insert(0, 'hello world')
    d.getArray('array').insert(0, [1, 2, 3, 4, 5])
    d.getArray('legacy')
    Y.applyUpdate(d, jsonUpdate(12, 0, null, [1, 'two', { three: 3 }, undefined]))
    d.getText('text').delete(2, 5)
    d.getArray('array').delete(1, 2)
    d.getArray('legacy').delete(1, 2)
    const s = Y.encodeStateAsUpdate(d)
    add('split-state-first', [s, ...ld])
    add('split-updates-first', [...ld, s])
    add('split-reversed', [...ld].reverse().concat([s]))
  }

  // Map entries overwritten: the older values are deleted (GC'd with gc on).
  {
    const d = new Y.Doc()
    const ld = track(d, 13)
    const m = d.getMap('map')
    for (let i = 0; i < 4; i++) m.set('k', { i })
    m.set('bin', new Uint8Array([1, 2, 3]))
    m.set('doc', new Y.Doc({ guid: 'sub-special' }))
    m.set('k', 'last')
    add('map-overwrites', [...ld, Y.encodeStateAsUpdate(d)])
    add('map-state-first', [Y.encodeStateAsUpdate(d), ...ld])
  }
  return cases
}

function norm (v) {
  if (v === undefined) return { undefined: true }
  if (v instanceof Y.Doc) return { subdoc: v.guid }
  if (v instanceof Uint8Array) return { binary: Array.from(v) }
  if (v instanceof Y.Map) {
    const o = {}
    for (const k of [...v.keys()].sort()) o[k] = norm(v.get(k))
    return { ymap: o }
  }
  if (v instanceof Y.Array) return { yarray: v.toArray().map(norm) }
  if (v instanceof Y.XmlFragment || v instanceof Y.XmlElement || v instanceof Y.XmlText) return { xml: v.toString() }
  if (v instanceof Y.Text) return { ytext: v.toDelta().map(norm) }
  if (Array.isArray(v)) return v.map(norm)
  if (v !== null && typeof v === 'object') {
    const o = {}
    for (const k of Object.keys(v).sort()) o[k] = norm(v[k])
    return o
  }
  return v
}

function content (doc) {
  return JSON.stringify({
    text: doc.getText('text').toDelta().map(norm),
    map: norm(doc.getMap('map')),
    array: norm(doc.getArray('array')),
    legacy: norm(doc.getArray('legacy')),
    xml: doc.getXmlFragment('xml').toString()
  })
}

function pending (doc) {
  const p = doc.store.pendingStructs
  const meta = p ? Y.parseUpdateMeta(p.update) : { from: new Map(), to: new Map() }
  const ds = doc.store.pendingDs ? Y.decodeUpdateV2(doc.store.pendingDs).ds : null
  const sorted = m => [...m.entries()].sort((a, b) => a[0] - b[0])
  const dsList = ds ? [...ds.clients.entries()].sort((a, b) => a[0] - b[0]).map(([c, items]) => [c, items.map(i => [i.clock, i.len])]) : null
  return JSON.stringify({ from: sorted(meta.from), to: sorted(meta.to), ds: dsList })
}

function build (updates) {
  const doc = new Y.Doc()
  for (const u of updates) Y.applyUpdate(doc, u)
  return doc
}

function same (a, b) {
  const ca = content(a)
  const cb = content(b)
  if (ca !== cb) return `content differs:\n  updates: ${ca}\n  merged:  ${cb}`
  if (b64(Y.encodeStateVector(a)) !== b64(Y.encodeStateVector(b))) return 'state vectors differ'
  if (!Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b))) return 'delete sets differ'
  if (pending(a) !== pending(b)) return `pending structs differ: ${pending(a)} vs ${pending(b)}`
  return ''
}

function main () {
  const [cmd, a1, a2] = process.argv.slice(2)
  if (cmd === 'generate') {
    const seed = Number(a1)
    const cases = []
    for (let i = 0; i < Number(a2); i++) {
      const updates = scenario(seed * 1000 + i)
      cases.push({ name: `seed${seed}-case${i}`, updates: updates.map(b64), merged: b64(Y.mergeUpdates(updates)), content: content(build(updates)) })
    }
    process.stdout.write(JSON.stringify({ cases }))
  } else if (cmd === 'special') {
    process.stdout.write(JSON.stringify({ cases: special() }))
  } else if (cmd === 'typing') {
    const r = rng(Number(a1))
    const doc = new Y.Doc()
    doc.clientID = 4242
    const updates = []
    doc.on('update', u => updates.push(b64(u)))
    const text = doc.getText('text')
    while (updates.length < Number(a2)) {
      if (text.length > 3 && r.chance(0.2)) text.delete(r.int(text.length), 1)
      else if (r.chance(0.1)) doc.getMap('map').set('k' + r.int(4), randomAny(r))
      else text.insert(r.int(text.length + 1), r.pick(PIECES))
    }
    process.stdout.write(JSON.stringify({ updates }))
  } else if (cmd === 'check') {
    const input = JSON.parse(require('fs').readFileSync(0, 'utf8'))
    const results = input.cases.map(c => {
      const a = build(c.updates.map(unb64))
      const b = build([unb64(c.merged)])
      return { name: c.name, ok: same(a, b) === '', why: same(a, b), content: content(b) }
    })
    process.stdout.write(JSON.stringify({ results }))
  } else {
    process.stderr.write('usage: fixtures.js generate <seed> <cases> | special | typing <seed> <n> | check < cases.json\n')
    process.exit(2)
  }
}

main()
