/**
 * Public types shared by the server, the grants, the exchanges and the
 * middleware. The middleware are typed on `node:http` objects plus the few
 * properties Express, body parsers and session middleware add, so Express is
 * needed only by applications that use it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UnorderedList } from './lib/unorderedlist.js';
import type { Server } from './server.js';
import type { HardenedOptions } from './lib/profile.js';
import type { PkcePolicy } from './lib/pkce.js';

/** A callback in Node style. */
export type Callback<T = unknown> = (err?: unknown, result?: T) => void;

/** The `next` function handed to connect/Express middleware. */
export type NextFunction = (err?: unknown) => void;

/**
 * The parsed authorization request (`areq`, `txn.req`): the merged output of
 * every request parser that matched the response type.
 */
export interface AuthorizationRequest {
  /** The response type, exactly as the client sent it. */
  type: string;
  clientID?: string;
  redirectURI?: string;
  scope?: string[];
  state?: string;
  /** Set by response-mode extensions such as `form_post`. */
  responseMode?: string;
  /** Fields added by extension parsers (PKCE, OpenID Connect, ...). */
  [key: string]: unknown;
}

/** The user's decision (`ares`, `txn.res`). */
export interface AuthorizationResponse {
  allow: boolean;
  /** Anything the app's `parse` or `immediate` callback added, such as `scope`. */
  [key: string]: unknown;
}

/**
 * The OAuth 2.0 transaction that travels on `req.oauth2` through the
 * authorization endpoint, the consent page and the decision.
 */
export interface OAuth2Transaction<Client = unknown, User = unknown> {
  client: Client;
  redirectURI?: string;
  webOrigin?: string;
  req: AuthorizationRequest;
  user?: User;
  res?: AuthorizationResponse;
  info?: Record<string, unknown>;
  locals?: Record<string, unknown>;
  transactionID?: string;
  /** Set when the middleware has already arranged to remove the transaction. */
  _endProxied?: boolean;
}

/** The request properties this package reads or writes. */
export interface OAuth2IncomingMessage extends IncomingMessage {
  query?: unknown;
  body?: unknown;
  session?: unknown;
  locals?: unknown;
  authInfo?: unknown;
  oauth2?: OAuth2Transaction<any, any>;
}

/** The response properties this package uses; `redirect` comes from Express. */
export interface OAuth2ServerResponse extends ServerResponse {
  redirect?: unknown;
  locals?: unknown;
}

/** A connect-style middleware. */
export type Middleware = (req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction) => void;

/** A connect-style error-handling middleware. */
export type ErrorMiddleware = (err: any, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction) => void;

/**
 * A response mode, such as `query` or `fragment`: it sends `params` back to
 * the client, usually by redirecting to `txn.redirectURI`.
 *
 * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes
 */
export interface ResponseMode {
  (txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, params: Record<string, unknown>): void;
  /** Throws when the transaction cannot be answered in this mode. */
  validate?: (txn: OAuth2Transaction<any, any>) => void;
}

/** A map of response-mode names to implementations. */
export type ResponseModes = Record<string, ResponseMode>;

/** The error shape the error handlers read: any object with these fields works. */
export interface OAuth2ErrorLike {
  message?: string;
  code?: string;
  uri?: string;
  status?: number;
}

/** The request as request parsers see it: the query (and body) are parsed. */
export interface ParserRequest extends OAuth2IncomingMessage {
  query: Record<string, unknown>;
  body?: Record<string, unknown>;
}

/**
 * Wraps a function type so that its parameters are checked bivariantly, as
 * method parameters are: a parser declared for Express's richer `Request`
 * is accepted where a {@link ParserRequest} is passed.
 */
type Bivariant<F extends (...args: any[]) => unknown> = { check(...args: Parameters<F>): ReturnType<F> }['check'];

/** A synchronous request parser: returns the fields it read (or a Promise of them). */
export type SyncRequestParser = Bivariant<(req: ParserRequest) => Record<string, unknown> | undefined | void | PromiseLike<Record<string, unknown> | undefined | void>>;
/** An asynchronous request parser: `done(err, fields)`. */
export type AsyncRequestParser = Bivariant<(req: ParserRequest, done: Callback<Record<string, unknown> | undefined>) => unknown>;
/**
 * Parses the authorization request for a response type: arity 1 returns the
 * fields (or a Promise of them), arity 2 calls `done(err, fields)`. One
 * signature covers both, so `(req) => ({ ... })` needs no annotation.
 */
export type RequestParser = Bivariant<(req: ParserRequest, done: Callback<Record<string, unknown> | undefined>) => unknown>;

/**
 * Responds to a transaction once the user (or `immediate`) has decided:
 * `(txn, res, next)`, or with arity 4 `(txn, res, complete, next)`. The third
 * position carries both roles, so unannotated handlers are typed either way.
 */
export type ResponseHandler<Client = any, User = any> = Bivariant<(
  txn: OAuth2Transaction<Client, User>,
  res: OAuth2ServerResponse,
  complete: NextFunction & ((cb: (err?: unknown) => void) => void),
  next: NextFunction,
) => unknown>;

/** Sends an error back to the client, typically by redirecting to it. */
export type GrantErrorHandler<Client = any, User = any> = Bivariant<(
  err: any,
  txn: OAuth2Transaction<Client, User>,
  res: OAuth2ServerResponse,
  next: NextFunction,
) => unknown>;

/**
 * A grant module: the parts that handle one response type, as returned by
 * `grant.code()` and `grant.token()` or written by plugins.
 */
export interface GrantModule<Client = any, User = any> {
  /** The response type the module handles, e.g. `code`. */
  name?: string;
  request?: RequestParser;
  response?: ResponseHandler<Client, User>;
  error?: GrantErrorHandler<Client, User>;
  /** RFC 8414 metadata fields the module supports, read by the metadata endpoint. */
  metadata?: Readonly<Record<string, unknown>>;
}

/** An exchange: a middleware that answers one `grant_type` at the token endpoint. */
export type ExchangeFunction = Middleware;

/** Phases under which `server.grant(type, phase, fn)` registers a function. */
export type GrantPhase = 'request' | 'response' | 'error';

/** A registry entry: `type` is `null` for the wildcard `'*'`. */
export interface GrantLayer<F> {
  type: UnorderedList | null;
  handle: F;
}

/** An exchange registry entry: `type` is `null` for the wildcard `'*'`. */
export interface ExchangeLayer {
  type: string | null;
  handle: ExchangeFunction;
}

/** A link in the `serializeClient` chain. */
export type SerializeClientFunction<Client = any> = (client: Client, done: (err: unknown, id?: unknown) => void) => void;
/** A link in the `deserializeClient` chain; `done(null, false)` means the client is gone. */
export type DeserializeClientFunction<Client = any> = (id: any, done: (err: unknown, client?: Client | false | null) => void) => void;

/**
 * A transaction store in the 1.x "legacy" interface, as the session store
 * implements it: it receives the server and the middleware's options.
 */
export interface LegacyTransactionStore {
  legacy: true;
  load(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, cb: (err: unknown, txn?: OAuth2Transaction<any, any>) => void): void;
  store(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, txn: object, cb: (err: unknown, tid?: string) => void): void;
  update(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, tid: string, txn: object, cb: (err: unknown, tid?: string) => void): void;
  remove(options: object, req: OAuth2IncomingMessage, tid: string, cb: (err?: unknown) => void): void;
}

/** A transaction store in the request-only interface. */
export interface RequestTransactionStore {
  legacy?: false | undefined;
  load(req: OAuth2IncomingMessage, cb: (err: unknown, txn?: OAuth2Transaction<any, any>) => void): void;
  store(req: OAuth2IncomingMessage, txn: OAuth2Transaction<any, any>, cb: (err: unknown, tid?: string) => void): void;
  update(req: OAuth2IncomingMessage, tid: string, txn: OAuth2Transaction<any, any>, cb: (err: unknown, tid?: string) => void): void;
  remove(req: OAuth2IncomingMessage, tid: string, cb: (err?: unknown) => void): void;
}

/** Either kind of transaction store. */
export type TransactionStore = LegacyTransactionStore | RequestTransactionStore;

/** Options of {@link createServer}. */
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
   *
   * @see https://www.rfc-editor.org/rfc/rfc9700
   */
  hardened?: boolean | HardenedOptions;
  /** Server-wide PKCE policy for `grant.code` and `exchange.code` (RFC 7636). */
  pkce?: PkcePolicy;
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
}
