import uid from 'uid-safe';
import { AuthorizationError } from '../errors/authorizationerror.js';
import { BadRequestError } from '../errors/badrequesterror.js';
import { ForbiddenError } from '../errors/forbiddenerror.js';
import { own, type ParamBag } from '../lib/params.js';
import type { Server } from '../server.js';
import type { OAuth2IncomingMessage, OAuth2Transaction } from '../types.js';

/**
 * Options read by the session store. They are given to the middleware
 * (`authorize`, `decision`, `resume`, `transactionLoader`,
 * `authorizationErrorHandler`), which pass them to the store; give the same
 * values to all of them.
 */
export interface SessionStoreOptions {
  /** Session property under which transactions are kept. Default `'authorize'`. */
  sessionKey?: string;
  /** Query or body parameter naming the transaction. Default `'transaction_id'`. */
  transactionField?: string;
  /** Length of new transaction IDs, in characters. Default 8 (32 under the hardened profile). */
  idLength?: number;
}

/** Options of the {@link SessionStore} constructor. */
export interface SessionStoreConfig {
  /**
   * Most pending transactions kept in one session; storing one more evicts
   * the oldest. Bounds the session's size when authorization requests are
   * abandoned. Default 20; `Infinity` keeps them all, as 1.x does.
   */
  maxTransactions?: number;
}

const NO_SESSION = 'OAuth2orize requires session support. Did you forget app.use(express.session(...))?';

type Txns = Record<string, Record<string, unknown>>;

/** How long a claimed transaction stays claimed. */
const CLAIM_TTL_MS = 5 * 60 * 1000;
/** Most claims remembered at once; the oldest are forgotten first. */
const MAX_CLAIMS = 100_000;

/**
 * The default transaction store: keeps pending transactions in the user's
 * session (`req.session`), with the client reduced to what
 * `server.serializeClient` produces. It implements the 1.x "legacy" store
 * interface, which receives the server and the middleware's options.
 */
export class SessionStore {
  /** Marks the 1.x store interface, called with `(server, options, req, ...)`. */
  readonly legacy = true as const;
  /** See {@link SessionStoreConfig.maxTransactions}. */
  readonly maxTransactions: number;

  constructor(config?: SessionStoreConfig) {
    const max = config && config.maxTransactions;
    this.maxTransactions = typeof max === 'number' && max >= 1 ? max : 20;
  }

  /** Load the transaction named by the request and restore its client. */
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
      txn.transactionID = id;
      txn.client = client;
      cb(null, txn as unknown as OAuth2Transaction);
    });
  }

  /** Store a new transaction and hand back its ID. */
  store(server: Server<any, any>, options: SessionStoreOptions, req: OAuth2IncomingMessage, txn: Record<string, unknown>, cb: (err: unknown, tid?: string) => void): void {
    const length = options.idLength || (server._profile && server._profile.idLength) || 8;
    const key = options.sessionKey || 'authorize';
    const session = req.session as ParamBag | undefined;
    if (!session) return cb(new Error(NO_SESSION));
    server.serializeClient(txn.client, (err, obj) => {
      if (err) return cb(err);
      const tid = newId(length);
      txn.client = obj;
      const txns = this.txnsOf(session, key);
      txns[tid] = txn;
      this.evict(txns);
      cb(null, tid);
    });
  }

  /** Replace a stored transaction, keeping its ID. */
  update(server: Server<any, any>, options: SessionStoreOptions, req: OAuth2IncomingMessage, tid: string, txn: Record<string, unknown>, cb: (err: unknown, tid?: string) => void): void {
    const key = options.sessionKey || 'authorize';
    const session = req.session as ParamBag | undefined;
    if (!session) return cb(new Error(NO_SESSION));
    server.serializeClient(txn.client, (err, obj) => {
      if (err) return cb(err);
      txn.client = obj;
      this.txnsOf(session, key)[tid] = txn;
      cb(null, tid);
    });
  }

  /**
   * Claim a transaction for the one request that will answer it. Sessions
   * are loaded per request, so two concurrent decisions on one transaction
   * both find it in their copy of the session; the first claim wins and the
   * second is refused. Claims are remembered in this process for a few
   * minutes, long enough for the winner's session write to land. Apps that
   * run several processes need a store with an atomic claim of their own.
   */
  claim(options: SessionStoreOptions, req: OAuth2IncomingMessage, tid: string): boolean {
    const sid = (req as unknown as { sessionID?: unknown }).sessionID;
    const key = `${typeof sid === 'string' ? sid : ''}\u0000${options.sessionKey || 'authorize'}\u0000${tid}`;
    const now = Date.now();
    // Every claim lives equally long, so insertion order is expiry order:
    // expired claims are always at the front, and the sweep stops at the
    // first live one (amortised constant time). The cap bounds memory.
    for (const [k, expires] of this.claims) {
      if (expires > now && this.claims.size < MAX_CLAIMS) break;
      this.claims.delete(k);
    }
    const expires = this.claims.get(key);
    if (expires !== undefined && expires > now) return false;
    this.claims.set(key, now + CLAIM_TTL_MS);
    return true;
  }

  /** Claimed transactions, by session and ID, with their expiry time. */
  private readonly claims = new Map<string, number>();

  /** Delete a transaction. */
  remove(options: SessionStoreOptions, req: OAuth2IncomingMessage, tid: string, cb: (err?: unknown) => void): void {
    const key = options.sessionKey || 'authorize';
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

  /** Drop the oldest transactions beyond the limit (insertion order). */
  private evict(txns: Txns): void {
    // Count without allocating; this runs on every new transaction.
    let count = 0;
    for (const id in txns) if (Object.prototype.hasOwnProperty.call(txns, id)) count++;
    if (count <= this.maxTransactions) return;
    const ids = Object.keys(txns);
    for (let i = 0; i < ids.length - this.maxTransactions; i++) delete txns[ids[i]!];
  }
}

/**
 * Random base64url characters from `uid-safe`, drawn in batches: asking the
 * system for randomness once per ID dominated the cost of `authorize`.
 * Every character is independent, so consecutive slices are independent IDs.
 */
let pool = '';

/** A random, URL-safe transaction ID of exactly `length` characters. */
function newId(length: number): string {
  if (pool.length < length) pool = uid.sync(Math.max(192, Math.ceil((length * 3) / 4)));
  const id = pool.slice(0, length);
  pool = pool.slice(length);
  return id;
}
