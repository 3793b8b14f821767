/**
 * The Redis client the application passes to {@link RedisTransactionStore}
 * (and to the Redis stores of src/stores/),
 * typed by shape only: the package depends on no Redis library.
 *
 * Two call styles exist. node-redis (v4 and v5, `createClient()`) sends a
 * raw command as one array, `sendCommand(['SET', key, value])`; ioredis
 * (and its forks, such as iovalkey) as `call('SET', key, value)`. Both
 * resolve to the server's reply: a string or `null` for `GET` and `SET`, a
 * number for `DEL`. Valkey answers these commands as Redis does.
 */

/**
 * A node-redis v4/v5 client (`createClient()` from `redis`), connected.
 *
 * @group Stores
 */
export interface NodeRedisClientLike {
  /**
   * Sends one raw command.
   * @param args the command and its arguments, e.g. `['SET', key, value]`
   */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * An ioredis 5 client (`new Redis()`), or a client with the same `call`.
 *
 * @group Stores
 */
export interface IoRedisClientLike {
  /**
   * Sends one raw command.
   * @param command the command name, e.g. `'SET'`
   * @param args its arguments
   */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * A node-redis v4/v5 cluster client (`createCluster()` from `redis`),
 * connected: its `sendCommand` takes the key that routes the command first.
 * Taken by the stores whose every command stays in one hash slot
 * (`RedisAuthorizationCodeStore`, `RedisRefreshFamilyStore`).
 *
 * @group Stores
 */
export interface NodeRedisClusterLike {
  /** The cluster's primaries (how a cluster client is told from a standalone one). */
  readonly masters: unknown;
  /**
   * Sends one raw command to the node that holds `firstKey`.
   * @param firstKey the key the command is routed by
   * @param isReadonly whether a replica may answer
   * @param args the command and its arguments
   */
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
}

/**
 * The key a command is routed by: the first of `EVAL`'s keys (after the
 * script and the key count), else the command's first argument.
 */
function firstKey(args: string[]): string | undefined {
  const name = args[0]!.toUpperCase();
  if (name === 'EVAL' || name === 'EVALSHA') return Number(args[2]) > 0 ? args[3] : undefined;
  return args[1];
}

/**
 * Either kind of Redis client.
 *
 * @group Stores
 */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike | NodeRedisClusterLike;

/** Runs one raw command: `['SET', key, value, 'PX', '600000']`. */
export type RedisCommand = (args: string[]) => Promise<unknown>;

/**
 * Adapt a client to one raw-command function, choosing the call style by
 * the methods it has (ioredis has `sendCommand` too, with another meaning,
 * so `call` is looked for first). Each command fails after `timeout`
 * milliseconds, so that a client waiting for a lost server (both libraries
 * queue commands while they reconnect) cannot hold a request forever.
 * `owner` names the store in the errors about a wrong client; `cluster`
 * says whether it takes a node-redis cluster client (each of its commands
 * touches keys of one hash slot).
 */
export function commander(client: RedisClientLike, timeout: number, owner = 'RedisTransactionStore', cluster = false): RedisCommand {
  if (!client || typeof client !== 'object') {
    throw new TypeError(`${owner} requires a client option: a node-redis or ioredis client`);
  }
  let send: RedisCommand;
  if (typeof (client as IoRedisClientLike).call === 'function') {
    const c = client as IoRedisClientLike;
    send = (args) => c.call(args[0]!, ...args.slice(1));
  } else if (typeof (client as NodeRedisClientLike).sendCommand === 'function') {
    if ('masters' in client) {
      // node-redis cluster clients take (firstKey, isReadonly, args) and
      // route by the key; only stores whose commands are each confined to
      // one hash slot accept them.
      if (!cluster) throw new TypeError(`${owner} does not support node-redis cluster clients; pass a standalone client`);
      const c = client as NodeRedisClusterLike;
      send = (args) => c.sendCommand(firstKey(args), false, args);
    } else {
      const c = client as NodeRedisClientLike;
      send = (args) => c.sendCommand(args);
    }
  } else {
    throw new TypeError(`${owner} requires a node-redis (sendCommand) or ioredis (call) client`);
  }
  const run = guarded(send);
  if (!(timeout > 0) || timeout === Infinity) return run;
  return (args) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis ${args[0]} timed out after ${timeout} ms`)), timeout);
    if (typeof timer.unref === 'function') timer.unref();
    run(args).then(
      (value) => { clearTimeout(timer); resolve(value); },
      (err) => { clearTimeout(timer); reject(err); },
    );
  });
}

/** Turn a synchronous throw of the client into a rejection. */
function guarded(send: RedisCommand): RedisCommand {
  return (args) => {
    try {
      return Promise.resolve(send(args));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
