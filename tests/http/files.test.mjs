// Parse files over raw HTTP (issue 14): uploads (`POST /files/:name`, raw or the JS SDK's base64
// JSON), every refusal (who, size, type by content, names), serving (`GET`/`HEAD
// /files/:appId/:name`: caching headers, 304, ranges, headers a browser cannot run), File values
// in products, the artisan's own products only, the master key's delete, and the end of files
// nothing references.
//
// A file this file later expects to be gone is never fetched with GET before (HEAD instead): a
// deployed worker keeps fetched files in the colo's cache, and so may `wrangler dev`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { encodePng } from '../../scripts/png.mjs';
import {
  APP_ID, MASTER_KEY, PARSE_URL, request, get, post, put, del, pointer, rand, signUp, withSession, show, expectError,
} from './support.mjs';

/** A real PNG, different for every `seed`. */
function png(seed = 0, width = 24, height = 16) {
  return encodePng(width, height, (x, y) => [(x * 10 + seed) % 256, (y * 15 + seed * 7) % 256, (seed * 31) % 256]);
}

/** A raw upload, as the JS SDK's `saveBinary` sends it (the app id in a header). */
function upload(name, bytes, { token, master, contentType = 'image/png', headers = {} } = {}) {
  const h = { 'X-Parse-Upload-Mode': 'stream', ...headers };
  if (token) h['X-Parse-Session-Token'] = token;
  return request('POST', `/files/${name}`, undefined, { raw: bytes, contentType, master, headers: h });
}

/** The stored name of a successful upload. */
async function uploaded(name, bytes, opts) {
  const res = await upload(name, bytes, opts);
  assert.equal(res.status, 201, show(res));
  return res.json;
}

/** A GET (or other method) of a file's URL, with no Parse headers: as a browser's <img> loads it. */
async function fetchFile(url, { method = 'GET', headers = {} } = {}) {
  const res = await fetch(url, { method, headers, signal: AbortSignal.timeout(60_000) });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes };
}

const NAME = /^[0-9a-f]{32}_/;

let artisan; // { token, id, shop }
let other; // another artisan

async function newArtisan(prefix) {
  const user = await signUp(prefix, { role: 'artisan' });
  const res = await post('/classes/Artisan', { name: `${prefix} ${rand(4)}` }, withSession(user.token));
  assert.equal(res.status, 201, show(res));
  return { ...user, shop: res.json.objectId };
}

test('set-up: two artisans with a profile each', async () => {
  artisan = await newArtisan('files_a');
  other = await newArtisan('files_b');
});

test('a signed-in user uploads raw bytes: 201, a unique name, its URL and Location', async () => {
  const bytes = png(1);
  const res = await upload('vase photo.png', bytes, { token: artisan.token });
  assert.equal(res.status, 201, show(res));
  assert.match(res.json.name, NAME);
  assert.ok(res.json.name.endsWith('_vase photo.png'), res.json.name);
  assert.equal(res.json.url, `${PARSE_URL}/files/${APP_ID}/${encodeURIComponent(res.json.name)}`);
  assert.equal(res.headers.get('location'), res.json.url);
  const again = await uploaded('vase photo.png', bytes, { token: artisan.token });
  assert.notEqual(again.name, res.json.name, 'every upload gets a name of its own');

  const got = await fetchFile(res.json.url);
  assert.equal(got.status, 200);
  assert.deepEqual(got.bytes, bytes);
});

test("the JS SDK's base64 JSON form (no app id header, text/plain) is an upload too", async () => {
  const bytes = png(2);
  const body = {
    base64: bytes.toString('base64'),
    _ContentType: 'image/png',
    _ApplicationId: APP_ID,
    _SessionToken: artisan.token,
    _ClientVersion: 'js8.6.2',
    fileData: { metadata: {}, tags: {} },
  };
  const res = await request('POST', '/files/from-json.png', body, { appId: null, contentType: 'text/plain' });
  assert.equal(res.status, 201, show(res));
  assert.ok(res.json.name.endsWith('_from-json.png'));
  assert.deepEqual((await fetchFile(res.json.url)).bytes, bytes);
});

test('a file is served immutable, with its ETag, nosniff, a sandbox and inline only as an image', async () => {
  const bytes = png(3);
  const { url } = await uploaded('headers.png', bytes, { token: artisan.token });
  const got = await fetchFile(url);
  assert.equal(got.status, 200);
  const h = got.headers;
  assert.equal(h.get('content-type'), 'image/png');
  assert.equal(h.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(h.get('x-content-type-options'), 'nosniff');
  assert.match(h.get('content-security-policy'), /default-src 'none'.*sandbox/);
  assert.match(h.get('content-disposition'), /^inline; filename="headers\.png"/);
  assert.equal(h.get('accept-ranges'), 'bytes');
  assert.equal(Number(h.get('content-length')), bytes.length);
  assert.match(h.get('etag'), /^"[^"]+"$/);
  assert.equal(h.get('access-control-allow-origin'), '*');

  const head = await fetchFile(url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.bytes.length, 0);
  assert.equal(Number(head.headers.get('content-length')), bytes.length);
  assert.equal(head.headers.get('etag'), h.get('etag'));
});

test('a revalidation with the ETag answers 304 without the bytes; another ETag gets them', async () => {
  const bytes = png(4);
  const { url } = await uploaded('etag.png', bytes, { token: artisan.token });
  const first = await fetchFile(url);
  const etag = first.headers.get('etag');
  const again = await fetchFile(url, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.bytes.length, 0);
  assert.equal(again.headers.get('etag'), etag);
  const weak = await fetchFile(url, { headers: { 'If-None-Match': `W/${etag}` } });
  assert.equal(weak.status, 304);
  const stale = await fetchFile(url, { headers: { 'If-None-Match': '"not-this-one"' } });
  assert.equal(stale.status, 200);
  assert.deepEqual(stale.bytes, bytes);
});

test('byte ranges answer 206 with Content-Range; a range past the end 416', async () => {
  const bytes = png(5, 64, 64);
  const { url } = await uploaded('ranges.png', bytes, { token: artisan.token });
  const part = await fetchFile(url, { headers: { Range: 'bytes=10-19' } });
  assert.equal(part.status, 206);
  assert.deepEqual(part.bytes, bytes.subarray(10, 20));
  assert.equal(part.headers.get('content-range'), `bytes 10-19/${bytes.length}`);
  const tail = await fetchFile(url, { headers: { Range: 'bytes=-8' } });
  assert.equal(tail.status, 206);
  assert.deepEqual(tail.bytes, bytes.subarray(bytes.length - 8));
  const open = await fetchFile(url, { headers: { Range: `bytes=${bytes.length - 3}-` } });
  assert.deepEqual(open.bytes, bytes.subarray(bytes.length - 3));
  const past = await fetchFile(url, { headers: { Range: `bytes=${bytes.length + 10}-` } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), `bytes */${bytes.length}`);
  const body = JSON.parse(past.bytes.toString());
  assert.equal(typeof body.code, 'number');
  assert.equal(typeof body.error, 'string');
});

test('the public may not upload, nor a wrong session: Parse errors, nothing stored', async () => {
  const res = await upload('public.png', png(6));
  expectError(res, 400, 130, 'File upload by public is disabled.');
  const json = await request('POST', '/files/public.png', { base64: png(6).toString('base64'), _ApplicationId: APP_ID }, { appId: null, contentType: 'text/plain' });
  expectError(json, 400, 130, 'File upload by public is disabled.');
  const forged = await upload('forged.png', png(6), { token: 'r:not-a-session' });
  assert.equal(forged.status, 400, show(forged));
  assert.equal(forged.json.code, 209);
  const noApp = await request('POST', '/files/x.png', undefined, { raw: png(6), contentType: 'image/png', appId: 'wrong-app', headers: { 'X-Parse-Session-Token': artisan.token } });
  assert.equal(noApp.status, 403, show(noApp));
});

test('a file over 10 MiB is 413 with code 129', async () => {
  const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0);
  png(7).copy(big);
  const res = await upload('big.png', big, { token: artisan.token });
  expectError(res, 413, 129);
});

test('the type is decided by the bytes: HTML, SVG and scripts are refused whatever they are called', async () => {
  const refused = [
    ['page.png', '<!DOCTYPE html><html><script>alert(document.cookie)</script></html>', 'image/png'],
    ['logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>', 'image/svg+xml'],
    ['logo.png', '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/png'],
    ['app.js', 'fetch("/parse/users/me")', 'application/javascript'],
    ['empty.png', '', 'image/png'],
  ];
  for (const [name, text, type] of refused) {
    const res = await upload(name, Buffer.from(text), { token: artisan.token, contentType: type });
    expectError(res, 400, 130);
  }
  // A PNG called .html and declared text/html is a PNG: stored and served as one.
  const bytes = png(8);
  const res = await upload('evil.html', bytes, { token: artisan.token, contentType: 'text/html' });
  assert.equal(res.status, 201, show(res));
  assert.ok(res.json.name.endsWith('_evil.html.png'), res.json.name);
  const got = await fetchFile(res.json.url);
  assert.equal(got.headers.get('content-type'), 'image/png');
  assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
});

test('names are sanitised: no path, no control or bidi characters, Unicode kept, length capped', async () => {
  const cases = [
    ['..%2F..%2Fetc%2Fpasswd', /_passwd\.png$/],
    ['..%5C..%5Cwindows%5Cwin.ini', /_win\.ini\.png$/],
    // (`%2E%2E` alone is a dot segment to every URL parser: no client can send it as a name.)
    ['%2E%2E%2E', /_file\.png$/],
    [encodeURIComponent('Vase bleu été 花瓶.png'), /_Vase bleu été 花瓶\.png$/],
    [encodeURIComponent('photo\u202Egnp.exe'), /_photognp\.exe\.png$/],
    [encodeURIComponent(`${'x'.repeat(300)}.png`), new RegExp(`_${'x'.repeat(96)}\\.png$`)],
  ];
  for (const [sent, expected] of cases) {
    const res = await upload(sent, png(9), { token: artisan.token });
    assert.equal(res.status, 201, `${sent}: ${show(res)}`);
    assert.match(res.json.name, expected, sent);
    assert.ok(!res.json.name.includes('/') && !res.json.name.includes('\\'));
    assert.equal((await fetchFile(res.json.url, { method: 'HEAD' })).status, 200);
  }
  const tooLong = await upload('a'.repeat(1100), png(9), { token: artisan.token });
  expectError(tooLong, 400, 122);
  const none = await request('POST', '/files', undefined, { raw: png(9), contentType: 'image/png', headers: { 'X-Parse-Session-Token': artisan.token } });
  expectError(none, 400, 122);
});

test('a missing file, a name with a path, or another app id in the URL: Parse errors', async () => {
  const missing = await fetchFile(`${PARSE_URL}/files/${APP_ID}/0123456789abcdef0123456789abcdef_nope.png`);
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.bytes.toString()).code, 101);
  const { name } = await uploaded('app.png', png(10), { token: artisan.token });
  const wrongApp = await fetchFile(`${PARSE_URL}/files/another-app/${encodeURIComponent(name)}`);
  assert.equal(wrongApp.status, 403);
  const traversal = await fetchFile(`${PARSE_URL}/files/${APP_ID}/..%2F..%2Fwrangler.toml`);
  assert.equal(traversal.status, 404);
});

test("a product's images are Files: stored by name, answered with their URLs, whatever URL was sent", async () => {
  const a = await uploaded('front.png', png(11), { token: artisan.token });
  const b = await uploaded('back.png', png(12), { token: artisan.token });
  const res = await post('/classes/Product', {
    sku: `FILES-${rand(8)}`, title: 'Bowl', price: 20, owner: pointer('Artisan', artisan.shop),
    images: [{ __type: 'File', name: a.name, url: 'https://evil.example/steal.png' }, { __type: 'File', name: b.name }],
  }, withSession(artisan.token));
  assert.equal(res.status, 201, show(res));
  const got = await get(`/classes/Product/${res.json.objectId}`);
  assert.deepEqual(got.json.images, [
    { __type: 'File', name: a.name, url: a.url },
    { __type: 'File', name: b.name, url: b.url },
  ]);
  // And through an include of the product.
  const log = await post('/classes/AccessLog', { product: pointer('Product', res.json.objectId) }, withSession(artisan.token));
  assert.equal(log.status, 201, show(log));
  const withProduct = await get(`/classes/AccessLog/${log.json.objectId}?include=product`, withSession(artisan.token));
  assert.deepEqual(withProduct.json.product.images[0], { __type: 'File', name: a.name, url: a.url });
});

test('images must be Files of this server: URLs are 142, unknown names 151', async () => {
  const urls = await post('/classes/Product', {
    sku: `FILES-${rand(8)}`, title: 'Bowl', price: 20, owner: pointer('Artisan', artisan.shop), images: ['https://img.example.test/a.jpg'],
  }, withSession(artisan.token));
  expectError(urls, 400, 142);
  const unknown = await post('/classes/Product', {
    sku: `FILES-${rand(8)}`, title: 'Bowl', price: 20, owner: pointer('Artisan', artisan.shop),
    images: [{ __type: 'File', name: '0123456789abcdef0123456789abcdef_made-up.png' }],
  }, withSession(artisan.token));
  expectError(unknown, 400, 151);
});

test("an artisan cannot put photos on another artisan's product", async () => {
  const mine = await uploaded('mine.png', png(13), { token: artisan.token });
  const res = await post('/classes/Product', {
    sku: `FILES-${rand(8)}`, title: 'Cup', price: 9, owner: pointer('Artisan', artisan.shop), images: [{ __type: 'File', name: mine.name }],
  }, withSession(artisan.token));
  assert.equal(res.status, 201, show(res));
  const theirs = await uploaded('theirs.png', png(14), { token: other.token });
  const replaced = await put(`/classes/Product/${res.json.objectId}`, { images: [{ __type: 'File', name: theirs.name }] }, withSession(other.token));
  expectError(replaced, 404, 101);
  const added = await put(`/classes/Product/${res.json.objectId}`, { images: { __op: 'Add', objects: [{ __type: 'File', name: theirs.name }] } }, withSession(other.token));
  expectError(added, 404, 101);
  const created = await post('/classes/Product', {
    sku: `FILES-${rand(8)}`, title: 'Cup', price: 9, owner: pointer('Artisan', artisan.shop), images: [{ __type: 'File', name: theirs.name }],
  }, withSession(other.token));
  expectError(created, 400, 119);
  const got = await get(`/classes/Product/${res.json.objectId}`);
  assert.deepEqual(got.json.images.map((i) => i.name), [mine.name]);
  assert.equal((await fetchFile(mine.url, { method: 'HEAD' })).status, 200);
});

test('an artisan profile has a photo', async () => {
  const photo = await uploaded('me.png', png(15), { token: artisan.token });
  const res = await put(`/classes/Artisan/${artisan.shop}`, { photo: { __type: 'File', name: photo.name } }, withSession(artisan.token));
  assert.equal(res.status, 200, show(res));
  const got = await get(`/classes/Artisan/${artisan.shop}`);
  assert.deepEqual(got.json.photo, { __type: 'File', name: photo.name, url: photo.url });
});

test('replacing images and deleting a product delete the files nothing else references', async () => {
  const a = await uploaded('a.png', png(16), { token: artisan.token });
  const b = await uploaded('b.png', png(17), { token: artisan.token });
  const c = await uploaded('c.png', png(18), { token: artisan.token });
  const file = (f) => ({ __type: 'File', name: f.name });
  const first = await post('/classes/Product', {
    sku: `FILES-${rand(8)}`, title: 'Plate', price: 30, owner: pointer('Artisan', artisan.shop), images: [file(a), file(b)],
  }, withSession(artisan.token));
  assert.equal(first.status, 201, show(first));
  const second = await post('/classes/Product', {
    sku: `FILES-${rand(8)}`, title: 'Plate 2', price: 30, owner: pointer('Artisan', artisan.shop), images: [file(b)],
  }, withSession(artisan.token));
  assert.equal(second.status, 201, show(second));
  const head = async (f) => (await fetchFile(f.url, { method: 'HEAD' })).status;

  const replaced = await put(`/classes/Product/${first.json.objectId}`, { images: [file(c)] }, withSession(artisan.token));
  assert.equal(replaced.status, 200, show(replaced));
  assert.equal(await head(a), 404, 'a was only the first product’s');
  assert.equal(await head(b), 200, 'b is still the second product’s');
  assert.equal(await head(c), 200);

  const deleted = await del(`/classes/Product/${second.json.objectId}`, withSession(artisan.token));
  assert.equal(deleted.status, 200, show(deleted));
  assert.equal(await head(b), 404);

  const removed = await put(`/classes/Product/${first.json.objectId}`, { images: { __op: 'Remove', objects: [{ ...file(c), url: c.url }] } }, withSession(artisan.token));
  assert.equal(removed.status, 200, show(removed));
  assert.deepEqual(removed.json.images, []);
  assert.equal(await head(c), 404);
});

test('the master key deletes a file; a user may not', async () => {
  const f = await uploaded('doomed.png', png(19), { token: artisan.token });
  const refused = await del(`/files/${f.name}`, withSession(artisan.token));
  assert.equal(refused.status, 403, show(refused));
  assert.equal((await fetchFile(f.url, { method: 'HEAD' })).status, 200);
  const res = await del(`/files/${f.name}`, { master: true });
  assert.equal(res.status, 200, show(res));
  assert.equal((await fetchFile(f.url, { method: 'HEAD' })).status, 404);
  assert.equal((await fetchFile(f.url)).status, 404);
  assert.ok(MASTER_KEY);
});

test('a CORS preflight for a browser upload allows the SDK headers', async () => {
  const res = await request('OPTIONS', '/files/x.png', undefined, {
    headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-parse-upload-mode,content-type' },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('access-control-allow-headers'), /X-Parse-Upload-Mode/);
  assert.match(res.headers.get('access-control-allow-methods'), /HEAD/);
});
