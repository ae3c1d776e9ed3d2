// Shared helpers for the black-box LiveQuery tests (DESIGN §2 LiveQuery, §4 hubs).
//
// `make test` runs every tests/**/*.test.mjs against one `wrangler dev` with PARSE_URL, APP_ID
// and MASTER_KEY in the environment; test files run in parallel processes. Live hubs are shared
// (one global hub for everything), so every subscription here has a `where` that only this
// run's data matches (a fresh SKU, objectId or pointer), and assertions look only at frames for
// those objects.
//
// `Live` wraps one raw `ws` socket: it buffers every frame the server sends, in order, and lets a
// test wait for the first frame matching a predicate (`next`), or check that none arrives within
// a window (`quiet`). A failing wait shows the socket's whole frame log.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import {
  PARSE_URL, APP_ID, MASTER_KEY, MOUNT, rand, post, put, get, show, pointer, withSession, signUp, expectStatus,
} from '../http/support.mjs';

export * from '../http/support.mjs';
export { WebSocket };

/** How long an expected frame may take (publication is asynchronous, after commit). */
export const EVENT_TIMEOUT_MS = Number(process.env.LIVE_EVENT_TIMEOUT_MS ?? 8_000);
/** How long we listen to conclude that a frame is not coming. */
export const QUIET_MS = Number(process.env.LIVE_QUIET_MS ?? 2_000);

const origin = new URL(PARSE_URL);
/** ws:// or wss:// origin of the server. */
export const WS_ORIGIN = `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`;
/** The global hub, at the mount path (where the SDK connects). */
export const GLOBAL_PATH = MOUNT || '/';
/** An artisan's dashboard hub. */
export const dashboardPath = (artisanId) => `${MOUNT}/live/artisans/${artisanId}`;

const openSockets = new Set();

/** Short text of a frame for messages. */
export function brief(frame) {
  return JSON.stringify(frame).slice(0, 600);
}

export class Live {
  constructor(ws, path) {
    this.ws = ws;
    this.path = path;
    this.frames = []; // not yet consumed
    this.log = []; // every frame received, with arrival time
    this.sent = []; // every frame sent
    this.waiters = new Set();
    this.closed = null;
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      let frame;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = { __unparsable: text, binary: isBinary };
      }
      const at = performance.now();
      Object.defineProperty(frame, '__at', { value: at, enumerable: false });
      this.log.push(frame);
      this.frames.push(frame);
      this.pump();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString(), at: performance.now() };
      openSockets.delete(this);
      this.pump();
    });
    ws.on('error', (e) => {
      this.error = e;
    });
  }

  /** Opens a socket on `path` (default: the global hub at the mount) of `origin`'s server. */
  static open(path = GLOBAL_PATH, { timeout = EVENT_TIMEOUT_MS, origin = WS_ORIGIN } = {}) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(origin + path);
      const live = new Live(ws, path);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`WebSocket upgrade on ${path} timed out`));
      }, timeout);
      ws.once('open', () => {
        clearTimeout(timer);
        openSockets.add(live);
        resolve(live);
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          const e = new Error(`upgrade on ${path} answered HTTP ${res.statusCode} ${body.slice(0, 200)}`);
          e.status = res.statusCode;
          e.body = body;
          reject(e);
        });
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** Opens a socket and completes the handshake (asserts `connected`); sets `clientId`. */
  static async connected(path = GLOBAL_PATH, connect = {}, opts = {}) {
    const live = await Live.open(path, opts);
    const reply = await live.connect(connect);
    assert.equal(reply.op, 'connected', `connect on ${path}: ${brief(reply)}`);
    live.clientId = reply.clientId;
    return live;
  }

  send(frame) {
    const text = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    this.sent.push(typeof text === 'string' ? text.slice(0, 300) : '<binary>');
    this.ws.send(text);
  }

  pump() {
    for (const w of [...this.waiters]) {
      const i = this.frames.findIndex(w.pred);
      if (i >= 0) {
        const [frame] = this.frames.splice(i, 1);
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(frame);
      } else if (this.closed) {
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.reject(new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${w.what}\n${this.dump()}`));
      }
    }
  }

  /** The socket's story, for failure messages. */
  dump(n = 25) {
    const sent = this.sent.slice(-10).map((s) => `  → ${s}`).join('\n');
    const got = this.log.slice(-n).map((f) => `  ← ${brief(f)}`).join('\n');
    return `on ${this.path}\nsent (last 10):\n${sent}\nreceived (last ${n} of ${this.log.length}):\n${got}`;
  }

  /** The first unconsumed frame matching `pred`, waiting up to `timeout`; consumes it. */
  next(pred, what = 'a frame', timeout = EVENT_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const w = { pred, what, resolve, reject };
      w.timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}\n${this.dump()}`));
      }, timeout);
      this.waiters.add(w);
      this.pump();
    });
  }

  /** Removes and returns every buffered frame matching `pred`. */
  take(pred) {
    const out = this.frames.filter(pred);
    this.frames = this.frames.filter((f) => !pred(f));
    return out;
  }

  /** Listens `ms` and returns the frames matching `pred` that arrived (consumed). */
  async quiet(pred, ms = QUIET_MS) {
    await new Promise((r) => setTimeout(r, ms));
    return this.take(pred);
  }

  /** Asserts that no frame matching `pred` arrives within `ms`. */
  async assertNone(pred, what, ms = QUIET_MS) {
    const got = await this.quiet(pred, ms);
    assert.deepEqual(got.map(brief), [], `unexpected ${what}\n${this.dump()}`);
  }

  /** Sends `connect` and returns the answer (`connected` or an `error` without requestId). */
  connect(fields = {}) {
    this.send({ op: 'connect', applicationId: APP_ID, ...fields });
    return this.next((f) => f.op === 'connected' || (f.op === 'error' && f.requestId === undefined), 'the answer to connect');
  }

  /** Sends `subscribe` (or `update`) and returns the answer for its requestId. */
  subscribe(requestId, query, extra = {}, op = 'subscribe') {
    this.send({ op, requestId, query, ...extra });
    return this.next(
      (f) => f.requestId === requestId && (f.op === 'subscribed' || f.op === 'error'),
      `the answer to ${op} ${requestId}`,
    );
  }

  /** Subscribes and asserts `subscribed`. */
  async subscribed(requestId, query, extra = {}) {
    const reply = await this.subscribe(requestId, query, extra);
    assert.equal(reply.op, 'subscribed', `subscribe ${requestId} ${JSON.stringify(query)}: ${brief(reply)}\n${this.dump()}`);
    return reply;
  }

  /** Waits for event `op` of subscription `requestId` about object `objectId`. */
  event(op, requestId, objectId, timeout = EVENT_TIMEOUT_MS) {
    return this.next(isEvent(op, requestId, objectId), `a ${op} event for request ${requestId} on ${objectId}`, timeout);
  }

  close() {
    openSockets.delete(this);
    try {
      this.ws.terminate();
    } catch {
      // already gone
    }
  }
}

export const EVENT_OPS = ['create', 'enter', 'update', 'leave', 'delete'];

/** A predicate: an event `op` (or any event when op is null) for `requestId` on `objectId`. */
export function isEvent(op, requestId, objectId) {
  return (f) =>
    (op === null ? EVENT_OPS.includes(f.op) : f.op === op) &&
    (requestId === undefined || f.requestId === requestId) &&
    (objectId === undefined || f.object?.objectId === objectId);
}

/** Any event about `objectId`, whatever the subscription. */
export const about = (objectId) => (f) => EVENT_OPS.includes(f.op) && f.object?.objectId === objectId;

/** The ws:// origin of a server whose Parse URL is `parseUrl` (a private worker's). */
export const wsOrigin = (parseUrl) => new URL(parseUrl).origin.replace(/^http/, 'ws');

/** Terminates every socket still open (use in `after`). */
export function closeAll() {
  for (const live of [...openSockets]) live.close();
}

// ---------------------------------------------------------------------------------------------
// Marketplace data

/** Request options acting as `user` (anything with a `token`). */
export const as = (user, opts = {}) => withSession(user.token, opts);

export const freshSku = (tag = 'live') => `${tag}-${rand(12)}`;

/** A fresh artisan account with its profile: {user, profile}. */
export async function newShop(prefix = 'liveartisan') {
  const user = await signUp(prefix, { role: 'artisan' });
  const res = await post('/classes/Artisan', { name: `Workshop ${rand()}` }, as(user));
  assert.equal(res.status, 201, `creating an Artisan profile: ${show(res)}`);
  return { user, profile: res.json.objectId, pointer: pointer('Artisan', res.json.objectId) };
}

/** A fresh product of `shop`: {id, sku, title, price, stock, pointer}. */
export async function newProduct(shop, fields = {}) {
  const body = { title: `Bowl ${rand(6)}`, sku: freshSku(), price: 25, stock: 5, owner: pointer('Artisan', shop.profile), ...fields };
  const res = await post('/classes/Product', body, as(shop.user));
  assert.equal(res.status, 201, `creating a Product: ${show(res)}`);
  return { ...body, id: res.json.objectId, pointer: pointer('Product', res.json.objectId) };
}

/** PUT /classes/Product/:id as the shop's artisan; asserts 200. */
export async function editProduct(shop, product, body) {
  const res = await put(`/classes/Product/${product.id}`, body, as(shop.user));
  assert.equal(res.status, 200, `editing product ${product.id} with ${JSON.stringify(body)}: ${show(res)}`);
  return res;
}

/** Places a one-item order as `buyer`; returns its objectId. */
export async function placeOrder(buyer, product, quantity = 1) {
  const res = await post('/classes/Order', { items: [{ product: product.pointer, quantity }] }, as(buyer));
  assert.equal(res.status, 201, `placing an order for ${product.id}: ${show(res)}`);
  return res.json.objectId;
}

/** PUT /classes/Order/:id {status} with `opts`; asserts 200. */
export async function setStatus(orderId, status, opts) {
  const res = await put(`/classes/Order/${orderId}`, { status }, opts);
  assert.equal(res.status, 200, `moving order ${orderId} to ${status}: ${show(res)}`);
  return res;
}

/** The stored object, read with the master key. */
export async function readMaster(className, id) {
  return expectStatus(await get(`/classes/${className}/${id}`, { master: true }), 200);
}

export { MASTER_KEY };

// ---------------------------------------------------------------------------------------------
// What a hub stores

const STORED_KEYS_PY = `
import glob, json, os, sqlite3, sys, time
state, hub, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
files = [f for f in glob.glob(os.path.join(state, 'v3', 'do', '*-' + hub, '*.sqlite')) if not f.endswith('metadata.sqlite')]
found, kv_tables = {}, 0
for f in files:
    for attempt in range(20):
        try:
            db = sqlite3.connect('file:' + f + '?mode=ro', uri=True, timeout=5)
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = '_cf_KV'").fetchone():
                break
            kv_tables += 1
            for key, size in db.execute('SELECT key, length(value) FROM _cf_KV WHERE substr(key, 1, ?) = ?', (len(prefix), prefix)):
                found[key] = size
            break
        except sqlite3.OperationalError:
            time.sleep(0.1)
print(json.dumps({'files': len(files), 'kvTables': kv_tables, 'keys': found}))
`;

/**
 * The keys a live hub (`hub`: `LiveHub` or `ArtisanHub`) stores for the socket `clientId`
 * (`sock:<clientId>:…`, see src/live/stored.rs), each with the size of its stored value in
 * bytes. Read, with Python's
 * sqlite3 and read-only, from the Durable Objects' SQLite files that `wrangler dev --persist-to
 * STATE` keeps under STATE/v3/do/<worker>-<class>/<object>.sqlite, whose key-value storage is the
 * table `_cf_KV`. Throws when no such table exists: a test must never pass on a layout it cannot
 * read. Asynchronous on purpose: a synchronous child blocks the event loop, and a fetch right
 * after it can pick a keep-alive connection the server closed meanwhile ("fetch failed").
 */
export async function storedSocketKeys(clientId, { hub = 'LiveHub', stateDir = process.env.PARSE_STATE_DIR } = {}) {
  assert.ok(stateDir, 'PARSE_STATE_DIR (make test sets it) names the server\'s state directory');
  let stdout;
  try {
    ({ stdout } = await promisify(execFile)('python3', ['-c', STORED_KEYS_PY, stateDir, hub, `sock:${clientId}:`], { encoding: 'utf8' }));
  } catch (e) {
    throw new Error(`reading the hubs' storage failed: ${e.stderr ?? e.message}`);
  }
  const { files, kvTables, keys } = JSON.parse(stdout);
  if (kvTables === 0) throw new Error(`no ${hub} key-value table among ${files} files under ${stateDir}/v3/do`);
  return keys;
}

/** Polls `check` (sync or async) every 100 ms until it returns a truthy value; bounded. */
export async function waitFor(check, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
