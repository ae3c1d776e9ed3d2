// The marketplace as an app written with the Parse JS SDK uses it (DESIGN §3): an artisan signs
// up, creates its profile and lists products; a buyer browses with Parse.Query, orders, and
// cancels; a second buyer finds the one-of-a-kind piece sold out; the buyer logs out. Then the
// access rules as the SDK reports them: Parse.Error codes for ACL and class-level denials.
//
// In Node the SDK keeps no current user (unless enableUnsafeCurrentUser is called, which
// current_user.test.mjs does), so every call passes the acting user's `{sessionToken}`, as a
// server-side Node app does. The template's classes are shared with the other test files running
// in parallel, so every query here is narrowed to this file's artisan profile or objects.
//
// The story's steps are separate tests that run in order and share state; a step whose
// prerequisite failed says so instead of failing obscurely.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Parse, MASTER, as, rand, signUp, rejectsWith, step, ids, wire, serverErrors, sentTo } from './support.mjs';

const run = rand(6);
const sku = (tag) => `sdk-${tag}-${run}-${rand(6)}`;

/** What the story builds, step by step. */
const s = {};

function needs(...keys) {
  for (const k of keys) assert.ok(s[k], `an earlier step of the story failed (no ${k})`);
}

/** The products of this run's artisan, as a query an app would start from. */
function catalogue() {
  return new Parse.Query('Product').equalTo('owner', s.profile);
}

// ---------------------------------------------------------------------------------------------
// 1. The marketplace story

test('an artisan signs up with role artisan and creates its Artisan profile', async () => {
  const artisan = new Parse.User();
  artisan.set('username', `sdk_artisan_${rand(10)}`);
  artisan.set('password', 'clay-and-fire');
  artisan.set('email', `${artisan.get('username')}@example.test`);
  artisan.set('role', 'artisan');
  await step('Parse.User.signUp (role artisan)', () => artisan.signUp());
  assert.match(artisan.id, /^[A-Za-z0-9]{10}$/);
  assert.ok(artisan.getSessionToken());
  assert.equal(artisan.get('role'), 'artisan');
  assert.equal(artisan.get('password'), undefined, 'the SDK clears the password after sign-up');
  s.artisan = artisan;

  const profile = new Parse.Object('Artisan');
  await step('Artisan.save', () => profile.save({ name: `Clay Studio ${run}`, description: 'Wheel-thrown stoneware' }, as(artisan)));
  assert.match(profile.id, /^[A-Za-z0-9]{10}$/);
  assert.ok(profile.createdAt instanceof Date);
  s.profile = profile;

  // The server sets `user` to the caller; the app reads it back.
  const fetched = await step('Artisan.fetch', () => new Parse.Query('Artisan').get(profile.id, as(artisan)));
  assert.ok(fetched.get('user') instanceof Parse.User, `user is ${JSON.stringify(fetched.get('user'))}`);
  assert.equal(fetched.get('user').id, artisan.id);
  assert.equal(fetched.get('name'), `Clay Studio ${run}`);
  // Public read, only its user writes (the server's default ACL for a profile).
  const acl = fetched.getACL();
  assert.ok(acl, 'the profile came back without an ACL');
  assert.equal(acl.getPublicReadAccess(), true);
  assert.equal(acl.getPublicWriteAccess(), false);
  assert.equal(acl.getWriteAccess(artisan.id), true);
});

test('the artisan lists one product with save and the rest with Parse.Object.saveAll', async () => {
  needs('artisan', 'profile');
  const vase = new Parse.Object('Product');
  vase.set({
    title: `Blue Vase ${run}`,
    description: 'A one-of-a-kind celadon vase',
    sku: sku('vase'),
    price: 45,
    stock: 1,
    owner: s.profile,
    images: [],
    tags: ['ceramics', 'blue'],
  });
  await step('Product.save', () => vase.save(null, as(s.artisan)));
  assert.match(vase.id, /^[A-Za-z0-9]{10}$/);
  // The SDK encodes the owner Parse.Object as a pointer.
  const sent = sentTo('/classes/Product').at(-1);
  assert.deepEqual(sent.owner, { __type: 'Pointer', className: 'Artisan', objectId: s.profile.id });

  const rest = [
    { title: `Blue Bowl ${run}`, sku: sku('bowl'), price: 25.5, stock: 3, tags: ['ceramics', 'blue'] },
    { title: `Oak Spoon ${run}`, sku: sku('spoon'), price: 12, stock: 10, tags: ['wood', 'kitchen'] },
    { title: `Linen Scarf ${run}`, sku: sku('scarf'), price: 60, stock: 2, tags: ['textile'] },
    { title: `Silver Ring ${run}`, sku: sku('ring'), price: 120, stock: 1, tags: ['jewellery'] },
    { title: `Walnut Board ${run}`, sku: sku('board'), price: 38.75, stock: 4, tags: ['wood', 'kitchen'] },
  ].map((fields) => {
    const p = new Parse.Object('Product');
    p.set({ ...fields, description: 'Handmade', owner: s.profile, images: [] });
    return p;
  });
  const saved = await step('Parse.Object.saveAll(products)', () => Parse.Object.saveAll(rest, as(s.artisan)));
  assert.equal(saved.length, 5);
  for (const p of saved) assert.match(p.id ?? '', /^[A-Za-z0-9]{10}$/, `saveAll left a product without id\n${wire(1)}`);
  assert.equal(new Set(saved.map((p) => p.id)).size, 5);
  s.vase = vase;
  [s.bowl, s.spoon, s.scarf, s.ring, s.board] = saved;
  s.products = [vase, ...saved];
});

test('a buyer signs up and browses products with equalTo, greaterThan, lessThan and containedIn', async () => {
  needs('products');
  const { user: buyer, password } = await step('buyer signUp', () => signUp('buyer'));
  s.buyer = buyer;
  s.buyerPassword = password;

  const kitchen = await step('equalTo(tags, kitchen)', () => catalogue().equalTo('tags', 'kitchen').find(as(buyer)));
  assert.deepEqual(ids(kitchen), ids([s.spoon, s.board]));

  const bySku = await step('equalTo(sku)', () => new Parse.Query('Product').equalTo('sku', s.ring.get('sku')).find(as(buyer)));
  assert.deepEqual(ids(bySku), [s.ring.id]);

  const midRange = await step('greaterThan/lessThan(price)', () =>
    catalogue().greaterThan('price', 25.5).lessThan('price', 100).find(as(buyer)),
  );
  assert.deepEqual(ids(midRange), ids([s.vase, s.scarf, s.board]));

  const atLeast = await catalogue().greaterThanOrEqualTo('price', 60).lessThanOrEqualTo('price', 120).find(as(buyer));
  assert.deepEqual(ids(atLeast), ids([s.scarf, s.ring]));

  const chosen = await step('containedIn(sku)', () =>
    catalogue().containedIn('sku', [s.vase.get('sku'), s.scarf.get('sku'), 'no-such-sku']).find(as(buyer)),
  );
  assert.deepEqual(ids(chosen), ids([s.vase, s.scarf]));

  const others = await catalogue().notContainedIn('tags', ['ceramics', 'wood']).find(as(buyer));
  assert.deepEqual(ids(others), ids([s.scarf, s.ring]));

  const ceramicAndBlue = await catalogue().containsAll('tags', ['ceramics', 'blue']).find(as(buyer));
  assert.deepEqual(ids(ceramicAndBlue), ids([s.vase, s.bowl]));

  const notBowl = await catalogue().notEqualTo('title', `Blue Bowl ${run}`).find(as(buyer));
  assert.equal(notBowl.length, 5);
});

test('the buyer searches titles with startsWith, contains, endsWith and matches', async () => {
  needs('products', 'buyer');
  const buyer = s.buyer;

  const blue = await step('startsWith(title, "Blue ")', () => catalogue().startsWith('title', 'Blue ').find(as(buyer)));
  assert.deepEqual(ids(blue), ids([s.vase, s.bowl]));
  // The SDK quotes the prefix: ^\QBlue \E
  const where = sentTo('/classes/Product').at(-1).where;
  assert.equal(where.title.$regex, '^\\QBlue \\E');

  // Regex metacharacters in the text are literal inside \Q…\E.
  const none = await catalogue().startsWith('title', 'Blue.').find(as(buyer));
  assert.deepEqual(ids(none), []);

  const board = await step('contains(title, "nut Bo")', () => catalogue().contains('title', 'nut Bo').find(as(buyer)));
  assert.deepEqual(ids(board), [s.board.id]);

  const ring = await catalogue().endsWith('title', `Ring ${run}`).find(as(buyer));
  assert.deepEqual(ids(ring), [s.ring.id]);

  const ci = await step('matches(title, /^silver|^OAK/i)', () => catalogue().matches('title', /^silver|^OAK/i).find(as(buyer)));
  assert.deepEqual(ids(ci), ids([s.ring, s.spoon]));
  const sentRegex = sentTo('/classes/Product').at(-1).where.title;
  assert.deepEqual(sentRegex, { $regex: '^silver|^OAK', $options: 'i' });

  const caseSensitive = await catalogue().matches('title', /^silver/).find(as(buyer));
  assert.deepEqual(ids(caseSensitive), []);
});

test('the buyer includes the owner as a full Artisan object and selects only some fields', async () => {
  needs('products', 'buyer');
  const buyer = s.buyer;

  const withOwner = await step("include('owner')", () => catalogue().include('owner').ascending('price').find(as(buyer)));
  assert.equal(withOwner.length, 6);
  for (const p of withOwner) {
    const owner = p.get('owner');
    assert.ok(owner instanceof Parse.Object, 'owner is not a Parse.Object');
    assert.equal(owner.className, 'Artisan');
    assert.equal(owner.id, s.profile.id);
    assert.equal(owner.get('name'), `Clay Studio ${run}`, `owner was not included\n${wire(1)}`);
    assert.equal(owner.get('description'), 'Wheel-thrown stoneware');
  }

  const notIncluded = await catalogue().first(as(buyer));
  assert.equal(notIncluded.get('owner').id, s.profile.id);
  assert.equal(notIncluded.get('owner').get('name'), undefined, 'without include the owner is a bare pointer');

  const slim = await step("select('title','price')", () => catalogue().select('title', 'price').ascending('price').find(as(buyer)));
  assert.equal(slim.length, 6);
  for (const p of slim) {
    assert.equal(typeof p.get('title'), 'string');
    assert.equal(typeof p.get('price'), 'number');
    assert.equal(p.get('sku'), undefined, `select returned sku\n${wire(1)}`);
    assert.equal(p.get('description'), undefined);
    assert.equal(p.get('stock'), undefined);
    assert.ok(p.id && p.createdAt instanceof Date && p.updatedAt instanceof Date, 'select keeps objectId, createdAt, updatedAt');
  }
  assert.deepEqual(slim.map((p) => p.get('price')), [12, 25.5, 38.75, 45, 60, 120]);
});

test('the buyer counts, orders, pages and picks products with count, ascending, descending, limit, skip, first and get', async () => {
  needs('products', 'buyer');
  const buyer = s.buyer;

  assert.equal(await step('count()', () => catalogue().count(as(buyer))), 6);
  assert.equal(await catalogue().equalTo('tags', 'wood').count(as(buyer)), 2);
  assert.equal(await catalogue().greaterThan('price', 1000).count(as(buyer)), 0);

  const cheapFirst = await catalogue().ascending('price').find(as(buyer));
  assert.deepEqual(cheapFirst.map((p) => p.get('price')), [12, 25.5, 38.75, 45, 60, 120]);
  const dearFirst = await catalogue().descending('price').find(as(buyer));
  assert.deepEqual(dearFirst.map((p) => p.get('price')), [120, 60, 45, 38.75, 25.5, 12]);

  // Several sort keys: stock ascending, then price descending among equal stocks.
  const multi = await catalogue().ascending('stock').addDescending('price').find(as(buyer));
  assert.deepEqual(multi.map((p) => p.get('title').replace(` ${run}`, '')), [
    'Silver Ring', 'Blue Vase', 'Linen Scarf', 'Blue Bowl', 'Walnut Board', 'Oak Spoon',
  ]);

  const page2 = await step('limit(2).skip(2)', () => catalogue().ascending('price').limit(2).skip(2).find(as(buyer)));
  assert.deepEqual(page2.map((p) => p.get('price')), [38.75, 45]);
  const last = await catalogue().ascending('price').skip(5).limit(10).find(as(buyer));
  assert.deepEqual(last.map((p) => p.get('price')), [120]);

  const withCount = await catalogue().ascending('price').limit(1).withCount().find(as(buyer));
  assert.equal(withCount.count, 6);
  assert.equal(withCount.results.length, 1);

  const cheapest = await step('first()', () => catalogue().ascending('price').first(as(buyer)));
  assert.equal(cheapest.id, s.spoon.id);
  assert.equal(await catalogue().greaterThan('price', 1000).first(as(buyer)), undefined);

  const got = await step('get(id)', () => new Parse.Query('Product').get(s.vase.id, as(buyer)));
  assert.equal(got.get('title'), `Blue Vase ${run}`);
  assert.equal(got.get('price'), 45);
  assert.equal(got.get('stock'), 1);
  assert.equal(got.get('sku'), s.vase.get('sku'));
  assert.deepEqual(got.get('tags'), ['ceramics', 'blue']);
  assert.equal(got.get('owner').id, s.profile.id);
  assert.ok(got.createdAt instanceof Date);

  // Anonymous browsing works too: Product is public read.
  const anonymous = await new Parse.Query('Product').get(s.vase.id);
  assert.equal(anonymous.id, s.vase.id);
});

test('the buyer places an order with a product object and sees it, priced and pending, with a query', async () => {
  needs('vase', 'buyer');
  const buyer = s.buyer;
  const vase = await new Parse.Query('Product').get(s.vase.id, as(buyer));

  const order = new Parse.Object('Order');
  await step('Order.save({items:[{product, quantity:1}]})', () => order.save({ items: [{ product: vase, quantity: 1 }] }, as(buyer)));
  assert.match(order.id, /^[A-Za-z0-9]{10}$/);
  // The SDK encodes the nested Parse.Object as a pointer.
  const sent = sentTo('/classes/Order').at(-1);
  assert.deepEqual(sent.items, [{ product: { __type: 'Pointer', className: 'Product', objectId: vase.id }, quantity: 1 }]);
  s.order = order;

  const mine = await step('query Order equalTo(buyer)', () => new Parse.Query('Order').equalTo('buyer', buyer).find(as(buyer)));
  assert.deepEqual(ids(mine), [order.id]);
  const seen = mine[0];
  assert.equal(seen.get('status'), 'pending');
  assert.equal(seen.get('totalAmount'), 45);
  assert.equal(seen.get('buyer').id, buyer.id);
  assert.equal(seen.get('artisan').id, s.profile.id);
  const items = seen.get('items');
  assert.equal(items.length, 1);
  assert.equal(items[0].quantity, 1);
  assert.equal(items[0].unitPrice, 45);
  assert.equal(items[0].product.id, vase.id, `items[0].product is ${JSON.stringify(items[0].product)}`);

  // fetch() on the saved object brings the server's fields into it.
  await step('order.fetch', () => order.fetch(as(buyer)));
  assert.equal(order.get('totalAmount'), 45);
  assert.equal(order.get('status'), 'pending');

  // The artisan sees its order; nobody else does.
  const forArtisan = await new Parse.Query('Order').equalTo('artisan', s.profile).find(as(s.artisan));
  assert.deepEqual(ids(forArtisan), [order.id]);
  const { user: stranger } = await signUp('stranger');
  assert.deepEqual(await new Parse.Query('Order').equalTo('objectId', order.id).find(as(stranger)), []);
  await rejectsWith(new Parse.Query('Order').get(order.id, as(stranger)), Parse.Error.OBJECT_NOT_FOUND, 'a stranger getting the order');

  // The one-of-a-kind vase is now sold out.
  const after = await new Parse.Query('Product').get(s.vase.id, as(buyer));
  assert.equal(after.get('stock'), 0);
});

test('a second buyer ordering the same one-of-a-kind product gets Parse.Error 142', async () => {
  needs('order', 'vase');
  const { user: late } = await signUp('late_buyer');
  const vase = await new Parse.Query('Product').get(s.vase.id, as(late));
  assert.equal(vase.get('stock'), 0);
  const order = new Parse.Object('Order');
  const err = await rejectsWith(order.save({ items: [{ product: vase, quantity: 1 }] }, as(late)), Parse.Error.VALIDATION_ERROR, 'ordering a sold-out product');
  assert.ok(err.message.length > 0);
  assert.equal(order.id, undefined);
  assert.deepEqual(await new Parse.Query('Order').equalTo('buyer', late).find(as(late)), []);

  // More than the stock of a multi-piece product is refused the same way, with the short form.
  const bowl = await new Parse.Query('Product').get(s.bowl.id, as(late));
  await rejectsWith(new Parse.Object('Order').save({ product: bowl, quantity: 4 }, as(late)), Parse.Error.VALIDATION_ERROR, 'ordering 4 of 3 bowls');
  assert.equal((await new Parse.Query('Product').get(s.bowl.id)).get('stock'), 3);
});

test('the seed short form {product, quantity} is normalised to items and priced by the server', async () => {
  needs('bowl', 'buyer');
  const bowl = await new Parse.Query('Product').get(s.bowl.id, as(s.buyer));

  // totalAmount is never trusted: a client total that disagrees with the current prices refuses
  // the order (142) rather than being silently replaced, so an app that showed a stale price
  // learns it before the buyer pays. (Parse Server has no such rule; it is the template's.)
  const stale = new Parse.Object('Order');
  await rejectsWith(stale.save({ product: bowl, quantity: 2, totalAmount: 1 }, as(s.buyer)), Parse.Error.VALIDATION_ERROR, 'an order with a wrong totalAmount');
  assert.equal((await new Parse.Query('Product').get(s.bowl.id)).get('stock'), 3, 'a refused order took stock');

  const order = new Parse.Object('Order');
  await step('Order.save({product, quantity:2})', () => order.save({ product: bowl, quantity: 2 }, as(s.buyer)));
  const seen = await new Parse.Query('Order').get(order.id, as(s.buyer));
  assert.equal(seen.get('totalAmount'), 51);
  assert.equal(seen.get('status'), 'pending');
  assert.deepEqual(seen.get('items').map((i) => [i.product.id, i.quantity, i.unitPrice]), [[bowl.id, 2, 25.5]]);
  assert.equal((await new Parse.Query('Product').get(s.bowl.id)).get('stock'), 1);
  s.bowlOrder = seen;
});

test('the buyer cancels the pending order with set("status","cancelled").save() and the stock comes back', async () => {
  needs('order', 'buyer');
  const order = s.order;
  order.set('status', 'cancelled');
  await step("order.set('status','cancelled').save()", () => order.save(null, as(s.buyer)));
  assert.equal(order.get('status'), 'cancelled');
  const sent = sentTo(`/classes/Order/${order.id}`).at(-1);
  assert.equal(sent._method, 'PUT');
  assert.equal(sent.status, 'cancelled');

  const seen = await new Parse.Query('Order').get(order.id, as(s.buyer));
  assert.equal(seen.get('status'), 'cancelled');
  const vase = await new Parse.Query('Product').get(s.vase.id);
  assert.equal(vase.get('stock'), 1, 'cancelling gives the piece back');

  // A cancelled order stays cancelled.
  seen.set('status', 'pending');
  await rejectsWith(seen.save(null, as(s.buyer)), Parse.Error.VALIDATION_ERROR, 'reopening a cancelled order');
});

test('the master key marks an order paid, the artisan ships it, and the buyer can no longer cancel', async () => {
  needs('bowlOrder', 'buyer', 'artisan');
  const asBuyer = await new Parse.Query('Order').get(s.bowlOrder.id, as(s.buyer));

  // Only the system (master key, payment webhook) marks paid.
  asBuyer.set('status', 'paid');
  await rejectsWith(asBuyer.save(null, as(s.buyer)), Parse.Error.OPERATION_FORBIDDEN, 'a buyer marking its order paid');
  asBuyer.revert();

  const asArtisan = await new Parse.Query('Order').get(s.bowlOrder.id, as(s.artisan));
  asArtisan.set('status', 'shipped');
  await rejectsWith(asArtisan.save(null, as(s.artisan)), Parse.Error.VALIDATION_ERROR, 'shipping a pending order');
  asArtisan.revert();

  const asMaster = await new Parse.Query('Order').get(s.bowlOrder.id, MASTER);
  await step("save({status:'paid'}, {useMasterKey})", () => asMaster.save({ status: 'paid' }, MASTER));

  await asArtisan.fetch(as(s.artisan));
  assert.equal(asArtisan.get('status'), 'paid');
  await step("artisan save({status:'shipped'})", () => asArtisan.save({ status: 'shipped' }, as(s.artisan)));
  assert.equal((await new Parse.Query('Order').get(s.bowlOrder.id, as(s.buyer))).get('status'), 'shipped');

  const again = await new Parse.Query('Order').get(s.bowlOrder.id, as(s.buyer));
  again.set('status', 'cancelled');
  await rejectsWith(again.save(null, as(s.buyer)), Parse.Error.VALIDATION_ERROR, 'cancelling a shipped order');

  // Prices and totals are the server's: a client cannot rewrite them.
  const forged = await new Parse.Query('Order').get(s.bowlOrder.id, as(s.buyer));
  forged.set('totalAmount', 0);
  await rejectsWith(forged.save(null, as(s.buyer)), Parse.Error.OPERATION_FORBIDDEN, 'rewriting totalAmount');
});

test('a cart across two artisans is checked out at once with Parse.Cloud.run("checkout")', async () => {
  needs('artisan', 'profile', 'scarf', 'buyer');
  const { user: potter } = await signUp('potter', { role: 'artisan' });
  const studio = new Parse.Object('Artisan');
  await studio.save({ name: `Second Studio ${run}` }, as(potter));
  const jug = new Parse.Object('Product');
  await jug.save({ title: `Jug ${run}`, sku: sku('jug'), price: 30, stock: 2, owner: studio }, as(potter));

  // Cloud.run encodes its params without Parse.Objects, so an app sends pointers.
  const result = await step("Parse.Cloud.run('checkout', {items})", () =>
    Parse.Cloud.run('checkout', { items: [{ product: s.scarf.toPointer(), quantity: 1 }, { product: jug.toPointer(), quantity: 2 }] }, as(s.buyer)),
  );
  assert.equal(typeof result.checkoutId, 'string', JSON.stringify(result));
  assert.equal(result.orders.length, 2);
  const artisans = result.orders.map((o) => (o.artisan instanceof Parse.Object ? o.artisan.id : o.artisan?.objectId)).sort();
  assert.deepEqual(artisans, [s.profile.id, studio.id].sort());

  const placed = await new Parse.Query('Order').containedIn('objectId', result.orders.map((o) => o.objectId)).find(as(s.buyer));
  assert.deepEqual(placed.map((o) => o.get('totalAmount')).sort((a, b) => a - b), [60, 60]);
  assert.equal((await new Parse.Query('Product').get(jug.id)).get('stock'), 0);

  // All or nothing: one sold-out line refuses the whole cart and takes no stock.
  const scarfStock = (await new Parse.Query('Product').get(s.scarf.id)).get('stock');
  await rejectsWith(
    Parse.Cloud.run('checkout', { items: [{ product: s.scarf.toPointer(), quantity: 1 }, { product: jug.toPointer(), quantity: 1 }] }, as(s.buyer)),
    Parse.Error.VALIDATION_ERROR,
    'a cart with a sold-out line',
  );
  assert.equal((await new Parse.Query('Product').get(s.scarf.id)).get('stock'), scarfStock);
});

test('after Parse.User.logOut the old session token fails with Parse.Error 209', async () => {
  needs('buyer');
  const token = s.buyer.getSessionToken();
  // The token works before.
  const me = await Parse.User.me(token);
  assert.equal(me.id, s.buyer.id);

  await step('Parse.User.logOut({sessionToken})', () => Parse.User.logOut({ sessionToken: token }));
  assert.ok(sentTo('/logout').length >= 1, 'the SDK did not call /logout');

  await rejectsWith(Parse.User.me(token), Parse.Error.INVALID_SESSION_TOKEN, 'Parse.User.me with the old token');
  await rejectsWith(new Parse.Query('Order').find({ sessionToken: token }), Parse.Error.INVALID_SESSION_TOKEN, 'a query with the old token');
  await rejectsWith(new Parse.Object('Order').save({ product: s.spoon, quantity: 1 }, { sessionToken: token }), Parse.Error.INVALID_SESSION_TOKEN, 'an order with the old token');

  // Logging in again gives a new, working session.
  const back = await step('Parse.User.logIn again', () => Parse.User.logIn(s.buyer.get('username'), s.buyerPassword));
  assert.notEqual(back.getSessionToken(), token);
  assert.equal((await Parse.User.me(back.getSessionToken())).id, s.buyer.id);
});

test('fields the server sets on create come back in the save response, as Parse Server returns fields a beforeSave changed', async () => {
  // Parse Server answers a create with every field its beforeSave trigger set or changed
  // (RestWrite: storage.fieldsChangedByTrigger, merged into the response), so an app reads them
  // from the saved object without a fetch. Here the server plays that trigger: Artisan.user and
  // ACL, _User.role's default, Order.buyer/artisan/items/status/totalAmount are the server's.
  const missing = [];
  const expect = (what, actual, expected) => {
    if (actual !== expected) missing.push(`${what}: ${JSON.stringify(actual)} (expected ${JSON.stringify(expected)})`);
  };
  const { user: artisan } = await signUp('artisan_resp', { role: 'artisan' });
  const profile = new Parse.Object('Artisan');
  await profile.save({ name: `Resp ${run}` }, as(artisan));
  expect('Artisan.user after save', profile.get('user')?.id, artisan.id);
  expect('Artisan ACL after save (public read)', profile.getACL()?.getPublicReadAccess(), true);
  const profileWire = wire(1);

  const cup = new Parse.Object('Product');
  await cup.save({ title: `Cup ${run}`, sku: sku('cup'), price: 9.5, stock: 5, owner: profile }, as(artisan));
  const { user: buyer } = await signUp('buyer_resp');
  expect('_User.role after signUp without a role (the server defaults it)', buyer.get('role'), 'buyer');
  const order = new Parse.Object('Order');
  await order.save({ items: [{ product: cup, quantity: 2 }] }, as(buyer));
  expect('Order.status after save', order.get('status'), 'pending');
  expect('Order.totalAmount after save', order.get('totalAmount'), 19);
  expect('Order.buyer after save', order.get('buyer')?.id, buyer.id);
  expect('Order.artisan after save', order.get('artisan')?.id, profile.id);
  expect('Order.items[0].unitPrice after save', order.get('items')?.[0]?.unitPrice, 9.5);
  assert.deepEqual(missing, [], `server-set fields missing from the create responses:\n${profileWire}\n${wire(1)}`);
});

// ---------------------------------------------------------------------------------------------
// 2. ACL and class-level denials as Parse.Error codes

test('a buyer saving someone else\'s product gets Parse.Error 101, and so does another artisan', async () => {
  needs('vase', 'buyer');
  const { user: buyer } = await signUp('meddler');
  const product = await new Parse.Query('Product').get(s.spoon.id, as(buyer));
  product.set('price', 1);
  await rejectsWith(product.save(null, as(buyer)), Parse.Error.OBJECT_NOT_FOUND, "a buyer saving someone else's product");

  const { user: rival } = await signUp('rival', { role: 'artisan' });
  await new Parse.Object('Artisan').save({ name: `Rival ${run}` }, as(rival));
  const asRival = await new Parse.Query('Product').get(s.spoon.id, as(rival));
  asRival.set('price', 2);
  await rejectsWith(asRival.save(null, as(rival)), Parse.Error.OBJECT_NOT_FOUND, "an artisan saving another artisan's product");
  await rejectsWith(asRival.destroy(as(rival)), Parse.Error.OBJECT_NOT_FOUND, "an artisan destroying another artisan's product");

  // Anonymous: no session at all. The class-level permissions let only signed-in users update
  // Products, so this is refused before any ACL is looked at: 119, not 101.
  const anon = await new Parse.Query('Product').get(s.spoon.id);
  anon.set('price', 3);
  await rejectsWith(anon.save(), Parse.Error.OPERATION_FORBIDDEN, 'an anonymous save of a product');

  assert.equal((await new Parse.Query('Product').get(s.spoon.id)).get('price'), 12);

  // The owner may.
  const own = await new Parse.Query('Product').get(s.spoon.id, as(s.artisan));
  await step('the owner saving its product', () => own.save({ price: 13.5 }, as(s.artisan)));
  assert.equal((await new Parse.Query('Product').get(s.spoon.id)).get('price'), 13.5);
});

test('a buyer creating a Product gets Parse.Error 119', async () => {
  needs('profile');
  const { user: buyer } = await signUp('wannabe');
  const product = new Parse.Object('Product');
  product.set({ title: `Fake ${run}`, sku: sku('fake'), price: 10, stock: 1, owner: s.profile });
  await rejectsWith(product.save(null, as(buyer)), Parse.Error.OPERATION_FORBIDDEN, 'a buyer creating a Product');
  assert.equal(product.id, undefined);
  // A buyer cannot open an Artisan profile either.
  await rejectsWith(new Parse.Object('Artisan').save({ name: 'Nope' }, as(buyer)), Parse.Error.OPERATION_FORBIDDEN, 'a buyer creating an Artisan');
});

test('an artisan adding a product to another artisan\'s profile gets Parse.Error 119', async () => {
  needs('profile');
  const { user: other } = await signUp('other_artisan', { role: 'artisan' });
  const product = new Parse.Object('Product');
  await rejectsWith(
    product.save({ title: `Squat ${run}`, sku: sku('squat'), price: 10, stock: 1, owner: s.profile }, as(other)),
    Parse.Error.OPERATION_FORBIDDEN,
    "creating a product on someone else's profile",
  );
});

test('invalid products are refused with Parse.Error 142 and a duplicate sku with 137', async () => {
  needs('artisan', 'profile', 'vase');
  const make = (fields) => new Parse.Object('Product').save({ title: `Bad ${run}`, sku: sku('bad'), price: 10, stock: 1, owner: s.profile, ...fields }, as(s.artisan));
  await rejectsWith(make({ price: 0 }), Parse.Error.VALIDATION_ERROR, 'price 0');
  await rejectsWith(make({ price: -5 }), Parse.Error.VALIDATION_ERROR, 'a negative price');
  await rejectsWith(make({ price: 10.005 }), Parse.Error.VALIDATION_ERROR, 'a price with 3 decimals');
  await rejectsWith(make({ stock: -1 }), Parse.Error.VALIDATION_ERROR, 'negative stock');
  await rejectsWith(make({ stock: 1.5 }), Parse.Error.VALIDATION_ERROR, 'fractional stock');
  await rejectsWith(make({ sku: s.vase.get('sku') }), Parse.Error.DUPLICATE_VALUE, 'a duplicate sku');
});

test('Parse.User.logIn with a wrong password gets Parse.Error 101, as does an unknown username', async () => {
  const { username, password } = await signUp('login');
  const err = await rejectsWith(Parse.User.logIn(username, 'not-the-password'), Parse.Error.OBJECT_NOT_FOUND, 'logIn with a wrong password');
  const unknown = await rejectsWith(Parse.User.logIn(`sdk_nobody_${rand(10)}`, 'whatever'), Parse.Error.OBJECT_NOT_FOUND, 'logIn with an unknown username');
  assert.equal(err.message, unknown.message, 'a wrong password and an unknown user answer alike');

  const user = await step('Parse.User.logIn', () => Parse.User.logIn(username, password));
  assert.equal(user.get('username'), username);
  assert.ok(user.getSessionToken());
  assert.equal(user.get('password'), undefined);
});

test('sign-up refuses role admin and a taken username or email with the Parse codes', async () => {
  // Parse Server would store any `role` a client sends; the template forbids choosing admin at
  // sign-up (admins are made with the master key).
  const admin = new Parse.User();
  admin.set({ username: `sdk_admin_${rand(10)}`, password: 'pw-admin', role: 'admin' });
  await rejectsWith(admin.signUp(), Parse.Error.OPERATION_FORBIDDEN, 'signing up as admin');
  assert.equal(admin.id, undefined);
  const odd = new Parse.User();
  odd.set({ username: `sdk_odd_${rand(10)}`, password: 'pw-odd-long-enough', role: 'wizard' });
  await rejectsWith(odd.signUp(), Parse.Error.VALIDATION_ERROR, 'signing up with an unknown role');

  const { username, user } = await signUp('taken');
  const dupName = new Parse.User();
  dupName.set({ username, password: 'pw-long-enough' });
  await rejectsWith(dupName.signUp(), Parse.Error.USERNAME_TAKEN, 'a taken username');
  const dupMail = new Parse.User();
  dupMail.set({ username: `sdk_other_${rand(10)}`, password: 'pw-long-enough', email: user.get('email').toUpperCase() });
  await rejectsWith(dupMail.signUp(), Parse.Error.EMAIL_TAKEN, 'a taken email (case-insensitive)');
});

test('a user cannot change its own role, but the master key can', async () => {
  // Parse Server lets a user write any field of itself; the template freezes `role` for clients,
  // so a buyer cannot promote itself to artisan or admin.
  const { user } = await signUp('climber');
  user.set('role', 'artisan');
  await rejectsWith(user.save(null, as(user)), Parse.Error.OPERATION_FORBIDDEN, 'a buyer changing its own role');
  user.revert('role');
  const fresh = await new Parse.Query(Parse.User).get(user.id, as(user));
  assert.equal(fresh.get('role'), 'buyer');

  await step('master sets role artisan', () => fresh.save({ role: 'artisan' }, MASTER));
  assert.equal((await new Parse.Query(Parse.User).get(user.id, MASTER)).get('role'), 'artisan');
});

test('users read only themselves: another user\'s record is hidden (101) and its email never shown', async () => {
  const { user: a } = await signUp('alice');
  const { user: b } = await signUp('bob');
  await rejectsWith(new Parse.Query(Parse.User).get(a.id, as(b)), Parse.Error.OBJECT_NOT_FOUND, 'bob getting alice');
  const found = await new Parse.Query(Parse.User).equalTo('objectId', a.id).find(as(b));
  for (const u of found) assert.equal(u.get('email'), undefined, 'email shown to another user');

  a.set('username', `sdk_hijack_${rand(8)}`);
  await rejectsWith(a.save(null, as(b)), Parse.Error.OBJECT_NOT_FOUND, 'bob saving alice');
  a.revert();
  await rejectsWith(a.destroy(as(b)), Parse.Error.OBJECT_NOT_FOUND, 'bob destroying alice');
  const self = await new Parse.Query(Parse.User).get(a.id, as(a));
  assert.equal(self.get('email'), a.get('email'));
});

test('an access log is written as oneself and read by the viewer and the product\'s artisan only', async () => {
  needs('vase', 'artisan');
  const { user: viewer } = await signUp('viewer');
  const vase = await new Parse.Query('Product').get(s.vase.id, as(viewer));
  const log = new Parse.Object('AccessLog');
  await step('AccessLog.save({product})', () => log.save({ product: vase }, as(viewer)));
  const mine = await new Parse.Query('AccessLog').equalTo('objectId', log.id).find(as(viewer));
  assert.equal(mine.length, 1);
  assert.equal(mine[0].get('user').id, viewer.id);
  assert.ok(mine[0].get('accessTime') instanceof Date, `accessTime is ${JSON.stringify(mine[0].get('accessTime'))}`);
  const forArtisan = await new Parse.Query('AccessLog').equalTo('product', vase).find(as(s.artisan));
  assert.deepEqual(ids(forArtisan), [log.id]);
  const { user: other } = await signUp('peeker');
  assert.deepEqual(await new Parse.Query('AccessLog').equalTo('objectId', log.id).find(as(other)), []);
  // Anonymous viewers cannot log (the class needs a signed-in user).
  const err = await new Parse.Object('AccessLog').save({ product: vase }).then(() => null, (e) => e);
  assert.ok(err instanceof Parse.Error, `an anonymous AccessLog was accepted\n${wire(1)}`);
  assert.ok([Parse.Error.OPERATION_FORBIDDEN, Parse.Error.SESSION_MISSING].includes(err.code), `code ${err.code} ${err.message}`);
});

test('the server never answered 5xx to the SDK during this file', () => {
  const bad = serverErrors();
  assert.deepEqual(bad.map((e) => `${e.method} ${e.url} ${e.body?.slice(0, 300)} → ${e.status} ${e.response?.slice(0, 300)}`), []);
});
