import { commander, type RedisClientLike, type RedisCommand } from '../txn/redisclient.js';
import { systemClock } from '../settings/clock.js';
import { timeOf } from '../lib/timeOf.js';
import { safeEqual } from '../lib/safeEqual.js';
import { createHash } from 'node:crypto';
import { BoundedMap } from './bounded.js';
import { clockOption, maxKeysOption, prefixOption, settle, storeKey, windowMs } from './keys.js';

/**
 * What a {@link DeviceCodeStore} is given for a new device authorization
 * (the fields of the device authorization endpoint's record that a store
 * keeps; all of them JSON-safe).
 *
 * @group Stores
 */
export interface DeviceCodeInput {
  /** The device code: the key the device polls with. */
  deviceCode: string;
  /** The user code in canonical form: the key of the verification page. */
  userCode: string;
  /** The user code as shown to the user. */
  displayUserCode?: string;
  /** The client the codes were issued to; a poll by another client finds nothing. */
  clientID: string;
  /** The requested scope. */
  scope?: string[];
  /** When the codes expire (a `Date`, epoch milliseconds or an ISO string). */
  expiresAt: Date | number | string;
  /** The polling interval in seconds. */
  interval: number;
}

/**
 * A device authorization as a {@link DeviceCodeStore} keeps it.
 *
 * @group Stores
 */
export interface StoredDeviceCode<Grant = unknown> {
  /** The device code. */
  deviceCode: string;
  /** The user code in canonical form. */
  userCode: string;
  /** The user code as shown to the user, when it was given. */
  displayUserCode?: string;
  /** The client the codes were issued to. */
  clientID: string;
  /** The requested scope, when there was one. */
  scope?: string[];
  /** When the codes expire, in epoch milliseconds. */
  expiresAt: number;
  /** The polling interval in seconds now (raised by 5 after each `slow_down`). */
  interval: number;
  /** `pending` until the user decides. */
  status: 'pending' | 'approved' | 'denied';
  /** What {@link DeviceCodeStore.approve} recorded (the user, the granted scope...). */
  grant?: Grant;
}

/**
 * The answer of {@link DeviceCodeStore.poll}, one per RFC 8628 §3.5 state:
 * `pending` (`authorization_pending`), `slow_down`, `approved` (given to
 * exactly one poll: the record is consumed), `denied` (`access_denied`),
 * `expired` (`expired_token`), `invalid` (unknown, consumed, or another
 * client's code: `invalid_grant`).
 *
 * @group Stores
 */
export type DevicePoll<Grant = unknown> =
  | {
    /** Still pending: `authorization_pending`, or `slow_down` for a poll sooner than the interval. */
    status: 'pending' | 'slow_down';
    /** The polling interval in seconds from now on. */
    interval: number;
  }
  | {
    /** Approved: this poll consumed the code and alone may issue tokens. */
    status: 'approved';
    /** The consumed record, with its `grant`. */
    record: StoredDeviceCode<Grant>;
  }
  | {
    /** `access_denied`, `expired_token`, or `invalid_grant` (unknown, consumed, another client's). */
    status: 'denied' | 'expired' | 'invalid';
  };

/**
 * Device authorizations (RFC 8628) kept for the device flow: created by the
 * device authorization endpoint, found by user code on the verification
 * page, approved or denied there, polled by the device. Every change is
 * atomic in the store, so any number of instances may share one:
 *
 * - `approve` and `deny` succeed only on a pending, unexpired code, once;
 * - `poll` enforces the interval: a poll sooner than `interval` seconds
 *   after the previous one answers `slow_down` and raises the interval by
 *   5 seconds, every poll of a pending code is recorded;
 * - an approved code is handed to exactly one poll, which consumes it.
 *
 * Every method returns a Promise; a store that cannot answer rejects.
 *
 * @example
 * ```ts
 * const poll = await devices.poll(deviceCode, client.id);
 * if (poll.status === 'approved') return issueTokens(poll.record.grant);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 *
 * @group Stores
 */
export interface DeviceCodeStore<Grant = unknown> {
  /**
   * Keep a new device authorization, pending, until it expires. Resolves
   * false, keeping nothing, when its user code or device code is already in
   * use (make new codes and try again).
   * @param record the codes, the client, the scope, the expiry and the interval
   */
  create(record: DeviceCodeInput): Promise<boolean>;
  /**
   * The device authorization of a user code (canonical form), whatever its
   * status, or null when there is none (unknown, consumed, long expired).
   * @param userCode the user code, normalized
   */
  findByUserCode(userCode: string): Promise<StoredDeviceCode<Grant> | null>;
  /**
   * Approve a pending, unexpired code, recording `grant` for the poll that
   * will issue the tokens. Resolves false when the code is unknown, expired
   * or already decided.
   * @param userCode the user code, normalized
   * @param grant what the token issuance needs (JSON-safe): the user, the granted scope
   */
  approve(userCode: string, grant: Grant): Promise<boolean>;
  /**
   * Deny a pending, unexpired code. Resolves false when the code is
   * unknown, expired or already decided.
   * @param userCode the user code, normalized
   */
  deny(userCode: string): Promise<boolean>;
  /**
   * One poll of the device: see {@link DevicePoll}.
   * @param deviceCode the `device_code` parameter
   * @param clientID the authenticated client's ID, which must be the one the code was issued to
   */
  poll(deviceCode: string, clientID: string): Promise<DevicePoll<Grant>>;
}

/** Options the device-code stores share. */
interface DeviceCodeStoreCommon {
  /**
   * Seconds a record is kept after it expires, so that a late poll answers
   * `expired_token` (not `invalid_grant`). Default 300.
   */
  keepExpired?: number;
  /** The clock of expiry and polling, in milliseconds since the epoch. Default `Date.now()`. */
  now?: () => number;
}

/**
 * Options of {@link MemoryDeviceCodeStore}.
 *
 * @group Stores
 */
export interface MemoryDeviceCodeStoreOptions extends DeviceCodeStoreCommon {
  /**
   * Most device authorizations kept. Beyond it the one written least
   * recently is forgotten. Default 10,000.
   */
  maxKeys?: number;
}

/** A record in memory: the stored record and when the entry goes. */
interface Held {
  record: StoredDeviceCode<unknown> & { lastPolledAt?: number };
  exp: number;
}

/** The user code's entry in memory: the device code it names. */
interface Named {
  deviceCode: string;
  exp: number;
}

const MEMORY = 'MemoryDeviceCodeStore';

/**
 * Check and copy what {@link DeviceCodeStore.create} is given; `owner`
 * names the store in the errors.
 */
function checkInput(owner: string, input: DeviceCodeInput): StoredDeviceCode<unknown> {
  if (!input || typeof input !== 'object') throw new TypeError(`${owner}.create requires a record`);
  for (const name of ['deviceCode', 'userCode', 'clientID'] as const) {
    if (typeof input[name] !== 'string' || !input[name]) throw new TypeError(`${owner}.create requires a string ${name}`);
  }
  const expiresAt = timeOf(input.expiresAt);
  if (!Number.isFinite(expiresAt)) throw new TypeError(`${owner}.create requires an expiresAt time`);
  windowMs(owner, 'interval', input.interval);
  if (input.scope !== undefined && !(Array.isArray(input.scope) && input.scope.every((s) => typeof s === 'string'))) {
    throw new TypeError(`${owner}.create scope must be an array of strings`);
  }
  const record: StoredDeviceCode<unknown> = {
    deviceCode: input.deviceCode,
    userCode: input.userCode,
    clientID: input.clientID,
    expiresAt,
    interval: input.interval,
    status: 'pending',
  };
  if (typeof input.displayUserCode === 'string') record.displayUserCode = input.displayUserCode;
  if (input.scope) record.scope = [...input.scope];
  return record;
}

/** A copy of a record for a caller, without the store's own fields. */
function copyOut<G>(held: Held['record']): StoredDeviceCode<G> {
  const { lastPolledAt: _last, ...record } = held;
  void _last;
  const out = JSON.parse(JSON.stringify(record)) as StoredDeviceCode<G>;
  return out;
}

/**
 * A {@link DeviceCodeStore} in this process's memory, for a single instance
 * and tests: several instances must share a {@link RedisDeviceCodeStore}, or
 * a device polls one instance while the user approves on another.
 *
 * @example
 * ```ts
 * const devices = new MemoryDeviceCodeStore({ maxKeys: 10_000 });
 * ```
 *
 * @group Stores
 */
export class MemoryDeviceCodeStore<Grant = unknown> implements DeviceCodeStore<Grant> {
  private readonly devices: BoundedMap<Held>;
  private readonly users: BoundedMap<Named>;
  private readonly now: () => number;
  private readonly keepMs: number;

  /**
   * @param options `maxKeys`, `keepExpired`, `now`
   */
  constructor(options: MemoryDeviceCodeStoreOptions = {}) {
    if (!options || typeof options !== 'object') throw new TypeError(`${MEMORY} options must be an object`);
    const max = maxKeysOption(MEMORY, options.maxKeys, 10_000);
    this.devices = new BoundedMap(max);
    this.users = new BoundedMap(max);
    this.now = clockOption(MEMORY, options.now) || systemClock;
    this.keepMs = options.keepExpired === undefined ? 300_000 : windowMs(MEMORY, 'keepExpired', options.keepExpired);
  }

  /**
   * See {@link DeviceCodeStore.create}.
   * @param input the new device authorization
   */
  create(input: DeviceCodeInput): Promise<boolean> {
    return settle(() => {
      const record = checkInput(MEMORY, input);
      const now = this.now();
      const d = storeKey(MEMORY, record.deviceCode);
      const u = storeKey(MEMORY, record.userCode);
      if (this.devices.get(d, now) || this.users.get(u, now)) return false;
      const exp = Math.max(record.expiresAt, now) + this.keepMs;
      this.devices.set(d, { record, exp }, now);
      this.users.set(u, { deviceCode: record.deviceCode, exp }, now);
      return true;
    });
  }

  /**
   * See {@link DeviceCodeStore.findByUserCode}.
   * @param userCode the user code, normalized
   */
  findByUserCode(userCode: string): Promise<StoredDeviceCode<Grant> | null> {
    return settle(() => {
      const held = this.byUserCode(userCode);
      return held ? copyOut<Grant>(held.record) : null;
    });
  }

  /**
   * See {@link DeviceCodeStore.approve}.
   * @param userCode the user code, normalized
   * @param grant what the token issuance needs
   */
  approve(userCode: string, grant: Grant): Promise<boolean> {
    return settle(() => {
      const json = JSON.stringify(grant === undefined ? null : grant);
      return this.decide(userCode, 'approved', JSON.parse(json));
    });
  }

  /**
   * See {@link DeviceCodeStore.deny}.
   * @param userCode the user code, normalized
   */
  deny(userCode: string): Promise<boolean> {
    return settle(() => this.decide(userCode, 'denied', undefined));
  }

  /**
   * See {@link DeviceCodeStore.poll}.
   * @param deviceCode the `device_code` parameter
   * @param clientID the authenticated client's ID
   */
  poll(deviceCode: string, clientID: string): Promise<DevicePoll<Grant>> {
    return settle((): DevicePoll<Grant> => {
      const now = this.now();
      const d = storeKey(MEMORY, deviceCode);
      if (typeof clientID !== 'string') throw new TypeError(`${MEMORY}.poll requires a string clientID`);
      const held = this.devices.get(d, now);
      if (!held || held.record.clientID !== clientID) return { status: 'invalid' };
      const r = held.record;
      if (!(now < r.expiresAt)) return { status: 'expired' };
      if (r.status === 'denied') return { status: 'denied' };
      if (r.status === 'approved') {
        this.devices.delete(d);
        return { status: 'approved', record: copyOut<Grant>(r) };
      }
      const tooSoon = r.lastPolledAt !== undefined && now - r.lastPolledAt < r.interval * 1000;
      if (tooSoon) r.interval += 5;
      r.lastPolledAt = now;
      return { status: tooSoon ? 'slow_down' : 'pending', interval: r.interval };
    });
  }

  /** How many device authorizations are held now (expired ones not yet swept included). */
  get size(): number {
    return this.devices.size;
  }

  private byUserCode(userCode: string): Held | undefined {
    const now = this.now();
    const named = this.users.get(storeKey(MEMORY, userCode), now);
    if (!named) return undefined;
    const held = this.devices.get(storeKey(MEMORY, named.deviceCode), now);
    return held && sameCode(held.record.userCode, userCode) ? held : undefined;
  }

  private decide(userCode: string, status: 'approved' | 'denied', grant: unknown): boolean {
    const held = this.byUserCode(userCode);
    if (!held || held.record.status !== 'pending' || !(this.now() < held.record.expiresAt)) return false;
    held.record.status = status;
    if (status === 'approved') held.record.grant = grant;
    return true;
  }
}

/**
 * Options of {@link RedisDeviceCodeStore}.
 *
 * @group Stores
 */
export interface RedisDeviceCodeStoreOptions extends DeviceCodeStoreCommon {
  /**
   * A connected client: node-redis v4 or v5 (`createClient()`), or ioredis 5
   * (`new Redis()` or `new Redis.Cluster()`), as for `RedisTransactionStore`.
   * The store never connects or closes it.
   */
  client: RedisClientLike;
  /**
   * Prefix of the keys: each device authorization is one hash under
   * `<prefix>d:<device code>`, its user code one string under
   * `<prefix>u:<user code>`. Default `'oauth2orize:device:'`.
   */
  prefix?: string;
  /** Milliseconds after which a Redis command counts as failed (rejects). Default 5000. */
  timeout?: number;
}

const REDIS = 'RedisDeviceCodeStore';

/**
 * Keeps a new record unless its key exists. KEYS[1] the record's hash;
 * ARGV[1] the time to live in ms, then field, value pairs.
 */
const CREATE_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * Decides a pending, unexpired code once. KEYS[1] the record's hash;
 * ARGV: the user code, now (ms), the new status, the grant's JSON.
 */
const DECIDE_SCRIPT = `local f = redis.call('HMGET', KEYS[1], 'userCode', 'status', 'expiresAt')
if f[1] ~= ARGV[1] or f[2] ~= 'pending' or tonumber(ARGV[2]) >= tonumber(f[3]) then return 0 end
if ARGV[3] == 'approved' then
  redis.call('HSET', KEYS[1], 'status', 'approved', 'grant', ARGV[4])
else
  redis.call('HSET', KEYS[1], 'status', ARGV[3])
end
return 1`;

/**
 * One poll. KEYS[1] the record's hash; ARGV: the client's ID, now (ms).
 * Answers { state } or { state, interval } or { 'approved', fields... }:
 * the approved record is deleted in the same step, so one poll gets it.
 */
const POLL_SCRIPT = `local f = redis.call('HMGET', KEYS[1], 'clientID', 'status', 'expiresAt', 'interval', 'lastPolledAt')
if not f[1] or f[1] ~= ARGV[1] then return {'invalid'} end
local now = tonumber(ARGV[2])
if now >= tonumber(f[3]) then return {'expired'} end
if f[2] == 'denied' then return {'denied'} end
if f[2] == 'approved' then
  local all = redis.call('HGETALL', KEYS[1])
  redis.call('DEL', KEYS[1])
  table.insert(all, 1, 'approved')
  return all
end
local interval = tonumber(f[4])
local state = 'pending'
if f[5] and now - tonumber(f[5]) < interval * 1000 then
  interval = interval + 5
  state = 'slow_down'
  redis.call('HSET', KEYS[1], 'interval', tostring(interval), 'lastPolledAt', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'lastPolledAt', ARGV[2])
end
return {state, tostring(interval)}`;

/**
 * A {@link DeviceCodeStore} in Redis, shared by every instance that uses the
 * same Redis and `prefix`. A device authorization is one hash keyed by its
 * device code; its user code is a string key naming the device code, which
 * never changes once written. Every change is one Lua script on the one
 * hash (approve and deny first read the user code's key, then run the
 * script on the hash it names), so each operation touches a single key and
 * works on Redis Cluster and Valkey. Both keys expire `keepExpired` seconds
 * after the codes. Times are read from the store's `now` clock (the
 * instances' clocks, which should agree within a fraction of the interval).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const devices = new RedisDeviceCodeStore({ client });
 * ```
 *
 * @group Stores
 */
export class RedisDeviceCodeStore<Grant = unknown> implements DeviceCodeStore<Grant> {
  /** See {@link RedisDeviceCodeStoreOptions.prefix}. */
  readonly prefix: string;
  private readonly send: RedisCommand;
  private readonly now: () => number;
  private readonly keepMs: number;

  /**
   * @param options `client` (node-redis or ioredis, connected), `prefix`, `timeout`, `keepExpired`, `now`
   */
  constructor(options: RedisDeviceCodeStoreOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(`${REDIS} requires options with a client`);
    this.prefix = prefixOption(REDIS, options.prefix, 'oauth2orize:device:');
    this.send = commander(options.client, options.timeout === undefined ? 5000 : options.timeout, REDIS);
    this.now = clockOption(REDIS, options.now) || systemClock;
    this.keepMs = options.keepExpired === undefined ? 300_000 : windowMs(REDIS, 'keepExpired', options.keepExpired);
  }

  /**
   * See {@link DeviceCodeStore.create}.
   * @param input the new device authorization
   */
  create(input: DeviceCodeInput): Promise<boolean> {
    return settle(async () => {
      const record = checkInput(REDIS, input);
      const ttl = String(Math.max(1, record.expiresAt - this.now() + this.keepMs));
      const u = this.userKey(record.userCode);
      const named = await this.send(['SET', u, record.deviceCode, 'NX', 'PX', ttl]);
      if (named === null || named === undefined) return false;
      const fields = [
        'deviceCode', record.deviceCode, 'userCode', record.userCode, 'clientID', record.clientID,
        'expiresAt', String(record.expiresAt), 'interval', String(record.interval), 'status', 'pending',
      ];
      if (record.displayUserCode !== undefined) fields.push('displayUserCode', record.displayUserCode);
      if (record.scope) fields.push('scope', JSON.stringify(record.scope));
      const made = await this.send(['EVAL', CREATE_SCRIPT, '1', this.deviceKey(record.deviceCode), ttl, ...fields]);
      if (Number(made) === 1) return true;
      // The device code is taken (a 256-bit collision, or a caller reusing one): give the user code back.
      await this.send(['DEL', u]);
      return false;
    });
  }

  /**
   * See {@link DeviceCodeStore.findByUserCode}.
   * @param userCode the user code, normalized
   */
  findByUserCode(userCode: string): Promise<StoredDeviceCode<Grant> | null> {
    return settle(async () => {
      const deviceCode = await this.deviceCodeOf(userCode);
      if (deviceCode === undefined) return null;
      const reply = await this.send(['HGETALL', this.deviceKey(deviceCode)]);
      const record = recordOf<Grant>(pairs(reply));
      return record && sameCode(record.userCode, userCode) ? record : null;
    });
  }

  /**
   * See {@link DeviceCodeStore.approve}.
   * @param userCode the user code, normalized
   * @param grant what the token issuance needs
   */
  approve(userCode: string, grant: Grant): Promise<boolean> {
    return settle(() => this.decide(userCode, 'approved', JSON.stringify(grant === undefined ? null : grant)));
  }

  /**
   * See {@link DeviceCodeStore.deny}.
   * @param userCode the user code, normalized
   */
  deny(userCode: string): Promise<boolean> {
    return settle(() => this.decide(userCode, 'denied', ''));
  }

  /**
   * See {@link DeviceCodeStore.poll}.
   * @param deviceCode the `device_code` parameter
   * @param clientID the authenticated client's ID
   */
  poll(deviceCode: string, clientID: string): Promise<DevicePoll<Grant>> {
    return settle(async (): Promise<DevicePoll<Grant>> => {
      if (typeof clientID !== 'string') throw new TypeError(`${REDIS}.poll requires a string clientID`);
      const key = this.deviceKey(deviceCode);
      const reply = await this.send(['EVAL', POLL_SCRIPT, '1', key, clientID, String(this.now())]);
      if (!Array.isArray(reply) || reply.length === 0) throw new Error(`${REDIS}: unexpected reply from Redis`);
      const state = String(reply[0]);
      if (state === 'pending' || state === 'slow_down') return { status: state, interval: Number(reply[1]) };
      if (state === 'approved') {
        const record = recordOf<Grant>(pairs(reply.slice(1)));
        if (!record) throw new Error(`${REDIS}: unexpected reply from Redis`);
        return { status: 'approved', record };
      }
      if (state === 'denied' || state === 'expired' || state === 'invalid') return { status: state };
      throw new Error(`${REDIS}: unexpected reply from Redis: ${state.slice(0, 40)}`);
    });
  }

  private async decide(userCode: string, status: 'approved' | 'denied', grant: string): Promise<boolean> {
    const deviceCode = await this.deviceCodeOf(userCode);
    if (deviceCode === undefined) return false;
    const done = await this.send(['EVAL', DECIDE_SCRIPT, '1', this.deviceKey(deviceCode), userCode, String(this.now()), status, grant]);
    return Number(done) === 1;
  }

  private async deviceCodeOf(userCode: string): Promise<string | undefined> {
    const reply = await this.send(['GET', this.userKey(userCode)]);
    return reply === null || reply === undefined ? undefined : String(reply);
  }

  private deviceKey(deviceCode: string): string {
    return this.prefix + 'd:' + storeKey(REDIS, deviceCode);
  }

  private userKey(userCode: string): string {
    return this.prefix + 'u:' + storeKey(REDIS, userCode);
  }
}

/** Whether two user codes are the same, compared as secrets are (in constant time, over their hashes). */
function sameCode(a: string, b: string): boolean {
  const hash = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  return safeEqual(hash(a), hash(b));
}

/** A hash as the clients answer `HGETALL`: a flat array (RESP2) or an object (RESP3, some clients). */
function pairs(reply: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  } else if (reply instanceof Map) {
    for (const [k, v] of reply) out[String(k)] = String(v);
  } else if (reply && typeof reply === 'object') {
    for (const [k, v] of Object.entries(reply)) out[k] = String(v);
  }
  return out;
}

/** The record of a hash's fields, or null when the hash is gone. */
function recordOf<G>(f: Record<string, string>): StoredDeviceCode<G> | null {
  if (!f.deviceCode || !f.userCode || !f.clientID) return null;
  const status = f.status === 'approved' || f.status === 'denied' ? f.status : 'pending';
  const record: StoredDeviceCode<G> = {
    deviceCode: f.deviceCode,
    userCode: f.userCode,
    clientID: f.clientID,
    expiresAt: Number(f.expiresAt),
    interval: Number(f.interval),
    status,
  };
  if (f.displayUserCode !== undefined) record.displayUserCode = f.displayUserCode;
  if (f.scope !== undefined) record.scope = JSON.parse(f.scope) as string[];
  if (status === 'approved' && f.grant !== undefined) record.grant = JSON.parse(f.grant) as G;
  return record;
}
