import { once, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { callWithTokenRequest, tokenError } from '../lib/endpoint.js';
import type { Middleware, ParamBag } from '../types.js';
import { USER_PROPERTY } from '../settings/settings.js';
import { traced, clientAnnotator } from '../diagnostics/trace.js';

/**
 * Options of {@link revocation}.
 *
 * @group Endpoints
 */
export interface RevocationOptions {
  /** The request property that holds the authenticated client. Default `'user'` (Passport). */
  userProperty?: string;
}

/**
 * The context object of the Promise form of a {@link RevokeFunction}.
 *
 * @group Endpoints
 */
export interface RevokeContext<Client = any> {
  /** The authenticated client making the request. */
  client: Client;
  /** The `token` parameter, a non-empty string. */
  token: string;
  /** The `token_type_hint` parameter (`access_token`, `refresh_token` or any other string), if sent. */
  tokenTypeHint: string | undefined;
  /** The parsed request body. */
  body: ParamBag;
}

/**
 * The application's `revoke` callback, chosen by its arity: `(client, token, done)`,
 * `(client, token, tokenTypeHint, done)`, `(client, token, tokenTypeHint, body, done)`,
 * or the arity-1 form `async ({ client, token, tokenTypeHint, body }) => void`.
 *
 * It revokes `token` if it exists **and was issued to `client`**; a token of
 * another client, or an unknown one, is left alone and the callback still
 * succeeds (RFC 7009 §2.2: 200 either way, so a client cannot probe for
 * tokens). Revoking a refresh token should also revoke the access tokens
 * issued from the same grant (RFC 7009 §2.1). To refuse a token type the
 * server cannot revoke, fail with code `unsupported_token_type`.
 *
 * @group Endpoints
 */
export type RevokeFunction<Client = any> = (
  client: Client & RevokeContext<Client>,
  token: string,
  tokenTypeHint: (string | undefined) & ((err?: unknown) => void),
  body: ParamBag & ((err?: unknown) => void),
  done: (err?: unknown) => void,
) => unknown;

/**
 * Create the token revocation endpoint middleware (RFC 7009). It reads the
 * `token` and `token_type_hint` form parameters, requires a client that
 * authenticated in front of it (Passport, or {@link clientAssertion}) and
 * calls `revoke`. It answers 200 with an empty body when `revoke` succeeds,
 * including for unknown tokens. Errors go to `next`, to be rendered by
 * `server.errorHandler()` as at the token endpoint: `invalid_request` (400)
 * for a missing or malformed `token`, `invalid_client` (401) without an
 * authenticated client, `unsupported_token_type` (400) when `revoke` fails
 * with that code.
 *
 * @example
 * ```ts
 * app.post('/revoke',
 *   passport.authenticate(['basic', 'oauth2-client-password'], { session: false }),
 *   server.revocation(async ({ client, token }) => {
 *     const found = await db.tokens.find(token);
 *     if (found && found.clientId === client.id) await db.tokens.revokeGrant(found.grantId);
 *   }),
 *   server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 * @param options revocation options
 * @param revoke revokes the token if it was issued to the client
 *
 * @group Endpoints
 */
export function revocation<Client = any>(options: RevocationOptions | undefined, revoke: RevokeFunction<Client>): Middleware;
/**
 * Create the revocation endpoint middleware with the default options.
 * @param revoke revokes the token if it was issued to the client
 *
 * @group Endpoints
 */
export function revocation<Client = any>(revoke: RevokeFunction<Client>): Middleware;
export function revocation(options: any, revoke?: any): Middleware {
  [options, revoke] = optionsFirst<RevocationOptions>(REVOCATION_ARGS, [options, revoke]);
  const userProperty: string = options.userProperty || USER_PROPERTY;
  const fn = prepare(REVOKE, revoke);

  return traced('revocation', function revocation(req, res, next) {
    const done = once((err?: unknown): void => {
      if (err) return next(withStatus(err));
      res.statusCode = 200;
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Length', 0);
      res.end();
    });
    callWithTokenRequest(fn, req, userProperty, next, done);
  }, clientAnnotator(userProperty));
}

/**
 * `revoke(client, token, done)`, adding `tokenTypeHint` (4) and `body` (5),
 * or the context form `{ client, token, tokenTypeHint, body }`. Its result is
 * nothing but "done".
 */
const REVOKE = shape({
  positional: ['client', 'token'],
  extras: ['tokenTypeHint', 'body'],
  result: (_value: unknown, done: (err?: unknown) => void) => done(),
});

/** `(options?, revoke)`. */
const REVOCATION_ARGS: FactoryArgs = { callbacks: ['oauth2orize.revocation middleware requires a revoke function'], missing: 'function' };

/**
 * An `unsupported_token_type` error built with `new TokenError(msg, code)`
 * gets 1.x's default status for unknown codes, 500; RFC 7009 §2.2.1 makes it
 * a 400.
 */
function withStatus(err: unknown): unknown {
  const e = err as { code?: unknown; status?: unknown; message?: unknown };
  if (e && e.code === 'unsupported_token_type' && (e.status === undefined || e.status === 500)) {
    return tokenError(typeof e.message === 'string' && e.message ? e.message : 'Unsupported token type', 'unsupported_token_type');
  }
  return err;
}
