/**
 * Abandoned authorization requests must not grow a session without bound.
 * The session store keeps at most `maxTransactions` pending transactions per
 * session (default 20) and evicts the oldest; an evicted transaction can no
 * longer be decided. Driven over real HTTP against Express 5 with
 * express-session's MemoryStore, one session, sequential requests on a
 * keep-alive connection.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStore, createServer } from '../../src/index.js';
import { authApp, body, sessionIdOf, CLIENT_ID, type AuthApp } from './app.js';
import { listen, send, cookieOf, type Listening } from '../fuzz/harness.js';

const AUTHORIZE = `/authorize?response_type=code&client_id=${CLIENT_ID}&state=s`;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** Open `count` transactions in one session; return their IDs in order and the cookie. */
async function abandon(target: Listening, count: number): Promise<{ ids: string[]; cookie: string }> {
  const first = await send(target, { method: 'GET', path: AUTHORIZE });
  assert.equal(first.status, 200, first.text);
  const cookie = cookieOf(first);
  assert.ok(cookie, 'express-session set no cookie');
  const ids = [body(first).transactionID as string];
  for (let i = 1; i < count; i++) {
    const reply = await send(target, { method: 'GET', path: AUTHORIZE, headers: { Cookie: cookie } });
    assert.equal(reply.status, 200, reply.text);
    // The session must stay the same one throughout.
    assert.equal(reply.headers['set-cookie'], undefined);
    ids.push(body(reply).transactionID);
  }
  return { ids, cookie };
}

/** The transactions stored in the session, read from the MemoryStore itself. */
function storedIds(app: AuthApp, cookie: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    app.sessions.get(sessionIdOf(cookie), (err, sess: any) => {
      if (err) return reject(err);
      assert.ok(sess, 'session not found in the store');
      resolve(Object.keys(sess.authorize || {}));
    });
  });
}

function sessionCount(app: AuthApp): Promise<number> {
  return new Promise((resolve, reject) => {
    app.sessions.length((err, n) => (err ? reject(err) : resolve(n!)));
  });
}

function decide(target: Listening, cookie: string, tid: string) {
  return send(target, { method: 'POST', path: '/decision', headers: { ...FORM, Cookie: cookie }, body: 'transaction_id=' + encodeURIComponent(tid) });
}

describe('bounded transactions: 10,000 abandoned authorize requests in one session', () => {
  const N = 7;
  const app = authApp({ server: { store: new SessionStore({ maxTransactions: N }) } });
  let target: Listening;
  let ids: string[];
  let cookie: string;

  before(async () => {
    target = await listen(app.app);
    ({ ids, cookie } = await abandon(target, 10_000));
  });
  after(() => target.close());

  it('issued 10,000 distinct transaction IDs', () => {
    assert.equal(ids.length, 10_000);
    assert.equal(new Set(ids).size, 10_000);
  });

  it(`leaves exactly ${N} transactions in the session, the newest ones, oldest first`, async () => {
    assert.equal(await sessionCount(app), 1);
    assert.deepEqual(await storedIds(app, cookie), ids.slice(-N));
    // The app's own view of the session agrees with the store.
    const pending = await send(target, { method: 'GET', path: '/pending', headers: { Cookie: cookie } });
    assert.deepEqual(body(pending), ids.slice(-N));
  });

  it('answers 403 for an evicted transaction, the oldest and the most recently evicted', async () => {
    for (const tid of [ids[0]!, ids[ids.length - N - 1]!]) {
      const reply = await decide(target, cookie, tid);
      assert.equal(reply.status, 403, reply.text);
      assert.equal(body(reply).message, 'Unable to load OAuth 2.0 transaction: ' + tid);
      assert.equal(body(reply).name, 'ForbiddenError');
    }
    assert.equal(app.issued.length, 0, 'an evicted transaction was granted');
  });

  it('still decides the oldest transaction that was kept', async () => {
    const kept = ids[ids.length - N]!;
    const reply = await decide(target, cookie, kept);
    assert.equal(reply.status, 302, reply.text);
    assert.equal(reply.headers.location, 'http://client.example/cb?code=code-1&state=s');
    assert.deepEqual(await storedIds(app, cookie), ids.slice(-N + 1));
  });
});

describe('bounded transactions: the default limit', () => {
  it('is 20, for a SessionStore built without options and for createServer()', () => {
    assert.equal(new SessionStore().maxTransactions, 20);
    assert.equal(new SessionStore({}).maxTransactions, 20);
    const store = createServer()._txnStore as SessionStore;
    assert.ok(store instanceof SessionStore);
    assert.equal(store.maxTransactions, 20);
  });

  it('keeps the newest 20 of 30 abandoned requests when createServer() is given no store', async () => {
    const app = authApp();
    const target = await listen(app.app);
    try {
      const { ids, cookie } = await abandon(target, 30);
      assert.deepEqual(await storedIds(app, cookie), ids.slice(-20));
      const evicted = ids[9]!;
      const reply = await decide(target, cookie, evicted);
      assert.equal(reply.status, 403);
      assert.equal(body(reply).message, 'Unable to load OAuth 2.0 transaction: ' + evicted);
      const kept = await decide(target, cookie, ids[10]!);
      assert.equal(kept.status, 302, kept.text);
    } finally {
      await target.close();
    }
  });

  it('evicts nothing while a session holds no more than the limit', async () => {
    const app = authApp({ server: { store: new SessionStore({ maxTransactions: 3 }) } });
    const target = await listen(app.app);
    try {
      const { ids, cookie } = await abandon(target, 3);
      assert.deepEqual(await storedIds(app, cookie), ids);
      const { ids: more, cookie: other } = await abandon(target, 4);
      assert.deepEqual(await storedIds(app, other), more.slice(1));
      // Separate sessions have separate limits.
      assert.deepEqual(await storedIds(app, cookie), ids);
    } finally {
      await target.close();
    }
  });
});
