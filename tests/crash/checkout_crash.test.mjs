// Crash safety of checkout (issue 7, part 3; DESIGN §4): a private `wrangler dev` is killed
// (SIGKILL of wrangler and workerd at once) while checkouts are in flight, restarted on the same
// local state, and every unanswered request is retried with its idempotency key, as a client
// would. Then, with the master key and in D1 itself:
//
// - every order a client saw acknowledged exists, with its buyer and items;
// - retrying any request answers its first outcome: an acknowledged key the same order, and
//   no key ever two orders (the `_Idempotency` rows, written in the orders' own transactions,
//   name exactly the orders that exist, one each);
// - stock is conserved: per product, initial stock = stock left + quantities ordered.
//
// Only how interesting a run is depends on timing (how many requests the kill catches in
// flight), never whether it passes: every outcome a crash may leave is checked, none assumed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorker } from '../support/worker.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = path.join(ROOT, 'node_modules/.bin/wrangler');

const STOCK = 20;
const PRODUCTS = [
  { title: 'Crash vase', price: 12.5 },
  { title: 'Crash bowl', price: 30 },
  { title: 'Crash cup', price: 7.25 },
];
const BUYERS = 8;
const REQUESTS = 96;
const CLIENTS = 16;
/** The server is killed when this many checkouts have been acknowledged. */
const KILL_AFTER_ACKS = 20;
/** One request in this many repeats an earlier request: same buyer, key and body. */
const REPEAT_EVERY = 6;

const rand = (n = 8) => randomBytes(n).toString('hex').slice(0, n);
const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });

/** One request to `base`; resolves to {status, json}, rejects when the connection fails. */
async function call(worker, method, route, body, headers = {}) {
  const res = await fetch(worker.url + route, {
    method,
    headers: { 'X-Parse-Application-Id': worker.appId, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function ok(promise, status, what) {
  const res = await promise;
  assert.equal(res.status, status, `${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

const master = (worker) => ({ 'X-Parse-Master-Key': worker.masterKey });
const session = (token) => ({ 'X-Parse-Session-Token': token });

async function signUp(worker, prefix, fields = {}) {
  const username = `${prefix}_${rand(10)}`;
  const body = { username, password: `pw-${rand(12)}`, email: `${username}@example.test`, ...fields };
  const json = await ok(call(worker, 'POST', '/users', body), 201, `sign-up of ${username}`);
  return { id: json.objectId, token: json.sessionToken };
}

/** Seeds an artisan with its profile, the products (stock STOCK each) and the buyers. */
async function seed(worker) {
  const artisan = await signUp(worker, 'crashartisan', { role: 'artisan' });
  const profile = await ok(
    call(worker, 'POST', '/classes/Artisan', { name: `Crash workshop ${rand()}` }, session(artisan.token)),
    201,
    'the artisan profile',
  );
  const products = [];
  for (const p of PRODUCTS) {
    const body = { ...p, sku: `crash-${rand(12)}`, stock: STOCK, owner: pointer('Artisan', profile.objectId) };
    const json = await ok(call(worker, 'POST', '/classes/Product', body, session(artisan.token)), 201, 'a product');
    products.push({ ...p, id: json.objectId });
  }
  const buyers = [];
  for (let i = 0; i < BUYERS; i += 4) {
    buyers.push(...(await Promise.all([0, 1, 2, 3].map(() => signUp(worker, 'crashbuyer')))));
  }
  return { artisan: profile.objectId, products, buyers };
}

/** The checkouts to send: each a buyer, a fresh key and 1–2 products; some repeat one before. */
function plan({ products, buyers }) {
  const requests = [];
  for (let i = 0; i < REQUESTS; i++) {
    if (i > 0 && i % REPEAT_EVERY === 0) {
      const earlier = requests[Math.floor(Math.random() * requests.length)];
      requests.push({ ...earlier, index: i, repeatOf: earlier.index });
      continue;
    }
    const chosen = [...products].sort(() => Math.random() - 0.5).slice(0, 1 + (i % 2));
    const items = chosen.map((p) => ({ product: pointer('Product', p.id), quantity: 1 + Math.floor(Math.random() * 2) }));
    requests.push({ index: i, buyer: buyers[i % buyers.length], key: `crash-${i}-${rand(12)}`, items });
  }
  return requests;
}

function checkout(worker, request) {
  return call(worker, 'POST', '/classes/Order', { items: request.items }, {
    ...session(request.buyer.token),
    'X-Parse-Request-Id': request.key,
  });
}

const acknowledged = (answer) => answer?.status === 201 && typeof answer.json?.objectId === 'string';
const soldOut = (answer) => answer?.status === 400 && answer.json?.code === 142 && answer.json.error.startsWith('Sold out');
/** Whether the client has its answer: an order, or a definite refusal. */
const settled = (answer) => acknowledged(answer) || soldOut(answer);

/** Sends `requests` from CLIENTS concurrent clients; kills the server after KILL_AFTER_ACKS. */
async function fireAndKill(worker, requests) {
  const queue = [...requests];
  const stats = { acks: 0, inFlight: 0, inFlightAtKill: 0, killed: false, sentBeforeKill: 0 };
  let killing = null;
  async function client() {
    while (!stats.killed && queue.length > 0) {
      const request = queue.shift();
      stats.inFlight++;
      stats.sentBeforeKill++;
      try {
        request.first = await checkout(worker, request);
      } catch (e) {
        request.first = { lost: e.cause?.code ?? e.name ?? String(e) };
      } finally {
        stats.inFlight--;
      }
      if (acknowledged(request.first) && ++stats.acks >= KILL_AFTER_ACKS && !stats.killed) {
        stats.killed = true;
        stats.inFlightAtKill = stats.inFlight;
        killing = worker.kill();
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client));
  if (!killing) {
    stats.killed = true;
    killing = worker.kill();
  }
  await killing;
  return stats;
}

/** The orders' rows and outcomes in D1, read with wrangler from the stopped server's state. */
function idempotencyRows(worker) {
  const run = spawnSync(WRANGLER, [
    'd1', 'execute', 'DB', '--local', '--persist-to', worker.stateDir, '--json',
    '--command', 'SELECT "key", "outcome" FROM "_Idempotency"',
  ], { cwd: ROOT, env: worker.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(run.status, 0, `wrangler d1 execute: ${run.stderr}`);
  const [result] = JSON.parse(run.stdout);
  return result.results.map((r) => ({ key: r.key, outcome: JSON.parse(r.outcome) }));
}

/** {productId: quantity} of an items list (a request's or an order's). */
function quantities(items) {
  const out = {};
  for (const item of items) out[item.product.objectId] = (out[item.product.objectId] ?? 0) + item.quantity;
  return out;
}

test('checkouts killed in flight: acknowledged orders survive, retries answer once, stock is conserved', { timeout: 240_000 }, async (t) => {
  // Each buyer places a dozen checkouts and retries them all after the crash: far more than the
  // per-buyer checkout limit allows, which tests/http/limits.test.mjs covers on its own.
  const worker = await startWorker({ vars: { CHECKOUT_LIMIT: '100000', UNPAID_ITEMS_LIMIT: '0' } });
  try {
    const world = await seed(worker);
    const requests = plan(world);
    const stats = await fireAndKill(worker, requests);
    const answeredBeforeKill = requests.filter((r) => r.first && !r.first.lost);
    const lost = requests.filter((r) => r.first?.lost);
    const serverErrors = answeredBeforeKill.filter((r) => r.first.status >= 500);
    // Before the kill every answer is an order or "sold out"; a 5xx may only come from the crash.
    for (const r of answeredBeforeKill) {
      assert.ok(settled(r.first) || r.first.status >= 500, `request ${r.index}: HTTP ${r.first.status} ${r.first.text}`);
    }
    const acked = requests.filter((r) => acknowledged(r.first));

    const restartedAt = new Date().toISOString();
    await worker.start();

    // The client's side of the contract: whatever it lacks an answer for, it retries with the
    // same key; retrying an acknowledged request must answer the same order.
    const retried = requests.filter((r) => !settled(r.first) || acknowledged(r.first));
    const pending = [...retried];
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (pending.length > 0) {
        const request = pending.shift();
        request.retry = await checkout(worker, request);
      }
    }));
    for (const r of retried) {
      assert.ok(settled(r.retry), `retry of request ${r.index}: HTTP ${r.retry.status} ${r.retry.text}`);
      if (acknowledged(r.first)) {
        assert.ok(acknowledged(r.retry), `request ${r.index} was acknowledged; its retry answered ${r.retry.text}`);
        assert.equal(r.retry.json.objectId, r.first.json.objectId, `request ${r.index}: a retry answers the first order`);
      }
    }

    // The final answer per (buyer, key): requests that share a key must agree.
    const finalByKey = new Map();
    for (const r of requests) {
      const answer = r.retry ?? r.first;
      const id = `${r.buyer.id}:${r.key}`;
      const outcome = acknowledged(answer) ? answer.json.objectId : 'sold out';
      if (finalByKey.has(id)) assert.equal(outcome, finalByKey.get(id), `requests sharing key ${r.key} disagree`);
      finalByKey.set(id, outcome);
    }

    // The database's side, read with the master key.
    const where = encodeURIComponent(JSON.stringify({ artisan: pointer('Artisan', world.artisan) }));
    const orders = (await ok(call(worker, 'GET', `/classes/Order?where=${where}&limit=1000`, undefined, master(worker)), 200, 'orders')).results;
    const byId = new Map(orders.map((o) => [o.objectId, o]));
    for (const r of acked) {
      const order = byId.get(r.first.json.objectId);
      assert.ok(order, `acknowledged order ${r.first.json.objectId} (request ${r.index}) is missing`);
      assert.deepEqual(order.buyer, pointer('_User', r.buyer.id), `order ${order.objectId}: buyer`);
      assert.deepEqual(quantities(order.items), quantities(r.items), `order ${order.objectId}: items`);
      assert.notEqual(order.status, 'cancelled');
    }
    for (const order of orders) {
      const cents = order.items.reduce((sum, i) => sum + Math.round(i.unitPrice * 100) * i.quantity, 0);
      assert.equal(Math.round(order.totalAmount * 100), cents, `order ${order.objectId}: total`);
    }
    const answeredOrders = [...finalByKey.values()].filter((v) => v !== 'sold out');
    assert.equal(new Set(answeredOrders).size, answeredOrders.length, 'two keys were answered the same order');
    assert.deepEqual(
      [...byId.keys()].sort(),
      [...answeredOrders].sort(),
      'the orders that exist are exactly those the clients were answered',
    );
    for (const product of world.products) {
      const left = (await ok(call(worker, 'GET', `/classes/Product/${product.id}`, undefined, master(worker)), 200, 'a product')).stock;
      const ordered = orders
        .filter((o) => o.status !== 'cancelled')
        .reduce((sum, o) => sum + (quantities(o.items)[product.id] ?? 0), 0);
      assert.equal(left + ordered, STOCK, `${product.title}: ${left} left + ${ordered} ordered`);
      assert.ok(left >= 0);
    }

    // D1's own record: one `_Idempotency` row per key that produced orders, naming exactly them.
    await worker.stop();
    const rows = idempotencyRows(worker);
    const ourRows = rows.filter((row) => finalByKey.has(row.key));
    assert.equal(ourRows.length, rows.length, 'every idempotency row is one of this test\'s keys');
    const rowOrders = ourRows.flatMap((row) => row.outcome.orders.map((o) => o.object_id));
    assert.equal(new Set(rowOrders).size, rowOrders.length, 'an order is recorded under two keys');
    assert.deepEqual([...rowOrders].sort(), [...byId.keys()].sort(), 'the idempotency rows name exactly the orders');
    for (const row of ourRows) {
      assert.equal(row.outcome.orders.length, 1, `key ${row.key}: one artisan, one order`);
      assert.equal(row.outcome.orders[0].object_id, finalByKey.get(row.key), `key ${row.key}: the answer is the recorded order`);
    }

    // The crash's hardest case: committed, but the answer never reached the client.
    const committedUnanswered = lost.filter((r) => acknowledged(r.retry) && byId.get(r.retry.json.objectId).createdAt < restartedAt);
    const summary = `${REQUESTS} checkouts from ${CLIENTS} clients; killed after ${stats.acks} acknowledgements ` +
      `with ${stats.inFlightAtKill} in flight (${stats.sentBeforeKill} sent before the kill, ${lost.length} lost of which ` +
      `${committedUnanswered.length} had committed, ` +
      `${serverErrors.length} answered 5xx by the dying server, ${REQUESTS - stats.sentBeforeKill} never sent); ` +
      `${retried.length} retried after the restart (${acked.length} acknowledged); ${orders.length} orders, ` +
      `${answeredOrders.length} keys answered an order, ${[...finalByKey.values()].filter((v) => v === 'sold out').length} sold out`;
    t.diagnostic(summary);
    console.log(`[crash] ${summary}`);
  } finally {
    await worker.dispose();
  }
});
