/**
 * Authorization codes (RFC 6749 §4.1.2): issued once, redeemed once, and a
 * second redemption of a code that was valid reported to the application,
 * with what the first redemption recorded, so that it can revoke the tokens
 * the code issued (OAuth 2.1 §4.1.3).
 *
 * A code is 256 random bits, base64url. The store keeps only its SHA-256, so
 * a copy of the store (a Redis dump) holds no code that could be redeemed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { commander, type RedisClientLike, type RedisCommand } from '../txn/redisclient.js';
import { systemClock } from '../settings/clock.js';
import { prepare, shape } from '../lib/callback.js';
import { promised, tokensResult } from './promised.js';
import { describeClient, publishEvent } from '../diagnostics/channels.js';
import type { IssuedTokens, ParamBag } from '../types.js';
import { BoundedMap, type Expiring } from './bounded.js';
import { clockOption, maxKeysOption, prefixOption, settle, windowMs } from './keys.js';

/**
 * What {@link AuthorizationCodeStore.consume} found:
 * - `valid`: this call redeemed the code; `record` is what was issued with it;
 * - `replayed`: the code was redeemed before; `record` is what was issued
 *   with it, `issued` what the first redemption recorded with
 *   {@link AuthorizationCodeStore.complete} (undefined while it has not).
 *   Check the request against `record` (client, `redirect_uri`, PKCE
 *   verifier) before acting on it: only a replay that would otherwise have
 *   been valid calls for revocation, or anyone holding a used code could
 *   revoke a user's tokens. Then call {@link AuthorizationCodeStore.confirmReplay};
 * - `unknown`: never issued, expired, or forgotten.
 *
 * @group Stores
 */
export type CodeConsumption<T = unknown> =
  | {
      /** This call redeemed the code. */
      status: 'valid';
      /** What the code was issued with. */
      record: T;
    }
  | {
      /** The code was redeemed before. */
      status: 'replayed';
      /** What the code was issued with. */
      record: T;
      /** What the first redemption recorded; undefined while it has not. */
      issued: unknown;
    }
  | {
      /** Never issued, expired, or forgotten. */
      status: 'unknown';
    };

/**
 * A store of authorization codes: issue a code with the application's
 * record (any JSON value: the client, the user, the `redirect_uri`, the
 * scope, the PKCE challenge), then redeem it exactly once, even under
 * concurrent redemptions on several instances.
 *
 * The redemption protocol:
 * 1. {@link consume}: one caller gets `valid`, every later one `replayed`;
 * 2. the `valid` caller issues tokens and records what it issued (their
 *    ids, say) with {@link complete};
 * 3. a `replayed` caller checks the request against the record and, when
 *    it checks out, calls {@link confirmReplay}, which answers what the first
 *    redemption recorded, for the app to revoke. When the replay comes while
 *    the first redemption is still issuing, {@link complete} answers `true`
 *    instead, and the first redemption revokes what it just issued: one of
 *    the two sides always sees the other.
 *
 * {@link redeemCodes} runs this protocol for `exchange.authorizationCode`.
 *
 * @typeParam T the application's record
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-4.1.3
 *
 * @group Stores
 */
export interface AuthorizationCodeStore<T = unknown> {
  /**
   * Issue a new code that carries `record` for `ttlSeconds`.
   * @param record what the code stands for (JSON; stored as a copy)
   * @param ttlSeconds how long the code may be redeemed (RFC 6749 §4.1.2 recommends at most 600)
   * @returns the code, 43 base64url characters
   */
  issue(record: T, ttlSeconds: number): Promise<string>;
  /**
   * The record of a code that is live or was redeemed, without redeeming
   * it: what the PKCE `lookup` of `exchange.authorizationCode` reads.
   * Undefined for an unknown code.
   * @param code the code presented
   */
  peek(code: string): Promise<T | undefined>;
  /**
   * Redeem `code`, atomically: see {@link CodeConsumption}.
   * @param code the code presented
   */
  consume(code: string): Promise<CodeConsumption<T>>;
  /**
   * Record what the redemption of `code` issued (JSON: token ids, a grant
   * id), for a later replay to report. Resolves `true` when a replay was
   * confirmed meanwhile: the caller then revokes what it issued.
   * @param code the code that was redeemed
   * @param issued what to report to a replay
   */
  complete(code: string, issued: unknown): Promise<boolean>;
  /**
   * Mark a checked replay of `code` and answer what the first redemption
   * recorded (undefined when it has not yet: its {@link complete} will then
   * answer `true`).
   * @param code the code presented again
   */
  confirmReplay(code: string): Promise<unknown>;
}

/** Options of both authorization code stores. */
interface CodeStoreOptions {
  /**
   * Seconds a redeemed code is remembered, so that a replay is recognized
   * (and the tokens it issued can be revoked). Default 86,400 (one day);
   * at least the code's own TTL is kept in any case.
   */
  redeemedTtl?: number;
}

/**
 * Options of {@link MemoryAuthorizationCodeStore}.
 *
 * @group Stores
 */
export interface MemoryAuthorizationCodeStoreOptions extends CodeStoreOptions {
  /**
   * Most codes kept, live and redeemed. Beyond it the code written least
   * recently is forgotten (a live one can no longer be redeemed). Default 100,000.
   */
  maxKeys?: number;
  /** The clock of the TTLs, in milliseconds since the epoch. Default `Date.now()`. */
  now?: () => number;
}

/**
 * Options of {@link RedisAuthorizationCodeStore}.
 *
 * @group Stores
 */
export interface RedisAuthorizationCodeStoreOptions extends CodeStoreOptions {
  /**
   * A connected client: node-redis v4 or v5 (`createClient()`, or
   * `createCluster()`), or ioredis 5 (`new Redis()` or `new Cluster()`). The
   * store never connects or closes it.
   */
  client: RedisClientLike;
  /** Prefix of the keys; each code is one hash key. Default `'oauth2orize:code:'`. */
  prefix?: string;
  /** Milliseconds after which a Redis command counts as failed (rejects). Default 5000. */
  timeout?: number;
}

const DEFAULT_REDEEMED_TTL = 86_400;

/** A new code: 256 random bits. */
function newCode(): string {
  return randomBytes(32).toString('base64url');
}

/** What a store keeps for `code`: its SHA-256. */
function codeKey(owner: string, code: unknown): string {
  if (typeof code !== 'string') throw new TypeError(`${owner} codes must be strings`);
  return createHash('sha256').update(code, 'utf8').digest('base64url');
}

/** JSON of a record or of what a redemption issued; `undefined` and functions are refused. */
function toJson(owner: string, what: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (typeof json !== 'string') throw new TypeError(`${owner} ${what} must be a JSON value`);
  return json;
}

function redeemedOption(owner: string, value: unknown): number {
  return value === undefined ? DEFAULT_REDEEMED_TTL * 1000 : windowMs(owner, 'redeemedTtl', value);
}

interface MemoryCode extends Expiring {
  /** The record, as JSON. */
  r: string;
  /** Redeemed. */
  u: boolean;
  /** What the redemption issued, as JSON. */
  i?: string;
  /** A replay was confirmed. */
  x?: boolean;
}

const MEMORY = 'MemoryAuthorizationCodeStore';

/**
 * An {@link AuthorizationCodeStore} in this process's memory, for a single
 * instance and for tests: several instances must share a
 * {@link RedisAuthorizationCodeStore}. Records are kept as JSON, so that
 * both stores answer copies of the same shape.
 *
 * @example
 * ```ts
 * const codes = new MemoryAuthorizationCodeStore();
 * const code = await codes.issue({ clientId: client.id, userId: user.id, redirectURI }, 60);
 * ```
 *
 * @group Stores
 */
export class MemoryAuthorizationCodeStore<T = unknown> implements AuthorizationCodeStore<T> {
  private readonly map: BoundedMap<MemoryCode>;
  private readonly now: () => number;
  private readonly redeemedMs: number;

  /**
   * @param options `maxKeys`, `now`, `redeemedTtl`
   */
  constructor(options: MemoryAuthorizationCodeStoreOptions = {}) {
    if (!options || typeof options !== 'object') throw new TypeError(`${MEMORY} options must be an object`);
    this.map = new BoundedMap(maxKeysOption(MEMORY, options.maxKeys, 100_000));
    this.now = clockOption(MEMORY, options.now) || systemClock;
    this.redeemedMs = redeemedOption(MEMORY, options.redeemedTtl);
  }

  /**
   * See {@link AuthorizationCodeStore.issue}.
   * @param record what the code stands for
   * @param ttlSeconds how long the code may be redeemed
   */
  issue(record: T, ttlSeconds: number): Promise<string> {
    return settle(() => {
      const ms = windowMs(MEMORY, 'ttl', ttlSeconds);
      const r = toJson(MEMORY, 'records', record);
      const code = newCode();
      const now = this.now();
      this.map.set(codeKey(MEMORY, code), { exp: now + ms, r, u: false }, now);
      return code;
    });
  }

  /**
   * See {@link AuthorizationCodeStore.peek}.
   * @param code the code presented
   */
  peek(code: string): Promise<T | undefined> {
    return settle(() => {
      const e = this.map.get(codeKey(MEMORY, code), this.now());
      return e ? (JSON.parse(e.r) as T) : undefined;
    });
  }

  /**
   * See {@link AuthorizationCodeStore.consume}.
   * @param code the code presented
   */
  consume(code: string): Promise<CodeConsumption<T>> {
    return settle((): CodeConsumption<T> => {
      const k = codeKey(MEMORY, code);
      const now = this.now();
      const e = this.map.get(k, now);
      if (!e) return { status: 'unknown' };
      const record = JSON.parse(e.r) as T;
      if (e.u) return { status: 'replayed', record, issued: e.i === undefined ? undefined : JSON.parse(e.i) };
      e.u = true;
      e.exp = Math.max(e.exp, now + this.redeemedMs);
      this.map.set(k, e, now);
      return { status: 'valid', record };
    });
  }

  /**
   * See {@link AuthorizationCodeStore.complete}.
   * @param code the code that was redeemed
   * @param issued what to report to a replay
   */
  complete(code: string, issued: unknown): Promise<boolean> {
    return settle(() => {
      const i = toJson(MEMORY, 'issued values', issued);
      const e = this.map.get(codeKey(MEMORY, code), this.now());
      if (!e) return false;
      e.i = i;
      return e.x === true;
    });
  }

  /**
   * See {@link AuthorizationCodeStore.confirmReplay}.
   * @param code the code presented again
   */
  confirmReplay(code: string): Promise<unknown> {
    return settle(() => {
      const e = this.map.get(codeKey(MEMORY, code), this.now());
      if (!e) return undefined;
      e.x = true;
      return e.i === undefined ? undefined : JSON.parse(e.i);
    });
  }

  /** How many codes are held now, live and redeemed (expired ones not yet swept included). */
  get size(): number {
    return this.map.size;
  }
}

const REDIS = 'RedisAuthorizationCodeStore';

/** Redeem: `{0}` unknown, `{1, record}` valid, `{2, record, issued|false}` replayed. */
const CONSUME_SCRIPT = `local f = redis.call('HMGET', KEYS[1], 'r', 'u', 'i')
if not f[1] then return {0} end
if f[2] == '1' then return {2, f[1], f[3]} end
redis.call('HSET', KEYS[1], 'u', '1')
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {1, f[1]}`;

/** Record what was issued; 1 when a replay was confirmed first. */
const COMPLETE_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'i', ARGV[1])
if redis.call('HGET', KEYS[1], 'x') == '1' then return 1 end
return 0`;

/** Mark a confirmed replay; answers what was issued, or nil. */
const REPLAY_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'x', '1')
return redis.call('HGET', KEYS[1], 'i')`;

/** Issue: the record, unredeemed, with its TTL. */
const ISSUE_SCRIPT = `redis.call('HSET', KEYS[1], 'r', ARGV[1], 'u', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * An {@link AuthorizationCodeStore} in Redis, shared by every instance that
 * uses the same Redis and `prefix`. Each code is one hash key named after
 * the code's SHA-256; every operation is one `EVAL` on that one key, so it
 * is atomic and works on Redis Cluster and Valkey. A redeemed code is kept
 * for `redeemedTtl` to recognize replays.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const codes = new RedisAuthorizationCodeStore({ client });
 * ```
 *
 * @group Stores
 */
export class RedisAuthorizationCodeStore<T = unknown> implements AuthorizationCodeStore<T> {
  /** See {@link RedisAuthorizationCodeStoreOptions.prefix}. */
  readonly prefix: string;
  private readonly send: RedisCommand;
  private readonly redeemedMs: number;

  /**
   * @param options `client` (node-redis or ioredis, connected), `prefix`, `timeout`, `redeemedTtl`
   */
  constructor(options: RedisAuthorizationCodeStoreOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(`${REDIS} requires options with a client`);
    this.prefix = prefixOption(REDIS, options.prefix, 'oauth2orize:code:');
    this.send = commander(options.client, options.timeout === undefined ? 5000 : options.timeout, REDIS);
    this.redeemedMs = redeemedOption(REDIS, options.redeemedTtl);
  }

  /**
   * See {@link AuthorizationCodeStore.issue}.
   * @param record what the code stands for
   * @param ttlSeconds how long the code may be redeemed
   */
  issue(record: T, ttlSeconds: number): Promise<string> {
    return settle(() => {
      const ms = windowMs(REDIS, 'ttl', ttlSeconds);
      const r = toJson(REDIS, 'records', record);
      const code = newCode();
      return this.send(['EVAL', ISSUE_SCRIPT, '1', this.key(code), r, String(ms)]).then(() => code);
    });
  }

  /**
   * See {@link AuthorizationCodeStore.peek}.
   * @param code the code presented
   */
  peek(code: string): Promise<T | undefined> {
    return settle(() => this.send(['HGET', this.key(code), 'r']).then((r) => (typeof r === 'string' ? (JSON.parse(r) as T) : undefined)));
  }

  /**
   * See {@link AuthorizationCodeStore.consume}.
   * @param code the code presented
   */
  consume(code: string): Promise<CodeConsumption<T>> {
    return settle(() => this.send(['EVAL', CONSUME_SCRIPT, '1', this.key(code), String(this.redeemedMs)]).then((reply): CodeConsumption<T> => {
      const [status, r, i] = reply as [number | string, string?, string?];
      const n = Number(status);
      if (n === 1) return { status: 'valid', record: JSON.parse(r!) as T };
      if (n === 2) return { status: 'replayed', record: JSON.parse(r!) as T, issued: typeof i === 'string' ? JSON.parse(i) : undefined };
      return { status: 'unknown' };
    }));
  }

  /**
   * See {@link AuthorizationCodeStore.complete}.
   * @param code the code that was redeemed
   * @param issued what to report to a replay
   */
  complete(code: string, issued: unknown): Promise<boolean> {
    return settle(() => {
      const i = toJson(REDIS, 'issued values', issued);
      return this.send(['EVAL', COMPLETE_SCRIPT, '1', this.key(code), i]).then((reply) => Number(reply) === 1);
    });
  }

  /**
   * See {@link AuthorizationCodeStore.confirmReplay}.
   * @param code the code presented again
   */
  confirmReplay(code: string): Promise<unknown> {
    return settle(() => this.send(['EVAL', REPLAY_SCRIPT, '1', this.key(code)]).then((i) => (typeof i === 'string' ? JSON.parse(i) : undefined)));
  }

  private key(code: string): string {
    return this.prefix + codeKey(REDIS, code);
  }
}

// ---------------------------------------------------------------------------
// The exchange helper

/**
 * What {@link redeemCodes} gives the application's callbacks: the token
 * request as `exchange.authorizationCode` read it.
 *
 * @group Stores
 */
export interface CodeRedemptionContext<Client = any> {
  /** The authenticated client. */
  client: Client;
  /** The `code` parameter. */
  code: string;
  /** The `redirect_uri` parameter; undefined when absent. */
  redirectURI: string | undefined;
  /** The request body. */
  body: ParamBag;
  /** What client authentication passed as `info`. */
  authInfo: unknown;
  /** The `code_verifier`, once verified by the exchange's PKCE check; undefined without one. */
  codeVerifier?: string | undefined;
  /** The request's checked `resource` values (RFC 8707); `[]` when none. */
  resource: string[];
  /** The request's DPoP proof (`jkt` is its key's thumbprint, RFC 9449), when the server validated one. */
  dpop: {
    /** The JWK thumbprint (RFC 7638) of the proof's key. */
    jkt: string;
  } | undefined;
}

/**
 * What the application's `issue` answers to {@link redeemCodes}: the tokens
 * of the response and, in `issued`, what a replay must report for them to be
 * revoked (their ids, a grant id: JSON, never the tokens themselves).
 *
 * @group Stores
 */
export interface RedeemedTokens {
  /** The access token. */
  accessToken: string;
  /** The refresh token, if any. */
  refreshToken?: string | undefined;
  /** More parameters of the token response (`expires_in`, ...). */
  params?: Record<string, unknown> | undefined;
  /** What {@link CodeRedemption.revoke} gets if the code is replayed. Default `null`. */
  issued?: unknown;
}

/**
 * The callbacks of {@link redeemCodes}. `issue` and `revoke` take either
 * form: `async (record, ctx) => value`, or the 1.x form with `done` as last
 * parameter, `(record, ctx, done)`.
 *
 * @group Stores
 */
export interface CodeRedemption<T = any, Client = any> {
  /**
   * Whether the request may redeem a code with this record: the client is
   * the one the code was issued to, and `redirectURI` the one of the
   * authorization request (RFC 6749 §4.1.3). Runs before the code is
   * redeemed, so a request that fails it neither burns the code nor
   * revokes anything.
   * @param record the code's record
   * @param ctx the token request
   */
  check(record: T, ctx: CodeRedemptionContext<Client>): boolean | Promise<boolean>;
  /**
   * Issue the tokens of a first redemption: {@link RedeemedTokens}, or an
   * access token string, or falsy to refuse (`invalid_grant`). Positional
   * form: `done(err, accessToken, refreshToken?, params?, issued?)`.
   * @param record the code's record
   * @param ctx the token request
   * @param done the 1.x-style callback, in the positional form
   */
  issue(record: T, ctx: CodeRedemptionContext<Client>, done: (err?: unknown, accessToken?: string | false | null, refreshToken?: string, params?: Record<string, unknown>, issued?: unknown) => void): unknown;
  /**
   * Revoke what a replayed code issued (RFC 6749 §4.1.2: "SHOULD revoke
   * ... all tokens previously issued based on that authorization code").
   * Called once per confirmed replay that finds something to revoke.
   * Positional form: `(issued, record, done)`.
   * @param issued what the first redemption's `issue` gave as `issued`
   * @param record the code's record
   * @param done the 1.x-style callback, in the positional form
   */
  revoke(issued: unknown, record: T, done: (err?: unknown) => void): unknown;
}

/**
 * What {@link redeemCodes} builds for `exchange.authorizationCode`.
 *
 * @group Stores
 */
export interface CodeRedeemer {
  /** The `pkce.lookup` of `exchange.authorizationCode`: the code's record, without redeeming it. */
  lookup: (ctx: { code: string; body?: unknown }) => Promise<unknown>;
  /** The exchange's `issue`, in the context form. */
  issue: (ctx: CodeRedemptionContext) => Promise<false | IssuedTokens>;
}

/** `issue(record, ctx, done)`, or `async (record, ctx) => tokens`. */
const ISSUE = shape({ positional: ['record', 'ctx'], contextArities: [0, 1, 2], context: false, result: tokensResult });

/** `revoke(issued, record, done)`, or `async (issued, record) => {}`. */
const REVOKE = shape({ positional: ['issued', 'record'], contextArities: [0, 1, 2], context: false, resolvedIsResult: false });

/**
 * Redeem authorization codes from an {@link AuthorizationCodeStore} in
 * `exchange.authorizationCode`: checks the request against the code's
 * record, redeems the code once, calls the application's `issue`, and on a
 * replay that checks out revokes what the first redemption issued and
 * publishes the `codeReplay` diagnostics event. Every replay answers
 * `invalid_grant`; exactly one redemption answers tokens (revoked first
 * when a replay was confirmed while they were being issued).
 *
 * Give `lookup` as the exchange's `pkce.lookup` when codes carry a PKCE
 * challenge (`codeChallenge`, `codeChallengeMethod` in the record): the
 * exchange then verifies `code_verifier` before `issue` runs, so a replay
 * with a wrong verifier revokes nothing.
 *
 * @param store where the codes were issued
 * @param callbacks `check`, `issue`, `revoke`
 * @example
 * ```ts
 * const redeem = redeemCodes(codes, {
 *   check: (rec, { client, redirectURI }) => rec.clientId === client.id && rec.redirectURI === redirectURI,
 *   issue: async (rec) => ({ accessToken: await tokens.issue(rec), issued: { grantId: rec.grantId } }),
 *   revoke: async ({ grantId }) => tokens.revokeGrant(grantId),
 * });
 * server.exchange(oauth2orize.exchange.code({ pkce: { lookup: redeem.lookup } }, redeem.issue));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.5
 *
 * @group Stores
 */
export function redeemCodes<T = any, Client = any>(store: AuthorizationCodeStore<T>, callbacks: CodeRedemption<T, Client>): CodeRedeemer {
  if (!store || typeof store.consume !== 'function' || typeof store.peek !== 'function') throw new TypeError('redeemCodes requires an AuthorizationCodeStore');
  if (!callbacks || typeof callbacks !== 'object') throw new TypeError('redeemCodes requires callbacks { check, issue, revoke }');
  for (const name of ['check', 'issue', 'revoke'] as const) {
    if (typeof callbacks[name] !== 'function') throw new TypeError(`redeemCodes: ${name} must be a function`);
  }
  const check = callbacks.check;
  const issue = prepare(ISSUE, callbacks.issue);
  const revoke = prepare(REVOKE, callbacks.revoke);
  const revokeIssued = async (issued: unknown, record: T, client: Client): Promise<void> => {
    const found = issued !== undefined && issued !== null;
    if (found) await promised(revoke, issued, record);
    publishEvent('codeReplay', { clientId: describeClient(client), tokensRevoked: found });
  };

  const peekedBy = new WeakMap<object, { code: string; found: Promise<T | undefined> }>();
  return {
    lookup: ({ code, body }) => {
      const found = store.peek(code);
      // The exchange's PKCE check reads the record first; `issue` then
      // reuses that read for the same request (one round trip less).
      if (body && typeof body === 'object') peekedBy.set(body, { code, found });
      return found;
    },
    issue: async (ctx) => {
      const earlier = ctx.body && typeof ctx.body === 'object' ? peekedBy.get(ctx.body) : undefined;
      const peeked = await (earlier && earlier.code === ctx.code ? earlier.found : store.peek(ctx.code));
      if (peeked === undefined || !(await check(peeked, ctx as CodeRedemptionContext<Client>))) return false;
      const found = await store.consume(ctx.code);
      if (found.status === 'unknown') return false;
      if (found.status === 'replayed') {
        // The request checked out against the record (and the exchange's
        // PKCE check ran before): a replay of a code that was valid.
        await revokeIssued(await store.confirmReplay(ctx.code), found.record, ctx.client);
        return false;
      }
      const [accessToken, refreshToken, params, issued] = await promised(issue, found.record, ctx);
      if (!accessToken) return false;
      const remember = issued === undefined ? null : issued;
      if (await store.complete(ctx.code, remember)) {
        // A replay was confirmed while these tokens were being issued: they
        // are revoked before the answer goes out. This redemption still
        // answers them, so that of any number of concurrent redemptions
        // exactly one answers tokens (here, dead ones) and every other one
        // `invalid_grant`, whichever order the store saw them in.
        await revokeIssued(remember, found.record, ctx.client);
      }
      const tokens: IssuedTokens = { accessToken: accessToken as string };
      if (refreshToken) tokens.refreshToken = refreshToken as string;
      if (params) tokens.params = params as Record<string, unknown>;
      return tokens;
    },
  };
}
