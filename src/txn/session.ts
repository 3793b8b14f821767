import uid from 'uid-safe';
import { checkOptions, type OptionTable } from '../lib/checkOptions.js';
import { AuthorizationError } from '../errors/authorizationerror.js';
import { BadRequestError } from '../errors/badrequesterror.js';
import { ForbiddenError } from '../errors/forbiddenerror.js';
import { own } from '../lib/params.js';
import type { Server } from '../server.js';
import type { OAuth2IncomingMessage, OAuth2Transaction, ParamBag } from '../types.js';
import { ClaimBook } from './claims.js';
import { settingsOf } from '../settings/settings.js';

/**
 * Options read by the session store. They are given to the middleware
 * (`authorize`, `decision`, `resume`, `transactionLoader`,
 * `authorizationErrorHandler`), which pass them to the store; give the same
 * values to all of them.
 *
 * @group Stores
 */
export interface SessionStoreOptions {
  /** Session property under which transactions are kept. Default `'authorize'`. */
  sessionKey?: string;
  /** Query or body parameter naming the transaction. Default `'transaction_id'`. */
  transactionField?: string;
  /** Length of new transaction IDs, in characters. Default 8 (32 under the hardened profile). */
  idLength?: number;
}

/**
 * Options of the {@link SessionStore} constructor.
 *
 * @group Stores
 */
export interface SessionStoreConfig {
  /**
   * Most pending transactions kept in one session; storing one more evicts
   * the oldest. Bounds the session's size when authorization requests are
   * abandoned. Default 20; `Infinity` keeps them all, as 1.x does.
   */
  maxTransactions?: number;
  /**
   * Most characters the pending transactions of one session may take,
   * measured as their JSON (what a session store writes). Storing a
   * transaction evicts the oldest others until the session fits; a single
   * transaction larger than this is refused with `invalid_request`. Bounds
   * the session's size whatever the requests carry. Default 262144
   * (256 KiB), far above what real requests need (every request parameter
   * is bounded too); `Infinity` for no bound.
   */
  maxBytes?: number;
  /**
   * The clock of the claims' time limits (the grace period after a
   * transaction was answered), in milliseconds since the epoch. Default
   * the system clock; the default store of `createServer({ clock })` gets that clock.
   */
  clock?: () => number;
}

/** What each option of the {@link SessionStore} constructor accepts. */
const SESSION_STORE_CONFIG = {
  maxTransactions: { kinds: ['number'], check: (v) => ((v as number) >= 1 ? undefined : `must be 1 or more (Infinity for no bound), got ${String(v)}`) },
  maxBytes: { kinds: ['number'], check: (v) => ((v as number) >= 1 ? undefined : `must be 1 or more (Infinity for no bound), got ${String(v)}`) },
  clock: 'function',
} as const satisfies OptionTable<SessionStoreConfig>;

const NO_SESSION = 'OAuth2orize requires session support. Did you forget app.use(express.session(...))?';

type Txns = Record<string, Record<string, unknown>>;

/** Claim namespaces of requests without a session ID, one per session object. */
const anonymous = new WeakMap<object, number>();
let anonymousCount = 0;

/**
 * The default transaction store: keeps pending transactions in the user's
 * session (`req.session`), with the client reduced to what
 * `server.serializeClient` produces. It implements the 1.x "legacy" store
 * interface, which receives the server and the middleware's options.
 *
 * @group Stores
 */
export class SessionStore {
  /** Marks the 1.x store interface, called with `(server, options, req, ...)`. */
  readonly legacy = true as const;
  /** See {@link SessionStoreConfig.maxTransactions}. */
  readonly maxTransactions: number;
  /** See {@link SessionStoreConfig.maxBytes}. */
  readonly maxBytes: number;

  /**
   * @example
   * ```ts
   * const server = oauth2orize.createServer({ store: new SessionStore({ maxTransactions: 5 }) });
   * ```
   * @param config `maxTransactions` and `maxBytes`: pending transactions kept per session (default 20, 256 KiB); `clock`
   */
  constructor(config?: SessionStoreConfig) {
    checkOptions('oauth2orize.SessionStore', config, SESSION_STORE_CONFIG);
    const max = config && config.maxTransactions;
    this.maxTransactions = typeof max === 'number' && max >= 1 ? max : 20;
    const bytes = config && config.maxBytes;
    this.maxBytes = typeof bytes === 'number' && bytes >= 1 ? bytes : DEFAULT_MAX_BYTES;
    this.claims = new ClaimBook(config && config.clock);
  }

  /**
   * Load the transaction named by the request and restore its client.
   * @param server the server, whose `deserializeClient` restores the client
   * @param options `sessionKey`, `transactionField`
   * @param req the request (the ID is read from the query, then the body)
   * @param cb called with the transaction, or an error
   */
  load(server: Server<any, any>, options: SessionStoreOptions, req: OAuth2IncomingMessage, cb: (err: unknown, txn?: OAuth2Transaction<any, any>) => void): void {
    const field = options.transactionField || 'transaction_id';
    const key = options.sessionKey || 'authorize';
    const session = req.session as ParamBag | undefined;
    if (!session) return cb(new Error(NO_SESSION));
    const txns = own(session, key) as Txns | undefined;
    if (!txns) return cb(new ForbiddenError('Unable to load OAuth 2.0 transactions from session'));

    let tid = own((req.query || {}) as ParamBag, field);
    if (!tid) tid = own((req.body || {}) as ParamBag, field);
    if (!tid) return cb(new BadRequestError('Missing required parameter: ' + field));
    if (typeof tid !== 'string') return cb(new BadRequestError(`Invalid parameter: ${field} must be a string`));
    const id = tid;

    const txn = own(txns, id) as Record<string, unknown> | undefined;
    if (!txn || typeof txn !== 'object') return cb(new ForbiddenError('Unable to load OAuth 2.0 transaction: ' + id));

    server.deserializeClient(txn.client, (err, client) => {
      if (err) return cb(err);
      if (!client) {
        // The client was valid when the request began but has since been
        // removed or disabled: drop the transaction and tell no one but the user.
        return this.remove(options, req, id, (err) => {
          if (err) return cb(err);
          cb(new AuthorizationError('Unauthorized client', 'unauthorized_client'));
        });
      }
      // A copy: the session keeps the serialized client, never the object
      // (which may carry secrets), whether or not this request removes it.
      const loaded = Object.assign({}, txn, { transactionID: id, client }) as unknown as OAuth2Transaction;
      this.claims.loaded(req);
      cb(null, loaded);
    });
  }

  /**
   * Store a new transaction and hand back its ID.
   * @param server the server, whose `serializeClient` reduces the client
   * @param options `sessionKey`, `idLength`
   * @param req the request, whose session receives the transaction
   * @param txn the transaction
   * @param cb called with the new transaction ID
   */
  store(server: Server<any, any>, options: SessionStoreOptions, req: OAuth2IncomingMessage, txn: Record<string, unknown>, cb: (err: unknown, tid?: string) => void): void {
    const profile = settingsOf(server).profile;
    const length = options.idLength || (profile && profile.idLength) || 8;
    const key = options.sessionKey || 'authorize';
    const session = req.session as ParamBag | undefined;
    if (!session) return cb(new Error(NO_SESSION));
    this.put(server, session, key, () => newId(length), txn, cb);
  }

  /**
   * Replace a stored transaction, keeping its ID.
   * @param server the server, whose `serializeClient` reduces the client
   * @param options `sessionKey`
   * @param req the request
   * @param tid the transaction ID
   * @param txn the new contents
   * @param cb called with the transaction ID
   */
  update(server: Server<any, any>, options: SessionStoreOptions, req: OAuth2IncomingMessage, tid: string, txn: Record<string, unknown>, cb: (err: unknown, tid?: string) => void): void {
    const key = options.sessionKey || 'authorize';
    const session = req.session as ParamBag | undefined;
    if (!session) return cb(new Error(NO_SESSION));
    this.put(server, session, key, () => tid, txn, cb);
  }

  /**
   * Serialize the client, then keep `txn` in the session under the ID
   * `idOf()` gives, within the session's bounds (a transaction too large on
   * its own is refused and not kept).
   */
  private put(server: Server<any, any>, session: ParamBag, key: string, idOf: () => string, txn: Record<string, unknown>, cb: (err: unknown, tid?: string) => void): void {
    server.serializeClient(txn.client, (err, obj) => {
      if (err) return cb(err);
      const tid = idOf();
      txn.client = obj;
      const txns = this.txnsOf(session, key);
      txns[tid] = txn;
      let refused: Error | undefined;
      try {
        refused = this.evict(txns, tid);
      } catch (err) {
        delete txns[tid];
        return cb(err);
      }
      if (refused) return cb(refused);
      cb(null, tid);
    });
  }

  /**
   * Claim a transaction for the one request that will answer it. Sessions
   * are loaded per request, so two concurrent decisions on one transaction
   * both find it in their copy of the session; the first claim wins and the
   * second is refused. The claim lasts until the winner's response ends and
   * a moment longer (see `src/txn/claims.ts`); it lives in this process
   * only, so apps that run several processes need a store with an atomic
   * claim of its own, such as {@link RedisTransactionStore}.
   *
   * @param options `sessionKey`
   * @param req the request (its session ID scopes the claim)
   * @param tid the transaction ID
   * @returns true for the first claim, false for any later one
   */
  claim(options: SessionStoreOptions, req: OAuth2IncomingMessage, tid: string): boolean {
    const sid = (req as unknown as { sessionID?: unknown }).sessionID;
    const timed = typeof sid === 'string' && sid !== '';
    const space = options.sessionKey || 'authorize';
    return this.claims.claim(req, claimKey(space, req, tid, timed ? sid : undefined), tid, space, timed);
  }

  /** Claims held and recently released, by session and transaction ID. */
  private readonly claims: ClaimBook;

  /**
   * Delete a transaction.
   * @param options `sessionKey`
   * @param req the request
   * @param tid the transaction ID
   * @param cb called when done
   */
  remove(options: SessionStoreOptions, req: OAuth2IncomingMessage, tid: string, cb: (err?: unknown) => void): void {
    // The winner's response is ending (this runs from its `res.end`).
    const key = options.sessionKey || 'authorize';
    this.claims.release(req, tid, key);
    const session = req.session as ParamBag | undefined;
    if (!session) return cb(new Error(NO_SESSION));
    const txns = own(session, key) as Txns | undefined;
    if (txns && typeof txns === 'object' && Object.prototype.hasOwnProperty.call(txns, tid)) delete txns[tid];
    cb();
  }

  private txnsOf(session: ParamBag, key: string): Txns {
    let txns = own(session, key) as Txns | undefined;
    if (!txns || typeof txns !== 'object') {
      txns = {};
      session[key] = txns;
    }
    return txns;
  }

  /**
   * Drop the oldest transactions (insertion order) beyond the count and
   * byte limits, never `tid`, the one just written; refuse (and drop) `tid`
   * itself when it alone is over the byte limit.
   */
  private evict(txns: Txns, tid: string): Error | undefined {
    // Count without allocating; this runs on every new transaction.
    let count = 0;
    for (const id in txns) if (Object.prototype.hasOwnProperty.call(txns, id)) count++;
    if (count > this.maxTransactions) {
      let over = count - this.maxTransactions;
      for (const id of Object.keys(txns)) {
        if (over === 0) break;
        if (id === tid) continue;
        delete txns[id];
        over--;
      }
    }
    if (this.maxBytes === Infinity) return undefined;
    const written = txns[tid];
    // The usual case, a session with one small pending transaction, needs no
    // serializing: a bound of its JSON's length that is under the limit will do.
    if (count === 1) {
      const bound = jsonBound(written);
      if (bound !== undefined && bound <= this.maxBytes) return undefined;
    }
    // The one just written is measured afresh (an update may reuse its object).
    if (written && typeof written === 'object') sizes.delete(written);
    const own = sizeOf(written);
    if (own > this.maxBytes) {
      delete txns[tid];
      return new AuthorizationError('Authorization request too large to keep pending', 'invalid_request');
    }
    const ids = Object.keys(txns);
    let total = 0;
    const each: number[] = [];
    for (const id of ids) total += each[each.length] = id === tid ? own : sizeOf(txns[id]);
    for (let i = 0; total > this.maxBytes && i < ids.length; i++) {
      if (ids[i] === tid) continue;
      delete txns[ids[i]!];
      total -= each[i]!;
    }
    return undefined;
  }
}

/** Default of {@link SessionStoreConfig.maxBytes}. */
const DEFAULT_MAX_BYTES = 256 * 1024;

/**
 * Sizes of the transactions measured so far, by object: a session kept in
 * memory hands back the same objects, and one read from a store gets
 * measured once per request.
 */
const sizes = new WeakMap<object, number>();

/**
 * An upper bound of the length of a transaction's JSON, without
 * serializing it, for the flat shape `authorize` stores (strings, numbers,
 * a `req` of strings and string lists); undefined for anything else. Every
 * character of a string may take six in JSON (`\u0000`), and every value
 * some punctuation.
 */
function jsonBound(txn: unknown): number | undefined {
  if (!txn || typeof txn !== 'object') return 0;
  let n = 2;
  for (const key in txn) {
    const value = (txn as Record<string, unknown>)[key];
    n += 6 * key.length + 4;
    if (typeof value === 'string') n += 6 * value.length + 2;
    else if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') n += 24;
    else if (key === 'req' && !Array.isArray(value)) {
      n += 2;
      for (const k in value as object) {
        const v = (value as Record<string, unknown>)[k];
        n += 6 * k.length + 4;
        if (typeof v === 'string') n += 6 * v.length + 2;
        else if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') n += 24;
        else if (Array.isArray(v)) {
          n += 2;
          for (const item of v as unknown[]) {
            if (typeof item !== 'string') return undefined;
            n += 6 * item.length + 3;
          }
        } else return undefined;
      }
    } else return undefined;
  }
  return n;
}

/** Characters of a transaction's JSON, as a session store would write it. */
function sizeOf(txn: unknown): number {
  if (!txn || typeof txn !== 'object') return 0;
  let size = sizes.get(txn);
  if (size === undefined) {
    const json = JSON.stringify(txn);
    size = typeof json === 'string' ? json.length : 0;
    sizes.set(txn, size);
  }
  return size;
}

/**
 * The claim key of a transaction: its session ID, or, for a request without
 * one (cookie-session, a mock), a number private to its session object, so
 * that such requests never share one namespace.
 */
function claimKey(sessionKey: string, req: OAuth2IncomingMessage, tid: string, sid: string | undefined): string {
  let ns = sid;
  if (ns === undefined) {
    // Without a session (a transaction set on the request by the app), the
    // request itself is the namespace.
    const owner: object = req.session && typeof req.session === 'object' ? req.session : req;
    let n = anonymous.get(owner);
    if (n === undefined) anonymous.set(owner, (n = ++anonymousCount));
    ns = '\u0001' + n;
  }
  return ns + '\u0000' + sessionKey + '\u0000' + tid;
}

/**
 * Random base64url characters from `uid-safe`, drawn in batches: asking the
 * system for randomness once per ID dominated the cost of `authorize`.
 * Every character is independent, so consecutive slices are independent IDs.
 */
let pool = '';

/** A random, URL-safe transaction ID of exactly `length` characters. */
export function newId(length: number): string {
  if (pool.length < length) pool = uid.sync(Math.max(192, Math.ceil((length * 3) / 4)));
  const id = pool.slice(0, length);
  pool = pool.slice(length);
  return id;
}
