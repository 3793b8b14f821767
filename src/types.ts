/**
 * Public types shared by the server, the grants, the exchanges and the
 * middleware. The middleware are typed on `node:http` objects plus the few
 * properties Express, body parsers and session middleware add, so Express is
 * needed only by applications that use it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UnorderedList } from './unorderedlist.js';
import type { Server } from './server.js';
import type { HardenedOptions } from './settings/profile.js';
import type { DpopOptions } from './settings/dpop.js';
import type { PkcePolicy } from './pkce.js';

/**
 * A bag of request parameters, as produced by a query or body parser.
 *
 * @group Types
 */
export type ParamBag = Record<string, unknown>;

/**
 * A compact JWS (a JWT assertion) that passed the shape checks of RFC 7515
 * §7.1. Nothing in it is verified: the application checks the signature.
 *
 * @group Types
 */
export interface CompactJws {
  /** The decoded protected header; `alg` is a string other than `none`. */
  header: Record<string, unknown>;
  /** The decoded payload, a JSON object (the JWT claims set), unverified. */
  claims: Record<string, unknown>;
}

/**
 * A callback in Node style.
 *
 * @group Types
 */
export type Callback<T = unknown> = (err?: unknown, result?: T) => void;

/**
 * The `next` function handed to connect/Express middleware.
 *
 * @group Types
 */
export type NextFunction = (err?: unknown) => void;

/**
 * The parsed authorization request (`areq`, `txn.req`): the merged output of
 * every request parser that matched the response type.
 *
 * @group Types
 */
export interface AuthorizationRequest {
  /** The response type, exactly as the client sent it. */
  type: string;
  /** The `client_id` parameter. */
  clientID?: string;
  /** The `redirect_uri` parameter, when the request had one. */
  redirectURI?: string;
  /** The `scope` parameter, split on the grant's `scopeSeparator`. */
  scope?: string[];
  /** The `state` parameter, sent back to the client unchanged. */
  state?: string;
  /** Set by response-mode extensions such as `form_post`. */
  responseMode?: string;
  /**
   * The `code_challenge` parameter (RFC 7636 §4.3), read by `grant.code`
   * when a PKCE policy is set (or by the `oauth2orize-pkce` plugin, which
   * uses the same name). Store it with the code for `exchange.code`'s
   * `pkce.lookup`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
   */
  codeChallenge?: string;
  /** The `code_challenge_method` parameter: `'S256'` or `'plain'` (absent means `plain`, RFC 7636 §4.3). */
  codeChallengeMethod?: string;
  /**
   * The `resource` parameters (RFC 8707 §2), read by `grant.code` and
   * `grant.token`: each an absolute URI without fragment, in request order.
   * Absent when the request names no resource. Store the granted list with
   * the code or grant, and check the token request's resources against it
   * (`isSubsetOf`).
   *
   * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
   */
  resource?: string[];
  /**
   * The `dpop_jkt` parameter (RFC 9449 §10), read by `grant.code` on a
   * server with the `dpop` option: the thumbprint of the key the code is
   * bound to. Store it with the code (`dpopJkt` of the record `exchange.code`'s
   * `pkce.lookup` returns, or its `dpopBinding` option).
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-10
   */
  dpopJkt?: string;
  /** Fields added by extension parsers (PKCE, OpenID Connect, ...). */
  [key: string]: unknown;
}

/**
 * The user's decision (`ares`, `txn.res`).
 *
 * @group Types
 */
export interface AuthorizationResponse {
  /** Whether the user (or `immediate`) allowed the request. */
  allow: boolean;
  /** Anything the app's `parse` or `immediate` callback added, such as `scope`. */
  [key: string]: unknown;
}

/**
 * The OAuth 2.0 transaction that travels on `req.oauth2` through the
 * authorization endpoint, the consent page and the decision.
 *
 * @group Types
 */
export interface OAuth2Transaction<Client = unknown, User = unknown> {
  /** The client that `validate` returned. */
  client: Client;
  /** The redirect URI that `validate` returned: the only one ever redirected to. */
  redirectURI?: string;
  /**
   * The web origin that `validate` returned, for response modes that post messages to a window.
   */
  webOrigin?: string;
  /** The parsed authorization request (`areq`). */
  req: AuthorizationRequest;
  /** The signed-in user (`req.user`, or the `userProperty` option). */
  user?: User;
  /** The decision (`ares`), once made. */
  res?: AuthorizationResponse;
  /** What `immediate` passed as `info` (for example the scope already granted). */
  info?: Record<string, unknown>;
  /** Values the app attached with `immediate`, `parse` or `res.locals`, carried to the grant. */
  locals?: Record<string, unknown>;
  /** The identifier the consent form posts back as `transaction_id`. */
  transactionID?: string;
  /** Set when the middleware has already arranged to remove the transaction. */
  _endProxied?: boolean;
}

/**
 * The request properties this package reads or writes.
 *
 * @group Types
 */
export interface OAuth2IncomingMessage extends IncomingMessage {
  /** The parsed query string (Express sets it; plain `node:http` apps must). */
  query?: unknown;
  /** The parsed form body (`express.urlencoded()` or similar). */
  body?: unknown;
  /** The session, for the default transaction store (express-session). */
  session?: unknown;
  /** Request-scoped values some frameworks attach. */
  locals?: unknown;
  /** What Passport's strategy passed as `info`, handed to the exchanges as `authInfo`. */
  authInfo?: unknown;
  /** The current transaction, set by the authorization endpoint and the transaction loader. */
  oauth2?: OAuth2Transaction<any, any>;
}

/**
 * The response properties this package uses; `redirect` comes from Express.
 *
 * @group Types
 */
export interface OAuth2ServerResponse extends ServerResponse {
  /** Express's `res.redirect`; without it, the response modes answer 302 with `Location`. */
  redirect?: unknown;
  /** Express's `res.locals`, merged into `txn.locals` by `resume`. */
  locals?: unknown;
}

/**
 * Wraps a function type so that its parameters are checked bivariantly, as
 * method parameters are (this is how `@types/express` lets handlers declare a
 * richer `Request`). The package's callback types use it, so a callback the
 * app annotated more narrowly than the package's honest types is accepted:
 * `redirectURI: string` where the package says `string | undefined`, a
 * `done` typed `(err: Error | null, code?: string) => void`, a parser
 * declared for Express's `Request`.
 *
 * @example
 * ```ts
 * type Handler = Bivariant<(req: IncomingMessage) => void>;
 * const h: Handler = (req: express.Request) => {};  // accepted
 * ```
 * @typeParam F the function type to relax
 *
 * @group Types
 */
export type Bivariant<F extends (...args: any[]) => unknown> = {
  /**
   * `F`, as a method: its parameters are checked bivariantly.
   * @param args the parameters of `F`
   */
  check(...args: Parameters<F>): ReturnType<F>;
}['check'];

/**
 * A connect-style middleware. Bivariant (see {@link Bivariant}), so a
 * middleware written for a narrower request type, such as `@types/oauth2orize`'s
 * `MiddlewareFunction`, can be registered as an exchange.
 *
 * @group Types
 */
export type Middleware = Bivariant<(req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction) => void>;

/**
 * A connect-style error-handling middleware.
 *
 * @group Types
 */
export type ErrorMiddleware = (err: any, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction) => void;

/**
 * A response mode, such as `query` or `fragment`: it sends `params` back to
 * the client, usually by redirecting to `txn.redirectURI`.
 *
 * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes
 *
 * @group Types
 */
export interface ResponseMode {
  (txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, params: Record<string, unknown>): void;
  /** Throws when the transaction cannot be answered in this mode. */
  validate?: (txn: OAuth2Transaction<any, any>) => void;
}

/**
 * A map of response-mode names to implementations.
 *
 * @group Types
 */
export type ResponseModes = Record<string, ResponseMode>;

/**
 * The error shape the error handlers read: any object with these fields works.
 *
 * @group Types
 */
export interface OAuth2ErrorLike {
  /** Rendered as `error_description`. */
  message?: string;
  /** The OAuth error code, rendered as `error` (`server_error` when absent). */
  code?: string;
  /** Rendered as `error_uri`. */
  uri?: string;
  /** The HTTP status (500 when missing or below 400). */
  status?: number;
}

/**
 * The request as request parsers see it: the query (and body) are parsed.
 *
 * @group Types
 */
export interface ParserRequest extends OAuth2IncomingMessage {
  /** The parsed query string, where the authorization request's parameters are. */
  query: Record<string, unknown>;
  /** The parsed form body, when there is one. */
  body?: Record<string, unknown>;
}


/**
 * A synchronous request parser: returns the fields it read (or a Promise of them).
 *
 * @group Types
 */
export type SyncRequestParser = Bivariant<(req: ParserRequest) => Record<string, unknown> | undefined | void | PromiseLike<Record<string, unknown> | undefined | void>>;
/**
 * An asynchronous request parser: `done(err, fields)`.
 *
 * @group Types
 */
export type AsyncRequestParser = Bivariant<(req: ParserRequest, done: Callback<Record<string, unknown> | undefined>) => unknown>;
/**
 * Parses the authorization request for a response type: arity 1 returns the
 * fields (or a Promise of them), arity 2 calls `done(err, fields)`. One
 * signature covers both, so `(req) => ({ ... })` needs no annotation.
 *
 * @group Types
 */
export type RequestParser = Bivariant<(req: ParserRequest, done: Callback<Record<string, unknown> | undefined>) => unknown>;

/**
 * Responds to a transaction once the user (or `immediate`) has decided:
 * `(txn, res, next)`, or with arity 4 `(txn, res, complete, next)`. The third
 * position carries both roles, so unannotated handlers are typed either way.
 *
 * @group Types
 */
export type ResponseHandler<Client = any, User = any> = Bivariant<(
  txn: OAuth2Transaction<Client, User>,
  res: OAuth2ServerResponse,
  complete: NextFunction & ((cb: (err?: unknown) => void) => void),
  next: NextFunction,
) => unknown>;

/**
 * Sends an error back to the client, typically by redirecting to it.
 *
 * @group Types
 */
export type GrantErrorHandler<Client = any, User = any> = Bivariant<(
  err: any,
  txn: OAuth2Transaction<Client, User>,
  res: OAuth2ServerResponse,
  next: NextFunction,
) => unknown>;

/**
 * A grant module: the parts that handle one response type, as returned by
 * `grant.code()` and `grant.token()` or written by plugins.
 *
 * @group Types
 */
export interface GrantModule<Client = any, User = any> {
  /** The response type the module handles, e.g. `code`. */
  name?: string;
  /** Parses the authorization request for this response type. */
  request?: RequestParser;
  /** Answers the client once the decision is made (for example, redirects with a code). */
  response?: ResponseHandler<Client, User>;
  /** Sends an error back to the client. */
  error?: GrantErrorHandler<Client, User>;
  /** RFC 8414 metadata fields the module supports, read by the metadata endpoint. */
  metadata?: Readonly<Record<string, unknown>>;
}

/** Carries an exchange's `Client` type; never set at runtime. */
declare const exchangeClient: unique symbol;

/**
 * An exchange: a middleware that answers one `grant_type` at the token endpoint.
 * `Client` is a type-level tag only: it lets `server.exchange(exchange.code(...))`
 * on a `Server<Client, User>` infer the `client` the callback receives.
 *
 * @group Types
 */
export type ExchangeFunction<Client = any> = Middleware & {
  /** Type-level tag carrying `Client`; never set at run time. */
  readonly [exchangeClient]?: (client: Client) => void;
};

/**
 * Phases under which `server.grant(type, phase, fn)` registers a function.
 *
 * @group Types
 */
export type GrantPhase = 'request' | 'response' | 'error';

/**
 * A registry entry: `type` is `null` for the wildcard `'*'`.
 *
 * @group Types
 */
export interface GrantLayer<F> {
  /** The response types this entry matches, in any order. */
  type: UnorderedList | null;
  /** The registered function. */
  handle: F;
}

/**
 * An exchange registry entry: `type` is `null` for the wildcard `'*'`.
 *
 * @group Types
 */
export interface ExchangeLayer {
  /** The grant type this entry matches. */
  type: string | null;
  /** The registered exchange. */
  handle: ExchangeFunction;
}

/**
 * A link in the `serializeClient` chain.
 *
 * @group Types
 */
export type SerializeClientFunction<Client = any> = Bivariant<(client: Client, done: (err: unknown, id?: unknown) => void) => unknown>;
/**
 * A link in the `deserializeClient` chain; `done(null, false)` means the client is gone.
 *
 * @group Types
 */
export type DeserializeClientFunction<Client = any> = Bivariant<(id: any, done: (err: unknown, client?: Client | false | null) => void) => unknown>;

/**
 * `done(err, allow, info, locals)` of `immediate`.
 *
 * @group Core 1.x
 */
export type ImmediateCallback = (err?: unknown, allow?: boolean, info?: Record<string, unknown> | null, locals?: Record<string, unknown> | null) => void;

/**
 * What a context-form (async) `immediate` resolves to, when not a boolean.
 *
 * @group Core 1.x
 */
export interface ImmediateResult {
  /** Whether to answer at once, without the consent page. */
  allow: boolean;
  /** Becomes `txn.info`, and the decision (`ares`) when allowed. */
  info?: Record<string, unknown>;
  /** Merged into `txn.locals`. */
  locals?: Record<string, unknown>;
}

/**
 * The answer of a store's `claim` in its callback form: `ok === false` when
 * another request already took the transaction; an `err` is a failure of the
 * store and reaches `next(err)` unchanged.
 *
 * @group Types
 */
export type TransactionClaimCallback = (err: unknown, ok?: boolean) => void;

/**
 * A transaction store in the 1.x "legacy" interface, as the session store
 * implements it: it receives the server and the middleware's options.
 *
 * `claim` (optional, new in 2.x) is asked by `decision` and `resume` before
 * they answer a loaded transaction, so that at most one request answers it.
 * It is called as `claim(options, req, tid, cb)` when declared with four
 * parameters, otherwise as `claim(options, req, tid)` returning a boolean or
 * a Promise of one. `false`, a rejection or a throw refuses: the request
 * fails with `ForbiddenError('Unable to load OAuth 2.0 transaction: ' + tid)`
 * (403), as for an unknown transaction. Make it atomic where the store is
 * shared (Redis `DEL` returning 1, SQL `DELETE` counting one row, `SET NX`).
 * A store without `claim` is trusted, as in 1.x.
 *
 * @group Types
 */
export interface LegacyTransactionStore {
  /** Marks the 1.x interface: the methods receive the server and the options. */
  legacy: true;
  /**
   * Loads the transaction the request names (`transaction_id`).
   * @param server the server, whose `deserializeClient` restores the client
   * @param options the middleware's options (`transactionField`, `sessionKey`, ...)
   * @param req the request
   * @param cb called with the transaction, or an error
   */
  load(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, cb: (err: unknown, txn?: OAuth2Transaction<any, any>) => void): void;
  /**
   * Stores a new transaction and answers its identifier.
   * @param server the server, whose `serializeClient` reduces the client
   * @param options the middleware's options
   * @param req the request
   * @param txn the transaction to store
   * @param cb called with the new transaction ID
   */
  store(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, txn: object, cb: (err: unknown, tid?: string) => void): void;
  /**
   * Replaces a stored transaction (after `resume`).
   * @param server the server
   * @param options the middleware's options
   * @param req the request
   * @param tid the transaction ID
   * @param txn the new contents
   * @param cb called with the (possibly new) transaction ID
   */
  update(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, tid: string, txn: object, cb: (err: unknown, tid?: string) => void): void;
  /**
   * Removes a transaction once it has been answered.
   * @param options the middleware's options
   * @param req the request
   * @param tid the transaction ID
   * @param cb called when done
   */
  remove(options: object, req: OAuth2IncomingMessage, tid: string, cb: (err?: unknown) => void): void;
  /** Claims a transaction for the one request that may answer it (see above); optional. */
  claim?:
    | ((options: object, req: OAuth2IncomingMessage, tid: string) => boolean | PromiseLike<boolean>)
    | ((options: object, req: OAuth2IncomingMessage, tid: string, cb: TransactionClaimCallback) => void);
}

/**
 * A transaction store in the request-only interface. `claim` is optional and
 * works as in {@link LegacyTransactionStore}, called as `claim(req, tid, cb)`
 * or `claim(req, tid)`.
 *
 * @group Types
 */
export interface RequestTransactionStore {
  /** Absent or `false`: the methods receive only the request. */
  legacy?: false | undefined;
  /**
   * Loads the transaction the request names.
   * @param req the request (read `transaction_id` from its query or body)
   * @param cb called with the transaction, or an error
   */
  load(req: OAuth2IncomingMessage, cb: (err: unknown, txn?: OAuth2Transaction<any, any>) => void): void;
  /**
   * Stores a new transaction and answers its identifier.
   * @param req the request
   * @param txn the transaction to store
   * @param cb called with the new transaction ID
   */
  store(req: OAuth2IncomingMessage, txn: OAuth2Transaction<any, any>, cb: (err: unknown, tid?: string) => void): void;
  /**
   * Replaces a stored transaction (after `resume`).
   * @param req the request
   * @param tid the transaction ID
   * @param txn the new contents
   * @param cb called with the (possibly new) transaction ID
   */
  update(req: OAuth2IncomingMessage, tid: string, txn: OAuth2Transaction<any, any>, cb: (err: unknown, tid?: string) => void): void;
  /**
   * Removes a transaction once it has been answered.
   * @param req the request
   * @param tid the transaction ID
   * @param cb called when done
   */
  remove(req: OAuth2IncomingMessage, tid: string, cb: (err?: unknown) => void): void;
  /** Claims a transaction for the one request that may answer it; optional. */
  claim?:
    | ((req: OAuth2IncomingMessage, tid: string) => boolean | PromiseLike<boolean>)
    | ((req: OAuth2IncomingMessage, tid: string, cb: TransactionClaimCallback) => void);
}

/**
 * Either kind of transaction store.
 *
 * @group Types
 */
export type TransactionStore = LegacyTransactionStore | RequestTransactionStore;

/**
 * Options of {@link createServer}. They are checked when the server is
 * created: a value of the wrong type, or an unknown key that looks like a
 * misspelt option (`hardend`), throws a `TypeError` naming it; other
 * unknown keys are ignored (logged under `DEBUG=oauth2orize`), as in 1.x.
 *
 * @group Types
 */
export interface ServerOptions {
  /** Replaces the default session-backed transaction store. */
  store?: TransactionStore;
  /**
   * The authorization server's issuer identifier (an `https` URL without
   * query or fragment). When set, every authorization response carries it
   * as `iss`: codes, tokens, denials and errors, in the query, the fragment
   * or a form_post page.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
   */
  issuer?: string;
  /**
   * Turn on every RFC 9700 / OAuth 2.1 default at once (requires `issuer`):
   * PKCE S256 required, implicit and password grants refused (unless allowed
   * here), `iss` on, internal error messages hidden, RFC 6749 statuses,
   * 192-bit transaction IDs, `invalid_client` without an authenticated
   * client, `invalid_request` without `grant_type`. Each setting can be
   * overridden by its own option. See the README's "Hardened setup".
   * Only `true`, `false` or an object: a string such as `'false'` throws a
   * `TypeError` (it would otherwise turn the profile on).
   *
   * @see https://www.rfc-editor.org/rfc/rfc9700
   */
  hardened?: boolean | HardenedOptions;
  /**
   * A named security profile. `'fapi2'`: the FAPI 2.0 Security Profile
   * (OpenID Foundation, final): implies `hardened` and requires `issuer`;
   * pushed authorization requests required, `response_type=code` only,
   * PKCE S256, confidential clients authenticated with `private_key_jwt`
   * or mTLS (assertion `aud` the issuer, as a string), authorization codes
   * of at most 60 s, `request_uri` lifetimes under 600 s, 303 redirects,
   * sender-constrained tokens; the metadata lists only what it accepts.
   * Options that would loosen it throw a `TypeError`. See the FAPI 2.0 guide
   * (docs/guides/fapi2.md).
   *
   * @see https://openid.net/specs/fapi-security-profile-2_0-final.html
   */
  profile?: 'fapi2';
  /**
   * Server-wide PKCE policy for `grant.code` and `exchange.code` (RFC 7636).
   * `true` means `{ required: true }`: every code request must carry an
   * S256 `code_challenge`. `false` (or absent) sets no server-wide policy;
   * with `hardened`, `false` turns PKCE off, and an object overrides the
   * profile's fields one by one. A value of another type, or an object
   * with fields of the wrong type (`{ required: 'yes' }`), throws a
   * `TypeError`.
   *
   * @example
   * ```ts
   * createServer({ pkce: true });                                   // required, S256
   * createServer({ pkce: { required: 'public', isPublic: (c) => !c.secret } });
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc7636
   */
  pkce?: boolean | PkcePolicy;
  /**
   * Whether internal error messages (errors without an OAuth code) reach
   * clients, from `server.errorHandler()` and from the grants' error
   * handlers behind `authorizationErrorHandler()`. Default `true` (1.x);
   * `false` when hardened.
   */
  exposeErrors?: boolean;
  /** Default of `server.errorHandler({ rfcStatus })`. `true` when hardened. */
  rfcStatus?: boolean;
  /** Default of `server.token({ requireGrantType })`. `true` when hardened. */
  requireGrantType?: boolean;
  /** Default of `server.token({ requireClient })`. `true` when hardened. */
  requireClient?: boolean;
  /**
   * The clock every time-bounded check of this server reads: a function
   * returning the current time in milliseconds since the epoch, like (and by
   * default) `Date.now`. It decides the expiry of pushed requests
   * (`request_uri`) and device codes, the device flow's polling interval
   * (`slow_down`) and verification attempt window, introspection's `exp` and
   * `nbf` checks, and the default session store's claim periods. Endpoints
   * created from the server use it unless given their own `now` option;
   * exchanges registered on the server read it from the request. Set it in
   * tests to sit exactly on a boundary.
   *
   * @example
   * ```ts
   * let t = Date.parse('2030-01-01T00:00:00Z');
   * const server = oauth2orize.createServer({ clock: () => t });
   * t += 60_000; // a minute later, for every check of this server
   * ```
   */
  clock?: () => number;
  /**
   * DPoP (RFC 9449) at the token endpoint, for every grant type: `true` for
   * the defaults, or {@link DpopOptions}. Proofs are validated before the
   * exchange runs, `issue` gets the key's thumbprint (`dpop.jkt` in its
   * context object), the token response says `token_type: DPoP`, and
   * `grant.code` reads `dpop_jkt`. See docs/guides/dpop.md.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449
   */
  dpop?: boolean | DpopOptions;
}

/**
 * A request whose `oauth2` transaction is typed with the server's `Client`
 * and `User`: annotate a handler's `req` with it, or cast to it, without
 * augmenting `Express.Request`. `Req` is the framework's request type.
 *
 * @example
 * ```ts
 * type Req = OAuth2Request<typeof server, express.Request>;
 * app.get('/dialog', server.authorize(validate), (req, res) => {
 *   const { client, user, transactionID } = (req as Req).oauth2;
 * });
 * ```
 *
 * @group Types
 */
export type OAuth2Request<S extends Server<any, any> = Server<any, any>, Req = OAuth2IncomingMessage> =
  Omit<Req, 'oauth2'> & {
    /** The transaction, typed with the server's `Client` and `User`. */
    oauth2: TransactionOf<S>;
  };

/**
 * The transaction type of a server: `TransactionOf<typeof server>` is `OAuth2Transaction<Client, User>`.
 *
 * @group Types
 */
export type TransactionOf<S extends Server<any, any>> = S extends Server<infer C, infer U> ? OAuth2Transaction<C, U> : never;

/**
 * Options shared by the bundled exchanges.
 *
 * @group Exchanges
 */
export interface ExchangeOptions {
  /**
   * The request property that holds the authenticated client. Passport puts
   * it on `req.user`, which is the default.
   */
  userProperty?: string;
  /**
   * Separator(s) used to split the `scope` parameter: a string, or a list
   * tried in order (the first that splits wins). Default `' '`. Ignored by
   * `authorizationCode`, which reads no scope.
   */
  scopeSeparator?: string | readonly string[];
}

/**
 * The `done` callback an exchange's `issue` receives.
 *
 * @group Exchanges
 */
export type IssuedCallback = (
  err?: unknown,
  accessToken?: string | false | null,
  refreshToken?: string | Record<string, unknown> | false | null,
  params?: Record<string, unknown>,
) => void;

/**
 * What a context-form (async) exchange `issue` resolves to.
 *
 * @group Exchanges
 */
export interface IssuedTokens {
  /** The access token; falsy fails with `invalid_grant`. */
  accessToken: string;
  /** A refresh token, if one is issued. */
  refreshToken?: string;
  /** More members of the token response, such as `expires_in` or `scope`. */
  params?: Record<string, unknown>;
}

/**
 * What these helpers use of the server: its transaction store and its
 * response handlers, through the members 1.x plugins also read (`_txnStore`,
 * `_respond`). The middleware pass the server itself, and a store in the 1.x
 * interface receives it as before.
 *
 * @group Types
 */
export interface TransactionHost {
  /** The transaction store. */
  _txnStore: TransactionStore;
  /**
   * Runs the response handlers registered for the transaction's type.
   * @param txn the transaction to answer
   * @param res the response
   * @param complete offered to the handlers, runs the app's `complete`
   * @param cb called without an error when no handler answered
   */
  _respond(txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, complete: ((cb: (err?: unknown) => void) => void) | undefined, cb: (err?: unknown) => void): void;
}
