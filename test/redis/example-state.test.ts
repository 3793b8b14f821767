/**
 * The example's one-time state on Redis: two example instances (separate
 * processes running main.js with REDIS_URL, one redis-server, one database)
 * serve one user every flow: codes, refresh rotation, device codes, PAR and
 * the client-authentication throttle, with races split across both.
 * REFRESH_GRACE_SECONDS is small here, so that a reuse after the window can
 * be shown. Needs the built package (`make build`), as main.js imports it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import Database from 'better-sqlite3';
import { startRedis, haveRedis, type RedisServer } from './server.js';
import { Browser, startExample, stopExample, type Example } from './exampleProcess.js';

const PUBLIC = 'demo-public';
const CONFIDENTIAL = { id: 'demo-confidential', secret: 'demo-confidential-secret' };
const GRACE_SECONDS = 4;
/** The demo service client's private key, as examples/authorization-server/storage/demo.js publishes it. */
const JWT_CLIENT_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'jk0JY5JDlELNJYjBP5Iiz8YifEsLSLgCsxrVh945CZ4',
  y: 'oQL-96wJCLQ5Wh9ZTedK5gTsumH1ObFfSLACfggOgUU',
  d: 'eTs4SuvaGDm5aTv6WwdoZZNxQc0Asd_h2rUz5zxUiXQ',
};

const hidden = (html: string, name: string): string => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

interface TokenAnswer { status: number; body: Record<string, unknown> }

async function post(url: string, fields: Record<string, string>, basic?: { id: string; secret: string }): Promise<TokenAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = 'Basic ' + Buffer.from(`${basic.id}:${basic.secret}`).toString('base64');
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(fields) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try { body = JSON.parse(text) as Record<string, unknown>; } catch { body = { text }; }
  return { status: res.status, body };
}

async function userinfo(origin: string, accessToken: string): Promise<number> {
  const res = await fetch(`${origin}/api/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Count the statuses of a set of answers: `{ 200: 1, 400: 99 }`. */
function statuses(answers: TokenAnswer[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}

describe('example with REDIS_URL: the one-time blocks on two instances', { skip: !haveRedis && !process.env.CI && 'no redis-server', timeout: 120_000 }, () => {
  let redis: RedisServer;
  let dir: string;
  let a: Example | undefined;
  let b: Example | undefined;
  let A: string;
  let B: string;
  const browser = new Browser();

  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'oauth2orize-example-state-'));
    const env = { REDIS_URL: redis.url, DB_PATH: join(dir, 'example.sqlite'), REFRESH_GRACE_SECONDS: String(GRACE_SECONDS) };
    a = await startExample(env);
    b = await startExample(env);
    A = a.origin;
    B = b.origin;
    // One user, signed in on A; the session is in Redis, so B knows it too.
    const csrf = hidden(await (await browser.request(`${A}/login`)).text(), 'csrf_token');
    const login = await browser.post(`${A}/login`, { username: 'alice', password: 'wonderland', return_to: '/', csrf_token: csrf });
    assert.equal(login.status, 303, 'signed in');
  });
  after(async () => {
    await Promise.all([stopExample(a), stopExample(b)]);
    if (redis) await redis.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The redirect of an authorization answered at `decideAt` (the consent page's form, or at once when approved before). */
  async function codeFrom(authorize: Response, decideAt: string): Promise<URL> {
    if (authorize.status === 302) return new URL(authorize.headers.get('location')!);
    const page = await authorize.text();
    assert.equal(authorize.status, 200, page);
    const decision = await browser.post(`${decideAt}/authorize/decision`, { transaction_id: hidden(page, 'transaction_id'), csrf_token: hidden(page, 'csrf_token') });
    assert.equal(decision.status, 302);
    return new URL(decision.headers.get('location')!);
  }

  /** A code for the public client: authorized at `at` (default B), decided at A (the callback is registered under A's origin). */
  async function publicCode(at?: string): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code', client_id: PUBLIC, redirect_uri: `${A}/callback`, scope: 'profile', state: 's',
      code_challenge: challenge, code_challenge_method: 'S256',
    });
    const location = await codeFrom(await browser.request(`${at ?? B}/authorize?${query}`), A);
    const code = location.searchParams.get('code');
    assert.ok(code, `a code: ${location}`);
    return { code: code!, verifier };
  }

  const redeem = (origin: string, code: string, verifier: string): Promise<TokenAnswer> =>
    post(`${origin}/token`, { grant_type: 'authorization_code', client_id: PUBLIC, code, redirect_uri: `${A}/callback`, code_verifier: verifier });
  const refresh = (origin: string, refreshToken: string): Promise<TokenAnswer> =>
    post(`${origin}/token`, { grant_type: 'refresh_token', client_id: PUBLIC, refresh_token: refreshToken });

  it('200 concurrent redemptions of one code, split across both: issued once, no 500, and the replays revoke what it issued', async () => {
    const { code, verifier } = await publicCode();
    // The access tokens are in the instances' shared SQLite file.
    const db = new Database(join(dir, 'example.sqlite'), { readonly: true });
    const count = (where = ''): number => (db.prepare(`SELECT COUNT(*) AS n FROM access_tokens ${where}`).get() as { n: number }).n;
    const [issuedBefore, liveBefore] = [count(), count('WHERE revoked_at IS NULL')];
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => redeem(i % 2 ? B : A, code, verifier)));
      const by = statuses(answers);
      assert.ok(answers.every((x) => x.status === 200 || x.status === 400), JSON.stringify(by));
      assert.ok((by[200] ?? 0) <= 1, 'at most one answer with tokens');
      for (const x of answers) if (x.status === 400) assert.equal(x.body.error, 'invalid_grant');
      assert.equal(count() - issuedBefore, 1, 'exactly one redemption issued tokens');
      // A replay of a valid code revokes what it issued (RFC 6749 §4.1.2). When
      // replays come while the winner is still issuing, the winner too answers
      // invalid_grant, having revoked its own tokens; either way nothing stays live.
      assert.equal(count('WHERE revoked_at IS NULL'), liveBefore, 'what the code issued is revoked');
      const winner = answers.find((x) => x.status === 200)?.body;
      if (winner) {
        assert.equal(await userinfo(A, winner.access_token as string), 401);
        assert.equal(await userinfo(B, winner.access_token as string), 401);
        assert.equal((await refresh(B, winner.refresh_token as string)).status, 400, 'the refresh family is revoked too');
      }
    } finally {
      db.close();
    }
  });

  it('a code issued by one instance is redeemed at the other; a wrong verifier burns nothing', async () => {
    // Approved before, so A issues the code at once.
    const { code, verifier } = await publicCode(A);
    const wrong = await redeem(A, code, pkce().verifier);
    assert.equal(wrong.status, 400);
    const ok = await redeem(B, code, verifier);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(await userinfo(A, ok.body.access_token as string), 200);
  });

  it(`100 concurrent refreshes of one token, split across both: one rotation, every answer 200 of the same family; a reuse after the ${GRACE_SECONDS} s window revokes the family and its access tokens`, async () => {
    const { code, verifier } = await publicCode();
    const first = await redeem(A, code, verifier);
    assert.equal(first.status, 200);
    const r0 = first.body.refresh_token as string;
    assert.equal(typeof r0, 'string');

    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => refresh(i % 2 ? B : A, r0)));
    const took = Date.now() - started;
    assert.ok(took < GRACE_SECONDS * 1000, `the race ends inside the window (${took} ms)`);
    assert.deepEqual(statuses(answers), { 200: 100 }, JSON.stringify(answers.filter((x) => x.status !== 200).slice(0, 3)));
    const rotated = new Set(answers.map((x) => x.body.refresh_token));
    assert.equal(rotated.size, 1, 'exactly one rotation: every answer carries the same new refresh token');
    const r1 = [...rotated][0] as string;
    assert.notEqual(r1, r0);
    const accessTokens = new Set(answers.map((x) => x.body.access_token as string));
    for (const token of accessTokens) assert.equal(await userinfo(B, token), 200, 'not revoked inside the window');

    // The family lives on: its current token rotates (at the other instance).
    const next = await refresh(B, r1);
    assert.equal(next.status, 200, JSON.stringify(next.body));
    const r2 = next.body.refresh_token as string;
    const a2 = next.body.access_token as string;

    // After the window, the parent again is a reuse: the family is revoked, with its access tokens.
    await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 500));
    const reuse = await refresh(A, r1);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal((await refresh(B, r2)).status, 400, 'the current token is revoked with its family');
    assert.equal(await userinfo(A, a2), 401, 'and so are the family\'s access tokens');
    for (const token of accessTokens) assert.equal(await userinfo(B, token), 401);
  });

  it('device flow: codes from one, approval at the other, polls at both race: one winner', async () => {
    const start = await post(`${B}/device_authorization`, { client_id: PUBLIC, scope: 'profile' });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const deviceCode = start.body.device_code as string;
    const poll = (origin: string): Promise<TokenAnswer> =>
      post(`${origin}/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC, device_code: deviceCode });
    const pending = await poll(A);
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, 'authorization_pending');

    const entry = await browser.request(`${A}/device`);
    const verify = await browser.post(`${A}/device/verify`, { user_code: start.body.user_code as string, csrf_token: hidden(await entry.text(), 'csrf_token') });
    const consent = await verify.text();
    assert.equal(verify.status, 200, consent);
    const form = { transaction_id: hidden(consent, 'transaction_id'), csrf_token: hidden(consent, 'csrf_token') };
    // Two approvals of the one transaction, one per instance: one decides it.
    const decisions = await Promise.all([browser.post(`${B}/device/decision`, form), browser.post(`${A}/device/decision`, form)]);
    assert.equal(decisions.filter((d) => d.status === 200).length, 1, decisions.map((d) => d.status).join());
    await Promise.all(decisions.map((d) => d.arrayBuffer()));

    const polls = await Promise.all(Array.from({ length: 40 }, (_, i) => poll(i % 2 ? A : B)));
    const won = polls.filter((x) => x.status === 200);
    assert.equal(won.length, 1, JSON.stringify(statuses(polls)));
    assert.ok(!polls.some((x) => x.status >= 500));
    assert.equal(await userinfo(A, won[0]!.body.access_token as string), 200);
    const late = await poll(B);
    assert.equal(late.body.error, 'invalid_grant', 'redeemed once');
  });

  it('device code guessing is limited per user across both instances', async () => {
    const entry = await browser.request(`${A}/device`);
    const csrf = hidden(await entry.text(), 'csrf_token');
    const guess = async (origin: string, i: number) => {
      const res = await browser.post(`${origin}/device/verify`, { user_code: `BCDF-GH${'JKLMNPQRST'[i]}`, csrf_token: csrf });
      await res.arrayBuffer();
      return res.status;
    };
    // maxAttempts: 10 lookups per signed-in user in the window (one was used above).
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) seen.push(await guess(i % 2 ? B : A, i));
    assert.ok(seen.slice(0, 9).every((st) => st === 400), seen.join());
    assert.equal(seen[9], 429, `the tenth lookup of this user, counted at both instances, is refused: ${seen.join()}`);
  });

  it('PAR: pushed at one, another client\'s use burns nothing, concurrent uses at both: one consent page', async () => {
    const { challenge } = pkce();
    const pushed = await post(`${A}/par`, {
      response_type: 'code', client_id: PUBLIC, redirect_uri: `${A}/callback`, scope: 'profile', state: 'p',
      code_challenge: challenge, code_challenge_method: 'S256',
    });
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    const requestURI = pushed.body.request_uri as string;
    const use = (origin: string, clientID: string) =>
      browser.request(`${origin}/authorize?${new URLSearchParams({ client_id: clientID, request_uri: requestURI })}`);

    const wrong = await use(B, CONFIDENTIAL.id);
    await wrong.arrayBuffer();
    assert.notEqual(wrong.status, 200, 'another client_id gets no consent page');
    const other = await use(B, PUBLIC);
    await other.arrayBuffer();
    assert.ok(other.status === 200 || other.headers.get('location')?.includes('code='), `the other instance takes it for its client: ${other.status}`);
    const again = await use(A, PUBLIC);
    await again.arrayBuffer();
    assert.ok(again.status !== 200 && !again.headers.get('location')?.includes('code='), 'once');

    const second = await post(`${A}/par`, {
      response_type: 'code', client_id: PUBLIC, redirect_uri: `${A}/callback`, scope: 'profile', state: 'q',
      code_challenge: challenge, code_challenge_method: 'S256',
    });
    const uses = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      browser.request(`${i % 2 ? A : B}/authorize?${new URLSearchParams({ client_id: PUBLIC, request_uri: second.body.request_uri as string })}`)));
    const pages = await Promise.all(uses.map(async (r) => ({ status: r.status, location: r.headers.get('location'), html: await r.text() })));
    const granted = pages.filter((p) => p.status === 200 || (p.status === 302 && p.location?.includes('code=')));
    assert.equal(granted.length, 1, JSON.stringify(pages.map((p) => p.status)));
    assert.ok(!pages.some((p) => p.status >= 500));
  });

  it('the jti replay cache is shared: a client assertion accepted by one instance is refused by the other', async () => {
    const key = createPrivateKey({ key: JWT_CLIENT_KEY, format: 'jwk' });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('demo-jwt')
      .setSubject('demo-jwt')
      .setAudience([A, B])
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(key);
    const use = (origin: string) => post(`${origin}/token`, {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    const first = await use(A);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const replay = await use(B);
    assert.equal(replay.status, 401, 'the same jti at the other instance');
    assert.equal(replay.body.error, 'invalid_client');
  });

  it('sign-in throttling is shared: failed sign-ins for one account at both instances add up', async () => {
    const guesser = new Browser();
    const csrf = hidden(await (await guesser.request(`${A}/login`)).text(), 'csrf_token');
    const guess = (origin: string) => guesser.post(`${origin}/login`, { username: 'alice', password: 'guess', return_to: '/', csrf_token: csrf });
    // loginPerAccount defaults to 5 failures per window.
    for (const origin of [A, B, A, B, A]) {
      const res = await guess(origin);
      await res.arrayBuffer();
      assert.equal(res.status, 401, 'the form again, with an error');
    }
    const limited = await guess(B);
    await limited.arrayBuffer();
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  it('throttling is shared: failed client authentications at both instances add up', async () => {
    const bad = { id: CONFIDENTIAL.id, secret: 'wrong' };
    const tryAt = (origin: string) => post(`${origin}/token`, { grant_type: 'client_credentials' }, bad);
    // tokenPerClient defaults to 10 failures per client and address.
    for (let i = 0; i < 5; i++) assert.equal((await tryAt(A)).status, 401);
    for (let i = 0; i < 5; i++) assert.equal((await tryAt(B)).status, 401);
    assert.equal((await tryAt(A)).status, 429, 'the 11th failure is refused, whichever instance counted the first ten');
    assert.equal((await tryAt(B)).status, 429);
  });
});
