/**
 * Cross-site request forgery protection for the browser forms (sign-in,
 * sign-out, consent), in two layers:
 *
 * 1. the browser must say the request comes from this site: a
 *    `Sec-Fetch-Site` header, when present, must be `same-origin` (or `none`,
 *    a user typing the URL), and an `Origin` header, when present, must be
 *    this server's origin;
 * 2. the form must carry a token that only this site's pages know
 *    (`csrf_token`), compared in constant time:
 *    - for a signed-in user, a token kept in the session;
 *    - for a visitor who is not signed in (the login form), a signed
 *      double-submit token: a random value in a cookie of its own, and in
 *      the form its HMAC under the app's secret. Nothing is stored on the
 *      server, so showing the login page creates no session: anonymous
 *      visitors cannot fill the session store, and two instances that share
 *      the secret accept each other's forms.
 *
 * Clients that send neither header (curl, old browsers) still need the token.
 *
 * @module csrf
 */
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../infra/security.js';

/** The form field that carries the token. */
export const CSRF_FIELD = 'csrf_token';

/** The cookie of the signed double-submit token (visitors not signed in). */
export const CSRF_COOKIE = 'example.csrf';

/** Lifetime of that cookie, in seconds: long enough to fill in the login form. */
const COOKIE_SECONDS = 60 * 60;

/** The secret of each app's tokens (see {@link configureCsrf}). */
const secrets = new WeakMap();

/**
 * Give `app` the secret its anonymous CSRF tokens are signed with (the
 * session secret does: it is already shared by the app's instances).
 *
 * @param {import('express').Express} app
 * @param {string} secret
 */
export function configureCsrf(app, secret) {
  if (typeof secret !== 'string' || secret === '') throw new Error('configureCsrf needs a secret');
  secrets.set(app, secret);
}

/** @param {import('express').Request} req */
function secretOf(req) {
  const secret = secrets.get(req.app);
  if (typeof secret !== 'string') throw new Error('CSRF secret not configured: call configureCsrf(app, secret)');
  return secret;
}

/**
 * The value of cookie `name` in the request, or undefined.
 * @param {import('express').Request} req
 * @param {string} name
 */
function cookieOf(req, name) {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A nonce as this module writes it: 43 base64url characters. */
const NONCE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The form token for the double-submit nonce.
 * @param {import('express').Request} req
 * @param {string} nonce
 */
function signed(req, nonce) {
  return createHmac('sha256', secretOf(req)).update('login-csrf:' + nonce).digest('base64url');
}

/**
 * The CSRF token to put in a form. A signed-in user's lives in the session
 * (made on first use); for anyone else the token is signed from the
 * double-submit cookie, which is set when missing: no session is touched.
 *
 * @param {import('express').Request} req
 * @returns {string}
 */
export function csrfToken(req) {
  const session = /** @type {any} */ (req.session);
  if (req.user && session) {
    if (typeof session.csrfToken !== 'string') session.csrfToken = randomBytes(32).toString('base64url');
    return session.csrfToken;
  }
  let nonce = cookieOf(req, CSRF_COOKIE);
  if (nonce === undefined || !NONCE.test(nonce)) {
    nonce = randomBytes(32).toString('base64url');
    /** @type {import('express').Response} */ (req.res).cookie(CSRF_COOKIE, nonce, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
      maxAge: COOKIE_SECONDS * 1000,
    });
  }
  return signed(req, nonce);
}

/**
 * Why a form post must be refused, or undefined when it may go on. The
 * token may be the session's or the signed double-submit one: a login form
 * shown before signing in (in another tab, say) stays valid afterwards.
 *
 * @param {import('express').Request} req
 * @param {string} origin this server's origin, e.g. `http://localhost:3000`
 * @returns {string | undefined}
 */
export function csrfProblem(req, origin) {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request (Sec-Fetch-Site: ${site})`;
  const from = req.get('origin');
  if (from !== undefined && from !== origin) return `request from another origin (${from})`;
  const sent = req.body?.[CSRF_FIELD];
  if (typeof sent !== 'string') return 'missing or wrong CSRF token';
  const expected = /** @type {any} */ (req.session)?.csrfToken;
  if (typeof expected === 'string' && safeEqual(sent, expected)) return undefined;
  const nonce = cookieOf(req, CSRF_COOKIE);
  if (nonce !== undefined && NONCE.test(nonce) && safeEqual(sent, signed(req, nonce))) return undefined;
  return 'missing or wrong CSRF token';
}
