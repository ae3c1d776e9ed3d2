// LiveQuery over raw WebSockets (DESIGN §2 LiveQuery): the handshake, subscriptions and their
// errors, malformed frames, and every event kind on public Product objects (create, update,
// enter, leave, delete), with `keys` and `watch`. Also read access in matching (ACL with roles,
// CLP, protected fields), the hub paths, and an idle (hibernated) connection.
//
// Frames are the Parse LiveQuery protocol as the JS SDK 8.6 speaks it
// (shared/reference/parse-js-sdk-8.6.2-wire.json).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Live, GLOBAL_PATH, dashboardPath, EVENT_OPS, isEvent, about, brief, closeAll,
  newShop, newProduct, editProduct, freshSku, as, readMaster,
  APP_ID, MASTER_KEY, MOUNT, OBJECT_ID, ISO_DATE, rand, post, put, del, get, show, pointer, signUp, sleep,
  createClass, dropClass, expectStatus,
} from './support.mjs';

let shop; // an artisan with its profile
let buyer; // a signed-up buyer
const scratch = []; // scratch classes to drop
const QUIET = 1500;

before(async () => {
  [shop, buyer] = await Promise.all([newShop('lqproto'), signUp('lqbuyer')]);
});

after(async () => {
  closeAll();
  for (const c of scratch) await dropClass(c);
});

const isError = (requestId) => (f) => f.op === 'error' && (requestId === undefined ? f.requestId === undefined : f.requestId === requestId);

/** Asserts an error frame: code, non-empty message, reconnect boolean, requestId (or none). */
function assertErrorFrame(frame, code, requestId, context = '') {
  assert.equal(frame.op, 'error', `${context}: ${brief(frame)}`);
  assert.equal(frame.code, code, `${context}: ${brief(frame)}`);
  assert.equal(typeof frame.error, 'string', `${context}: ${brief(frame)}`);
  assert.ok(frame.error.length > 0, `${context}: ${brief(frame)}`);
  assert.equal(typeof frame.reconnect, 'boolean', `${context}: ${brief(frame)}`);
  if (requestId === undefined) assert.equal(frame.requestId, undefined, `${context}: ${brief(frame)}`);
  else assert.equal(frame.requestId, requestId, `${context}: ${brief(frame)}`);
}

// ---------------------------------------------------------------------------------------------
// Handshake and errors

// `/` is the web app's (static assets, wrangler.toml [assets]): a WebSocket there never reaches
// the worker, so LiveQuery lives under the mount path only.
test('connect answers connected with a clientId on the mount path and anywhere below it', async () => {
  for (const path of [GLOBAL_PATH, `${MOUNT}/`, `${MOUNT}/anything/below`]) {
    const live = await Live.open(path);
    const reply = await live.connect({ installationId: 'b5e6a4c2-1111-4222-8333-444455556666', javascriptKey: 'ignored' });
    assert.equal(reply.op, 'connected', `${path}: ${brief(reply)}`);
    assert.equal(typeof reply.clientId, 'string', `${path}: ${brief(reply)}`);
    assert.ok(reply.clientId.length > 0);
    live.close();
  }
});

test('every socket gets its own clientId, echoed in subscribed and in events', async () => {
  const [a, b] = await Promise.all([Live.open(), Live.open()]);
  const [ca, cb] = await Promise.all([a.connect(), b.connect()]);
  assert.notEqual(ca.clientId, cb.clientId);
  const product = await newProduct(shop);
  const sub = await a.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  assert.deepEqual(sub, { op: 'subscribed', clientId: ca.clientId, requestId: 1 });
  await editProduct(shop, product, { price: 26 });
  const ev = await a.event('update', 1, product.id);
  assert.equal(ev.clientId, ca.clientId);
  a.close();
  b.close();
});

test('a wrong or missing application id answers error -403 with reconnect false', async () => {
  for (const appId of ['not-the-app', undefined]) {
    const live = await Live.open();
    live.send({ op: 'connect', ...(appId === undefined ? {} : { applicationId: appId }) });
    const reply = await live.next(isError(), 'the connect error');
    assertErrorFrame(reply, -403, undefined, `applicationId ${appId}`);
    assert.equal(reply.reconnect, false);
    // Not connected: a subscribe is refused.
    const sub = await live.subscribe(1, { className: 'Product', where: { sku: freshSku() } });
    assert.equal(sub.op, 'error', brief(sub));
    live.close();
  }
});

test('a bad session token on connect answers error 209; the socket may then connect again', async () => {
  const live = await Live.open();
  for (const token of ['r:not-a-token', 'eyJhbGciOiJIUzI1NiJ9.e30.AAAA']) {
    const reply = await live.connect({ sessionToken: token });
    assertErrorFrame(reply, 209, undefined, `token ${token}`);
  }
  const ok = await live.connect();
  assert.equal(ok.op, 'connected', brief(ok));
  live.close();
});

test('subscribing before connect answers an error with the requestId; connect then works', async () => {
  const live = await Live.open();
  const reply = await live.subscribe(3, { className: 'Product', where: { sku: freshSku() } });
  assertErrorFrame(reply, reply.code, 3, 'subscribe before connect');
  assert.notEqual(reply.code, undefined);
  const ok = await live.connect();
  assert.equal(ok.op, 'connected');
  const sub = await live.subscribe(3, { className: 'Product', where: { sku: freshSku() } });
  assert.equal(sub.op, 'subscribed', brief(sub));
  live.close();
});

test('a class the client may not find answers 119 with the requestId: Order and AccessLog anonymously, an unknown class', async () => {
  const live = await Live.connected();
  const cases = [
    [1, 'Order'],
    [2, 'AccessLog'],
    [3, `NoSuchClass${rand(6)}`],
  ];
  for (const [id, className] of cases) {
    const reply = await live.subscribe(id, { className, where: {} });
    assertErrorFrame(reply, 119, id, className);
  }
  // A signed-in user may subscribe to Order.
  const reply = await live.subscribe(4, { className: 'Order', where: { buyer: pointer('_User', buyer.id) } }, { sessionToken: buyer.token });
  assert.equal(reply.op, 'subscribed', brief(reply));
  live.close();
});

test('unsupported or malformed queries answer 102 with the requestId', async () => {
  const live = await Live.connected();
  const wheres = [
    { owner: { $inQuery: { className: 'Artisan', where: {} } } },
    { owner: { $notInQuery: { className: 'Artisan', where: {} } } },
    { $relatedTo: { object: pointer('Artisan', shop.profile), key: 'x' } },
    { sku: { $select: { query: { className: 'Product', where: {} }, key: 'sku' } } },
    { price: { $bogus: 1 } },
    { $or: 'not a list' },
    { sku: { $in: 'not a list' } },
  ];
  let id = 10;
  for (const where of wheres) {
    id += 1;
    const reply = await live.subscribe(id, { className: 'Product', where });
    assertErrorFrame(reply, 102, id, JSON.stringify(where));
  }
  const ok = await live.subscribe(99, { className: 'Product', where: { sku: freshSku() } });
  assert.equal(ok.op, 'subscribed', brief(ok));
  live.close();
});

test('malformed frames answer an error frame and the connection stays usable', async () => {
  const live = await Live.connected();
  const bad = [
    'not json',
    '',
    '[]',
    '42',
    '{"op":"dance"}',
    '{"no":"op"}',
    '{"op":"subscribe","requestId":"one","query":{"className":"Product"}}',
    '{"op":"subscribe","requestId":5}',
    '{"op":"subscribe","requestId":6,"query":{"where":{}}}',
    '{"op":"subscribe","requestId":7,"query":{"className":"Product","keys":"title"}}',
    '{"op":"unsubscribe"}',
    '{"op":"connect","applicationId":',
  ];
  for (const text of bad) {
    live.send(text);
    const reply = await live.next((f) => f.op === 'error', `an error for ${JSON.stringify(text)}`);
    assert.equal(typeof reply.code, 'number', `${JSON.stringify(text)}: ${brief(reply)}`);
    assert.equal(typeof reply.error, 'string', `${JSON.stringify(text)}: ${brief(reply)}`);
  }
  live.send(Buffer.from([0x7b, 0x00, 0xff]));
  const binary = await live.next((f) => f.op === 'error', 'an error for a binary frame');
  assert.equal(typeof binary.code, 'number');
  assert.equal(live.closed, null, 'the server kept the socket open');

  // Still usable: subscribe and receive an event.
  const product = await newProduct(shop);
  await live.subscribed(8, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { price: 27 });
  const ev = await live.event('update', 8, product.id);
  assert.equal(ev.object.price, 27);
  live.close();
});

test('a frame over 64 KiB answers error 116 and the connection stays usable', async () => {
  const live = await Live.connected();
  live.send({ op: 'subscribe', requestId: 1, query: { className: 'Product', where: { sku: 'x'.repeat(70 * 1024) } } });
  const reply = await live.next((f) => f.op === 'error', 'an error for an oversized frame');
  assert.equal(reply.code, 116, brief(reply));
  const ok = await live.subscribe(2, { className: 'Product', where: { sku: freshSku() } });
  assert.equal(ok.op, 'subscribed', brief(ok));
  live.close();
});

test('a connection holds at most 100 subscriptions: the 101st answers 155, replacing one still works', async () => {
  const live = await Live.connected();
  for (let i = 1; i <= 100; i += 1) live.send({ op: 'subscribe', requestId: i, query: { className: 'Product', where: { sku: `cap-${rand(8)}` } } });
  for (let i = 1; i <= 100; i += 1) {
    const reply = await live.next((f) => f.requestId === i, `the answer to subscribe ${i}`);
    assert.equal(reply.op, 'subscribed', `${i}: ${brief(reply)}`);
  }
  const over = await live.subscribe(101, { className: 'Product', where: { sku: freshSku() } });
  assertErrorFrame(over, 155, 101, '101st subscription');
  const replaced = await live.subscribe(50, { className: 'Product', where: { sku: freshSku() } }, {}, 'update');
  assert.equal(replaced.op, 'subscribed', brief(replaced));
  live.close();
});

test('a wrong master key grants nothing: the socket is anonymous', async () => {
  const live = await Live.open();
  const reply = await live.connect({ masterKey: `${MASTER_KEY}-wrong` });
  if (reply.op === 'connected') {
    const sub = await live.subscribe(1, { className: 'Order', where: {} });
    assertErrorFrame(sub, 119, 1, 'Order with a wrong master key');
  } else {
    assert.equal(reply.op, 'error', brief(reply));
  }
  live.close();
});

test('a bad session token on subscribe answers 209 with the requestId', async () => {
  const live = await Live.connected();
  const reply = await live.subscribe(4, { className: 'Product', where: { sku: freshSku() } }, { sessionToken: 'r:bogus' });
  assertErrorFrame(reply, 209, 4, 'subscribe with a bad token');
  live.close();
});

// ---------------------------------------------------------------------------------------------
// Events on a public Product

test('create, update, leave, enter and delete on a public Product, with object and original', async () => {
  const live = await Live.connected();
  const sku = freshSku('lq-cycle');
  // Cheaper than 50: leaving that range is a leave, coming back an enter.
  await live.subscribed(1, { className: 'Product', where: { sku, price: { $lt: 50 } } });

  // create
  const product = await newProduct(shop, { sku, price: 20, stock: 3, title: 'Celadon bowl', tags: ['ceramic'] });
  const created = await live.event('create', 1, product.id);
  assert.equal(created.clientId !== undefined, true);
  assert.equal(created.original, undefined, 'a create carries no original');
  const o = created.object;
  assert.equal(o.className, 'Product', brief(created));
  assert.equal(o.__type, 'Object', brief(created));
  assert.equal(o.objectId, product.id);
  assert.match(o.objectId, OBJECT_ID);
  assert.equal(o.sku, sku);
  assert.equal(o.title, 'Celadon bowl');
  assert.equal(o.price, 20);
  assert.equal(o.stock, 3);
  assert.deepEqual(o.tags, ['ceramic']);
  assert.deepEqual(o.owner, pointer('Artisan', shop.profile));
  assert.match(o.createdAt, ISO_DATE, brief(created));
  assert.match(o.updatedAt, ISO_DATE, brief(created));
  assert.deepEqual(o.ACL, { '*': { read: true }, [shop.user.id]: { read: true, write: true } }, brief(created));
  assert.equal(typeof created.seq, 'number', 'events carry the hub sequence number');

  // update: matched before and after
  await editProduct(shop, product, { price: 30, title: 'Celadon bowl II' });
  const updated = await live.event('update', 1, product.id);
  assert.equal(updated.object.price, 30);
  assert.equal(updated.object.title, 'Celadon bowl II');
  assert.equal(updated.object.className, 'Product');
  assert.equal(updated.object.__type, 'Object');
  assert.equal(updated.original?.price, 20, brief(updated));
  assert.equal(updated.original?.title, 'Celadon bowl');
  assert.equal(updated.original?.objectId, product.id);
  assert.equal(updated.original?.className, 'Product', brief(updated));
  assert.ok(updated.object.updatedAt >= updated.original.updatedAt);
  assert.ok(updated.seq > created.seq, 'seq increases');

  // leave: matched before, not after
  await editProduct(shop, product, { price: 60 });
  const left = await live.event('leave', 1, product.id);
  assert.equal(left.object.price, 60);
  assert.equal(left.original?.price, 30, brief(left));
  assert.ok(left.seq > updated.seq);

  // no match before nor after: nothing
  await editProduct(shop, product, { price: 70 });
  // enter: matched after only
  await editProduct(shop, product, { price: 40 });
  const entered = await live.event('enter', 1, product.id);
  assert.equal(entered.object.price, 40);
  assert.equal(entered.original?.price, 70, brief(entered));
  assert.ok(entered.seq > left.seq);

  // delete
  const res = await del(`/classes/Product/${product.id}`, as(shop.user));
  assert.equal(res.status, 200, show(res));
  const deleted = await live.event('delete', 1, product.id);
  assert.equal(deleted.object.objectId, product.id);
  assert.equal(deleted.object.className, 'Product');
  assert.equal(deleted.object.sku, sku);
  assert.ok(deleted.seq > entered.seq);

  // Exactly those five, in commit order.
  const ops = live.log.filter(about(product.id)).map((f) => f.op);
  assert.deepEqual(ops, ['create', 'update', 'leave', 'enter', 'delete'], live.dump());
  live.close();
});

test('a deleted object that no longer matched sends no delete; a create that does not match sends nothing', async () => {
  const live = await Live.connected();
  const sku = freshSku('lq-nomatch');
  await live.subscribed(1, { className: 'Product', where: { sku, stock: { $gt: 0 } } });
  const product = await newProduct(shop, { sku, stock: 0 });
  await editProduct(shop, product, { title: 'still out of stock' });
  expectStatus(await del(`/classes/Product/${product.id}`, as(shop.user)), 200);
  await live.assertNone(about(product.id), 'events for a product that never matched');
  live.close();
});

test('increments and array operations publish the resulting values', async () => {
  const live = await Live.connected();
  const product = await newProduct(shop, { stock: 5, tags: ['a'] });
  await live.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { stock: { __op: 'Increment', amount: -2 }, tags: { __op: 'AddUnique', objects: ['b', 'a'] } });
  const ev = await live.event('update', 1, product.id);
  assert.equal(ev.object.stock, 3, brief(ev));
  assert.deepEqual(ev.object.tags, ['a', 'b'], brief(ev));
  assert.equal(ev.original.stock, 5);
  assert.deepEqual(ev.original.tags, ['a']);
  live.close();
});

test('keys restricts object and original to the named fields (plus objectId, dates, ACL, className)', async () => {
  const live = await Live.connected();
  const product = await newProduct(shop, { price: 25, stock: 5 });
  await live.subscribed(1, { className: 'Product', where: { objectId: product.id }, keys: ['price'] });
  await editProduct(shop, product, { price: 28, title: 'renamed' });
  const ev = await live.event('update', 1, product.id);
  const allowed = ['objectId', 'createdAt', 'updatedAt', 'ACL', 'className', '__type', 'price'];
  for (const side of ['object', 'original']) {
    const extra = Object.keys(ev[side] ?? {}).filter((k) => !allowed.includes(k));
    assert.deepEqual(extra, [], `${side} has only the kept keys: ${brief(ev)}`);
  }
  assert.equal(ev.object.price, 28);
  assert.equal(ev.original.price, 25);
  assert.equal(ev.object.title, undefined);
  assert.equal(ev.object.objectId, product.id);
  assert.equal(ev.object.className, 'Product');
  live.close();
});

test('watch drops updates that changed none of the watched fields; creates, leaves and enters still come', async () => {
  const live = await Live.connected();
  const sku = freshSku('lq-watch');
  await live.subscribed(1, { className: 'Product', where: { sku, stock: { $gt: 0 } }, watch: ['price'] });
  const product = await newProduct(shop, { sku, price: 10, stock: 2 });
  await live.event('create', 1, product.id);

  await editProduct(shop, product, { title: 'only the title' });
  await editProduct(shop, product, { price: 11 });
  const ev = await live.event('update', 1, product.id);
  assert.equal(ev.object.price, 11);
  assert.equal(ev.object.title, 'only the title', 'the event carries the whole object');
  const titleOnly = live.log.filter((f) => f.op === 'update' && f.object?.objectId === product.id && f.object.price === 10);
  assert.deepEqual(titleOnly.map(brief), [], 'the title-only update was not sent');

  // Unwatched fields still decide matching: stock 0 is a leave, back is an enter.
  await editProduct(shop, product, { stock: 0 });
  await live.event('leave', 1, product.id);
  await editProduct(shop, product, { stock: 4 });
  await live.event('enter', 1, product.id);
  await live.assertNone(isEvent('update', 1, product.id), 'extra updates', 500);
  live.close();
});

test('update replaces a subscription; unsubscribe answers unsubscribed and stops its events', async () => {
  const live = await Live.connected();
  const [a, b] = await Promise.all([newProduct(shop), newProduct(shop)]);
  const client = live.log[0].clientId;
  await live.subscribed(7, { className: 'Product', where: { objectId: a.id } });
  const replaced = await live.subscribe(7, { className: 'Product', where: { objectId: b.id } }, {}, 'update');
  assert.deepEqual(replaced, { op: 'subscribed', clientId: client, requestId: 7 });

  await editProduct(shop, a, { price: 31 });
  await editProduct(shop, b, { price: 32 });
  const ev = await live.event('update', 7, b.id);
  assert.equal(ev.object.price, 32);
  await live.assertNone(about(a.id), 'events for the replaced query', 1000);

  live.send({ op: 'unsubscribe', requestId: 7 });
  const unsub = await live.next((f) => f.requestId === 7 && f.op !== 'update', 'the answer to unsubscribe');
  assert.deepEqual(unsub, { op: 'unsubscribed', clientId: client, requestId: 7 });
  await editProduct(shop, b, { price: 33 });
  await live.assertNone(about(b.id), 'events after unsubscribe');

  // Unsubscribing again names the unknown requestId.
  live.send({ op: 'unsubscribe', requestId: 7 });
  const again = await live.next(isError(7), 'the error for an unknown requestId');
  assertErrorFrame(again, again.code, 7, 'unsubscribe unknown');
  live.close();
});

test('two subscriptions matching the same object each get their own event', async () => {
  const live = await Live.connected();
  const product = await newProduct(shop, { price: 12 });
  await live.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await live.subscribed(2, { className: 'Product', where: { sku: product.sku } });
  await live.subscribed(3, { className: 'Product', where: { sku: product.sku, price: { $gt: 100 } } });
  await editProduct(shop, product, { price: 13 });
  const [one, two] = await Promise.all([live.event('update', 1, product.id), live.event('update', 2, product.id)]);
  assert.equal(one.object.price, 13);
  assert.equal(two.object.price, 13);
  assert.equal(one.seq, two.seq, 'one change, one sequence number');
  await live.assertNone(isEvent(null, 3, product.id), 'an event for the non-matching subscription', 800);
  live.close();
});

test('query operators the SDK sends match in live subscriptions', async () => {
  const live = await Live.connected();
  const product = await newProduct(shop, { title: 'Blue Bowl', price: 25.5, stock: 1, tags: ['ceramic', 'blue'] });
  const wheres = [
    { objectId: product.id, price: { $gt: 20, $lte: 25.5 } },
    { objectId: product.id, tags: 'blue' },
    { objectId: product.id, tags: { $all: ['blue', 'ceramic'] } },
    { objectId: product.id, title: { $in: ['x', 'Blue Bowl'] } },
    { objectId: product.id, description: { $exists: false }, stock: { $ne: 0 } },
    { objectId: product.id, owner: pointer('Artisan', shop.profile) },
    { objectId: product.id, title: { $regex: '^\\QBlue\\E' } },
    { objectId: product.id, title: { $regex: 'bowl', $options: 'i' } },
    { objectId: product.id, $or: [{ price: 1 }, { stock: 1 }] },
    { objectId: { $in: [product.id] }, $nor: [{ title: 'x' }] },
  ];
  for (const [i, where] of wheres.entries()) await live.subscribed(i + 1, { className: 'Product', where });
  await live.subscribed(50, { className: 'Product', where: { objectId: product.id, title: { $regex: 'bowl' } } });
  await editProduct(shop, product, { images: [] });
  for (let i = 1; i <= wheres.length; i += 1) {
    const ev = await live.event('update', i, product.id);
    assert.equal(ev.object.objectId, product.id, JSON.stringify(wheres[i - 1]));
  }
  await live.assertNone(isEvent(null, 50, product.id), 'an event for a case-sensitive regex that does not match', 800);
  live.close();
});

// ---------------------------------------------------------------------------------------------
// Hub paths

// The worker runs first only for the mount path (and /graphql); every other path, `/` included,
// is the web app's static assets (wrangler.toml [assets]), which answer an upgrade with the page.
test('outside the mount path, / included, an upgrade gets the web app, not a live hub', async () => {
  for (const path of ['/', `/not${rand(4)}/x`]) {
    await assert.rejects(Live.open(path), (e) => {
      assert.equal(e.status, 200, `${path}: ${e.message}`);
      assert.match(e.message, /<!doctype html>/i, path);
      return true;
    });
  }
});

test('an artisan dashboard path with a bad id refuses the upgrade with 404', async () => {
  for (const path of [`${MOUNT}/live/artisans/bad-id!`, `${MOUNT}/live/artisans/`]) {
    await assert.rejects(Live.open(path), (e) => {
      assert.equal(e.status, 404, `${path}: ${e.message}`);
      return true;
    });
  }
});

test("an artisan's dashboard hears its product changes, not another artisan's", async () => {
  const other = await newShop('lqother');
  const live = await Live.connected(dashboardPath(shop.profile), { sessionToken: shop.user.token });
  await live.subscribed(1, { className: 'Product', where: {} });
  const [mine, theirs] = await Promise.all([newProduct(shop, { price: 15 }), newProduct(other, { price: 16 })]);
  const created = await live.event('create', 1, mine.id);
  assert.equal(created.object.price, 15);
  await editProduct(other, theirs, { price: 17 });
  await editProduct(shop, mine, { price: 18 });
  const updated = await live.event('update', 1, mine.id);
  assert.equal(updated.object.price, 18);
  await live.assertNone(about(theirs.id), "another artisan's product on this dashboard", 1000);
  live.close();
});

// ---------------------------------------------------------------------------------------------
// Read access in matching

test('losing read access is a leave, gaining it an enter, for the same query', async () => {
  const live = await Live.connected();
  const product = await newProduct(shop, { price: 21 });
  await live.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  const owner = shop.user.id;
  await editProduct(shop, product, { ACL: { [owner]: { read: true, write: true } } });
  const left = await live.event('leave', 1, product.id);
  assert.equal(left.object.objectId, product.id);
  await editProduct(shop, product, { price: 22 });
  await live.assertNone(about(product.id), 'events on an object the subscriber cannot read', 1000);
  await editProduct(shop, product, { ACL: { '*': { read: true }, [owner]: { read: true, write: true } } });
  const entered = await live.event('enter', 1, product.id);
  assert.equal(entered.object.price, 22);
  live.close();
});

test('a leave for lost read access does not reveal the version the subscriber can no longer read', async () => {
  // Parse Server sends the new object with a leave; here it would leak what a private write set.
  const live = await Live.connected();
  const product = await newProduct(shop, { title: 'Public title', price: 21 });
  await live.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  const secretTitle = `secret-${rand(6)}`;
  await editProduct(shop, product, { title: secretTitle, price: 99, ACL: { [shop.user.id]: { read: true, write: true } } });
  const left = await live.event('leave', 1, product.id);
  const text = JSON.stringify(left);
  assert.ok(!text.includes(secretTitle), `the leave shows the unreadable title: ${text}`);
  assert.notEqual(left.object.price, 99, `the leave shows the unreadable price: ${text}`);
  live.close();
});

test('an enter for gained read access does not reveal the version the subscriber could not read', async () => {
  const live = await Live.connected();
  const hidden = `draft-${rand(6)}`;
  const product = await newProduct(shop, { title: 'Draft', price: 21 });
  await editProduct(shop, product, { title: hidden, ACL: { [shop.user.id]: { read: true, write: true } } });
  await live.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await sleep(300);
  await editProduct(shop, product, { title: 'Launched', ACL: { '*': { read: true }, [shop.user.id]: { read: true, write: true } } });
  const entered = await live.event('enter', 1, product.id);
  assert.equal(entered.object.title, 'Launched');
  assert.ok(!JSON.stringify(entered).includes(hidden), `the enter shows the unreadable original: ${brief(entered)}`);
  live.close();
});

test('an ACL that names a role is matched against the subscriber\'s roles', async () => {
  // A user's `role` field is one of its roles: "role:buyer" admits every buyer.
  const product = await newProduct(shop, { price: 23 });
  await editProduct(shop, product, { ACL: { 'role:buyer': { read: true }, [shop.user.id]: { read: true, write: true } } });
  const [anon, asBuyer, asOwner] = await Promise.all([
    Live.connected(),
    Live.connected(GLOBAL_PATH, { sessionToken: buyer.token }),
    Live.connected(GLOBAL_PATH, { sessionToken: shop.user.token }),
  ]);
  for (const live of [anon, asBuyer, asOwner]) await live.subscribed(1, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { price: 24 });
  const [b, o] = await Promise.all([asBuyer.event('update', 1, product.id), asOwner.event('update', 1, product.id)]);
  assert.equal(b.object.price, 24);
  assert.equal(o.object.price, 24);
  await anon.assertNone(about(product.id), 'an event for an anonymous subscriber', 800);
  for (const live of [anon, asBuyer, asOwner]) live.close();
});

test('a subscription\'s own sessionToken decides its access, not the socket\'s', async () => {
  const product = await newProduct(shop, { price: 23 });
  await editProduct(shop, product, { ACL: { [shop.user.id]: { read: true, write: true } } });
  const live = await Live.connected();
  await live.subscribed(1, { className: 'Product', where: { objectId: product.id } }, { sessionToken: shop.user.token });
  await live.subscribed(2, { className: 'Product', where: { objectId: product.id } });
  await editProduct(shop, product, { price: 29 });
  const ev = await live.event('update', 1, product.id);
  assert.equal(ev.object.price, 29);
  await live.assertNone(isEvent(null, 2, product.id), 'an event for the anonymous subscription', 800);
  live.close();
});

test('_User events hide the email from others and never carry a password; the user sees its own email', async () => {
  // The master key may give a user an ACL that lets one other user read it. (Not a public ACL:
  // other files assert that a buyer lists only itself.)
  const username = `lqshared_${rand(8)}`;
  const email = `${username}@example.test`;
  const password = `pw-${rand(10)}`;
  const res = await post('/users', { username, email, password, ACL: { [buyer.id]: { read: true } } }, { master: true });
  assert.equal(res.status, 201, show(res));
  const id = res.json.objectId;
  try {
    const acl = { [buyer.id]: { read: true }, [id]: { read: true, write: true } };
    expectStatus(await put(`/users/${id}`, { ACL: acl }, { master: true }), 200);
    const login = await post('/login', { username, password });
    assert.equal(login.status, 200, show(login));
    const token = login.json.sessionToken;

    const [anon, other, self, master] = await Promise.all([
      Live.connected(),
      Live.connected(GLOBAL_PATH, { sessionToken: buyer.token }),
      Live.connected(GLOBAL_PATH, { sessionToken: token }),
      Live.connected(GLOBAL_PATH, { masterKey: MASTER_KEY }),
    ]);
    const socks = { other, self, master };
    for (const live of [anon, other, self, master]) await live.subscribed(1, { className: '_User', where: { username } });
    expectStatus(await put(`/users/${id}`, { role: 'artisan' }, { master: true }), 200);
    const events = {};
    for (const [who, live] of Object.entries(socks)) events[who] = await live.event('update', 1, id);
    for (const [who, ev] of Object.entries(events)) {
      assert.equal(ev.object.username, username, who);
      assert.equal(ev.object.role, 'artisan', who);
      assert.equal(ev.object.className, '_User', who);
      for (const side of ['object', 'original']) {
        const text = JSON.stringify(ev[side]);
        for (const forbidden of ['password', '_hashed_password', 'sessionToken', password]) {
          assert.ok(!text.includes(forbidden), `${who} ${side} carries ${forbidden}: ${text}`);
        }
      }
    }
    assert.equal(events.other.object.email, undefined, brief(events.other));
    assert.equal(events.other.original?.email, undefined, brief(events.other));
    assert.equal(events.self.object.email, email, brief(events.self));
    assert.equal(events.master.object.email, email, brief(events.master));
    await anon.assertNone(about(id), 'a user the anonymous socket cannot read', 500);
    for (const live of [anon, other, self, master]) live.close();
  } finally {
    await del(`/users/${id}`, { master: true });
  }
});

test('sign-up publishes the new user only to who may read it, and sessions are never published', async () => {
  const master = await Live.connected(GLOBAL_PATH, { masterKey: MASTER_KEY });
  const anon = await Live.connected();
  const username = `lqnew_${rand(8)}`;
  await master.subscribed(1, { className: '_User', where: { username } });
  await anon.subscribed(1, { className: '_User', where: { username } });
  await master.subscribed(2, { className: '_Session', where: {} });
  const res = await post('/users', { username, password: `pw-${rand(8)}`, email: `${username}@example.test` });
  assert.equal(res.status, 201, show(res));
  const created = await master.event('create', 1, res.json.objectId);
  assert.equal(created.object.username, username);
  assert.ok(!JSON.stringify(created).includes(res.json.sessionToken), 'the token is not in the event');
  assert.ok(!JSON.stringify(created).includes('_hashed_password'));
  const login = await post('/login', { username, password: 'wrong' });
  assert.equal(login.status, 404, show(login));
  const sessions = await master.quiet((f) => f.requestId === 2, QUIET);
  assert.deepEqual(sessions.map(brief), [], 'no _Session event');
  await anon.assertNone(about(res.json.objectId), 'the new private user for an anonymous subscriber', 200);
  master.close();
  anon.close();
});

test('a class CLP with pointerFields and protectedFields applies to live events', async () => {
  const cls = `T_live_${rand(8)}`;
  scratch.push(cls);
  await createClass(cls, { note: 'String', secret: 'String', owner: { type: 'Pointer', targetClass: '_User' } });
  const clp = {
    find: { pointerFields: ['owner'] },
    get: { pointerFields: ['owner'] },
    count: {},
    create: {},
    update: {},
    delete: {},
    addField: {},
    protectedFields: { '*': ['secret'] },
  };
  expectStatus(await put(`/schemas/${cls}`, { className: cls, classLevelPermissions: clp }, { master: true }), 200);
  const other = await signUp('lqclp');

  const [anon, mine, theirs, master] = await Promise.all([
    Live.connected(),
    Live.connected(GLOBAL_PATH, { sessionToken: buyer.token }),
    Live.connected(GLOBAL_PATH, { sessionToken: other.token }),
    Live.connected(GLOBAL_PATH, { masterKey: MASTER_KEY }),
  ]);
  // The hub's schema cache may lag a new class by a few seconds: retry until it knows it.
  async function subscribeWhenKnown(live, id) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const reply = await live.subscribe(id, { className: cls, where: {} });
      if (reply.op === 'subscribed' || Date.now() > deadline || !/non-existent/i.test(reply.error ?? '')) return reply;
      await sleep(500);
    }
  }
  const anonReply = await subscribeWhenKnown(anon, 1);
  assertErrorFrame(anonReply, 119, 1, 'anonymous find with pointerFields');
  for (const live of [mine, theirs, master]) {
    const reply = await subscribeWhenKnown(live, 1);
    assert.equal(reply.op, 'subscribed', brief(reply));
  }
  const res = await post(`/classes/${cls}`, { note: 'hello', secret: 's3cr3t', owner: pointer('_User', buyer.id) }, { master: true });
  assert.equal(res.status, 201, show(res));
  const id = res.json.objectId;
  const ev = await mine.event('create', 1, id);
  assert.equal(ev.object.note, 'hello');
  assert.equal(ev.object.secret, undefined, `protected field shown: ${brief(ev)}`);
  const m = await master.event('create', 1, id);
  assert.equal(m.object.secret, 's3cr3t', 'the master key sees protected fields');
  await theirs.assertNone(about(id), 'an object whose pointer field names someone else', 1000);
  for (const live of [anon, mine, theirs, master]) live.close();
});

// ---------------------------------------------------------------------------------------------
// Connection lifetime

test('an idle connection keeps its subscriptions (hibernation): after 12 s idle an update still arrives', async () => {
  const live = await Live.connected();
  const product = await newProduct(shop, { price: 50 });
  await live.subscribed(1, { className: 'Product', where: { objectId: product.id } }, { sessionToken: buyer.token });
  await sleep(12_000);
  assert.equal(live.closed, null, 'the server did not close the idle socket');
  await editProduct(shop, product, { price: 51 });
  const ev = await live.event('update', 1, product.id);
  assert.equal(ev.object.price, 51);
  assert.equal(ev.original.price, 50);
  // And the socket still answers frames.
  const again = await live.subscribe(2, { className: 'Product', where: { sku: freshSku() } });
  assert.equal(again.op, 'subscribed', brief(again));
  live.close();
});

test('a client close is answered with a close frame, promptly', async () => {
  const live = await Live.connected();
  const started = performance.now();
  live.ws.close(1000, 'bye');
  // Wait long enough to see what happens (a server that never answers is cut off by the proxy).
  const deadline = Date.now() + 12_000;
  while (!live.closed && Date.now() < deadline) await sleep(50);
  const elapsed = Math.round(performance.now() - started);
  const closed = live.closed;
  live.close();
  assert.ok(closed, 'no close within 12 s');
  assert.equal(closed.code, 1000, `close code ${closed.code} after ${elapsed} ms (1006 = the server never sent a close frame)`);
  assert.ok(elapsed < 2000, `close took ${elapsed} ms`);
});
