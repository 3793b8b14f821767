/**
 * Refresh-token families: rotation with reuse detection (OAuth 2.1 §4.3.1,
 * RFC 9700 §4.14.2), with a grace window for the concurrent refreshes of
 * real clients.
 *
 * A family starts when a grant first issues a refresh token, and holds one
 * current token. Presenting it rotates: a new token becomes current, the
 * presented one becomes the immediate parent. Within the grace window the
 * parent may be presented again, and is answered within the same family
 * (the same new pair, or a fresh access token with the same new refresh
 * token). Any other earlier token of the family presented again is a reuse:
 * the whole family is revoked. The store mints the refresh tokens itself,
 * `<familyId>.<256 random bits>`, so that every operation finds its family
 * from the token alone, on one key (one hash slot on Redis Cluster), and it
 * keeps only their SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { commander, type RedisClientLike, type RedisCommand } from '../txn/redisclient.js';
import { systemClock } from '../settings/clock.js';
import { prepare, shape } from '../lib/callback.js';
import { describeClient, publishEvent } from '../diagnostics/channels.js';
import type { IssuedTokens, ParamBag } from '../types.js';
import { BoundedMap, type Expiring } from './bounded.js';
import { clockOption, maxKeysOption, prefixOption, settle, windowMs } from './keys.js';
import { promised, tokensResult } from './promised.js';

/**
 * What {@link RefreshFamilyStore.rotate} did with a presented token:
 * - `rotated`: it was the family's current token; `refreshToken` is the new
 *   one, of `generation`;
 * - `grace`: it was the immediate parent, presented again within the grace
 *   window; `refreshToken` is the current token (the one the rotation
 *   answered), and `answer` what {@link RefreshFamilyStore.keepAnswer} kept
 *   for it, when kept yet;
 * - `reused`: an earlier token of the family, outside the grace window:
 *   the family is now revoked (revoke its access tokens too);
 * - `revoked`: a token of a family revoked before;
 * - `unknown`: not a token of a live family.
 *
 * @group Stores
 */
export type RefreshRotation<T = unknown> =
  | {
      /** The current token was rotated by this call. */
      status: 'rotated';
      /** The family. */
      familyId: string;
      /** The family's record. */
      record: T;
      /** The new current token. */
      refreshToken: string;
      /** The new token's generation (the first token is 1). */
      generation: number;
    }
  | {
      /** The immediate parent, again within the grace window. */
      status: 'grace';
      /** The family. */
      familyId: string;
      /** The family's record. */
      record: T;
      /** The current token, which the rotation answered. */
      refreshToken: string;
      /** Its generation. */
      generation: number;
      /** The answer kept for the rotation, when kept yet. */
      answer: string | undefined;
    }
  | {
      /** An earlier token, reused: the family is revoked now. */
      status: 'reused';
      /** The family. */
      familyId: string;
      /** The family's record. */
      record: T;
    }
  | {
      /** A token of a family revoked before. */
      status: 'revoked';
      /** The family. */
      familyId: string;
      /** The family's record. */
      record: T;
    }
  | {
      /** Not a token of a live family. */
      status: 'unknown';
    };

/**
 * A family's id and one of its refresh tokens, as {@link RefreshFamilyStore.start} answers them.
 *
 * @group Stores
 */
export interface FamilyToken {
  /** The family. */
  familyId: string;
  /** Its refresh token. */
  refreshToken: string;
}

/**
 * A family and its record, as {@link RefreshFamilyStore.peek} answers them.
 *
 * @group Stores
 */
export interface FamilyRecord<T = unknown> {
  /** The family. */
  familyId: string;
  /** Its record. */
  record: T;
}

/**
 * A store of refresh-token families, atomic across instances: of any
 * number of concurrent presentations of one current token, exactly one
 * rotates; the others are in the grace window.
 *
 * {@link rotateRefreshTokens} runs it for `exchange.refreshToken`.
 *
 * @typeParam T the application's record of the grant (client, user, scope)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-4.3.1
 *
 * @group Stores
 */
export interface RefreshFamilyStore<T = unknown> {
  /**
   * Start a family with its first refresh token.
   * @param record the grant (JSON, stored as a copy)
   * @param ttlSeconds the family's lifetime: no token of it is accepted after
   */
  start(record: T, ttlSeconds: number): Promise<FamilyToken>;
  /**
   * The family a token names and its record, without rotating (the token
   * itself is not checked: {@link rotate} does that).
   * @param refreshToken the token presented
   */
  peek(refreshToken: string): Promise<FamilyRecord<T> | undefined>;
  /**
   * Rotate, atomically: see {@link RefreshRotation}.
   * @param refreshToken the token presented
   */
  rotate(refreshToken: string): Promise<RefreshRotation<T>>;
  /**
   * Keep the answer of a rotation for the grace window, for the parent's
   * presentations within it. Resolves `false` when the family was revoked
   * meanwhile (the answer must then not be given).
   * @param familyId the family
   * @param generation the rotation's `generation`
   * @param answer what to give again (opaque: the app may encrypt it)
   */
  keepAnswer(familyId: string, generation: number, answer: string): Promise<boolean>;
  /**
   * The answer kept for `generation`, or undefined.
   * @param familyId the family
   * @param generation the rotation's `generation`
   */
  answer(familyId: string, generation: number): Promise<string | undefined>;
  /**
   * Revoke a family (a logout, a revocation request): no token of it is
   * accepted any more.
   * @param familyId the family
   */
  revoke(familyId: string): Promise<void>;
}

/** Options of both refresh-family stores. */
interface FamilyStoreOptions {
  /**
   * Seconds after a rotation during which the immediate parent may be
   * presented again without revoking the family. Default 10; 0 turns the
   * grace window off (strict rotation).
   */
  graceSeconds?: number;
  /**
   * How many times the parent may be presented again within the window.
   * Default unlimited (the window's time alone bounds it).
   */
  graceReuses?: number;
  /**
   * How many earlier tokens of a family are remembered to recognize a
   * reuse. An older one is refused (`invalid_grant`) without revoking the
   * family. Default 64.
   */
  remember?: number;
}

/**
 * Options of {@link MemoryRefreshFamilyStore}.
 *
 * @group Stores
 */
export interface MemoryRefreshFamilyStoreOptions extends FamilyStoreOptions {
  /** Most families kept. Beyond it the family written least recently is forgotten. Default 100,000. */
  maxKeys?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now()`. */
  now?: () => number;
}

/**
 * Options of {@link RedisRefreshFamilyStore}.
 *
 * @group Stores
 */
export interface RedisRefreshFamilyStoreOptions extends FamilyStoreOptions {
  /**
   * A connected client: node-redis v4 or v5 (`createClient()`, or
   * `createCluster()`), or ioredis 5 (`new Redis()` or `new Cluster()`). The
   * store never connects or closes it.
   */
  client: RedisClientLike;
  /**
   * Prefix of the keys. A family is the hash `<prefix>{<familyId>}`, and
   * its kept answer `<prefix>{<familyId>}:answer`: one hash slot. Default `'oauth2orize:rt:'`.
   */
  prefix?: string;
  /** Milliseconds after which a Redis command counts as failed (rejects). Default 5000. */
  timeout?: number;
}

interface Grace {
  ms: number;
  reuses: number;
  remember: number;
}

function graceOptions(owner: string, options: FamilyStoreOptions): Grace {
  const seconds = options.graceSeconds === undefined ? 10 : options.graceSeconds;
  if (typeof seconds !== 'number' || !(seconds >= 0) || !Number.isFinite(seconds)) throw new TypeError(`${owner} graceSeconds must be a number of seconds, 0 or more`);
  const reuses = options.graceReuses;
  if (reuses !== undefined && (typeof reuses !== 'number' || !Number.isInteger(reuses) || reuses < 1)) throw new TypeError(`${owner} graceReuses must be a positive integer`);
  const remember = options.remember === undefined ? 64 : options.remember;
  if (typeof remember !== 'number' || !Number.isInteger(remember) || remember < 1 || remember > 10_000) throw new TypeError(`${owner} remember must be an integer from 1 to 10000`);
  return { ms: Math.round(seconds * 1000), reuses: reuses === undefined ? -1 : reuses, remember };
}

const TOKEN = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;

/** A new family id: 128 random bits. */
function newFamilyId(): string {
  return randomBytes(16).toString('base64url');
}

/** A new refresh token of `familyId`. */
function newToken(familyId: string): string {
  return `${familyId}.${randomBytes(32).toString('base64url')}`;
}

/** The family a token names, or undefined when it is not one of ours. */
function familyOf(owner: string, token: unknown): string | undefined {
  if (typeof token !== 'string') throw new TypeError(`${owner} refresh tokens must be strings`);
  const m = TOKEN.exec(token);
  return m ? m[1] : undefined;
}

function hashOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

function checkGeneration(owner: string, familyId: unknown, generation: unknown): void {
  if (typeof familyId !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(familyId)) throw new TypeError(`${owner} family ids are 22 base64url characters`);
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 1) throw new TypeError(`${owner} generations are positive integers`);
}

function recordJson(owner: string, record: unknown): string {
  const json = JSON.stringify(record);
  if (typeof json !== 'string') throw new TypeError(`${owner} records must be JSON values`);
  return json;
}

interface MemoryFamily extends Expiring {
  r: string;
  cur: string;
  par: string;
  at: number;
  n: number;
  g: number;
  rev: boolean;
  /** Earlier tokens' hashes, by generation, oldest first. */
  anc: Map<string, number>;
  ans?: { g: number; rt: string; pair?: string; exp: number };
}

const MEMORY = 'MemoryRefreshFamilyStore';

/**
 * A {@link RefreshFamilyStore} in this process's memory, for a single
 * instance and for tests: several instances must share a
 * {@link RedisRefreshFamilyStore}.
 *
 * @example
 * ```ts
 * const families = new MemoryRefreshFamilyStore({ graceSeconds: 10 });
 * ```
 *
 * @group Stores
 */
export class MemoryRefreshFamilyStore<T = unknown> implements RefreshFamilyStore<T> {
  private readonly map: BoundedMap<MemoryFamily>;
  private readonly now: () => number;
  private readonly grace: Grace;

  /**
   * @param options `graceSeconds`, `graceReuses`, `remember`, `maxKeys`, `now`
   */
  constructor(options: MemoryRefreshFamilyStoreOptions = {}) {
    if (!options || typeof options !== 'object') throw new TypeError(`${MEMORY} options must be an object`);
    this.map = new BoundedMap(maxKeysOption(MEMORY, options.maxKeys, 100_000));
    this.now = clockOption(MEMORY, options.now) || systemClock;
    this.grace = graceOptions(MEMORY, options);
  }

  /**
   * See {@link RefreshFamilyStore.start}.
   * @param record the grant
   * @param ttlSeconds the family's lifetime
   */
  start(record: T, ttlSeconds: number): Promise<FamilyToken> {
    return settle(() => {
      const ms = windowMs(MEMORY, 'ttl', ttlSeconds);
      const r = recordJson(MEMORY, record);
      const familyId = newFamilyId();
      const refreshToken = newToken(familyId);
      const now = this.now();
      this.map.set(familyId, { exp: now + ms, r, cur: hashOf(refreshToken), par: '', at: 0, n: 0, g: 1, rev: false, anc: new Map() }, now);
      return { familyId, refreshToken };
    });
  }

  /**
   * See {@link RefreshFamilyStore.peek}.
   * @param refreshToken the token presented
   */
  peek(refreshToken: string): Promise<FamilyRecord<T> | undefined> {
    return settle(() => {
      const familyId = familyOf(MEMORY, refreshToken);
      const f = familyId && this.map.get(familyId, this.now());
      return f ? { familyId: familyId!, record: JSON.parse(f.r) as T } : undefined;
    });
  }

  /**
   * See {@link RefreshFamilyStore.rotate}.
   * @param refreshToken the token presented
   */
  rotate(refreshToken: string): Promise<RefreshRotation<T>> {
    return settle((): RefreshRotation<T> => {
      const familyId = familyOf(MEMORY, refreshToken);
      const now = this.now();
      const f = familyId && this.map.get(familyId, now);
      if (!f || !familyId) return { status: 'unknown' };
      const record = (): T => JSON.parse(f.r) as T;
      if (f.rev) return { status: 'revoked', familyId, record: record() };
      const h = hashOf(refreshToken);
      if (h === f.cur) {
        const next = newToken(familyId);
        f.anc.set(h, f.g);
        while (f.anc.size > this.grace.remember) f.anc.delete(f.anc.keys().next().value as string);
        f.par = h;
        f.cur = hashOf(next);
        f.at = now;
        f.n = 0;
        f.g += 1;
        f.ans = this.grace.ms > 0 ? { g: f.g, rt: next, exp: now + this.grace.ms } : undefined;
        return { status: 'rotated', familyId, record: record(), refreshToken: next, generation: f.g };
      }
      const ans = f.ans && f.ans.exp > now && f.ans.g === f.g ? f.ans : undefined;
      if (h === f.par && ans && now - f.at < this.grace.ms && (this.grace.reuses < 0 || f.n < this.grace.reuses)) {
        f.n += 1;
        return { status: 'grace', familyId, record: record(), refreshToken: ans.rt, generation: f.g, answer: ans.pair };
      }
      if (f.anc.has(h)) {
        f.rev = true;
        f.ans = undefined;
        return { status: 'reused', familyId, record: record() };
      }
      return { status: 'unknown' };
    });
  }

  /**
   * See {@link RefreshFamilyStore.keepAnswer}.
   * @param familyId the family
   * @param generation the rotation's generation
   * @param answer what to give again
   */
  keepAnswer(familyId: string, generation: number, answer: string): Promise<boolean> {
    return settle(() => {
      checkGeneration(MEMORY, familyId, generation);
      if (typeof answer !== 'string') throw new TypeError(`${MEMORY} answers must be strings`);
      const f = this.map.get(familyId, this.now());
      if (!f || f.rev) return false;
      if (f.ans && f.ans.g === generation) f.ans.pair = answer;
      return true;
    });
  }

  /**
   * See {@link RefreshFamilyStore.answer}.
   * @param familyId the family
   * @param generation the rotation's generation
   */
  answer(familyId: string, generation: number): Promise<string | undefined> {
    return settle(() => {
      checkGeneration(MEMORY, familyId, generation);
      const now = this.now();
      const f = this.map.get(familyId, now);
      const ans = f && !f.rev && f.ans && f.ans.exp > now && f.ans.g === generation ? f.ans : undefined;
      return ans ? ans.pair : undefined;
    });
  }

  /**
   * See {@link RefreshFamilyStore.revoke}.
   * @param familyId the family
   */
  revoke(familyId: string): Promise<void> {
    return settle(() => {
      if (typeof familyId !== 'string') throw new TypeError(`${MEMORY} family ids must be strings`);
      const f = this.map.get(familyId, this.now());
      if (f) {
        f.rev = true;
        f.ans = undefined;
      }
    });
  }

  /** How many families are held now (expired ones not yet swept included). */
  get size(): number {
    return this.map.size;
  }
}

const REDIS = 'RedisRefreshFamilyStore';

/** Start: KEYS family; ARGV record, current hash, ttl ms. */
const START_SCRIPT = `redis.call('HSET', KEYS[1], 'r', ARGV[1], 'cur', ARGV[2], 'par', '', 'at', '0', 'n', '0', 'g', '1', 'rev', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * Rotate: KEYS family, answer; ARGV presented hash, next hash, next token,
 * grace ms, grace reuses (-1: unlimited), generations remembered.
 * Replies {0} unknown, {1, record, generation} rotated,
 * {2, record, generation, token, answer|nil} grace, {3, record} reused
 * (revoked now), {4, record} revoked before. Time is Redis's own.
 */
const ROTATE_SCRIPT = `local f = redis.call('HMGET', KEYS[1], 'r', 'cur', 'par', 'at', 'n', 'g', 'rev')
if not f[1] then return {0} end
if f[7] == '1' then return {4, f[1]} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local g = tonumber(f[6])
local grace = tonumber(ARGV[4])
if ARGV[1] == f[2] then
  local ng = g + 1
  redis.call('HSET', KEYS[1], 'cur', ARGV[2], 'par', ARGV[1], 'at', tostring(now), 'n', '0', 'g', tostring(ng), 'a:' .. ARGV[1], tostring(g), 'h:' .. g, ARGV[1])
  local old = g - tonumber(ARGV[6])
  if old >= 1 then
    local oh = redis.call('HGET', KEYS[1], 'h:' .. old)
    if oh then redis.call('HDEL', KEYS[1], 'a:' .. oh, 'h:' .. old) end
  end
  redis.call('DEL', KEYS[2])
  if grace > 0 then
    redis.call('HSET', KEYS[2], 'g', tostring(ng), 'rt', ARGV[3])
    redis.call('PEXPIRE', KEYS[2], grace)
  end
  return {1, f[1], ng}
end
if ARGV[1] == f[3] and now - tonumber(f[4]) < grace then
  local reuses = tonumber(ARGV[5])
  local a = redis.call('HMGET', KEYS[2], 'g', 'rt', 'pair')
  if (reuses < 0 or tonumber(f[5]) < reuses) and a[1] and tonumber(a[1]) == g then
    redis.call('HINCRBY', KEYS[1], 'n', 1)
    return {2, f[1], g, a[2], a[3]}
  end
end
if redis.call('HEXISTS', KEYS[1], 'a:' .. ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'rev', '1')
  redis.call('DEL', KEYS[2])
  return {3, f[1]}
end
return {0}`;

/** Keep an answer: KEYS family, answer; ARGV generation, answer. 0 when the family is gone or revoked. */
const KEEP_SCRIPT = `local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev or rev == '1' then return 0 end
if redis.call('HGET', KEYS[2], 'g') == ARGV[1] then redis.call('HSET', KEYS[2], 'pair', ARGV[2]) end
return 1`;

/** Revoke: KEYS family, answer. */
const REVOKE_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'rev', '1') end
redis.call('DEL', KEYS[2])
return 1`;

/**
 * A {@link RefreshFamilyStore} in Redis, shared by every instance that uses
 * the same Redis and `prefix`. Each operation is one `EVAL` over the
 * family's two keys, which share a hash tag (`{familyId}`), so it is atomic
 * and works on Redis Cluster. The grace window is measured by Redis's clock.
 *
 * What is kept: the family's record (JSON), the SHA-256 of its current
 * token, of its parent and of up to `remember` earlier tokens; for the grace
 * window only, in a key that expires with it, the current refresh token
 * and the answer given with it (as the application gave it to
 * {@link RefreshFamilyStore.keepAnswer}: {@link rotateRefreshTokens} can
 * encrypt it).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const families = new RedisRefreshFamilyStore({ client: new Redis(process.env.REDIS_URL), graceSeconds: 10 });
 * ```
 *
 * @group Stores
 */
export class RedisRefreshFamilyStore<T = unknown> implements RefreshFamilyStore<T> {
  /** See {@link RedisRefreshFamilyStoreOptions.prefix}. */
  readonly prefix: string;
  private readonly send: RedisCommand;
  private readonly grace: Grace;

  /**
   * @param options `client` (node-redis or ioredis, connected), `prefix`, `timeout`, `graceSeconds`, `graceReuses`, `remember`
   */
  constructor(options: RedisRefreshFamilyStoreOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(`${REDIS} requires options with a client`);
    this.prefix = prefixOption(REDIS, options.prefix, 'oauth2orize:rt:');
    this.send = commander(options.client, options.timeout === undefined ? 5000 : options.timeout, REDIS);
    this.grace = graceOptions(REDIS, options);
  }

  /**
   * See {@link RefreshFamilyStore.start}.
   * @param record the grant
   * @param ttlSeconds the family's lifetime
   */
  start(record: T, ttlSeconds: number): Promise<FamilyToken> {
    return settle(() => {
      const ms = windowMs(REDIS, 'ttl', ttlSeconds);
      const r = recordJson(REDIS, record);
      const familyId = newFamilyId();
      const refreshToken = newToken(familyId);
      return this.send(['EVAL', START_SCRIPT, '1', this.key(familyId), r, hashOf(refreshToken), String(ms)]).then(() => ({ familyId, refreshToken }));
    });
  }

  /**
   * See {@link RefreshFamilyStore.peek}.
   * @param refreshToken the token presented
   */
  peek(refreshToken: string): Promise<FamilyRecord<T> | undefined> {
    return settle(() => {
      const familyId = familyOf(REDIS, refreshToken);
      if (!familyId) return undefined;
      return this.send(['HGET', this.key(familyId), 'r']).then((r) => (typeof r === 'string' ? { familyId, record: JSON.parse(r) as T } : undefined));
    });
  }

  /**
   * See {@link RefreshFamilyStore.rotate}.
   * @param refreshToken the token presented
   */
  rotate(refreshToken: string): Promise<RefreshRotation<T>> {
    return settle((): RefreshRotation<T> | Promise<RefreshRotation<T>> => {
      const familyId = familyOf(REDIS, refreshToken);
      if (!familyId) return { status: 'unknown' };
      const next = newToken(familyId);
      const g = this.grace;
      const args = ['EVAL', ROTATE_SCRIPT, '2', this.key(familyId), this.answerKey(familyId), hashOf(refreshToken), hashOf(next), next, String(g.ms), String(g.reuses), String(g.remember)];
      return this.send(args).then((reply): RefreshRotation<T> => {
        const [status, r, generation, token, answer] = reply as [unknown, string?, unknown?, string?, string?];
        const record = (): T => JSON.parse(r!) as T;
        switch (Number(status)) {
          case 1: return { status: 'rotated', familyId, record: record(), refreshToken: next, generation: Number(generation) };
          case 2: return { status: 'grace', familyId, record: record(), refreshToken: token!, generation: Number(generation), answer: typeof answer === 'string' ? answer : undefined };
          case 3: return { status: 'reused', familyId, record: record() };
          case 4: return { status: 'revoked', familyId, record: record() };
          default: return { status: 'unknown' };
        }
      });
    });
  }

  /**
   * See {@link RefreshFamilyStore.keepAnswer}.
   * @param familyId the family
   * @param generation the rotation's generation
   * @param answer what to give again
   */
  keepAnswer(familyId: string, generation: number, answer: string): Promise<boolean> {
    return settle(() => {
      checkGeneration(REDIS, familyId, generation);
      if (typeof answer !== 'string') throw new TypeError(`${REDIS} answers must be strings`);
      return this.send(['EVAL', KEEP_SCRIPT, '2', this.key(familyId), this.answerKey(familyId), String(generation), answer]).then((n) => Number(n) === 1);
    });
  }

  /**
   * See {@link RefreshFamilyStore.answer}.
   * @param familyId the family
   * @param generation the rotation's generation
   */
  answer(familyId: string, generation: number): Promise<string | undefined> {
    return settle(() => {
      checkGeneration(REDIS, familyId, generation);
      return this.send(['HMGET', this.answerKey(familyId), 'g', 'pair']).then((reply) => {
        const [g, pair] = (reply || []) as [unknown, unknown];
        return g !== null && g !== undefined && Number(g) === generation && typeof pair === 'string' ? pair : undefined;
      });
    });
  }

  /**
   * See {@link RefreshFamilyStore.revoke}.
   * @param familyId the family
   */
  revoke(familyId: string): Promise<void> {
    return settle(() => {
      if (typeof familyId !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(familyId)) throw new TypeError(`${REDIS} family ids are 22 base64url characters`);
      return this.send(['EVAL', REVOKE_SCRIPT, '2', this.key(familyId), this.answerKey(familyId)]).then(() => undefined);
    });
  }

  private key(familyId: string): string {
    return `${this.prefix}{${familyId}}`;
  }

  private answerKey(familyId: string): string {
    return `${this.prefix}{${familyId}}:answer`;
  }
}

// ---------------------------------------------------------------------------
// The exchange helper

/**
 * What {@link rotateRefreshTokens} gives the application's callbacks.
 *
 * @group Stores
 */
export interface RefreshRotationContext<Client = any> {
  /** The authenticated client. */
  client: Client;
  /** The refresh token presented. */
  presentedToken: string;
  /** The requested `scope`, split; undefined when absent. */
  scope: string[] | undefined;
  /** The request body. */
  body: ParamBag;
  /** What client authentication passed as `info`. */
  authInfo: unknown;
  /** The request's checked `resource` values (RFC 8707); `[]` when none. */
  resource: string[];
  /** The request's DPoP proof (`jkt` is its key's thumbprint, RFC 9449), when the server validated one. */
  dpop: {
    /** The JWK thumbprint (RFC 7638) of the proof's key. */
    jkt: string;
  } | undefined;
  /** The family: give it to the access tokens, so that `revokeFamily` finds them. Set for `issue`. */
  familyId?: string;
  /** The refresh token the response will carry. Set for `issue`. */
  refreshToken?: string;
  /** True when `issue` answers a presentation of the parent within the grace window (not the rotation itself). */
  grace?: boolean;
}

/**
 * The callbacks and options of {@link rotateRefreshTokens}. `issue` and
 * `revokeFamily` take either form: `async (record, ctx) => value`, or the
 * 1.x form with `done` as last parameter.
 *
 * @group Stores
 */
export interface RefreshRotationOptions<T = any, Client = any> {
  /**
   * Whether the request may use a token of a family with this record (the
   * client is the family's; a requested `scope` is within the grant). Runs
   * before rotation: a request that fails it rotates and revokes nothing.
   * @param record the family's record
   * @param ctx the token request
   */
  check(record: T, ctx: RefreshRotationContext<Client>): boolean | Promise<boolean>;
  /**
   * Issue the access token: a string, `{ accessToken, params? }`, or falsy
   * to refuse. The response carries `ctx.refreshToken` as its refresh
   * token. Positional form: `(record, ctx, done)` with
   * `done(err, accessToken, refreshToken?, params?)` (`refreshToken` is not read).
   * @param record the family's record
   * @param ctx the token request, with `familyId`, `refreshToken` and `grace`
   * @param done the 1.x-style callback, in the positional form
   */
  issue(record: T, ctx: RefreshRotationContext<Client>, done: (err?: unknown, accessToken?: string | false | null, refreshToken?: string, params?: Record<string, unknown>) => void): unknown;
  /**
   * Revoke the access tokens of a family whose reuse was detected (the
   * store has revoked its refresh tokens already). Positional form:
   * `(familyId, record, done)`.
   * @param familyId the family
   * @param record its record
   * @param done the 1.x-style callback, in the positional form
   */
  revokeFamily(familyId: string, record: T, done: (err?: unknown) => void): unknown;
  /**
   * How the parent, presented again within the grace window, is answered:
   * `'same'` (default) gives the very response of the rotation (the store
   * keeps it for the window, through `seal`), `'fresh'` a new access token
   * from `issue` with the same new refresh token (nothing but the refresh
   * token is kept).
   */
  reuse?: 'same' | 'fresh';
  /**
   * Milliseconds a `'same'` answer waits for the rotation's response to be
   * kept, when the parent comes again while the rotation is still issuing;
   * after it, the answer is `'fresh'`. Default 3000.
   */
  wait?: number;
  /** Turn a kept response (JSON) into what the store keeps, e.g. encrypt it. Default: kept as it is. */
  seal?: (plain: string) => string | Promise<string>;
  /** The reverse of `seal`. */
  open?: (sealed: string) => string | Promise<string>;
}

/** The context form of `exchange.refreshToken`'s `issue`, as {@link rotateRefreshTokens} builds it. */
export type RefreshRotationIssue = (ctx: RefreshTokenRequest) => Promise<false | IssuedTokens>;

/**
 * What `exchange.refreshToken` gives its `issue` in the context form, as
 * {@link rotateRefreshTokens} reads it.
 *
 * @group Stores
 */
export interface RefreshTokenRequest {
  /** The authenticated client. */
  client: any;
  /** The `refresh_token` parameter. */
  refreshToken: string;
  /** The requested `scope`, split; undefined when absent. */
  scope: string[] | undefined;
  /** The request body. */
  body: ParamBag;
  /** What client authentication passed as `info`. */
  authInfo: unknown;
  /** The request's checked `resource` values (RFC 8707). */
  resource?: string[];
  /** The request's DPoP proof, when the server validated one. */
  dpop?: {
    /** The JWK thumbprint (RFC 7638) of the proof's key. */
    jkt: string;
  } | undefined;
}

const ISSUE = shape({ positional: ['record', 'ctx'], contextArities: [0, 1, 2], context: false, result: tokensResult });
const REVOKE = shape({ positional: ['familyId', 'record'], contextArities: [0, 1, 2], context: false, resolvedIsResult: false });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Rotate refresh tokens from a {@link RefreshFamilyStore} in
 * `exchange.refreshToken` (either of its callback forms takes the function
 * this returns): checks the request against the family's record, rotates,
 * calls the application's `issue` with the family id, answers the parent
 * within the grace window, and on any other reuse revokes the family
 * through `revokeFamily`. Every reuse publishes the `refreshReuse`
 * diagnostics event (`familyRevoked` says which kind).
 *
 * Concurrent refreshes of one token, on any number of instances: exactly
 * one rotates; each other one within the window is answered in the same
 * family (`reuse: 'same'`: the same response, waiting for it up to `wait`
 * ms, then a fresh access token), never revoked.
 *
 * @param store the families
 * @param options `check`, `issue`, `revokeFamily`, `reuse`, `wait`, `seal`, `open`
 * @example
 * ```ts
 * server.exchange(oauth2orize.exchange.refreshToken(rotateRefreshTokens(families, {
 *   check: (grant, { client }) => grant.clientId === client.id,
 *   issue: async (grant, { familyId }) => ({ accessToken: await tokens.issue(grant, familyId), params: { expires_in: 3600 } }),
 *   revokeFamily: async (familyId) => tokens.revokeFamily(familyId),
 * })));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 *
 * @group Stores
 */
export function rotateRefreshTokens<T = any, Client = any>(store: RefreshFamilyStore<T>, options: RefreshRotationOptions<T, Client>): RefreshRotationIssue {
  if (!store || typeof store.rotate !== 'function' || typeof store.peek !== 'function') throw new TypeError('rotateRefreshTokens requires a RefreshFamilyStore');
  if (!options || typeof options !== 'object') throw new TypeError('rotateRefreshTokens requires options { check, issue, revokeFamily }');
  for (const name of ['check', 'issue', 'revokeFamily'] as const) {
    if (typeof options[name] !== 'function') throw new TypeError(`rotateRefreshTokens: ${name} must be a function`);
  }
  const reuse = options.reuse === undefined ? 'same' : options.reuse;
  if (reuse !== 'same' && reuse !== 'fresh') throw new TypeError("rotateRefreshTokens: reuse must be 'same' or 'fresh'");
  const wait = options.wait === undefined ? 3000 : options.wait;
  if (typeof wait !== 'number' || !(wait >= 0) || !Number.isFinite(wait)) throw new TypeError('rotateRefreshTokens: wait must be a number of milliseconds');
  for (const name of ['seal', 'open'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`rotateRefreshTokens: ${name} must be a function`);
  }
  const seal = options.seal || ((s: string) => s);
  const open = options.open || ((s: string) => s);
  const check = options.check;
  const issue = prepare(ISSUE, options.issue);
  const revokeFamily = prepare(REVOKE, options.revokeFamily);

  const issueFor = async (record: T, ctx: RefreshRotationContext<Client>): Promise<{ accessToken: string; params?: Record<string, unknown> | undefined } | false> => {
    const [accessToken, , params] = await promised(issue, record, ctx);
    return accessToken ? { accessToken: accessToken as string, params: params as Record<string, unknown> | undefined } : false;
  };
  const kept = async (answer: string): Promise<{ accessToken: string; refreshToken: string; params?: Record<string, unknown> }> => JSON.parse(await open(answer));

  return async (exchangeCtx) => {
    const ctx: RefreshRotationContext<Client> = {
      client: exchangeCtx.client, presentedToken: exchangeCtx.refreshToken, scope: exchangeCtx.scope, body: exchangeCtx.body, authInfo: exchangeCtx.authInfo,
      resource: exchangeCtx.resource || [], dpop: exchangeCtx.dpop,
    };
    const peeked = await store.peek(ctx.presentedToken);
    if (!peeked || !(await check(peeked.record, ctx))) return false;
    const r = await store.rotate(ctx.presentedToken);
    if (r.status === 'unknown' || r.status === 'revoked') return false;
    if (r.status === 'reused') {
      await promised(revokeFamily, r.familyId, r.record);
      publishEvent('refreshReuse', { clientId: describeClient(ctx.client), familyRevoked: true });
      return false;
    }
    const ours: RefreshRotationContext<Client> = { ...ctx, familyId: r.familyId, refreshToken: r.refreshToken, grace: r.status === 'grace' };
    if (r.status === 'rotated') {
      const tokens = await issueFor(r.record, ours);
      if (!tokens) return false;
      const answer = { accessToken: tokens.accessToken, refreshToken: r.refreshToken, params: tokens.params };
      // Kept in both modes ('fresh' keeps an empty answer): the call also
      // tells whether the family was revoked while these tokens were issued.
      const sealed = reuse === 'same' ? await seal(JSON.stringify(answer)) : '';
      if (!(await store.keepAnswer(r.familyId, r.generation, sealed))) {
        await promised(revokeFamily, r.familyId, r.record);
        return false;
      }
      return answer;
    }
    // The parent again, within the grace window.
    publishEvent('refreshReuse', { clientId: describeClient(ctx.client), familyRevoked: false });
    if (reuse === 'same') {
      let answer = r.answer;
      for (let waited = 0; answer === undefined && waited < wait; waited += 20) {
        await sleep(20);
        answer = await store.answer(r.familyId, r.generation);
      }
      if (answer !== undefined && answer !== '') return kept(answer);
    }
    const tokens = await issueFor(r.record, ours);
    return tokens ? { accessToken: tokens.accessToken, refreshToken: r.refreshToken, params: tokens.params } : false;
  };
}
