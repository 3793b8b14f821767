/**
 * Authorization codes and refresh tokens on oauth2orize's one-time blocks
 * (infra/state.js): codes issued into an `AuthorizationCodeStore` and
 * redeemed through `redeemCodes` (one winner, however many instances; a
 * replay of a valid code revokes what it issued), refresh tokens minted by
 * a `RefreshFamilyStore` and rotated through `rotateRefreshTokens` (one
 * rotation; the parent presented again within the grace window gets the
 * same answer; any other reuse revokes the family and its access tokens).
 * Access tokens stay in SQLite, tied to the grant by `grantId`.
 *
 * @module onetime
 */
import oauth2orize, { redeemCodes, rotateRefreshTokens } from 'oauth2orize';
import { assertGrantAllowed, narrowedAudience } from './exchanges.js';
import { CODE_TTL, REFRESH_TOKEN_TTL, issueTokens, requestedScope } from './tokens.js';
import { bindAccessToken, requireProof } from './dpop.js';

const { TokenError } = oauth2orize;

/**
 * @typedef {import('../storage/db.js').Client} Client
 * @typedef {import('../storage/db.js').Store} Store
 * @typedef {import('../infra/state.js').OneTimeState} OneTimeState
 * @typedef {{ clientId: string, userId: number, redirectURI: string | null, scope: string[],
 *   codeChallenge: string | null, codeChallengeMethod: string | null, grantId: string,
 *   dpopJkt?: string | null, issuedAt?: number, resource?: string[] }} CodeRecord
 * @typedef {{ clientId: string, userId: number, scope: string[], grantId: string, dpopJkt?: string | null, resource?: string[] }} FamilyRecord
 * @typedef {{ jkt: string } | undefined} Proof
 */

/**
 * Issue a code for `record` (the authorization endpoint's grant).
 *
 * @param {OneTimeState} state
 * @param {CodeRecord} record
 * @returns {Promise<string>}
 */
export function issueCode(state, record) {
  return state.codes.issue(record, CODE_TTL);
}

/**
 * An access token in SQLite and, when asked for (and a user is involved), the
 * first refresh token of a new family.
 *
 * @param {Store} db
 * @param {OneTimeState} state
 * @param {{ clientId: string, userId: number | null, scope: string[], grantId: string, withRefreshToken: boolean, dpopJkt?: string | null, resource?: string[], grantedResource?: string[] }} grant
 *   `dpopJkt`: the key the family's refresh tokens are bound to (RFC 9449 §5), if any;
 *   `resource`: the access token's audience (RFC 8707), `grantedResource` every resource of
 *   the grant, kept with the family (default `resource`)
 * @returns {Promise<{ accessToken: string, refreshToken?: string, params: { expires_in: number, scope?: string }, familyId?: string }>}
 */
export async function issueGrantTokens(db, state, { clientId, userId, scope, grantId, withRefreshToken, dpopJkt = null, resource = [], grantedResource = resource }) {
  const { accessToken, params } = issueTokens(db, { clientId, userId, scope, grantId, withRefreshToken: false, resource });
  if (!withRefreshToken || userId === null) return { accessToken, params };
  /** @type {FamilyRecord} */
  const record = { clientId, userId, scope, grantId, dpopJkt, resource: grantedResource };
  const { familyId, refreshToken } = await state.families.start(record, REFRESH_TOKEN_TTL);
  return { accessToken, refreshToken, params, familyId };
}

/**
 * Register grant_type=authorization_code.
 *
 * @param {any} server an oauth2orize server
 * @param {Store} db
 * @param {OneTimeState} state
 */
export function registerCodeExchange(server, db, state) {
  const redeem = redeemCodes(state.codes, {
    /**
     * Checked before the code is redeemed: a request from another client,
     * with another redirect_uri, or from demo-dpop without a proof neither
     * burns the code nor revokes anything.
     * @param {CodeRecord} record
     * @param {{ client: Client, redirectURI: string | undefined, body: Record<string, unknown>, dpop: Proof }} ctx
     */
    check: (record, { client, redirectURI, body, dpop }) => {
      assertGrantAllowed(client, 'authorization_code');
      requireProof(client, dpop);
      if (record.clientId !== client.id) return false;
      // RFC 8707 §2.2: only resources of the grant (invalid_target, before the code is burned).
      narrowedAudience(body, record.resource ?? []);
      // RFC 6749 §4.1.3: repeat the authorization request's redirect_uri, if it had one.
      return record.redirectURI !== null
        ? redirectURI === record.redirectURI
        : redirectURI === undefined || client.redirectURIs.includes(redirectURI);
    },
    /**
     * @param {CodeRecord} record
     * @param {{ client: Client, dpop: Proof, body: Record<string, unknown> }} ctx
     */
    issue: async (record, { client, dpop, body }) => {
      const tokens = await issueGrantTokens(db, state, {
        resource: narrowedAudience(body, record.resource ?? []),
        grantedResource: record.resource ?? [],
        clientId: client.id,
        userId: record.userId,
        scope: record.scope,
        grantId: record.grantId,
        withRefreshToken: client.grantTypes.includes('refresh_token'),
        // RFC 9449 §5: a public client's refresh tokens are bound to its key.
        dpopJkt: dpop && client.isPublic ? dpop.jkt : null,
      });
      bindAccessToken(db, tokens.accessToken, dpop);
      const { familyId, ...answer } = tokens;
      // What a replay of this code revokes: ids only.
      return { ...answer, issued: { grantId: record.grantId, familyId: familyId ?? null } };
    },
    /** @param {{ grantId: string, familyId: string | null }} issued */
    revoke: async ({ grantId, familyId }) => {
      if (familyId) await state.families.revoke(familyId);
      db.revokeGrant(grantId);
    },
  });
  // exchange.code verifies code_verifier against the record's challenge (lookup) before issue runs.
  server.exchange(oauth2orize.exchange.code({ pkce: { lookup: redeem.lookup } }, redeem.issue));
}

/**
 * Register grant_type=refresh_token.
 *
 * @param {any} server an oauth2orize server
 * @param {Store} db
 * @param {OneTimeState} state
 */
export function registerRefreshExchange(server, db, state) {

  // dpopBinding: a family bound to a key is refreshed only with a proof by that key.
  const dpopBinding = async (/** @type {{ refreshToken: string }} */ { refreshToken }) => {
    const found = await state.families.peek(refreshToken);
    return (found && /** @type {FamilyRecord} */ (found.record).dpopJkt) || null;
  };
  server.exchange(
    oauth2orize.exchange.refreshToken({ dpopBinding },
      rotateRefreshTokens(state.families, {
        /**
         * @param {FamilyRecord} record
         * @param {{ client: Client, scope: string[] | undefined, body: Record<string, unknown>, dpop: Proof }} ctx
         */
        check: (record, { client, scope, body, dpop }) => {
          assertGrantAllowed(client, 'refresh_token');
          requireProof(client, dpop);
          if (record.clientId !== client.id) return false;
          // RFC 8707 §2.2: a refresh may narrow the audience to resources of the grant.
          narrowedAudience(body, record.resource ?? []);
          // RFC 6749 §6: a refresh may narrow the scope, never widen it.
          const extra = scope ? requestedScope(scope).find((s) => !record.scope.includes(s)) : undefined;
          if (extra !== undefined) throw new TokenError(`Scope ${extra} was not granted originally`, 'invalid_scope');
          return true;
        },
        /**
         * A new access token; the response carries the family's new refresh token.
         * @param {FamilyRecord} record
         * @param {{ client: Client, scope: string[] | undefined, dpop: Proof, body: Record<string, unknown> }} ctx
         */
        issue: async (record, { client, scope, dpop, body }) => {
          const { accessToken, params } = issueTokens(db, {
            resource: narrowedAudience(body, record.resource ?? []),
            clientId: client.id,
            userId: record.userId,
            scope: scope ? requestedScope(scope) : record.scope,
            grantId: record.grantId,
            withRefreshToken: false,
          });
          bindAccessToken(db, accessToken, dpop);
          return { accessToken, params };
        },
        // A reuse outside the grace window: the store has revoked the
        // family's refresh tokens; its access tokens go too.
        /**
         * @param {string} _familyId
         * @param {FamilyRecord} record
         */
        revokeFamily: async (_familyId, record) => {
          db.revokeGrant(record.grantId);
        },
      }),
    ),
  );
}
