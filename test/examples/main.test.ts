/**
 * The example's entry point, run the way `make example` runs it:
 * `node examples/authorization-server/main.js`, here with PORT=0 and a
 * temporary DB_PATH. Also reports how long it takes to serve its first page.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DEMO, MAIN_SCRIPT, unescapeHtml } from './helpers.js';

test('main.js starts, prints the demo details, serves / and stops on SIGTERM', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth2orize-example-main-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'example.sqlite');

  const withoutSecret = { ...process.env };
  delete withoutSecret.SESSION_SECRET;
  delete withoutSecret.LEGACY_GRANTS;
  const started = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(MAIN_SCRIPT)], {
    env: { ...withoutSecret, PORT: '0', DB_PATH: dbPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // Wait for the banner, which names the origin (the port is chosen by the OS).
  let origin: string | undefined;
  while (!origin) {
    const match = /server: (http:\/\/localhost:\d+)\//.exec(stdout);
    if (match) origin = match[1];
    else if (child.exitCode !== null) assert.fail(`main.js exited early (${child.exitCode}): ${stderr}`);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }

  let res = await fetch(`${origin}/`);
  while (res.status !== 200) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    res = await fetch(`${origin}/`);
  }
  const page = await res.text();
  const elapsed = performance.now() - started;
  t.diagnostic(`first 200 on / after ${Math.round(elapsed)} ms`);

  // The banner: credentials, the ready authorization URL, its verifier.
  assert.match(stdout, new RegExp(`${DEMO.username} / ${DEMO.password}`));
  assert.match(stdout, new RegExp(`${DEMO.confidential.id} / ${DEMO.confidential.secret}`));
  const printedURL = /^ {2}(http:\/\/localhost:\d+\/authorize\?\S+)$/m.exec(stdout)?.[1];
  assert.ok(printedURL, 'the banner prints an authorization URL');
  const url = new URL(printedURL);
  assert.equal(url.searchParams.get('client_id'), DEMO.confidential.id);
  assert.equal(url.searchParams.get('redirect_uri'), `${origin}/callback`);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(stdout, /PKCE code_verifier for it:\n {2}\S{43,}/);
  assert.ok(existsSync(dbPath), 'the database file is created at DB_PATH');

  // The start page links to the same URL.
  assert.ok(unescapeHtml(page).includes(`href="${printedURL}"`), 'the start page links to the printed URL');

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  // No SESSION_SECRET in the environment: a warning says the public development secret is in use.
  assert.match(stderr, /^Warning: SESSION_SECRET is not set/);
  assert.equal(stderr.split('\n').filter((line) => line.startsWith('Warning')).length, 1, `unexpected output:\n${stderr}`);
});
