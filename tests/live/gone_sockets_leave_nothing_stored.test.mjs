// F9 (issue 19): a live socket's state lives in its hub's storage (one key for who it speaks
// for, one per subscription), so it must go when the socket goes, or storage would grow with
// every connection ever made. Read straight from the local Durable Objects' SQLite files
// (`storedSocketKeys`):
//
// - a socket with 100 subscriptions of one session stores 101 keys, its identities once;
// - a client's close, a dropped connection (no close frame) and a close while the hub
//   hibernated each delete them;
// - sockets that were open when the server died (no close handler ever runs for them) are swept
//   by their hub's next publication after the restart, on a private worker killed and
//   restarted on its state.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Live, GLOBAL_PATH, brief, closeAll, dashboardPath, newShop, signUp, sleep, rand,
  storedSocketKeys, waitFor, wsOrigin,
} from './support.mjs';
import { startWorker } from '../support/worker.mjs';

const CAP = 100;
const SUBSCRIBE_TIMEOUT_MS = 60_000;

let buyer;

before(async () => {
  buyer = await signUp('lqgone');
});

after(() => closeAll());

/** Subscribes `count` queries on `live` at once, each with `token`; asserts every `subscribed`. */
async function subscribeMany(live, ownerPointer, token, count = CAP) {
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  for (const id of ids) {
    const query = { className: 'Product', where: { owner: ownerPointer, price: { $lte: id } } };
    live.send({ op: 'subscribe', requestId: id, query, ...(token ? { sessionToken: token } : {}) });
  }
  const answers = await Promise.all(
    ids.map((id) => live.next((f) => f.requestId === id && ['subscribed', 'error'].includes(f.op), `the answer to subscribe ${id}`, SUBSCRIBE_TIMEOUT_MS)),
  );
  assert.deepEqual(answers.filter((f) => f.op !== 'subscribed').map(brief), [], live.dump());
}

/** Asserts what a socket of `count` subscriptions stores: a small head and one key each. */
function assertStored(keys, clientId, count = CAP) {
  const head = `sock:${clientId}:head`;
  assert.equal(Object.keys(keys).length, count + 1, `${count} subscriptions and a head: ${Object.keys(keys).slice(0, 5)}`);
  assert.ok(keys[head] !== undefined, `the head is stored: ${Object.keys(keys).slice(0, 5)}`);
  // One identity per session: 100 subscriptions carrying the same token add one identity to
  // the head, not a hundred (each is a few hundred bytes).
  assert.ok(keys[head] < 1024, `the head holds one identity, not one per subscription: ${keys[head]} bytes`);
}

const goneWithin = (clientId, opts, what) => waitFor(async () => Object.keys(await storedSocketKeys(clientId, opts)).length === 0, what);

test('a client\'s close and a dropped connection delete everything the socket stored', { timeout: 180_000 }, async () => {
  const shop = await newShop('lqgone');
  const [closing, dropping] = await Promise.all([
    Live.connected(GLOBAL_PATH, { sessionToken: buyer.token }),
    Live.connected(GLOBAL_PATH, { sessionToken: buyer.token }),
  ]);
  await Promise.all([subscribeMany(closing, shop.pointer, buyer.token), subscribeMany(dropping, shop.pointer, buyer.token)]);
  assertStored(await storedSocketKeys(closing.clientId), closing.clientId);
  assertStored(await storedSocketKeys(dropping.clientId), dropping.clientId);

  closing.ws.close(1000, 'bye');
  dropping.ws.terminate(); // no close frame: the connection just ends
  await goneWithin(closing.clientId, {}, 'the closed socket\'s keys to go');
  await goneWithin(dropping.clientId, {}, 'the dropped socket\'s keys to go');
});

test('a socket that closes while its hub hibernates is forgotten too', { timeout: 180_000 }, async () => {
  const shop = await newShop('lqgoneidle');
  const hub = { hub: 'ArtisanHub' };
  const live = await Live.connected(dashboardPath(shop.profile), { sessionToken: buyer.token });
  await subscribeMany(live, shop.pointer, buyer.token);
  assertStored(await storedSocketKeys(live.clientId, hub), live.clientId);
  // Only this shop's writes reach its hub: idle, workerd evicts it after 10 s.
  await sleep(12_000);
  live.ws.close(1000, 'bye');
  await goneWithin(live.clientId, hub, 'the keys of the socket closed during hibernation to go');
});

test('sockets that were open when the server died are swept by their hub\'s next publication after the restart', { timeout: 300_000 }, async () => {
  const worker = await startWorker();
  try {
    const origin = wsOrigin(worker.url);
    const mount = new URL(worker.url).pathname;
    const signedUp = await worker.call('POST', '/users', { username: `lqsweep_${rand()}`, password: 'pw-sweep-1', role: 'artisan' });
    assert.equal(signedUp.status, 201, signedUp.text);
    const token = signedUp.json.sessionToken;
    const profile = await worker.call('POST', '/classes/Artisan', { name: 'Sweep workshop' }, { token });
    assert.equal(profile.status, 201, profile.text);
    const owner = { __type: 'Pointer', className: 'Artisan', objectId: profile.json.objectId };
    const sockets = await Promise.all([
      Live.connected(mount, { sessionToken: token }, { origin }),
      Live.connected(`${mount}/live/artisans/${owner.objectId}`, { sessionToken: token }, { origin }),
    ]);
    await Promise.all(sockets.map((live) => subscribeMany(live, owner, token, 10)));
    const [global, dashboard] = [
      { live: sockets[0], where: { hub: 'LiveHub', stateDir: worker.stateDir } },
      { live: sockets[1], where: { hub: 'ArtisanHub', stateDir: worker.stateDir } },
    ];
    for (const { live, where } of [global, dashboard]) assertStored(await storedSocketKeys(live.clientId, where), live.clientId, 10);

    await worker.kill(); // no close handler runs: the state stays behind
    for (const { live } of [global, dashboard]) await waitFor(() => live.closed, 'the client to see its socket end');
    for (const { live, where } of [global, dashboard]) assertStored(await storedSocketKeys(live.clientId, where), live.clientId, 10);

    await worker.start();
    // A product of that artisan is published to both hubs: each sweeps what no open socket owns.
    const product = await worker.call('POST', '/classes/Product', { sku: `sweep-${rand(10)}`, price: 5, owner }, { token });
    assert.equal(product.status, 201, product.text);
    await goneWithin(global.live.clientId, global.where, 'the global hub to sweep the dead socket');
    await goneWithin(dashboard.live.clientId, dashboard.where, 'the artisan\'s hub to sweep the dead socket');
  } finally {
    await worker.dispose();
  }
});

