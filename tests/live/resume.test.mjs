// Resuming a live subscription (DESIGN §2 LiveQuery, §4): every event carries its hub's `seq`;
// a subscribe with `lastSeq: n` replays the hub's logged events after n that match the
// subscription (its where, keys and read access), then live events follow. A hub keeps its last
// 1000 events; asking for older ones answers an error frame telling the client to refetch.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Live, GLOBAL_PATH, dashboardPath, isEvent, about, brief, closeAll, EVENT_OPS,
  newShop, newProduct, editProduct, placeOrder, as,
  MOUNT, post, show, pointer, signUp, sleep,
} from './support.mjs';

let shop;
let buyerA;
let buyerB;

before(async () => {
  [shop, buyerA, buyerB] = await Promise.all([newShop('lqresume'), signUp('lqresA'), signUp('lqresB')]);
});

after(() => closeAll());

/** The frames of `live` after its `subscribed` for `requestId`, in arrival order. */
function afterSubscribed(live, requestId) {
  const i = live.log.findIndex((f) => f.op === 'subscribed' && f.requestId === requestId);
  return i < 0 ? [] : live.log.slice(i + 1).filter((f) => f.requestId === requestId);
}

test('subscribing with lastSeq replays the matching events missed, in order, then live ones follow', async () => {
  const product = await newProduct(shop, { price: 100 });
  const other = await newProduct(shop, { price: 100 });
  const watcher = await Live.connected();
  await watcher.subscribed(1, { className: 'Product', where: { objectId: product.id } });

  const first = await Live.connected();
  await first.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { price: 101 });
  const seen = await first.event('update', 1, product.id);
  first.close();
  await watcher.event('update', 1, product.id);

  // Missed while away: two updates of the product, one of another product.
  await editProduct(shop, product, { price: 102 });
  await editProduct(shop, other, { price: 150 });
  await editProduct(shop, product, { price: 103 });
  const m1 = await watcher.event('update', 1, product.id);
  const m2 = await watcher.event('update', 1, product.id);
  assert.deepEqual([m1.object.price, m2.object.price], [102, 103]);

  const back = await Live.connected();
  await back.subscribed(1, { className: 'Product', where: { objectId: product.id } }, { lastSeq: seen.seq });
  const r1 = await back.event('update', 1, product.id);
  const r2 = await back.event('update', 1, product.id);
  assert.deepEqual([r1.seq, r2.seq], [m1.seq, m2.seq], 'the replay carries the original sequence numbers');
  assert.equal(r1.object.price, 102);
  assert.equal(r1.original?.price, 101, brief(r1));
  assert.equal(r2.object.price, 103);
  assert.equal(r1.object.className, 'Product');
  await back.assertNone(about(product.id), 'more replayed events', 800);
  assert.deepEqual(back.log.filter(about(other.id)).map(brief), [], 'no event of a product the query does not match');

  await editProduct(shop, product, { price: 104 });
  const live = await back.event('update', 1, product.id);
  assert.equal(live.object.price, 104);
  assert.ok(live.seq > r2.seq);
  watcher.close();
  back.close();
});

test('a lastSeq at the current sequence replays nothing', async () => {
  const product = await newProduct(shop, { price: 10 });
  const a = await Live.connected();
  await a.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { price: 11 });
  const ev = await a.event('update', 1, product.id);
  a.close();
  const b = await Live.connected();
  await b.subscribed(1, { className: 'Product', where: { objectId: product.id } }, { lastSeq: ev.seq });
  await b.assertNone(about(product.id), 'a replay of an event already seen', 1000);
  assert.deepEqual(b.log.filter((f) => f.op === 'error').map(brief), []);
  b.close();
});

test('the replay applies the subscription\'s keys and read access: leave and enter as they happened', async () => {
  const product = await newProduct(shop, { price: 200, title: 'Tapestry' });
  const watcher = await Live.connected(GLOBAL_PATH, { sessionToken: shop.user.token });
  await watcher.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  const a = await Live.connected();
  await a.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { price: 201 });
  const seen = await a.event('update', 1, product.id);
  await watcher.event('update', 1, product.id);
  a.close();

  const owner = shop.user.id;
  await editProduct(shop, product, { price: 202 });
  await editProduct(shop, product, { ACL: { [owner]: { read: true, write: true } } });
  await editProduct(shop, product, { price: 203 });
  await editProduct(shop, product, { ACL: { '*': { read: true }, [owner]: { read: true, write: true } } });
  for (let i = 0; i < 4; i += 1) await watcher.event('update', 1, product.id);

  const b = await Live.connected();
  await b.subscribed(1, { className: 'Product', where: { objectId: product.id }, keys: ['price'] }, { lastSeq: seen.seq });
  const replayed = [];
  for (let i = 0; i < 3; i += 1) replayed.push(await b.next(isEvent(null, 1, product.id), `replayed event ${i + 1}`));
  assert.deepEqual(replayed.map((f) => f.op), ['update', 'leave', 'enter'], b.dump());
  assert.equal(replayed[0].object.price, 202);
  assert.equal(replayed[2].object.price, 203);
  for (const f of replayed) assert.equal(f.object.title, undefined, `keys applies to replays: ${brief(f)}`);
  await b.assertNone(about(product.id), 'a replayed event the anonymous socket could not read', 800);
  watcher.close();
  b.close();
});

test("a buyer's replay holds only its own orders", async () => {
  const product = await newProduct(shop, { price: 5, stock: 20 });
  const watcher = await Live.connected(dashboardPath(shop.profile), { sessionToken: shop.user.token });
  await watcher.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  // A mark on the global hub: the sequence number before the orders.
  const mark = await Live.connected();
  await mark.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { price: 6 });
  const before = await mark.event('update', 1, product.id);
  mark.close();

  const theirs = await placeOrder(buyerA, product);
  const mine = await placeOrder(buyerB, product);
  await sleep(1500); // both published on the global hub

  const b = await Live.connected(GLOBAL_PATH, { sessionToken: buyerB.token });
  await b.subscribed(1, { className: 'Order', where: { products: product.pointer } }, { lastSeq: before.seq });
  const ev = await b.event('create', 1, mine);
  assert.deepEqual(ev.object.buyer, pointer('_User', buyerB.id));
  await b.assertNone(about(theirs), "another buyer's order in the replay", 1000);
  watcher.close();
  b.close();
});

test('a fresh artisan hub numbers its events from 1 and replays them from lastSeq 0', async () => {
  const fresh = await newShop('lqfresh');
  const dash = await Live.connected(dashboardPath(fresh.profile));
  // The profile's create is this hub's first event (replayed or live, whichever comes first).
  await dash.subscribed(1, { className: 'Artisan', where: { objectId: fresh.profile } }, { lastSeq: 0 });
  const profile = await dash.event('create', 1, fresh.profile);
  assert.equal(profile.seq, 1, brief(profile));
  await dash.subscribed(2, { className: 'Product', where: { owner: fresh.pointer } });
  const product = await newProduct(fresh, { price: 40 });
  const created = await dash.event('create', 2, product.id);
  await editProduct(fresh, product, { price: 41 });
  const updated = await dash.event('update', 2, product.id);
  assert.deepEqual([created.seq, updated.seq], [2, 3], 'one sequence per hub, from 1');

  const again = await Live.connected(dashboardPath(fresh.profile));
  await again.subscribed(1, { className: 'Product', where: { owner: fresh.pointer } }, { lastSeq: 0 });
  const r1 = await again.event('create', 1, product.id);
  const r2 = await again.event('update', 1, product.id);
  assert.deepEqual([r1.seq, r2.seq], [2, 3]);
  assert.equal(r1.object.price, 40);
  assert.equal(r2.object.price, 41);
  await again.subscribed(2, { className: 'Product', where: { owner: fresh.pointer } }, { lastSeq: 2 });
  const only = await again.event('update', 2, product.id);
  assert.equal(only.seq, 3);
  await again.assertNone(isEvent(null, 2, product.id), 'events at or before lastSeq', 800);
  dash.close();
  again.close();
});

test('a hub keeps its last 1000 events: lastSeq within them replays all 1000, older answers an error to refetch', async () => {
  const big = await newShop('lqbig');
  const product = await newProduct(big, { price: 10, stock: 1 });
  const dash = await Live.connected(dashboardPath(big.profile));
  await dash.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  const TOTAL = 1100;
  for (let start = 0; start < TOTAL; start += 100) {
    const requests = [];
    for (let i = start; i < start + 100; i += 1) {
      requests.push({ method: 'PUT', path: `${MOUNT}/classes/Product/${product.id}`, body: { stock: i + 2 } });
    }
    const res = await post('/batch', { requests }, as(big.user));
    assert.equal(res.status, 200, show(res));
    const failed = res.json.filter((r) => !r.success);
    assert.deepEqual(failed, [], 'every update of the batch succeeds');
  }
  const last = await dash.next((f) => isEvent('update', 1, product.id)(f) && f.object.stock === TOTAL + 1, 'the last update', 60_000);
  const L = last.seq;
  assert.ok(L >= TOTAL + 2, `the hub has numbered ${L} events`);

  // Within the log: exactly the last 1000, consecutive, in order.
  const within = await Live.connected(dashboardPath(big.profile));
  await within.subscribed(1, { className: 'Product', where: { objectId: product.id } }, { lastSeq: L - 1000 });
  const replayed = [];
  for (let i = 0; i < 1000; i += 1) replayed.push(await within.next(isEvent('update', 1, product.id), `replayed event ${i + 1} of 1000`, 20_000));
  const seqs = replayed.map((f) => f.seq);
  assert.equal(seqs[0], L - 999);
  assert.equal(seqs.at(-1), L);
  assert.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), 'consecutive');
  assert.equal(replayed.at(-1).object.stock, TOTAL + 1);
  await within.assertNone(isEvent(null, 1, product.id), 'more than 1000 replayed events', 800);
  assert.deepEqual(within.log.filter((f) => f.op === 'error').map(brief), []);

  // Beyond the log: an error frame for that requestId telling the client to fetch again.
  const older = await Live.connected(dashboardPath(big.profile));
  for (const [id, lastSeq] of [[1, L - 1001], [2, 0]]) {
    older.send({ op: 'subscribe', requestId: id, query: { className: 'Product', where: { objectId: product.id } }, lastSeq });
    const err = await older.next((f) => f.op === 'error' && f.requestId === id, `the refetch error for lastSeq ${lastSeq}`);
    assert.equal(typeof err.code, 'number', brief(err));
    assert.match(err.error, /fetch/i, brief(err));
    assert.deepEqual(older.log.filter((f) => EVENT_OPS.includes(f.op) && f.requestId === id).map(brief), [], 'nothing replayed');
  }
  dash.close();
  within.close();
  older.close();
});

test('resuming while writes keep coming gives every event once, in sequence order, with no gap', async () => {
  const product = await newProduct(shop, { price: 1, stock: 1 });
  const watcher = await Live.connected();
  await watcher.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { stock: 2 });
  const start = await watcher.event('update', 1, product.id);

  let writing = true;
  let n = 2;
  const writer = (async () => {
    while (writing) {
      n += 1;
      await editProduct(shop, product, { stock: n });
    }
  })();
  // Sockets resuming from the same mark at different moments of the stream.
  const resumers = [];
  for (let i = 0; i < 6; i += 1) {
    await sleep(250);
    const live = await Live.connected();
    live.send({ op: 'subscribe', requestId: 1, query: { className: 'Product', where: { objectId: product.id } }, lastSeq: start.seq });
    resumers.push(live);
  }
  await sleep(500);
  writing = false;
  await writer;
  const finalStock = n;
  await watcher.next((f) => isEvent('update', 1, product.id)(f) && f.object.stock === finalStock, 'the last write on the watcher', 15_000);
  const expected = watcher.log.filter((f) => isEvent('update', 1, product.id)(f) && f.seq > start.seq).map((f) => f.seq);
  for (const [i, live] of resumers.entries()) {
    await live.next((f) => isEvent('update', 1, product.id)(f) && f.object.stock === finalStock, `the last write on resumer ${i}`, 15_000);
    await sleep(300);
    const seqs = live.log.filter(isEvent('update', 1, product.id)).map((f) => f.seq);
    const dupes = seqs.filter((s, j) => seqs.indexOf(s) !== j);
    assert.deepEqual(dupes, [], `resumer ${i}: duplicated events ${JSON.stringify(seqs)}`);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `resumer ${i}: out of order ${JSON.stringify(seqs)}`);
    assert.deepEqual(seqs, expected, `resumer ${i}: missed or extra events`);
  }
  watcher.close();
  for (const live of resumers) live.close();
});

test('concurrent writes to one object reach both hubs in commit order (seq order = order of the values)', async () => {
  const product = await newProduct(shop, { stock: 1 });
  const global = await Live.connected();
  const dash = await Live.connected(dashboardPath(shop.profile));
  for (const live of [global, dash]) await live.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  const N = 40;
  await Promise.all(Array.from({ length: N }, () => editProduct(shop, product, { stock: { __op: 'Increment', amount: 1 } })));
  for (const [name, live] of [['global', global], ['dashboard', dash]]) {
    await live.next((f) => isEvent('update', 1, product.id)(f) && f.object.stock === N + 1, `the last increment on the ${name} hub`);
    await sleep(200);
    const events = live.log.filter(isEvent('update', 1, product.id));
    assert.equal(events.length, N, `${name}: one event per write`);
    const bySeq = [...events].sort((a, b) => a.seq - b.seq);
    assert.deepEqual(bySeq.map((f) => f.object.stock), Array.from({ length: N }, (_, i) => i + 2), `${name}: seq follows commit order`);
    assert.deepEqual(events.map((f) => f.seq), bySeq.map((f) => f.seq), `${name}: delivered in seq order`);
    for (const f of events) assert.equal(f.original.stock, f.object.stock - 1, `${name}: original is the previous commit: ${brief(f)}`);
  }
  global.close();
  dash.close();
});
