/**
 * The back-channel endpoints, where clients talk to the server directly:
 * the token endpoint, revocation (RFC 7009), introspection (RFC 7662) and
 * the server metadata (RFC 8414), all answered by oauth2orize's middleware.
 *
 * The three POST endpoints share one front: a form parser, a failure rate
 * limit, the one-authentication-method rule, and Passport client
 * authentication whose failure becomes the OAuth error `invalid_client`.
 *
 * @module endpoints
 */
import express from 'express';
import oauth2orize from 'oauth2orize';
import { createClientAssertion } from './assertion.js';
import { SCOPES } from '../storage/demo.js';
import { introspectToken, revokeToken } from './lifecycle.js';
import { throttle } from '../infra/ratelimit.js';

const { TokenError } = oauth2orize;

/**
 * The client id a request names: from HTTP Basic, else the body.
 * @param {import('express').Request} req
 * @returns {string | undefined}
 */
export function requestClientId(req) {
  const [scheme, value] = (req.get('authorization') ?? '').split(' ');
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString();
    const id = decoded.slice(0, decoded.indexOf(':') >>> 0);
    try {
      return decodeURIComponent(id.replace(/\+/g, ' ')).slice(0, 200);
    } catch {
      return undefined;
    }
  }
  return typeof req.body?.client_id === 'string' ? req.body.client_id.slice(0, 200) : undefined;
}

/**
 * RFC 6749 §2.3: a client uses exactly one authentication method per
 * request. A request with both an Authorization header and a body
 * client_secret (or assertion) is refused rather than half-checked, and so
 * is a body client_id that differs from the Basic one.
 * @type {import('express').RequestHandler}
 */
export function oneClientAuthMethod(req, res, next) {
  const body = req.body ?? {};
  const methods = [
    req.get('authorization') !== undefined,
    body.client_secret !== undefined,
    body.client_assertion !== undefined,
  ].filter(Boolean).length;
  if (methods > 1) {
    return next(new TokenError('Use exactly one client authentication method', 'invalid_request'));
  }
  const basicId = req.get('authorization') !== undefined ? requestClientId(req) : undefined;
  if (basicId !== undefined && body.client_id !== undefined && body.client_id !== basicId) {
    return next(new TokenError('client_id does not match the authenticated client', 'invalid_request'));
  }
  next();
}

/**
 * Mount /token, /revoke, /introspect and the metadata document on `app`.
 *
 * @param {import('express').Express} app
 * @param {object} deps
 * @param {any} deps.server the oauth2orize server
 * @param {import('passport').Authenticator} deps.passport
 * @param {import('../storage/db.js').Store} deps.db
 * @param {string} deps.issuer
 * @param {import('../infra/ratelimit.js').FailureLimiter} deps.perIP failures per address
 * @param {import('../infra/ratelimit.js').FailureLimiter} deps.perClient failures per client id
 * @returns {{ clientAuth: import('express').RequestHandler[], clientErrors: import('express').ErrorRequestHandler[] }}
 *   the front and the error handlers of these endpoints, for others of the kind
 */
export function mountClientEndpoints(app, { server, passport, db, issuer, perIP, perClient }) {
  // Failed requests (401 invalid_client, 400 invalid_grant, ...) are limited
  // per address and per client id, before any secret is checked.
  const limit = throttle(
    [
      [perIP, (req) => `ip:${req.ip}`],
      [perClient, (req) => (requestClientId(req) === undefined ? undefined : `client:${requestClientId(req)}`)],
    ],
    (res) => res.statusCode < 400,
    (req, res, seconds) =>
      res.status(429).set('Cache-Control', 'no-store').json({
        error: 'temporarily_unavailable',
        error_description: `Too many failed requests; retry in ${seconds} seconds`,
      }),
  );

  // private_key_jwt: a signed assertion authenticates the client (and sets
  // req.user); otherwise Passport tries the other methods.
  const assertion = createClientAssertion(server, db, issuer);

  /**
   * The client authenticates with a JWT assertion, HTTP Basic, its
   * credentials in the body, or (public clients, `strategies` permitting)
   * its client_id alone. Passport's failure becomes `invalid_client` (401).
   * @param {string[]} strategies
   * @returns {import('express').RequestHandler[]}
   */
  const authenticate = (strategies) => [
    express.urlencoded({ extended: false }),
    limit,
    oneClientAuthMethod,
    assertion,
    (req, res, next) =>
      req.user ? next() : passport.authenticate(strategies, { session: false, failWithError: true })(req, res, next),
  ];
  /** @type {import('express').ErrorRequestHandler} */
  const invalidClient = (err, req, res, next) =>
    next(err?.name === 'AuthenticationError' ? new TokenError('Client authentication failed', 'invalid_client') : err);
  // The hardened profile renders RFC 6749 §5.2 statuses and hides the
  // messages of unexpected exceptions; errorHandler() picks that up.
  const errors = [invalidClient, server.errorHandler()];
  const anyClient = ['basic', 'oauth2-client-password', 'public-client'];

  app.post('/token', ...authenticate(anyClient), server.token(), ...errors);

  // RFC 7009: a client revokes its own tokens; revoking one revokes its grant.
  app.post('/revoke', ...authenticate(anyClient), server.revocation(revokeToken(db)), ...errors);

  // RFC 7662: a confidential client asks about its own tokens.
  app.post('/introspect', ...authenticate(['basic', 'oauth2-client-password']), server.introspection(introspectToken(db)), ...errors);

  // RFC 8414. oauth2orize fills in what the server has registered (response
  // and grant types, PKCE methods, iss support); the app adds its endpoints.
  const authMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
  app.get(
    oauth2orize.metadataPath(issuer),
    server.metadata({
      metadata: {
        authorization_endpoint: '/authorize',
        token_endpoint: '/token',
        revocation_endpoint: '/revoke',
        introspection_endpoint: '/introspect',
        scopes_supported: Object.keys(SCOPES),
        token_endpoint_auth_methods_supported: authMethods,
        token_endpoint_auth_signing_alg_values_supported: ['ES256'],
        revocation_endpoint_auth_methods_supported: authMethods,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      },
    }),
  );

  return { clientAuth: authenticate(anyClient), clientErrors: errors };
}
