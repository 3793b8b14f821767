import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decision as decisionFactory } from '../../src/middleware/decision.js';

// Called with 1.x's optional arguments left out, which the typed overloads do not list.
const decision: any = decisionFactory;
import { Server } from '../../src/server.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { mockRequest, MockResponse, run } from '../helpers/mock.js';
import { assertOAuthError, assertHttpError, RecordingStore, RecordingLegacyStore } from '../helpers/authorize.js';

const CLIENT = { id: 'c123' };
const USER = { id: 'u1' };

function fixture(opts: { legacy?: boolean; respond?: boolean } = {}) {
  const store = opts.legacy ? new RecordingLegacyStore() : new RecordingStore();
  const server = new Server({ store: store as any });
  const responded: Array<{ txn: any; storeOpsAtResponse: string[]; endProxied: unknown }> = [];
  if (opts.respond !== false) {
    server.grant('code', 'response', function (txn: any, res: any, complete: any, next: any) {
      responded.push({ txn, storeOpsAtResponse: store.ops(), endProxied: txn._endProxied });
      complete((err: unknown) => {
        if (err) return next(err);
        res.end('allow=' + txn.res.allow);
      });
    });
  }
  return { server, store, responded };
}

function loadedReq(body: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return mockRequest({
    method: 'POST',
    user: USER,
    body,
    oauth2: {
      transactionID: 'tx1',
      client: CLIENT,
      redirectURI: 'https://client.example.com/cb',
      req: { type: 'code', clientID: 'c123', state: 'st' },
    },
    ...extra,
  });
}

describe('middleware/decision', () => {
  it('throws TypeError without a server', () => {
    assert.throws(() => (decision as any)(), (err: any) => {
      assert.ok(err instanceof TypeError, 'err instanceof TypeError');
      assert.equal(err.message, 'oauth2orize.decision middleware requires a server argument');
      return true;
    });
  });

  it('requires body parsing (checked first)', async () => {
    const { server } = fixture();
    const noBody = loadedReq({});
    delete noBody.body;
    for (const req of [noBody, mockRequest({ method: 'POST' })]) {
      const { err } = await run(decision(server), req);
      assertHttpError(err, 'Error', 'OAuth2orize requires body parsing. Did you forget app.use(express.bodyParser())?');
    }
  });

  it('requires transaction support', async () => {
    const { server } = fixture();
    const { err } = await run(decision(server), mockRequest({ method: 'POST', body: {} }));
    assertHttpError(err, 'Error', 'OAuth2orize requires transaction support. Did you forget oauth2orize.transactionLoader(...)?');
  });

  it('allows when the cancel field is absent, with ares {allow: true}', async () => {
    const { server, responded } = fixture();
    const { req, res, nextCalled } = await run(decision(server), loadedReq({}));
    assert.equal(nextCalled, false);
    assert.equal(res.body, 'allow=true');
    assert.deepEqual(req.oauth2.res, { allow: true });
    assert.equal(req.oauth2.user, USER);
    assert.equal(responded[0].txn, req.oauth2);
  });

  it('denies when the cancel field is present', async () => {
    const { server } = fixture();
    const { req, res } = await run(decision(server), loadedReq({ cancel: 'Deny' }));
    assert.equal(res.body, 'allow=false');
    assert.deepEqual(req.oauth2.res, { allow: false });
  });

  it('treats an empty cancel value as allow (falsy)', async () => {
    const { server } = fixture();
    const { req } = await run(decision(server), loadedReq({ cancel: '' }));
    assert.equal(req.oauth2.res.allow, true);
  });

  it('honours options.cancelField', async () => {
    const { server } = fixture();
    const mw = decision(server, { cancelField: 'deny' } as any);
    assert.equal((await run(mw, loadedReq({ cancel: 'x' }))).req.oauth2.res.allow, true);
    assert.equal((await run(mw, loadedReq({ deny: 'x' }))).req.oauth2.res.allow, false);
  });

  it('honours options.userProperty', async () => {
    const { server } = fixture();
    const { req } = await run(decision(server, { userProperty: 'account' } as any), loadedReq({}, { account: { id: 'acct' } }));
    assert.deepEqual(req.oauth2.user, { id: 'acct' });
  });

  describe('parse', () => {
    it('is called as parse(req, done) and its ares becomes txn.res', async () => {
      const { server } = fixture();
      let seen: any[] = [];
      const ares = { scope: ['read'] };
      const mw = decision(server, function (req: any, done: any) { seen = [...arguments]; done(null, ares); });
      const { req } = await run(mw, loadedReq({}));
      assert.equal(seen.length, 2);
      assert.equal(seen[0], req);
      assert.equal(req.oauth2.res, ares);
      assert.deepEqual(req.oauth2.res, { scope: ['read'], allow: true });
    });

    it('keeps an allow value set by parse', async () => {
      const { server } = fixture();
      const mw = decision(server, (_req: any, done: any) => done(null, { allow: false }));
      const { res } = await run(mw, loadedReq({}));
      assert.equal(res.body, 'allow=false');
    });

    it('keeps allow: true from parse even with the cancel field', async () => {
      const { server } = fixture();
      const mw = decision(server, (_req: any, done: any) => done(null, { allow: true }));
      const { res } = await run(mw, loadedReq({ cancel: 'Deny' }));
      assert.equal(res.body, 'allow=true');
    });

    it('merges parse locals into txn.locals', async () => {
      const { server } = fixture();
      const req = loadedReq({});
      req.oauth2.locals = { a: 1 };
      await run(decision(server, (_req: any, done: any) => done(null, {}, { b: 2 })), req);
      assert.deepEqual(req.oauth2.locals, { a: 1, b: 2 });
    });

    it('passes a parse error on, without responding or removing', async () => {
      const { server, store, responded } = fixture();
      const boom = new Error('parse failed');
      const { err, res } = await run(decision(server, (_req: any, done: any) => done(boom)), loadedReq({}));
      assert.equal(err, boom);
      assert.equal(responded.length, 0);
      assert.equal(res.ended, false);
      assert.deepEqual(store.ops(), []);
    });

    it('works as (options, parse, complete)', async () => {
      const { server } = fixture();
      let completed = false;
      const mw = decision(server, { cancelField: 'no' } as any, (_req: any, done: any) => done(null, { x: 1 }), (_r: any, _t: any, cb: any) => { completed = true; cb(); });
      const { req } = await run(mw, loadedReq({ no: '1' }));
      assert.deepEqual(req.oauth2.res, { x: 1, allow: false });
      assert.equal(completed, true);
    });
  });

  describe('transaction removal', () => {
    for (const legacy of [false, true]) {
      it(`removes the transaction when the response ends, not before (${legacy ? 'legacy' : 'custom'} store)`, async () => {
        const { server, store, responded } = fixture({ legacy });
        const mw = decision(server, { sessionKey: 'k' } as any);
        const { req, res } = await run(mw, loadedReq({}));
        assert.deepEqual(responded[0].storeOpsAtResponse, []);
        assert.equal(responded[0].endProxied, true);
        assert.equal(req.oauth2._endProxied, true);
        assert.equal(res.ended, true);
        assert.deepEqual(store.ops(), ['remove']);
        const args = store.calls[0].args;
        if (legacy) {
          assert.equal(args.length, 3);
          assert.equal(args[0].sessionKey, 'k');
          assert.equal(args[1], req);
          assert.equal(args[2], 'tx1');
        } else {
          assert.equal(args.length, 2);
          assert.equal(args[0], req);
          assert.equal(args[1], 'tx1');
        }
        res.end();
        assert.deepEqual(store.ops(), ['remove'], 'wrapped once');
      });
    }

    it('passes chunk and encoding through to the original end', async () => {
      const { server } = fixture({ respond: false });
      server.grant('code', 'response', (_t: any, res: any, _next: any) => res.end('body-text', 'utf8'));
      const res = new MockResponse();
      const seen: any[] = [];
      const orig = res.end.bind(res);
      res.end = ((chunk?: any, enc?: any) => { seen.push([chunk, enc]); return orig(chunk, enc); }) as any;
      await run(decision(server), loadedReq({}), res);
      assert.deepEqual(seen, [['body-text', 'utf8']]);
      assert.equal(res.body, 'body-text');
    });

    it('also removes on deny', async () => {
      const { server, store } = fixture();
      await run(decision(server), loadedReq({ cancel: 'Deny' }));
      assert.deepEqual(store.ops(), ['remove']);
    });
  });

  it('offers complete(req, txn, cb) to response handlers', async () => {
    const { server } = fixture();
    const calls: any[] = [];
    const mw = decision(server, undefined as any, undefined as any, (req: any, txn: any, cb: any) => { calls.push([req, txn]); cb(); });
    const { req, res } = await run(mw, loadedReq({}));
    assert.equal(res.body, 'allow=true');
    assert.equal(calls.length, 1);
    assert.equal(calls[0][0], req);
    assert.equal(calls[0][1], req.oauth2);
  });

  it('accepts (parse, complete) without options', async () => {
    const { server } = fixture();
    let completed = false;
    const mw = (decision as any)(server, (_req: any, done: any) => done(null, { s: 1 }), (_r: any, _t: any, cb: any) => { completed = true; cb(); });
    const { req } = await run(mw, loadedReq({}));
    assert.equal(req.oauth2.res.s, 1);
    assert.equal(completed, true);
  });

  it('fails with unsupported_response_type when no handler responds', async () => {
    const { server, store } = fixture({ respond: false });
    const { err, res } = await run(decision(server), loadedReq({}));
    assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
    assertOAuthError(err, 'Unsupported response type: code', 'unsupported_response_type', 501);
    assert.equal(res.ended, false);
    assert.deepEqual(store.ops(), []);
  });

  it('passes a response handler error on', async () => {
    const { server } = fixture({ respond: false });
    const boom = new Error('handler failed');
    server.grant('code', 'response', (_t: any, _r: any, next: any) => next(boom));
    const { err } = await run(decision(server), loadedReq({}));
    assert.equal(err, boom);
  });

  describe('server.decision', () => {
    it('() returns [transactionLoader, decision] that load then decide', async () => {
      const store = new RecordingStore();
      store.loadResult = { txn: { transactionID: 'tx5', client: CLIENT, redirectURI: 'https://client.example.com/cb', req: { type: 'code' } } };
      const server = new Server({ store: store as any });
      server.grant('code', 'response', (txn: any, res: any, _next: any) => res.end('ok ' + txn.transactionID));
      const mws = server.decision() as unknown as any[];
      assert.ok(Array.isArray(mws), 'Array.isArray(mws)');
      assert.equal(mws.length, 2);
      const req = mockRequest({ method: 'POST', body: { transaction_id: 'tx5' }, user: USER });
      const first = await run(mws[0], req);
      assert.equal(first.err, undefined);
      const { res } = await run(mws[1], req);
      assert.equal(res.body, 'ok tx5');
      assert.deepEqual(store.ops(), ['load', 'remove']);
    });

    it('({loadTransaction: false}) returns the decision middleware alone', async () => {
      const { server } = fixture();
      const mw = server.decision({ loadTransaction: false } as any) as any;
      assert.equal(typeof mw, 'function');
      const { res } = await run(mw, loadedReq({}));
      assert.equal(res.body, 'allow=true');
    });

    it('({loadTransaction: false}) does not load: without req.oauth2 it fails', async () => {
      const { server, store } = fixture();
      const mw = server.decision({ loadTransaction: false } as any) as any;
      const { err } = await run(mw, mockRequest({ method: 'POST', body: {} }));
      assertHttpError(err, 'Error', 'OAuth2orize requires transaction support. Did you forget oauth2orize.transactionLoader(...)?');
      assert.deepEqual(store.ops(), []);
    });

    it('(options, parse, complete) passes all three on', async () => {
      const { server } = fixture();
      let completed = false;
      const mws = (server as any).decision({ cancelField: 'nope' }, (_req: any, done: any) => done(null, { p: 1 }), (_r: any, _t: any, cb: any) => { completed = true; cb(); }) as any[];
      const { req } = await run(mws[1], loadedReq({ nope: 'y' }));
      assert.deepEqual(req.oauth2.res, { p: 1, allow: false });
      assert.equal(completed, true);
    });
  });
});
