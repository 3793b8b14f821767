/**
 * A real redis-server for the tests: started on a free loopback port with no
 * persistence, stopped by its PID. Every test file that starts one stops it
 * in an `after` hook; should the test process exit without running it (an
 * uncaught exception, a cancelled run), an `exit` listener kills the server
 * by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export const REDIS_SERVER = process.env.REDIS_SERVER || '/usr/bin/redis-server';

/** True when the tests can start a redis-server on this machine. */
export const haveRedis = existsSync(REDIS_SERVER);

export interface RedisServer {
  port: number;
  url: string;
  pid: number;
  /** Stop the server (SIGTERM by PID, SIGKILL after 3 s); resolves once it exited. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/** Start one redis-server and wait until it accepts commands. */
async function startOnce(extraArgs: (port: number) => Promise<string[]>): Promise<RedisServer> {
  const port = await freePort();
  const extra = await extraArgs(port);
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = (): void => {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = exited(child);
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => { if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL'); }, 3000);
    await gone;
    clearTimeout(timer);
  };
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
    child.once('exit', onExit);
    child.once('error', reject);
    const started = Date.now();
    const poll = (): void => {
      if (/Ready to accept connections/.test(output)) {
        child.removeListener('exit', onExit);
        return resolve();
      }
      if (Date.now() - started > 10_000) {
        child.removeListener('exit', onExit);
        void stop();
        return reject(new Error(`redis-server not ready after 10 s:\n${output}`));
      }
      setTimeout(poll, 20);
    };
    poll();
  });
  return { port, url: `redis://127.0.0.1:${port}`, pid: child.pid!, stop };
}

/**
 * Start a redis-server; a port taken meanwhile by someone else is retried.
 * `extraArgs` adds command-line settings, given the port chosen (the
 * cluster harness uses it for the cluster bus port and the node file).
 */
export async function startRedis(extraArgs: (port: number) => Promise<string[]> = async () => []): Promise<RedisServer> {
  let last: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      return await startOnce(extraArgs);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
