/**
 * The oauth2orize server: client (de)serialization, the two grants
 * (authorization code, implicit), and the callbacks
 * behind the authorization endpoint (`validate`, `immediate`, the decision's
 * `parse` and `complete`). The token endpoint's exchanges are in
 * `exchanges.js`.
 *
 * @module oauth2
 */
import oauth2orize from 'oauth2orize';
import { registerExchanges } from './exchanges.js';
import { dpopOption } from './dpop.js';
import { fapi2ServerOptions } from './fapi2.js';
import { registerTokenExchange } from './tokenexchange.js';
import { registerJwtBearer } from './jwtbearer.js';
import { issueTokens, newGrantId, requestedScope, unknownScope } from './tokens.js';
import { issueCode as issueCodeIn } from './onetime.js';
import { redirectURIMatches } from '../mcp/clients.js';

const { AuthorizationError } = oauth2orize;

/**
 * @typedef {import('../storage/db.js').Client} Client
 * @typedef {import('../storage/db.js').User} User
 */

/**
 * Build the oauth2orize server for this example.
 *
 * The server runs oauth2orize's hardened profile (RFC 9700): PKCE with S256
 * required of every client (checked by `grant.code` and `exchange.code`),
 * `iss` on every authorization response (RFC 9207), internal error
 * messages hidden, RFC 6749 §5.2 statuses, 32-character transaction IDs,
 * and the implicit and password grants refused unless turned on.
 *
 * @param {import('../storage/db.js').Store} db
 * @param {{ issuer: string, implicit?: boolean, password?: boolean, store?: import('oauth2orize').TransactionStore, state: import('../infra/state.js').OneTimeState, fapi2?: boolean }} options
 *   `issuer`: this server's origin (sent as `iss`); `implicit`, `password`:
 *   turn on the implicit grant (response_type=token) or the password grant,
 *   which RFC 9700 says not to use, so both are off by default; `store`:
 *   transactions elsewhere than in the session (Redis, see infra/redis.js);
 *   `state`: codes and refresh-token families (infra/state.js)
 *   `findClient`: the client lookup when it knows more than the database's
 *   rows (client ID metadata documents, see mcp/clients.js)
 * @param {{ findClient?: import('../mcp/clients.js').FindClient }} [more]
 */
export function createOAuth2Server(db, { issuer, implicit = false, password = false, store, state, fapi2 = false }, { findClient = async (id) => db.clients.findById(id) } = {}) {
  const server = oauth2orize.createServer({
    // FAPI2=1: the FAPI 2.0 preset (oauth/fapi2.js), which implies hardened.
    ...(fapi2 ? fapi2ServerOptions(issuer) : { issuer, hardened: { allowImplicit: implicit, allowPassword: password } }),
    // DPoP (RFC 9449) at /token and /par: see oauth/dpop.js.
    dpop: dpopOption(issuer),
    ...(store ? { store } : {}),
  });

  // Between the authorization request and the user's decision, the
  // transaction sits in the session. Only the client's id is stored there;
  // the client is read back from the database when the decision arrives, so a
  // client deleted in between is refused.
  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id, done) => findClient(id).then((client) => done(null, client ?? false), done));

  /**
   * response_type=code. With six parameters, `issue` also receives the
   * parsed request, which carries the PKCE challenge that `grant.code`
   * checked (`areq.codeChallenge`, `areq.codeChallengeMethod`): stored with
   * the code for `exchange.code` to verify. `redirectURI` is the
   * value the request sent (undefined when it sent none): the token request
   * must repeat it (RFC 6749 §4.1.3).
   *
   * @param {Client} client
   * @param {string | undefined} redirectURI
   * @param {User} user
   * @param {any} ares what the user granted: `{ allow, scope }`
   * @param {any} areq the parsed authorization request
   * @param {import('oauth2orize').IssueCodeCallback} done
   */
  function issueCode(client, redirectURI, user, ares, areq, done) {
    issueCodeIn(state, {
      clientId: client.id,
      userId: user.id,
      redirectURI: redirectURI ?? null,
      scope: ares.scope,
      codeChallenge: areq.codeChallenge ?? null,
      codeChallengeMethod: areq.codeChallengeMethod ?? null,
      grantId: newGrantId(),
      // The resources (RFC 8707) the request named, checked by oauth2orize.
      resource: areq.resource ?? [],
      // RFC 9449 §10: a code asked for with dpop_jkt (or pushed with a proof) is
      // redeemed only with that key; exchange.code checks the record's dpopJkt.
      dpopJkt: areq.dpopJkt ?? null,
      // Under FAPI2=1, exchange.code refuses a code older than 60 s.
      issuedAt: Date.now(),
    }).then((code) => done(null, code), done);
  }

  /**
   * response_type=token (implicit). The token goes straight into the
   * redirect's fragment; the implicit flow never issues a refresh token.
   *
   * @param {Client} client
   * @param {User} user
   * @param {any} ares what the user granted: `{ allow, scope }`
   * @param {import('oauth2orize').IssueTokenCallback} done
   */
  function issueImplicitToken(client, user, ares, done) {
    const { accessToken, params } = issueTokens(db, {
      clientId: client.id,
      userId: user.id,
      scope: ares.scope,
      grantId: newGrantId(),
      withRefreshToken: false,
    });
    done(null, accessToken, params);
  }

  // response_mode: `query` (the default for codes) or `form_post`, which sends the
  // answer as a self-submitting form so that it stays out of the URL, the
  // browser's history and Referer headers. The grants advertise the modes they
  // accept in the metadata (`response_modes_supported`).
  server.grant(oauth2orize.grant.code({ responseModes: ['query', 'form_post'] }, issueCode));
  // Without grant.token, response_type=token is unsupported_response_type.
  if (implicit) server.grant(oauth2orize.grant.token({ responseModes: ['fragment', 'form_post'] }, issueImplicitToken));

  registerExchanges(server, db, { password, state });
  registerTokenExchange(server, db);
  registerJwtBearer(server, db, issuer, state.replay);

  return server;
}

/**
 * The authorization endpoint's `validate` callback (two-argument form, so it
 * sees the whole parsed request). PKCE is checked by `grant.code` itself.
 *
 * Errors passed with a client and a redirect URI are sent back to the client
 * by the error handler; errors passed without them (unknown client, bad
 * redirect URI) must not be redirected and end on the error page.
 *
 * @param {import('../storage/db.js').Store} db
 * @param {import('../mcp/clients.js').FindClient} [findClient] the client
 *   lookup (default: the database's rows)
 */
export function validateAuthorizationRequest(db, findClient = async (id) => db.clients.findById(id)) {
  /**
   * @param {any} areq
   * @param {(err: Error | null, client?: Client | false, redirectURI?: string) => void} done
   */
  return function validate(areq, done) {
    findClient(areq.clientID, areq.redirectURI).then((client) => check(areq, client, done), done);
  };

  /**
   * @param {any} areq
   * @param {Client | undefined} client
   * @param {(err: Error | null, client?: Client | false, redirectURI?: string) => void} done
   */
  function check(areq, client, done) {
    if (!client) {
      return done(new AuthorizationError(`Unknown client: ${areq.clientID}`, 'unauthorized_client'));
    }

    // The redirect URI must equal a registered one exactly: no prefix or
    // wildcard matching. It may be left out only when just one is registered.
    // A public client's loopback redirect URI may name any port: native apps
    // listen on whatever port is free (RFC 8252 §7.3).
    /** @type {string} */
    let redirectURI;
    if (areq.redirectURI === undefined) {
      if (client.redirectURIs.length !== 1) {
        return done(new AuthorizationError('Missing required parameter: redirect_uri', 'invalid_request'));
      }
      redirectURI = client.redirectURIs[0];
    } else if (
      client.redirectURIs.includes(areq.redirectURI) ||
      (client.isPublic && client.redirectURIs.some((uri) => redirectURIMatches(uri, areq.redirectURI)))
    ) {
      redirectURI = areq.redirectURI;
    } else {
      return done(new AuthorizationError('The redirect_uri is not registered for this client', 'invalid_request'));
    }

    // From here on the redirect URI is trusted, so errors go back to the client.
    /** @param {string} message @param {string} code */
    const fail = (message, code) => done(new AuthorizationError(message, code), client, redirectURI);

    const grantType = areq.type === 'code' ? 'authorization_code' : 'implicit';
    if (!client.grantTypes.includes(grantType)) {
      return fail(`This client may not use response_type=${areq.type}`, 'unauthorized_client');
    }
    const unknown = unknownScope(requestedScope(areq.scope));
    if (unknown !== undefined) return fail(`Unknown scope: ${unknown}`, 'invalid_scope');

    done(null, client, redirectURI);
  }
}

/**
 * The authorization endpoint's `immediate` callback (four-argument form).
 *
 * When the user has already approved this client for every requested scope,
 * the consent page is skipped and the grant responds at once. Asking for a
 * scope not approved before shows the consent page again.
 *
 * @param {import('../storage/db.js').Store} db
 */
export function immediateApproval(db) {
  /**
   * @param {Client} client
   * @param {User} user
   * @param {string[] | undefined} scope
   * @param {(err: Error | null, allow: boolean, info?: { scope: string[] }) => void} done
   */
  return function immediate(client, user, scope, done) {
    const requested = requestedScope(scope);
    const approved = db.approvals.find(user.id, client.id);
    if (requested.every((s) => approved.includes(s))) {
      // `info` becomes the transaction's response (`ares`), like `parse` below.
      return done(null, true, { scope: requested });
    }
    done(null, false);
  };
}

/**
 * The decision's `parse` callback: what the user granted. The consent page
 * is all-or-nothing, so it is what the request asked for. Whether the user
 * allowed or denied comes from the form's `cancel` field.
 *
 * @param {any} req
 * @param {(err: Error | null, ares: { scope: string[] }) => void} done
 */
export function parseDecision(req, done) {
  done(null, { scope: requestedScope(req.oauth2.req.scope) });
}

/**
 * The decision's `complete` callback. The grant calls it once the code or
 * token has been issued, just before redirecting; it is not called when the
 * user denies. Remembering the approval here is what lets `immediate` skip
 * the consent page next time.
 *
 * @param {import('../storage/db.js').Store} db
 */
export function rememberApproval(db) {
  /**
   * @param {any} req
   * @param {any} txn
   * @param {(err?: Error) => void} done
   */
  return function complete(req, txn, done) {
    db.approvals.remember(txn.user.id, txn.client.id, txn.res.scope);
    done();
  };
}
