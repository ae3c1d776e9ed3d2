// Shared helpers for the GraphQL black-box tests: a real npm GraphQL client (graphql-request)
// against `/graphql` at the server root beside the REST mount, and the REST helpers of
// tests/http for set-up (sign-ups, profiles, the master key).
//
// Test files run in parallel processes against one server: every user, SKU and scratch class
// here is fresh, and assertions only look at rows the file created.

import assert from 'node:assert/strict';
import { GraphQLClient, ClientError } from 'graphql-request';
import { PARSE_URL, APP_ID, MASTER_KEY, rand, post, pointer, withSession, signUp, show } from '../http/support.mjs';

export { PARSE_URL, APP_ID, MASTER_KEY, rand, pointer, signUp, show };

/** `/graphql` of the server whose REST mount is `parseUrl`. */
export function graphqlUrl(parseUrl = PARSE_URL) {
  return `${new URL(parseUrl).origin}/graphql`;
}

export const GRAPHQL_URL = graphqlUrl();

/**
 * A GraphQL client as an app would make one: the app id always, then a session token or the
 * master key. `headers` adds or overrides headers (X-Parse-Request-Id, …).
 */
export function client({ token, master, headers = {}, url = GRAPHQL_URL, appId = APP_ID, masterKey = MASTER_KEY } = {}) {
  const all = { 'X-Parse-Application-Id': appId, ...headers };
  if (token) all['X-Parse-Session-Token'] = token;
  if (master) all['X-Parse-Master-Key'] = masterKey;
  return new GraphQLClient(url, { headers: all });
}

/**
 * Runs an operation that must fail inside execution (HTTP 200 with `errors`) and returns the
 * response graphql-request saw: `{data, errors, status}`.
 */
export async function failing(gqlClient, document, variables) {
  try {
    const data = await gqlClient.request(document, variables);
    assert.fail(`expected errors, got data ${JSON.stringify(data)}`);
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    return { ...e.response, status: e.response.status };
  }
}

/** The Parse code of the first error of a failed operation (`extensions.code`). */
export async function codeOf(gqlClient, document, variables) {
  const res = await failing(gqlClient, document, variables);
  return res.errors?.[0]?.extensions?.code;
}

/** One raw HTTP exchange with `/graphql`, for what no client sends (bad bodies, methods). */
export async function raw(method, { body, headers = {}, query = '', url = GRAPHQL_URL } = {}) {
  const res = await fetch(url + query, {
    method,
    headers: { 'X-Parse-Application-Id': APP_ID, ...headers },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A fresh artisan account with its profile, made through REST: {user, profile}. */
export async function newShop(prefix = 'gqlartisan') {
  const user = await signUp(prefix, { role: 'artisan' });
  const res = await post('/classes/Artisan', { name: `Workshop ${rand()}` }, withSession(user.token));
  assert.equal(res.status, 201, `creating an Artisan profile: ${show(res)}`);
  return { user, profile: res.json.objectId, name: res.json.name };
}

/** Relay's global id of an object: base64("<className>:<objectId>"). */
export function globalId(className, objectId) {
  return Buffer.from(`${className}:${objectId}`).toString('base64');
}
