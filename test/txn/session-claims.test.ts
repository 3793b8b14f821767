/**
 * The session store's claims and what it writes into the session: loading
 * leaves the stored transaction as it was; claims are released when the
 * winning response ends and forgotten soon after; requests without a
 * session ID do not share a namespace; sequential 1.x-style unit tests
 * behave as in 1.x.
 */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStore } from '../../src/txn/session.js';
import { RELEASE_GRACE_MS, MAX_ENTRIES } from '../../src/txn/claims.js';
import { Server } from '../../src/server.js';
import { ForbiddenError } from '../../src/errors/forbiddenerror.js';
import { MockResponse, mockRequest, run } from '../helpers/mock.js';

type Cb = (err: any, result?: any) => void;
const REDIRECT = 'https://client.example.com/cb';

function serverOf(store: SessionStore): { server: Server; issued: string[] } {
  const server = new Server({ store });
  const issued: string[] = [];
  server.serializeClient((client: any, done: Cb) => done(null, client.id));
  server.deserializeClient((id: any, done: Cb) => done(null, { id, secret: 'hash' }));
  server.grant('code', 'response', (txn: any, res: any) => {
    issued.push(txn.transactionID);
    res.redirect(txn.redirectURI + '?code=C' + issued.length);
  });
  return { server, issued };
}

function stored(): Record<string, unknown> {
  return { protocol: 'oauth2', client: 'c123', redirectURI: REDIRECT, req: { type: 'code', redirectURI: REDIRECT } };
}

function decisionReq(session: Record<string, any>, tid: string, sessionID?: string): any {
  const req = mockRequest({ method: 'POST', session, body: { transaction_id: tid }, query: {}, user: { id: 'u1' } });
  if (sessionID !== undefined) req.sessionID = sessionID;
  return req;
}

function load(store: SessionStore, server: Server, req: any): Promise<{ err: any; txn: any }> {
  return new Promise((resolve) => store.load(server, {}, req, (err, txn) => {
    if (!err) req.oauth2 = txn;
    resolve({ err, txn });
  }));
}

function claims(store: SessionStore): { held: number; released: number } {
  return (store as any).claims.size;
}

describe('txn/SessionStore: what loading writes', () => {
  it('leaves the stored transaction serialized, without transactionID', async () => {
    const store = new SessionStore();
    const { server } = serverOf(store);
    const session = { authorize: { t1: stored() } };
    const req = decisionReq(session, 't1');
    const { err, txn } = await load(store, server, req);
    assert.equal(err, null);
    assert.deepEqual(txn.client, { id: 'c123', secret: 'hash' }, 'the request gets the client object');
    assert.equal(txn.transactionID, 't1');
    assert.deepEqual(session.authorize.t1, stored(), 'the session still holds the serialized client only');
    assert.ok(!JSON.stringify(session).includes('hash'), 'no client secret in the session');
  });

  it('a decision that loses the race leaves the session as it was', async () => {
    const store = new SessionStore();
    const { server } = serverOf(store);
    const [loader, decide] = server.decision() as any;
    const sessionA = { authorize: { t1: stored() } };
    const sessionB = { authorize: { t1: stored() } };
    const a = decisionReq(sessionA, 't1', 'S');
    const b = decisionReq(sessionB, 't1', 'S');
    await load(store, server, a);
    await load(store, server, b);
    void loader;
    const first = await run(decide, a);
    assert.equal(first.res.statusCode, 302);
    const second = await run(decide, b);
    assert.ok(second.err instanceof ForbiddenError, 'the loser is refused');
    assert.deepEqual(sessionB.authorize.t1, stored(), "the loser's session copy is unchanged");
  });
});

describe('txn/SessionStore: claims', () => {
  it('does not accumulate: released when each response ends, capped, and forgotten after the grace period', async () => {
    const store = new SessionStore();
    const { server, issued } = serverOf(store);
    const [load, decide] = server.decision() as any;
    const n = 2 * MAX_ENTRIES + 100;
    for (let i = 0; i < n; i++) {
      const req = decisionReq({ authorize: { tid00001: stored() } }, 'tid00001', 'sess' + i);
      const res = new MockResponse();
      load(req, res, (err?: unknown) => {
        if (err) throw err;
        decide(req, res, (e?: unknown) => { throw e || new Error('next() called'); });
      });
      assert.equal(res.statusCode, 302, `decision ${i}`);
    }
    assert.equal(issued.length, n);
    const size = claims(store);
    assert.equal(size.held, 0, 'every claim released when its response ended');
    assert.ok(size.released <= MAX_ENTRIES, `released claims capped: ${size.released}`);

    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      mock.timers.tick(2 * RELEASE_GRACE_MS);
      const req = decisionReq({ authorize: { other: stored() } }, 'other', 'late');
      assert.equal((await run(load, req)).err, undefined);
      assert.equal((await run(decide, req)).res.statusCode, 302);
      assert.equal(claims(store).released, 1, 'older releases forgotten after two grace periods');
    } finally {
      mock.timers.reset();
    }
  });

  it('without a session ID, different sessions never share a claim', async () => {
    const store = new SessionStore();
    const { server } = serverOf(store);
    const a = decisionReq({ authorize: { t1: stored() } }, 't1');
    const b = decisionReq({ authorize: { t1: stored() } }, 't1');
    await load(store, server, a);
    await load(store, server, b);
    assert.equal(store.claim({}, a, 't1'), true);
    assert.equal(store.claim({}, b, 't1'), true, 'another session object, another namespace');
  });

  it('without a session ID, concurrent requests on one session object: one claim', async () => {
    const store = new SessionStore();
    const { server } = serverOf(store);
    const session = { authorize: { t1: stored() } };
    const a = decisionReq(session, 't1');
    const b = decisionReq(session, 't1');
    await load(store, server, a);
    await load(store, server, b);
    assert.equal(store.claim({}, a, 't1'), true);
    assert.equal(store.claim({}, b, 't1'), false);
  });

  it('a request that loaded before the winner finished is refused even when it claims afterwards', async () => {
    for (const sid of [undefined, 'S1']) {
      const store = new SessionStore();
      const { server } = serverOf(store);
      const session = { authorize: { t1: stored() } };
      const winner = decisionReq(session, 't1', sid);
      const loser = decisionReq({ authorize: { t1: stored() } }, 't1', sid);
      if (sid === undefined) loser.session = session;
      await load(store, server, winner);
      await load(store, server, loser);
      assert.equal(store.claim({}, winner, 't1'), true);
      await new Promise<void>((r) => store.remove({}, winner, 't1', () => r()));
      assert.equal(store.claim({}, loser, 't1'), false, `sid ${sid}`);
    }
  });

  it('1.x sequential unit tests: one transaction ID reused on one server, no session ID, all answered', async () => {
    const store = new SessionStore();
    const { server, issued } = serverOf(store);
    const mw = server.decision() as any;
    const session: Record<string, any> = {};
    for (let i = 0; i < 5; i++) {
      session.authorize = { '1': stored() };
      const req = decisionReq(session, '1');
      const out = await run(mw[0], req);
      assert.equal(out.err, undefined);
      const done = await run(mw[1], req);
      assert.equal(done.err, undefined, `run ${i}: ${done.err}`);
      assert.equal(done.res.statusCode, 302);
      assert.equal(session.authorize['1'], undefined, 'removed after the response');
    }
    assert.equal(issued.length, 5);
  });

  it('with a session ID, a replay of a stale session within the grace period is refused; after it, allowed', async () => {
    const store = new SessionStore();
    const { server } = serverOf(store);
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    try {
      const winner = decisionReq({ authorize: { t1: stored() } }, 't1', 'S1');
      await load(store, server, winner);
      assert.equal(store.claim({}, winner, 't1'), true);
      await new Promise<void>((r) => store.remove({}, winner, 't1', () => r()));
      // Read its session before the winner's write landed, loaded after the release:
      const stale = decisionReq({ authorize: { t1: stored() } }, 't1', 'S1');
      await load(store, server, stale);
      assert.equal(store.claim({}, stale, 't1'), false, 'within the grace period');
      mock.timers.tick(RELEASE_GRACE_MS);
      const later = decisionReq({ authorize: { t1: stored() } }, 't1', 'S1');
      await load(store, server, later);
      assert.equal(store.claim({}, later, 't1'), true, 'after the grace period');
    } finally {
      mock.timers.reset();
    }
  });

  it("only the holder's response releases a claim", async () => {
    const store = new SessionStore();
    const { server } = serverOf(store);
    const winner = decisionReq({ authorize: { t1: stored() } }, 't1', 'S1');
    const loser = decisionReq({ authorize: { t1: stored() } }, 't1', 'S1');
    const third = decisionReq({ authorize: { t1: stored() } }, 't1', 'S1');
    for (const r of [winner, loser, third]) await load(store, server, r);
    assert.equal(store.claim({}, winner, 't1'), true);
    assert.equal(store.claim({}, loser, 't1'), false);
    // The loser's error handler removes the transaction from its session copy.
    await new Promise<void>((r) => store.remove({}, loser, 't1', () => r()));
    assert.equal(store.claim({}, third, 't1'), false, 'still held by the winner');
    assert.equal(claims(store).held, 1);
  });
});
