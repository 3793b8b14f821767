/**
 * The guide "Using without Express" (docs/guides/without-express.md): server.mjs on plain node:http, and the same
 * server with its routing replaced by the connect block, each run as written and driven
 * through the authorization code flow. Needs `make build` (it loads dist/).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CookieClient, importedPackages, marked, scratchApp, startScript, transactionId } from './readme.js';

const plain = marked('without-express server.mjs', 'docs/guides/without-express.md');
const connectTail = marked('without-express connect', 'docs/guides/without-express.md');

/** server.mjs with everything from `// Routing` on replaced by the connect block. */
function connectVersion(): string {
  const cut = plain.code.indexOf('// Routing\n');
  assert.ok(cut > 0, 'server.mjs has a `// Routing` line');
  assert.ok(connectTail.code.startsWith('// Routing\n'), 'the connect block starts at `// Routing`');
  return plain.code.slice(0, cut) + connectTail.code;
}

async function codeFlow(code: string, t: { after(fn: () => unknown): void }) {
  const scratch = scratchApp({ 'server.mjs': code }, importedPackages(code));
  t.after(() => scratch.remove());
  const started = await startScript(scratch.dir, 'server.mjs', /listening on (http:\/\/localhost:\d+)/);
  t.after(() => started.stop());
  const base = started.match;
  const browser = new CookieClient();
  const redirectUri = 'http://localhost:8080/cb';

  const consent = await browser.fetch(`${base}/authorize?response_type=code&client_id=demo-app&redirect_uri=${redirectUri}&state=s1`);
  assert.equal(consent.status, 200);
  const decision = await browser.post(`${base}/decision`, { transaction_id: transactionId(await consent.text()) });
  assert.equal(decision.status, 302, 'without res.redirect, the grant answers 302 with Location');
  const location = new URL(decision.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, redirectUri);
  assert.equal(location.searchParams.get('state'), 's1');
  const code_ = location.searchParams.get('code')!;
  assert.ok(code_, `no code in ${location.href}`);

  const token = (secret: string) =>
    fetch(`${base}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`demo-app:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code_, redirect_uri: redirectUri }),
    });
  const bad = await token('wrong');
  assert.equal(bad.status, 401);
  assert.equal(((await bad.json()) as { error: string }).error, 'invalid_client');
  const ok = await token('demo-secret');
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { access_token: string; token_type: string };
  assert.equal(body.token_type, 'Bearer');
  assert.match(body.access_token, /^[\w-]{43}$/);
  const replay = await token('demo-secret');
  assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');

  // An unknown client is not redirected anywhere.
  const unknown = await browser.fetch(`${base}/authorize?response_type=code&client_id=nobody&redirect_uri=${redirectUri}`);
  assert.equal(unknown.status, 403);
  assert.equal(unknown.headers.get('location'), null);

  // A form body that is not form-encoded is read as empty: an OAuth error, not a crash.
  const json = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('demo-app:demo-secret').toString('base64')}` },
    body: '{"grant_type":"authorization_code"}',
  });
  assert.equal(((await json.json()) as { error: string }).error, 'unsupported_grant_type');
}

describe('README: using without Express', { timeout: 120_000 }, () => {
  test('node:http', async (t) => {
    assert.deepEqual(importedPackages(plain.code), ['express-session', 'oauth2orize']);
    await codeFlow(plain.code, t);
  });

  test('connect', async (t) => {
    assert.deepEqual(importedPackages(connectVersion()), ['connect', 'express-session', 'oauth2orize']);
    await codeFlow(connectVersion(), t);
  });
});
