/**
 * The claim hook of the transaction stores (`claimTransaction` and
 * `consume` in txn/transaction.ts): how a store's `claim` may answer, and
 * what `decision` and `resume` do with the answer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { claimTransaction, consume } from '../../src/txn/transaction.js';
import { ForbiddenError } from '../../src/errors/forbiddenerror.js';
import { decision } from '../../src/middleware/decision.js';
import { resume } from '../../src/middleware/resume.js';
import { MockResponse, mockRequest, run } from '../helpers/mock.js';

type Cb = (err: any, result?: any) => void;

function legacyStore(claim?: Function): any {
  const removed: string[] = [];
  return {
    legacy: true,
    removed,
    load: (_s: unknown, _o: unknown, _r: unknown, cb: Cb) => cb(null),
    store: (_s: unknown, _o: unknown, _r: unknown, _t: unknown, cb: Cb) => cb(null, 'x'),
    update: (_s: unknown, _o: unknown, _r: unknown, tid: string, _t: unknown, cb: Cb) => cb(null, tid),
    remove: (_o: unknown, _r: unknown, tid: string, cb: Cb) => { removed.push(tid); cb(null); },
    ...(claim ? { claim } : {}),
  };
}

function requestStore(claim?: Function): any {
  return {
    load: (_r: unknown, cb: Cb) => cb(null),
    store: (_r: unknown, _t: unknown, cb: Cb) => cb(null, 'x'),
    update: (_r: unknown, tid: string, _t: unknown, cb: Cb) => cb(null, tid),
    remove: (_r: unknown, _t: string, cb: Cb) => cb(null),
    ...(claim ? { claim } : {}),
  };
}

function reqWith(tid: string | null = 't1'): any {
  return mockRequest({ oauth2: { transactionID: tid ?? undefined, client: { id: 'c1' }, redirectURI: 'https://c.example/cb', req: { type: 'code', redirectURI: 'https://c.example/cb', state: 's' } }, body: {}, query: {} });
}

function claim(store: any, req = reqWith(), options: object = {}): Promise<{ err: unknown; ok: boolean | undefined; sync: boolean }> {
  return new Promise((resolve) => {
    let sync = true;
    claimTransaction(new Server({ store }), options, req, (err, ok) => resolve({ err, ok, sync }));
    sync = false;
  });
}

describe('claimTransaction', () => {
  it('trusts a store without claim, as 1.x does', async () => {
    for (const store of [legacyStore(), requestStore()]) {
      const r = await claim(store);
      assert.deepEqual([r.err, r.ok], [null, true]);
    }
  });

  it('trusts a request without a transaction ID (not loaded from a store)', async () => {
    let asked = false;
    const r = await claim(legacyStore(() => { asked = true; return false; }), reqWith(null));
    assert.equal(r.ok, true);
    assert.equal(asked, false, 'claim not asked');
  });

  it('passes (options, req, tid) to a legacy store and (req, tid) to a request store', async () => {
    const seen: unknown[][] = [];
    const req = reqWith('abc');
    const options = { sessionKey: 'k' };
    await claim(legacyStore(function (o: unknown, r: unknown, t: unknown) { seen.push([o, r, t]); return true; }), req, options);
    await claim(requestStore(function (r: unknown, t: unknown) { seen.push([r, t]); return true; }), req, options);
    assert.equal(seen[0]![0], options);
    assert.equal(seen[0]![1], req);
    assert.equal(seen[0]![2], 'abc');
    assert.deepEqual(seen[1], [req, 'abc']);
  });

  describe('value form (declared without a callback)', () => {
    const cases: Array<[string, () => unknown, boolean]> = [
      ['true', () => true, true],
      ['false', () => false, false],
      ['undefined (1.x-era stores that return nothing)', () => undefined, true],
      ['a Promise of true', () => Promise.resolve(true), true],
      ['a Promise of false', () => Promise.resolve(false), false],
      ['a rejected Promise', () => Promise.reject(new Error('duplicate key')), false],
      ['a rejected Promise without a reason', () => Promise.reject(undefined), false],
      ['a throw', () => { throw new Error('cannot tell'); }, false],
    ];
    for (const [name, answer, ok] of cases) {
      it(`${name} -> ${ok ? 'claimed' : 'refused'}`, async () => {
        for (const store of [legacyStore(function (_o: unknown, _r: unknown, _t: unknown) { return answer(); }), requestStore(function (_r: unknown, _t: unknown) { return answer(); })]) {
          const r = await claim(store);
          assert.equal(r.err, null, 'no error: a refusal');
          assert.equal(r.ok, ok);
        }
      });
    }

    it('answers synchronously when the store does', async () => {
      assert.equal((await claim(legacyStore((_o: unknown, _r: unknown, _t: unknown) => true))).sync, true);
      assert.equal((await claim(legacyStore((_o: unknown, _r: unknown, _t: unknown) => Promise.resolve(true)))).sync, false);
    });
  });

  describe('callback form (declared with one more parameter)', () => {
    it('cb(null, true) claims, cb(null, false) refuses', async () => {
      for (const ok of [true, false]) {
        const r = await claim(legacyStore((_o: unknown, _r: unknown, _t: unknown, cb: Cb) => setImmediate(() => cb(null, ok))));
        assert.deepEqual([r.err, r.ok], [null, ok]);
        const q = await claim(requestStore((_r: unknown, _t: unknown, cb: Cb) => cb(null, ok)));
        assert.deepEqual([q.err, q.ok], [null, ok]);
      }
    });

    it('cb(err) is a store failure, passed on unchanged', async () => {
      const boom = new Error('ECONNREFUSED');
      const r = await claim(legacyStore((_o: unknown, _r: unknown, _t: unknown, cb: Cb) => cb(boom)));
      assert.equal(r.err, boom);
    });

    it('a throw before answering is a failure too', async () => {
      const boom = new Error('bug');
      const r = await claim(requestStore((_r: unknown, _t: unknown, _cb: Cb) => { throw boom; }));
      assert.equal(r.err, boom);
    });

    it('an async function that rejects before calling back is a failure; the first answer counts', async () => {
      const boom = new Error('late');
      const r = await claim(legacyStore(async (_o: unknown, _r: unknown, _t: unknown, _cb: Cb) => { throw boom; }));
      assert.equal(r.err, boom);
      let calls = 0;
      await new Promise<void>((resolve) => {
        claimTransaction(new Server({ store: legacyStore((_o: unknown, _r: unknown, _t: unknown, cb: Cb) => { cb(null, true); cb(null, false); cb(new Error('x')); }) }), {}, reqWith(), (err, ok) => {
          calls++;
          assert.deepEqual([err, ok], [null, true]);
          resolve();
        });
      });
      await new Promise((r) => setImmediate(r));
      assert.equal(calls, 1);
    });
  });
});

describe('consume', () => {
  it('refuses with the 1.x ForbiddenError wording, and installs no removal', async () => {
    const store = legacyStore(() => Promise.resolve(false));
    const req = reqWith('t9');
    const res = new MockResponse();
    const end = res.end;
    const err = await new Promise<unknown>((resolve) => consume(new Server({ store }), {}, req, res as any, resolve));
    assert.ok(err instanceof ForbiddenError, 'ForbiddenError');
    assert.equal((err as ForbiddenError).status, 403);
    assert.equal((err as Error).message, 'Unable to load OAuth 2.0 transaction: t9');
    assert.equal(res.end, end, 'res.end not wrapped');
    assert.equal(req.oauth2._endProxied, undefined);
  });

  it('on a claim, removes the transaction when the response ends and marks _endProxied', async () => {
    const store = legacyStore(() => true);
    const req = reqWith('t8');
    const res = new MockResponse();
    const err = await new Promise<unknown>((resolve) => consume(new Server({ store }), {}, req, res as any, resolve));
    assert.equal(err, undefined);
    assert.equal(req.oauth2._endProxied, true);
    assert.deepEqual(store.removed, []);
    res.end();
    assert.deepEqual(store.removed, ['t8']);
  });
});

describe('decision and resume with an asynchronous claim', () => {
  function serverWith(store: any): { server: Server; issued: string[] } {
    const server = new Server({ store });
    const issued: string[] = [];
    server.grant('code', 'response', (txn: any, res: any, next: any) => {
      if (txn.res.allow === false) return next(new Error('denied'));
      issued.push(txn.transactionID);
      res.redirect(txn.redirectURI + '?code=C-' + txn.transactionID);
    });
    return { server, issued };
  }

  for (const [name, claimFn] of [
    ['Promise.resolve(false)', () => Promise.resolve(false)],
    ['a rejection', () => Promise.reject(new Error('taken'))],
    ['cb(null, false)', (_o: unknown, _r: unknown, _t: unknown, cb: Cb) => setImmediate(() => cb(null, false))],
  ] as Array<[string, Function]>) {
    it(`decision: ${name} -> 403, no code`, async () => {
      const { server, issued } = serverWith(legacyStore(claimFn));
      const out = await run(decision(server, { loadTransaction: false }), reqWith('d1'));
      assert.ok(out.err instanceof ForbiddenError, `got ${out.err}`);
      assert.equal((out.err as Error).message, 'Unable to load OAuth 2.0 transaction: d1');
      assert.deepEqual(issued, []);
      assert.equal(out.res.location, undefined);
    });
  }

  it('decision: a store error reaches next(err) unchanged, no code', async () => {
    const boom = new Error('redis down');
    const { server, issued } = serverWith(legacyStore((_o: unknown, _r: unknown, _t: unknown, cb: Cb) => setImmediate(() => cb(boom))));
    const out = await run(decision(server, { loadTransaction: false }), reqWith('d2'));
    assert.equal(out.err, boom);
    assert.deepEqual(issued, []);
  });

  it('decision: Promise.resolve(true) -> the grant answers', async () => {
    const { server, issued } = serverWith(legacyStore(() => Promise.resolve(true)));
    const out = await run(decision(server, { loadTransaction: false }), reqWith('d3'));
    assert.equal(out.err, undefined);
    assert.equal(out.res.location, 'https://c.example/cb?code=C-d3');
    assert.deepEqual(issued, ['d3']);
  });

  it('resume: an approving immediate still needs the claim', async () => {
    for (const [answer, expectCode] of [[false, false], [true, true]] as const) {
      const { server, issued } = serverWith(requestStore((_r: unknown, _t: unknown) => Promise.resolve(answer)));
      const out = await run(resume(server, { loadTransaction: false }, (_txn: unknown, done: any) => done(null, true)), reqWith('r1'));
      if (expectCode) {
        assert.equal(out.res.location, 'https://c.example/cb?code=C-r1');
      } else {
        assert.ok(out.err instanceof ForbiddenError, `got ${out.err}`);
        assert.deepEqual(issued, []);
      }
    }
  });
});
