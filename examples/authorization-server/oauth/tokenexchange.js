/**
 * Token exchange (RFC 8693), used here for down-scoping: a client trades
 * one of its access tokens for a new one with fewer scopes, to hand to a
 * less trusted component. oauth2orize's `exchange.tokenExchange` checks the
 * request's shape; this callback decides.
 *
 * @module tokenexchange
 */
import oauth2orize from 'oauth2orize';
import { now } from '../storage/db.js';
import { assertGrantAllowed } from './exchanges.js';
import { issueTokens, requestedScope } from './tokens.js';

const { TokenError, TOKEN_EXCHANGE_GRANT_TYPE } = oauth2orize;

/** The token type URI of an access token (RFC 8693 §3). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Register the token exchange grant on `server`.
 *
 * Rules: the subject token must be an active access token issued to the
 * same client; the new token's scope must be within it (default: the same);
 * `audience` and `resource` are refused (this server protects one API).
 * The new token belongs to the same grant, so revoking the grant revokes it.
 *
 * @param {any} server an oauth2orize server
 * @param {import('../storage/db.js').Store} db
 */
export function registerTokenExchange(server, db) {
  server.exchange(
    oauth2orize.exchange.tokenExchange(
      /** @param {import('oauth2orize').TokenExchangeContext<import('../storage/db.js').Client>} req */
      async ({ client, subjectToken, subjectTokenType, audience, resource, scope, requestedTokenType }) => {
        assertGrantAllowed(client, TOKEN_EXCHANGE_GRANT_TYPE);
        if (subjectTokenType !== ACCESS_TOKEN_TYPE) {
          throw new TokenError('Only access tokens can be exchanged here', 'invalid_request');
        }
        if (requestedTokenType !== undefined && requestedTokenType !== ACCESS_TOKEN_TYPE) {
          throw new TokenError('Only access tokens are issued here', 'invalid_request');
        }
        if (audience.length > 0 || resource.length > 0) {
          throw new TokenError('This server protects one API: leave out audience and resource', 'invalid_target');
        }
        const stored = db.accessTokens.find(subjectToken);
        const active =
          stored && stored.clientId === client.id && stored.revokedAt === null && stored.expiresAt !== null && stored.expiresAt > now();
        // A falsy answer is invalid_request: the subject token is invalid or not acceptable.
        if (!active) return null;
        const granted = scope ? requestedScope(scope) : stored.scope;
        const extra = granted.find((s) => !stored.scope.includes(s));
        if (extra !== undefined) throw new TokenError(`Scope ${extra} is not in the subject token`, 'invalid_scope');

        const { accessToken, params } = issueTokens(db, {
          clientId: client.id,
          userId: stored.userId,
          scope: granted,
          grantId: stored.grantId,
          withRefreshToken: false,
        });
        return { accessToken, issuedTokenType: ACCESS_TOKEN_TYPE, expiresIn: params.expires_in, scope: params.scope };
      },
    ),
  );
}
