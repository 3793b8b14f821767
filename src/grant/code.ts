import { AuthorizationError } from '../errors/authorizationerror.js';
import { merge } from '../lib/merge.js';
import { catchRejection, once, settle } from '../lib/async.js';
import { query } from '../response/query.js';
import { authorizationParser, deniedParams, grantArgs, grantErrorHandler, modeTable, pickMode, type GrantOptions } from '../lib/grant.js';
import type { GrantModule } from '../server.js';
import type { AuthorizationRequest, AuthorizationResponse, OAuth2Transaction, Bivariant } from '../types.js';

/** Options of {@link code}. */
export type CodeGrantOptions = GrantOptions;

/** `done(err, code)` of the code grant's `issue`; a falsy code denies. */
export type IssueCodeCallback = (err?: unknown, code?: string | false | null) => void;

/** The context object of the Promise form of {@link code}'s `issue`. */
export interface IssueCodeContext<Client = any, User = any> {
  client: Client;
  redirectURI: string | undefined;
  user: User;
  ares: AuthorizationResponse;
  areq: AuthorizationRequest;
  locals: Record<string, unknown> | undefined;
  txn: OAuth2Transaction<Client, User>;
}

/**
 * `issue` callback of {@link code}. 1.x chooses the form by arity:
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
 * The authorization code grant (`response_type=code`). Once the user
 * approves, `issue` creates a code bound to the client, the redirect URI and
 * the user, and the user agent is redirected back with `code` and `state`.
 * Also exported as `grant.authorizationCode`.
 *
 * The `redirectURI` given to `issue` is the one from the authorization
 * request (possibly undefined); store it with the code so the token exchange
 * can check it.
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
 */
export function code<Client = any, User = any>(options: CodeGrantOptions, issue: IssueCode<Client, User>, extend?: ExtendCode<Client, User>): GrantModule<Client, User>;
export function code<Client = any, User = any>(issue: IssueCode<Client, User>, extend?: ExtendCode<Client, User>): GrantModule<Client, User>;
export function code(options: any, issue?: any, extend?: any): GrantModule {
  const [opts, fn, ext] = grantArgs<Function, ExtendCode>(options, issue, extend);
  if (!fn) throw new TypeError('oauth2orize.code grant requires an issue callback');
  const arity = fn.length;
  const lookup = modeTable('query', query, opts.modes);

  const mod: GrantModule = {
    name: 'code',
    request: authorizationParser(opts.scopeSeparator),
    response(txn: OAuth2Transaction, res, complete: (cb: (err?: unknown) => void) => void, next) {
      const picked = pickMode(txn, 'query', lookup);
      if (!picked.respond) return next(picked.error);
      const respond = picked.respond;
      if (!txn.res || !txn.res.allow) return respond(txn, res, deniedParams(txn));

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
        const extra = (value: unknown): void => extended(null, value as Record<string, unknown> | undefined);
        if (!ext) return extended();
        if (ext.length === 1) {
          return settle((ext as unknown as (ctx: object) => unknown)({ txn }), extra, extended);
        }
        catchRejection(ext(txn as OAuth2Transaction & ExtendCodeContext, extended), extended, ext, extra);
      });
      const value = (value: unknown): void => issued(null, value as string | false | null | undefined);

      // The redirect URI passed on is the one from the request, not the one
      // the app resolved: RFC 6749 §4.1.3 ties the token request to it.
      const areq = txn.req;
      try {
        let returned: unknown;
        if (arity === 1) {
          const context = { client: txn.client, redirectURI: areq.redirectURI, user: txn.user, ares: txn.res, areq, locals: txn.locals, txn };
          return settle(fn(context), value, issued);
        }
        switch (arity) {
          case 7: returned = fn(txn.client, areq.redirectURI, txn.user, txn.res, areq, txn.locals, issued); break;
          case 6: returned = fn(txn.client, areq.redirectURI, txn.user, txn.res, areq, issued); break;
          case 5: returned = fn(txn.client, areq.redirectURI, txn.user, txn.res, issued); break;
          default: returned = fn(txn.client, areq.redirectURI, txn.user, issued);
        }
        catchRejection(returned, issued, fn, value);
      } catch (err) {
        return next(err);
      }
    },
    error: grantErrorHandler('query', lookup),
  };
  return mod;
}
