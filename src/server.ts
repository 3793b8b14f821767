import { UnorderedList } from './unorderedlist.js';
import { checkOptions, type OptionTable } from './lib/checkOptions.js';
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
import { deviceAuthorization, type DeviceAuthorizationOptions, type DeviceAuthorizationStore } from './device/deviceAuthorization.js';
import { deviceVerification, type DeviceVerificationOptions, type DeviceLookupFunction } from './device/deviceVerification.js';
import { createClientIdMetadataResolver, type ClientIdMetadataOptions, type ClientIdMetadataResolver } from './registration/cimd.js';
import { clientConfiguration, type ClientConfigurationOptions, type ClientConfigurationStore } from './registration/clientConfiguration.js';
import { registration, type RegistrationOptions, type RegisteredClientStore } from './registration/registration.js';
import { pushedAuthorization, type PushedAuthorizationOptions, type PushedRequestStore } from './par/pushedAuthorization.js';
import type { Profile } from './settings/profile.js';
import { PROFILE_NAMES, fapi2AssertionOptions, fapi2Of } from './settings/fapi2.js';
import { AuthorizationError } from './errors/authorizationerror.js';
import { advertise, carrySettings, createSettings, installSettings, recordDeclared, recordGrantType, recordResponseType, recordTransactionType, settingsOf } from './settings/settings.js';
import { DEVICE_TRANSACTION_TYPE } from './device/deviceCodeTypes.js';
import { shownError } from './lib/expose.js';
import { reportHidden } from './diagnostics/trace.js';
import { lacksPkceLookup } from './exchange/authorizationCode.js';
import { formPost } from './response/formPost.js';
import { guardErrors, markErrorHandlerFactory, misusedMiddleware, setErrorRenderers, usedAsMiddleware, type ErrorRenderers } from './lib/misuse.js';
import { bodyParsingError } from './lib/respond.js';
import { bodyOf } from './lib/params.js';
import { metadata, type MetadataOptions } from './middleware/metadata.js';
import { revocation, type RevocationOptions, type RevokeFunction } from './middleware/revocation.js';
import { introspection, type IntrospectionOptions, type IntrospectFunction } from './middleware/introspection.js';
import { clientAssertion, clientAssertionMetadata, type ClientAssertionOptions, type VerifyClientAssertion } from './middleware/clientAssertion.js';
import { authenticateClient, authenticateClientMetadata } from './clientauth/authenticateClient.js';
import { withServerDefaults } from './clientauth/serverDefaults.js';
import type { AuthenticateClientOptions, LookupClientFunction } from './clientauth/options.js';
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

/** What each option of {@link createServer} accepts, checked at construction. */
const SERVER_OPTIONS = {
  store: {
    kinds: ['object'],
    check: (store) => {
      const s = store as Record<string, unknown>;
      const missing = ['load', 'store', 'remove'].filter((m) => typeof s[m] !== 'function');
      return missing.length ? `must be a transaction store with load, store, update and remove methods (missing: ${missing.join(', ')})` : undefined;
    },
  },
  issuer: 'string',
  hardened: ['boolean', 'object'],
  profile: { kinds: ['string'], check: (value) => (PROFILE_NAMES.includes(value as string) ? undefined : `must be one of ${PROFILE_NAMES.map((n) => `'${n}'`).join(', ')}`) },
  pkce: ['boolean', 'object'],
  exposeErrors: 'boolean',
  rfcStatus: 'boolean',
  requireGrantType: 'boolean',
  requireClient: 'boolean',
  clock: 'function',
  dpop: ['boolean', 'object'],
} as const satisfies OptionTable<ServerOptions>;

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
  /**
   * @internal The options given to {@link createServer} (an empty object if
   * none). Kept for compatibility; the package reads them through the
   * server's settings (`settings/settings.ts`).
   */
  _options: ServerOptions;
  /**
   * @internal The profile resolved from the hardened-setup options;
   * `undefined` for a 1.x-style server. Kept for compatibility, as `_options`.
   */
  _profile: Profile | undefined;

  /**
   * Prefer {@link createServer}, which 1.x apps call.
   * @param options `store`: a transaction store in place of the session; see {@link ServerOptions}
   */
  constructor(options?: ServerOptions) {
    checkOptions('oauth2orize.createServer', options, SERVER_OPTIONS);
    this._options = options || {};
    const settings = createSettings(this._options);
    installSettings(this, settings);
    // `device_code` names the device verification step's transactions (grant.deviceCode,
    // and oauth2orize-device-code's grant), never a response_type of the authorization
    // endpoint, whether or not this server creates the device endpoints.
    recordTransactionType(this, DEVICE_TRANSACTION_TYPE);
    this._profile = settings.profile;
    this._txnStore = this._options.store || new SessionStore(this._options.clock ? { clock: settings.clock } : undefined);
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
   * @param mod a grant module such as `grant.code(issue)`; its `name` is the response type
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.1
   */
  grant(mod: GrantModule<Client, User>): this;
  /**
   * Register a grant module under an explicit response type.
   * @param type the response type, e.g. `'code id_token'` (any order), or `'*'`
   * @param mod the grant module
   */
  grant(type: string, mod: GrantModule<Client, User>): this;
  /**
   * Register a request parser for a response type.
   * @param type the response type, or `'*'` for every type
   * @param phase `'request'`
   * @param fn the parser: `(req)` returns the fields, `(req, done)` calls back
   */
  grant(type: string, phase: 'request', fn: RequestParser): this;
  /**
   * Register a response handler for a response type.
   * @param type the response type, or `'*'`
   * @param phase `'response'`
   * @param fn `(txn, res, next)`, `(txn, res, complete, next)`, or `(txn, res)` returning a Promise
   */
  grant(type: string, phase: 'response', fn: ResponseHandler<Client, User>): this;
  /**
   * Register an error handler for a response type.
   * @param type the response type, or `'*'`
   * @param phase `'error'`
   * @param fn `(err, txn, res, next)`, or `(err, txn, res)` returning a Promise
   */
  grant(type: string, phase: 'error', fn: GrantErrorHandler<Client, User>): this;
  /**
   * Register a function for one phase of a response type.
   * @param type the response type, or `'*'`
   * @param phase `'request'`, `'response'` or `'error'`
   * @param fn the function for that phase
   */
  grant(type: string, phase: GrantPhase, fn: RequestParser | ResponseHandler<Client, User> | GrantErrorHandler<Client, User>): this;
  /**
   * Register a request parser (the `request` phase) for a response type.
   * @param type the response type, or `'*'`
   * @param fn the parser
   */
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
        recordResponseType(this, list);
        break;
      case 'error':
        debug('register error handler %s %s', list || '*', nameOf(fn));
        this._errHandlers.push(layer);
        break;
    }
    return this;
  }

  private _grantModule(type: string, mod: GrantModule<Client, User>): this {
    recordDeclared(this, mod);
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
   * @param fn the exchange; its `name` is the grant type
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4
   */
  exchange(fn: ExchangeFunction<Client>): this;
  /**
   * Register an exchange under an explicit grant type.
   * @param type the `grant_type` value, or `'*'` for every type
   * @param fn the exchange middleware
   */
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
    const profile = settingsOf(this).profile;
    if (profile && profile.pkce && lacksPkceLookup(handle)) {
      // Fail at startup, not on every code exchange (RFC 7636 §4.6 needs the stored challenge).
      throw new TypeError('oauth2orize: this server has a PKCE policy (pkce or hardened option), so exchange.code needs pkce.lookup to verify code_verifier, or pkce: false if the app verifies it itself');
    }
    recordDeclared(this, handle);
    const key = name === '*' ? null : name;
    debug('register exchanger %s %s', key || '*', nameOf(handle));
    this._exchanges.push({ type: key, handle });
    recordGrantType(this, key);
    return this;
  }

  /**
   * Create the authorization-endpoint middleware: it parses the request,
   * calls `validate`, then `immediate`, and either answers at once or stores a
   * transaction in `req.oauth2` for your consent page. Also available as
   * `server.authorize`.
   *
   * @example
   * ```ts
   * app.get('/authorize', ensureLoggedIn, server.authorization((clientID, redirectURI, done) => {
   *   db.clients.find(clientID).then((client) => done(null, client, redirectURI), done);
   * }), renderConsent);
   * ```
   * @param options `userProperty` and the transaction store's options
   * @param validate identifies the client and checks its redirect URI
   * @param immediate decides whether to skip the consent page
   * @param complete runs after the grant is issued, before the response
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1
   */
  authorization(options: AuthorizationOptions | undefined, validate: ValidateFunction<Client>, immediate?: ImmediateFunction<Client, User>, complete?: CompleteFunction<Client, User>): Middleware;
  /**
   * Create the authorization-endpoint middleware with the default options.
   * @param validate identifies the client and checks its redirect URI
   * @param immediate decides whether to skip the consent page
   * @param complete runs after the grant is issued, before the response
   */
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
   *
   * @param options `loadTransaction: false`, `userProperty` and the store's options
   * @param immediate decides again whether to answer without the consent page
   * @param complete runs after the grant is issued
   */
  resume(options: ResumeOptions & { loadTransaction: false }, immediate: ImmediateFunction<Client, User>, complete?: CompleteFunction<Client, User>): Middleware;
  /**
   * Create `[transactionLoader, resume]`.
   * @param options `userProperty` and the store's options
   * @param immediate decides again whether to answer without the consent page
   * @param complete runs after the grant is issued
   */
  resume(options: ResumeOptions | undefined, immediate: ImmediateFunction<Client, User>, complete?: CompleteFunction<Client, User>): Middleware[];
  /**
   * Create `[loadTransaction, resume]` with your own transaction loader.
   * @param loadTransaction the middleware that loads the transaction
   * @param immediate decides again whether to answer without the consent page
   * @param complete runs after the grant is issued
   */
  resume(loadTransaction: Middleware, immediate: ImmediateFunction<Client, User>, complete: CompleteFunction<Client, User>): Middleware[];
  /**
   * Create `[transactionLoader, resume]` with the default options.
   * @param immediate decides again whether to answer without the consent page
   * @param complete runs after the grant is issued
   */
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
   *
   * @example
   * ```ts
   * app.post('/authorize/decision', ensureLoggedIn, server.decision());
   * ```
   * @param options `cancelField` (default `'cancel'`), `userProperty`, `loadTransaction` and the store's options
   * @param parse reads what the user granted from the request (becomes `ares`)
   * @param complete runs after the grant is issued
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
   */
  decision<TReq = OAuth2IncomingMessage>(options: DecisionOptions & { loadTransaction: false }, parse?: DecisionParseFunction<Client, User, TReq>, complete?: CompleteFunction<Client, User>): Middleware;
  /**
   * Create `[transactionLoader, decision]`.
   * @param options `cancelField`, `userProperty` and the store's options
   * @param parse reads what the user granted from the request (becomes `ares`)
   * @param complete runs after the grant is issued
   */
  decision<TReq = OAuth2IncomingMessage>(options?: DecisionOptions, parse?: DecisionParseFunction<Client, User, TReq>, complete?: CompleteFunction<Client, User>): Middleware[];
  /**
   * Create `[transactionLoader, decision]` with the default options.
   * @param parse reads what the user granted from the request (becomes `ares`)
   * @param complete runs after the grant is issued
   */
  decision<TReq = OAuth2IncomingMessage>(parse: DecisionParseFunction<Client, User, TReq>, complete?: CompleteFunction<Client, User>): Middleware[];
  decision(options?: any, parse?: any, complete?: any): Middleware | Middleware[] {
    if (usedAsMiddleware('server.decision', arguments)) return misusedMiddleware('server.decision');
    if (options && options.loadTransaction === false) {
      return decision(this, options, parse, complete);
    }
    const loader = guardErrors('decision', bodyFirst(transactionLoader(this, typeof options === 'function' ? undefined : options)), this._authorizationRenderers());
    return [loader, decision(this, options, parse, complete)];
  }

  /**
   * Create the error middleware for the authorization endpoint: a wrapper
   * that tries to load the transaction (always passing the original error
   * on), followed by a handler that runs the grants' error handlers, which
   * usually redirect the error to the client. Also available as
   * `authorizeError` and `authorizationError`.
   *
   * @param options the transaction store's options
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
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

  /**
   * Create the token-endpoint middleware: it runs the exchange registered for
   * the body's `grant_type`. Mount it after client authentication and a body
   * parser, and follow it with {@link Server.errorHandler}.
   *
   * @param options token options (see {@link TokenOptions})
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
   */
  token(options?: TokenOptions): Middleware {
    if (usedAsMiddleware('server.token', arguments)) return misusedMiddleware('server.token');
    return token(this, options);
  }

  /**
   * Create middleware serving this server's RFC 8414 metadata. See {@link metadata}.
   * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
   * @param options `issuer`, `metadata`, `maxAge`, `cors`
   */
  metadata(options?: MetadataOptions): Middleware {
    if (usedAsMiddleware('server.metadata', arguments)) return misusedMiddleware('server.metadata');
    return metadata(this, options);
  }

  /**
   * Create the RFC 7009 token revocation endpoint middleware. See {@link revocation}.
   * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
   * @param options revocation options
   * @param revoke revokes the token if it was issued to the client
   */
  revocation(options: RevocationOptions | undefined, revoke: RevokeFunction<Client>): Middleware;
  /**
   * Create the revocation endpoint middleware with the default options.
   * @param revoke revokes the token if it was issued to the client
   */
  revocation(revoke: RevokeFunction<Client>): Middleware;
  revocation(options: any, revoke?: any): Middleware {
    if (usedAsMiddleware('server.revocation', arguments)) return misusedMiddleware('server.revocation');
    return this._renderErrors(revocation(options, revoke));
  }

  /**
   * Create the RFC 7662 token introspection endpoint middleware. See {@link introspection}.
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
   * @param options introspection options
   * @param lookup returns the token's claims when it is active and the caller may see it, else null
   */
  introspection(options: IntrospectionOptions | undefined, lookup: IntrospectFunction<Client>): Middleware;
  /**
   * Create the introspection endpoint middleware with the default options.
   * @param lookup returns the token's claims when it is active and the caller may see it, else null
   */
  introspection(lookup: IntrospectFunction<Client>): Middleware;
  introspection(options: any, lookup?: any): Middleware {
    if (usedAsMiddleware('server.introspection', arguments)) return misusedMiddleware('server.introspection');
    if (typeof options === 'function') {
      lookup = options;
      options = undefined;
    }
    // The standalone factory has no server: hand it this server's clock.
    const clock = settingsOf(this).options.clock;
    if (clock && !(options && options.now)) options = { ...options, now: clock };
    return this._renderErrors(introspection(options, lookup));
  }

  /**
   * Create client authentication middleware for JWT assertions
   * (`private_key_jwt`), and advertise the method in this server's metadata.
   * See {@link clientAssertion}.
   * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
   * The server's `issuer` and `clock` options are the middleware's defaults.
   * @param options issuer and audiences, algorithms, lifetime and skew, replay store, `jti` hook, metadata
   * @param verify finds the client and verifies the assertion's signature
   */
  clientAssertion(options: ClientAssertionOptions<Client> | undefined, verify: VerifyClientAssertion<Client>): Middleware;
  /**
   * Create client assertion authentication with the default options.
   * @param verify finds the client and verifies the assertion's signature
   */
  clientAssertion(verify: VerifyClientAssertion<Client>): Middleware;
  clientAssertion(options: any, verify?: any): Middleware {
    if (usedAsMiddleware('server.clientAssertion', arguments)) return misusedMiddleware('server.clientAssertion');
    if (typeof options === 'function') {
      verify = options;
      options = undefined;
    }
    // The standalone factory has no server: hand it this server's issuer and clock.
    const settings = settingsOf(this);
    const issuer = settings.profile?.issuer;
    const clock = settings.options.clock;
    const fapi2 = fapi2Of(settings);
    const given = fapi2 ? fapi2AssertionOptions(fapi2, options || {}, 'server.clientAssertion') : options || {};
    if (fapi2) options = given;
    if ((issuer && given.issuer === undefined) || (clock && given.now === undefined)) {
      options = { ...given, issuer: given.issuer ?? issuer, now: given.now ?? clock };
    }
    const mw = clientAssertion(options, verify);
    advertise(this, clientAssertionMetadata(options));
    return mw;
  }

  /**
   * Create middleware that authenticates the client (client secrets in HTTP
   * Basic or the body, JWT assertions, TLS certificates, public clients) and
   * sets it as `req.user` for the token endpoint and the other endpoints
   * clients call, and advertise its methods in this server's metadata. See
   * {@link authenticateClient}.
   *
   * @example
   * ```ts
   * app.post('/token', express.urlencoded({ extended: false }),
   *   server.authenticateClient(async ({ clientId }) => db.clients.find(clientId)),
   *   server.token(), server.errorHandler());
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
   * The server's `issuer` and `clock` are the assertion checks' defaults; on a
   * hardened server, failed attempts are throttled by default (`throttle`).
   * @param options methods, accessors of the client record, hooks, throttle, `endpoints` for the metadata
   * @param lookup finds the client record for a client identifier
   */
  authenticateClient(options: AuthenticateClientOptions<Client> | undefined, lookup: LookupClientFunction<Client>): Middleware;
  /**
   * Create client authentication middleware with the default options.
   * @param lookup finds the client record for a client identifier
   */
  authenticateClient(lookup: LookupClientFunction<Client>): Middleware;
  authenticateClient(options: any, lookup?: any): Middleware {
    if (usedAsMiddleware('server.authenticateClient', arguments)) return misusedMiddleware('server.authenticateClient');
    if (typeof options === 'function') {
      lookup = options;
      options = undefined;
    }
    const opts = withServerDefaults<Client>(settingsOf(this), options);
    const mw = authenticateClient(opts, lookup);
    advertise(this, authenticateClientMetadata(opts));
    return mw;
  }

  /**
   * Create the device authorization endpoint (RFC 8628 §3.1). See
   * {@link deviceAuthorization}.
   *
   * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
   * @param options `verificationURI` (required), `expiresIn`, polling `interval`, code generators, ...
   * @param store persists the new device authorization record
   */
  deviceAuthorization(options: DeviceAuthorizationOptions, store: DeviceAuthorizationStore<Client>): Middleware {
    if (usedAsMiddleware('server.deviceAuthorization', arguments)) return misusedMiddleware('server.deviceAuthorization');
    return this._renderErrors(deviceAuthorization<Client>(this, options, store));
  }

  /**
   * Create the middleware of the device flow's user-facing verification
   * step (RFC 8628 §3.3): it turns a user code into a transaction that
   * `decision()` completes. See {@link deviceVerification}.
   *
   * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
   * @param options `userCodeField`, `userProperty`, attempt limits and the store's options
   * @param lookup finds the pending device authorization for a user code
   */
  deviceVerification(options: DeviceVerificationOptions | undefined, lookup: DeviceLookupFunction<Client>): Middleware;
  /**
   * Create the device verification middleware with the default options.
   * @param lookup finds the pending device authorization for a user code
   */
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
   * @param options `expiresIn`, `userProperty`, `clientID`, `endpoint`
   * @param validate checks the client and its redirect URI, as for `authorize`
   * @param store keeps the pushed request until it is used or expires
   */
  pushedAuthorization(options: PushedAuthorizationOptions<Client> | undefined, validate: ValidateFunction<Client>, store: PushedRequestStore<Client>): Middleware;
  /**
   * Create the pushed authorization request endpoint with the default options.
   * @param validate checks the client and its redirect URI, as for `authorize`
   * @param store keeps the pushed request until it is used or expires
   */
  pushedAuthorization(validate: ValidateFunction<Client>, store: PushedRequestStore<Client>): Middleware;
  pushedAuthorization(options: any, validate: any, store?: any): Middleware {
    if (usedAsMiddleware('server.pushedAuthorization', arguments)) return misusedMiddleware('server.pushedAuthorization');
    if (typeof options === 'function') return this._renderErrors(pushedAuthorization<Client>(this, undefined, options, validate));
    return this._renderErrors(pushedAuthorization<Client>(this, options, validate, store));
  }

  /**
   * Create the dynamic client registration endpoint (RFC 7591 §3), and
   * advertise it as `registration_endpoint` when `options.endpoint` is set.
   * See {@link registration}.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
   * @param options `endpoint`, `policy`, `initialAccessToken`, redirect URI allowances, limits, `throttle`
   * @param store keeps the registered client
   */
  registration(options: RegistrationOptions | undefined, store: RegisteredClientStore): Middleware;
  /**
   * Create the registration endpoint with the default options (open registration).
   * @param store keeps the registered client
   */
  registration(store: RegisteredClientStore): Middleware;
  registration(options: any, store?: any): Middleware {
    if (usedAsMiddleware('server.registration', arguments)) return misusedMiddleware('server.registration');
    if (typeof options === 'function') return this._renderErrors(registration(this, undefined, options));
    return this._renderErrors(registration(this, options, store));
  }

  /**
   * Create the client configuration endpoint (RFC 7592): read, update and
   * delete of clients registered with the `management` option of
   * `registration()`. See {@link clientConfiguration}.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7592#section-2
   * @param options `uri`, the metadata rules of the registration endpoint, `clientIdOf`
   * @param store `load`, `update`, `remove`
   */
  clientConfiguration(options: ClientConfigurationOptions, store: ClientConfigurationStore): Middleware {
    if (usedAsMiddleware('server.clientConfiguration', arguments)) return misusedMiddleware('server.clientConfiguration');
    return this._renderErrors(clientConfiguration(this, options, store));
  }

  /**
   * Create a resolver of client metadata documents (`client_id` as an https
   * URL), and advertise `client_id_metadata_document_supported: true`. See
   * {@link createClientIdMetadataResolver}; call the resolver from the
   * `validate` of `authorize` and from the client lookup of the token endpoint.
   *
   * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
   * @param options limits, cache bounds, the development allowance for loopback, injectable `lookup` and `connect`
   * @returns the resolver
   */
  clientIdMetadataDocuments(options?: ClientIdMetadataOptions): ClientIdMetadataResolver {
    const resolver = createClientIdMetadataResolver({ now: settingsOf(this).options.clock, ...options });
    advertise(this, { client_id_metadata_document_supported: true });
    return resolver;
  }

  /**
   * Have an endpoint built by a standalone factory render its errors with
   * this server's error handler when `server.errorHandler` follows it
   * without the call (see lib/misuse.ts).
   * @internal
   */
  private _renderErrors(mw: Middleware): Middleware {
    setErrorRenderers(mw, { errorHandler: () => this.errorHandler() });
    return mw;
  }

  /** What renders an authorization-side error in place of an uncalled error handler. @internal */
  private _authorizationRenderers(): ErrorRenderers {
    return { errorHandler: () => this.errorHandler(), authorizationErrorHandler: () => this.authorizationErrorHandler() };
  }

  /**
   * Create an error-rendering middleware. See {@link errorHandler}.
   * @param options `mode`, `rfcStatus`, `realm`, `exposeErrors`, ...
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
   */
  errorHandler(options?: ErrorHandlerOptions): ErrorMiddleware {
    if (usedAsMiddleware('server.errorHandler', arguments)) return misusedMiddleware('server.errorHandler');
    const profile = settingsOf(this).profile;
    if (!profile) return errorHandler(options);
    const modes = { form_post: formPost, ...(options && options.modes) };
    return errorHandler({ rfcStatus: profile.rfcStatus, exposeErrors: profile.exposeErrors, issuer: profile.issuer, ...options, modes });
  }

  /**
   * Register a function that turns a client into something that can be stored
   * in the session (usually its ID). Links run in order; a link may call
   * `done('pass')` to let the next one try.
   *
   * @param fn `(client, done)`: `done(null, id)`, or `done('pass')`
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
   * @param fn `(id, done)`: `done(null, client)`, `done(null, false)` when the client is gone, or `done('pass')`
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
    const settings = settingsOf(this);
    carrySettings(req, settings);
    // FAPI 2.0 SP §5.3.2.2: only response_type=code, at authorize and at the PAR endpoint.
    const fapi2 = fapi2Of(settings);
    if (fapi2 && typeof type === 'string' && type !== '' && !fapi2.responseTypes.includes(type)) {
      return cb(new AuthorizationError('Unsupported response type: ' + type + ' (the FAPI 2.0 profile accepts only code)', 'unsupported_response_type'));
    }
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
    carrySettings(txn, settingsOf(this));
    respondWith(this._resHandlers, txn, res, complete, cb);
  }

  /** @internal Run the error handlers that match the transaction's type; `cb(err)` means none answered. */
  _respondError(err: unknown, txn: OAuth2Transaction<Client, User>, res: OAuth2ServerResponse, cb: (err?: unknown) => void): void {
    const settings = settingsOf(this);
    carrySettings(txn, settings);
    const profile = settings.profile;
    if (!profile) return respondError(this._errHandlers, err, txn, res, cb);
    // The grants' error handlers send what they get to the client: with
    // exposeErrors off, they get a bare server_error in place of an internal
    // error. The app's own error middleware still gets the original.
    const shown = profile.exposeErrors ? err : shownError(err);
    if (shown !== err) reportHidden(err, 'authorization');
    respondError(this._errHandlers, shown, txn, res, (e) => cb(e === shown ? err : e));
  }

  /** @internal Run the exchanges registered for `type`; `cb()` without an error means none answered. */
  _exchange(type: string | undefined, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, cb: (err?: unknown) => void): void {
    runExchanges(this._exchanges, type, req, res, cb);
  }
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
 * @param options `store`: a transaction store in place of the session (default a {@link SessionStore})
 */
export function createServer<Client = any, User = any>(options?: ServerOptions): Server<Client, User> {
  return new Server<Client, User>(options);
}

export type { SessionStoreOptions, TransactionLoaderOptions };

// `server.errorHandler` and `server.authorizationErrorHandler` mounted without
// the call, as the first error handler after an endpoint, are found by the
// endpoint on its error path (lib/misuse.ts), which then renders the error itself.
markErrorHandlerFactory(Server.prototype.errorHandler);
markErrorHandlerFactory(Server.prototype.authorizationErrorHandler, 'authorizationErrorHandler');
