/** The device flow's verification step (RFC 8628 §3.3) and grant.deviceCode, with mock requests. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { deviceCode as deviceGrant } from '../../src/grant/deviceCode.js';
import { mockRequest, mockResponse, run } from '../helpers/mock.js';

const T0 = 1_700_000_000_000;
const tv = { id: 'tv' };
const alice = { id: 'alice' };

function serverWith(records: Record<string, any>) {
  const server = new Server();
  server.serializeClient((c: any, done) => done(null, c.id));
  server.deserializeClient((id: any, done) => done(null, id === 'tv' ? tv : false));
  const looked: string[] = [];
  const lookup = ({ userCode }: { userCode: string }) => { looked.push(userCode); return records[userCode] ?? null; };
  return { server, looked, lookup };
}

const pending = () => ({ client: tv, scope: ['read'], expiresAt: T0 + 60_000, status: 'pending' as const, displayUserCode: 'WDJB-MJHT' });

describe('server.deviceVerification', () => {
  it('checks its arguments at construction', () => {
    assert.throws(() => new Server().deviceVerification(undefined, undefined as any), /requires a lookup function/);
  });

  it('normalizes the code, looks it up and stores a device_code transaction', async () => {
    const { server, looked, lookup } = serverWith({ WDJBMJHT: pending() });
    const mw = server.deviceVerification({ now: () => T0 }, lookup);
    const session: Record<string, any> = {};
    const r = await run(mw, mockRequest({ query: { user_code: 'wdjb-mjht' }, session, user: alice }));
    assert.equal(r.err, undefined);
    assert.deepEqual(looked, ['WDJBMJHT']);
    const txn = r.req.oauth2;
    assert.equal(txn.client, tv);
    assert.equal(txn.user, alice);
    assert.deepEqual(txn.req, { type: 'device_code', scope: ['read'], userCode: 'WDJBMJHT', displayUserCode: 'WDJB-MJHT' });
    assert.equal(typeof txn.transactionID, 'string');
    const stored = session.authorize[txn.transactionID];
    assert.equal(stored.client, 'tv', 'the client is serialized as for authorize');
    assert.equal(stored.req.userCode, 'WDJBMJHT');
    assert.equal(JSON.stringify(stored).includes('deviceCode'), false, 'no device code in the session');
  });

  it('reads the code from the body, and calls callback-form lookups', async () => {
    const server = new Server();
    const store = { store: (_req: any, _txn: any, cb: any) => cb(null, 't1'), load() {}, update() {}, remove() {} };
    const custom = new Server({ store });
    void server;
    const mw = custom.deviceVerification({ now: () => T0 }, (userCode, done) => done(null, userCode === 'WDJBMJHT' ? pending() : null));
    const r = await run(mw, mockRequest({ method: 'POST', query: {}, body: { user_code: 'WDJB MJHT' }, user: alice }));
    assert.equal(r.err, undefined);
    assert.equal(r.req.oauth2.transactionID, 't1');
  });

  const refusals: Array<[string, Record<string, unknown>, string, number]> = [
    ['a missing code', {}, 'invalid_request', 400],
    ['an array code', { user_code: ['WDJBMJHT', 'x'] }, 'invalid_request', 400],
    ['an object code', { user_code: { $ne: 1 } }, 'invalid_request', 400],
    ['an unknown code', { user_code: 'BBBB-BBBB' }, 'invalid_request', 400],
    ['punctuation only', { user_code: '----' }, 'invalid_request', 400],
    ['a huge code', { user_code: 'B'.repeat(100_000) }, 'invalid_request', 400],
    ['an expired code', { user_code: 'EXPD-EXPD' }, 'invalid_request', 400],
    ['a code already approved', { user_code: 'DONE-DONE' }, 'invalid_request', 400],
  ];
  for (const [what, query, code, status] of refusals) {
    it(`refuses ${what}`, async () => {
      const { server, lookup } = serverWith({
        WDJBMJHT: pending(),
        EXPDEXPD: { ...pending(), expiresAt: T0 },
        DONEDONE: { ...pending(), status: 'approved' },
      });
      const r = await run(server.deviceVerification({ now: () => T0 }, lookup), mockRequest({ query, session: {}, user: alice }));
      assert.equal((r.err as any)?.code, code);
      assert.equal((r.err as any).status, status);
      assert.equal(r.req.oauth2, undefined);
    });
  }

  it('limits attempts per session by default (429), and counts anew after the window', async () => {
    const { server, looked, lookup } = serverWith({});
    const clock = { t: T0 };
    const mw = server.deviceVerification({ now: () => clock.t, maxAttempts: 2, attemptWindow: 60 }, lookup);
    const session = {};
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++) codes.push(((await run(mw, mockRequest({ query: { user_code: 'BBBBBBBB' }, session }))).err as any).status);
    assert.deepEqual(codes, [400, 400, 429]);
    assert.equal(looked.length, 2, 'no lookup once refused');
    clock.t += 60_000;
    const r = await run(mw, mockRequest({ query: { user_code: 'BBBBBBBB' }, session }));
    assert.equal((r.err as any).status, 400);
  });

  it('asks the attempt hook, in both forms', async () => {
    const { server, looked, lookup } = serverWith({ WDJBMJHT: pending() });
    const seen: string[] = [];
    let r = await run(server.deviceVerification({ now: () => T0, attempt: ({ userCode }) => { seen.push(userCode); return false; } }, lookup),
      mockRequest({ query: { user_code: 'wdjb-mjht' } }));
    assert.equal((r.err as any).code, 'temporarily_unavailable');
    assert.equal((r.err as any).status, 429);
    r = await run(server.deviceVerification({ now: () => T0, attempt: (_req, code, done) => { seen.push(code); done(null, true); } }, lookup),
      mockRequest({ query: { user_code: 'wdjb-mjht' }, session: {} }));
    assert.equal(r.err, undefined);
    assert.deepEqual(seen, ['wdjb-mjht', 'wdjb-mjht']);
    assert.deepEqual(looked, ['WDJBMJHT']);
  });
});

describe('grant.deviceCode with server.decision()', () => {
  async function decide(allow: boolean, decideFn: any, options?: any) {
    const { server, lookup } = serverWith({ WDJBMJHT: pending() });
    server.grant(options ? deviceGrant(options, decideFn) : deviceGrant(decideFn));
    const session: Record<string, any> = {};
    const v = await run(server.deviceVerification({ now: () => T0 }, lookup), mockRequest({ query: { user_code: 'WDJBMJHT' }, session, user: alice }));
    const tid = v.req.oauth2.transactionID;
    const [loader, decision] = server.decision() as any[];
    const req = mockRequest({ method: 'POST', body: allow ? { transaction_id: tid } : { transaction_id: tid, cancel: 'Deny' }, session, user: alice });
    const res = mockResponse();
    const loaded = await run(loader, req, res);
    assert.equal(loaded.err, undefined);
    const r = await run(decision, req, res);
    return { ...r, session, tid };
  }

  it('records approval through a Promise-form decide and answers with a page; the transaction is gone', async () => {
    const calls: any[] = [];
    const r = await decide(true, async (ctx: any) => { calls.push(ctx); return true; });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].userCode, 'WDJBMJHT');
    assert.equal(calls[0].allow, true);
    assert.equal(calls[0].user, alice);
    assert.equal(calls[0].client, tv);
    assert.deepEqual(calls[0].scope, ['read']);
    assert.equal(r.res.statusCode, 200);
    assert.match(r.res.body!, /now authorized/);
    assert.match(String(r.res.headers['content-type']), /text\/html/);
    assert.equal(r.session.authorize[r.tid], undefined, 'single use');
  });

  it('records denial through a callback-form decide', async () => {
    const calls: any[] = [];
    const r = await decide(false, (txn: any, done: any) => { calls.push(txn.res.allow); done(null, true); });
    assert.deepEqual(calls, [false]);
    assert.match(r.res.body!, /Access denied/);
  });

  it('shows an error when decide says the code is no longer pending, or fails', async () => {
    let r = await decide(true, async () => false);
    assert.equal((r.err as any).code, 'invalid_request');
    const boom = new Error('db');
    r = await decide(true, async () => { throw boom; });
    assert.equal(r.err, boom);
  });

  it('answers through a custom mode', async () => {
    const seen: any[] = [];
    const r = await decide(true, () => true, { modes: { page: (_txn: any, res: any, params: any) => { seen.push(params); res.end('custom'); } } });
    assert.deepEqual(seen, [{}]);
    assert.equal(r.res.body, 'custom');
  });

  it('renders errors from the error phase as a 400 page', async () => {
    const mod = deviceGrant(() => true);
    const res = mockResponse();
    let passed: unknown;
    mod.error!(new Error('nope'), { client: tv, req: { type: 'device_code' } } as any, res as any, (e: unknown) => { passed = e; });
    assert.equal(passed, undefined);
    assert.equal(res.statusCode, 400);
    assert.match(res.body!, /could not be authorized/);
    assert.doesNotMatch(res.body!, /nope/, 'nothing from the error is echoed');
  });

  it('requires decide at construction', () => {
    assert.throws(() => deviceGrant(undefined as any), /requires a decide callback/);
  });
});
