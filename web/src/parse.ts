// The official Parse JS SDK, pointed at the worker that serves this page.
import Parse from 'parse';

declare const __APP_ID__: string;
declare const __MOUNT_PATH__: string;

export const APP_ID = __APP_ID__;
export const MOUNT_PATH = __MOUNT_PATH__;
export const SERVER_URL = `${location.origin}${MOUNT_PATH}`;

// No JavaScript key: the server checks one only when it is configured.
(Parse.initialize as (appId: string) => void)(APP_ID);
Parse.serverURL = SERVER_URL;
// LiveQuery on the mount path: `/` belongs to the app (static assets), not to the worker.
Parse.liveQueryServerURL = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${MOUNT_PATH}`;
// Every create carries a request id: a retried checkout answers the first order.
Parse.CoreManager.set('IDEMPOTENCY', true);

export default Parse;

/** An object of `className` known only by its id. */
export function pointer(className: string, id: string): Parse.Object {
  const o = new Parse.Object(className);
  o.id = id;
  return o;
}

/** A Parse error as a sentence for people; never a bare code. */
export function readable(e: unknown, context: 'login' | 'signup' | 'default' = 'default'): string {
  const err = e as { code?: number; message?: string };
  switch (err?.code) {
    case 101:
      return context === 'login' ? 'Wrong username or password.' : 'Not found: it may have been removed.';
    case 100:
      return 'The server cannot be reached. Check your connection and try again.';
    case 119:
      return 'You are not allowed to do that.';
    case 125:
      return 'That email address is not valid.';
    case 137:
      return 'That value is already used.';
    case 155:
      return 'Too many attempts. Please wait a moment and try again.';
    case 200:
      return 'Please enter a username.';
    case 201:
      return 'Please enter a password.';
    case 202:
      return 'That username is taken.';
    case 203:
      return 'An account already uses that email.';
    case 205:
      return 'Please verify your email first: we sent you a link.';
    case 209:
      return 'Your session has ended. Please log in again.';
    case 142:
    case 141:
      return sentence(err.message ?? 'That value is not accepted.');
    default:
      return err?.message ? sentence(err.message) : 'Something went wrong. Please try again.';
  }
}

function sentence(s: string): string {
  const t = s.trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function money(amount: number | undefined): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount ?? 0);
}

/** The URL of a product's or artisan's photo, or undefined for the placeholder. */
export function photoUrl(value: unknown): string | undefined {
  const f = value as { url?: () => string; _url?: string } | undefined;
  if (!f) return undefined;
  if (typeof f.url === 'function') return f.url() || undefined;
  return f._url;
}

export type PObject = Parse.Object;
