/**
 * Signing in and out: the login page and form (passport-local), with the
 * CSRF check and the failure limits per address and per account.
 *
 * @module login
 */
import express from 'express';
import { csrfToken } from './csrf.js';
import { throttle } from '../infra/ratelimit.js';
import { errorPage, loginPage, sendPage } from './views.js';

/**
 * A post-login destination: only a path on this server, never `//host` or
 * an absolute URL, so the login form cannot be used as an open redirector.
 * @param {unknown} value
 */
export function safeReturnTo(value) {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

/**
 * Mount `/login` and `/logout` on `app`.
 *
 * @param {import('express').Express} app
 * @param {object} deps
 * @param {import('passport').Authenticator} deps.passport with the `local` strategy
 * @param {import('express').RequestHandler[]} deps.browser sessions and Passport sessions
 * @param {import('express').RequestHandler} deps.checkCsrf
 * @param {import('../infra/ratelimit.js').Limiter} deps.perIP failed sign-ins per address
 * @param {import('../infra/ratelimit.js').Limiter} deps.perAccount failed sign-ins per username
 */
export function mountLogin(app, { passport, browser, checkCsrf, perIP, perAccount }) {
  const form = express.urlencoded({ extended: false });
  const loginPerIP = perIP;
  const loginPerAccount = perAccount;

  app.get('/login', ...browser, (req, res) => {
    sendPage(res, loginPage({ returnTo: safeReturnTo(req.query.return_to), csrfToken: csrfToken(req) }));
  });

  /** @param {import('express').Request} req */
  const loginName = (req) => (typeof req.body?.username === 'string' ? req.body.username.toLowerCase() : undefined);

  // Failed sign-ins are limited per address and per account; each attempt
  // costs an scrypt run, so unthrottled guessing would also slow everyone.
  const loginThrottle = throttle(
    [
      [loginPerIP, (req) => `ip:${req.ip}`],
      [loginPerAccount, (req) => (loginName(req) === undefined ? undefined : `user:${loginName(req)}`)],
    ],
    (res) => res.statusCode === 303,
    (req, res, seconds) =>
      sendPage(res, errorPage({ status: 429, message: `Too many failed sign-ins. Try again in ${seconds} seconds.` })),
  );

  app.post('/login', ...browser, form, checkCsrf, loginThrottle, (req, res, next) => {
    const returnTo = safeReturnTo(req.body.return_to);
    passport.authenticate('local', (/** @type {any} */ err, /** @type {any} */ user, /** @type {any} */ info) => {
      if (err) return next(err);
      if (!user) {
        const username = typeof req.body.username === 'string' ? req.body.username : '';
        return sendPage(
          res,
          loginPage({ returnTo, username, csrfToken: csrfToken(req), error: info?.message ?? 'Wrong username or password' }),
        );
      }
      const account = loginName(req);
      if (account !== undefined) void Promise.resolve(loginPerAccount.reset(`user:${account}`)).catch(() => {});
      // Passport regenerates the session here, against session fixation
      // (which also replaces the CSRF token).
      req.logIn(user, (err) => (err ? next(err) : res.redirect(303, returnTo)));
    })(req, res, next);
  });

  app.post('/logout', ...browser, form, checkCsrf, (req, res, next) => {
    req.logout((err) => (err ? next(err) : res.redirect(303, '/')));
  });
}
