/**
 * The dispatch loops behind the server's registries: request parsers,
 * response and error handlers, exchanges, and the client (de)serialization
 * chains. Each runs the matching entries in registration order, choosing a
 * handler's calling convention by its arity as 1.x does.
 */
import { UnorderedList } from '../unorderedlist.js';
import { debug, nameOf } from './debug.js';
import { merge } from './merge.js';
import { callAs, callRaw, declaresDone, isThenable, once, returnsResult, shape } from './callback.js';
import type {
  AsyncRequestParser,
  ExchangeLayer,
  GrantErrorHandler,
  GrantLayer,
  ParserRequest,
  RequestParser,
  ResponseHandler,
  SyncRequestParser,
} from '../types.js';
import type { AuthorizationRequest, NextFunction, OAuth2IncomingMessage, OAuth2ServerResponse, OAuth2Transaction } from '../types.js';

/**
 * The response type a request or transaction names, as an UnorderedList to
 * match registrations against. The lists of the few types a server answers
 * are made once and shared (they are never changed); the cache stops
 * growing at `LISTS_MAX`, since the type comes from the request.
 */
function listOf(type: string | undefined): UnorderedList {
  if (typeof type !== 'string') return new UnorderedList(type);
  let list = lists.get(type);
  if (list === undefined) {
    list = new UnorderedList(type);
    if (lists.size < LISTS_MAX) lists.set(type, list);
  }
  return list;
}
const lists = new Map<string, UnorderedList>();
const LISTS_MAX = 64;

/**
 * A request parser: `(req, done(err, fields))`, or, with arity 1, 1.x's
 * synchronous parser that returns the fields (or a Promise of them).
 */
const PARSER = shape({ positional: ['req'], context: false });

/** A response handler: `(txn, res, next)`, or with arity 4 `(txn, res, complete, next)`. No `next`: the Promise form. */
const RESPONSE_HANDLER = shape({ positional: ['txn', 'res'], extras: ['complete'], contextArities: [] });

/** An error handler: `(err, txn, res, next)` whatever its arity. No `next`: the Promise form. */
const ERROR_HANDLER = shape({ positional: ['err', 'txn', 'res'], contextArities: [] });

/**
 * A link of a (de)serialization chain: `(input, done(err, out))`, or the
 * context form, `async (client) => id` or `async (id) => client`.
 */
const CHAIN_LINK = shape({ positional: ['input'], context: (input) => input });

/**
 * Run the request parsers that match `type` and merge their
 * output into one authorization request.
 */
export function parseRequest(
  stack: readonly GrantLayer<RequestParser>[],
  type: string | undefined,
  req: OAuth2IncomingMessage,
  cb: (err: unknown, areq?: AuthorizationRequest) => void,
): void {
  const wanted = listOf(type);
  const logging = debug.enabled;
  const areq = {} as AuthorizationRequest;
  if (type) areq.type = type;
  let i = 0;
  // Synchronous parsers are handled in a loop; an asynchronous one resumes
  // the loop from its callback.
  const resumeAt = (): void => {
    while (i < stack.length) {
      const layer = stack[i++]!;
      const handle = layer.handle;
      if (logging) debug('parse:%s', nameOf(handle));
      if (layer.type !== null && !layer.type.equalTo(wanted)) continue;
      if (returnsResult(PARSER, handle)) {
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
      const parsed = once((err: unknown, out?: unknown): void => {
        if (err) return cb(err);
        merge(areq, out);
        resumeAt();
      });
      // A resolved value is the parser's output, as in the one-argument form.
      return callAs(PARSER, handle as AsyncRequestParser, parsed, 'done', req);
    }
    cb(null, areq);
  };
  resumeAt();
}

/**
 * Run the response handlers that match the transaction's type.
 * `cb()` without an error means none of them answered.
 */
export function respondWith(
  stack: readonly GrantLayer<ResponseHandler>[],
  txn: OAuth2Transaction<any, any>,
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
  const wanted = listOf(txn.req && txn.req.type);
  const logging = debug.enabled;
  let idx = 0;
  let calls = 0;
  const next = (err?: unknown): void => {
    calls++;
    if (err) return done(err);
    const layer = stack[idx++];
    if (!layer) return done();
    const handle = layer.handle;
    if (logging) debug('respond:%s', nameOf(handle));
    if (layer.type !== null && !layer.type.equalTo(wanted)) return next();
    try {
      const returned = callRaw(RESPONSE_HANDLER, handle, next, txn, res, completing);
      if (isThenable(returned)) {
        const at = calls;
        awaitHandler(returned, !declaresDone(RESPONSE_HANDLER, handle), res, () => calls === at, next);
      }
    } catch (ex) {
      return done(ex);
    }
  };
  next();
}

/**
 * Run the error handlers that match the transaction's type.
 * `cb(err)` means none of them answered.
 */
export function respondError(
  stack: readonly GrantLayer<GrantErrorHandler>[],
  err: unknown,
  txn: OAuth2Transaction<any, any>,
  res: OAuth2ServerResponse,
  cb: (err?: unknown) => void,
): void {
  const wanted = listOf(txn.req && txn.req.type);
  const logging = debug.enabled;
  let idx = 0;
  let calls = 0;
  const next = (e?: unknown): void => {
    calls++;
    const layer = stack[idx++];
    if (!layer) return cb(e);
    if (logging) debug('error:%s', nameOf(layer.handle));
    if (layer.type !== null && !layer.type.equalTo(wanted)) return next(e);
    try {
      const returned = callRaw(ERROR_HANDLER, layer.handle, next, e, txn, res);
      if (isThenable(returned)) {
        const at = calls;
        awaitHandler(returned, !declaresDone(ERROR_HANDLER, layer.handle), res, () => calls === at, next, e);
      }
    } catch (ex) {
      return cb(ex);
    }
  };
  next(err);
}

/**
 * Run the exchanges registered for `type`, in order. `cb()`
 * without an error means none of them answered.
 */
export function runExchanges(
  stack: readonly ExchangeLayer[],
  type: string | undefined,
  req: OAuth2IncomingMessage,
  res: OAuth2ServerResponse,
  cb: (err?: unknown) => void,
): void {
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
export function runChain(
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
    callAs(CHAIN_LINK, layer, once((e: unknown, o?: unknown): void => pass(e, o)), 'done', input);
  };
  pass(undefined, undefined);
}
