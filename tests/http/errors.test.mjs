// Client mistakes: exact status and Parse error code, never a 5xx, and nothing written.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MOUNT,
  rand, uniqueClass, createClass, dropClass, createObject, countRows,
  request, get, post, put, del, qs, show, expectError, pointer,
} from './support.mjs';

const C = uniqueClass('err');

before(async () => {
  await createClass(C, { name: 'String', n: 'Number', tags: 'Array', flag: 'Boolean' });
});

after(async () => {
  await dropClass(C);
});

// ---------------------------------------------------------------------------------------------
// Bodies and parameters

test('an invalid JSON body answers 400 code 107 and writes nothing', async () => {
  const before = await countRows(C);
  const res = await request('POST', `/classes/${C}`, undefined, { raw: '{"name": "half",' });
  // Parse Server's body-parser answers 400 {error} without a code here; the contract adds 107.
  expectError(res, 400, 107);
  assert.equal(await countRows(C), before);
});

test('an invalid JSON body on PUT answers 400 code 107 and changes nothing', async () => {
  const id = await createObject(C, { name: 'intact' });
  const res = await request('PUT', `/classes/${C}/${id}`, undefined, { raw: 'name=oops' });
  expectError(res, 400, 107);
  assert.equal((await get(`/classes/${C}/${id}`)).json.name, 'intact');
});

test('a body larger than 1 MiB is refused with a 4xx Parse error and writes nothing', async () => {
  const tag = `big-${rand()}`;
  const res = await post(`/classes/${C}`, { name: tag, tags: ['x'.repeat(1024 * 1024 + 16)] });
  // Parse (body-parser) answers 413 "request entity too large"; 400 is also acceptable here.
  assert.ok([400, 413].includes(res.status), show(res));
  assert.equal(typeof res.json?.code, 'number', show(res));
  assert.equal(typeof res.json?.error, 'string', show(res));
  assert.equal(await countRows(C, { name: tag }), 0);
});

// ---------------------------------------------------------------------------------------------
// Classes that do not exist (ALLOW_CLIENT_CLASS_CREATION=false)

test('creating in a class that does not exist without the master key answers 119 and creates no class', async () => {
  const name = uniqueClass('noclass');
  const res = await post(`/classes/${name}`, { name: 'x' });
  // Parse RestWrite.validateClientClassCreation, allowClientClassCreation: false. The message is
  // "This user is not allowed to access non-existent class: X" up to Parse 7 and the sanitized
  // "Permission denied" in Parse 8, so only the code is asserted.
  expectError(res, 400, 119);
  expectError(await get(`/schemas/${name}`, { master: true }), 400, 103);
});

test('querying a class that does not exist answers 119 without the master key and {results: []} with it', async () => {
  const name = uniqueClass('noclass');
  // Parse RestQuery.validateClientClassCreation: with allowClientClassCreation false, a find on a
  // missing class is refused for clients (it would be {results: []} only with creation allowed).
  const asClient = await get(`/classes/${name}`);
  expectError(asClient, 400, 119);
  const asMaster = await get(`/classes/${name}`, { master: true });
  assert.equal(asMaster.status, 200, show(asMaster));
  assert.deepEqual(asMaster.json, { results: [] });
  // Reading is not creating.
  expectError(await get(`/schemas/${name}`, { master: true }), 400, 103);
});

test('getting an object of a class that does not exist answers 119 without the master key', async () => {
  const name = uniqueClass('noclass');
  expectError(await get(`/classes/${name}/abcdefghij`), 400, 119);
});

// ---------------------------------------------------------------------------------------------
// Field names and types

test('an invalid field name answers 400 code 105 and writes nothing', async () => {
  // Sent with the master key, which may add fields, so the name itself is what is refused
  // (without it Parse may refuse the addField permission, 119, before looking at the name).
  for (const bad of ['a b', '$x', 'a-b', '1abc']) {
    const tag = `badname-${rand()}`;
    const res = await post(`/classes/${C}`, { name: tag, [bad]: 1 }, { master: true });
    expectError(res, 400, 105);
    assert.equal(await countRows(C, { name: tag }), 0, `field ${JSON.stringify(bad)}`);
  }
  const schema = await get(`/schemas/${C}`, { master: true });
  for (const bad of ['a b', '$x', 'a-b', '1abc']) assert.ok(!(bad in schema.json.fields), bad);
});

test('a value of the wrong type answers 400 code 111 and writes nothing', async () => {
  const tag = `wrongtype-${rand()}`;
  const before = await countRows(C);
  const asNumber = await post(`/classes/${C}`, { name: 42, tags: [tag] });
  // Parse: "schema mismatch for <C>.name; expected String but got Number".
  expectError(asNumber, 400, 111);
  const asString = await post(`/classes/${C}`, { name: tag, n: 'seven' });
  expectError(asString, 400, 111);
  const asArray = await post(`/classes/${C}`, { name: tag, flag: [true] });
  expectError(asArray, 400, 111);
  assert.equal(await countRows(C, { name: tag }), 0);
  assert.equal(await countRows(C), before);
});

test('an update with a value of the wrong type answers 400 code 111 and changes nothing', async () => {
  const id = await createObject(C, { name: 'typed', n: 1 });
  const res = await put(`/classes/${C}/${id}`, { n: 'one', name: 'changed' });
  expectError(res, 400, 111);
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.json.n, 1);
  assert.equal(got.json.name, 'typed');
});

test('an Increment on a non-number amount answers 400 and changes nothing', async () => {
  const id = await createObject(C, { name: 'inc', n: 1 });
  const res = await put(`/classes/${C}/${id}`, { n: { __op: 'Increment', amount: 'x' } });
  // Parse (MongoTransform): INVALID_JSON "incrementing must provide a number".
  expectError(res, 400, 107);
  assert.equal((await get(`/classes/${C}/${id}`)).json.n, 1);
});

// ---------------------------------------------------------------------------------------------
// Query mistakes

test('an unknown query operator answers 400 code 102', async () => {
  const res = await get(`/classes/${C}${qs({ where: { n: { $foo: 1 } } })}`);
  // Parse's adapters disagree (Mongo: 107 "bad constraint", Postgres: 119); an unknown operator
  // is an invalid query, so we answer INVALID_QUERY 102, as our issue specifies.
  expectError(res, 400, 102);
});

test('a where that is not valid JSON answers 400 code 107', async () => {
  const res = await get(`/classes/${C}?where=${encodeURIComponent('{"name": ')}`);
  // Parse's ClassesRouter JSON.parse throws an uncaught SyntaxError (a 500); the contract forbids
  // 5xx for a client mistake, so we pick INVALID_JSON 107, as for an invalid body.
  expectError(res, 400, 107);
});

test('an unknown query parameter answers 400 code 102', async () => {
  const res = await get(`/classes/${C}?foo=1`);
  // Parse ClassesRouter.optionsFromBody: INVALID_QUERY "Invalid parameter for query: foo".
  expectError(res, 400, 102, 'Invalid parameter for query: foo');
});

test('a negative or non-numeric limit answers 400 code 102', async () => {
  // Parse passes limit straight to the database (Mongo reads -5 as 5); the contract validates.
  expectError(await get(`/classes/${C}?limit=-5`), 400, 102);
  expectError(await get(`/classes/${C}?limit=abc`), 400, 102);
});

test('$options other than i, m, x, s answers 400 code 102', async () => {
  const res = await get(`/classes/${C}${qs({ where: { name: { $regex: 'a', $options: 'z' } } })}`);
  // Parse DatabaseController.validateQuery.
  expectError(res, 400, 102, 'Bad $options value for query: z');
});

test('$or that is not an array answers 400 code 102', async () => {
  const res = await get(`/classes/${C}${qs({ where: { $or: { name: 'a' } } })}`);
  // Parse: "Bad $or format - use an array value." (Parse 8 may sanitize the message): code only.
  expectError(res, 400, 102);
});

test('$nor with an empty array answers 400 code 102', async () => {
  const res = await get(`/classes/${C}${qs({ where: { $nor: [] } })}`);
  expectError(res, 400, 102, 'Bad $nor format - use an array of at least 1 value.');
});

test('an invalid regular expression is refused as a client mistake, not a 5xx', async () => {
  const res = await get(`/classes/${C}${qs({ where: { name: { $regex: '(' } } })}`);
  // Parse hands the pattern to the database and its answer is adapter-specific; we require a
  // 400 with a Parse error code.
  assert.equal(res.status, 400, show(res));
  assert.equal(typeof res.json?.code, 'number', show(res));
});

test('querying ACL answers 400 code 102', async () => {
  const res = await get(`/classes/${C}${qs({ where: { ACL: { '*': { read: true } } } })}`);
  expectError(res, 400, 102, 'Cannot query on ACL.');
});

// ---------------------------------------------------------------------------------------------
// Missing ids

test('PUT, GET and DELETE of a missing id answer 404 code 101', async () => {
  const id = 'Zz' + rand(8);
  expectError(await put(`/classes/${C}/${id}`, { name: 'x' }), 404, 101);
  expectError(await get(`/classes/${C}/${id}`), 404, 101, 'Object not found.');
  expectError(await del(`/classes/${C}/${id}`), 404, 101);
  assert.equal(await countRows(C, { objectId: id }), 0);
});

// ---------------------------------------------------------------------------------------------
// The marketplace classes: unique sku, stock ≥ 0, no new fields from clients

const market = { users: [], artisans: [], products: [] };

async function signUp(role = 'buyer', extra = {}) {
  const username = `t_${rand(10)}`;
  const res = await post('/users', { username, password: `pw-${rand()}`, email: `${username}@example.com`, role, ...extra });
  return { res, username };
}

async function newArtisan() {
  const { res } = await signUp('artisan');
  assert.equal(res.status, 201, show(res));
  market.users.push(res.json.objectId);
  const art = await post('/classes/Artisan', {
    name: `Studio ${rand()}`,
    description: 'hand-thrown pottery',
    user: pointer('_User', res.json.objectId),
  }, { master: true });
  assert.equal(art.status, 201, show(art));
  market.artisans.push(art.json.objectId);
  return art.json.objectId;
}

function productBody(artisanId, sku, extra = {}) {
  return {
    title: `Bowl ${sku}`,
    description: 'stoneware',
    sku,
    price: 25.5,
    stock: 2,
    owner: pointer('Artisan', artisanId),
    images: [],
    tags: ['ceramics'],
    ...extra,
  };
}

after(async () => {
  for (const id of market.products) await del(`/classes/Product/${id}`, { master: true }).catch(() => {});
  for (const id of market.artisans) await del(`/classes/Artisan/${id}`, { master: true }).catch(() => {});
  for (const id of market.users) await del(`/classes/_User/${id}`, { master: true }).catch(() => {});
});

test('a duplicate Product.sku answers 400 code 137 and writes nothing', async () => {
  const artisan = await newArtisan();
  const sku = `SKU-${rand(10)}`;
  const first = await post('/classes/Product', productBody(artisan, sku), { master: true });
  assert.equal(first.status, 201, show(first));
  market.products.push(first.json.objectId);

  const dup = await post('/classes/Product', productBody(artisan, sku, { title: 'Copy' }), { master: true });
  expectError(dup, 400, 137);
  assert.equal(await countRows('Product', { sku }), 1);
  assert.equal(await countRows('Product', { title: 'Copy', sku }), 0);
});

test('updating a Product to a sku another Product has answers 400 code 137 and changes nothing', async () => {
  const artisan = await newArtisan();
  const skuA = `SKU-${rand(10)}`;
  const skuB = `SKU-${rand(10)}`;
  const a = await post('/classes/Product', productBody(artisan, skuA), { master: true });
  const b = await post('/classes/Product', productBody(artisan, skuB), { master: true });
  assert.equal(a.status, 201, show(a));
  assert.equal(b.status, 201, show(b));
  market.products.push(a.json.objectId, b.json.objectId);

  const res = await put(`/classes/Product/${b.json.objectId}`, { sku: skuA }, { master: true });
  expectError(res, 400, 137);
  assert.equal((await get(`/classes/Product/${b.json.objectId}`, { master: true })).json.sku, skuB);
});

test('a transactional batch with a duplicate sku writes nothing', async () => {
  const artisan = await newArtisan();
  const taken = `SKU-${rand(10)}`;
  const fresh = `SKU-${rand(10)}`;
  const first = await post('/classes/Product', productBody(artisan, taken), { master: true });
  assert.equal(first.status, 201, show(first));
  market.products.push(first.json.objectId);

  const res = await post('/batch', {
    transaction: true,
    requests: [
      { method: 'POST', path: `${MOUNT}/classes/Product`, body: productBody(artisan, fresh) },
      { method: 'POST', path: `${MOUNT}/classes/Product`, body: productBody(artisan, taken) },
    ],
  }, { master: true });
  // As in batch.test.mjs: 400 with the failing request's {code, error} (Parse itself answers 500).
  expectError(res, 400, 137);
  assert.equal(await countRows('Product', { sku: fresh }), 0);
  assert.equal(await countRows('Product', { sku: taken }), 1);
});

test('stock can never go below zero: a decrement past zero is refused and stock is unchanged', async () => {
  const artisan = await newArtisan();
  const sku = `SKU-${rand(10)}`;
  const p = await post('/classes/Product', productBody(artisan, sku, { stock: 2 }), { master: true });
  assert.equal(p.status, 201, show(p));
  market.products.push(p.json.objectId);

  const res = await put(`/classes/Product/${p.json.objectId}`, { stock: { __op: 'Increment', amount: -3 } }, { master: true });
  // Parse has no stock rule; the template's validation answers a 400 Parse error (code not fixed here).
  assert.equal(res.status, 400, show(res));
  assert.equal(typeof res.json?.code, 'number', show(res));
  assert.equal((await get(`/classes/Product/${p.json.objectId}`, { master: true })).json.stock, 2);

  const ok = await put(`/classes/Product/${p.json.objectId}`, { stock: { __op: 'Increment', amount: -2 } }, { master: true });
  assert.equal(ok.status, 200, show(ok));
  assert.equal(ok.json.stock, 0);
});

test('a client writing an unknown field on a marketplace class answers 119 and writes nothing', async () => {
  // Control: the same sign-up without the unknown field works.
  const control = await signUp('buyer');
  assert.equal(control.res.status, 201, show(control.res));
  market.users.push(control.res.json.objectId);

  const field = `zz${rand(6)}`;
  const { res, username } = await signUp('buyer', { [field]: 'x' });
  // Parse refuses a new field when the addField class-level permission denies it:
  // OPERATION_FORBIDDEN 119 "Permission denied for action addField on class _User.".
  expectError(res, 400, 119);
  const found = await get(`/classes/_User${qs({ where: { username } })}`, { master: true });
  assert.equal(found.status, 200, show(found));
  assert.deepEqual(found.json.results, []);
  const schema = await get('/schemas/_User', { master: true });
  assert.ok(!(field in schema.json.fields), `field ${field} was added to _User`);
});

test('a client writing an unknown field on a scratch class answers 119 and writes nothing', async () => {
  // The server's rule (wrangler.toml): with client class creation off, only the master key adds
  // fields. In Parse the default addField CLP is public, so Parse would add the field here.
  const field = `zz${rand(6)}`;
  const tag = `unknown-${rand()}`;
  const res = await post(`/classes/${C}`, { name: tag, [field]: 1 });
  expectError(res, 400, 119);
  assert.equal(await countRows(C, { name: tag }), 0);
  const schema = await get(`/schemas/${C}`, { master: true });
  assert.ok(!(field in schema.json.fields));
});
