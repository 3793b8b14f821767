import { commander, type RedisClientLike, type RedisCommand } from '../txn/redisclient.js';
import { systemClock } from '../settings/clock.js';
import { timeOf } from '../lib/timeOf.js';
import { BoundedMap } from './bounded.js';
import { clockOption, maxKeysOption, prefixOption, settle, storeKey } from './keys.js';

/**
 * A pushed authorization request as a {@link RequestURIStore} keeps it and
 * gives it back: the fields of the PAR endpoint's record that
 * `loadPushedRequest` needs, all JSON-safe.
 *
 * @group Stores
 */
export interface StoredPushedRequest {
  /** The `request_uri` handed to the client. */
  requestURI: string;
  /** The client that pushed the request. */
  clientID: string;
  /** The pushed parameters. */
  params: Record<string, string | string[]>;
  /** When the `request_uri` expires, in epoch milliseconds. */
  expiresAt: number;
}

/**
 * What {@link RequestURIStore.put} takes: the PAR endpoint's record (its
 * other fields, `client` and `areq`, are not kept).
 *
 * @group Stores
 */
export interface PushedRequestInput {
  /** The `request_uri`. */
  requestURI: string;
  /** The client that pushed the request. */
  clientID: string;
  /** The pushed parameters. */
  params: Record<string, string | string[]>;
  /** When the `request_uri` expires (a `Date`, epoch milliseconds or an ISO string). */
  expiresAt: Date | number | string;
}

/**
 * Pushed authorization requests (RFC 9126) between the PAR endpoint and
 * `authorize`: each is kept until it expires (the store enforces the
 * expiry), and taken once, by the client that pushed it. `take` checks the
 * client before it consumes the record, atomically: a request naming
 * another `client_id` gets nothing and leaves the `request_uri` usable by
 * its client (RFC 9126 §2.2), and of any number of concurrent takes by the
 * right client exactly one gets the record.
 *
 * {@link pushedRequestCallbacks} turns a store into the PAR endpoint's
 * `store` callback and `authorize`'s `loadPushedRequest`.
 *
 * @example
 * ```ts
 * const record = await pushed.take(requestURI, clientID); // null: unknown, used, expired, another client's
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 *
 * @group Stores
 */
export interface RequestURIStore {
  /**
   * Keep a pushed request under its `requestURI` until `expiresAt`.
   * @param record the PAR endpoint's record
   */
  put(record: PushedRequestInput): Promise<void>;
  /**
   * Take the pushed request of `requestURI` if `clientID` pushed it: it is
   * then forgotten. Null, consuming nothing, when it is unknown, used,
   * expired, or was pushed by another client.
   * @param requestURI the `request_uri` parameter
   * @param clientID the `client_id` parameter
   */
  take(requestURI: string, clientID: string): Promise<StoredPushedRequest | null>;
}

/**
 * Options of {@link MemoryRequestURIStore}.
 *
 * @group Stores
 */
export interface MemoryRequestURIStoreOptions {
  /** Most pushed requests kept; beyond it the oldest is forgotten. Default 10,000. */
  maxKeys?: number;
  /** The clock of the expiry, in milliseconds since the epoch. Default `Date.now()`. */
  now?: () => number;
}

interface Held {
  json: string;
  clientID: string;
  exp: number;
}

const MEMORY = 'MemoryRequestURIStore';

/** Check what `put` is given and serialize the record kept. */
function checkInput(owner: string, input: PushedRequestInput): { record: StoredPushedRequest; json: string } {
  if (!input || typeof input !== 'object') throw new TypeError(`${owner}.put requires a record`);
  if (typeof input.requestURI !== 'string' || !input.requestURI) throw new TypeError(`${owner}.put requires a string requestURI`);
  if (typeof input.clientID !== 'string' || !input.clientID) throw new TypeError(`${owner}.put requires a string clientID`);
  if (!input.params || typeof input.params !== 'object') throw new TypeError(`${owner}.put requires params`);
  const expiresAt = timeOf(input.expiresAt);
  if (!Number.isFinite(expiresAt)) throw new TypeError(`${owner}.put requires an expiresAt time`);
  const record: StoredPushedRequest = { requestURI: input.requestURI, clientID: input.clientID, params: input.params, expiresAt };
  return { record, json: JSON.stringify(record) };
}

function checkTake(owner: string, requestURI: unknown, clientID: unknown): void {
  if (typeof requestURI !== 'string') throw new TypeError(`${owner}.take requires a string requestURI`);
  if (typeof clientID !== 'string') throw new TypeError(`${owner}.take requires a string clientID`);
}

/**
 * A {@link RequestURIStore} in this process's memory, for a single instance
 * and tests: several instances must share a {@link RedisRequestURIStore}, or
 * a `request_uri` pushed to one is unknown to the others.
 *
 * @example
 * ```ts
 * const pushed = new MemoryRequestURIStore({ maxKeys: 10_000 });
 * ```
 *
 * @group Stores
 */
export class MemoryRequestURIStore implements RequestURIStore {
  private readonly map: BoundedMap<Held>;
  private readonly now: () => number;

  /**
   * @param options `maxKeys`, `now`
   */
  constructor(options: MemoryRequestURIStoreOptions = {}) {
    if (!options || typeof options !== 'object') throw new TypeError(`${MEMORY} options must be an object`);
    this.map = new BoundedMap(maxKeysOption(MEMORY, options.maxKeys, 10_000));
    this.now = clockOption(MEMORY, options.now) || systemClock;
  }

  /**
   * See {@link RequestURIStore.put}.
   * @param input the PAR endpoint's record
   */
  put(input: PushedRequestInput): Promise<void> {
    return settle(() => {
      const { record, json } = checkInput(MEMORY, input);
      const now = this.now();
      if (!(record.expiresAt > now)) return;
      this.map.set(storeKey(MEMORY, record.requestURI), { json, clientID: record.clientID, exp: record.expiresAt }, now);
    });
  }

  /**
   * See {@link RequestURIStore.take}.
   * @param requestURI the `request_uri` parameter
   * @param clientID the `client_id` parameter
   */
  take(requestURI: string, clientID: string): Promise<StoredPushedRequest | null> {
    return settle(() => {
      checkTake(MEMORY, requestURI, clientID);
      const k = storeKey(MEMORY, requestURI);
      const held = this.map.get(k, this.now());
      if (!held || held.clientID !== clientID) return null;
      this.map.delete(k);
      return JSON.parse(held.json) as StoredPushedRequest;
    });
  }

  /** How many pushed requests are held now (expired ones not yet swept included). */
  get size(): number {
    return this.map.size;
  }
}

/**
 * Options of {@link RedisRequestURIStore}.
 *
 * @group Stores
 */
export interface RedisRequestURIStoreOptions {
  /**
   * A connected client: node-redis v4 or v5 (`createClient()`), or ioredis 5
   * (`new Redis()` or `new Redis.Cluster()`), as for `RedisTransactionStore`.
   * The store never connects or closes it.
   */
  client: RedisClientLike;
  /** Prefix of the keys; each pushed request is one hash. Default `'oauth2orize:par:'`. */
  prefix?: string;
  /** Milliseconds after which a Redis command counts as failed (rejects). Default 5000. */
  timeout?: number;
  /** The clock the expiry is measured from when the record is put, in milliseconds since the epoch. Default `Date.now()`. */
  now?: () => number;
}

const REDIS = 'RedisRequestURIStore';

/** Keeps a record: KEYS[1] its hash; ARGV the client's ID, the JSON, the time to live in ms. */
const PUT_SCRIPT = `redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'clientID', ARGV[1], 'record', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** Takes a record if ARGV[1] is its client: KEYS[1] its hash. */
const TAKE_SCRIPT = `local f = redis.call('HMGET', KEYS[1], 'clientID', 'record')
if not f[1] or f[1] ~= ARGV[1] then return false end
redis.call('DEL', KEYS[1])
return f[2]`;

/**
 * A {@link RequestURIStore} in Redis, shared by every instance that uses the
 * same Redis and `prefix`. Each pushed request is one hash (its client's ID
 * and the record's JSON) that Redis expires at `expiresAt`; `take` is one
 * Lua script that compares the client and deletes the hash in one step.
 * Single-key, so it works on Redis Cluster and Valkey.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const pushed = new RedisRequestURIStore({ client: new Redis(process.env.REDIS_URL) });
 * ```
 *
 * @group Stores
 */
export class RedisRequestURIStore implements RequestURIStore {
  /** See {@link RedisRequestURIStoreOptions.prefix}. */
  readonly prefix: string;
  private readonly send: RedisCommand;
  private readonly now: () => number;

  /**
   * @param options `client` (node-redis or ioredis, connected), `prefix`, `timeout`, `now`
   */
  constructor(options: RedisRequestURIStoreOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(`${REDIS} requires options with a client`);
    this.prefix = prefixOption(REDIS, options.prefix, 'oauth2orize:par:');
    this.send = commander(options.client, options.timeout === undefined ? 5000 : options.timeout, REDIS);
    this.now = clockOption(REDIS, options.now) || systemClock;
  }

  /**
   * See {@link RequestURIStore.put}.
   * @param input the PAR endpoint's record
   */
  put(input: PushedRequestInput): Promise<void> {
    return settle(async () => {
      const { record, json } = checkInput(REDIS, input);
      const ttl = Math.ceil(record.expiresAt - this.now());
      if (!(ttl > 0)) return;
      await this.send(['EVAL', PUT_SCRIPT, '1', this.key(record.requestURI), record.clientID, json, String(ttl)]);
    });
  }

  /**
   * See {@link RequestURIStore.take}.
   * @param requestURI the `request_uri` parameter
   * @param clientID the `client_id` parameter
   */
  take(requestURI: string, clientID: string): Promise<StoredPushedRequest | null> {
    return settle(async () => {
      checkTake(REDIS, requestURI, clientID);
      const reply = await this.send(['EVAL', TAKE_SCRIPT, '1', this.key(requestURI), clientID]);
      if (reply === null || reply === undefined || reply === false) return null;
      return JSON.parse(String(reply)) as StoredPushedRequest;
    });
  }

  private key(requestURI: string): string {
    return this.prefix + storeKey(REDIS, requestURI);
  }
}
