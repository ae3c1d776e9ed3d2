// A body that names a key twice, at any depth, is refused with 107 and writes nothing: parsers
// disagree on which of the two counts, so such a body means nothing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { MOUNT, uniqueClass, createClass, dropClass, countRows, request, expectError } from './support.mjs';

test('a body naming a key twice answers 107 and writes nothing, in a batch too', async () => {
  const cls = await createClass(uniqueClass('dupkeys'), { n: 'Number' });
  try {
    const top = await request('POST', `/classes/${cls}`, undefined, { master: true, raw: '{"n":1,"n":2}' });
    expectError(top, 400, 107);
    const nested = await request('POST', '/batch', undefined, {
      master: true,
      raw: `{"requests":[{"method":"POST","path":"${MOUNT}/classes/${cls}","body":{"n":1,"\\u006e":2}}]}`,
    });
    expectError(nested, 400, 107);
    assert.equal(await countRows(cls), 0);
  } finally {
    await dropClass(cls);
  }
});
