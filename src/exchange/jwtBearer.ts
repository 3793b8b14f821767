import { TokenError } from '../errors/tokenerror.js';
import type { ParamBag } from '../types.js';
import type { IssuedCallback } from '../types.js';
import { once } from '../lib/callback.js';
import { POSITIVE_INTEGER, type OptionTable } from '../lib/checkOptions.js';
import { defineExchange, required, SCOPE } from './defineExchange.js';
import type { ExchangeOptions } from '../types.js';
import { clientRequired, isJoseRejection } from '../lib/endpoint.js';
import { MAX_JWS_LENGTH, parseCompactJws } from '../lib/jws.js';
import type { CompactJws } from '../types.js';
import type { ExchangeFunction } from '../types.js';
import { EXCHANGE_OPTIONS } from './exchangeOptions.js';

/** The grant type of RFC 7523 §2.1. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Options of {@link jwtBearer}. */
export interface JwtBearerOptions extends ExchangeOptions {
  /**
   * Refuse requests without an authenticated client (`invalid_client`, 401).
   * Default `false`: RFC 7523 §3.1 lets the grant be used without client authentication.
   */
  requireClient?: boolean;
  /** Longest accepted assertion, in characters. Default 16384. */
  maxLength?: number;
}

/** The context object of the Promise form of {@link jwtBearer}'s `issue`. */
export interface JwtBearerContext<Client = any> {
  /** The authenticated client, if any. */
  client: Client | undefined;
  /** The `assertion` parameter: a well-formed compact JWS, **not verified**. */
  assertion: string;
  /** Its decoded header, unverified (`alg` is a string other than `none`). */
  header: Record<string, unknown>;
  /** Its decoded claims, unverified: use them to find the key, then verify. */
  claims: Record<string, unknown>;
  /** The requested `scope`, split into an array; undefined when absent. */
  scope: string[] | undefined;
  /** The request body. */
  body: ParamBag;
  /** What the client authentication strategy passed as `info` (`req.authInfo`). */
  authInfo: unknown;
}

/**
 * `issue` callback of {@link jwtBearer}, chosen by its arity:
 * `(client, assertion, done)`, `(client, assertion, scope, done)`,
 * `(client, assertion, scope, body, done)`, `(client, assertion, scope, body, authInfo, done)`,
 * or the arity-1 form `async ({ client, assertion, header, claims, scope, body, authInfo }) => accessToken`.
 *
 * The app verifies the signature with the issuer's key and checks the claims
 * as RFC 7523 §3 requires (`iss`, `sub`, `aud` naming this server, `exp`,
 * and `jti` replay when it wants), then issues. A falsy token answers
 * `invalid_grant`, and so does an error thrown by `jose` (`ERR_JW...` codes).
 */
export type JwtBearerIssue<Client = any> = (
  client: Client & JwtBearerContext<Client>,
  assertion: string,
  scope: (string[] | undefined) & IssuedCallback,
  body: ParamBag & IssuedCallback,
  authInfo: IssuedCallback,
  done: IssuedCallback,
) => unknown;

/**
 * Exchange for the JWT bearer authorization grant (RFC 7523 §2.1),
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`. Before the app
 * sees it, the library checks that `assertion` is present, sent once, and a
 * well-formed compact JWS whose header names an `alg` other than `none`
 * (`invalid_request` when missing or repeated, `invalid_grant` when
 * malformed). The app verifies it and issues. Register with
 * `server.exchange(fn)`: the function is named after the grant type.
 *
 * @example
 * ```ts
 * import { jwtVerify } from 'jose';
 * server.exchange(oauth2orize.exchange.jwtBearer(async ({ assertion, claims, scope }) => {
 *   const key = await trustedIssuers.keyFor(claims.iss);
 *   if (!key) return null;
 *   const { payload } = await jwtVerify(assertion, key, { audience: TOKEN_ENDPOINT, issuer: String(claims.iss) });
 *   return tokens.issue(payload.sub, scope);
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 * @param options JWT bearer options (`userProperty`, `scopeSeparator`, ...)
 * @param issue verifies the assertion and issues the token
 */
export function jwtBearer<Client = any>(options: JwtBearerOptions, issue: JwtBearerIssue<Client>): ExchangeFunction;
/**
 * Create the JWT bearer grant with the default options.
 * @param issue verifies the assertion and issues the token
 */
export function jwtBearer<Client = any>(issue: JwtBearerIssue<Client>): ExchangeFunction;
export function jwtBearer(options: any, issue?: any): ExchangeFunction {
  return define(options, issue);
}

const define = defineExchange<{ requireClient: boolean; maxLength: number }>({
  options: { ...EXCHANGE_OPTIONS, requireClient: 'boolean', maxLength: POSITIVE_INTEGER } satisfies OptionTable<JwtBearerOptions>,
  factory: 'jwtBearer',
  grantType: JWT_BEARER_GRANT_TYPE,
  setup: (options: JwtBearerOptions) => ({ requireClient: options.requireClient === true, maxLength: options.maxLength || MAX_JWS_LENGTH }),
  client(client, ex) {
    if (ex.state.requireClient && !client) throw clientRequired();
    return client ? client : undefined;
  },
  params: [
    required('assertion'),
    {
      as: 'jws',
      read(_body, ex, assertion: string): CompactJws {
        const parsed = parseCompactJws(assertion, ex.state.maxLength);
        if (typeof parsed === 'string') throw new TokenError('Invalid assertion: ' + parsed, 'invalid_grant');
        return parsed;
      },
    },
    SCOPE,
  ],
  issue: {
    positional: ['client', 'assertion'],
    extras: ['scope', 'body', 'authInfo'],
    context: (client, assertion, jws: CompactJws, scope, body, authInfo) => ({ client, assertion, header: jws.header, claims: jws.claims, scope, body, authInfo }),
  },
  invalid: 'Invalid assertion',
  // A verification failure thrown by `jose` is the client's bad assertion.
  respond: (responder) => once<Parameters<IssuedCallback>>((err, ...rest) =>
    isJoseRejection(err) ? responder(new TokenError('Invalid assertion', 'invalid_grant', undefined, undefined, { cause: err })) : responder(err, ...rest)),
});
