// Parse files as an app uses them through the JS SDK (issue 14): `new Parse.File(name, data)
// .save()` in both of the SDK's upload forms (a byte array goes as base64 JSON, a Buffer as raw
// bytes), the URL serving the same bytes back, a product with images and an artisan with a
// photo, queries that return Parse.File values, replacing images, and the master key's destroy.
import test from 'node:test';
import assert from 'node:assert/strict';
import { encodePng } from '../../scripts/png.mjs';
import { Parse, MASTER, as, rand, signUp, step, rejectsWith, serverErrors, wire } from './support.mjs';

function png(seed) {
  return encodePng(20, 20, (x, y) => [(x * 12 + seed) % 256, (y * 9 + seed) % 256, (seed * 53) % 256]);
}

async function bytesAt(url, init) {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

const s = {};

test('set-up: an artisan with its profile', async () => {
  const { user } = await signUp('files', { role: 'artisan' });
  s.artisan = user;
  const profile = new Parse.Object('Artisan');
  await step('Artisan.save', () => profile.save({ name: `Files Studio ${rand(4)}` }, as(user)));
  s.profile = profile;
});

test('Parse.File of a byte array (the base64 JSON form) round-trips through its URL', async () => {
  const bytes = png(1);
  const file = new Parse.File('bowl.png', [...bytes], 'image/png');
  await step('Parse.File.save (base64)', () => file.save(as(s.artisan)));
  assert.match(file.name(), /^[0-9a-f]{32}_bowl\.png$/);
  assert.ok(file.url().endsWith(encodeURIComponent(file.name())), file.url());
  const got = await bytesAt(file.url());
  assert.equal(got.status, 200);
  assert.equal(got.type, 'image/png');
  assert.deepEqual(got.bytes, bytes);
  s.bowl = file;
});

test('Parse.File of a Buffer (raw bytes) round-trips, and getData reads it back', async () => {
  const bytes = png(2);
  const file = new Parse.File('vase.png', bytes, 'image/png');
  await step('Parse.File.save (binary)', () => file.save(as(s.artisan)));
  assert.match(file.name(), /^[0-9a-f]{32}_vase\.png$/);
  assert.deepEqual((await bytesAt(file.url())).bytes, bytes);
  const again = Parse.File.fromJSON({ __type: 'File', name: file.name(), url: file.url() });
  assert.equal(await again.getData(), bytes.toString('base64'));
  s.vase = file;
});

test('Parse.File of a data URL ({base64}) is saved too', async () => {
  const bytes = png(3);
  const file = new Parse.File('spoon.png', { base64: `data:image/png;base64,${bytes.toString('base64')}` });
  await step('Parse.File.save (data URL)', () => file.save(as(s.artisan)));
  assert.deepEqual((await bytesAt(file.url())).bytes, bytes);
});

test('a product saved with Parse.File images comes back from a query with the same files', async () => {
  const product = new Parse.Object('Product');
  product.set({ title: 'Bowl and vase', sku: `sdk-files-${rand(8)}`, price: 40, owner: s.profile, images: [s.bowl, s.vase] });
  await step('Product.save with images', () => product.save(null, as(s.artisan)));
  const found = await step('Parse.Query.get', () => new Parse.Query('Product').get(product.id));
  const images = found.get('images');
  assert.equal(images.length, 2);
  for (const [image, original, seed] of [[images[0], s.bowl, 1], [images[1], s.vase, 2]]) {
    assert.ok(image instanceof Parse.File, `an image is ${JSON.stringify(image)}`);
    assert.equal(image.name(), original.name());
    assert.equal(image.url(), original.url());
    assert.deepEqual((await bytesAt(image.url())).bytes, png(seed));
  }
  s.product = found;
});

test('an artisan photo is a Parse.File on its profile', async () => {
  const photo = new Parse.File('portrait.png', png(4), 'image/png');
  await photo.save(as(s.artisan));
  s.profile.set('photo', photo);
  await step('Artisan.save with photo', () => s.profile.save(null, as(s.artisan)));
  const found = await new Parse.Query('Artisan').get(s.profile.id);
  assert.ok(found.get('photo') instanceof Parse.File);
  assert.equal(found.get('photo').url(), photo.url());
});

test("replacing a product's images deletes the file it no longer shows", async () => {
  const lid = new Parse.File('lid.png', png(5), 'image/png');
  await lid.save(as(s.artisan));
  const product = new Parse.Object('Product');
  product.set({ title: 'Jar', sku: `sdk-files-${rand(8)}`, price: 55, owner: s.profile, images: [lid] });
  await product.save(null, as(s.artisan));
  const base = new Parse.File('base.png', png(6), 'image/png');
  await base.save(as(s.artisan));
  product.set('images', [base]);
  await step('Product.save with new images', () => product.save(null, as(s.artisan)));
  // Checked with HEAD: a GET could leave the bytes in a cache in front of the worker.
  assert.equal((await bytesAt(lid.url(), { method: 'HEAD' })).status, 404);
  assert.equal((await bytesAt(base.url(), { method: 'HEAD' })).status, 200);
  product.remove('images', base);
  await step('Product.save with images.remove', () => product.save(null, as(s.artisan)));
  assert.deepEqual(product.get('images'), []);
  assert.equal((await bytesAt(base.url(), { method: 'HEAD' })).status, 404);
});

test('an upload without a session is refused; a Parse.File naming no upload cannot be saved on an object', async () => {
  const anonymous = new Parse.File('x.png', png(7), 'image/png');
  // A Buffer goes through the SDK's saveBinary, which rejects with the server's `{code, error}`
  // as it is (Parse Server's answer reaches an app the same way); the base64 form goes through
  // the SDK's REST controller, which makes it a Parse.Error.
  const binary = await anonymous.save().then(() => null, (e) => e);
  assert.equal(binary?.code, Parse.Error.FILE_SAVE_ERROR, `saveBinary without a session: ${JSON.stringify(binary)}\n${wire()}`);
  assert.equal(binary.error, 'File upload by public is disabled.');
  await rejectsWith(new Parse.File('x.png', [...png(7)]).save(), Parse.Error.FILE_SAVE_ERROR, 'a base64 Parse.File without a session');
  const ghost = Parse.File.fromJSON({ __type: 'File', name: '0123456789abcdef0123456789abcdef_ghost.png', url: 'https://elsewhere.test/x.png' });
  const product = new Parse.Object('Product');
  product.set({ title: 'Ghost', sku: `sdk-files-${rand(8)}`, price: 5, owner: s.profile, images: [ghost] });
  await rejectsWith(product.save(null, as(s.artisan)), 151, 'a product naming a file never uploaded');
});

test('file.destroy() with the master key deletes the file', async () => {
  const file = new Parse.File('gone.png', png(8), 'image/png');
  await file.save(as(s.artisan));
  await step('Parse.File.destroy', () => file.destroy(MASTER));
  assert.equal((await bytesAt(file.url(), { method: 'HEAD' })).status, 404);
});

test('no request of this file was answered with a 5xx', () => {
  assert.deepEqual(serverErrors(), [], wire(5));
});
