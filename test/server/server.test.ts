/**
 * The Server's public surface: method arities as 1.x tests check them, the
 * shapes of the middleware stacks the factories return, and empty registries
 * on a fresh instance.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server, createServer } from '../../src/server.js';

const noop = () => {};

describe('Server', () => {
  describe('a new instance', () => {
    const server: any = new Server();

    it('has empty registries', () => {
      assert.deepEqual(server._reqParsers, []);
      assert.deepEqual(server._resHandlers, []);
      assert.deepEqual(server._errHandlers, []);
      assert.deepEqual(server._exchanges, []);
      assert.deepEqual(server._serializers, []);
      assert.deepEqual(server._deserializers, []);
    });

    it('has a default transaction store', () => {
      assert.ok(server._txnStore);
      assert.equal(typeof server._txnStore.load, 'function');
      assert.equal(typeof server._txnStore.store, 'function');
    });

    it('authorization has arity 4 and authorize is the same function', () => {
      assert.equal(typeof server.authorization, 'function');
      assert.equal(server.authorization.length, 4);
      assert.equal(server.authorize, server.authorization);
    });

    it('resume has arity 3', () => {
      assert.equal(typeof server.resume, 'function');
      assert.equal(server.resume.length, 3);
    });

    it('decision has arity 3', () => {
      assert.equal(typeof server.decision, 'function');
      assert.equal(server.decision.length, 3);
    });

    it('authorizationErrorHandler has arity 1, aliased as authorizeError and authorizationError', () => {
      assert.equal(typeof server.authorizationErrorHandler, 'function');
      assert.equal(server.authorizationErrorHandler.length, 1);
      assert.equal(server.authorizeError, server.authorizationErrorHandler);
      assert.equal(server.authorizationError, server.authorizationErrorHandler);
    });

    it('token has arity 1', () => {
      assert.equal(typeof server.token, 'function');
      assert.equal(server.token.length, 1);
    });

    it('errorHandler has arity 1', () => {
      assert.equal(typeof server.errorHandler, 'function');
      assert.equal(server.errorHandler.length, 1);
    });
  });

  describe('options.store', () => {
    it('replaces the session-backed store', () => {
      const store = { load: noop, store: noop, update: noop, remove: noop };
      const server: any = new Server({ store });
      assert.equal(server._txnStore, store);
    });
  });

  describe('createServer', () => {
    it('returns a Server', () => {
      const server = createServer();
      assert.ok(server instanceof Server);
    });

    it('passes options through', () => {
      const store = { load: noop, store: noop, update: noop, remove: noop };
      const server: any = createServer({ store } as any);
      assert.equal(server._txnStore, store);
    });
  });

  describe('#authorization', () => {
    it('returns a middleware of arity 3', () => {
      const server: any = new Server();
      const mw = server.authorization(function (_clientID: any, _redirectURI: any, _done: any) {});
      assert.equal(typeof mw, 'function');
      assert.equal(mw.length, 3);
    });

    it('authorize returns a middleware of arity 3 too', () => {
      const server: any = new Server();
      const mw = server.authorize({}, function (_clientID: any, _redirectURI: any, _done: any) {});
      assert.equal(typeof mw, 'function');
      assert.equal(mw.length, 3);
    });
  });

  describe('#resume', () => {
    it('returns [transactionLoader, resume], both of arity 3', () => {
      const server: any = new Server();
      const stack = server.resume(function (_txn: any, _done: any) {});
      assert.ok(Array.isArray(stack));
      assert.equal(stack.length, 2);
      assert.equal(typeof stack[0], 'function');
      assert.equal(stack[0].length, 3);
      assert.equal(typeof stack[1], 'function');
      assert.equal(stack[1].length, 3);
    });

    it('returns the resume middleware alone when loadTransaction is false', () => {
      const server: any = new Server();
      const mw = server.resume({ loadTransaction: false }, function (_txn: any, _done: any) {});
      assert.equal(typeof mw, 'function');
      assert.equal(mw.length, 3);
    });

    it('uses a function in loadTransaction as the loader', () => {
      const server: any = new Server();
      function customLoader(_req: any, _res: any, next: any) { next(); }
      const stack = server.resume({ loadTransaction: customLoader }, function (_txn: any, _done: any) {});
      assert.ok(Array.isArray(stack));
      assert.equal(stack.length, 2);
      assert.equal(stack[0], customLoader);
      assert.equal(stack[1].length, 3);
    });

    it('treats three functions as (loadTransaction, immediate, complete)', () => {
      const server: any = new Server();
      function customLoader(_req: any, _res: any, next: any) { next(); }
      const stack = server.resume(customLoader, function (_txn: any, _done: any) {}, function (_req: any, _txn: any, cb: any) { cb(); });
      assert.ok(Array.isArray(stack));
      assert.equal(stack.length, 2);
      assert.equal(stack[0], customLoader);
      assert.equal(typeof stack[1], 'function');
      assert.equal(stack[1].length, 3);
    });
  });

  describe('#decision', () => {
    it('returns [transactionLoader, decision], both of arity 3', () => {
      const server: any = new Server();
      const stack = server.decision();
      assert.ok(Array.isArray(stack));
      assert.equal(stack.length, 2);
      assert.equal(stack[0].length, 3);
      assert.equal(stack[1].length, 3);
    });

    it('returns the decision middleware alone when loadTransaction is false', () => {
      const server: any = new Server();
      const mw = server.decision({ loadTransaction: false });
      assert.equal(typeof mw, 'function');
      assert.equal(mw.length, 3);
    });
  });

  describe('#authorizationErrorHandler', () => {
    for (const name of ['authorizationErrorHandler', 'authorizeError', 'authorizationError']) {
      it(`${name}() returns two error middleware of arity 4`, () => {
        const server: any = new Server();
        const stack = server[name]();
        assert.ok(Array.isArray(stack));
        assert.equal(stack.length, 2);
        assert.equal(typeof stack[0], 'function');
        assert.equal(stack[0].length, 4);
        assert.equal(typeof stack[1], 'function');
        assert.equal(stack[1].length, 4);
      });
    }

    it('the loader wrapper always passes the original error on', async () => {
      const server: any = new Server();
      const [wrapper] = server.authorizationErrorHandler();
      const original = new Error('original');
      // No session: the loader itself fails, but the wrapper must still hand on `original`.
      const got = await new Promise<unknown>((resolve) => {
        wrapper(original, { query: {}, body: {}, headers: {} }, {}, resolve);
      });
      assert.equal(got, original);
    });
  });

  describe('#token', () => {
    it('returns a middleware of arity 3', () => {
      const server: any = new Server();
      const mw = server.token();
      assert.equal(typeof mw, 'function');
      assert.equal(mw.length, 3);
    });
  });

  describe('#errorHandler', () => {
    it('returns an error middleware of arity 4', () => {
      const server: any = new Server();
      const mw = server.errorHandler();
      assert.equal(typeof mw, 'function');
      assert.equal(mw.length, 4);
    });

    it('passes options through (indirect mode hands on an error without a transaction)', async () => {
      const server: any = new Server();
      const mw = server.errorHandler({ mode: 'indirect' });
      const original = new Error('x');
      const got = await new Promise<unknown>((resolve) => {
        mw(original, { headers: {} }, {}, resolve);
      });
      assert.equal(got, original);
    });
  });
});
