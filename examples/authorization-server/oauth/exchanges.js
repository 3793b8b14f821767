/**
 * The token endpoint's exchanges: client credentials and, when turned on,
 * password; authorization code (PKCE verified by oauth2orize's
 * `exchange.code`) and refresh token (with rotation) are on the one-time
 * blocks, in onetime.js.
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
import { checkUserPassword } from './auth.js';
import { issueTokens, newGrantId, requestedScope, unknownScope } from './tokens.js';
import { issueGrantTokens, registerCodeExchange, registerRefreshExchange } from './onetime.js';
import { withDpop } from './dpop.js';

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
export function narrowedAudience(body, granted) {
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
 * @param {{ password?: boolean, state: import('../infra/state.js').OneTimeState }} options
 *   `password: true` registers the password grant, which RFC 9700 §2.4 says
 *   must not be used; `state`: the code and refresh-token stores
 */
export function registerExchanges(server, db, { password = false, state }) {
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
      return issueGrantTokens(db, state, {
        clientId: client.id,
        userId: user.id,
        scope: granted,
        grantId: newGrantId(),
        withRefreshToken: client.grantTypes.includes('refresh_token'),
        resource: oauth2orize.requestedResources(body),
      }).then(({ accessToken, refreshToken, params }) => done(null, accessToken, refreshToken, params));
    }).catch(done);
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

  // authorization_code and refresh_token: on the one-time blocks (onetime.js),
  // with their DPoP bindings (oauth/dpop.js).
  registerCodeExchange(server, db, state);
  // Without it, grant_type=password is unsupported_grant_type.
  if (password) server.exchange(oauth2orize.exchange.password(exchangePassword));
  // withDpop (oauth/dpop.js): the context form, whose `dpop` binds the tokens issued to the proof's key.
  server.exchange(oauth2orize.exchange.clientCredentials(withDpop(db, exchangeClientCredentials, ['client', 'scope', 'body'])));
  registerRefreshExchange(server, db, state);
}
