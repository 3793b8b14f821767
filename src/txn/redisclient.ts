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
 * A node-redis v4/v5 client (`createClient()` from `redis`), connected; a
 * cluster client (`createCluster()`) is accepted too, and each command is
 * routed by its key.
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
 * Either kind of Redis client.
 *
 * @group Stores
 */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/** Runs one raw command: `['SET', key, value, 'PX', '600000']`. */
export type RedisCommand = (args: string[]) => Promise<unknown>;

/**
 * Adapt a client to one raw-command function, choosing the call style by
 * the methods it has (ioredis has `sendCommand` too, with another meaning,
 * so `call` is looked for first). Each command fails after `timeout`
 * milliseconds, so that a client waiting for a lost server (both libraries
 * queue commands while they reconnect) cannot hold a request forever.
 * `owner` names the store in the errors about a wrong client.
 */
export function commander(client: RedisClientLike, timeout: number, owner = 'RedisTransactionStore'): RedisCommand {
  if (!client || typeof client !== 'object') {
    throw new TypeError(`${owner} requires a client option: a node-redis or ioredis client`);
  }
  let send: RedisCommand;
  if (typeof (client as IoRedisClientLike).call === 'function') {
    const c = client as IoRedisClientLike;
    send = (args) => c.call(args[0]!, ...args.slice(1));
  } else if (typeof (client as NodeRedisClientLike).sendCommand === 'function') {
    if ('masters' in client) {
      // A node-redis cluster client routes a command by the key it names
      // first, given separately: sendCommand(firstKey, isReadonly, args).
      const c = client as unknown as NodeRedisClusterLike;
      send = (args) => c.sendCommand(firstKeyOf(args), false, args);
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

/** What a node-redis cluster client (`createCluster()`) offers for raw commands. */
interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean, args: string[]): Promise<unknown>;
}

/**
 * The key a raw command is routed by in a cluster: the first of `KEYS` for
 * a script (`EVAL script numkeys key ...`), the first argument otherwise
 * (`GET key`, `SET key ...`, `DEL key`). Every command the stores send names
 * its key there, and a command naming several keys keeps them in one hash
 * slot with a `{tag}`.
 */
function firstKeyOf(args: string[]): string | undefined {
  const name = args[0]!.toUpperCase();
  if (name === 'EVAL' || name === 'EVALSHA' || name === 'EVAL_RO' || name === 'EVALSHA_RO' || name === 'FCALL') {
    return Number(args[2]) > 0 ? args[3] : undefined;
  }
  return args[1];
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
