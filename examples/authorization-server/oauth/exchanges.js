/**
 * The token endpoint's exchanges: authorization code (PKCE verified by
 * oauth2orize's `exchange.code`), client credentials, refresh token (with
 * rotation) and, when turned on, password.
 *
 * By the time an exchange runs, Passport has authenticated the client and
 * oauth2orize hands it in as the first argument. Each exchange checks that
 * the client may use its grant type.
 *
 * Refusals use `TokenError` so that the error handler answers with the
 * right OAuth error code. Calling `done(null, false)` would also work, with
 * oauth2orize's generic message.
 *
 * @module exchanges
 */
import oauth2orize from 'oauth2orize';
import { now } from '../storage/db.js';
import { checkUserPassword } from './auth.js';
import { issueTokens, newGrantId, requestedScope, unknownScope } from './tokens.js';

const { TokenError } = oauth2orize;

/**
 * @typedef {import('../storage/db.js').Client} Client
 * @typedef {import('../storage/db.js').Store} Store
 * @typedef {import('oauth2orize').IssuedCallback} IssuedCallback
 */

/** @param {string} message */
const invalidGrant = (message) => new TokenError(message, 'invalid_grant');

/**
 * A repeated form field arrives as an array; refuse anything but a string.
 * @param {unknown} value
 * @param {string} name
 */
function assertString(value, name) {
  if (typeof value !== 'string') throw new TokenError(`Invalid parameter: ${name} must be a string`, 'invalid_request');
}

/**
 * The audience of a token issued from a grant (RFC 8707 §2.2): the
 * resources the token request names, which must all have been granted, or
 * every granted resource when it names none.
 * @param {Record<string, unknown>} body the token request, whose `resource` oauth2orize has checked
 * @param {string[]} granted
 * @returns {string[]}
 */
function narrowedAudience(body, granted) {
  const requested = oauth2orize.requestedResources(body);
  if (!oauth2orize.isSubsetOf(requested, granted)) throw oauth2orize.invalidTarget('A resource was not part of the original grant');
  return requested.length > 0 ? requested : granted;
}

/**
 * @param {Client} client
 * @param {string} grantType
 */
export function assertGrantAllowed(client, grantType) {
  if (!client.grantTypes.includes(grantType)) {
    throw new TokenError(`This client may not use grant_type=${grantType}`, 'unauthorized_client');
  }
}

/**
 * Run `body` in a database transaction and report its outcome through an
 * oauth2orize `done` callback.
 *
 * `body` returns a `TokenError` rather than throwing it when a refusal must
 * still commit its writes: a code is spent even when its PKCE check fails,
 * and a replayed token revokes its family. A thrown error rolls back.
 *
 * @param {Store} db
 * @param {IssuedCallback} done
 * @param {() => Error | ReturnType<typeof issueTokens>} body
 */
function settle(db, done, body) {
  let outcome;
  try {
    outcome = db.transaction(body);
  } catch (err) {
    return done(/** @type {Error} */ (err));
  }
  if (outcome instanceof Error) return done(outcome);
  done(null, outcome.accessToken, outcome.refreshToken, outcome.params);
}

/**
 * Register the exchanges on `server`: authorization code, client
 * credentials, refresh token, and the password grant when asked for.
 *
 * @param {any} server an oauth2orize server
 * @param {Store} db
 * @param {{ password?: boolean }} [options] `password: true` registers the
 *   password grant, which RFC 9700 §2.4 says must not be used
 */
export function registerExchanges(server, db, { password = false } = {}) {
  /**
   * grant_type=authorization_code. By the time it runs, `exchange.code` has
   * checked `code_verifier` against the challenge stored with the code
   * (`lookupChallenge` below): a missing or wrong verifier, or one sent for
   * a code without a challenge, never gets here (`invalid_grant`).
   *
   * @param {Client} client the authenticated client
   * @param {string} code
   * @param {string | undefined} redirectURI the body's `redirect_uri`
   * @param {Record<string, unknown>} body the token request, for its `resource`
   * @param {IssuedCallback} done
   */
  function exchangeCode(client, code, redirectURI, body, done) {
    settle(db, done, () => {
      assertGrantAllowed(client, 'authorization_code');
      assertString(code, 'code');
      const stored = db.codes.find(code);
      if (!stored) return invalidGrant('Invalid authorization code');

      // RFC 6749 §4.1.2: a code may be used once. A second use suggests it
      // was stolen, so the tokens issued for it are revoked too.
      if (stored.usedAt !== null) {
        db.revokeGrant(stored.grantId);
        return invalidGrant('Authorization code already used; the tokens issued for it are revoked');
      }
      // Spend the code on any attempt that reaches here (the PKCE verifier
      // was right), even one refused below.
      db.codes.markUsed(code);

      if (stored.expiresAt <= now()) return invalidGrant('Authorization code expired');
      if (stored.clientId !== client.id) return invalidGrant('Authorization code was issued to another client');

      // RFC 6749 §4.1.3: the redirect_uri must repeat the one in the
      // authorization request, if that request had one.
      const redirectMatches =
        stored.redirectURI !== null
          ? redirectURI === stored.redirectURI
          : redirectURI === undefined || client.redirectURIs.includes(redirectURI);
      if (!redirectMatches) return invalidGrant('redirect_uri does not match the authorization request');

      return issueTokens(db, {
        clientId: client.id,
        userId: stored.userId,
        scope: stored.scope,
        grantId: stored.grantId,
        withRefreshToken: client.grantTypes.includes('refresh_token'),
        resource: narrowedAudience(body, stored.resource),
        grantedResource: stored.resource,
      });
    });
  }

  /**
   * Check the resource owner's password (asynchronously: scrypt runs off
   * the main thread). Resolves to the user, or to the refusal to send.
   *
   * @param {Client} client
   * @param {string} username
   * @param {string} password
   * @param {string[]} granted
   * @returns {Promise<import('../storage/db.js').User | Error>}
   */
  async function checkResourceOwner(client, username, password, granted) {
    assertGrantAllowed(client, 'password');
    assertString(username, 'username');
    assertString(password, 'password');
    const unknown = unknownScope(granted);
    if (unknown !== undefined) return new TokenError(`Unknown scope: ${unknown}`, 'invalid_scope');

    const user = await checkUserPassword(db, username, password);
    return user ?? invalidGrant('Invalid username or password');
  }

  /**
   * grant_type=password (resource owner password credentials). Kept for
   * completeness; new clients should use the code flow instead.
   *
   * @param {Client} client
   * @param {string} username
   * @param {string} password
   * @param {string[] | undefined} scope
   * @param {Record<string, unknown>} body the token request, for its `resource`
   * @param {IssuedCallback} done
   */
  function exchangePassword(client, username, password, scope, body, done) {
    const granted = requestedScope(scope);
    checkResourceOwner(client, username, password, granted).then((user) => {
      if (user instanceof Error) return done(user);
      settle(db, done, () =>
        issueTokens(db, {
          clientId: client.id,
          userId: user.id,
          scope: granted,
          grantId: newGrantId(),
          withRefreshToken: client.grantTypes.includes('refresh_token'),
          resource: oauth2orize.requestedResources(body),
        }),
      );
    }, done);
  }

  /**
   * grant_type=client_credentials: the client acting on its own behalf.
   * Every scope here is about a user, so none can be granted, and the token
   * comes without a refresh token (RFC 6749 §4.4.3).
   *
   * @param {Client} client
   * @param {string[] | undefined} scope
   * @param {Record<string, unknown>} body the token request: its `resource` values (any
   *   absolute URI, checked by oauth2orize) become the token's audience
   * @param {IssuedCallback} done
   */
  function exchangeClientCredentials(client, scope, body, done) {
    settle(db, done, () => {
      assertGrantAllowed(client, 'client_credentials');
      if (client.isPublic) throw new TokenError('Public clients cannot use client_credentials', 'unauthorized_client');
      if (scope && requestedScope(scope).length > 0) {
        throw new TokenError('No scope can be granted to a client acting for itself', 'invalid_scope');
      }
      return issueTokens(db, {
        clientId: client.id,
        userId: null,
        scope: [],
        grantId: newGrantId(),
        withRefreshToken: false,
        resource: oauth2orize.requestedResources(body),
      });
    });
  }

  /**
   * grant_type=refresh_token, with rotation: every use returns a new
   * refresh token and retires the old one. Presenting a retired token again
   * means two parties hold it, so the whole family is revoked, including the
   * copy the legitimate client holds now (RFC 9700 §4.14.2).
   *
   * @param {Client} client
   * @param {string} refreshToken
   * @param {string[] | undefined} scope
   * @param {Record<string, unknown>} body the token request: its `resource` may narrow the
   *   audience to some of the grant's resources; the new refresh token keeps them all
   * @param {IssuedCallback} done
   */
  function exchangeRefreshToken(client, refreshToken, scope, body, done) {
    settle(db, done, () => {
      assertGrantAllowed(client, 'refresh_token');
      assertString(refreshToken, 'refresh_token');
      const stored = db.refreshTokens.find(refreshToken);
      if (!stored || stored.clientId !== client.id) return invalidGrant('Invalid refresh token');
      if (stored.revokedAt !== null) return invalidGrant('Refresh token revoked');
      if (stored.usedAt !== null) {
        db.revokeGrant(stored.grantId);
        return invalidGrant('Refresh token already used; its token family is revoked');
      }
      if (stored.expiresAt !== null && stored.expiresAt <= now()) return invalidGrant('Refresh token expired');
      if (stored.userId === null) return invalidGrant('Invalid refresh token');

      // RFC 6749 §6: a refresh may narrow the scope, never widen it.
      const granted = scope ? requestedScope(scope) : stored.scope;
      const extra = granted.find((s) => !stored.scope.includes(s));
      if (extra !== undefined) throw new TokenError(`Scope ${extra} was not granted originally`, 'invalid_scope');
      const resource = narrowedAudience(body, stored.resource);

      db.refreshTokens.markUsed(refreshToken);
      return issueTokens(db, {
        clientId: client.id,
        userId: stored.userId,
        scope: granted,
        grantId: stored.grantId,
        withRefreshToken: true,
        resource,
        grantedResource: stored.resource,
      });
    });
  }

  /**
   * What `exchange.code` needs to verify PKCE: the challenge stored with the
   * code. Only its two PKCE fields are read; for an unknown code it answers
   * false, which `exchange.code` refuses with invalid_grant. Guessing a
   * verifier is bounded by the failure limit on /token (and a verifier has
   * 256 bits).
   *
   * @param {string} code
   * @param {Client} client
   * @param {(err: unknown, record?: { codeChallenge: string | null, codeChallengeMethod: string | null } | false) => void} done
   */
  function lookupChallenge(code, client, done) {
    const stored = typeof code === 'string' ? db.codes.find(code) : undefined;
    done(null, stored ? { codeChallenge: stored.codeChallenge, codeChallengeMethod: stored.codeChallengeMethod } : false);
  }

  server.exchange(oauth2orize.exchange.code({ pkce: { lookup: lookupChallenge } }, exchangeCode));
  // Without it, grant_type=password is unsupported_grant_type.
  if (password) server.exchange(oauth2orize.exchange.password(exchangePassword));
  server.exchange(oauth2orize.exchange.clientCredentials(exchangeClientCredentials));
  server.exchange(oauth2orize.exchange.refreshToken(exchangeRefreshToken));
}
