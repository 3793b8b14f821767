/**
 * Cross-site request forgery protection for the browser forms (sign-in,
 * sign-out, consent), in two layers:
 *
 * 1. the browser must say the request comes from this site: a
 *    `Sec-Fetch-Site` header, when present, must be `same-origin` (or `none`,
 *    a user typing the URL), and an `Origin` header, when present, must be
 *    this server's origin;
 * 2. the form must carry the per-session token that only this site's pages
 *    know (`csrf_token`), compared in constant time.
 *
 * Clients that send neither header (curl, old browsers) still need the token.
 *
 * @module csrf
 */
import { randomBytes } from 'node:crypto';
import { safeEqual } from '../infra/security.js';

/** The form field that carries the token. */
export const CSRF_FIELD = 'csrf_token';

/**
 * The session's CSRF token, made on first use. Storing it is what starts a
 * session for a visitor who is not signed in yet (the login page).
 *
 * @param {import('express').Request} req
 * @returns {string}
 */
export function csrfToken(req) {
  const session = /** @type {any} */ (req.session);
  if (typeof session.csrfToken !== 'string') session.csrfToken = randomBytes(32).toString('base64url');
  return session.csrfToken;
}

/**
 * Why a form post must be refused, or undefined when it may go on.
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
  const expected = /** @type {any} */ (req.session)?.csrfToken;
  if (typeof sent !== 'string' || typeof expected !== 'string' || !safeEqual(sent, expected)) {
    return 'missing or wrong CSRF token';
  }
  return undefined;
}
