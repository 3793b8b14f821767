/**
 * Minting access and refresh tokens, and the scope rules shared by the
 * authorization and token endpoints.
 *
 * @module tokens
 */
import { DEFAULT_SCOPE, SCOPES } from '../storage/demo.js';
import { now } from '../storage/db.js';
import { randomToken } from '../infra/security.js';

/** Authorization codes live 10 minutes (RFC 6749 §4.1.2 recommends at most 10). */
export const CODE_TTL = 10 * 60;
/** Access tokens live one hour; the token response says so in `expires_in`. */
export const ACCESS_TOKEN_TTL = 60 * 60;
/** Refresh tokens live 30 days; each use replaces the token (rotation). */
export const REFRESH_TOKEN_TTL = 30 * 24 * 60 * 60;

/**
 * The scopes a request asks for: oauth2orize has already split the `scope`
 * parameter into an array. An absent scope means {@link DEFAULT_SCOPE}; blank
 * entries (from doubled spaces) and duplicates are dropped.
 *
 * @param {string[] | undefined} scope
 * @returns {string[]}
 */
export function requestedScope(scope) {
  if (!scope) return [...DEFAULT_SCOPE];
  return [...new Set(scope.filter(Boolean))];
}

/**
 * The first scope this server does not know, if any.
 * @param {string[]} scope
 * @returns {string | undefined}
 */
export function unknownScope(scope) {
  return scope.find((s) => !Object.hasOwn(SCOPES, s));
}

/**
 * Store a new access token, and optionally a refresh token, for one grant.
 *
 * `grantId` ties together every token that descends from one authorization
 * (one code, one password grant). Rotated refresh tokens keep it, so that a
 * replayed code or refresh token can revoke the whole family at once.
 *
 * @param {import('../storage/db.js').Store} db
 * @param {object} grant
 * @param {string} grant.clientId
 * @param {number | null} grant.userId
 * @param {string[]} grant.scope
 * @param {string} grant.grantId
 * @param {boolean} grant.withRefreshToken
 * @param {string[]} [grant.resource] the access token's audience (RFC 8707)
 * @param {string[]} [grant.grantedResource] the refresh token's resources:
 *   every resource of the grant, of which `resource` may be a subset
 *   (default: `resource`)
 * @returns {{ accessToken: string, refreshToken?: string, params: { expires_in: number, scope?: string } }}
 */
export function issueTokens(db, { clientId, userId, scope, grantId, withRefreshToken, resource = [], grantedResource = resource }) {
  const issuedAt = now();
  const accessToken = randomToken();
  db.accessTokens.create(accessToken, { clientId, userId, scope, grantId, resource, expiresAt: issuedAt + ACCESS_TOKEN_TTL });

  /** @type {{ expires_in: number, scope?: string }} */
  const params = { expires_in: ACCESS_TOKEN_TTL };
  if (scope.length > 0) params.scope = scope.join(' ');

  if (!withRefreshToken || userId === null) return { accessToken, params };

  const refreshToken = randomToken();
  db.refreshTokens.create(refreshToken, {
    clientId,
    userId,
    scope,
    grantId,
    resource: grantedResource,
    expiresAt: issuedAt + REFRESH_TOKEN_TTL,
  });
  return { accessToken, refreshToken, params };
}

/** A new identifier for a token family. */
export const newGrantId = randomToken;
