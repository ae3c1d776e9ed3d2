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
import {
  PARSE_URL, MASTER_KEY, uniqueClass, createClass, dropClass, get, post, put, del, show, signUp, withSession, missingId, request,
} from './support.mjs';
import { encodePng } from '../../scripts/png.mjs';

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
      // An included pointer comes back as the object itself, `__type: "Object"`.
      assert.deepEqual(property.properties.__type.enum, ['Pointer', 'Object'], where);
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

// Checks bodies against the document's own schemas with openapi-schema-validator (a dependency
// of the validator above, so already installed): the requests the server accepts must fit, so a
// generator working from the document produces requests the server can take, and the server's
// answers must fit what the document promises. A case with a `status` is an answer.
const CONFORMS = String.raw`
import json, sys
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
data = json.load(sys.stdin)
doc = data["doc"]
def inline(node):
    if isinstance(node, dict):
        if "$ref" in node:
            target = doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return inline(target)
        return {k: inline(v) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v) for v in node]
    return node
out = []
for case in data["cases"]:
    operation = doc["paths"][case["path"]][case["method"]]
    if "status" in case:
        response = inline(operation["responses"][str(case["status"])])
        schema, validator = response["content"]["application/json"]["schema"], OAS30ReadValidator
    else:
        schema, validator = inline(operation["requestBody"]["content"]["application/json"]["schema"]), OAS30WriteValidator
    out.append([f"at {list(e.absolute_path)}: {e.message}" for e in validator(schema).iter_errors(case["body"])])
print(json.dumps(out))
`;

function conformance(doc, cases) {
  const python = path.join(path.dirname(VALIDATOR), 'python');
  const run = spawnSync(python, ['-c', CONFORMS], { input: JSON.stringify({ doc, cases }), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('bodies the server accepts fit the documented schemas, and bodies it refuses for their shape do not', async () => {
  const doc = await openapi();
  const product = { __type: 'Pointer', className: 'Product', objectId: 'abcde12345' };
  const accepted = [
    ['post', '/users', { username: 'ada', password: 'pw-ada-long-enough', email: 'ada@example.com', role: 'artisan' }],
    ['put', '/users/{objectId}', { password: 'a-new-one' }],
    ['post', '/login', { username: 'ada', password: 'pw-ada-long-enough' }],
    ['post', '/classes/Product', {
      sku: 'BOWL-1', title: 'Bowl', price: 12.5, stock: 1, tags: ['ceramics'],
      owner: { __type: 'Pointer', className: 'Artisan', objectId: 'abcde12345' }, ACL: { '*': { read: true } },
    }],
    ['put', '/classes/Product/{objectId}', {
      price: 10, stock: { __op: 'Increment', amount: -1 }, tags: { __op: 'AddUnique', objects: ['wood'] }, description: null,
    }],
    ['post', '/classes/Order', { items: [{ product, quantity: 2 }] }],
    ['post', '/classes/Order', { product, quantity: 1 }],
    ['put', '/classes/Order/{objectId}', { status: 'shipped' }],
    ['post', '/functions/checkout', { items: [{ product: 'abcde12345', quantity: 1 }], totalAmount: 25 }],
    ['post', '/batch', { requests: [{ method: 'POST', path: '/parse/classes/Product', body: { sku: 'X' } }], transaction: true }],
    ['post', '/webhooks/payment', { orderId: 'abcde12345', status: 'paid', amount: 25, currency: 'USD' }],
    ['post', '/schemas/{className}', { className: 'Basket', fields: { label: { type: 'String' } } }],
    ['post', `/classes/${EVERY_TYPE}`, {
      text: 'a', amount: 1, flag: true, when: { __type: 'Date', iso: '2024-05-01T10:00:00.000Z' }, meta: { a: 1 }, list: [1],
      owner: { __type: 'Pointer', className: '_User', objectId: 'abcde12345' },
      members: { __op: 'AddRelation', objects: [{ __type: 'Pointer', className: '_User', objectId: 'abcde12345' }] },
      place: { __type: 'GeoPoint', latitude: 48.2, longitude: 16.4 }, picture: { __type: 'File', name: 'a.png' },
      blob: { __type: 'Bytes', base64: 'AAEC' }, area: { __type: 'Polygon', coordinates: [[0, 0], [0, 1], [1, 1]] },
    }],
  ];
  const refused = [
    ['post', '/users', { username: 'ada' }],
    ['post', '/classes/Product', { title: 'no sku' }],
    ['post', '/classes/Product', { sku: 'A', price: -1 }],
    ['post', '/classes/Product', { sku: 'A', stock: 1.5 }],
    ['post', '/functions/checkout', { items: [{ product: 'abcde12345', quantity: 1, unitPrice: 3 }] }],
    ['put', '/classes/Order/{objectId}', { status: 'teleported' }],
    ['post', `/classes/${EVERY_TYPE}`, { owner: { __type: 'Pointer', className: 'Product', objectId: 'abcde12345' } }],
  ];
  const cases = [...accepted, ...refused].map(([method, path, body]) => ({ method, path, body }));
  const results = conformance(doc, cases);
  accepted.forEach(([method, route], i) => assert.deepEqual(results[i], [], `${method} ${route}`));
  refused.forEach(([method, route], i) => assert.notDeepEqual(results[accepted.length + i], [], `${method} ${route} should not fit`));
});

test("the server's answers fit the documented response schemas", async () => {
  const doc = await openapi();
  const user = await signUp('openapi');
  const pointerTo = (className, objectId) => ({ __type: 'Pointer', className, objectId });
  // A File value must name an upload of this server.
  const uploaded = await request('POST', '/files/a.png', undefined, {
    raw: encodePng(2, 2, () => [1, 2, 3]), contentType: 'image/png', headers: { 'X-Parse-Session-Token': user.token },
  });
  assert.equal(uploaded.status, 201, show(uploaded));
  const full = {
    text: 'a', amount: 1.5, flag: true, when: { __type: 'Date', iso: '2024-05-01T10:00:00.000Z' }, meta: { a: [1] },
    list: [1, 'two'], owner: pointerTo('_User', user.id),
    place: { __type: 'GeoPoint', latitude: 48.2, longitude: 16.4 }, picture: { __type: 'File', name: uploaded.json.name, url: 'https://x/a.png' },
    blob: { __type: 'Bytes', base64: 'AAEC' }, area: { __type: 'Polygon', coordinates: [[0, 0], [0, 1], [1, 1]] },
    ACL: { '*': { read: true, write: true } },
  };
  const one = `/classes/${EVERY_TYPE}/{objectId}`;
  const created = await post(`/classes/${EVERY_TYPE}`, full);
  assert.equal(created.status, 201, show(created));
  const id = created.json.objectId;
  const login = await post('/login', { username: user.username, password: user.password });
  const answers = [
    ['post', `/classes/${EVERY_TYPE}`, created],
    ['get', one, await get(`/classes/${EVERY_TYPE}/${id}`)],
    ['get', `/classes/${EVERY_TYPE}`, await get(`/classes/${EVERY_TYPE}?include=owner&count=1`)],
    ['put', one, await put(`/classes/${EVERY_TYPE}/${id}`, { amount: { __op: 'Increment', amount: 1 }, list: { __op: 'Add', objects: [3] } })],
    ['get', one, await get(`/classes/${EVERY_TYPE}/${missingId()}`)],
    ['post', '/login', login],
    ['get', '/users/me', await get('/users/me', withSession(login.json.sessionToken))],
    ['get', '/sessions/me', await get('/sessions/me', withSession(login.json.sessionToken))],
    ['get', '/classes/Product', await get('/classes/Product?limit=3&include=owner')],
    ['get', '/classes/Order', await get('/classes/Order')],
    ['get', '/schemas', await get('/schemas')],
    ['get', '/health', await get('/health')],
    ['post', '/batch', await post('/batch', { requests: [{ method: 'GET', path: `/classes/${EVERY_TYPE}/${id}` }] })],
    ['delete', one, await del(`/classes/${EVERY_TYPE}/${id}`)],
  ];
  const cases = answers.map(([method, path, res]) => ({ method, path, status: res.status, body: res.json }));
  for (const [i, errors] of conformance(doc, cases).entries()) {
    const [method, path, res] = answers[i];
    assert.deepEqual(errors, [], `${method} ${path} answered ${show(res)}`);
  }
});
