import { AuthorizationError } from '../errors/authorizationerror.js';
import { merge } from '../lib/merge.js';
import { call, once, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { fragment } from '../response/fragment.js';
import { authorizationParser, deniedParams, grantErrorHandler, modeTable, pickMode, type GrantOptions } from './authorizationResponse.js';
import type { GrantModule } from '../types.js';
import type { AuthorizationRequest, AuthorizationResponse, OAuth2Transaction, ParserRequest, Bivariant } from '../types.js';
import { profileOf } from '../settings/profile.js';
import type { OptionTable } from '../lib/checkOptions.js';
import { GRANT_OPTIONS } from './grantOptions.js';
import { shapeError, TOKEN_RENAMES } from '../lib/respond.js';

/** Options of {@link grant.token}. */
export type TokenGrantOptions = GrantOptions;

/** `done(err, accessToken, params)` of the token grant's `issue`; a falsy token denies. */
export type IssueTokenCallback = (err?: unknown, accessToken?: string | false | null, params?: Record<string, unknown>) => void;

/** The context object of the Promise form of {@link grant.token}'s `issue`. */
export interface IssueTokenContext<Client = any, User = any> {
  /** The client the token is for. */
  client: Client;
  /** The user who allowed the request. */
  user: User;
  /** The decision (`ares`): what the user granted, such as `scope`. */
  ares: AuthorizationResponse;
  /** The parsed authorization request. */
  areq: AuthorizationRequest;
  /** The transaction's `locals`. */
  locals: Record<string, unknown> | undefined;
  /** The whole transaction. */
  txn: OAuth2Transaction<Client, User>;
}

/**
 * `issue` callback of {@link grant.token}. 1.x chooses the form by arity:
 * `(client, user, done)`, then `ares`, `areq` and `locals` are added before
 * `done` for arities 4, 5 and 6; the arity-1 form
 * `async ({ client, user, ares, areq, locals, txn }) => accessToken` returns
 * the token (or `{ accessToken, params }`). Each position carries every role
 * it has in some arity, so unannotated callbacks are typed in every form.
 */
export type IssueToken<Client = any, User = any> = Bivariant<(
  client: Client & IssueTokenContext<Client, User>,
  user: User,
  ares: AuthorizationResponse & IssueTokenCallback,
  areq: AuthorizationRequest & IssueTokenCallback,
  locals: Record<string, unknown> & IssueTokenCallback,
  done: IssueTokenCallback,
) => unknown>;

/**
 * `issue` as 1.x calls it: `(client, user, done)`, adding `ares`, `areq` and
 * `locals` (arities 4 to 6). The context form also gets the transaction; its
 * result is the access token, or `{ accessToken, params }`.
 */
const ISSUE = shape({
  positional: ['client', 'user'],
  extras: ['ares', 'areq', 'locals'],
  values: ['client', 'user', 'ares', 'areq', 'locals', 'txn'],
  result(value: unknown, issued: IssueTokenCallback) {
    if (value && typeof value === 'object') {
      const v = value as { accessToken?: string; params?: Record<string, unknown> };
      if (!('accessToken' in v) && !('params' in v)) {
        return issued(shapeError('an object that names no token', 'a string, or { accessToken, params? }', v, TOKEN_RENAMES));
      }
      return issued(null, v.accessToken, v.params);
    }
    issued(null, value as string | false | null | undefined);
  },
});

/** `(options?, issue)`. */
/** What each option of {@link token} accepts. */
const TOKEN_OPTIONS = GRANT_OPTIONS satisfies OptionTable<TokenGrantOptions>;

const TOKEN_ARGS: FactoryArgs = { callbacks: ['oauth2orize.token grant requires an issue callback'], options: { name: 'oauth2orize.grant.token', table: TOKEN_OPTIONS } };

/**
 * The implicit grant (`response_type=token`). Once the user approves, `issue`
 * creates an access token and the user agent is redirected back with it in
 * the fragment, with `token_type` (default `Bearer`) and `state`. Also
 * exported as `grant.implicit`.
 *
 * No redirect URI is passed to `issue`: the app must have checked it against
 * the client's registration in `validate`.
 *
 * Under the hardened profile (`createServer({ hardened: true })`) the grant
 * refuses every request with `unsupported_response_type` unless
 * `hardened: { allowImplicit: true }`: RFC 9700 §2.1.2 advises against it.
 *
 * @example
 * ```ts
 * server.grant(oauth2orize.grant.token((client, user, ares, done) => {
 *   done(null, tokens.issue(client, user, ares.scope), { expires_in: 3600 });
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.2
 */
export function token<Client = any, User = any>(options: TokenGrantOptions, issue: IssueToken<Client, User>): GrantModule<Client, User>;
export function token<Client = any, User = any>(issue: IssueToken<Client, User>): GrantModule<Client, User>;
export function token(options: any, issue?: any): GrantModule {
  const [opts, fn] = optionsFirst<TokenGrantOptions>(TOKEN_ARGS, [options, issue]);
  const issueToken = prepare(ISSUE, fn);
  const lookup = modeTable('fragment', fragment, opts.modes, opts.responseModes);
  const parse = authorizationParser(opts.scopeSeparator, opts.responseModes);

  const mod: GrantModule = {
    name: 'token',
    request: function request(req: ParserRequest) {
      const profile = profileOf(req);
      // RFC 9700 §2.1.2: the implicit grant SHOULD NOT be used.
      if (profile && !profile.allowImplicit) throw new AuthorizationError('Unsupported response type: token', 'unsupported_response_type');
      return parse(req);
    },
    response(txn: OAuth2Transaction, res, complete: (cb: (err?: unknown) => void) => void, next) {
      const picked = pickMode(txn, 'fragment', lookup);
      if (!picked.respond) return next(picked.error);
      const respond = picked.respond;
      if (!txn.res || !txn.res.allow) return respond(txn, res, deniedParams(txn));

      const issued = once<Parameters<IssueTokenCallback>>((err, accessToken, params) => {
        if (err) return next(err);
        if (!accessToken) return next(new AuthorizationError('Request denied by authorization server', 'access_denied'));
        const tok: Record<string, unknown> = { access_token: accessToken };
        merge(tok, params);
        if (!tok.token_type) tok.token_type = 'Bearer';
        if (txn.req && txn.req.state) tok.state = txn.req.state;
        complete((err) => {
          if (err) return next(err);
          respond(txn, res, tok);
        });
      });
      call(issueToken, issued, next, txn.client, txn.user, txn.res, txn.req, txn.locals, txn);
    },
    error: grantErrorHandler('fragment', lookup),
  };
  // Read by the metadata endpoint (RFC 8414) through server.grant().
  const metadata: Record<string, unknown> = { response_types_supported: ['token'], grant_types_supported: ['implicit'] };
  if (opts.responseModes) metadata.response_modes_supported = [...opts.responseModes];
  (mod as GrantModule & { metadata: Record<string, unknown> }).metadata = metadata;
  return mod;
}
