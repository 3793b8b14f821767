import { UnorderedList } from './lib/unorderedlist.js';
import { debug, nameOf } from './lib/debug.js';
import { parseRequest, respondError, respondWith, runChain, runExchanges } from './lib/dispatch.js';
import { SessionStore, type SessionStoreOptions } from './txn/session.js';
import { authorization, type AuthorizationOptions, type ValidateFunction, type ImmediateFunction, type CompleteFunction } from './middleware/authorization.js';
import { resume, type ResumeOptions } from './middleware/resume.js';
import { decision, type DecisionOptions, type DecisionParseFunction } from './middleware/decision.js';
import { transactionLoader, type TransactionLoaderOptions } from './middleware/transactionLoader.js';
import { token, type TokenOptions } from './middleware/token.js';
import { authorizationErrorHandler, type AuthorizationErrorHandlerOptions } from './middleware/authorizationErrorHandler.js';
import { errorHandler, type ErrorHandlerOptions } from './middleware/errorHandler.js';
import { deviceAuthorization, type DeviceAuthorizationOptions, type DeviceAuthorizationStore } from './middleware/deviceAuthorization.js';
import { deviceVerification, type DeviceVerificationOptions, type DeviceLookupFunction } from './middleware/deviceVerification.js';
import { pushedAuthorization, type PushedAuthorizationOptions, type PushedRequestStore } from './middleware/par.js';
import { attachProfile, resolveProfile, type Profile } from './lib/profile.js';
import { advertise } from './lib/advertise.js';
import { shownError } from './lib/expose.js';
import { methodsOf } from './lib/pkce.js';
import { formPost } from './response/formPost.js';
import { misusedMiddleware, usedAsMiddleware } from './lib/misuse.js';
import { bodyParsingError } from './lib/respond.js';
import { bodyOf } from './lib/params.js';
import { metadata, type MetadataOptions } from './middleware/metadata.js';
import { revocation, type RevocationOptions, type RevokeFunction } from './middleware/revocation.js';
import { introspection, type IntrospectionOptions, type IntrospectFunction } from './middleware/introspection.js';
import { clientAssertion, clientAssertionMetadata, type ClientAssertionOptions, type VerifyClientAssertion } from './middleware/clientAssertion.js';
import type {
  AuthorizationRequest,
  DeserializeClientFunction,
  ErrorMiddleware,
  ExchangeFunction,
  ExchangeLayer,
  GrantErrorHandler,
  GrantLayer,
  GrantModule,
  GrantPhase,
  Middleware,
  NextFunction,
  OAuth2IncomingMessage,
  OAuth2ServerResponse,
  OAuth2Transaction,
  RequestParser,
  ResponseHandler,
  SerializeClientFunction,
  ServerOptions,
  TransactionStore,
} from './types.js';

// The registry types moved to types.ts; re-exported here, where 1.x-minded
// readers (and this package's modules) look for them.
export type {
  AsyncRequestParser,
  DeserializeClientFunction,
  ExchangeFunction,
  ExchangeLayer,
  GrantErrorHandler,
  GrantLayer,
  GrantModule,
  GrantPhase,
  LegacyTransactionStore,
  ParserRequest,
  RequestParser,
  RequestTransactionStore,
  ResponseHandler,
  SerializeClientFunction,
  ServerOptions,
  SyncRequestParser,
  TransactionStore,
} from './types.js';

/**
 * An OAuth 2.0 authorization server: registries of grants and exchanges, the
 * client (de)serialization chains, and factories for the middleware that
 * implement the authorization and token endpoints.
 *
 * @typeParam Client - The application's client record.
 * @typeParam User - The application's user record.
 */
export class Server<Client = any, User = any> {
  /** @internal Request parsers, in registration order. */
  _reqParsers: GrantLayer<RequestParser>[] = [];
  /** @internal Response handlers, in registration order. */
  _resHandlers: GrantLayer<ResponseHandler<Client, User>>[] = [];
  /** @internal Error handlers, in registration order. */
  _errHandlers: GrantLayer<GrantErrorHandler<Client, User>>[] = [];
  /** @internal Exchanges, in registration order. */
  _exchanges: ExchangeLayer[] = [];
  /** @internal */
  _serializers: SerializeClientFunction<Client>[] = [];
  /** @internal */
  _deserializers: DeserializeClientFunction<Client>[] = [];
  /** @internal The transaction store. */
  _txnStore: TransactionStore;
  /** @internal The options given to {@link createServer} (an empty object if none). */
  _options: ServerOptions;
  /** @internal Settings resolved from the issue-11 options; `undefined` for a 1.x-style server. */
  _profile: Profile | undefined;

  constructor(options?: ServerOptions) {
    this._options = options || {};
    this._txnStore = this._options.store || new SessionStore();
    this._profile = resolveProfile(this._options);
    const profile = this._profile;
    if (profile) {
      if (profile.issuer) advertise(this, { issuer: profile.issuer, authorization_response_iss_parameter_supported: true });
      if (profile.pkce) advertise(this, { code_challenge_methods_supported: methodsOf(profile.pkce) });
    }
  }

  /**
   * Register a grant: request parsers, response handlers and error handlers
   * for a response type. Accepts `grant(module)`, `grant(type, module)`,
   * `grant(type, phase, fn)` and `grant(type, fn)` (the `request` phase).
   * A type is matched as an unordered list; `'*'` matches every type.
   *
   * @example
   * ```ts
   * server.grant(oauth2orize.grant.code((client, redirectURI, user, ares, done) => { ... }));
   * server.grant('*', (req) => ({ codeChallenge: req.query.code_challenge }));
   * ```
   */
  grant(mod: GrantModule<Client, User>): this;
  grant(type: string, mod: GrantModule<Client, User>): this;
  grant(type: string, phase: 'request', fn: RequestParser): this;
  grant(type: string, phase: 'response', fn: ResponseHandler<Client, User>): this;
  grant(type: string, phase: 'error', fn: GrantErrorHandler<Client, User>): this;
  grant(type: string, phase: GrantPhase, fn: RequestParser | ResponseHandler<Client, User> | GrantErrorHandler<Client, User>): this;
  grant(type: string, fn: RequestParser): this;
  grant(type: any, phase?: any, fn?: any): this {
    if (typeof type === 'object' && type !== null) {
      return this._grantModule(type.name, type);
    }
    if (typeof phase === 'object' && phase !== null) {
      return this._grantModule(type, phase);
    }
    if (typeof phase === 'function') {
      fn = phase;
      phase = 'request';
    }
    const list = type && type !== '*' ? new UnorderedList(type) : null;
    const layer = { type: list, handle: fn };
    switch (phase) {
      case 'request':
        debug('register request parser %s %s', list || '*', nameOf(fn));
        this._reqParsers.push(layer);
        break;
      case 'response':
        debug('register response handler %s %s', list || '*', nameOf(fn));
        this._resHandlers.push(layer);
        break;
      case 'error':
        debug('register error handler %s %s', list || '*', nameOf(fn));
        this._errHandlers.push(layer);
        break;
    }
    return this;
  }

  private _grantModule(type: string, mod: GrantModule<Client, User>): this {
    recordMetadata(this, mod);
    if (mod.request) this.grant(type, 'request', mod.request);
    if (mod.response) this.grant(type, 'response', mod.response);
    if (mod.error) this.grant(type, 'error', mod.error);
    return this;
  }

  /**
   * Register an exchange for a `grant_type`. With one argument the type is
   * the function's name, which is how the bundled exchanges are named
   * (`authorization_code`, `client_credentials`, `password`,
   * `refresh_token`). `'*'` matches every grant type.
   *
   * @example
   * ```ts
   * server.exchange(oauth2orize.exchange.password((client, username, password, scope, done) => { ... }));
   * server.exchange('urn:ietf:params:oauth:grant-type:jwt-bearer', jwtBearerExchange);
   * ```
   */
  exchange(fn: ExchangeFunction<Client>): this;
  exchange(type: string, fn: ExchangeFunction<Client>): this;
  exchange(type: string | ExchangeFunction<Client>, fn?: ExchangeFunction<Client>): this {
    let name: string;
    if (typeof type === 'function') {
      fn = type;
      name = type.name;
    } else {
      name = type;
    }
    const handle = fn as ExchangeFunction;
    recordMetadata(this, handle);
    const key = name === '*' ? null : name;
    debug('register exchanger %s %s', key || '*', nameOf(handle));
    this._exchanges.push({ type: key, handle });
    return this;
  }

  /**
   * Create the authorization-endpoint middleware. See {@link authorization}.
   * Also available as `server.authorize`.
   */
  authorization(options: AuthorizationOptions | undefined, validate: ValidateFunction<Client>, immediate?: ImmediateFunction<Client, User>, complete?: CompleteFunction<Client, User>): Middleware;
  authorization(validate: ValidateFunction<Client>, immediate?: ImmediateFunction<Client, User>, complete?: CompleteFunction<Client, User>): Middleware;
  authorization(options?: any, validate?: any, immediate?: any, complete?: any): Middleware {
    if (usedAsMiddleware('server.authorize', arguments)) return misusedMiddleware('server.authorize');
    return authorization(this, options, validate, immediate, complete);
  }

  /**
   * Create middleware that resumes a transaction after a detour, such as a
   * login page, and re-runs `immediate`. Returns `[transactionLoader, resume]`,
   * or the resume middleware alone when `options.loadTransaction === false`.
   * A function in `options.loadTransaction` replaces the loader, and so does a
   * function passed first with two more functions after it.
   */
  resume(options: ResumeOptions & { loadTransaction: false }, immediate: ImmediateFunction<Client, User>, complete?: CompleteFunction<Client, User>): Middleware;
  resume(options: ResumeOptions | undefined, immediate: ImmediateFunction<Client, User>, complete?: CompleteFunction<Client, User>): Middleware[];
  resume(loadTransaction: Middleware, immediate: ImmediateFunction<Client, User>, complete: CompleteFunction<Client, User>): Middleware[];
  resume(immediate: ImmediateFunction<Client, User>, complete?: CompleteFunction<Client, User>): Middleware[];
  resume(options?: any, immediate?: any, complete?: any): Middleware | Middleware[] {
    if (usedAsMiddleware('server.resume', arguments)) return misusedMiddleware('server.resume');
    if (typeof options === 'function' && typeof immediate === 'function' && typeof complete === 'function') {
      options = { loadTransaction: options };
    }
    if (options && options.loadTransaction === false) {
      return resume(this, options, immediate, complete);
    }
    const loader: Middleware =
      options && typeof options.loadTransaction === 'function'
        ? options.loadTransaction
        : transactionLoader(this, typeof options === 'function' ? undefined : options);
    return [loader, resume(this, options, immediate, complete)];
  }

  /**
   * Create middleware that processes the user's decision from the consent
   * form. Returns `[transactionLoader, decision]`, or the decision middleware
   * alone when `options.loadTransaction === false`.
   */
  decision<TReq = OAuth2IncomingMessage>(options: DecisionOptions & { loadTransaction: false }, parse?: DecisionParseFunction<Client, User, TReq>, complete?: CompleteFunction<Client, User>): Middleware;
  decision<TReq = OAuth2IncomingMessage>(options?: DecisionOptions, parse?: DecisionParseFunction<Client, User, TReq>, complete?: CompleteFunction<Client, User>): Middleware[];
  decision<TReq = OAuth2IncomingMessage>(parse: DecisionParseFunction<Client, User, TReq>, complete?: CompleteFunction<Client, User>): Middleware[];
  decision(options?: any, parse?: any, complete?: any): Middleware | Middleware[] {
    if (usedAsMiddleware('server.decision', arguments)) return misusedMiddleware('server.decision');
    if (options && options.loadTransaction === false) {
      return decision(this, options, parse, complete);
    }
    return [bodyFirst(transactionLoader(this, typeof options === 'function' ? undefined : options)), decision(this, options, parse, complete)];
  }

  /**
   * Create the error middleware for the authorization endpoint: a wrapper
   * that tries to load the transaction (always passing the original error
   * on), followed by a handler that runs the grants' error handlers, which
   * usually redirect the error to the client. Also available as
   * `authorizeError` and `authorizationError`.
   */
  authorizationErrorHandler(options?: AuthorizationErrorHandlerOptions): ErrorMiddleware[] {
    if (usedAsMiddleware('server.authorizationErrorHandler', arguments)) return [misusedMiddleware('server.authorizationErrorHandler')];
    const loader = transactionLoader(this, options);
    return [
      function transactionLoaderErrorWrapper(err: unknown, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction): void {
        loader(req, res, () => next(err));
      },
      authorizationErrorHandler(this, options),
    ];
  }

  /** Create the token-endpoint middleware. See {@link token}. */
  token(options?: TokenOptions): Middleware {
    if (usedAsMiddleware('server.token', arguments)) return misusedMiddleware('server.token');
    return token(this, options);
  }

  /**
   * Create middleware serving this server's RFC 8414 metadata. See {@link metadata}.
   * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
   */
  metadata(options?: MetadataOptions): Middleware {
    return metadata(this, options);
  }

  /**
   * Create the RFC 7009 token revocation endpoint middleware. See {@link revocation}.
   * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
   */
  revocation(options: RevocationOptions | undefined, revoke: RevokeFunction<Client>): Middleware;
  revocation(revoke: RevokeFunction<Client>): Middleware;
  revocation(options: any, revoke?: any): Middleware {
    return revocation(options, revoke);
  }

  /**
   * Create the RFC 7662 token introspection endpoint middleware. See {@link introspection}.
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
   */
  introspection(options: IntrospectionOptions | undefined, lookup: IntrospectFunction<Client>): Middleware;
  introspection(lookup: IntrospectFunction<Client>): Middleware;
  introspection(options: any, lookup?: any): Middleware {
    return introspection(options, lookup);
  }

  /**
   * Create client authentication middleware for JWT assertions
   * (`private_key_jwt`), and advertise the method in this server's metadata.
   * See {@link clientAssertion}.
   * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
   */
  clientAssertion(options: ClientAssertionOptions<Client> | undefined, verify: VerifyClientAssertion<Client>): Middleware;
  clientAssertion(verify: VerifyClientAssertion<Client>): Middleware;
  clientAssertion(options: any, verify?: any): Middleware {
    const mw = clientAssertion(options, verify);
    advertise(this, clientAssertionMetadata(typeof options === 'function' ? undefined : options));
    return mw;
  }

  /**
   * Create the device authorization endpoint (RFC 8628 §3.1). See
   * {@link deviceAuthorization}.
   *
   * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
   */
  deviceAuthorization(options: DeviceAuthorizationOptions, store: DeviceAuthorizationStore<Client>): Middleware {
    if (usedAsMiddleware('server.deviceAuthorization', arguments)) return misusedMiddleware('server.deviceAuthorization');
    return deviceAuthorization<Client>(this, options, store);
  }

  /**
   * Create the middleware of the device flow's user-facing verification
   * step (RFC 8628 §3.3): it turns a user code into a transaction that
   * `decision()` completes. See {@link deviceVerification}.
   *
   * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
   */
  deviceVerification(options: DeviceVerificationOptions | undefined, lookup: DeviceLookupFunction<Client>): Middleware;
  deviceVerification(lookup: DeviceLookupFunction<Client>): Middleware;
  deviceVerification(options: any, lookup?: any): Middleware {
    if (usedAsMiddleware('server.deviceVerification', arguments)) return misusedMiddleware('server.deviceVerification');
    if (typeof options === 'function') return deviceVerification<Client>(this, undefined, options);
    return deviceVerification<Client>(this, options, lookup);
  }

  /**
   * Create the pushed authorization request endpoint (RFC 9126 §2). See
   * {@link pushedAuthorization}; `authorize({ loadPushedRequest })` accepts
   * the `request_uri` it issues.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
   */
  pushedAuthorization(options: PushedAuthorizationOptions<Client> | undefined, validate: ValidateFunction<Client>, store: PushedRequestStore<Client>): Middleware;
  pushedAuthorization(validate: ValidateFunction<Client>, store: PushedRequestStore<Client>): Middleware;
  pushedAuthorization(options: any, validate: any, store?: any): Middleware {
    if (usedAsMiddleware('server.pushedAuthorization', arguments)) return misusedMiddleware('server.pushedAuthorization');
    if (typeof options === 'function') return pushedAuthorization<Client>(this, undefined, options, validate);
    return pushedAuthorization<Client>(this, options, validate, store);
  }

  /** Create an error-rendering middleware. See {@link errorHandler}. */
  errorHandler(options?: ErrorHandlerOptions): ErrorMiddleware {
    if (usedAsMiddleware('server.errorHandler', arguments)) return misusedMiddleware('server.errorHandler');
    const profile = this._profile;
    if (!profile) return errorHandler(options);
    const modes = { form_post: formPost, ...(options && options.modes) };
    return errorHandler({ rfcStatus: profile.rfcStatus, exposeErrors: profile.exposeErrors, issuer: profile.issuer, ...options, modes });
  }

  /**
   * Register a function that turns a client into something that can be stored
   * in the session (usually its ID). Links run in order; a link may call
   * `done('pass')` to let the next one try.
   *
   * @returns the new number of links, as 1.x does.
   */
  serializeClient(fn: SerializeClientFunction<Client>): number;
  /** @internal Run the chain for `client`. */
  serializeClient(client: Client, done: (err: unknown, id?: unknown) => void): void;
  serializeClient(fn: any, done?: (err: unknown, id?: unknown) => void): number | void {
    if (typeof fn === 'function' && done === undefined) {
      return this._serializers.push(fn);
    }
    runChain(this._serializers, fn, done!, false,
      'Failed to serialize client. Register serialization function using serializeClient().');
  }

  /**
   * Register a function that restores a client from what `serializeClient`
   * stored. `done(null, false)` (or `null`) reports that the client no longer
   * exists; `done('pass')` lets the next link try.
   *
   * @returns the new number of links, as 1.x does.
   */
  deserializeClient(fn: DeserializeClientFunction<Client>): number;
  /** @internal Run the chain for `id`. */
  deserializeClient(id: unknown, done: (err: unknown, client?: Client | false) => void): void;
  deserializeClient(fn: any, done?: (err: unknown, client?: any) => void): number | void {
    if (typeof fn === 'function' && done === undefined) {
      return this._deserializers.push(fn);
    }
    runChain(this._deserializers, fn, done!, true,
      'Failed to deserialize client. Register deserialization function using deserializeClient().');
  }

  /** @internal Run the request parsers that match `type`; see `parseRequest`. */
  _parse(type: string | undefined, req: OAuth2IncomingMessage, cb: (err: unknown, areq?: AuthorizationRequest) => void): void {
    attachProfile(req, this._profile);
    parseRequest(this._reqParsers, type, req, cb);
  }

  /**
   * @internal Run the response handlers that match the transaction's type;
   * `cb()` without an error means none answered. `complete` is optional.
   */
  _respond(
    txn: OAuth2Transaction<Client, User>,
    res: OAuth2ServerResponse,
    complete: ((cb: (err?: unknown) => void) => void) | ((err?: unknown) => void) | undefined,
    cb?: (err?: unknown) => void,
  ): void {
    attachProfile(txn, this._profile);
    respondWith(this._resHandlers, txn, res, complete, cb);
  }

  /** @internal Run the error handlers that match the transaction's type; `cb(err)` means none answered. */
  _respondError(err: unknown, txn: OAuth2Transaction<Client, User>, res: OAuth2ServerResponse, cb: (err?: unknown) => void): void {
    const profile = this._profile;
    if (!profile) return respondError(this._errHandlers, err, txn, res, cb);
    attachProfile(txn, profile);
    // The grants' error handlers send what they get to the client: with
    // exposeErrors off, they get a bare server_error in place of an internal
    // error. The app's own error middleware still gets the original.
    const shown = profile.exposeErrors ? err : shownError(err);
    respondError(this._errHandlers, shown, txn, res, (e) => cb(e === shown ? err : e));
  }

  /** @internal Run the exchanges registered for `type`; `cb()` without an error means none answered. */
  _exchange(type: string | undefined, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, cb: (err?: unknown) => void): void {
    runExchanges(this._exchanges, type, req, res, cb);
  }
}

/**
 * Record the RFC 8414 fields a grant module or exchange function declares in
 * a `metadata` object property, e.g. `{ code_challenge_methods_supported: ['S256'] }`.
 */
function recordMetadata(server: object, from: unknown): void {
  const fields = from && (typeof from === 'object' || typeof from === 'function') ? (from as { metadata?: unknown }).metadata : undefined;
  if (fields && typeof fields === 'object' && !Array.isArray(fields)) advertise(server, fields as Record<string, unknown>);
}

// The 1.x aliases are the very same functions, not wrappers.
export interface Server<Client, User> {
  /** Alias of {@link Server.authorization}. */
  authorize: Server<Client, User>['authorization'];
  /** Alias of {@link Server.authorizationErrorHandler}. */
  authorizeError: Server<Client, User>['authorizationErrorHandler'];
  /** Alias of {@link Server.authorizationErrorHandler}. */
  authorizationError: Server<Client, User>['authorizationErrorHandler'];
}
Server.prototype.authorize = Server.prototype.authorization;
Server.prototype.authorizeError = Server.prototype.authorizationErrorHandler;
Server.prototype.authorizationError = Server.prototype.authorizationErrorHandler;

/**
 * The transaction loader in front of `decision`: without a body parser the
 * transaction ID posted in the form cannot be read, and the loader would
 * report a misleading "Missing required parameter: transaction_id". The
 * decision needs the body anyway, so its 1.x body-parsing error comes first.
 */
function bodyFirst(loader: Middleware): Middleware {
  return function transactionLoader(req, res, next) {
    if (!bodyOf(req)) return next(bodyParsingError());
    loader(req, res, next);
  };
}

/**
 * Create a new OAuth 2.0 server.
 *
 * @example
 * ```ts
 * import oauth2orize from 'oauth2orize';
 * const server = oauth2orize.createServer();
 * ```
 */
export function createServer<Client = any, User = any>(options?: ServerOptions): Server<Client, User> {
  return new Server<Client, User>(options);
}

export type { SessionStoreOptions, TransactionLoaderOptions };
