/**
 * The example authorization server with `REDIS_URL` set: two instances
 * (separate processes running main.js) on one Redis and one database. A
 * user signs in on one, starts the authorization request on the other,
 * answers the consent page on the first, and the code is exchanged at the
 * second. Needs the built package (`make build`), as main.js imports it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startRedis, haveRedis, type RedisServer } from './server.js';
import { Browser, startExample, stopExample, type Example } from './exampleProcess.js';

const CLIENT = { id: 'demo-confidential', secret: 'demo-confidential-secret' };

describe('example with REDIS_URL: two instances, one Redis', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  let dir: string;
  let a: Example | undefined;
  let b: Example | undefined;
  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'oauth2orize-example-redis-'));
    const env = { REDIS_URL: redis.url, DB_PATH: join(dir, 'example.sqlite') };
    a = await startExample(env);
    b = await startExample(env);
  });
  after(async () => {
    await Promise.all([stopExample(a), stopExample(b)]);
    if (redis) await redis.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in on one, authorizes on the other, decides on the first, exchanges at the second', async () => {
    const A = a!.origin;
    const B = b!.origin;
    const callback = `${A}/callback`;
    const browser = new Browser();
    // The example's forms carry a per-session CSRF token, and it requires PKCE of every client.
    const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';
    const csrf = hidden(await (await browser.request(`${A}/login`)).text(), 'csrf_token');
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const login = await browser.post(`${A}/login`, { username: 'alice', password: 'wonderland', return_to: '/', csrf_token: csrf });
    assert.equal(login.status, 303, 'signed in');

    const authorize = await browser.request(`${B}/authorize?response_type=code&client_id=${CLIENT.id}&redirect_uri=${encodeURIComponent(callback)}&scope=profile&state=st1&code_challenge=${challenge}&code_challenge_method=S256`);
    const page = await authorize.text();
    assert.equal(authorize.status, 200, 'the other instance knows the session and shows the consent page');
    const tid = /name="transaction_id" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(tid && tid.length >= 22, `a transaction ID of 128 bits or more: ${tid}`);

    const form = { transaction_id: tid!, csrf_token: hidden(page, 'csrf_token') };
    const decision = await browser.post(`${A}/authorize/decision`, form);
    assert.equal(decision.status, 302, 'the first instance decides the transaction the second stored');
    const location = new URL(decision.headers.get('location')!);
    assert.equal(location.origin + location.pathname, callback);
    assert.equal(location.searchParams.get('state'), 'st1');
    const code = location.searchParams.get('code');
    assert.ok(code, 'a code');

    const replay = await browser.post(`${B}/authorize/decision`, form);
    assert.equal(replay.status, 403, 'the transaction is gone on every instance');

    const token = await fetch(`${B}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic ' + Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64'),
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: callback, code_verifier: verifier }),
    });
    assert.equal(token.status, 200, await token.clone().text());
    assert.equal(typeof ((await token.json()) as { access_token?: unknown }).access_token, 'string');
  });
});
