import { commander, type RedisClientLike, type RedisCommand } from '../txn/redisclient.js';
import { systemClock } from '../settings/clock.js';
import { BoundedMap } from './bounded.js';
import { clockOption, maxKeysOption, prefixOption, secondsLeft, settle, storeKey, windowMs } from './keys.js';

/**
 * Counters of attempts in a fixed window: the first {@link AttemptStore.hit}
 * of a key starts its window, later hits add to it, and the counter is
 * forgotten when the window ends. The throttle of client authentication
 * counts its failures in one; an application may use it for its own limits.
 *
 * Every method returns a Promise; a store that cannot answer (Redis down)
 * rejects, and the caller decides whether to fail open or closed.
 *
 * @example
 * ```ts
 * const n = await store.hit('login|203.0.113.7', 900);
 * if (n > 10) res.set('Retry-After', String(await store.ttl('login|203.0.113.7')));
 * ```
 *
 * @group Stores
 */
export interface AttemptStore {
  /**
   * Count one attempt and answer the count in the current window, this
   * attempt included. The window starts at the first attempt of the key.
   * @param key what is counted (any string; long keys are hashed)
   * @param windowSeconds length of the window the first attempt starts
   */
  hit(key: string, windowSeconds: number): Promise<number>;
  /**
   * The count of the current window, 0 when none is running.
   * @param key what is counted
   */
  count(key: string): Promise<number>;
  /**
   * Whole seconds until the current window ends (rounded up), 0 when none
   * is running: the `Retry-After` of a caller blocked by this key.
   * @param key what is counted
   */
  ttl(key: string): Promise<number>;
  /**
   * Forget the key's counter (after a success, say).
   * @param key what is counted
   */
  reset(key: string): Promise<void>;
}

/**
 * Options of {@link MemoryAttemptStore}.
 *
 * @group Stores
 */
export interface MemoryAttemptStoreOptions {
  /**
   * Most keys kept. Beyond it the key written least recently is forgotten
   * (its count starts again from zero). Default 100,000.
   */
  maxKeys?: number;
  /** The clock of the windows, in milliseconds since the epoch. Default `Date.now()`. */
  now?: () => number;
}

interface Counter {
  n: number;
  exp: number;
}

const MEMORY = 'MemoryAttemptStore';

/**
 * An {@link AttemptStore} in this process's memory, for a single instance.
 * Windows are measured on its `now` clock; at most `maxKeys` keys are kept.
 * Several instances of a server each count on their own: share counters
 * with {@link RedisAttemptStore}.
 *
 * @example
 * ```ts
 * const throttle = createThrottle({ store: new MemoryAttemptStore({ maxKeys: 10_000 }) });
 * ```
 *
 * @group Stores
 */
export class MemoryAttemptStore implements AttemptStore {
  private readonly map: BoundedMap<Counter>;
  private readonly now: () => number;

  /**
   * @param options `maxKeys`, `now`
   */
  constructor(options: MemoryAttemptStoreOptions = {}) {
    if (!options || typeof options !== 'object') throw new TypeError(`${MEMORY} options must be an object`);
    this.map = new BoundedMap(maxKeysOption(MEMORY, options.maxKeys, 100_000));
    this.now = clockOption(MEMORY, options.now) || systemClock;
  }

  /**
   * See {@link AttemptStore.hit}.
   * @param key what is counted
   * @param windowSeconds length of the window the first attempt starts
   */
  hit(key: string, windowSeconds: number): Promise<number> {
    return settle(() => {
      const k = storeKey(MEMORY, key);
      const ms = windowMs(MEMORY, 'window', windowSeconds);
      const now = this.now();
      const live = this.map.get(k, now);
      const counter = live ? { n: live.n + 1, exp: live.exp } : { n: 1, exp: now + ms };
      this.map.set(k, counter, now);
      return counter.n;
    });
  }

  /**
   * See {@link AttemptStore.count}.
   * @param key what is counted
   */
  count(key: string): Promise<number> {
    return settle(() => this.map.get(storeKey(MEMORY, key), this.now())?.n ?? 0);
  }

  /**
   * See {@link AttemptStore.ttl}.
   * @param key what is counted
   */
  ttl(key: string): Promise<number> {
    return settle(() => {
      const now = this.now();
      const live = this.map.get(storeKey(MEMORY, key), now);
      return live ? secondsLeft(live.exp - now) : 0;
    });
  }

  /**
   * See {@link AttemptStore.reset}.
   * @param key what is counted
   */
  reset(key: string): Promise<void> {
    return settle(() => this.map.delete(storeKey(MEMORY, key)));
  }

  /** How many keys are held now (expired ones not yet swept included). */
  get size(): number {
    return this.map.size;
  }
}

/**
 * Options of {@link RedisAttemptStore}.
 *
 * @group Stores
 */
export interface RedisAttemptStoreOptions {
  /**
   * A connected client: node-redis v4 or v5 (`createClient()`), or ioredis 5
   * (`new Redis()`), as for `RedisTransactionStore`. The store never
   * connects or closes it.
   */
  client: RedisClientLike;
  /** Prefix of the keys; each counter is one string key. Default `'oauth2orize:attempts:'`. */
  prefix?: string;
  /** Milliseconds after which a Redis command counts as failed (rejects). Default 5000. */
  timeout?: number;
}

const REDIS = 'RedisAttemptStore';

/**
 * Increments the counter and, when it has no expiry (it was just created,
 * or was left without one), starts its window: one script, so that no
 * counter can be created without an expiry and live forever.
 */
const HIT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * An {@link AttemptStore} in Redis, shared by every instance of a server
 * that uses the same Redis and `prefix`. Each counter is one string key with
 * an expiry; a hit is one `EVAL` of a short Lua script (`INCR`, then
 * `PEXPIRE` when the key has no expiry yet), atomic on the server. Every
 * command touches a single key, so it works on Redis Cluster and Valkey.
 * Windows are measured by Redis's clock.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const throttle = createThrottle({ store: new RedisAttemptStore({ client }) });
 * ```
 *
 * @group Stores
 */
export class RedisAttemptStore implements AttemptStore {
  /** See {@link RedisAttemptStoreOptions.prefix}. */
  readonly prefix: string;
  private readonly send: RedisCommand;

  /**
   * @param options `client` (node-redis or ioredis, connected), `prefix`, `timeout`
   */
  constructor(options: RedisAttemptStoreOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(`${REDIS} requires options with a client`);
    this.prefix = prefixOption(REDIS, options.prefix, 'oauth2orize:attempts:');
    this.send = commander(options.client, options.timeout === undefined ? 5000 : options.timeout, REDIS);
  }

  /**
   * See {@link AttemptStore.hit}.
   * @param key what is counted
   * @param windowSeconds length of the window the first attempt starts
   */
  hit(key: string, windowSeconds: number): Promise<number> {
    return settle(() => {
      const ms = windowMs(REDIS, 'window', windowSeconds);
      return this.send(['EVAL', HIT_SCRIPT, '1', this.key(key), String(ms)]).then(toCount);
    });
  }

  /**
   * See {@link AttemptStore.count}.
   * @param key what is counted
   */
  count(key: string): Promise<number> {
    return settle(() => this.send(['GET', this.key(key)]).then(toCount));
  }

  /**
   * See {@link AttemptStore.ttl}.
   * @param key what is counted
   */
  ttl(key: string): Promise<number> {
    return settle(() => this.send(['PTTL', this.key(key)]).then((ms) => secondsLeft(Number(ms))));
  }

  /**
   * See {@link AttemptStore.reset}.
   * @param key what is counted
   */
  reset(key: string): Promise<void> {
    return settle(() => this.send(['DEL', this.key(key)]).then(() => undefined));
  }

  private key(key: string): string {
    return this.prefix + storeKey(REDIS, key);
  }
}

/** A counter as Redis answers it (a number, a numeric string, or null for none). */
function toCount(reply: unknown): number {
  if (reply === null || reply === undefined) return 0;
  const n = Number(reply);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${REDIS}: unexpected reply from Redis: ${String(reply).slice(0, 40)}`);
  return n;
}
