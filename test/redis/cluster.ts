/**
 * A real Redis Cluster for the tests: three `redis-server` processes in
 * cluster mode on free loopback ports (no replicas), their 16,384 slots
 * split in three ranges, joined with CLUSTER MEET. Each node is stopped by
 * its PID, as `server.ts` does for a single server.
 *
 * ```ts
 * const cluster = await startCluster();
 * const client = createCluster({ rootNodes: cluster.rootNodes });          // node-redis
 * const io = new Redis.Cluster(cluster.nodes);                               // ioredis
 * ...
 * await cluster.stop();
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, haveRedis, startRedis, type RedisServer } from './server.js';

export { haveRedis };

export interface RedisCluster {
  /** The nodes as ioredis's `Cluster` takes them. */
  nodes: { host: string; port: number }[];
  /** The nodes as node-redis's `createCluster({ rootNodes })` takes them. */
  rootNodes: { url: string }[];
  /** The PIDs of the three servers. */
  pids: number[];
  /** Stop every node (by PID) and remove their node files. */
  stop(): Promise<void>;
}

const SLOTS = 16384;

/**
 * Send one command in RESP and read one reply line (enough for the
 * administrative commands used here, whose replies are one line or a bulk
 * string read whole).
 */
function command(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`redis ${port}: no reply to ${args[0]}`)); }, 5000);
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const complete = reply.startsWith('$')
        ? (() => {
            const eol = reply.indexOf('\r\n');
            if (eol < 0) return false;
            const len = Number(reply.slice(1, eol));
            return len < 0 || reply.length >= eol + 2 + len + 2;
          })()
        : reply.endsWith('\r\n');
      if (!complete) return;
      clearTimeout(timer);
      socket.end();
      if (reply.startsWith('-')) reject(new Error(`redis ${port}: ${args.join(' ')}: ${reply.trim()}`));
      else resolve(reply);
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() - started > ms) throw new Error(`Redis Cluster: ${what} not reached after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Start a three-node Redis Cluster on loopback and wait until every node says `cluster_state:ok`. */
export async function startCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'oauth2orize-cluster-'));
  const servers: RedisServer[] = [];
  const busPorts: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      let bus = 0;
      servers.push(await startRedis(async (port) => [
        '--cluster-enabled', 'yes',
        '--cluster-port', String(bus = await freePort()),
        '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '5000',
        '--dir', dir,
      ]));
      busPorts.push(bus);
    }
    const step = Math.ceil(SLOTS / servers.length);
    await Promise.all(servers.map((s, i) =>
      command(s.port, ['CLUSTER', 'ADDSLOTSRANGE', String(i * step), String(Math.min(SLOTS, (i + 1) * step) - 1)])));
    // The bus ports are not port + 10000, so MEET names them.
    for (let i = 1; i < servers.length; i++) {
      await command(servers[0]!.port, ['CLUSTER', 'MEET', '127.0.0.1', String(servers[i]!.port), String(busPorts[i])]);
    }
    for (const s of servers) {
      await until(`cluster_state:ok on ${s.port}`, async () => /cluster_state:ok/.test(await command(s.port, ['CLUSTER', 'INFO'])));
      await until(`3 known nodes on ${s.port}`, async () => /cluster_known_nodes:3\b/.test(await command(s.port, ['CLUSTER', 'INFO'])));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    rootNodes: servers.map((s) => ({ url: s.url })),
    pids: servers.map((s) => s.pid),
    stop,
  };
}
