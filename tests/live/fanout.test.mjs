// A small fan-out measurement (printed, not asserted): N raw sockets on the global hub subscribed
// to one product, one update, and the time from the PUT's response to each socket's event.
// Only delivery to every socket is asserted. LIVE_FANOUT_N and LIVE_FANOUT_ROUNDS tune it.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { Live, isEvent, closeAll, newShop, newProduct, as, put, show } from './support.mjs';

const N = Number(process.env.LIVE_FANOUT_N ?? 100);
const ROUNDS = Number(process.env.LIVE_FANOUT_ROUNDS ?? 3);

after(() => closeAll());

function percentile(sorted, p) {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

const ms = (x) => `${x.toFixed(1)} ms`;

test(`fan-out: ${N} sockets on the global hub hear one product update (timings printed)`, { timeout: 180_000 }, async () => {
  const shop = await newShop('lqfan');
  const product = await newProduct(shop, { price: 10 });
  const sockets = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < N; i += 20) {
      const batch = await Promise.all(Array.from({ length: Math.min(20, N - i) }, () => Live.connected()));
      await Promise.all(batch.map((live) => live.subscribed(1, { className: 'Product', where: { objectId: product.id } })));
      sockets.push(...batch);
    }
    const setup = performance.now() - t0;
    console.log(`[fan-out] ${N} sockets connected and subscribed in ${ms(setup)}`);

    for (let round = 1; round <= ROUNDS; round += 1) {
      const price = 10 + round;
      const sent = performance.now();
      const res = await put(`/classes/Product/${product.id}`, { price }, as(shop.user));
      const answered = performance.now();
      assert.equal(res.status, 200, show(res));
      const frames = await Promise.all(
        sockets.map((live) => live.next((f) => isEvent('update', 1, product.id)(f) && f.object.price === price, `round ${round} update`, 30_000)),
      );
      const fromResponse = frames.map((f) => f.__at - answered).sort((a, b) => a - b);
      const fromSend = frames.map((f) => f.__at - sent).sort((a, b) => a - b);
      console.log(
        `[fan-out] round ${round}: PUT ${ms(answered - sent)}; event after the PUT's response ` +
          `p50 ${ms(percentile(fromResponse, 50))} p99 ${ms(percentile(fromResponse, 99))} ` +
          `min ${ms(fromResponse[0])} max ${ms(fromResponse.at(-1))}; after the PUT was sent ` +
          `p50 ${ms(percentile(fromSend, 50))} p99 ${ms(percentile(fromSend, 99))}`,
      );
      assert.equal(frames.length, N, 'every socket heard the update');
      assert.equal(new Set(frames.map((f) => f.seq)).size, 1, 'one change, one sequence number');
    }
  } finally {
    for (const live of sockets) live.close();
  }
});
