/**
 * What surrounds the authorization server in this demo: the protected API
 * (a resource server that accepts the server's access tokens) and the
 * stand-in client's callback pages.
 *
 * @module resources
 */
import express from 'express';
import { CONFIDENTIAL_CLIENT, DEMO_PKCE, PUBLIC_CLIENT } from '../storage/demo.js';
import { callbackPage, implicitCallbackPage, sendPage } from './views.js';
import { dpopOrBearer } from '../oauth/dpop.js';

/**
 * Mount `/api/userinfo` and the `/callback` pages on `app`.
 *
 * @param {import('express').Express} app
 * @param {object} deps
 * @param {import('passport').Authenticator} deps.passport with the `bearer` strategy
 * @param {import('../storage/db.js').Store} deps.db
 * @param {string} deps.issuer this server's origin
 * @param {import('oauth2orize').AuthorizationCodeStore<any>} deps.codes where the codes are
 */
export function mountResources(app, { passport, db, issuer, codes }) {
  const originOf = (/** @type {import('express').Request} */ _req) => issuer;

  /**
   * RFC 9700 §4.3.2 and RFC 6750 §2: access tokens are accepted only in the
   * Authorization header, never in the query (where they leak into logs and
   * Referer headers) or a form body.
   * @type {import('express').RequestHandler}
   */
  function bearerHeaderOnly(req, res, next) {
    if (req.query.access_token === undefined && req.body?.access_token === undefined) return next();
    res
      .status(400)
      .set('WWW-Authenticate', 'Bearer error="invalid_request", error_description="Send the access token in the Authorization header"')
      .json({ error: 'invalid_request', error_description: 'Send the access token in the Authorization header' });
  }

  // `Authorization: DPoP` with a proof, or Bearer (oauth/dpop.js).
  const protect = dpopOrBearer(db, issuer, passport.authenticate('bearer', { session: false }));
  app.get('/api/userinfo', bearerHeaderOnly, protect, (req, res) => {
    const { scope, userId } = /** @type {any} */ (req.authInfo);
    /** @param {string} description */
    const insufficient = (description) =>
      res
        .status(403)
        .set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="profile", error_description="${description}"`)
        .json({ error: 'insufficient_scope', error_description: description });

    // RFC 6750 §3.1: a valid token that does not allow this call.
    if (userId === null) return insufficient('This token belongs to a client acting for itself, not to a user');
    if (!scope.includes('profile')) return insufficient('This call needs the profile scope');

    const user = /** @type {import('../storage/db.js').User} */ (req.user);
    res.set('Cache-Control', 'no-store').json({
      id: user.id,
      username: user.username,
      name: user.name,
      ...(scope.includes('email') ? { email: user.email } : {}),
      scope: scope.join(' '),
    });
  });

  /**
   * The stand-in client's callback: the parameters arrive in the query, or,
   * with `response_mode=form_post`, in a form the browser posts.
   * @param {import('express').Request} req
   * @param {import('express').Response} res
   */
  const callback = async (req, res) => {
    const origin = originOf(req);
    /** @type {Record<string, unknown>} */
    const params = req.method === 'POST' ? (req.body ?? {}) : req.query;
    const { code } = params;
    // Only offer a copy-paste command for a code that is plainly a code, and
    // authenticate the way the client that received it does. (A real client
    // knows who it is; this stand-in serves both demo clients, so it asks
    // the database which one the code was issued to.)
    const clientId =
      typeof code === 'string' && /^[A-Za-z0-9_-]{1,200}$/.test(code) ? (await codes.peek(code).catch(() => undefined))?.clientId : undefined;
    const auth =
      clientId === CONFIDENTIAL_CLIENT.id
        ? `-u ${CONFIDENTIAL_CLIENT.id}:${CONFIDENTIAL_CLIENT.secret}`
        : clientId === PUBLIC_CLIENT.id
          ? `-d client_id=${PUBLIC_CLIENT.id}`
          : undefined;
    const exchange = auth
      ? [
          `curl -s ${auth} ${origin}/token \\`,
          `  -d grant_type=authorization_code -d code=${code} \\`,
          `  --data-urlencode redirect_uri=${origin}/callback \\`,
          `  -d code_verifier=${DEMO_PKCE.verifier}`,
        ].join('\n')
      : undefined;
    sendPage(res, callbackPage({ params, exchange }));
  };
  app.get('/callback', callback);
  app.post('/callback', express.urlencoded({ extended: false }), callback);

  app.get('/callback/implicit', (req, res) => {
    sendPage(res, implicitCallbackPage());
  });
}
