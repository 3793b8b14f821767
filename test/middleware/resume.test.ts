import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resume } from '../../src/middleware/resume.js';
import { Server } from '../../src/server.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { mockRequest, MockResponse, run } from '../helpers/mock.js';
import { withArity, assertOAuthError, assertHttpError, RecordingStore, RecordingLegacyStore } from '../helpers/authorize.js';

const CLIENT = { id: 'c123' };
const USER = { id: 'u1' };

function fixture(opts: { legacy?: boolean; respond?: boolean } = {}) {
  const store = opts.legacy ? new RecordingLegacyStore() : new RecordingStore();
  const server = new Server({ store: store as any });
  const responded: Array<{ txn: any; storeOpsAtResponse: string[] }> = [];
  if (opts.respond !== false) {
    server.grant('code', 'response', function (txn: any, res: any, complete: any, next: any) {
      responded.push({ txn, storeOpsAtResponse: store.ops() });
      complete((err: unknown) => {
        if (err) return next(err);
        res.end('responded');
      });
    });
  }
  return { server, store, responded };
}

/** A request as the transaction loader leaves it. */
function loadedReq(extra: Record<string, unknown> = {}) {
  return mockRequest({
    user: USER,
    oauth2: {
      transactionID: 'tx1',
      client: CLIENT,
      redirectURI: 'https://client.example.com/cb',
      req: { type: 'code', clientID: 'c123', redirectURI: 'https://client.example.com/cb', scope: ['read'], state: 'st' },
      info: { old: true },
    },
    ...extra,
  });
}

const never = (_c: any, _u: any, done: any) => done(null, false);
const always = (_c: any, _u: any, done: any) => done(null, true);

describe('middleware/resume', () => {
  describe('factory', () => {
    it('throws without a server', () => {
      assert.throws(() => (resume as any)(undefined, always), (err: any) => {
        assert.ok(err instanceof TypeError, 'err instanceof TypeError');
        assert.equal(err.message, 'oauth2orize.resume middleware requires a server argument');
        return true;
      });
    });

    it('throws without an immediate function', () => {
      const { server } = fixture();
      for (const make of [() => (resume as any)(server), () => (resume as any)(server, {})]) {
        assert.throws(make, (err: any) => {
          assert.ok(err instanceof TypeError, 'err instanceof TypeError');
          assert.equal(err.message, 'oauth2orize.resume middleware requires an immediate function');
          return true;
        });
      }
    });
  });

  it('requires transaction support', async () => {
    const { server } = fixture();
    const { err } = await run(resume(server, always), mockRequest({ user: USER }));
    assertHttpError(err, 'Error', 'OAuth2orize requires transaction support. Did you forget oauth2orize.transactionLoader(...)?');
  });

  it('sets req.oauth2.user from options.userProperty', async () => {
    const { server } = fixture();
    const { req } = await run(resume(server, { userProperty: 'account' } as any, never), loadedReq({ account: { id: 'acct' } }));
    assert.deepEqual(req.oauth2.user, { id: 'acct' });
  });

  it('merges res.locals into txn.locals', async () => {
    const { server } = fixture();
    const req = loadedReq();
    req.oauth2.locals = { a: 1 };
    const res = new MockResponse();
    res.locals = { b: 2 };
    let seen: any;
    await run(resume(server, withArity(2, (txn: any, done: any) => { seen = { ...txn.locals }; done(null, false); })), req, res);
    assert.deepEqual(seen, { a: 1, b: 2 });
    assert.deepEqual(req.oauth2.locals, { a: 1, b: 2 });
  });

  it('creates txn.locals from res.locals', async () => {
    const { server } = fixture();
    const res = new MockResponse();
    res.locals = { b: 2 };
    const { req } = await run(resume(server, never), loadedReq(), res);
    assert.deepEqual(req.oauth2.locals, { b: 2 });
  });

  describe('immediate arity', () => {
    const argsFor = async (arity: number) => {
      const { server } = fixture();
      let args: any[] = [];
      const res = new MockResponse();
      res.locals = { l: 1 };
      const { req } = await run(resume(server, withArity(arity, (...a: any[]) => { args = a; a[a.length - 1](null, false); })), loadedReq(), res);
      return { args, req };
    };
    it('2: (txn, done)', async () => {
      const { args, req } = await argsFor(2);
      assert.equal(args.length, 2);
      assert.equal(args[0], req.oauth2);
    });
    it('3: (client, user, done)', async () => {
      const { args } = await argsFor(3);
      assert.equal(args.length, 3);
      assert.deepEqual(args.slice(0, 2), [CLIENT, USER]);
    });
    it('4: adds scope', async () => {
      const { args } = await argsFor(4);
      assert.equal(args.length, 4);
      assert.deepEqual(args.slice(0, 3), [CLIENT, USER, ['read']]);
    });
    it('5: adds type', async () => {
      const { args } = await argsFor(5);
      assert.equal(args.length, 5);
      assert.deepEqual(args.slice(0, 4), [CLIENT, USER, ['read'], 'code']);
    });
    it('6: adds areq', async () => {
      const { args, req } = await argsFor(6);
      assert.equal(args.length, 6);
      assert.equal(args[4], req.oauth2.req);
    });
    it('7: adds locals', async () => {
      const { args, req } = await argsFor(7);
      assert.equal(args.length, 7);
      assert.equal(args[5], req.oauth2.locals);
      assert.deepEqual(args[5], { l: 1 });
    });
  });

  it('passes an immediate error on', async () => {
    const { server, store } = fixture();
    const boom = new Error('x');
    const { err } = await run(resume(server, (_c: any, _u: any, done: any) => done(boom)), loadedReq());
    assert.equal(err, boom);
    assert.deepEqual(store.ops(), []);
  });

  it('passes a thrown immediate exception on', async () => {
    const { server } = fixture();
    const boom = new Error('thrown');
    const { err } = await run(resume(server, () => { throw boom; }), loadedReq());
    assert.equal(err, boom);
  });

  describe('allow', () => {
    for (const legacy of [false, true]) {
      it(`responds, then removes the transaction when the response ends (${legacy ? 'legacy' : 'custom'} store)`, async () => {
        const { server, store, responded } = fixture({ legacy });
        const info = { scope: ['read'] };
        const options = { sessionKey: 'k' };
        const mw = resume(server, options as any, (_c: any, _u: any, done: any) => done(null, true, info, { extra: 1 }));
        const { req, res, nextCalled } = await run(mw, loadedReq());
        assert.equal(nextCalled, false);
        assert.equal(res.body, 'responded');
        assert.equal(responded.length, 1);
        assert.equal(responded[0].txn, req.oauth2);
        assert.deepEqual(responded[0].storeOpsAtResponse, [], 'nothing removed before res.end');
        assert.equal(req.oauth2.res, info);
        assert.deepEqual(req.oauth2.res, { scope: ['read'], allow: true });
        assert.deepEqual(req.oauth2.locals, { extra: 1 });
        assert.equal(req.oauth2._endProxied, true);
        assert.deepEqual(store.ops(), ['remove']);
        const args = store.calls[0].args;
        if (legacy) {
          assert.equal(args[0].sessionKey, 'k');
          assert.equal(args[1], req);
          assert.equal(args[2], 'tx1');
        } else {
          assert.equal(args[0], req);
          assert.equal(args[1], 'tx1');
        }
        // the wrapper runs once: another end() does not remove again
        res.end();
        assert.deepEqual(store.ops(), ['remove']);
      });
    }

    it('offers complete(req, txn, cb)', async () => {
      const { server } = fixture();
      const calls: any[] = [];
      const mw = resume(server, always, (req: any, txn: any, cb: any) => { calls.push([req, txn]); cb(); });
      const { req, res } = await run(mw, loadedReq());
      assert.equal(res.body, 'responded');
      assert.equal(calls.length, 1);
      assert.equal(calls[0][0], req);
      assert.equal(calls[0][1], req.oauth2);
    });

    it('fails with unsupported_response_type when no handler responds', async () => {
      const { server } = fixture({ respond: false });
      const { err } = await run(resume(server, always), loadedReq());
      assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
      assertOAuthError(err, 'Unsupported response type: code', 'unsupported_response_type', 501);
    });
  });

  describe('not allowed', () => {
    it('updates the stored transaction (custom store: update(req, tid, req.oauth2, cb))', async () => {
      const { server, store } = fixture();
      const info = { prompt: 'consent' };
      const mw = resume(server, (_c: any, _u: any, done: any) => done(null, false, info, { x: 1 }));
      const { req, err, nextCalled, res } = await run(mw, loadedReq());
      assert.equal(nextCalled, true);
      assert.equal(err, undefined);
      assert.equal(res.ended, false);
      assert.deepEqual(store.ops(), ['update']);
      assert.equal(store.calls[0].args[0], req);
      assert.equal(store.calls[0].args[1], 'tx1');
      assert.equal(store.calls[0].args[2], req.oauth2);
      assert.equal(req.oauth2.info, info);
      assert.deepEqual(req.oauth2.locals, { x: 1 });
      assert.equal(req.oauth2.transactionID, 'tx1');
      assert.equal(req.oauth2._endProxied, undefined);
    });

    it('updates a legacy store with (server, options, req, tid, {protocol, client, redirectURI, req, info})', async () => {
      const { server, store } = fixture({ legacy: true });
      const info = { prompt: 'consent' };
      const mw = resume(server, { sessionKey: 'k' } as any, (_c: any, _u: any, done: any) => done(null, false, info));
      const { req } = await run(mw, loadedReq());
      assert.deepEqual(store.ops(), ['update']);
      const [srv, opts, rq, tid, txn] = store.calls[0].args;
      assert.equal(srv, server);
      assert.equal(opts.sessionKey, 'k');
      assert.equal(rq, req);
      assert.equal(tid, 'tx1');
      assert.equal(txn.protocol, 'oauth2');
      assert.equal(txn.client, CLIENT);
      assert.equal(txn.redirectURI, 'https://client.example.com/cb');
      assert.equal(txn.req, req.oauth2.req);
      assert.equal(txn.info, info);
      for (const k of Object.keys(txn)) {
        assert.ok(['protocol', 'client', 'redirectURI', 'webOrigin', 'req', 'info'].includes(k), `unexpected key ${k}`);
      }
    });

    it('sets transactionID from the store\'s answer', async () => {
      const store = new RecordingStore();
      store.update = function (req: any, tid: string, txn: any, cb: any) { this.calls.push({ op: 'update', args: [req, tid, txn] }); cb(null, 'renamed'); };
      const server = new Server({ store: store as any });
      const { req } = await run(resume(server, never), loadedReq());
      assert.equal(req.oauth2.transactionID, 'renamed');
    });
  });

  describe('server.resume', () => {
    function loadingStore() {
      const store = new RecordingStore();
      store.loadResult = {
        txn: { transactionID: 'tx9', client: CLIENT, redirectURI: 'https://client.example.com/cb', req: { type: 'code', clientID: 'c123' } },
      };
      return store;
    }

    it('(immediate) returns [transactionLoader, resume]', async () => {
      const store = loadingStore();
      const server = new Server({ store: store as any });
      const mws = server.resume(never) as unknown as any[];
      assert.ok(Array.isArray(mws), 'Array.isArray(mws)');
      assert.equal(mws.length, 2);
      const req = mockRequest({ user: USER, query: { transaction_id: 'tx9' } });
      const first = await run(mws[0], req);
      assert.equal(first.err, undefined);
      assert.equal(req.oauth2.transactionID, 'tx9');
      const second = await run(mws[1], req);
      assert.equal(second.err, undefined);
      assert.deepEqual(store.ops(), ['load', 'update']);
    });

    it('({loadTransaction: false}, immediate) returns the resume middleware alone', async () => {
      const store = new RecordingStore();
      const server = new Server({ store: store as any });
      const mw = server.resume({ loadTransaction: false } as any, never) as any;
      assert.equal(typeof mw, 'function');
      const { err } = await run(mw, loadedReq());
      assert.equal(err, undefined);
      assert.deepEqual(store.ops(), ['update']);
    });

    it('({loadTransaction: fn}, immediate) uses fn as the loader', async () => {
      const server = new Server({ store: new RecordingStore() as any });
      const loader = (req: any, _res: any, next: any) => { req.oauth2 = loadedReq().oauth2; next(); };
      const mws = (server as any).resume({ loadTransaction: loader }, never) as any[];
      assert.equal(mws[0], loader);
      assert.equal(typeof mws[1], 'function');
    });

    it('(loadFn, immediate, complete) means {loadTransaction: loadFn}', async () => {
      const { server } = fixture();
      let loaded = false;
      let completed = false;
      const loader = (req: any, _res: any, next: any) => { loaded = true; req.oauth2 = loadedReq().oauth2; next(); };
      const mws = (server as any).resume(loader, always, (_r: any, _t: any, cb: any) => { completed = true; cb(); }) as any[];
      assert.equal(mws.length, 2);
      assert.equal(mws[0], loader);
      const req = mockRequest({ user: USER });
      await run(mws[0], req);
      const { res } = await run(mws[1], req);
      assert.equal(loaded, true);
      assert.equal(completed, true);
      assert.equal(res.body, 'responded');
    });

    it('(immediate, complete) keeps the default loader', () => {
      const server = new Server({ store: new RecordingStore() as any });
      const mws = (server as any).resume(never, (_r: any, _t: any, cb: any) => cb()) as any[];
      assert.equal(mws.length, 2);
      assert.equal(mws[0].length, 3);
    });
  });
});
