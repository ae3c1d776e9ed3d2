// LiveQuery with the official Parse JS SDK (npm `parse` 8.6) as a Node app uses it: the SDK's own
// LiveQuery client subscribes through Parse.Query#subscribe, and its subscription events carry
// Parse.Objects. Writes go through REST (the same helpers as the HTTP tests).
//
// Note: the brief said `import Parse from 'parse/node.js'`, but the package's exports map only
// has './node', so that is what an app (and this file) imports.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import Parse from 'parse/node';
import {
  APP_ID, PARSE_URL, newShop, newProduct, editProduct, placeOrder, setStatus, freshSku, as,
  del, signUp, expectStatus, sleep, EVENT_TIMEOUT_MS, QUIET_MS,
} from './support.mjs';

Parse.initialize(APP_ID);
Parse.serverURL = PARSE_URL;
Parse.liveQueryServerURL = PARSE_URL.replace(/^http/, 'ws');

let shop;
let buyer;
let otherBuyer;

before(async () => {
  [shop, buyer, otherBuyer] = await Promise.all([newShop('lqsdk'), signUp('lqsdkbuyer'), signUp('lqsdkother')]);
});

after(async () => {
  await Parse.LiveQuery.close();
});

const EVENTS = ['create', 'update', 'enter', 'leave', 'delete'];

/** Records every event of `sub` as {op, object, original}. */
function record(sub) {
  const seen = [];
  for (const op of EVENTS) {
    sub.on(op, (object, original) => seen.push({ op, object, original: original instanceof Parse.Object ? original : undefined }));
  }
  return seen;
}

/** Resolves with the arguments of the first `event` of `sub` whose arguments satisfy `pred`. */
function once(sub, event, pred = () => true, timeout = EVENT_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const handler = (...args) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      sub.emitter.removeListener(event, handler);
      resolve(args);
    };
    const timer = setTimeout(() => {
      sub.emitter.removeListener(event, handler);
      reject(new Error(`the subscription emitted no matching '${event}' within ${timeout} ms`));
    }, timeout);
    sub.on(event, handler);
  });
}

const describe = (seen) => seen.map((e) => `${e.op} ${e.object?.id} ${JSON.stringify(e.object?.toJSON?.() ?? {})}`.slice(0, 300)).join('\n');

test('Parse.Query#subscribe on Product fires create, update, leave, enter and delete with Parse.Objects', async () => {
  const sku = freshSku('lq-sdk');
  const sub = await new Parse.Query('Product').equalTo('sku', sku).lessThan('price', 50).subscribe();
  const seen = record(sub);

  const created = once(sub, 'create');
  const product = await newProduct(shop, { sku, price: 20, stock: 2, title: 'Raku cup' });
  const [obj] = await created;
  assert.ok(obj instanceof Parse.Object, 'a Parse.Object');
  assert.equal(obj.className, 'Product');
  assert.equal(obj.id, product.id);
  assert.equal(obj.get('sku'), sku);
  assert.equal(obj.get('title'), 'Raku cup');
  assert.equal(obj.get('price'), 20);
  assert.equal(obj.get('stock'), 2);
  assert.equal(obj.get('owner')?.id, shop.profile);
  assert.equal(obj.get('owner')?.className, 'Artisan');
  assert.ok(obj.createdAt instanceof Date, 'createdAt is a Date');
  assert.ok(obj.getACL()?.getPublicReadAccess(), 'the ACL decodes to a Parse.ACL');

  const updated = once(sub, 'update');
  await editProduct(shop, product, { price: 30 });
  const [u, uo] = await updated;
  assert.equal(u.id, product.id);
  assert.equal(u.get('price'), 30);
  assert.ok(uo instanceof Parse.Object, 'update passes the original');
  assert.equal(uo.get('price'), 20);

  const left = once(sub, 'leave');
  await editProduct(shop, product, { price: 60 });
  const [l, lo] = await left;
  assert.equal(l.get('price'), 60);
  assert.equal(lo?.get?.('price'), 30);

  const entered = once(sub, 'enter');
  await editProduct(shop, product, { price: 45 });
  const [e, eo] = await entered;
  assert.equal(e.get('price'), 45);
  assert.equal(eo?.get?.('price'), 60);

  const deleted = once(sub, 'delete');
  expectStatus(await del(`/classes/Product/${product.id}`, as(shop.user)), 200);
  const [d] = await deleted;
  assert.equal(d.id, product.id);
  assert.equal(d.get('sku'), sku);

  assert.deepEqual(seen.map((s) => s.op), ['create', 'update', 'leave', 'enter', 'delete'], describe(seen));
  const closed = once(sub, 'close');
  await sub.unsubscribe();
  await closed;
});

test('after sub.unsubscribe() the SDK hears nothing more', async () => {
  const product = await newProduct(shop, { price: 10 });
  const sub = await new Parse.Query('Product').equalTo('objectId', product.id).subscribe();
  const seen = record(sub);
  const first = once(sub, 'update');
  await editProduct(shop, product, { price: 11 });
  await first;
  await sub.unsubscribe();
  await editProduct(shop, product, { price: 12 });
  await sleep(QUIET_MS);
  assert.deepEqual(seen.map((s) => s.object.get('price')), [11], describe(seen));
});

test('select() and watch() from the SDK: only the kept keys, only updates of the watched field', async () => {
  const product = await newProduct(shop, { price: 10, title: 'Loom' });
  const sub = await new Parse.Query('Product').equalTo('objectId', product.id).select('price').watch('price').subscribe();
  const seen = record(sub);
  await editProduct(shop, product, { title: 'Loom II' });
  const updated = once(sub, 'update');
  await editProduct(shop, product, { price: 14 });
  const [u] = await updated;
  assert.equal(u.get('price'), 14);
  assert.equal(u.has('title'), false, `select keeps only price: ${JSON.stringify(u.toJSON())}`);
  await sleep(500);
  assert.deepEqual(seen.map((s) => s.op), ['update'], describe(seen));
  await sub.unsubscribe();
});

test('an anonymous SDK subscription to Order is refused with ParseError 119', async () => {
  await assert.rejects(new Parse.Query('Order').subscribe(), (e) => {
    assert.ok(e instanceof Parse.Error, String(e));
    assert.equal(e.code, 119, String(e.message));
    return true;
  });
});

test('an SDK client with a wrong application id fails to connect with -403', async () => {
  const client = new Parse.LiveQueryClient({ applicationId: 'wrong-app', serverURL: Parse.liveQueryServerURL });
  client.on('error', () => {});
  client.open();
  const sub = client.subscribe(new Parse.Query('Product').equalTo('sku', freshSku()));
  await assert.rejects(sub.subscribePromise, (e) => {
    assert.equal(e.code, -403, String(e.message));
    return true;
  });
  // After a refused connect the SDK marks itself disconnected, so client.close() would not close
  // the socket (and the server keeps it open): end it here.
  client.close();
  client.socket?.terminate?.();
});

test("a logged-in buyer's SDK subscription to its orders hears create and status updates, not another buyer's", async () => {
  Parse.User.enableUnsafeCurrentUser();
  const user = await Parse.User.logIn(buyer.username, buyer.password);
  assert.equal(user.id, buyer.id);
  const product = await newProduct(shop, { price: 7.5, stock: 10 });
  const productRef = Parse.Object.extend('Product').createWithoutData(product.id);
  const sub = await new Parse.Query('Order').equalTo('products', productRef).subscribe();
  const seen = record(sub);

  const theirs = await placeOrder(otherBuyer, product, 1);
  const created = once(sub, 'create');
  const mine = await placeOrder(buyer, product, 2);
  const [order] = await created;
  assert.equal(order.id, mine);
  assert.equal(order.className, 'Order');
  assert.equal(order.get('status'), 'pending');
  assert.equal(order.get('totalAmount'), 15);
  assert.equal(order.get('buyer')?.id, buyer.id);
  assert.equal(order.get('artisan')?.id, shop.profile);
  assert.equal(order.get('items')?.[0]?.quantity, 2);
  assert.equal(order.get('items')?.[0]?.product?.id, product.id);

  const paid = once(sub, 'update', (o) => o.id === mine);
  await setStatus(theirs, 'paid', { master: true });
  await setStatus(mine, 'paid', { master: true });
  const [p, original] = await paid;
  assert.equal(p.get('status'), 'paid');
  assert.equal(original.get('status'), 'pending');

  const shipped = once(sub, 'update', (o) => o.id === mine && o.get('status') === 'shipped');
  await setStatus(mine, 'shipped', as(shop.user));
  await shipped;
  await sleep(QUIET_MS);
  assert.deepEqual(seen.filter((s) => s.object.id === theirs).map((s) => s.op), [], `another buyer's order: ${describe(seen)}`);
  await sub.unsubscribe();
});

test('a subscription given an explicit session token (query.subscribe(token)) hears that user\'s orders', async () => {
  const product = await newProduct(shop, { price: 3, stock: 10 });
  const sub = await new Parse.Query('Order').equalTo('buyer', Parse.User.createWithoutData(otherBuyer.id)).subscribe(otherBuyer.token);
  const created = once(sub, 'create');
  const id = await placeOrder(otherBuyer, product);
  const [order] = await created;
  assert.equal(order.id, id);
  assert.equal(order.get('buyer').id, otherBuyer.id);
  await sub.unsubscribe();
});

test('closing the SDK LiveQuery client completes promptly (the server answers the close)', async () => {
  const client = await Parse.CoreManager.getLiveQueryController().getDefaultLiveQueryClient();
  const started = Date.now();
  const event = await Promise.race([client.close(), sleep(12_000).then(() => 'timeout')]);
  const elapsed = Date.now() - started;
  assert.notEqual(event, 'timeout', 'the socket did not close within 12 s');
  assert.ok(elapsed < 2_000, `closing took ${elapsed} ms (close code ${event?.code})`);
  assert.equal(event?.code, 1000, `close code ${event?.code} after ${elapsed} ms`);
});
