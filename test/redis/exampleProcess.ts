/**
 * The example authorization server as a separate process (main.js, `PORT=0`),
 * for the tests that run two instances on one Redis, and a fetch-based
 * browser with one cookie jar. Needs the built package (`make build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../examples/authorization-server/main.js', import.meta.url));

export interface Example { origin: string; child: ChildProcess; log: () => string }

export function startExample(env: Record<string, string>): Promise<Example> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onExit = (code: number | null): void => reject(new Error(`example exited (${code}):\n${out}`));
    child.once('exit', onExit);
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /server: (http:\/\/localhost:\d+)\//.exec(out);
      if (m) {
        child.removeListener('exit', onExit);
        resolve({ origin: m[1]!, child, log: () => out });
      }
    });
    child.stderr!.on('data', (c) => { out += c; });
  });
}

export function stopExample(e: Example | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!e || e.child.exitCode !== null || e.child.signalCode !== null) return resolve();
    e.child.once('exit', () => resolve());
    e.child.kill('SIGTERM');
  });
}

/** fetch with one cookie jar (cookies do not depend on the port) and no redirects followed. */
export class Browser {
  private readonly cookies = new Map<string, string>();
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }
  post(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  }
}
