import { commander, type RedisClientLike, type RedisCommand } from '../txn/redisclient.js';
import { systemClock } from '../settings/clock.js';
import { BoundedMap, type Expiring } from './bounded.js';
import { clockOption, maxKeysOption, prefixOption, settle, storeKey, windowMs } from './keys.js';

/**
 * Remembers what was seen once, for a while: the `jti` of a JWT assertion
 * (client assertions, `exchange.jwtBearer`), so that the same assertion is
 * accepted only once within its lifetime; the same contract serves any
 * one-time value that carries an expiry, such as a DPoP proof's `jti`
 * (RFC 9449 §11.1). Key a claim by its issuer as well as the value
 * (`${clientId}|${jti}`), and keep it at least as long as the value is
 * acceptable (its `exp` plus the allowed clock skew).
 *
 * @example
 * ```ts
 * if (!(await replay.claimOnce(`${clientId}|${jti}`, exp - now))) throw new Error('replayed');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3 (item 7, `jti`)
 *
 * @group Stores
 */
export interface ReplayStore {
  /**
   * Claim `key` for `ttlSeconds`: true the first time, false while an
   * earlier claim of the same key is remembered.
   * @param key what must be seen only once (any string; long keys are hashed)
   * @param ttlSeconds how long the claim is remembered
   */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean>;
}

/**
 * Options of {@link MemoryReplayStore}.
 *
 * @group Stores
 */
export interface MemoryReplayStoreOptions {
  /**
   * Most keys kept. Beyond it the oldest claim is forgotten before it
   * expires (so the value it guarded could be claimed again): size it
   * above the claims expected within the longest TTL. Default 100,000.
   */
  maxKeys?: number;
  /** The clock of the TTLs, in milliseconds since the epoch. Default `Date.now()`. */
  now?: () => number;
}

const MEMORY = 'MemoryReplayStore';

/**
 * A {@link ReplayStore} in this process's memory, for a single instance:
 * several instances must share a {@link RedisReplayStore}, or an assertion
 * refused by one is accepted by another.
 *
 * @example
 * ```ts
 * const replay = new MemoryReplayStore({ maxKeys: 50_000 });
 * ```
 *
 * @group Stores
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly map: BoundedMap<Expiring>;
  private readonly now: () => number;

  /**
   * @param options `maxKeys`, `now`
   */
  constructor(options: MemoryReplayStoreOptions = {}) {
    if (!options || typeof options !== 'object') throw new TypeError(`${MEMORY} options must be an object`);
    this.map = new BoundedMap(maxKeysOption(MEMORY, options.maxKeys, 100_000));
    this.now = clockOption(MEMORY, options.now) || systemClock;
  }

  /**
   * See {@link ReplayStore.claimOnce}.
   * @param key what must be seen only once
   * @param ttlSeconds how long the claim is remembered
   */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    return settle(() => {
      const k = storeKey(MEMORY, key);
      const ms = windowMs(MEMORY, 'ttl', ttlSeconds);
      const now = this.now();
      if (this.map.get(k, now)) return false;
      this.map.set(k, { exp: now + ms }, now);
      return true;
    });
  }

  /** How many claims are held now (expired ones not yet swept included). */
  get size(): number {
    return this.map.size;
  }
}

/**
 * Options of {@link RedisReplayStore}.
 *
 * @group Stores
 */
export interface RedisReplayStoreOptions {
  /**
   * A connected client: node-redis v4 or v5 (`createClient()`), or ioredis 5
   * (`new Redis()`), as for `RedisTransactionStore`. The store never
   * connects or closes it.
   */
  client: RedisClientLike;
  /** Prefix of the keys; each claim is one string key. Default `'oauth2orize:replay:'`. */
  prefix?: string;
  /** Milliseconds after which a Redis command counts as failed (rejects). Default 5000. */
  timeout?: number;
}

const REDIS = 'RedisReplayStore';

/**
 * A {@link ReplayStore} in Redis, shared by every instance that uses the same
 * Redis and `prefix`. A claim is one `SET key 1 NX PX ttl`: it succeeds
 * only if the key did not exist, atomically, so exactly one of any number of
 * concurrent claims wins, whichever instance makes it. Single-key, so it
 * works on Redis Cluster (each claim routed to the node of its key) and
 * Valkey.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const replay = new RedisReplayStore({ client: new Redis(process.env.REDIS_URL) });
 * ```
 *
 * @group Stores
 */
export class RedisReplayStore implements ReplayStore {
  /** See {@link RedisReplayStoreOptions.prefix}. */
  readonly prefix: string;
  private readonly send: RedisCommand;

  /**
   * @param options `client` (node-redis or ioredis, connected), `prefix`, `timeout`
   */
  constructor(options: RedisReplayStoreOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(`${REDIS} requires options with a client`);
    this.prefix = prefixOption(REDIS, options.prefix, 'oauth2orize:replay:');
    this.send = commander(options.client, options.timeout === undefined ? 5000 : options.timeout, REDIS);
  }

  /**
   * See {@link ReplayStore.claimOnce}.
   * @param key what must be seen only once
   * @param ttlSeconds how long the claim is remembered
   */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    return settle(() => {
      const ms = windowMs(REDIS, 'ttl', ttlSeconds);
      return this.send(['SET', this.prefix + storeKey(REDIS, key), '1', 'NX', 'PX', String(ms)]).then((reply) => reply !== null && reply !== undefined);
    });
  }
}
