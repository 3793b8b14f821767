import { isIPv4, isIPv6 } from 'node:net';
import { createHash } from 'node:crypto';
import { MemoryAttemptStore, type AttemptStore } from '../stores/attempts.js';

/**
 * What {@link ClientThrottle.check} decides about one authentication attempt.
 *
 * @group Stores
 */
export interface ThrottleDecision {
  /** True when the attempt must be refused (`429`) without checking the credentials. */
  blocked: boolean;
  /** Seconds until the blocking window ends (the `Retry-After` value); 0 when not blocked. */
  retryAfter: number;
}

/**
 * Counts failed client authentications and says when to refuse more.
 *
 * Failures are counted per (client, address) and per address, never per
 * client alone: someone who does not hold a client's secret can block that
 * client only from their own address, and a success from one address is
 * not blocked by failures from other addresses.
 *
 * @example
 * ```ts
 * const throttle = createThrottle();
 * const { blocked, retryAfter } = await throttle.check(clientId, req.ip);
 * if (blocked) return res.set('Retry-After', String(retryAfter)).status(429).end();
 * if (await verify(clientId, secret)) await throttle.succeeded(clientId, req.ip);
 * else await throttle.failed(clientId, req.ip);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.10
 *
 * @group Stores
 */
export interface ClientThrottle {
  /**
   * Whether an attempt of `clientId` from `address` is blocked, before its
   * credentials are checked.
   * @param clientId the client the request names, or undefined when it names none
   * @param address the source address (`req.ip`)
   */
  check(clientId: string | undefined, address: string): Promise<ThrottleDecision>;
  /**
   * Count a failed authentication: for the address, and for the (client,
   * address) pair when a client was named.
   * @param clientId the client the request named, or undefined
   * @param address the source address
   */
  failed(clientId: string | undefined, address: string): Promise<void>;
  /**
   * A successful authentication: forget the (client, address) failures. The
   * address's own count stays, so that a client an attacker holds cannot be
   * used to wipe the count of guesses at other clients.
   * @param clientId the authenticated client
   * @param address the source address
   */
  succeeded(clientId: string, address: string): Promise<void>;
}

/**
 * Options of {@link createThrottle}.
 *
 * @group Stores
 */
export interface ThrottleOptions {
  /**
   * Where the counters live. Default a {@link MemoryAttemptStore} on `now`
   * (one process); a {@link RedisAttemptStore} shares them between instances.
   */
  store?: AttemptStore;
  /**
   * Failures of one client from one address within a window, after which
   * that client is refused from that address until the window ends. Default 10.
   */
  maxFailures?: number;
  /**
   * Failures from one address within a window, whatever the client (or
   * none), after which every authentication from it is refused until the
   * window ends. Default 100.
   */
  maxAddressFailures?: number;
  /** Length of the window, in seconds, started by the first failure. Default 900 (15 minutes). */
  window?: number;
  /**
   * The clock of the default memory store, in milliseconds since the epoch.
   * Ignored with `store` (a store has its own clock). Default `Date.now()`.
   */
  now?: () => number;
}

/** Longest client ID or address kept as it is in a key; longer ones are hashed. */
const MAX_PART = 128;
/** What may appear as is in a key; `|` separates the parts and `#` marks a hash. */
const PLAIN_PART = /^[\x21-\x22\x24-\x7b\x7d\x7e]+$/;

/**
 * The throttle of client authentication: failed attempts counted in an
 * {@link AttemptStore}, per (client, address) and per address.
 *
 * - `check` blocks when the (client, address) count has reached
 *   `maxFailures`, or the address count `maxAddressFailures`, and answers
 *   the seconds left of the window that blocks (`Retry-After`).
 * - `failed` counts one failure for the address and, when the request
 *   named a client, for the pair. Only failed authentications are meant to be
 *   counted: grant errors such as `authorization_pending` are not failures.
 * - `succeeded` clears the pair's count.
 *
 * Defaults: 10 failures per client and address, 100 per address, in a
 * window of 15 minutes. 10 leaves a misconfigured client room to retry, and
 * no secret of useful length is guessed at 10 tries per quarter-hour; 100
 * per address lets many clients behind one NAT make mistakes while bounding
 * an attacker who varies the client ID. IPv6 addresses are grouped by their
 * /64 prefix (a single host usually holds a whole /64) and IPv4-mapped IPv6
 * addresses count as their IPv4 address. A client ID that is empty or not
 * a string counts as no client (the address count only); an address that is
 * empty or not a string counts as one "unknown" address; a client ID or
 * address that is long or holds unusual characters counts under its SHA-256.
 *
 * A store failure rejects the Promise; the caller decides whether to let the
 * request through or refuse it.
 *
 * @param options `store`, `maxFailures`, `maxAddressFailures`, `window`, `now`
 * @returns the throttle
 * @example
 * ```ts
 * const throttle = createThrottle({ store: new RedisAttemptStore({ client }), maxFailures: 5 });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.10
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-2.4.1
 *
 * @group Stores
 */
export function createThrottle(options: ThrottleOptions = {}): ClientThrottle {
  if (!options || typeof options !== 'object') throw new TypeError('createThrottle options must be an object');
  const maxFailures = count('maxFailures', options.maxFailures, 10);
  const maxAddressFailures = count('maxAddressFailures', options.maxAddressFailures, 100);
  const window = options.window === undefined ? 900 : options.window;
  if (typeof window !== 'number' || !(window > 0) || !Number.isFinite(window)) {
    throw new TypeError('createThrottle window must be a positive number of seconds');
  }
  const store = options.store || new MemoryAttemptStore({ now: options.now });
  if (typeof store.hit !== 'function' || typeof store.count !== 'function' || typeof store.ttl !== 'function' || typeof store.reset !== 'function') {
    throw new TypeError('createThrottle store must be an AttemptStore (hit, count, ttl, reset)');
  }

  return {
    async check(clientId, address) {
      const addr = addressKey(address);
      const pair = named(clientId) ? pairKey(clientId, address) : undefined;
      const [addrCount, pairCount] = await Promise.all([store.count(addr), pair === undefined ? 0 : store.count(pair)]);
      const blocking: string[] = [];
      if (addrCount >= maxAddressFailures) blocking.push(addr);
      if (pair !== undefined && pairCount >= maxFailures) blocking.push(pair);
      if (!blocking.length) return { blocked: false, retryAfter: 0 };
      const left = await Promise.all(blocking.map((key) => store.ttl(key)));
      // A window that ended between the two reads no longer blocks.
      const retryAfter = Math.max(...left);
      return retryAfter > 0 ? { blocked: true, retryAfter } : { blocked: false, retryAfter: 0 };
    },
    async failed(clientId, address) {
      const hits = [store.hit(addressKey(address), window)];
      if (named(clientId)) hits.push(store.hit(pairKey(clientId, address), window));
      await Promise.all(hits);
    },
    async succeeded(clientId, address) {
      if (named(clientId)) await store.reset(pairKey(clientId, address));
    },
  };
}

function count(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`createThrottle ${name} must be a positive integer`);
  }
  return value;
}

/** Whether the request named a client: a non-empty string (anything else counts for the address only). */
function named(clientId: unknown): clientId is string {
  return typeof clientId === 'string' && clientId !== '';
}

/** The key of the per-address counter. */
function addressKey(address: unknown): string {
  return 'a|' + part(normalizeAddress(address));
}

/** The key of the per-(client, address) counter. */
function pairKey(clientId: string, address: unknown): string {
  return 'c|' + part(clientId) + '|' + part(normalizeAddress(address));
}

/** A value as it appears in a key: as is when short and plain, else hashed; `-` when missing. */
function part(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '-';
  if (value.length <= MAX_PART && PLAIN_PART.test(value) && value !== '-') return value;
  return '#' + createHash('sha256').update(value, 'utf8').digest('base64url').slice(0, 32);
}

/**
 * One address per host: IPv4 as is, IPv4-mapped IPv6 as its IPv4 address,
 * other IPv6 addresses as their /64 prefix; anything else as given.
 */
export function normalizeAddress(address: unknown): unknown {
  if (typeof address !== 'string') return address;
  let a = address.trim();
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (isIPv4(a)) return a;
  if (!isIPv6(a)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1];
  return prefix64(a);
}

/** The first four groups of an IPv6 address, as `x:x:x:x::/64`. */
function prefix64(a: string): string {
  let text = a.toLowerCase();
  // An embedded IPv4 tail (`::1.2.3.4`) is two groups, never within the first four unless the rest is zeros.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [p, q, r, s] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + ((p << 8) | q).toString(16) + ':' + ((r << 8) | s).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':') + '::/64';
}
