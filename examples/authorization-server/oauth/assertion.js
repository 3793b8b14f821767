/**
 * Client authentication with `private_key_jwt` (RFC 7523 §2.2) for the
 * demo service client: oauth2orize's `server.authenticateClient()` checks
 * the assertion's shape and the one-method rule, then calls `verify`, which
 * checks the signature with jose against the client's registered public key.
 * A `jti` is accepted once until the assertion expires (replay protection),
 * remembered in the state's `ReplayStore` (infra/state.js: Redis with
 * `REDIS_URL`, so that no instance accepts it again).
 *
 * @module assertion
 */
import { createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { JWT_CLIENT } from '../storage/demo.js';
import { FAPI_CLIENT } from './fapi2.js';

/** Most `jti` values remembered; the oldest are forgotten first. */
const MAX_JTI = 10_000;

/**
 * The `assertion` option of `server.authenticateClient()` (endpoints.js):
 * the accepted algorithm, the `jti` replay check and `verify`.
 *
 * @param {import('../storage/db.js').Store} db where the client is registered
 * @param {string} issuer this server's origin: assertions must name it (or an
 *   endpoint URL) in `aud`
 * @param {import('oauth2orize').ReplayStore} [replay] where used `jti` values
 *   are remembered; default a bounded map of this process
 */
export function clientAssertionOptions(db, issuer, replay) {
  /** The registered public key of each client that authenticates with private_key_jwt. */
  const keys = new Map([JWT_CLIENT, FAPI_CLIENT].map((c) => [c.id, createPublicKey({ key: { ...c.publicJwk }, format: 'jwk' })]));
  /** @type {Map<string, number>} `clientId:jti` -> expiry (epoch seconds) */
  const seen = new Map();
  const audience = [issuer, `${issuer}/token`, `${issuer}/revoke`, `${issuer}/par`, `${issuer}/device_authorization`];

  return {
    algorithms: ['ES256'],
    /** @param {{ jti: string, exp: number, clientId: string }} ctx */
    jti: ({ jti, exp, clientId }) => {
      const now = Date.now() / 1000;
      // Kept until the assertion expires, plus a minute of clock skew.
      if (replay) return replay.claimOnce(`assertion|${clientId}|${jti}`, Math.max(1, Math.ceil(exp - now) + 60));
      for (const [k, e] of seen) if (e < now) seen.delete(k);
      const id = `${clientId}:${jti}`;
      if (seen.has(id)) return false;
      if (seen.size >= MAX_JTI) {
        const oldest = seen.keys().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
      seen.set(id, exp);
      return true;
    },
    /** @param {{ clientId: string, assertion: string }} ctx */
    verify: async ({ clientId, assertion }) => {
      const key = keys.get(clientId);
      if (!key) return null; // invalid_client
      // clockTolerance: FAPI 2.0 has servers accept iat and nbf up to 10 s ahead.
      await jwtVerify(assertion, key, { issuer: clientId, subject: clientId, audience, algorithms: ['ES256'], clockTolerance: 10 });
      return db.clients.findById(clientId) ?? null;
    },
  };
}
