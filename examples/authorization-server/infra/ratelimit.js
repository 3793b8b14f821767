/**
 * Throttling of failed attempts (sign-in and token requests), without any
 * dependency.
 *
 * Each key (an IP address, a username, a client id) has a fixed window of
 * `windowSeconds`. An attempt is counted as a failure when it starts and
 * forgiven if it succeeds, so a burst of parallel requests cannot all slip
 * through before the first one fails. Once `limit` failures are counted, the
 * key is refused until its window ends (HTTP 429 with `Retry-After`).
 *
 * The table holds at most `maxKeys` keys: when full, the oldest key is
 * dropped, so memory stays bounded whatever an attacker sends.
 *
 * @module ratelimit
 */

/**
 * @typedef {object} LimiterOptions
 * @property {number} limit failures allowed per key and window
 * @property {number} [windowSeconds] length of the window (default 15 minutes)
 * @property {number} [maxKeys] most keys remembered (default 10,000)
 */

export class FailureLimiter {
  /** @param {LimiterOptions} options */
  constructor({ limit, windowSeconds = 15 * 60, maxKeys = 10_000 }) {
    this.limit = limit;
    this.windowMs = windowSeconds * 1000;
    this.maxKeys = maxKeys;
    /** @type {Map<string, { count: number, resetAt: number }>} */
    this.entries = new Map();
  }

  /**
   * @param {string} key
   * @returns {{ count: number, resetAt: number } | undefined} the live entry
   */
  entry(key) {
    const entry = this.entries.get(key);
    if (entry && entry.resetAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Seconds until `key` may try again; 0 when it may now.
   * @param {string} key
   */
  retryAfter(key) {
    const entry = this.entry(key);
    return entry && entry.count >= this.limit ? Math.max(1, Math.ceil((entry.resetAt - Date.now()) / 1000)) : 0;
  }

  /**
   * Count one (possible) failure for `key`.
   * @param {string} key
   */
  fail(key) {
    const entry = this.entry(key);
    if (entry) {
      entry.count += 1;
      return;
    }
    if (this.entries.size >= this.maxKeys) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { count: 1, resetAt: Date.now() + this.windowMs });
  }

  /**
   * Take back one failure counted by {@link fail} (the attempt succeeded).
   * @param {string} key
   */
  forgive(key) {
    const entry = this.entry(key);
    if (entry && --entry.count <= 0) this.entries.delete(key);
  }

  /**
   * Forget `key` altogether (a user who signed in).
   * @param {string} key
   */
  reset(key) {
    this.entries.delete(key);
  }
}

/**
 * The same limiter on an oauth2orize `AttemptStore` (infra/state.js): with
 * `REDIS_URL` the counters are shared, so failures at every instance add up.
 * A failure is counted (`hit`) when the attempt starts; a success is counted
 * apart and taken off, as {@link FailureLimiter.forgive} does.
 */
export class StoreLimiter {
  /**
   * @param {object} options
   * @param {import('oauth2orize').AttemptStore} options.store
   * @param {number} options.limit failures allowed per key and window
   * @param {number} [options.windowSeconds] length of the window (default 15 minutes)
   * @param {string} options.name keeps this limiter's keys apart from others' in the store
   */
  constructor({ store, limit, windowSeconds = 15 * 60, name }) {
    this.store = store;
    this.limit = limit;
    this.windowSeconds = windowSeconds;
    this.name = name;
  }

  /** @param {string} key */
  async retryAfter(key) {
    const [failed, forgiven] = await Promise.all([this.store.count(`${this.name}|${key}`), this.store.count(`${this.name}|ok|${key}`)]);
    if (failed - forgiven < this.limit) return 0;
    return Math.max(1, await this.store.ttl(`${this.name}|${key}`));
  }

  /** @param {string} key */
  async fail(key) {
    // The first failure of a window starts the successes' count afresh too.
    if ((await this.store.hit(`${this.name}|${key}`, this.windowSeconds)) === 1) await this.store.reset(`${this.name}|ok|${key}`);
  }

  /** @param {string} key */
  async forgive(key) {
    // Nothing to forgive after a reset (a sign-in): no credit for later failures.
    if ((await this.store.count(`${this.name}|${key}`)) > 0) await this.store.hit(`${this.name}|ok|${key}`, this.windowSeconds);
  }

  /** @param {string} key */
  async reset(key) {
    await Promise.all([this.store.reset(`${this.name}|${key}`), this.store.reset(`${this.name}|ok|${key}`)]);
  }
}

/**
 * @typedef {object} RateLimits failures allowed per window
 * @property {number} [loginPerIP] failed sign-ins from one address (default 20)
 * @property {number} [loginPerAccount] failed sign-ins for one username (default 5)
 * @property {number} [tokenPerIP] failed client authentications from one address (default 30),
 *   counted by oauth2orize's throttle (app.js)
 * @property {number} [tokenPerClient] failed client authentications of one client from one
 *   address (default 10), counted by oauth2orize's throttle
 * @property {number} [windowSeconds] default 15 minutes
 * @property {number} [registrationsPerIP] dynamic client registrations from one address
 *   per hour (default 20), counted by oauth2orize's registration throttle (mcp/clients.js)
 */

/** @typedef {FailureLimiter | StoreLimiter} Limiter */

/**
 * Guard a route: refuse with `onLimited(res, seconds)` while any of the keys
 * that `keysOf(req)` returns is over its limit; otherwise count the attempt
 * as a failure for each key, and forgive it when the response is a success
 * (`isSuccess(res)`).
 *
 * @param {[Limiter, (req: import('express').Request) => string | undefined][]} guards
 *   each limiter with the function that names its key (undefined: not counted)
 * @param {(res: import('express').Response) => boolean} isSuccess
 * @param {(req: import('express').Request, res: import('express').Response, seconds: number) => void} onLimited
 * @returns {import('express').RequestHandler}
 */
export function throttle(guards, isSuccess, onLimited) {
  return (req, res, next) => {
    /** @type {[Limiter, string][]} */
    const keyed = [];
    for (const [limiter, keyOf] of guards) {
      const key = keyOf(req);
      if (key !== undefined) keyed.push([limiter, key]);
    }
    // A store that fails fails the request (closed).
    Promise.all(keyed.map(([limiter, key]) => limiter.retryAfter(key)))
      .then(async (waits) => {
        const wait = Math.max(0, ...waits);
        if (wait > 0) {
          res.set('Retry-After', String(wait));
          return onLimited(req, res, wait);
        }
        await Promise.all(keyed.map(([limiter, key]) => limiter.fail(key)));
        res.once('finish', () => {
          if (isSuccess(res)) for (const [limiter, key] of keyed) Promise.resolve(limiter.forgive(key)).catch(() => {});
        });
        next();
      })
      .catch(next);
  };
}
