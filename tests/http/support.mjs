// Shared helpers for the black-box HTTP tests.
//
// `make test` starts one `wrangler dev` and runs `node --test` with PARSE_URL, APP_ID and
// MASTER_KEY in the environment. Test files run in parallel processes, so every file works in
// its own scratch classes (unique names) and never sees another file's rows.
//
// The expectations were run against a real Parse Server 8.6 (Postgres adapter). Where the
// contract deliberately differs from Parse, or Parse itself is ambiguous, the test says so.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

export const PARSE_URL = (process.env.PARSE_URL ?? 'http://127.0.0.1:8787/parse').replace(/\/+$/, '');
export const APP_ID = process.env.APP_ID ?? 'artisan-market';
export const MASTER_KEY = process.env.MASTER_KEY ?? '';
/** The mount path, e.g. "/parse": batch sub-request paths carry it, as the JS SDK sends them. */
export const MOUNT = new URL(PARSE_URL).pathname.replace(/\/+$/, '');

export const OBJECT_ID = /^[A-Za-z0-9]{10}$/;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const TIMEOUT_MS = Number(process.env.HTTP_TEST_TIMEOUT_MS ?? 60_000);

/** A short random suffix of [a-z0-9], safe inside class and field names. */
export function rand(n = 8) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
}

/** A unique class name such as `T_query_k3j9x0a1`. */
export function uniqueClass(prefix) {
  return `T_${prefix}_${rand()}`;
}

/** A syntactically valid objectId that no row has. */
export function missingId() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * One HTTP request to the Parse mount.
 *
 * @param {string} method  GET POST PUT DELETE OPTIONS
 * @param {string} path    path under the mount, e.g. "/classes/Foo" (may carry a query string)
 * @param {*} [body]       JSON-encoded unless `opts.raw` is given; omitted when undefined
 * @param {object} [opts]
 * @param {boolean|string} [opts.master]  send X-Parse-Master-Key (true = MASTER_KEY, or a given string)
 * @param {string|null} [opts.appId]      X-Parse-Application-Id; null = don't send it
 * @param {object} [opts.headers]         extra headers (override the defaults)
 * @param {string|Buffer} [opts.raw]      send this body verbatim
 * @param {string|null} [opts.contentType] defaults to application/json when there is a body
 * @returns {Promise<{status:number, headers:Headers, json:any, text:string}>}
 */
export async function request(method, path, body, opts = {}) {
  const headers = {};
  const appId = opts.appId === undefined ? APP_ID : opts.appId;
  if (appId !== null) headers['X-Parse-Application-Id'] = appId;
  if (opts.master) headers['X-Parse-Master-Key'] = opts.master === true ? MASTER_KEY : opts.master;
  let payload;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) {
    const ct = opts.contentType === undefined ? 'application/json' : opts.contentType;
    if (ct !== null) headers['Content-Type'] = ct;
  }
  Object.assign(headers, opts.headers ?? {});
  const res = await fetch(PARSE_URL + path, {
    method,
    headers,
    body: payload,
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const put = (path, body, opts) => request('PUT', path, body, opts);
export const del = (path, opts) => request('DELETE', path, undefined, opts);

/** Builds "?where=...&limit=..." — `where` (and any object value) is JSON-encoded, then URL-encoded. */
export function qs(params = {}) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const s = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(s)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** A short description of a response, for assertion messages. */
export function show(res) {
  return `HTTP ${res.status} ${res.text.slice(0, 500)}`;
}

/** Asserts the status and returns the parsed body. */
export function expectStatus(res, status) {
  assert.equal(res.status, status, show(res));
  return res.json;
}

/** Asserts a Parse error answer: exact HTTP status, exact code, `error` a non-empty string. */
export function expectError(res, status, code, message) {
  assert.equal(res.status, status, show(res));
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${show(res)}`);
  assert.equal(res.json.code, code, show(res));
  assert.equal(typeof res.json.error, 'string', show(res));
  assert.ok(res.json.error.length > 0, show(res));
  if (message !== undefined) assert.equal(res.json.error, message, show(res));
}

/**
 * Creates a class with the master key (POST /schemas/<name>).
 * `fields` maps a name to a type string ("String", "Number", ...) or a full field object
 * ({type:"Pointer", targetClass:"X"}).
 */
export async function createClass(name, fields = {}) {
  const f = {};
  for (const [k, v] of Object.entries(fields)) f[k] = typeof v === 'string' ? { type: v } : v;
  const res = await post(`/schemas/${name}`, { className: name, fields: f }, { master: true });
  assert.equal(res.status, 200, `creating class ${name}: ${show(res)}`);
  return name;
}

/** Best-effort removal of a scratch class (purge, then drop). Never throws. */
export async function dropClass(name) {
  try {
    await del(`/purge/${name}`, { master: true });
    await del(`/schemas/${name}`, { master: true });
  } catch {
    // cleanup only
  }
}

/** Creates one object and returns its objectId (asserts 201). */
export async function createObject(className, data, opts = {}) {
  const res = await post(`/classes/${className}`, data, opts);
  assert.equal(res.status, 201, `creating ${className}: ${show(res)}`);
  return res.json.objectId;
}

/** Creates many objects through POST /batch in chunks of at most 50; returns their ids in order. */
export async function createMany(className, rows, opts = {}) {
  const ids = [];
  for (let i = 0; i < rows.length; i += 50) {
    const chunk = rows.slice(i, i + 50);
    const res = await post(
      '/batch',
      { requests: chunk.map((body) => ({ method: 'POST', path: `${MOUNT}/classes/${className}`, body })) },
      opts,
    );
    assert.equal(res.status, 200, `batch create in ${className}: ${show(res)}`);
    assert.ok(Array.isArray(res.json), show(res));
    assert.equal(res.json.length, chunk.length, show(res));
    for (const item of res.json) {
      assert.ok(item.success && OBJECT_ID.test(item.success.objectId), `batch item failed: ${JSON.stringify(item)}`);
      ids.push(item.success.objectId);
    }
  }
  return ids;
}

/** GET /classes/<C> with the given params; asserts 200 and returns the body. */
export async function find(className, params = {}, opts = {}) {
  const res = await get(`/classes/${className}${qs(params)}`, opts);
  assert.equal(res.status, 200, `query on ${className} ${JSON.stringify(params)}: ${show(res)}`);
  assert.ok(Array.isArray(res.json?.results), show(res));
  return res.json;
}

/** Exact number of rows matching `where`, counted with the master key (count=1&limit=0). */
export async function countRows(className, where = {}) {
  const res = await get(`/classes/${className}${qs({ where, count: 1, limit: 0 })}`, { master: true });
  assert.equal(res.status, 200, `count on ${className}: ${show(res)}`);
  assert.equal(typeof res.json.count, 'number', show(res));
  return res.json.count;
}

/** A Pointer JSON value. */
export function pointer(className, objectId) {
  return { __type: 'Pointer', className, objectId };
}

/** A Date JSON value. */
export function date(iso) {
  return { __type: 'Date', iso };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Accounts

/** Request options carrying a session token in X-Parse-Session-Token (merged into `opts`). */
export function withSession(token, opts = {}) {
  return { ...opts, headers: { ...(opts.headers ?? {}), 'X-Parse-Session-Token': token } };
}

/**
 * Signs up a fresh user with a unique username and email (POST /users, asserts 201).
 * `fields` are merged into the body (e.g. {role: 'artisan'}); `opts` are request options.
 * @returns {Promise<{id:string, token:string, username:string, password:string, email:string}>}
 */
export async function signUp(prefix = 'user', fields = {}, opts = {}) {
  const username = `${prefix}_${rand(10)}`;
  const body = { username, password: `pw-${rand(12)}`, email: `${username}@example.test`, ...fields };
  const res = await post('/users', body, opts);
  assert.equal(res.status, 201, `sign-up of ${username}: ${show(res)}`);
  assert.ok(OBJECT_ID.test(res.json?.objectId ?? ''), show(res));
  assert.equal(typeof res.json.sessionToken, 'string', show(res));
  return { id: res.json.objectId, token: res.json.sessionToken, username, password: body.password, email: body.email };
}
