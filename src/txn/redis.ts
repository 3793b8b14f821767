import { AuthorizationError } from '../errors/authorizationerror.js';
import { BadRequestError } from '../errors/badrequesterror.js';
import { ForbiddenError } from '../errors/forbiddenerror.js';
import { own } from '../lib/params.js';
import type { Server } from '../server.js';
import type { OAuth2IncomingMessage, OAuth2Transaction, TransactionClaimCallback, ParamBag } from '../types.js';
import { commander, type RedisClientLike, type RedisCommand } from './redisclient.js';
import { newId, type SessionStoreOptions } from './session.js';
import { checkOptions, type OptionTable } from '../lib/checkOptions.js';
import { settingsOf, USER_PROPERTY } from '../settings/settings.js';

/**
 * Options of the {@link RedisTransactionStore} constructor.
 *
 * @group Stores
 */
export interface RedisTransactionStoreOptions {
  /**
   * A connected client: node-redis v4 or v5 (`createClient()` from `redis`),
   * or ioredis 5 (`new Redis()`), against Redis or Valkey. The store never
   * connects or closes it.
   */
  client: RedisClientLike;
  /** Prefix of the keys; each transaction is one string key. Default `'oauth2orize:txn:'`. */
  prefix?: string;
  /**
   * Seconds a pending transaction lives before Redis forgets it (renewed
   * when `resume` updates it). Default 600 (10 minutes).
   */
  ttl?: number;
  /**
   * Milliseconds after which a Redis command counts as failed. While the
   * server is unreachable, both clients queue commands until they
   * reconnect; this bounds how long a request waits. Default 5000.
   */
  timeout?: number;
  /**
   * The stable identity of a user object, to which transactions are bound.
   * The default takes a string or number user as is, or the `id` property of
   * an object; a user without one binds the transaction to the session only.
   */
  userId?: (user: unknown) => string | undefined;
  /**
   * Most pending transactions of one session (or, without a session ID, of
   * one user); storing one more evicts the oldest. Default 20; `Infinity`
   * for no bound.
   */
  maxTransactions?: number;
  /**
   * Most characters the pending transactions of one session (or user) may
   * take in Redis, measured as their JSON; storing one evicts the oldest
   * others until the session fits, and a single transaction larger than this
   * is refused with `invalid_request`. Default 262144 (256 KiB); `Infinity`
   * for no bound.
   */
  maxBytes?: number;
}

/** What each option of the {@link RedisTransactionStore} constructor accepts. */
const REDIS_OPTIONS = {
  client: 'object',
  prefix: 'string',
  ttl: 'number',
  timeout: 'number',
  userId: 'function',
  maxTransactions: { kinds: ['number'], check: (v) => ((v as number) >= 1 ? undefined : `must be 1 or more (Infinity for no bound), got ${String(v)}`) },
  maxBytes: { kinds: ['number'], check: (v) => ((v as number) >= 1 ? undefined : `must be 1 or more (Infinity for no bound), got ${String(v)}`) },
} as const satisfies OptionTable<RedisTransactionStoreOptions>;

/**
 * The pending transactions of one session (or user): a hash from
 * transaction ID to `<stored at, µs>:<characters>`. Indexing one (again)
 * forgets expired entries, then evicts the oldest others while the session
 * is over either limit, and returns the evicted IDs, whose keys the store
 * then deletes one by one. The script touches only its one key (Redis
 * Cluster places each transaction key by itself), and times are Redis's.
 * KEYS[1] the index; ARGV: ID, characters, time to live (ms), most
 * transactions, most characters (0 for no bound).
 */
const INDEX_SCRIPT = `local t = redis.call('TIME')
-- Microseconds, written as digits (Lua would print so large a number in exponent form).
local stamp = t[1] .. string.format('%06d', tonumber(t[2]))
local now = tonumber(stamp)
local ttl = tonumber(ARGV[3])
local maxCount = tonumber(ARGV[4])
local maxBytes = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1], stamp .. ':' .. ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local live = {}
local count, total = 0, 0
for i = 1, #all, 2 do
  local at, size = string.match(all[i + 1], '^(%d+):(%d+)$')
  at = tonumber(at)
  size = tonumber(size)
  if at == nil or size == nil or at + ttl * 1000 <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    live[#live + 1] = { all[i], at, size }
    count = count + 1
    total = total + size
  end
end
table.sort(live, function(a, b) return a[2] < b[2] end)
local evicted = {}
for _, e in ipairs(live) do
  if (maxCount == 0 or count <= maxCount) and (maxBytes == 0 or total <= maxBytes) then break end
  if e[1] ~= ARGV[1] then
    redis.call('HDEL', KEYS[1], e[1])
    evicted[#evicted + 1] = e[1]
    count = count - 1
    total = total - e[3]
  end
end
redis.call('PEXPIRE', KEYS[1], ttl)
return evicted`;

/** Default of {@link RedisTransactionStoreOptions.maxTransactions}. */
const DEFAULT_MAX_TRANSACTIONS = 20;
/** Default of {@link RedisTransactionStoreOptions.maxBytes}. */
const DEFAULT_MAX_BYTES = 256 * 1024;

/** Fewest characters of a transaction ID: 22 base64url characters carry 132 random bits. */
const MIN_ID_LENGTH = 22;
/** What a transaction ID may look like; anything else is unknown without asking Redis. */
const ID_FORMAT = /^[A-Za-z0-9_-]{1,128}$/;

/** What is kept under a transaction's key. */
interface Stored {
  /** Session ID of the request that started the transaction, or null. */
  s: string | null;
  /** The user it was started or resumed for, or null. */
  u: string | null;
  /** The transaction, its client serialized. */
  t: Record<string, unknown>;
}

/** The binding of the transaction each request loaded, for `update`. */
const bindings = new WeakMap<object, Stored>();
/** Transactions each request has claimed (and so already deleted). */
const claimed = new WeakMap<object, string>();

/**
 * A transaction store that keeps pending transactions in Redis, for
 * authorization servers that run several instances. Each transaction is one
 * key with a time to live; none of it goes into the session.
 *
 * - A transaction is bound to the session that started it (`req.sessionID`)
 *   and to its user when there is one: another session, or another user,
 *   gets the same 403 as for an unknown transaction, even with the ID.
 * - Its `claim` deletes the key and wins only if Redis deleted it (`DEL`
 *   answering 1), so exactly one decision wins across any number of
 *   instances, and a resumed transaction is only rewritten while it exists.
 * - Transaction IDs carry at least 128 random bits (22 characters, or
 *   `idLength`, or the hardened profile's length, when longer).
 * - The client is stored as `serializeClient` produces it.
 * - Each session (or, without a session ID, each user) keeps at most
 *   `maxTransactions` pending transactions and `maxBytes` characters of
 *   them (defaults 20 and 256 KiB): a per-session index (a hash under
 *   `prefix + 'session:' + <session ID>`, with the transactions' time to
 *   live) evicts the session's oldest. Every command touches one key.
 * - A Redis failure reaches `next(err)`; a missing or expired transaction
 *   gives the 1.x 403 `Unable to load OAuth 2.0 transaction: <id>`.
 *
 * Sessions must persist across the flow (a logged-in user, or
 * `saveUninitialized: true`): with an uninitialized session, express-session
 * hands out a new session ID on every request and the transaction cannot be
 * found again.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const server = oauth2orize.createServer({ store: new RedisTransactionStore({ client }) });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 *
 * @group Stores
 */
export class RedisTransactionStore {
  /** Marks the 1.x store interface, called with `(server, options, req, ...)`. */
  readonly legacy = true as const;
  /** See {@link RedisTransactionStoreOptions.prefix}. */
  readonly prefix: string;
  /** See {@link RedisTransactionStoreOptions.ttl}, in seconds. */
  readonly ttl: number;
  private readonly send: RedisCommand;
  private readonly px: string;
  private readonly userId: (user: unknown) => string | undefined;
  /** See {@link RedisTransactionStoreOptions.maxTransactions}. */
  readonly maxTransactions: number;
  /** See {@link RedisTransactionStoreOptions.maxBytes}. */
  readonly maxBytes: number;

  /**
   * @param options `client` (node-redis or ioredis, connected), `prefix`, `ttl`, `timeout`, `userId`, `maxTransactions`, `maxBytes`
   */
  constructor(options: RedisTransactionStoreOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('RedisTransactionStore requires options with a client');
    const { prefix, ttl, timeout, userId } = options;
    if (prefix !== undefined && typeof prefix !== 'string') throw new TypeError('RedisTransactionStore prefix must be a string');
    if (ttl !== undefined && !(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl))) {
      throw new TypeError('RedisTransactionStore ttl must be a positive number of seconds');
    }
    if (userId !== undefined && typeof userId !== 'function') throw new TypeError('RedisTransactionStore userId must be a function');
    this.prefix = prefix === undefined ? 'oauth2orize:txn:' : prefix;
    this.ttl = ttl || 600;
    this.px = String(Math.max(1, Math.round(this.ttl * 1000)));
    this.userId = userId || defaultUserId;
    // Types were checked above, with this store's own messages; the table adds the near misses.
    checkOptions('oauth2orize.RedisTransactionStore', options, REDIS_OPTIONS);
    this.send = commander(options.client, timeout === undefined ? 5000 : timeout);
    const { maxTransactions, maxBytes } = options;
    this.maxTransactions = typeof maxTransactions === 'number' && maxTransactions >= 1 ? maxTransactions : DEFAULT_MAX_TRANSACTIONS;
    this.maxBytes = typeof maxBytes === 'number' && maxBytes >= 1 ? maxBytes : DEFAULT_MAX_BYTES;
  }

  /**
   * Load the transaction named by the request, if this session (and user) started it.
   * @param server the server, whose (de)serializeClient reduces and restores the client
   * @param options the middleware's options (`transactionField`, `userProperty`, ...)
   * @param req the request
   * @param cb called with the transaction, or an error
   */
  load(server: Server<any, any>, options: SessionStoreOptions & { userProperty?: string }, req: OAuth2IncomingMessage, cb: (err: unknown, txn?: OAuth2Transaction<any, any>) => void): void {
    const field = options.transactionField || 'transaction_id';
    let tid = own((req.query || {}) as ParamBag, field);
    if (!tid) tid = own((req.body || {}) as ParamBag, field);
    if (!tid) return cb(new BadRequestError('Missing required parameter: ' + field));
    if (typeof tid !== 'string') return cb(new BadRequestError(`Invalid parameter: ${field} must be a string`));
    const id = tid;
    const unknown = (): void => cb(new ForbiddenError('Unable to load OAuth 2.0 transaction: ' + id));
    if (!ID_FORMAT.test(id)) return unknown();

    this.send(['GET', this.prefix + id]).then((raw) => {
      if (typeof raw !== 'string') return unknown();
      let stored: Stored;
      try {
        stored = JSON.parse(raw) as Stored;
      } catch (err) {
        return cb(err);
      }
      if (!stored || typeof stored.t !== 'object' || stored.t === null) return unknown();
      const user = this.userOf(options, req);
      if (stored.s !== sessionIdOf(req) || (stored.u !== null && stored.u !== user)) return unknown();
      server.deserializeClient(stored.t.client, (err, client) => {
        if (err) return cb(err);
        if (!client) {
          // The client has been removed or disabled since the request began.
          return this.remove(options, req, id, (err) => {
            if (err) return cb(err);
            cb(new AuthorizationError('Unauthorized client', 'unauthorized_client'));
          });
        }
        bindings.set(req, stored);
        cb(null, Object.assign({}, stored.t, { transactionID: id, client }) as unknown as OAuth2Transaction);
      });
    }, (err) => cb(err));
  }

  /**
   * Store a new transaction under a fresh ID, bound to this session and user.
   * @param server the server, whose (de)serializeClient reduces and restores the client
   * @param options the middleware's options (`transactionField`, `userProperty`, ...)
   * @param req the request
   * @param txn the transaction
   * @param cb called with the new transaction ID
   */
  store(server: Server<any, any>, options: SessionStoreOptions & { userProperty?: string }, req: OAuth2IncomingMessage, txn: Record<string, unknown>, cb: (err: unknown, tid?: string) => void): void {
    server.serializeClient(txn.client, (err, obj) => {
      if (err) return cb(err);
      const tid = newId(Math.max(MIN_ID_LENGTH, options.idLength || hardenedIdLength(server)));
      const stored: Stored = { s: sessionIdOf(req), u: this.userOf(options, req) ?? null, t: Object.assign({}, txn, { client: obj }) };
      let value: string;
      try {
        value = JSON.stringify(stored);
      } catch (err) {
        return cb(err);
      }
      if (value.length > this.maxBytes) return cb(tooLarge());
      // The write and the session's index go out together (one round trip
      // with a pipelining client); each touches one key.
      Promise.all([this.send(['SET', this.prefix + tid, value, 'PX', this.px, 'NX']), this.index(stored, tid, value.length)]).then(([reply]) => {
        // NX fails only if 132 random bits repeat; refuse rather than overwrite.
        if (reply === null) return cb(new Error('Transaction ID collision in RedisTransactionStore'));
        cb(null, tid);
      }, (err) => cb(err));
    });
  }

  /**
   * Replace a pending transaction (after `resume` did not approve), renewing
   * its time to live. It is only rewritten while it still exists: once
   * claimed or expired, the update fails with the 1.x 403.
   *
   * @param server the server, whose (de)serializeClient reduces and restores the client
   * @param options the middleware's options (`transactionField`, `userProperty`, ...)
   * @param req the request
   * @param tid the transaction ID
   * @param txn the new contents
   * @param cb called with the transaction ID
   */
  update(server: Server<any, any>, options: SessionStoreOptions & { userProperty?: string }, req: OAuth2IncomingMessage, tid: string, txn: Record<string, unknown>, cb: (err: unknown, tid?: string) => void): void {
    server.serializeClient(txn.client, (err, obj) => {
      if (err) return cb(err);
      const before = bindings.get(req);
      const stored: Stored = {
        s: before ? before.s : sessionIdOf(req),
        // A user who logged in since the transaction began now owns it.
        u: this.userOf(options, req) ?? (before ? before.u : null),
        t: Object.assign({}, txn, { client: obj }),
      };
      let value: string;
      try {
        value = JSON.stringify(stored);
      } catch (err) {
        return cb(err);
      }
      if (value.length > this.maxBytes) return cb(tooLarge());
      this.send(['SET', this.prefix + tid, value, 'PX', this.px, 'XX']).then((reply) => {
        if (reply === null) return cb(new ForbiddenError('Unable to load OAuth 2.0 transaction: ' + tid));
        bindings.set(req, stored);
        return this.index(stored, tid, value.length).then(() => cb(null, tid));
      }).then(undefined, (err) => cb(err));
    });
  }

  /**
   * Claim the transaction for this request by deleting it: only the request
   * whose `DEL` removed the key wins. Errors go to the callback, and from
   * there to `next(err)`.
   *
   * @param options the middleware's options
   * @param req the request
   * @param tid the transaction ID
   * @param cb called with the outcome of the claim
   */
  claim(options: SessionStoreOptions, req: OAuth2IncomingMessage, tid: string, cb: TransactionClaimCallback): void {
    void options;
    this.unindex(req, tid);
    this.send(['DEL', this.prefix + tid]).then((deleted) => {
      if (Number(deleted) !== 1) return cb(null, false);
      claimed.set(req, tid);
      cb(null, true);
    }, (err) => cb(err));
  }

  /**
   * Delete a transaction (nothing to do if this request claimed it).
   * @param options the middleware's options
   * @param req the request
   * @param tid the transaction ID
   * @param cb called when done
   */
  remove(options: SessionStoreOptions, req: OAuth2IncomingMessage, tid: string, cb: (err?: unknown) => void): void {
    void options;
    if (claimed.get(req) === tid) return cb();
    this.unindex(req, tid);
    this.send(['DEL', this.prefix + tid]).then(() => cb(), (err) => cb(err));
  }

  /** The index key of a stored transaction's session, or its user's; null when it has neither. */
  private indexKey(stored: Stored): string | null {
    if (stored.s !== null) return this.prefix + 'session:' + stored.s;
    if (stored.u !== null) return this.prefix + 'user:' + stored.u;
    return null;
  }

  /**
   * Record a transaction in its session's index, and delete the
   * transactions the index evicted to keep the session within its limits.
   */
  private index(stored: Stored, tid: string, size: number): Promise<void> {
    const key = this.indexKey(stored);
    if (key === null) return Promise.resolve();
    const limit = (n: number): string => (n === Infinity ? '0' : String(Math.floor(n)));
    return this.send(['EVAL', INDEX_SCRIPT, '1', key, tid, String(size), this.px, limit(this.maxTransactions), limit(this.maxBytes)]).then((evicted) => {
      if (!Array.isArray(evicted) || evicted.length === 0) return;
      return Promise.all(evicted.map((id) => this.send(['DEL', this.prefix + String(id)]))).then(() => undefined);
    });
  }

  /**
   * Forget a transaction in its session's index (the request loaded it, so
   * its binding is known). Nothing waits for this: an entry left behind
   * expires with the index, or is dropped by the next eviction.
   */
  private unindex(req: OAuth2IncomingMessage, tid: string): void {
    const stored = bindings.get(req);
    const key = stored ? this.indexKey(stored) : null;
    if (key !== null) this.send(['HDEL', key, tid]).then(undefined, () => undefined);
  }

  private userOf(options: { userProperty?: string }, req: OAuth2IncomingMessage): string | undefined {
    const user = (req as unknown as Record<string, unknown>)[options.userProperty || USER_PROPERTY];
    if (user === undefined || user === null) return undefined;
    const id = this.userId(user);
    return typeof id === 'string' ? id : undefined;
  }
}

function tooLarge(): Error {
  return new AuthorizationError('Authorization request too large to keep pending', 'invalid_request');
}

function sessionIdOf(req: OAuth2IncomingMessage): string | null {
  const sid = (req as unknown as { sessionID?: unknown }).sessionID;
  return typeof sid === 'string' && sid !== '' ? sid : null;
}

function defaultUserId(user: unknown): string | undefined {
  if (typeof user === 'string') return user;
  if (typeof user === 'number') return String(user);
  if (user && typeof user === 'object') {
    const id = (user as { id?: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return undefined;
}

/** The transaction ID length the server's profile asks for (0 when none). */
function hardenedIdLength(server: Server<any, any>): number {
  const profile = settingsOf(server).profile;
  return profile ? profile.idLength : 0;
}
