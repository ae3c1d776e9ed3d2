// Shared set-up for the Parse SDK compatibility suite: the official `parse` npm SDK (8.6.x) used
// as a Node app would use it, against the worker under test.
//
// `make test` runs every tests/**/*.test.mjs against one `wrangler dev`, with PARSE_URL, APP_ID
// and MASTER_KEY in the environment. Test files run in parallel processes against the same
// server, so every file uses unique usernames, SKUs and scratch class names. Inside one file the
// tests run one after another (node:test's default), which the SDK's process-wide state needs.
//
// Every request the SDK sends goes through the global `fetch`, which this module wraps to keep a
// log of the exchanges. A failing assertion then shows the exact request the SDK made and what
// the server answered (`wire()`), and `serverErrors()` lists any 5xx answer (the SDK retries
// those, which would duplicate writes: the server must never give one for a client mistake).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
// 'parse/node' (the package's exports map has no './node.js' entry, so 'parse/node.js' fails).
import Parse from 'parse/node';

export const PARSE_URL = (process.env.PARSE_URL ?? 'http://127.0.0.1:8787/parse').replace(/\/+$/, '');
export const APP_ID = process.env.APP_ID ?? 'artisan-market';
export const MASTER_KEY = process.env.MASTER_KEY ?? '';

// ---------------------------------------------------------------------------------------------
// The wire log

const exchanges = [];
const LOG_SIZE = 400;
const realFetch = globalThis.fetch;

globalThis.fetch = async function recordingFetch(url, init = {}) {
  const entry = {
    method: init.method ?? 'GET',
    url: String(url),
    body: typeof init.body === 'string' ? init.body : init.body === undefined ? undefined : '<binary>',
    status: undefined,
    response: undefined,
  };
  exchanges.push(entry);
  if (exchanges.length > LOG_SIZE) exchanges.shift();
  const res = await realFetch(url, init);
  entry.status = res.status;
  // Read a copy, so the SDK still gets an unread body.
  try {
    entry.response = await res.clone().text();
  } catch {
    entry.response = '<unreadable>';
  }
  return res;
};

/** Drops the master key, JS key and session token from a logged body, for readable messages. */
function redact(body) {
  if (body === undefined) return '';
  try {
    const json = JSON.parse(body);
    for (const k of ['_MasterKey', '_JavaScriptKey', '_ClientVersion', '_InstallationId', '_ApplicationId']) delete json[k];
    if (json._SessionToken) json._SessionToken = `${String(json._SessionToken).slice(0, 12)}…`;
    if (json.password) json.password = '***';
    return JSON.stringify(json);
  } catch {
    return body;
  }
}

/** The last `n` exchanges with the server, as text (request body with keys redacted, response). */
export function wire(n = 3) {
  return exchanges
    .slice(-n)
    .map((e) => `  → ${e.method} ${e.url.replace(PARSE_URL, '')} ${redact(e.body).slice(0, 1200)}\n  ← ${e.status} ${String(e.response ?? '').slice(0, 800)}`)
    .join('\n');
}

/** Every exchange so far that the server answered with a 5xx. */
export function serverErrors() {
  return exchanges.filter((e) => e.status >= 500);
}

/** The request bodies (parsed) sent so far to a path under the mount, e.g. "/classes/Foo". */
export function sentTo(path) {
  return exchanges
    .filter((e) => e.url === PARSE_URL + path)
    .map((e) => {
      try {
        return JSON.parse(e.body);
      } catch {
        return e.body;
      }
    });
}

// ---------------------------------------------------------------------------------------------
// The SDK, configured as a Node app does it

Parse.initialize(APP_ID, undefined, MASTER_KEY);
Parse.serverURL = PARSE_URL;

export { Parse };

// ---------------------------------------------------------------------------------------------
// Helpers

/** A short random suffix of [a-z0-9]. */
export function rand(n = 8) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
}

/** A unique scratch class name such as `Sdk_semantics_k3j9x0a1`. */
export function uniqueClass(prefix) {
  return `Sdk_${prefix}_${rand()}`;
}

/** Options with the master key, as the SDK takes them. */
export const MASTER = Object.freeze({ useMasterKey: true });

/** Options acting as a signed-in user (a Parse.User or a session token). */
export function as(userOrToken) {
  const sessionToken = typeof userOrToken === 'string' ? userOrToken : userOrToken.getSessionToken();
  assert.ok(sessionToken, 'no session token to act with');
  return { sessionToken };
}

/** A call to the mount outside the SDK (for the schema set-up only), with the master key. */
export async function masterRequest(method, path, body) {
  const res = await fetch(PARSE_URL + path, {
    method,
    headers: {
      'X-Parse-Application-Id': APP_ID,
      'X-Parse-Master-Key': MASTER_KEY,
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

/**
 * Creates a scratch class with the master key (POST /schemas/<name>): clients cannot create
 * classes or add fields on this server (ALLOW_CLIENT_CLASS_CREATION is off, unlike Parse Server's
 * default), so the fields a test writes as a user are declared here first. `fields` maps a name
 * to a type ("String", "Number", ...) or a full field object ({type:"Pointer", targetClass:"X"}).
 */
export async function createClass(name, fields = {}, classLevelPermissions) {
  const f = {};
  for (const [k, v] of Object.entries(fields)) f[k] = typeof v === 'string' ? { type: v } : v;
  const body = { className: name, fields: f };
  if (classLevelPermissions) body.classLevelPermissions = classLevelPermissions;
  const res = await masterRequest('POST', `/schemas/${name}`, body);
  assert.equal(res.status, 200, `creating class ${name}: HTTP ${res.status} ${res.text}`);
  return name;
}

/** Best-effort removal of a scratch class (purge, then drop). Never throws. */
export async function dropClass(name) {
  try {
    await masterRequest('DELETE', `/purge/${name}`);
    await masterRequest('DELETE', `/schemas/${name}`);
  } catch {
    // cleanup only
  }
}

/**
 * Signs up a fresh user through the SDK (`user.signUp()`), with a unique username and email.
 * Returns the Parse.User (its session token from `getSessionToken()`) and its password.
 */
export async function signUp(prefix = 'user', fields = {}) {
  const username = `sdk_${prefix}_${rand(10)}`;
  const password = `pw-${rand(12)}`;
  const user = new Parse.User();
  user.set({ username, password, email: `${username}@example.test`, ...fields });
  await user.signUp();
  assert.ok(user.id, 'sign-up gave no objectId');
  assert.ok(user.getSessionToken(), 'sign-up gave no session token');
  return { user, password, username, token: user.getSessionToken() };
}

/**
 * Asserts that `promise` rejects with a Parse.Error of the given code, and returns the error.
 * On a mismatch the message shows the last exchanges with the server.
 */
export async function rejectsWith(promise, code, what = '') {
  let error;
  try {
    const value = await promise;
    assert.fail(`${what} succeeded (${JSON.stringify(value?.toJSON?.() ?? value)?.slice(0, 300)}), expected Parse.Error ${code}\n${wire()}`);
  } catch (e) {
    if (e?.code === 'ERR_ASSERTION') throw e;
    error = e;
  }
  assert.ok(error instanceof Parse.Error, `${what}: expected a Parse.Error ${code}, got ${error?.stack ?? JSON.stringify(error)}\n${wire()}`);
  assert.equal(error.code, code, `${what}: Parse.Error ${error.code} "${error.message}", expected ${code}\n${wire()}`);
  assert.equal(typeof error.message, 'string');
  return error;
}

/** Runs `fn`; on failure, rethrows with the last exchanges appended (for non-assert errors). */
export async function step(what, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e?.code === 'ERR_ASSERTION') throw e;
    const detail = e instanceof Parse.Error ? `Parse.Error ${e.code} "${e.message}"` : e?.stack ?? String(e);
    throw new Error(`${what} failed: ${detail}\n${wire()}`);
  }
}

/** Sorted objectIds of a list of Parse.Objects. */
export function ids(objects) {
  return objects.map((o) => o.id).sort();
}
