import { AuthorizationError } from '../errors/authorizationerror.js';
import { oversizedParams, own } from '../lib/params.js';
import { approve, callImmediate, mergeLocals, once, prepareComplete, prepareImmediate, respond, storeTransaction } from '../txn/transaction.js';
import { callValidate, prepareValidate } from '../lib/validate.js';
import { optionsFirst, type FactoryArgs } from '../lib/callback.js';
import type { Server } from '../server.js';
import { advertise, settingsOf } from '../settings/settings.js';
import { fapi2Of } from '../settings/fapi2.js';
import type { SessionStoreOptions } from '../txn/session.js';
import type { AuthorizationRequest, ImmediateCallback, Middleware, OAuth2IncomingMessage, OAuth2Transaction, Bivariant, ParamBag } from '../types.js';
import { pushedRequestHook, type PushedAuthorizeOptions } from '../par/loadPushedRequest.js';
import { traced, transactionAnnotator } from '../diagnostics/trace.js';
import type { OptionTable } from '../lib/checkOptions.js';
import { SESSION_STORE_OPTIONS } from '../txn/sessionOptions.js';
import { PUSHED_AUTHORIZE_OPTIONS } from '../par/pushedAuthorizeOptions.js';
import { guardErrors } from '../lib/misuse.js';

/**
 * Options of {@link Server.authorization}; the store options apply to the session store.
 *
 * @group Core 1.x
 */
export interface AuthorizationOptions extends SessionStoreOptions, PushedAuthorizeOptions {
  /** The request property holding the logged-in user. Default `'user'`. */
  userProperty?: string;
}

/**
 * `done(err, client, redirectURI, webOrigin)` of `validate`.
 *
 * @group Core 1.x
 */
export type ValidateCallback<Client = any> = (err?: unknown, client?: Client | false | null, redirectURI?: string, webOrigin?: string) => void;

/**
 * The context object of the Promise form of `validate`.
 *
 * @group Core 1.x
 */
export interface ValidateContext {
  /** The `client_id` parameter. */
  clientID: string;
  /** The `redirect_uri` parameter, when the request had one. */
  redirectURI: string | undefined;
  /** The requested scope, split into an array. */
  scope: string[] | undefined;
  /** The response type (`code`, `token`, ...). */
  type: string;
  /** The whole parsed request, with the fields extension parsers added. */
  areq: AuthorizationRequest;
}

/**
 * `validate` callback, chosen by its arity as in 1.x: `(areq, done)`,
 * `(clientID, redirectURI, done)`, `(clientID, redirectURI, scope, done)`,
 * `(clientID, redirectURI, scope, type, done)`, or the arity-1 form
 * `async ({ clientID, redirectURI, scope, type, areq }) => ({ client, redirectURI })`.
 * Each position carries every role it has in some arity, so callbacks
 * written without annotations are typed in every form.
 *
 * @group Core 1.x
 */
export type ValidateFunction<Client = any> = Bivariant<(
  clientID: string & AuthorizationRequest & ValidateContext,
  redirectURI: string & ValidateCallback<Client>,
  scope: string[] & ValidateCallback<Client>,
  type: string & ValidateCallback<Client>,
  done: ValidateCallback<Client>,
) => unknown>;

/**
 * What a context-form (async) `validate` resolves to; falsy means no client.
 *
 * @group Core 1.x
 */
export interface ValidateResult<Client = any> {
  /** The client, or a falsy value when there is no such client (`unauthorized_client`). */
  client: Client | false | null | undefined;
  /** The redirect URI to use: only a URI returned here is ever redirected to. */
  redirectURI?: string;
  /** The web origin, for response modes that post messages to a window. */
  webOrigin?: string;
}

/**
 * The context object of the Promise form of `immediate`.
 *
 * @group Core 1.x
 */
export interface ImmediateContext<Client = any, User = any> {
  /** The transaction being authorized. */
  txn: OAuth2Transaction<Client, User>;
  /** The client that `validate` returned. */
  client: Client;
  /** The signed-in user. */
  user: User;
  /** The requested scope. */
  scope: string[] | undefined;
  /** The response type. */
  type: string;
  /** The parsed authorization request. */
  areq: AuthorizationRequest;
  /** Values carried from earlier steps (`resume`), if any. */
  locals: Record<string, unknown> | undefined;
}

/**
 * `immediate` callback, chosen by its arity as in 1.x: `(txn, done)`,
 * `(client, user, done)`, then `scope`, `type`, `areq` and `locals` before
 * `done` for arities 4 to 7, or the arity-1 form
 * `async ({ txn, client, user, scope, type, areq, locals }) => allow` (or
 * `{ allow, info, locals }`). `done(err, allow, info, locals)`. Each position
 * carries every role it has in some arity.
 *
 * @group Core 1.x
 */
export type ImmediateFunction<Client = any, User = any> = Bivariant<(
  client: Client & OAuth2Transaction<Client, User> & ImmediateContext<Client, User>,
  user: User & ImmediateCallback,
  scope: string[] & ImmediateCallback,
  type: string & ImmediateCallback,
  areq: AuthorizationRequest & ImmediateCallback,
  locals: Record<string, unknown> & ImmediateCallback,
  done: ImmediateCallback,
) => unknown>;

/**
 * The context object of the Promise form of `complete`.
 *
 * @group Core 1.x
 */
export interface CompleteContext<Client = any, User = any> {
  /** The request. */
  req: OAuth2IncomingMessage;
  /** The transaction, with `res` set to the decision. */
  txn: OAuth2Transaction<Client, User>;
}

/**
 * `complete(req, txn, done)`: runs after a grant is issued, before the
 * redirect. The arity-1 form `async ({ req, txn }) => {}` is awaited. The
 * first position carries both roles, so either form needs no annotation.
 *
 * @group Core 1.x
 */
export type CompleteFunction<Client = any, User = any> = Bivariant<(
  req: OAuth2IncomingMessage & CompleteContext<Client, User>,
  txn: OAuth2Transaction<Client, User>,
  done: (err?: unknown) => void,
) => unknown>;

export type { ImmediateCallback };

/** `(server, options?, validate, immediate?, complete?)`. */
/** What each option of {@link authorization} accepts. */
const AUTHORIZATION_OPTIONS = { ...SESSION_STORE_OPTIONS, ...PUSHED_AUTHORIZE_OPTIONS, userProperty: 'string' } as const satisfies OptionTable<AuthorizationOptions>;

const AUTHORIZATION_ARGS: FactoryArgs = {
  server: 'oauth2orize.authorization middleware requires a server argument',
  callbacks: ['oauth2orize.authorization middleware requires a validate function', undefined, undefined],
  options: { name: 'server.authorize', table: AUTHORIZATION_OPTIONS },
};

/**
 * Create the authorization-endpoint middleware.
 *
 * It parses the request with the registered grants, asks `validate` to
 * check the client and its redirect URI, and builds `req.oauth2`. If
 * `immediate` approves, the grant responds at once; otherwise the
 * transaction is stored, `req.oauth2.transactionID` is set, and the next
 * middleware renders a consent page.
 *
 * `req.oauth2` is set even when `validate` fails, so that an indirect error
 * handler can redirect the error when a redirect URI was validated.
 *
 * @example
 * ```ts
 * app.get('/dialog/authorize',
 *   login.ensureLoggedIn(),
 *   server.authorize((clientID, redirectURI, done) => {
 *     const client = clients.find(clientID);
 *     if (!client) return done(null, false);
 *     if (client.redirectURI !== redirectURI) return done(null, false);
 *     done(null, client, client.redirectURI);
 *   }),
 *   (req, res) => res.render('dialog', { transactionID: req.oauth2.transactionID, client: req.oauth2.client }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1
 */
export function authorization(server: Server<any, any>, options: any, validate?: any, immediate?: any, complete?: any): Middleware {
  let opts: AuthorizationOptions;
  [opts, validate, immediate, complete] = optionsFirst<AuthorizationOptions>(AUTHORIZATION_ARGS, [server, options, validate, immediate, complete]);
  const decide = prepareImmediate(immediate || ((_client: unknown, _user: unknown, done: ImmediateCallback) => done(null, false)));
  const userProperty = opts.userProperty || settingsOf(server).userProperty;
  const check = prepareValidate(validate);
  const completion = prepareComplete(complete);
  // Pushed authorization requests (RFC 9126 §4): with `loadPushedRequest` or
  // `requirePushedRequests`, a `request_uri` is resolved first and the
  // grants parse the pushed parameters (`source`).
  // FAPI 2.0 SP §5.3.2.2: every authorization request is a pushed one.
  if (fapi2Of(settingsOf(server))) {
    if (opts.requirePushedRequests === false || typeof opts.loadPushedRequest !== 'function') {
      throw new TypeError('oauth2orize.authorization: the FAPI 2.0 profile requires pushed authorization requests: give loadPushedRequest (and leave requirePushedRequests on)');
    }
    opts = { ...opts, requirePushedRequests: true };
  }
  const pushed = pushedRequestHook(opts, (fields) => advertise(server, fields), settingsOf(server).clock);

  return guardErrors('authorize', traced('authorize', function authorization(req, res, next) {
    if (!pushed) return authorize(req, res, next, req);
    pushed(req, (err, source) => (err ? next(err) : authorize(req, res, next, source!)));
  }, transactionAnnotator), { errorHandler: () => server.errorHandler(), authorizationErrorHandler: () => server.authorizationErrorHandler() });

  function authorize(req: OAuth2IncomingMessage, res: Parameters<Middleware>[1], next: Parameters<Middleware>[2], source: OAuth2IncomingMessage): void {
    // Bounded before anything is parsed or stored: no parameter, and no
    // request as a whole, may fill a session or a transaction store.
    const oversized = oversizedParams(source.query, AuthorizationError) || oversizedParams(source.body, AuthorizationError);
    if (oversized) return next(oversized);
    let type: unknown = own((source.query || {}) as ParamBag, 'response_type');
    if (type === undefined || type === null || type === '') {
      const body = source.body as ParamBag | undefined;
      if (body) type = own(body, 'response_type');
    }
    if (type !== undefined && type !== null && typeof type !== 'string') {
      return next(new AuthorizationError('Invalid parameter: response_type must be a string', 'invalid_request'));
    }
    const responseType = type as string | undefined;

    server._parse(responseType, source, (err, areq) => {
      if (err) return next(err);
      if (!areq || !areq.type) {
        return next(new AuthorizationError('Missing required parameter: response_type', 'invalid_request'));
      }
      if (!areq.clientID) {
        return next(new AuthorizationError('Unsupported response type: ' + responseType, 'unsupported_response_type'));
      }

      const validated = once((err?: unknown, client?: unknown, redirectURI?: string, webOrigin?: string): void => {
        // Build req.oauth2 before acting on `err`: a redirect URI, even with an
        // error, means the client can be told of the error by redirect.
        const txn = {} as OAuth2Transaction;
        if (client) txn.client = client;
        if (redirectURI) txn.redirectURI = redirectURI;
        if (webOrigin) txn.webOrigin = webOrigin;
        txn.req = areq;
        txn.user = (req as unknown as ParamBag)[userProperty];
        if (req.locals) txn.locals = req.locals as Record<string, unknown>;
        req.oauth2 = txn;
        if (err) return next(err);
        if (!client) return next(new AuthorizationError('Unauthorized client', 'unauthorized_client'));

        const immediated = once((err?: unknown, allow?: boolean, info?: Record<string, unknown> | null, locals?: Record<string, unknown> | null): void => {
          if (err) return next(err);
          if (allow) {
            approve(txn, info, locals);
            return respond(server, req, res, completion, next);
          }
          // Consent is needed. `info` and `locals` stay on req.oauth2 for the
          // page; the legacy store keeps `info` (so it must serialize cleanly)
          // but never `locals`, which live for this request only.
          txn.info = info as Record<string, unknown> | undefined; // null is kept, as 1.x did
          mergeLocals(txn, locals);
          const record = { protocol: 'oauth2', client, redirectURI, webOrigin, req: areq, info };
          storeTransaction(server, opts, req, txn, record, next);
        });
        callImmediate(decide, txn, immediated);
      });

      // By arity, as 1.x; a resolved value reads like the context form's result.
      callValidate(check, areq, validated, next);
    });
  }
}
