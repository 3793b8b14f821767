import { TokenError } from '../errors/tokenerror.js';
import type { DpopProof } from '../dpop/proof.js';
import { scopeParam } from '../lib/params.js';
import type { ParamBag } from '../types.js';
import type { IssuedCallback } from '../types.js';
import { once } from '../lib/callback.js';
import { type OptionTable } from '../lib/checkOptions.js';
import { defineExchange } from './defineExchange.js';
import type { ExchangeOptions } from '../types.js';
import { clientRequired, isAbsoluteUri, optionalString, repeatableString, requiredString, tokenError } from '../lib/endpoint.js';
import type { ExchangeFunction } from '../types.js';
import { EXCHANGE_OPTIONS } from './exchangeOptions.js';
import { shapeError } from '../lib/respond.js';

/** The grant type of RFC 8693. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Options of {@link tokenExchange}. */
export interface TokenExchangeOptions extends ExchangeOptions {
  /**
   * Refuse requests without an authenticated client (`invalid_client`, 401).
   * Default `true`; set `false` to let the app decide (RFC 8693 §2.1 makes
   * client authentication optional).
   */
  requireClient?: boolean;
}

/** A validated token exchange request (RFC 8693 §2.1). */
export interface TokenExchangeRequest {
  /** The `subject_token` parameter: the token the new one stands for. */
  subjectToken: string;
  /** An absolute URI, e.g. `urn:ietf:params:oauth:token-type:access_token`. */
  subjectTokenType: string;
  /** The `actor_token` parameter, when the request has one. */
  actorToken: string | undefined;
  /** Present exactly when `actorToken` is. */
  actorTokenType: string | undefined;
  /** `resource` values, each an absolute URI without fragment; empty when none. */
  resource: string[];
  /** `audience` values; empty when none. */
  audience: string[];
  /** The split `scope`, as the other exchanges give it. */
  scope: string[] | undefined;
  /** The `requested_token_type` parameter, when the request has one. */
  requestedTokenType: string | undefined;
}

/** The context object of the Promise form of {@link tokenExchange}'s `issue`. */
export interface TokenExchangeContext<Client = any> extends TokenExchangeRequest {
  /** The authenticated client. */
  client: Client;
  /** The request body. */
  body: ParamBag;
  /** What the client authentication strategy passed as `info` (`req.authInfo`). */
  authInfo: unknown;
  /** The request's DPoP proof (with the key's thumbprint `jkt`), when the server validated one. */
  dpop: DpopProof | undefined;
}

/** What the Promise form of {@link tokenExchange}'s `issue` resolves to. */
export interface ExchangedToken {
  /** The issued token, sent as `access_token` whatever its type (RFC 8693 §2.2.1). */
  accessToken: string;
  /** Required: the type URI of the issued token, sent as `issued_token_type`. */
  issuedTokenType: string;
  /** `token_type`; default `Bearer`. Use `N_A` for a token that is not an access token. */
  tokenType?: string;
  /** Lifetime of the issued token in seconds, sent as `expires_in`. */
  expiresIn?: number;
  /** The granted scope, when it differs from the requested one. */
  scope?: string;
  /** A refresh token, if one is issued. */
  refreshToken?: string;
  /** More response parameters. */
  params?: Record<string, unknown>;
}

/**
 * `issue` callback of {@link tokenExchange}, chosen by its arity:
 * `(client, request, done)`, `(client, request, body, done)`,
 * `(client, request, body, authInfo, done)`, where
 * `done(err, token, refreshToken?, params)` and `params.issued_token_type`
 * is required; or the arity-1 form `async ({ client, subjectToken, ... }) => ExchangedToken | null`.
 *
 * The app validates the subject (and actor) token, applies its policy and
 * issues. A falsy token answers `invalid_request` (RFC 8693 §2.2.2: invalid
 * or unacceptable tokens). Fail with `tokenError`-style codes for other
 * refusals, e.g. `invalid_target` when no token can be issued for the
 * requested audience or resource.
 */
export type TokenExchangeIssue<Client = any> = (
  client: Client & TokenExchangeContext<Client>,
  request: TokenExchangeRequest & IssuedCallback,
  body: ParamBag & IssuedCallback,
  authInfo: IssuedCallback,
  done: IssuedCallback,
) => unknown;

/** Parse and validate the RFC 8693 §2.1 parameters; throws a `TokenError`. */
export function parseTokenExchange(body: ParamBag, separators: readonly string[]): TokenExchangeRequest {
  const subjectToken = requiredString(body, 'subject_token');
  const subjectTokenType = requiredString(body, 'subject_token_type');
  if (!isAbsoluteUri(subjectTokenType)) throw tokenError('Invalid parameter: subject_token_type must be a URI', 'invalid_request');
  const actorToken = optionalString(body, 'actor_token');
  const actorTokenType = optionalString(body, 'actor_token_type');
  if (actorToken && !actorTokenType) throw tokenError('Missing required parameter: actor_token_type', 'invalid_request');
  if (!actorToken && actorTokenType) throw tokenError('Invalid parameter: actor_token_type without actor_token', 'invalid_request');
  if (actorTokenType && !isAbsoluteUri(actorTokenType)) throw tokenError('Invalid parameter: actor_token_type must be a URI', 'invalid_request');
  const requestedTokenType = optionalString(body, 'requested_token_type');
  if (requestedTokenType && !isAbsoluteUri(requestedTokenType)) throw tokenError('Invalid parameter: requested_token_type must be a URI', 'invalid_request');
  const resource = repeatableString(body, 'resource');
  for (const uri of resource) {
    // RFC 8707 §2: an absolute URI, no fragment.
    if (!isAbsoluteUri(uri) || !parsesAsUrl(uri)) throw tokenError('Invalid parameter: resource must be an absolute URI without fragment', 'invalid_target');
  }
  const audience = repeatableString(body, 'audience');
  if (audience.some((a) => a === '')) throw tokenError('Invalid parameter: audience must not be empty', 'invalid_request');
  const scope = scopeParam(body, separators, TokenError);
  return {
    subjectToken, subjectTokenType, actorToken, actorTokenType, resource, audience,
    scope: scope === '' ? undefined : scope, requestedTokenType,
  };
}

function parsesAsUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Exchange for OAuth 2.0 Token Exchange (RFC 8693),
 * `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`. The library
 * validates the request (single `subject_token`, URI-typed token types,
 * `actor_token_type` exactly with `actor_token`, repeatable `resource` and
 * `audience`) and writes the response with `issued_token_type`; the app
 * validates the tokens and issues. Register with `server.exchange(fn)`: the
 * function is named after the grant type.
 *
 * @example
 * ```ts
 * server.exchange(oauth2orize.exchange.tokenExchange(async ({ client, subjectToken, audience }) => {
 *   const subject = await tokens.verify(subjectToken);
 *   if (!subject) return null; // invalid_request
 *   return { accessToken: await tokens.issue(subject, audience), issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token', expiresIn: 300 };
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 * @param options token exchange options (`userProperty`, `scopeSeparator`, ...)
 * @param issue issues the new token for the parsed request
 */
export function tokenExchange<Client = any>(options: TokenExchangeOptions, issue: TokenExchangeIssue<Client>): ExchangeFunction;
/**
 * Create the token exchange grant with the default options.
 * @param issue issues the new token for the parsed request
 */
export function tokenExchange<Client = any>(issue: TokenExchangeIssue<Client>): ExchangeFunction;
export function tokenExchange(options: any, issue?: any): ExchangeFunction {
  return define(options, issue);
}

const define = defineExchange<{ requireClient: boolean }>({
  options: { ...EXCHANGE_OPTIONS, requireClient: 'boolean' } satisfies OptionTable<TokenExchangeOptions>,
  factory: 'tokenExchange',
  grantType: TOKEN_EXCHANGE_GRANT_TYPE,
  setup: (options: TokenExchangeOptions) => ({ requireClient: options.requireClient !== false }),
  client(client, ex) {
    if (ex.state.requireClient && !client) throw clientRequired();
    return client ? client : undefined;
  },
  params: [{ as: 'request', read: (body, ex) => parseTokenExchange(body, ex.separators) }],
  issue: {
    positional: ['client', 'request'],
    extras: ['body', 'authInfo'],
    context: (client, request: TokenExchangeRequest, _b, _c, body, authInfo) => ({ client, ...request, body, authInfo }),
    result: deliver,
  },
  invalid: 'Invalid token',
  // RFC 8693 §2.2: a falsy token is an invalid request, and the response
  // must say which type of token was issued.
  respond: (responder) => once<Parameters<IssuedCallback>>((err, accessToken, refreshToken, params) => {
    if (err) return responder(err);
    if (!accessToken) return responder(tokenError('Invalid subject or actor token', 'invalid_request'));
    if (refreshToken && typeof refreshToken === 'object') {
      params = refreshToken;
      refreshToken = null;
    }
    if (!params || typeof params.issued_token_type !== 'string' || !params.issued_token_type) {
      return responder(new Error('tokenExchange: the issue callback must give params.issued_token_type'));
    }
    responder(null, accessToken, refreshToken, params);
  }),
});

/** Token-response names a token exchange result may carry by mistake. */
const EXCHANGED_RENAMES: Readonly<Record<string, string>> = {
  access_token: 'accessToken', issued_token_type: 'issuedTokenType', token_type: 'tokenType', expires_in: 'expiresIn', refresh_token: 'refreshToken',
};

/** Turn the Promise form's result into a `done` call. */
function deliver(value: ExchangedToken | string | null | undefined | false, issued: IssuedCallback): void {
  // A bare string is a token without its required type: `issued` reports that.
  if (typeof value === 'string') return issued(null, value);
  if (!value || typeof value !== 'object') return issued(null, null);
  if (!('accessToken' in value) && !('issuedTokenType' in value) && !('refreshToken' in value) && !('params' in value)) {
    return issued(shapeError('an object that names no token', "a string, or { accessToken, issuedTokenType, tokenType?, expiresIn?, scope?, refreshToken?, params? }", value, EXCHANGED_RENAMES));
  }
  const params: Record<string, unknown> = { ...value.params };
  params.issued_token_type = value.issuedTokenType;
  if (value.tokenType) params.token_type = value.tokenType;
  if (value.expiresIn !== undefined) params.expires_in = value.expiresIn;
  if (value.scope !== undefined) params.scope = value.scope;
  issued(null, value.accessToken, value.refreshToken, params);
}
