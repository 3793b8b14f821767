/**
 * The Redis clients the store is tested with, each connected to a test
 * server: node-redis v5 (`redis`), node-redis v4 (`redis4`) and ioredis 5.
 * Each also gets a no-op `error` listener: node-redis throws an unhandled
 * `error` event when its server goes away, which the Redis-down tests do.
 */
import { createClient, createCluster } from 'redis';
import { createClient as createClient4, createCluster as createCluster4 } from 'redis4';
import { Redis, Cluster } from 'ioredis';
import type { RedisCluster } from './cluster.js';
import type { RedisClientLike } from '../../src/txn/redisclient.js';

export type ClientKind = 'node-redis v5' | 'node-redis v4' | 'ioredis';
export const CLIENT_KINDS: readonly ClientKind[] = ['node-redis v5', 'node-redis v4', 'ioredis'];

export interface TestClient {
  kind: ClientKind;
  client: RedisClientLike;
  /** Run a raw command (for checks that bypass the store). */
  command(...args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/** A connected client of `kind`. `retry: false` stops it reconnecting to a lost server. */
export async function connect(kind: ClientKind, url: string, options: { retry?: boolean } = {}): Promise<TestClient> {
  const retry = options.retry !== false;
  if (kind === 'ioredis') {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: retry ? 20 : 0, retryStrategy: retry ? undefined : () => null });
    client.on('error', () => {});
    await client.connect();
    return {
      kind, client,
      command: (...args) => client.call(args[0]!, ...args.slice(1)),
      close: async () => { client.disconnect(); },
    };
  }
  if (kind === 'node-redis v4') {
    const client = createClient4({ url, socket: { reconnectStrategy: retry ? undefined : false } });
    client.on('error', () => {});
    await client.connect();
    return {
      kind, client,
      command: (...args) => client.sendCommand(args),
      close: async () => { if (client.isOpen) await client.disconnect(); },
    };
  }
  const client = createClient({ url, socket: { reconnectStrategy: retry ? undefined : false } });
  client.on('error', () => {});
  await client.connect();
  return {
    kind, client,
    command: (...args) => client.sendCommand(args),
    close: async () => { if (client.isOpen) client.destroy(); },
  };
}

/**
 * A client of `kind` connected to a Redis Cluster (`startCluster()`): node-redis's
 * `createCluster()` or ioredis's `Cluster`. `command` routes by the first key it names.
 */
export async function connectCluster(kind: ClientKind, cluster: RedisCluster): Promise<TestClient> {
  if (kind === 'ioredis') {
    const client = new Cluster(cluster.nodes, { lazyConnect: true });
    client.on('error', () => {});
    await client.connect();
    return {
      kind, client,
      command: (...args) => client.call(args[0]!, ...args.slice(1)),
      close: async () => { client.disconnect(); },
    };
  }
  if (kind === 'node-redis v4') {
    const client = createCluster4({ rootNodes: cluster.rootNodes });
    client.on('error', () => {});
    await client.connect();
    return {
      kind, client: client as unknown as RedisClientLike,
      command: (...args) => client.sendCommand(args[1], false, args),
      close: async () => { await client.disconnect(); },
    };
  }
  const client = createCluster({ rootNodes: cluster.rootNodes });
  client.on('error', () => {});
  await client.connect();
  return {
    kind, client: client as unknown as RedisClientLike,
    command: (...args) => client.sendCommand(args[1], false, args),
    close: async () => { client.destroy(); },
  };
}
