/**
 * The JWT bearer grant (RFC 7523 §2.1): a client trades an assertion that a
 * trusted identity provider signed about a user for an access token for that
 * user, with no browser involved. oauth2orize's `exchange.jwtBearer` checks the
 * request and the assertion's shape (present once, a compact JWS, no `alg:
 * none`); this callback checks the rest with jose: the signature against the
 * provider's registered key, `iss`, `aud` naming this server, `exp`, an age of
 * at most five minutes, and a `jti` not seen before. No refresh token: the
 * client comes back with a new assertion.
 *
 * @module jwtbearer
 */
import { createPublicKey } from 'node:crypto';
import oauth2orize from 'oauth2orize';
import { jwtVerify } from 'jose';
import { DEMO_IDP } from '../storage/demo.js';
import { assertGrantAllowed } from './exchanges.js';
import { issueTokens, newGrantId, requestedScope, unknownScope } from './tokens.js';

const { TokenError } = oauth2orize;

/** The grant type, as clients send it in `grant_type`. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Most `jti` values remembered; the oldest are forgotten first. */
const MAX_JTI = 10_000;

/**
 * Register the JWT bearer grant on `server`.
 *
 * @param {any} server the oauth2orize server
 * @param {import('../storage/db.js').Store} db
 * @param {string} issuer this server's origin: assertions must name it (or its
 *   token endpoint) in `aud`
 * @param {import('oauth2orize').ReplayStore} [replay] where used `jti` values are
 *   remembered (infra/state.js); default a bounded map of this process
 */
export function registerJwtBearer(server, db, issuer, replay) {
  const key = createPublicKey({ key: { ...DEMO_IDP.publicJwk }, format: 'jwk' });
  /** @type {Map<string, number>} `jti` -> expiry (epoch seconds) */
  const seen = new Map();

  server.exchange(
    oauth2orize.exchange.jwtBearer(
      /** @param {import('oauth2orize').JwtBearerContext<import('../storage/db.js').Client>} ctx */
      async ({ client, assertion, claims, scope }) => {
        // The hardened token endpoint already refused a request without a client.
        if (!client) throw new TokenError('Client authentication failed', 'invalid_client');
        assertGrantAllowed(client, JWT_BEARER_GRANT_TYPE);
        // The claims are not verified yet: they only say which key to try.
        if (claims.iss !== DEMO_IDP.issuer) return null; // invalid_grant
        // A jose error (bad signature, expired, wrong audience) becomes invalid_grant.
        const { payload } = await jwtVerify(assertion, key, {
          issuer: DEMO_IDP.issuer,
          audience: [issuer, `${issuer}/token`],
          algorithms: ['ES256'],
          maxTokenAge: '5m',
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        });
        const fresh = replay
          ? await replay.claimOnce(`jwt-bearer|${payload.jti}`, Math.max(1, Math.ceil(Number(payload.exp) - Date.now() / 1000) + 60))
          : remember(seen, String(payload.jti), Number(payload.exp));
        if (!fresh) {
          throw new TokenError('Assertion already used', 'invalid_grant');
        }
        const user = db.users.findByUsername(String(payload.sub));
        if (!user) return null;
        const granted = requestedScope(scope);
        const unknown = unknownScope(granted);
        if (unknown !== undefined) throw new TokenError(`Unknown scope: ${unknown}`, 'invalid_scope');
        const { accessToken, params } = issueTokens(db, {
          clientId: client.id,
          userId: user.id,
          scope: granted,
          grantId: newGrantId(),
          withRefreshToken: false,
        });
        return { accessToken, params };
      },
    ),
  );
}

/**
 * Record `jti` until `exp`; false when it is already recorded (a replay).
 *
 * @param {Map<string, number>} seen
 * @param {string} jti
 * @param {number} exp
 */
function remember(seen, jti, exp) {
  const now = Date.now() / 1000;
  for (const [k, e] of seen) if (e < now) seen.delete(k);
  if (seen.has(jti)) return false;
  if (seen.size >= MAX_JTI) {
    const oldest = seen.keys().next().value;
    if (oldest !== undefined) seen.delete(oldest);
  }
  seen.set(jti, exp);
  return true;
}
