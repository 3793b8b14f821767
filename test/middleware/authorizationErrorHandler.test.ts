import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationErrorHandler } from '../../src/middleware/authorizationErrorHandler.js';
import { Server } from '../../src/server.js';
import { code } from '../../src/grant/code.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { mockRequest, MockResponse, runError } from '../helpers/mock.js';
import { RecordingStore, RecordingLegacyStore, assertRedirect } from '../helpers/authorize.js';

const CLIENT = { id: 'c123' };

function txn(extra: Record<string, unknown> = {}) {
  return {
    client: CLIENT,
    redirectURI: 'https://client.example.com/cb',
    req: { type: 'code', clientID: 'c123', state: 'st' },
    ...extra,
  };
}

describe('middleware/authorizationErrorHandler', () => {
  it('throws TypeError without a server', () => {
    assert.throws(() => (authorizationErrorHandler as any)(), (err: any) => {
      assert.ok(err instanceof TypeError, 'err instanceof TypeError');
      assert.equal(err.message, 'oauth2orize.authorizationErrorHandler middleware requires a server argument');
      return true;
    });
  });

  describe('server.authorizationErrorHandler()', () => {
    for (const name of ['authorizationErrorHandler', 'authorizeError', 'authorizationError'] as const) {
      it(`server.${name}() returns [loaderWrapper, handler], both of arity 4`, () => {
        const server = new Server({ store: new RecordingStore() as any });
        const mws = (server as any)[name]();
        assert.ok(Array.isArray(mws), 'Array.isArray(mws)');
        assert.equal(mws.length, 2);
        assert.equal(mws[0].length, 4);
        assert.equal(mws[1].length, 4);
      });
    }

    it('the wrapper loads the transaction and passes the ORIGINAL error on', async () => {
      const store = new RecordingStore();
      const loaded = { ...txn(), transactionID: 'tx1' };
      store.loadResult = { txn: loaded };
      const server = new Server({ store: store as any });
      const [wrapper] = server.authorizationErrorHandler() as any[];
      const original = new Error('original');
      const req = mockRequest({ query: { transaction_id: 'tx1' } });
      const { err, nextCalled } = await runError(wrapper, original, req);
      assert.equal(nextCalled, true);
      assert.equal(err, original);
      assert.equal(req.oauth2, loaded);
      assert.deepEqual(store.ops(), ['load']);
    });

    it('the wrapper passes the ORIGINAL error on even when loading fails', async () => {
      const store = new RecordingStore();
      store.loadResult = { err: new Error('load failed') };
      const server = new Server({ store: store as any });
      const [wrapper] = server.authorizationErrorHandler() as any[];
      const original = new AuthorizationError('denied', 'access_denied');
      const { err } = await runError(wrapper, original, mockRequest());
      assert.equal(err, original);
    });

    it('the wrapper does not reload when req.oauth2 is present', async () => {
      const store = new RecordingStore();
      const server = new Server({ store: store as any });
      const [wrapper] = server.authorizationErrorHandler() as any[];
      const original = new Error('x');
      const existing = txn();
      const req = mockRequest({ oauth2: existing });
      const { err } = await runError(wrapper, original, req);
      assert.equal(err, original);
      assert.equal(req.oauth2, existing);
      assert.deepEqual(store.ops(), []);
    });

    it('the wrapper passes options to a legacy store', async () => {
      const store = new RecordingLegacyStore();
      const server = new Server({ store: store as any });
      const [wrapper] = server.authorizationErrorHandler({ transactionField: 'tid' } as any) as any[];
      await runError(wrapper, new Error('x'), mockRequest());
      assert.equal(store.calls[0].op, 'load');
      assert.equal(store.calls[0].args[1].transactionField, 'tid');
    });
  });

  describe('handler', () => {
    it('passes the error on when there is no req.oauth2', async () => {
      const server = new Server({ store: new RecordingStore() as any });
      const original = new Error('x');
      const { err, res } = await runError(authorizationErrorHandler(server), original, mockRequest());
      assert.equal(err, original);
      assert.equal(res.ended, false);
    });

    it('runs the grants\' error handlers: code redirects with the error', async () => {
      const store = new RecordingStore();
      const server = new Server({ store: store as any });
      server.grant(code((_c: any, _r: any, _u: any, done: any) => done(null, 'x')));
      const req = mockRequest({ oauth2: txn() });
      const err = new AuthorizationError('Invalid scope', 'invalid_scope');
      const { res, nextCalled } = await runError(authorizationErrorHandler(server), err, req);
      assert.equal(nextCalled, false);
      assertRedirect(res, 'https://client.example.com/cb?error=invalid_scope&error_description=Invalid%20scope&state=st');
      assert.deepEqual(store.ops(), [], 'no transactionID, nothing to remove');
    });

    for (const legacy of [false, true]) {
      it(`removes the transaction when the response ends, if transactionID is set (${legacy ? 'legacy' : 'custom'} store)`, async () => {
        const store = legacy ? new RecordingLegacyStore() : new RecordingStore();
        const server = new Server({ store: store as any });
        const opsAtResponse: string[][] = [];
        server.grant('code', 'error', (_err: any, _txn: any, res: any, _next: any) => { opsAtResponse.push(store.ops()); res.end('handled'); });
        const req = mockRequest({ oauth2: txn({ transactionID: 'tx7' }) });
        const { res } = await runError(authorizationErrorHandler(server, { sessionKey: 'k' } as any), new Error('x'), req);
        assert.equal(res.body, 'handled');
        assert.deepEqual(opsAtResponse, [[]]);
        assert.deepEqual(store.ops(), ['remove']);
        const args = store.calls[0].args;
        if (legacy) {
          assert.equal(args[0].sessionKey, 'k');
          assert.equal(args[1], req);
          assert.equal(args[2], 'tx7');
        } else {
          assert.equal(args[0], req);
          assert.equal(args[1], 'tx7');
        }
      });
    }

    it('does not wrap res.end again when the decision already did (_endProxied)', async () => {
      const store = new RecordingStore();
      const server = new Server({ store: store as any });
      server.grant('code', 'error', (_err: any, _txn: any, res: any, _next: any) => res.end('handled'));
      const res = new MockResponse();
      const ownEnd = res.end;
      const req = mockRequest({ oauth2: txn({ transactionID: 'tx7', _endProxied: true }) });
      await runError(authorizationErrorHandler(server), new Error('x'), req, res);
      assert.deepEqual(store.ops(), []);
      assert.equal(res.end, ownEnd);
    });

    it('runs matching error handlers in order, skipping other types', async () => {
      const server = new Server({ store: new RecordingStore() as any });
      const order: string[] = [];
      server.grant('token', 'error', (err: any, _t: any, _r: any, next: any) => { order.push('token'); next(err); });
      server.grant('code', 'error', (err: any, _t: any, _r: any, next: any) => { order.push('code-1'); next(err); });
      server.grant('*', 'error', (err: any, _t: any, _r: any, next: any) => { order.push('any'); next(err); });
      server.grant('code', 'error', (_err: any, _t: any, res: any, _next: any) => { order.push('code-2'); res.end('done'); });
      server.grant('code', 'error', () => { order.push('never'); });
      const { res } = await runError(authorizationErrorHandler(server), new Error('x'), mockRequest({ oauth2: txn() }));
      assert.equal(res.body, 'done');
      assert.deepEqual(order, ['code-1', 'any', 'code-2']);
    });

    it('passes the error on when no error handler responds', async () => {
      const server = new Server({ store: new RecordingStore() as any });
      server.grant('code', 'error', (err: any, _t: any, _r: any, next: any) => next(err));
      const original = new Error('x');
      const { err, res } = await runError(authorizationErrorHandler(server), original, mockRequest({ oauth2: txn() }));
      assert.equal(err, original);
      assert.equal(res.ended, false);
    });

    it('keeps the end() wrapper when passing on, so the app\'s own error page still removes the transaction', async () => {
      const store = new RecordingStore();
      const server = new Server({ store: store as any });
      server.grant('code', 'error', (err: any, _t: any, _r: any, next: any) => next(err));
      const req = mockRequest({ oauth2: txn({ transactionID: 'tx8' }) });
      const { err, res } = await runError(authorizationErrorHandler(server), new Error('x'), req);
      assert.ok(err instanceof Error, 'err instanceof Error');
      assert.deepEqual(store.ops(), []);
      res.statusCode = 500;
      res.end('app error page');
      assert.deepEqual(store.ops(), ['remove']);
      assert.equal(store.calls[0].args[1], 'tx8');
      assert.equal(res.body, 'app error page');
    });

    it('passes the error on when there are no error handlers at all', async () => {
      const server = new Server({ store: new RecordingStore() as any });
      const original = new Error('x');
      const { err } = await runError(authorizationErrorHandler(server), original, mockRequest({ oauth2: txn({ transactionID: 't' }) }));
      assert.equal(err, original);
    });

    it('passes the original error on when the code grant cannot redirect (no redirectURI)', async () => {
      const server = new Server({ store: new RecordingStore() as any });
      server.grant(code((_c: any, _r: any, _u: any, done: any) => done(null, 'x')));
      const original = new AuthorizationError('Unauthorized client', 'unauthorized_client');
      const req = mockRequest({ oauth2: { req: { type: 'code', clientID: 'c' } } });
      const { err, res } = await runError(authorizationErrorHandler(server), original, req);
      assert.equal(err, original);
      assert.equal(res.ended, false);
    });
  });
});
