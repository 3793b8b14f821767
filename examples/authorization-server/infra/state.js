/**
 * The one-time state of the example, from oauth2orize's building blocks:
 * authorization codes, refresh-token families, device codes, pushed
 * requests, attempt counters (the throttles) and the `jti` replay cache.
 *
 * With a Redis client (main.js connects one when `REDIS_URL` is set) every
 * block is the Redis one, all on that one client, so several instances share
 * them: a code issued by one is redeemed once on any, a refresh token
 * rotates once whichever instance gets it, and a device approved on one is
 * redeemed by a poll at another. Without it, the in-memory blocks, for one
 * process. Users, clients and access tokens stay in SQLite (storage/db.js).
 *
 * @module state
 */
import {
  MemoryAttemptStore,
  MemoryAuthorizationCodeStore,
  MemoryDeviceCodeStore,
  MemoryRefreshFamilyStore,
  MemoryReplayStore,
  RedisAttemptStore,
  RedisAuthorizationCodeStore,
  RedisDeviceCodeStore,
  RedisRefreshFamilyStore,
  RedisReplayStore,
  RedisRequestURIStore,
} from 'oauth2orize';
import { PushedRequests } from '../oauth/par.js';

/** The grace window of refresh rotation when `REFRESH_GRACE_SECONDS` is not set. */
export const DEFAULT_REFRESH_GRACE_SECONDS = 10;

/**
 * @typedef {object} OneTimeState
 * @property {import('oauth2orize').AuthorizationCodeStore<any>} codes
 * @property {import('oauth2orize').RefreshFamilyStore<any>} families
 * @property {import('oauth2orize').DeviceCodeStore<any>} devices
 * @property {import('oauth2orize').RequestURIStore} pushed
 * @property {import('oauth2orize').AttemptStore} attempts
 * @property {import('oauth2orize').ReplayStore} replay
 * @property {number} graceSeconds
 */

/**
 * The `REFRESH_GRACE_SECONDS` setting: whole or fractional seconds, 0 or
 * more. Anything else is refused at start.
 *
 * @param {string | undefined} value
 * @returns {number}
 */
export function parseGraceSeconds(value) {
  if (value === undefined || value === '') return DEFAULT_REFRESH_GRACE_SECONDS;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`REFRESH_GRACE_SECONDS must be a number of seconds, 0 or more: ${value}`);
  return n;
}

/**
 * Build the stores.
 *
 * @param {object} [options]
 * @param {any} [options.client] a connected node-redis (or ioredis) client:
 *   the Redis blocks, else the in-memory ones
 * @param {number} [options.graceSeconds] refresh rotation's grace window
 *   (default {@link DEFAULT_REFRESH_GRACE_SECONDS})
 * @param {string} [options.prefix] key prefix of every Redis block (default `'example:'`)
 * @returns {OneTimeState}
 */
export function createState({ client, graceSeconds = DEFAULT_REFRESH_GRACE_SECONDS, prefix = 'example:' } = {}) {
  if (!client) {
    return {
      codes: new MemoryAuthorizationCodeStore(),
      families: new MemoryRefreshFamilyStore({ graceSeconds }),
      devices: new MemoryDeviceCodeStore({ maxKeys: 10_000 }),
      // Per-client bounds: a flood of pushes by one client evicts only its own.
      pushed: new PushedRequests(),
      attempts: new MemoryAttemptStore({ maxKeys: 10_000 }),
      replay: new MemoryReplayStore(),
      graceSeconds,
    };
  }
  return {
    codes: new RedisAuthorizationCodeStore({ client, prefix: `${prefix}code:` }),
    families: new RedisRefreshFamilyStore({ client, graceSeconds, prefix: `${prefix}rt:` }),
    devices: new RedisDeviceCodeStore({ client, prefix: `${prefix}device:` }),
    pushed: new RedisRequestURIStore({ client, prefix: `${prefix}par:` }),
    attempts: new RedisAttemptStore({ client, prefix: `${prefix}attempts:` }),
    replay: new RedisReplayStore({ client, prefix: `${prefix}replay:` }),
    graceSeconds,
  };
}
