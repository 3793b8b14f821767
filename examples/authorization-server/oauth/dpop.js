/**
 * DPoP (RFC 9449) in the example: the server option, the keys that codes,
 * access tokens and refresh tokens are bound to, and the protected API's
 * `DPoP` scheme.
 *
 * oauth2orize validates each proof and hands the key's thumbprint (`jkt`)
 * to the exchanges; this module keeps, per token, the `jkt` it is bound to.
 * The bindings live beside the database in memory (a real server stores
 * `jkt` in the token's own row): a restart forgets them, and then the
 * tokens it issued before must be fetched again.
 *
 * The demo client `demo-dpop` is a public client that must use DPoP: its
 * codes are bound with `dpop_jkt`, its access and refresh tokens to the
 * proof's key. Other clients may send a proof (their access tokens are then
 * bound too) or not.
 *
 * @module dpop
 */
import oauth2orize from 'oauth2orize';
import { tokenDigest } from '../infra/security.js';
import { now } from '../storage/db.js';
import { DPOP_CLIENT } from '../storage/demo.js';

const { TokenError } = oauth2orize;

/** Used when `DPOP_NONCE_SECRET` is not set. Development only. */
const DEV_NONCE_SECRET = 'oauth2orize-example-dpop-nonce-dev-secret';

/**
 * The `dpop` option of the example's server: proofs accepted at /token and
 * /par for every grant, `htu` checked against the issuer's URL, and
 * server-provided nonces (the first proof of a client is answered with
 * `use_dpop_nonce`; clients such as oauth4webapi retry with the nonce).
 *
 * @param {string} issuer this server's origin
 * @returns {import('oauth2orize').DpopOptions}
 */
export function dpopOption(issuer) {
  const secret = process.env.DPOP_NONCE_SECRET || DEV_NONCE_SECRET;
  return { baseUrl: issuer, nonce: new oauth2orize.DpopNonces({ secrets: [secret] }) };
}

/** A `jkt` per token digest, with the token's expiry (epoch seconds). */
class Bindings {
  /** @type {Map<string, { jkt: string, expiresAt: number }>} */
  #map = new Map();

  /**
   * @param {string} token a code, access token or refresh token
   * @param {string | undefined} jkt
   * @param {number} ttl seconds
   */
  bind(token, jkt, ttl) {
    if (!jkt) return;
    const at = now();
    // Drop expired bindings now and then, so that the map stays bounded by the live tokens.
    if (this.#map.size % 256 === 255) for (const [key, b] of this.#map) if (b.expiresAt <= at) this.#map.delete(key);
    this.#map.set(tokenDigest(token), { jkt, expiresAt: at + ttl });
  }

  /**
   * The `jkt` a token is bound to, if any.
   * @param {unknown} token
   * @returns {string | undefined}
   */
  jktOf(token) {
    if (typeof token !== 'string') return undefined;
    const b = this.#map.get(tokenDigest(token));
    return b && b.expiresAt > now() ? b.jkt : undefined;
  }
}

/** @type {WeakMap<object, Bindings>} */
const perDatabase = new WeakMap();

/**
 * The DPoP bindings of the tokens in `db`.
 * @param {object} db
 */
export function bindingsOf(db) {
  let b = perDatabase.get(db);
  if (!b) perDatabase.set(db, (b = new Bindings()));
  return b;
}

/** Lifetimes of the bindings, as long as the tokens': an access token, a refresh token. */
const TTL = { access: 60 * 60, refresh: 30 * 24 * 60 * 60 };

/**
 * Refuse a token request of `demo-dpop` (a client that must use DPoP) that
 * carries no proof.
 * @param {{ id: string }} client
 * @param {{ jkt: string } | undefined} dpop the proof oauth2orize validated
 */
export function requireProof(client, dpop) {
  if (!dpop && client && client.id === DPOP_CLIENT.id) throw new TokenError('This client must send a DPoP proof', 'invalid_dpop_proof');
}

/**
 * Bind an access token to the key of the request's proof, when there is one.
 * (Codes carry their `dpopJkt` in their record and refresh-token families in
 * theirs: see oauth/onetime.js.)
 * @param {object} db
 * @param {string} accessToken
 * @param {{ jkt: string } | undefined} dpop
 */
export function bindAccessToken(db, accessToken, dpop) {
  if (dpop) bindingsOf(db).bind(accessToken, dpop.jkt, TTL.access);
}

/**
 * Turn an exchange's 1.x-style `issue` (positional arguments, then `done`)
 * into the context form, which receives the validated proof as `dpop`; bind
 * the tokens it issues to the proof's key. The access token is bound
 * whenever there is a proof; the refresh token when the client is public
 * (RFC 9449 §5: a public client's refresh token is bound to its key) or the
 * refresh token it replaces was bound. `demo-dpop` must send a proof.
 *
 * @param {object} db
 * @param {Function} issue the exchange's callback
 * @param {string[]} names the context values `issue` takes, in order, before `done`
 */
export function withDpop(db, issue, names) {
  const bindings = bindingsOf(db);
  /** @param {any} ctx */
  return (ctx) => {
    const { client, dpop } = ctx;
    if (!dpop && client && client.id === DPOP_CLIENT.id) {
      return Promise.reject(new TokenError('This client must send a DPoP proof', 'invalid_dpop_proof'));
    }
    return new Promise((resolve, reject) => {
      issue(...names.map((n) => ctx[n]), (/** @type {any} */ err, /** @type {any} */ accessToken, /** @type {any} */ refreshToken, /** @type {any} */ params) => {
        if (err) return reject(err);
        if (!accessToken) return resolve(false);
        if (dpop) {
          bindings.bind(accessToken, dpop.jkt, TTL.access);
          const wasBound = ctx.refreshToken !== undefined && bindings.jktOf(ctx.refreshToken) !== undefined;
          if (refreshToken && (client.isPublic || wasBound)) bindings.bind(refreshToken, dpop.jkt, TTL.refresh);
        }
        resolve({ accessToken, refreshToken, params });
      });
    });
  };
}

/**
 * What introspection adds for a bound access token (RFC 9449 §6.2).
 * @param {object} db
 * @param {string} token
 */
export function introspectionClaims(db, token) {
  const jkt = bindingsOf(db).jktOf(token);
  return jkt ? { token_type: 'DPoP', cnf: { jkt } } : {};
}

/**
 * The protected API's front: `Authorization: DPoP` goes to oauth2orize's
 * `bearer` with DPoP required (the proof with `ath`, the token's key), which
 * then sets `req.user` and `req.authInfo` as the Passport bearer strategy
 * does; anything else goes to `bearerStrategy` (which refuses DPoP-bound
 * tokens presented as Bearer).
 *
 * @param {import('../storage/db.js').Store} db
 * @param {string} issuer this server's origin (the proofs' `htu` start with it)
 * @param {import('express').RequestHandler} bearerStrategy
 * @returns {import('express').RequestHandler}
 */
export function dpopOrBearer(db, issuer, bearerStrategy) {
  const bindings = bindingsOf(db);
  const dpop = oauth2orize.bearer({ dpop: { required: true, baseUrl: issuer } }, async (token) => {
    const stored = db.accessTokens.find(token);
    if (!stored || stored.revokedAt !== null || stored.expiresAt === null || stored.expiresAt <= now()) return null;
    const jkt = bindings.jktOf(token);
    return { client_id: stored.clientId, scope: [...stored.scope], exp: stored.expiresAt, cnf: jkt ? { jkt } : undefined };
  });
  return (req, res, next) => {
    if (!/^DPoP /i.test(req.get('authorization') ?? '')) return bearerStrategy(req, res, next);
    dpop(req, res, () => {
      const stored = db.accessTokens.find(/** @type {any} */ (req).auth.token);
      if (!stored) return next(new Error('token vanished'));
      const principal = stored.userId === null ? db.clients.findById(stored.clientId) : db.users.findById(stored.userId);
      if (!principal) return res.status(401).set('WWW-Authenticate', 'DPoP error="invalid_token"').json({ error: 'invalid_token' });
      /** @type {any} */ (req).user = principal;
      req.authInfo = /** @type {any} */ ({ scope: stored.scope, clientId: stored.clientId, userId: stored.userId });
      next();
    });
  };
}

/**
 * The same front for `/mcp`: `Authorization: DPoP` goes to oauth2orize's
 * `bearer` with DPoP required and the MCP scopes (it sets `req.auth` as the
 * MCP SDK reads it, `extra.userId` included); a DPoP-bound token sent as
 * Bearer is refused; other requests go to `bearerCheck`.
 *
 * @param {import('../storage/db.js').Store} db
 * @param {string} issuer
 * @param {{ metadataURL: string, requiredScope: string[] }} options
 * @param {import('express').RequestHandler} bearerCheck
 * @returns {import('express').RequestHandler}
 */
export function dpopOrBearerMcp(db, issuer, { metadataURL, requiredScope }, bearerCheck) {
  const bindings = bindingsOf(db);
  const dpop = oauth2orize.bearer(
    { dpop: { required: true, baseUrl: issuer }, resourceMetadata: metadataURL, scopes: requiredScope },
    async (token) => {
      const stored = db.accessTokens.find(token);
      // A client's own token (client credentials) acts for no user: not for /mcp.
      if (!stored || stored.revokedAt !== null || stored.expiresAt === null || stored.expiresAt <= now() || stored.userId === null) return null;
      const jkt = bindings.jktOf(token);
      return { client_id: stored.clientId, scope: [...stored.scope], exp: stored.expiresAt, cnf: jkt ? { jkt } : undefined, userId: stored.userId };
    },
  );
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    if (/^DPoP /i.test(header)) return dpop(req, res, next);
    const bearer = /^Bearer +(\S+) *$/i.exec(header);
    if (bearer && bindings.jktOf(bearer[1]) !== undefined) {
      return res
        .status(401)
        .set('WWW-Authenticate', `Bearer resource_metadata="${metadataURL}", error="invalid_token", error_description="A DPoP-bound token needs the DPoP scheme and a proof"`)
        .set('Cache-Control', 'no-store')
        .json({ error: 'invalid_token', error_description: 'A DPoP-bound token needs the DPoP scheme and a proof' });
    }
    bearerCheck(req, res, next);
  };
}
