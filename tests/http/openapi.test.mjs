// GET /openapi.json: a valid OpenAPI 3.0 document of the whole API, generated from the server's
// route table and schema registry. Valid per a real validator (openapi-spec-validator, installed
// by scripts/toolchain.sh), and in step with GET /schemas: every class and field it lists is in
// the document with its type. Classes only the master key may use stay out of the public one.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARSE_URL, MASTER_KEY, uniqueClass, createClass, dropClass, get, post, show } from './support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VALIDATOR = process.env.OPENAPI_VALIDATOR ?? path.join(ROOT, '.cache/python/bin/openapi-spec-validator');

const EVERY_TYPE = uniqueClass('openapi');
const INTERNAL = uniqueClass('openapiint');

before(async () => {
  await createClass(EVERY_TYPE, {
    text: 'String',
    amount: 'Number',
    flag: 'Boolean',
    when: 'Date',
    meta: 'Object',
    list: 'Array',
    owner: { type: 'Pointer', targetClass: '_User' },
    members: { type: 'Relation', targetClass: '_User' },
    place: 'GeoPoint',
    picture: 'File',
    blob: 'Bytes',
    area: 'Polygon',
  });
  // Nobody but the master key may do anything with this class: an internal one.
  const closed = {};
  for (const op of ['find', 'count', 'get', 'create', 'update', 'delete', 'addField']) closed[op] = {};
  const res = await post(`/schemas/${INTERNAL}`, {
    className: INTERNAL,
    fields: { secretNote: { type: 'String' } },
    classLevelPermissions: closed,
  }, { master: true });
  assert.equal(res.status, 200, show(res));
});

after(async () => {
  await dropClass(EVERY_TYPE);
  await dropClass(INTERNAL);
});

async function openapi(opts = {}) {
  const res = await fetch(`${PARSE_URL}/openapi.json`, {
    headers: opts.master ? { 'X-Parse-Master-Key': MASTER_KEY } : {},
  });
  assert.equal(res.status, 200);
  return res.json();
}

async function schemas() {
  const res = await get('/schemas', { master: true });
  assert.equal(res.status, 200, show(res));
  return new Map(res.json.results.map((c) => [c.className, c.fields]));
}

test('the document answers without credentials, as OpenAPI 3.0 naming this server', async () => {
  const doc = await openapi();
  assert.match(doc.openapi, /^3\.0\.\d+$/);
  assert.equal(doc.servers[0].url, PARSE_URL);
  for (const scheme of ['appId', 'sessionToken', 'masterKey']) assert.ok(doc.components.securitySchemes[scheme], scheme);
  assert.deepEqual(doc.components.schemas['Parse.Error'].required, ['code', 'error']);
  const limit = doc.components.parameters.limit.schema;
  assert.equal(limit.maximum, 1000);
  for (const route of ['/classes/Product', '/classes/Product/{objectId}', '/users', '/login', '/logout', '/sessions/me',
    '/batch', '/schemas', '/schemas/{className}', '/purge/{className}', '/functions/checkout', '/classes/Order/{objectId}',
    '/webhooks/payment', '/health', '/config', '/serverInfo', '/openapi.json']) {
    assert.ok(doc.paths[route], `${route} is not documented`);
  }
  assert.ok(doc.paths['/classes/Order/{objectId}'].put.requestBody);
  assert.deepEqual(doc.paths['/health'].get.security, []);
});

test('openapi-spec-validator finds the public and the master documents valid', async (t) => {
  assert.ok(existsSync(VALIDATOR), `no validator at ${VALIDATOR}: run scripts/toolchain.sh`);
  const dir = mkdtempSync(path.join(tmpdir(), 'openapi-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, doc] of [['public', await openapi()], ['master', await openapi({ master: true })]]) {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const run = spawnSync(VALIDATOR, [file], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${name} document: ${run.stdout}\n${run.stderr}`);
  }
});

/** The JSON Schema a field of Parse type `spec` should have in the object schema. */
function assertShape(property, spec, where) {
  assert.deepEqual(property['x-parse-type'], spec, where);
  const tagged = (name) => assert.deepEqual(property.properties?.__type?.enum, [name], where);
  switch (spec.type) {
    case 'String': return assert.equal(property.type, 'string', where);
    case 'Number': return assert.ok(['number', 'integer'].includes(property.type), where);
    case 'Boolean': return assert.equal(property.type, 'boolean', where);
    case 'Object': case 'ACL': return assert.equal(property.type, 'object', where);
    case 'Array': return assert.equal(property.type, 'array', where);
    case 'Date':
      // createdAt and updatedAt are bare ISO strings; other dates are {__type: Date, iso}.
      if (property.type === 'string') return assert.equal(property.format, 'date-time', where);
      tagged('Date');
      return assert.ok(property.properties.iso, where);
    case 'Pointer':
      tagged('Pointer');
      return assert.deepEqual(property.properties.className.enum, [spec.targetClass], where);
    case 'Relation':
      tagged('Relation');
      return assert.deepEqual(property.properties.className.enum, [spec.targetClass], where);
    default:
      return tagged(spec.type);
  }
}

test('every class and field GET /schemas returns is in the document with its type', async () => {
  // Other test files create and drop classes meanwhile: what both snapshots around the document
  // agree on is what the document must hold.
  const first = await schemas();
  const doc = await openapi({ master: true });
  const second = await schemas();
  let checked = 0;
  for (const [className, fields] of first) {
    const later = second.get(className);
    if (!later) continue;
    const described = doc.components.schemas[className];
    assert.ok(described, `class ${className} is missing`);
    assert.ok(doc.paths[`/classes/${className}`], `/classes/${className} is missing`);
    for (const [field, spec] of Object.entries(fields)) {
      if (JSON.stringify(later[field]) !== JSON.stringify(spec)) continue;
      assert.ok(described.properties[field], `${className}.${field} is missing`);
      assertShape(described.properties[field], spec, `${className}.${field}`);
      checked += 1;
    }
  }
  for (const className of ['_User', '_Role', '_Session', 'Artisan', 'Product', 'Order', 'AccessLog', EVERY_TYPE]) {
    assert.ok(doc.components.schemas[className], className);
  }
  assert.ok(checked >= 40, `only ${checked} fields checked`);
});

test('a class only the master key may use is left out of the public document', async () => {
  const pub = await openapi();
  assert.equal(pub.components.schemas[INTERNAL], undefined);
  assert.equal(pub.paths[`/classes/${INTERNAL}`], undefined);
  assert.ok(!JSON.stringify(pub).includes('secretNote'));
  const master = await openapi({ master: true });
  assert.ok(master.components.schemas[INTERNAL].properties.secretNote);
  // A wrong master key is no key.
  const wrong = await fetch(`${PARSE_URL}/openapi.json`, { headers: { 'X-Parse-Master-Key': 'nope' } });
  assert.equal((await wrong.json()).components.schemas[INTERNAL], undefined);
});

test('operations say who may call them, from the class-level permissions', async () => {
  const doc = await openapi();
  const anyone = doc.paths['/classes/Product'].get.security;
  assert.ok(anyone.some((s) => Object.keys(s).join() === 'appId'), JSON.stringify(anyone));
  const signedIn = doc.paths['/classes/Order'].get.security;
  assert.ok(signedIn.every((s) => s.sessionToken || s.masterKey), JSON.stringify(signedIn));
  assert.deepEqual(doc.paths['/schemas'].get.security, [{ appId: [], masterKey: [] }]);
  assert.deepEqual(doc.paths['/classes/Order/{objectId}'].delete.security, [{ appId: [], masterKey: [] }]);
});
