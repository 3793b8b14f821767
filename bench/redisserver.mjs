// A throwaway redis-server for the benchmarks: a free loopback port, no
// persistence, stopped by PID (also when this process exits).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export const REDIS_SERVER = process.env.REDIS_SERVER || '/usr/bin/redis-server';
export const haveRedis = existsSync(REDIS_SERVER);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves to { url, pid, stop() } once the server accepts connections. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } };
  process.once('exit', kill);
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  await new Promise((resolve, reject) => {
    const started = Date.now();
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    const poll = () => {
      if (/Ready to accept connections/.test(output)) return resolve();
      if (Date.now() - started > 10_000) { kill(); return reject(new Error(`redis-server not ready:\n${output}`)); }
      setTimeout(poll, 20);
    };
    poll();
  });
  child.removeAllListeners('exit');
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () => new Promise((resolve) => {
      process.removeListener('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      process.kill(child.pid, 'SIGTERM');
    }),
  };
}
