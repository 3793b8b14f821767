/**
 * The example's entry point as a process, for the tests that run it the way
 * `make example` does: `node examples/authorization-server/main.js` with
 * PORT=0 and a new database in a temporary directory. (Not a test file.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIN_SCRIPT } from './helpers.js';

/** Start main.js on a free port with a new database; resolves once it serves `/`. */
export async function startMain(env: Record<string, string> = {}): Promise<{ child: ChildProcess; origin: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'oauth2orize-example-dpop-'));
  const child = spawn(process.execPath, [fileURLToPath(MAIN_SCRIPT)], {
    env: { ...process.env, PORT: '0', DB_PATH: join(dir, 'example.sqlite'), SESSION_SECRET: 'dpop test session secret', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let origin: string | undefined;
  const deadline = Date.now() + 30_000;
  while (!origin) {
    const match = /server: (http:\/\/localhost:\d+)\//.exec(stdout);
    if (match) origin = match[1];
    else if (child.exitCode !== null || Date.now() > deadline) throw new Error(`main.js did not start (${child.exitCode}): ${stderr}`);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, origin, dir };
}

/** Stop what {@link startMain} started (SIGTERM, by its PID) and remove its directory. */
export async function stopMain(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
