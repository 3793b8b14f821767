/**
 * Helpers for the example's end-to-end tests: start the example on a free
 * port with a fresh database, and act as a browser (cookie jar, manual
 * redirects, form posts) over real HTTP with fetch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';

/** The parts of `examples/authorization-server/storage/db.js` the tests use. */
export interface ExampleStore {
  clients: { findById(id: string): { redirectURIs: string[] } | undefined };
  close(): void;
}

/** The options of the example's `createApp` (app.js) that the tests use. */
export interface AppOptions {
  issuer?: string;
  sessionSecret?: string;
  legacyGrants?: string[];
  rateLimits?: { loginPerIP?: number; loginPerAccount?: number; tokenPerIP?: number; tokenPerClient?: number; windowSeconds?: number; registrationsPerIP?: number };
  /** Client ID metadata documents from loopback, with a test CA: tests only. */
  clientIdMetadata?: { allowLoopback?: boolean; ca?: string | Buffer };
  trustProxy?: boolean | number | string;
  sessionStore?: unknown;
  sessionMaxAge?: number;
}

interface AppModule {
  createApp(options: AppOptions & { db: ExampleStore }): Express;
}
interface DbModule {
  openDatabase(path: string, options?: { origin?: string; scryptCost?: number }): ExampleStore;
}

// The example is plain JavaScript without declaration files. Importing it
// through a computed URL keeps the type checker from looking for them; the
// interfaces above describe what is used.
const exampleDir = new URL('../../examples/authorization-server/', import.meta.url);
const { createApp }: AppModule = await import(new URL('app.js', exampleDir).href);
const { openDatabase }: DbModule = await import(new URL('storage/db.js', exampleDir).href);
/** The example's bounded session store (infra/sessions.js). */
export const { BoundedMemoryStore }: {
  BoundedMemoryStore: new (options?: { max?: number }) => {
    readonly size: number;
    readonly signedIn: number;
    get(sid: string, cb: (err: unknown, data?: unknown) => void): void;
    set(sid: string, data: unknown, cb?: (err?: unknown) => void): void;
  };
} =
  await import(new URL('infra/sessions.js', exampleDir).href);

/** Where the example's main script is. */
export const MAIN_SCRIPT = new URL('main.js', exampleDir);

/** The demo data, as seeded (kept here on purpose: a change to the seed should show up as a failing test). */
export const DEMO = {
  username: 'alice',
  password: 'wonderland',
  name: 'Alice Liddell',
  confidential: { id: 'demo-confidential', secret: 'demo-confidential-secret', name: 'Demo Web App (confidential)' },
  public: { id: 'demo-public' },
} as const;

export interface RunningExample {
  origin: string;
  db: ExampleStore;
  /** `origin + path` */
  url(path: string): string;
  close(): Promise<void>;
}

/**
 * Start the example app on `localhost` and a free port, with a new database
 * file in a new temporary directory. `close()` stops it and removes the
 * directory.
 */
export async function startExample(options: AppOptions = {}): Promise<RunningExample> {
  const dir = mkdtempSync(join(tmpdir(), 'oauth2orize-example-'));
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, 'localhost', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://localhost:${port}`;
  // As main.js does: the port is known only now, and the demo clients'
  // redirect URIs are registered under it. A lower scrypt cost (N = 1024
  // instead of 16384) for the seeded password and secret keeps each login
  // and client authentication to a few milliseconds.
  const db = openDatabase(join(dir, 'example.sqlite'), { origin, scryptCost: 10 });
  server.on('request', createApp({ db, issuer: origin, ...options }));

  return {
    origin,
    db,
    url: (path) => new URL(path, origin).href,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A minimal browser: keeps cookies (name=value only; everything here is one
 * host) and never follows redirects by itself, so each hop can be checked.
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }

  get(url: string): Promise<Response> {
    return this.request(url);
  }

  /** POST an HTML form (application/x-www-form-urlencoded). */
  post(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  }
}

/** The absolute target of a redirect response, failing if it is not one. */
export function redirectTarget(res: Response, base: string): URL {
  if (res.status < 300 || res.status >= 400) {
    throw new Error(`expected a redirect, got HTTP ${res.status}`);
  }
  const location = res.headers.get('location');
  if (!location) throw new Error('redirect without a Location header');
  return new URL(location, base);
}

/** Undo the HTML escaping the example's templates apply. */
export function unescapeHtml(text: string): string {
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => entities[entity]);
}

/** The value of a hidden form field in an HTML page. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!match) throw new Error(`no hidden field ${name} in page`);
  return unescapeHtml(match[1]);
}

/** The fields a consent form posts: the transaction and the CSRF token. */
export function consentForm(html: string): { transaction_id: string; csrf_token: string } {
  return { transaction_id: hiddenField(html, 'transaction_id'), csrf_token: hiddenField(html, 'csrf_token') };
}

/** Load the login page (which sets the CSRF cookie, and starts no session) and return its CSRF token. */
export async function loginCsrf(browser: Browser, app: RunningExample): Promise<string> {
  return hiddenField(await (await browser.get(app.url('/login'))).text(), 'csrf_token');
}

/**
 * Open an authorization URL as a signed-out user: get sent to the login
 * page, sign in, and follow the redirect back to the authorization
 * endpoint. Returns that last response: the consent page, or a redirect to
 * the client when consent was skipped.
 */
export async function signInThrough(browser: Browser, app: RunningExample, authorizeURL: string): Promise<Response> {
  const first = await browser.get(authorizeURL);
  const login = redirectTarget(first, app.origin);
  if (login.pathname !== '/login') throw new Error(`expected the login page, got ${login.href}`);

  const page = await (await browser.get(login.href)).text();
  const returnTo = hiddenField(page, 'return_to');
  const signedIn = await browser.post(app.url('/login'), {
    username: DEMO.username,
    password: DEMO.password,
    return_to: returnTo,
    csrf_token: hiddenField(page, 'csrf_token'),
  });
  const back = redirectTarget(signedIn, app.origin);
  return browser.get(back.href);
}
