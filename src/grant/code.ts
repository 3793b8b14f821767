import { AuthorizationError } from '../errors/authorizationerror.js';
import { merge } from '../lib/merge.js';
import { call, once, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { query } from '../response/query.js';
import { authorizationParser, deniedParams, grantErrorHandler, modeTable, pickMode, type GrantOptions } from './authorizationResponse.js';
import type { GrantModule } from '../types.js';
import type { AuthorizationRequest, AuthorizationResponse, OAuth2Transaction, ParserRequest, Bivariant } from '../types.js';
import { profileOf } from '../settings/profile.js';
import { challengeRequired, checkPolicy, methodsOf, parseChallenge, type PkcePolicy } from '../pkce.js';
import type { OptionTable } from '../lib/checkOptions.js';
import { GRANT_OPTIONS } from './grantOptions.js';
import { shapeError } from '../lib/respond.js';
import { carried } from '../settings/carrier.js';
import { stringParam } from '../lib/params.js';
import { isThumbprint } from '../dpop/jwk.js';

/** Options of {@link grant.code}. */
export interface CodeGrantOptions extends GrantOptions {
  /**
   * PKCE (RFC 7636) for this grant: a policy, or `false` to turn off a
   * server-wide policy. Without it (and without `createServer({ pkce })` or
   * `hardened`), `code_challenge` is not read at all, as in 1.x. With it,
   * `code_challenge` and `code_challenge_method` are checked (S256 only
   * unless `allowPlain`) and put on the request as `areq.codeChallenge` and
   * `areq.codeChallengeMethod`; store both with the code.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.4
   */
  pkce?: PkcePolicy | false;
}

/** `done(err, code)` of the code grant's `issue`; a falsy code denies. */
export type IssueCodeCallback = (err?: unknown, code?: string | false | null) => void;

/** The context object of the Promise form of {@link grant.code}'s `issue`. */
export interface IssueCodeContext<Client = any, User = any> {
  /** The client the code is for. */
  client: Client;
  /** The redirect URI from the transaction (what `validate` returned), to bind the code to. */
  redirectURI: string | undefined;
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
  /**
   * The PKCE challenge to store with the code (`areq.codeChallenge` and
   * `areq.codeChallengeMethod`), or `undefined` when the request had none.
   */
  pkce:
    | {
        /** The `code_challenge` parameter. */
        codeChallenge: string;
        /** The `code_challenge_method` parameter (`S256`, or `plain` when allowed). */
        codeChallengeMethod: string;
      }
    | undefined;
}

/**
 * `issue` callback of {@link grant.code}. 1.x chooses the form by arity:
 * `(client, redirectURI, user, done)`, then `ares`, `areq` and `locals` are
 * added before `done` for arities 5, 6 and 7; the arity-1 form
 * `async ({ client, redirectURI, user, ares, areq, locals, txn }) => code`
 * returns the code.
 *
 * The type is one signature in which each position carries every role it
 * has in some arity (position 4 is `ares` or `done`, and so on), so that a
 * callback written without annotations is typed whatever its arity.
 */
export type IssueCode<Client = any, User = any> = Bivariant<(
  client: Client & IssueCodeContext<Client, User>,
  redirectURI: string | undefined,
  user: User,
  ares: AuthorizationResponse & IssueCodeCallback,
  areq: AuthorizationRequest & IssueCodeCallback,
  locals: Record<string, unknown> & IssueCodeCallback,
  done: IssueCodeCallback,
) => unknown>;

/** The context object of the Promise form of `extend`. */
export interface ExtendCodeContext<Client = any, User = any> {
  /** The transaction, with the decision in `txn.res`. */
  txn: OAuth2Transaction<Client, User>;
}

/**
 * `extend(txn, done(err, params))`: extra parameters for the redirect. The
 * arity-1 form `async ({ txn }) => params` returns them.
 */
export type ExtendCode<Client = any, User = any> = Bivariant<(
  txn: OAuth2Transaction<Client, User> & ExtendCodeContext<Client, User>,
  done: (err?: unknown, params?: Record<string, unknown>) => void,
) => unknown>;

/**
 * `issue` as 1.x calls it: `(client, redirectURI, user, done)`, adding
 * `ares`, `areq` and `locals` (arities 5 to 7). The context form also gets
 * the transaction and the PKCE challenge; it returns the code.
 */
const ISSUE = shape({
  positional: ['client', 'redirectURI', 'user'],
  extras: ['ares', 'areq', 'locals'],
  values: ['client', 'redirectURI', 'user', 'ares', 'areq', 'locals', 'txn'],
  context: (client, redirectURI, user, ares, areq: AuthorizationRequest, locals, txn): IssueCodeContext => {
    const pkce = typeof areq.codeChallenge === 'string'
      ? { codeChallenge: areq.codeChallenge, codeChallengeMethod: typeof areq.codeChallengeMethod === 'string' ? areq.codeChallengeMethod : 'plain' }
      : undefined;
    return { client, redirectURI, user, ares, areq, locals, txn, pkce };
  },
  // A returned or resolved code is a string; anything else truthy (most
  // often `{ code }`) is refused with server_error, not sent as `code=[object Object]`.
  result(value: unknown, issued: IssueCodeCallback) {
    if (value && typeof value !== 'string') return issued(shapeError(typeof value === 'object' ? 'an object, not a code' : `a ${typeof value}, not a code`, 'the code as a string (or a falsy value to deny)', value, CODE_RENAMES));
    issued(null, value as string | false | null | undefined);
  },
});

/** Keys an object given in place of a code may have. */
const CODE_RENAMES: Readonly<Record<string, string>> = { code: 'the code itself, as a string' };

/** `extend(txn, done(err, params))`, or the context form `{ txn }`. */
const EXTEND = shape({ positional: ['txn'] });

/** `(options?, issue, extend?)`. */
/** What each option of {@link code} accepts. */
const CODE_OPTIONS = { ...GRANT_OPTIONS, pkce: ['false', 'object'] } as const satisfies OptionTable<CodeGrantOptions>;

const CODE_ARGS: FactoryArgs = { callbacks: ['oauth2orize.code grant requires an issue callback', undefined], options: { name: 'oauth2orize.grant.code', table: CODE_OPTIONS } };

/**
 * The authorization code grant (`response_type=code`). Once the user
 * approves, `issue` creates a code bound to the client, the redirect URI and
 * the user, and the user agent is redirected back with `code` and `state`.
 * Also exported as `grant.authorizationCode`.
 *
 * The `redirectURI` given to `issue` is the one from the authorization
 * request (possibly undefined); store it with the code so the token exchange
 * can check it.
 *
 * With a PKCE policy (`options.pkce`, `createServer({ pkce })` or the
 * hardened profile) the request's `code_challenge` is checked and kept as
 * `areq.codeChallenge` / `areq.codeChallengeMethod` (the names the
 * `oauth2orize-pkce` plugin uses); store both with the code and return them
 * from `exchange.code`'s `pkce.lookup`. With `response_mode` listed in
 * `options.responseModes`, `query`, `fragment` and `form_post` are built in.
 *
 * @example With PKCE
 * ```ts
 * server.grant(oauth2orize.grant.code({ pkce: { required: true } }, async ({ client, redirectURI, user, ares, areq }) => {
 *   const code = crypto.randomBytes(16).toString('base64url');
 *   await codes.save(code, { clientId: client.id, redirectURI, userId: user.id, scope: ares.scope,
 *     codeChallenge: areq.codeChallenge, codeChallengeMethod: areq.codeChallengeMethod });
 *   return code;
 * }));
 * ```
 *
 * @example
 * ```ts
 * server.grant(oauth2orize.grant.code((client, redirectURI, user, ares, done) => {
 *   const code = crypto.randomBytes(16).toString('hex');
 *   codes.save(code, { clientId: client.id, redirectURI, userId: user.id, scope: ares.scope });
 *   done(null, code);
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.4
 */
export function code<Client = any, User = any>(options: CodeGrantOptions, issue: IssueCode<Client, User>, extend?: ExtendCode<Client, User>): GrantModule<Client, User>;
export function code<Client = any, User = any>(issue: IssueCode<Client, User>, extend?: ExtendCode<Client, User>): GrantModule<Client, User>;
export function code(options: any, issue?: any, extend?: any): GrantModule {
  const [opts, fn, ext] = optionsFirst<CodeGrantOptions>(CODE_ARGS, [options, issue, extend]);
  const issueCode = prepare(ISSUE, fn);
  const extendCode = ext ? prepare(EXTEND, ext) : undefined;
  const own = opts.pkce;
  checkPolicy(own || undefined, 'code grant');
  const lookup = modeTable('query', query, opts.modes, opts.responseModes);
  const parse = authorizationParser(opts.scopeSeparator, opts.responseModes);
  // The grant's own policy, else the server's (read per request: a grant
  // module does not know its server until a request reaches it).
  const policyOf = (carrier: unknown): PkcePolicy | undefined => (own === false ? undefined : own || (profileOf(carrier) || { pkce: undefined }).pkce);

  const mod: GrantModule = {
    name: 'code',
    request: function request(req: ParserRequest) {
      const out = parse(req) as Record<string, unknown>;
      const policy = policyOf(req);
      if (policy) Object.assign(out, parseChallenge(req.query || {}, policy));
      // RFC 9449 §10: on a server with DPoP, `dpop_jkt` binds the code to a key.
      const settings = carried(req);
      if (settings && settings.dpop) {
        const jkt = stringParam(req.query || {}, 'dpop_jkt', AuthorizationError);
        if (jkt !== undefined) {
          if (!isThumbprint(jkt)) throw new AuthorizationError('Invalid parameter: dpop_jkt', 'invalid_request');
          out.dpopJkt = jkt;
        }
      }
      return out;
    },
    response(txn: OAuth2Transaction, res, complete: (cb: (err?: unknown) => void) => void, next) {
      const picked = pickMode(txn, 'query', lookup);
      if (!picked.respond) return next(picked.error);
      const respond = picked.respond;
      if (!txn.res || !txn.res.allow) return respond(txn, res, deniedParams(txn));
      const policy = policyOf(txn);
      if (policy && !(txn.req && txn.req.codeChallenge)) {
        let required: boolean;
        try {
          required = challengeRequired(policy, txn.client);
        } catch (err) {
          return next(err);
        }
        // RFC 7636 §4.4.1: a server that requires PKCE answers invalid_request.
        if (required) return next(new AuthorizationError('Missing required parameter: code_challenge', 'invalid_request'));
      }

      const issued = once<Parameters<IssueCodeCallback>>((err, code) => {
        if (err) return next(err);
        if (!code) return next(new AuthorizationError('Request denied by authorization server', 'access_denied'));
        const params: Record<string, unknown> = { code };
        if (txn.req && txn.req.state) params.state = txn.req.state;
        const extended = once((err?: unknown, extra?: Record<string, unknown>) => {
          if (err) return next(err);
          merge(params, extra);
          complete((err) => {
            if (err) return next(err);
            respond(txn, res, params);
          });
        });
        if (!extendCode) return extended();
        call(extendCode, extended, 'throw', txn);
      });

      // The redirect URI passed on is the one from the request, not the one
      // the app resolved: RFC 6749 §4.1.3 ties the token request to it.
      const areq = txn.req;
      call(issueCode, issued, next, txn.client, areq.redirectURI, txn.user, txn.res, areq, txn.locals, txn);
    },
    error: grantErrorHandler('query', lookup),
  };
  // Read by the metadata endpoint (RFC 8414) through server.grant().
  const metadata: Record<string, unknown> = { response_types_supported: ['code'], grant_types_supported: ['authorization_code'] };
  if (own) metadata.code_challenge_methods_supported = methodsOf(own);
  if (opts.responseModes) metadata.response_modes_supported = [...opts.responseModes];
  (mod as GrantModule & { metadata: Record<string, unknown> }).metadata = metadata;
  return mod;
}
