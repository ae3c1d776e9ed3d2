// Starts a private `wrangler dev` for the tests that need their own server: different vars
// (tight abuse limits) or a server they may kill and restart (crash safety). The shared server
// that `make test` starts is left alone.
//
// The worker must be built already (`make test` builds it before any test runs): it runs as built,
// with the local servers' config (wrangler.toml without [build], scripts/dev_config.mjs), so it
// never builds and watches no sources: nothing reloads it while a test runs.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDevConfig } from '../../scripts/dev_config.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = path.join(ROOT, 'node_modules/.bin/wrangler');
const APP_ID = process.env.APP_ID ?? 'artisan-market';

/** A TCP port nobody listens on at 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private worker on a fresh (or given) local D1 state.
 *
 * @param {object} [opts]
 * @param {Record<string,string>} [opts.vars]  extra `--var`s (they override wrangler.toml's)
 * @param {string} [opts.stateDir]  an existing state to start on (a restart); fresh when absent
 * @param {string} [opts.masterKey] defaults to a random key
 * @param {string} [opts.sessionSecret] defaults to a random secret
 * @returns {Promise<Worker>}
 */
export async function startWorker(opts = {}) {
  const fresh = !opts.stateDir;
  const stateDir = opts.stateDir ?? mkdtempSync(path.join(tmpdir(), 'artisan-market-private.'));
  const masterKey = opts.masterKey ?? randomBytes(32).toString('hex');
  const sessionSecret = opts.sessionSecret ?? randomBytes(32).toString('hex');
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };
  // Unchanged (not rewritten) when make test wrote it already: its server watches the file.
  const config = writeDevConfig();
  if (fresh) {
    const applied = spawnSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '-c', config, '--local', '--persist-to', stateDir], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (applied.status !== 0) throw new Error(`migrations failed: ${applied.stderr}`);
  }
  const worker = new Worker({ config, stateDir, masterKey, sessionSecret, vars: opts.vars ?? {}, env, ownsState: fresh });
  await worker.start();
  return worker;
}

export class Worker {
  constructor({ config, stateDir, masterKey, sessionSecret, vars, env, ownsState }) {
    Object.assign(this, { config, stateDir, masterKey, sessionSecret, vars, env, ownsState });
    this.appId = APP_ID;
    this.child = null;
  }

  /** Starts wrangler dev on the state and waits until /health answers 200. */
  async start(timeoutMs = 120_000) {
    const port = await freePort();
    let inspector = await freePort();
    while (inspector === port) inspector = await freePort();
    const vars = { PBKDF2_ITERATIONS: '10000', MAIL_ADAPTER: 'dev-outbox', ...this.vars, MASTER_KEY: this.masterKey, SESSION_SECRET: this.sessionSecret };
    const args = ['dev', '-c', this.config, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector),
      '--persist-to', this.stateDir, '--log-level', 'warn'];
    for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
    this.log = path.join(this.stateDir, `wrangler-${port}.log`);
    const out = openSync(this.log, 'a');
    // Its own process group (detached), so kill() takes workerd down with wrangler.
    this.child = spawn(WRANGLER, args, { cwd: ROOT, env: this.env, detached: true, stdio: ['ignore', out, out] });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.url = `http://127.0.0.1:${port}/parse`;
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    this.exited.then(() => { exited = true; });
    while (Date.now() < deadline) {
      if (exited) throw new Error(`wrangler exited before answering:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.url}/health`, { headers: { 'X-Parse-Application-Id': this.appId } });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await this.kill();
    throw new Error(`no 200 from ${this.url}/health within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /**
   * One request to this worker's Parse API. `ip` sends CF-Connecting-IP (none: wrangler sets
   * 127.0.0.1); `token` a session; `master` this worker's master key.
   * @returns {Promise<{status:number, headers:Headers, json:any, text:string}>}
   */
  async call(method, path, body, { ip, token, master } = {}) {
    const headers = { 'X-Parse-Application-Id': this.appId };
    if (ip !== undefined) headers['CF-Connecting-IP'] = ip;
    if (token) headers['X-Parse-Session-Token'] = token;
    if (master) headers['X-Parse-Master-Key'] = this.masterKey;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** The end of wrangler's log, for failure messages. */
  tail(lines = 40) {
    try {
      return readFileSync(this.log, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGKILL to the whole group: wrangler and workerd die at once, as in a crash. */
  async kill() {
    await this.signal('SIGKILL');
  }

  /** Stops the server gracefully (SIGTERM, then SIGKILL after 10 s). */
  async stop() {
    const timer = setTimeout(() => this.signal('SIGKILL'), 10_000);
    await this.signal('SIGTERM');
    clearTimeout(timer);
  }

  async signal(name) {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-this.child.pid, name);
    } catch {
      // already gone
    }
    await this.exited;
  }

  /** Stops the server and deletes its state when this worker created it. */
  async dispose() {
    await this.stop();
    if (this.ownsState) rmSync(this.stateDir, { recursive: true, force: true });
  }
}
