/**
 * The token lifecycle endpoints' callbacks: revocation (RFC 7009) and
 * introspection (RFC 7662). oauth2orize's `server.revocation()` and
 * `server.introspection()` parse the request and write the response; these
 * functions only consult the database.
 *
 * @module lifecycle
 */
import { introspectionClaims } from './dpop.js';
import { now } from '../storage/db.js';

/**
 * @typedef {import('../storage/db.js').Client} Client
 * @typedef {import('../storage/db.js').Store} Store
 * @typedef {import('../storage/db.js').StoredToken} StoredToken
 */

/**
 * The stored access or refresh token for `token`, whichever table has it.
 * The hint only says where to look first (RFC 7009 §2.1).
 *
 * @param {Store} db
 * @param {string} token
 * @param {string | undefined} hint `access_token` or `refresh_token`
 * @returns {{ kind: 'access_token' | 'refresh_token', stored: StoredToken } | undefined}
 */
function findToken(db, token, hint) {
  const order = hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
  for (const kind of order) {
    const stored = kind === 'access_token' ? db.accessTokens.find(token) : db.refreshTokens.find(token);
    if (stored) return { kind: /** @type {'access_token' | 'refresh_token'} */ (kind), stored };
  }
  return undefined;
}

/**
 * `revoke` for `server.revocation()`: a token issued to the calling client
 * is revoked together with every token of its grant (the access and refresh
 * tokens that descend from one authorization). Anything else, an unknown
 * token or another client's, is ignored: the endpoint answers 200 either
 * way, so a client cannot probe for tokens.
 *
 * @param {Store} db
 * @param {import('oauth2orize').RefreshFamilyStore<any>} [families] where refresh
 *   tokens are kept (a refresh token revokes its family)
 */
export function revokeToken(db, families) {
  /** @param {{ client: Client, token: string, tokenTypeHint?: string }} ctx */
  return async ({ client, token, tokenTypeHint }) => {
    const found = findToken(db, token, tokenTypeHint);
    if (found && found.stored.clientId === client.id) db.revokeGrant(found.stored.grantId);
    if (found || !families) return;
    // A refresh token of a family (onetime.js): the family, then its grant's access tokens.
    const family = await families.peek(token);
    if (family && family.record.clientId === client.id) {
      await families.revoke(family.familyId);
      db.revokeGrant(family.record.grantId);
    }
  };
}

/**
 * `lookup` for `server.introspection()`: the claims of an active token, with
 * its audience (`aud`, RFC 8707). Revoked, expired, rotated-out and unknown
 * tokens are inactive (`null`). Who may see them is the `audience` option's
 * rule (oauth/endpoints.js): the client the token was issued to, or a resource
 * server in its `aud` (RFC 7662 §4: a caller learns nothing about the tokens
 * of others).
 *
 * @param {Store} db
 */
export function introspectToken(db) {
  /** @param {{ token: string, tokenTypeHint?: string }} ctx */
  return async ({ token, tokenTypeHint }) => {
    const found = findToken(db, token, tokenTypeHint);
    if (!found) return null;
    const { kind, stored } = found;
    if (stored.revokedAt !== null || stored.usedAt != null) return null;
    if (stored.expiresAt !== null && stored.expiresAt <= now()) return null;
    const user = stored.userId === null ? undefined : db.users.findById(stored.userId);
    return {
      scope: stored.scope.join(' '),
      client_id: stored.clientId,
      token_type: kind === 'access_token' ? 'Bearer' : 'refresh_token',
      ...(stored.expiresAt !== null ? { exp: stored.expiresAt } : {}),
      ...(stored.resource.length > 0 ? { aud: stored.resource } : {}),
      ...(user ? { sub: String(user.id), username: user.username } : {}),
      // A DPoP-bound access token: token_type DPoP and cnf.jkt (RFC 9449 §6.2).
      ...(kind === 'access_token' ? introspectionClaims(db, token) : {}),
    };
  };
}
