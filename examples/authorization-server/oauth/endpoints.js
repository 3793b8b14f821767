/**
 * The back-channel endpoints, where clients talk to the server directly:
 * the token endpoint, revocation (RFC 7009), introspection (RFC 7662) and
 * the server metadata (RFC 8414), all answered by oauth2orize's middleware.
 *
 * The three POST endpoints share one front: a form parser and oauth2orize's
 * built-in client authentication (`server.authenticateClient()`), which
 * enforces one method per request and throttles failed attempts.
 *
 * @module endpoints
 */
import express from 'express';
import oauth2orize from 'oauth2orize';
import { clientAssertionOptions } from './assertion.js';
import { JWT_CLIENT, RESOURCE_CLIENT, SCOPES } from '../storage/demo.js';
import { verifyPassword } from '../infra/security.js';
import { introspectToken, revokeToken } from './lifecycle.js';
import { FAPI_CLIENT, fapi2Methods } from './fapi2.js';

/**
 * Mount /token, /revoke, /introspect and the metadata document on `app`.
 *
 * @param {import('express').Express} app
 * @param {object} deps
 * @param {any} deps.server the oauth2orize server
 * @param {import('../storage/db.js').Store} deps.db
 * @param {string} deps.issuer
 * @param {import('oauth2orize').ClientThrottle} deps.throttle counts failed client authentications
 * @param {import('oauth2orize').RefreshFamilyStore<any>} [deps.families] where refresh tokens are (revocation)
 * @param {import('oauth2orize').ReplayStore} [deps.replay] used assertion `jti` values
 * @param {boolean} [deps.fapi2] the FAPI 2.0 mode (oauth/fapi2.js)
 * @param {import('../mcp/clients.js').FindClient} [deps.findClient] the client lookup
 *   (default: the database's rows)
 * @returns {{ clientAuth: import('express').RequestHandler[], clientErrors: import('express').ErrorRequestHandler[] }}
 *   the front and the error handlers of these endpoints, for others of the kind
 */
export function mountClientEndpoints(app, { server, db, issuer, throttle, families, replay, fapi2 = false, findClient = async (id) => db.clients.findById(id) }) {
  const assertion = clientAssertionOptions(db, issuer, replay);

  /**
   * oauth2orize authenticates the client: HTTP Basic (form-urlencoded, as
   * RFC 6749 §2.3.1 has clients send it), `client_id` and `client_secret` in
   * the body, a signed assertion (private_key_jwt, assertion.js), or a public
   * client's bare `client_id`. The secrets are scrypt hashes. It sets
   * `req.user` to the client, or answers `invalid_client` (401) through
   * `server.errorHandler()`; after too many failures of one client from one
   * address (or from one address), 429 with `Retry-After` (`throttle`).
   * @param {import('oauth2orize').ClientAuthMethod[]} methods
   * @param {import('oauth2orize').ClientAuthEndpoint[]} endpoints where the metadata lists these methods
   * @returns {import('express').RequestHandler[]}
   */
  const authenticate = (methods, endpoints) => [
    express.urlencoded({ extended: false }),
    server.authenticateClient(
      {
        // FAPI2=1: private_key_jwt only (oauth/fapi2.js).
        methods: fapi2 ? fapi2Methods(methods) : methods,
        endpoints,
        throttle,
        verifySecret: ({ client, secret }) => client.secretHash !== null && verifyPassword(secret, client.secretHash),
        // What each client registered for: a public client only `none`, the service client only assertions.
        methodOf: (client) => (client.isPublic ? 'none' : client.id === JWT_CLIENT.id || client.id === FAPI_CLIENT.id ? 'private_key_jwt' : undefined),
        assertion,
      },
      // null for an unknown client: invalid_client, on which MCP clients register again.
      ({ clientId }) => findClient(clientId).then((client) => client ?? null),
    ),
  ];
  // The hardened profile renders RFC 6749 §5.2 statuses and hides the
  // messages of unexpected exceptions; errorHandler() picks that up.
  const errors = [server.errorHandler()];
  const anyClient = authenticate(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'], ['token', 'revocation']);

  app.post('/token', ...anyClient, server.token(), ...errors);

  // RFC 7009: a client revokes its own tokens; revoking one revokes its grant.
  app.post('/revoke', ...anyClient, server.revocation(revokeToken(db, families)), ...errors);

  // RFC 7662: a confidential client asks about its own tokens, and the demo
  // resource server about the tokens issued for its resource (their `aud`).
  const resourceOf = (/** @type {import('../storage/db.js').Client} */ caller) =>
    caller.id === RESOURCE_CLIENT.id ? `${issuer}${RESOURCE_CLIENT.resourcePath}` : undefined;
  app.post(
    '/introspect',
    ...authenticate(['client_secret_basic', 'client_secret_post', 'private_key_jwt'], ['introspection']),
    server.introspection({ audience: resourceOf }, introspectToken(db)),
    ...errors,
  );

  // RFC 8414. oauth2orize fills in what the server has registered (response
  // and grant types, PKCE methods, iss support, the client authentication
  // methods of each endpoint); the app adds its endpoints.
  app.get(
    oauth2orize.metadataPath(issuer),
    server.metadata({
      metadata: {
        authorization_endpoint: '/authorize',
        token_endpoint: '/token',
        revocation_endpoint: '/revoke',
        introspection_endpoint: '/introspect',
        scopes_supported: Object.keys(SCOPES),
      },
    }),
  );

  return { clientAuth: anyClient, clientErrors: errors };
}
