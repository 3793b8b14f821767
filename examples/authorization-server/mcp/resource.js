/**
 * The resource-server side of `/mcp`, written locally for now: the bearer
 * check (RFC 6750) and the protected-resource metadata document (RFC 9728).
 *
 * Both are stand-ins, kept together in this one file so that replacing them
 * with oauth2orize's own middlewares is one edit in mcp/index.js. They check
 * tokens against the example's own token table; they know nothing of
 * audiences yet (a token is accepted whatever resource it was asked for).
 *
 * @module mcp/resource
 */
import { now } from '../storage/db.js';

/**
 * @typedef {object} ResourceSettings
 * @property {string} resource this resource's identifier, the URL clients
 *   connect to (e.g. `http://localhost:3000/mcp`)
 * @property {string} metadataURL where its protected-resource metadata is served
 * @property {string[]} requiredScope scopes every request must carry
 */

/**
 * Where RFC 9728 §3.1 puts the metadata of `resource`: the well-known
 * segment goes between the host and the resource's path.
 *
 * @param {string} resource e.g. `http://localhost:3000/mcp`
 * @returns {string} e.g. `http://localhost:3000/.well-known/oauth-protected-resource/mcp`
 */
export function protectedResourceMetadataURL(resource) {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return new URL(`/.well-known/oauth-protected-resource${path}`, url.origin).href;
}

/**
 * The protected-resource metadata document (RFC 9728 §2): which
 * authorization server issues tokens for this resource, and what it accepts.
 *
 * @param {object} options
 * @param {string} options.resource
 * @param {string} options.issuer the authorization server
 * @param {string[]} options.scopes what a client should ask for
 * @param {string} options.name shown to users by clients that display it
 * @returns {import('express').RequestHandler}
 */
export function protectedResourceMetadata({ resource, issuer, scopes, name }) {
  const document = JSON.stringify({
    resource,
    authorization_servers: [issuer],
    scopes_supported: scopes,
    // RFC 6750 §2.1 only: never the query or a form body.
    bearer_methods_supported: ['header'],
    resource_name: name,
  });
  return (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('application/json').send(document);
  };
}

/**
 * Quote a value for a `WWW-Authenticate` auth-param (RFC 9110 §5.6.4).
 * @param {string} value
 */
const quoted = (value) => `"${value.replace(/[\\"]/g, '\\$&')}"`;

/**
 * Answer with an RFC 6750 §3 challenge. Every challenge names the
 * metadata (RFC 9728 §5.1), so a client that has no token yet learns where
 * to get one.
 *
 * @param {import('express').Response} res
 * @param {number} status
 * @param {string} metadataURL
 * @param {{ error?: string, description: string, scope?: string[] }} problem
 *   no `error` when the request carried no token at all (RFC 6750 §3.1)
 */
function challenge(res, status, metadataURL, { error, description, scope }) {
  const params = [`resource_metadata=${quoted(metadataURL)}`];
  if (error) params.push(`error=${quoted(error)}`, `error_description=${quoted(description)}`);
  if (scope) params.push(`scope=${quoted(scope.join(' '))}`);
  res
    .status(status)
    .set('WWW-Authenticate', `Bearer ${params.join(', ')}`)
    .set('Cache-Control', 'no-store')
    .json({ ...(error ? { error } : {}), error_description: description });
}

/**
 * The bearer check in front of `/mcp`. The token is read from the
 * `Authorization` header only, looked up in the example's token table, and
 * must belong to a user (the tools act for one) and carry `requiredScope`.
 * On success `req.auth` is what the MCP SDK's transport passes to the
 * tools as `authInfo`: the token, its client, its scopes, its expiry, and in
 * `extra` the user it acts for.
 *
 * @param {import('../storage/db.js').Store} db
 * @param {ResourceSettings} settings
 * @returns {import('express').RequestHandler}
 */
export function requireBearerToken(db, { metadataURL, requiredScope }) {
  return (req, res, next) => {
    if (req.query.access_token !== undefined) {
      return challenge(res, 400, metadataURL, {
        error: 'invalid_request',
        description: 'Send the access token in the Authorization header',
      });
    }
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (header === undefined || !/^Bearer(?: |$)/i.test(header)) {
      return challenge(res, 401, metadataURL, { description: 'This endpoint needs an access token' });
    }
    if (!match) {
      return challenge(res, 400, metadataURL, { error: 'invalid_request', description: 'Malformed Bearer credentials' });
    }

    const token = match[1];
    const stored = db.accessTokens.find(token);
    if (!stored || stored.revokedAt !== null || stored.expiresAt === null || stored.expiresAt <= now()) {
      return challenge(res, 401, metadataURL, {
        error: 'invalid_token',
        description: 'The access token is unknown, expired or revoked',
      });
    }
    if (stored.userId === null) {
      return challenge(res, 403, metadataURL, {
        error: 'insufficient_scope',
        description: 'This token belongs to a client acting for itself, not to a user',
        scope: requiredScope,
      });
    }
    if (!requiredScope.every((s) => stored.scope.includes(s))) {
      return challenge(res, 403, metadataURL, {
        error: 'insufficient_scope',
        description: `This endpoint needs the scope ${requiredScope.join(' ')}`,
        scope: requiredScope,
      });
    }

    /** @type {import('@modelcontextprotocol/sdk/server/auth/types.js').AuthInfo} */
    const auth = {
      token,
      clientId: stored.clientId,
      scopes: stored.scope,
      expiresAt: stored.expiresAt,
      extra: { userId: stored.userId },
    };
    /** @type {any} */ (req).auth = auth;
    next();
  };
}
