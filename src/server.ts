import { UnorderedList } from './lib/unorderedlist.js';
import { debug, nameOf } from './lib/debug.js';
import { merge } from './lib/merge.js';
import { catchRejection, isThenable, settle } from './lib/async.js';
import { SessionStore, type SessionStoreOptions } from './txn/session.js';
import { authorization, type AuthorizationOptions, type ValidateFunction, type ImmediateFunction, type CompleteFunction } from './middleware/authorization.js';
import { resume, type ResumeOptions } from './middleware/resume.js';
import { decision, type DecisionOptions, type DecisionParseFunction } from './middleware/decision.js';
import { transactionLoader, type TransactionLoaderOptions } from './middleware/transactionLoader.js';
import { token, type TokenOptions } from './middleware/token.js';
import { authorizationErrorHandler, type AuthorizationErrorHandlerOptions } from './middleware/authorizationErrorHandler.js';
import { errorHandler, type ErrorHandlerOptions } from './middleware/errorHandler.js';
import type {
  AuthorizationRequest,
  Callback,
  ErrorMiddleware,
  Middleware,
  NextFunction,
  OAuth2IncomingMessage,
  OAuth2ServerResponse,
  OAuth2Transaction,
} from './types.js';

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
}

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

  constructor(options?: ServerOptions) {
    this._txnStore = (options && options.store) || new SessionStore();
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
  exchange(fn: ExchangeFunction): this;
  exchange(type: string, fn: ExchangeFunction): this;
  exchange(type: string | ExchangeFunction, fn?: ExchangeFunction): this {
    let name: string;
    if (typeof type === 'function') {
      fn = type;
      name = type.name;
    } else {
      name = type;
    }
    const handle = fn as ExchangeFunction;
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
  decision(options: DecisionOptions & { loadTransaction: false }, parse?: DecisionParseFunction, complete?: CompleteFunction<Client, User>): Middleware;
  decision(options?: DecisionOptions, parse?: DecisionParseFunction, complete?: CompleteFunction<Client, User>): Middleware[];
  decision(parse: DecisionParseFunction, complete?: CompleteFunction<Client, User>): Middleware[];
  decision(options?: any, parse?: any, complete?: any): Middleware | Middleware[] {
    if (options && options.loadTransaction === false) {
      return decision(this, options, parse, complete);
    }
    return [transactionLoader(this, typeof options === 'function' ? undefined : options), decision(this, options, parse, complete)];
  }

  /**
   * Create the error middleware for the authorization endpoint: a wrapper
   * that tries to load the transaction (always passing the original error
   * on), followed by a handler that runs the grants' error handlers, which
   * usually redirect the error to the client. Also available as
   * `authorizeError` and `authorizationError`.
   */
  authorizationErrorHandler(options?: AuthorizationErrorHandlerOptions): ErrorMiddleware[] {
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
    return token(this, options);
  }

  /** Create an error-rendering middleware. See {@link errorHandler}. */
  errorHandler(options?: ErrorHandlerOptions): ErrorMiddleware {
    return errorHandler(options);
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

  /**
   * @internal Run the request parsers that match `type` and merge their
   * output into one authorization request.
   */
  _parse(type: string | undefined, req: OAuth2IncomingMessage, cb: (err: unknown, areq?: AuthorizationRequest) => void): void {
    const wanted = new UnorderedList(type);
    const stack = this._reqParsers;
    const areq = {} as AuthorizationRequest;
    if (type) areq.type = type;
    let i = 0;
    // Synchronous parsers are handled in a loop; an asynchronous one resumes
    // the loop from its callback.
    const resumeAt = (): void => {
      while (i < stack.length) {
        const layer = stack[i++]!;
        const handle = layer.handle;
        if (debug.enabled) debug('parse:%s', nameOf(handle));
        if (layer.type !== null && !layer.type.equalTo(wanted)) continue;
        if (handle.length === 1) {
          let out: unknown;
          try {
            out = (handle as SyncRequestParser)(req as ParserRequest);
          } catch (err) {
            return cb(err);
          }
          if (isThenable(out)) {
            // An async parser: continue once its result is in.
            let settled = false;
            out.then(
              (value) => {
                if (settled) return;
                settled = true;
                merge(areq, value);
                resumeAt();
              },
              (err) => {
                if (settled) return;
                settled = true;
                cb(err || new Error('Request parser rejected without a reason'));
              },
            );
            return;
          }
          merge(areq, out);
          continue;
        }
        let settled = false;
        try {
          const returned = (handle as AsyncRequestParser)(req as ParserRequest, (err, out) => {
            if (settled) return;
            settled = true;
            if (err) return cb(err);
            merge(areq, out);
            resumeAt();
          });
          catchRejection(returned, (err) => {
            if (settled) return;
            settled = true;
            cb(err);
          });
        } catch (err) {
          if (settled) throw err;
          settled = true;
          return cb(err);
        }
        return;
      }
      cb(null, areq);
    };
    resumeAt();
  }

  /**
   * @internal Run the response handlers that match the transaction's type.
   * `cb()` without an error means none of them answered.
   */
  _respond(
    txn: OAuth2Transaction<Client, User>,
    res: OAuth2ServerResponse,
    complete: ((cb: (err?: unknown) => void) => void) | ((err?: unknown) => void) | undefined,
    cb?: (err?: unknown) => void,
  ): void {
    if (cb === undefined) {
      cb = complete as (err?: unknown) => void;
      complete = undefined;
    }
    const done = cb;
    const completing = (complete as ((cb: (err?: unknown) => void) => void) | undefined) || ((next: (err?: unknown) => void) => next());
    const wanted = new UnorderedList(txn.req && txn.req.type);
    const stack = this._resHandlers;
    let idx = 0;
    let calls = 0;
    const next = (err?: unknown): void => {
      calls++;
      if (err) return done(err);
      const layer = stack[idx++];
      if (!layer) return done();
      const handle = layer.handle;
      if (debug.enabled) debug('respond:%s', nameOf(handle));
      if (layer.type !== null && !layer.type.equalTo(wanted)) return next();
      try {
        const returned = handle.length === 4
          ? (handle as (t: unknown, r: unknown, c: unknown, n: NextFunction) => unknown)(txn, res, completing, next)
          : (handle as (t: unknown, r: unknown, n: NextFunction) => unknown)(txn, res, next);
        if (isThenable(returned)) {
          const at = calls;
          awaitHandler(returned, handle.length < 3, res, () => calls === at, next);
        }
      } catch (ex) {
        return done(ex);
      }
    };
    next();
  }

  /**
   * @internal Run the error handlers that match the transaction's type.
   * `cb(err)` means none of them answered.
   */
  _respondError(err: unknown, txn: OAuth2Transaction<Client, User>, res: OAuth2ServerResponse, cb: (err?: unknown) => void): void {
    const wanted = new UnorderedList(txn.req && txn.req.type);
    const stack = this._errHandlers;
    let idx = 0;
    let calls = 0;
    const next = (e?: unknown): void => {
      calls++;
      const layer = stack[idx++];
      if (!layer) return cb(e);
      if (debug.enabled) debug('error:%s', nameOf(layer.handle));
      if (layer.type !== null && !layer.type.equalTo(wanted)) return next(e);
      try {
        const returned: unknown = layer.handle(e, txn, res, next);
        if (isThenable(returned)) {
          const at = calls;
          awaitHandler(returned, layer.handle.length < 4, res, () => calls === at, next, e);
        }
      } catch (ex) {
        return cb(ex);
      }
    };
    next(err);
  }

  /**
   * @internal Run the exchanges registered for `type`, in order. `cb()`
   * without an error means none of them answered.
   */
  _exchange(type: string | undefined, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, cb: (err?: unknown) => void): void {
    const stack = this._exchanges;
    const logging = debug.enabled;
    let idx = 0;
    const next = (err?: unknown): void => {
      if (err) return cb(err);
      let layer = stack[idx++];
      for (; layer; layer = stack[idx++]) {
        if (logging) debug('exchange:%s', nameOf(layer.handle));
        if (layer.type === null || layer.type === type) break;
      }
      if (!layer) return cb();
      try {
        layer.handle(req, res, next);
      } catch (ex) {
        return cb(ex);
      }
    };
    next();
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
 * Follow a Promise returned by a response or error handler. A rejection is
 * passed on as an error. When the handler is in the Promise form (it takes
 * no `next`), resolving without having responded declines, like `next()`.
 */
function awaitHandler(
  returned: PromiseLike<unknown>,
  promiseForm: boolean,
  res: OAuth2ServerResponse,
  pending: () => boolean,
  next: NextFunction,
  err?: unknown,
): void {
  returned.then(
    () => {
      if (promiseForm && pending() && !res.headersSent && !res.writableEnded) next(err);
    },
    (reason) => {
      // Ignored when the handler had already moved on or answered.
      if (pending() && !res.headersSent) next(reason || new Error('Handler rejected without a reason'));
    },
  );
}

/**
 * Walk a (de)serialization chain. A link's `'pass'` error moves on; any other
 * error, or a truthy result, ends the walk. For deserialization, `null` or
 * `false` also ends it and means the client is gone.
 */
function runChain(
  stack: ReadonlyArray<(input: any, done: (err: unknown, out?: any) => void) => void>,
  input: unknown,
  done: (err: unknown, out?: any) => void,
  deserializing: boolean,
  failure: string,
): void {
  let i = 0;
  const pass = (err: unknown, out: unknown): void => {
    if (err === 'pass') err = undefined;
    if (err || out) return done(err, out);
    if (deserializing && (out === null || out === false)) return done(null, false);
    const layer = stack[i++];
    if (!layer) return done(new Error(failure));
    let called = false;
    const step = (e: unknown, o?: unknown): void => {
      if (called) return;
      called = true;
      pass(e, o);
    };
    try {
      if (layer.length === 1) {
        // Context form: `async (client) => id`, `async (id) => client`.
        return settle((layer as unknown as (input: unknown) => unknown)(input), (o) => step(null, o), step);
      }
      catchRejection(layer(input, step), step);
    } catch (ex) {
      if (called) throw ex;
      called = true;
      done(ex);
    }
  };
  pass(undefined, undefined);
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
