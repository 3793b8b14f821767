import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorization } from '../../src/middleware/authorization.js';
import { Server } from '../../src/server.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { mockRequest, MockResponse, run } from '../helpers/mock.js';
import { withArity, assertOAuthError, RecordingStore, RecordingLegacyStore } from '../helpers/authorize.js';

const CLIENT = { id: 'c123', name: 'Example Client' };
const USER = { id: 'u1', name: 'Alice' };

/** A parser that copies the usual parameters, so tests control areq exactly. */
function simpleParser(req: any) {
  return { clientID: req.query.client_id, redirectURI: req.query.redirect_uri, scope: req.query.scope, state: req.query.state };
}

interface Fixture {
  server: Server;
  store: RecordingStore | RecordingLegacyStore;
  responded: Array<{ txn: any; complete?: any }>;
}

/** A server with `code` parsed by simpleParser and a response handler that records and ends. */
function fixture(opts: { legacy?: boolean; respond?: boolean } = {}): Fixture {
  const store = opts.legacy ? new RecordingLegacyStore() : new RecordingStore();
  const server = new Server({ store: store as any });
  const responded: Fixture['responded'] = [];
  server.grant('code', 'request', simpleParser);
  if (opts.respond !== false) {
    server.grant('code', 'response', function (txn: any, res: any, complete: any, next: any) {
      responded.push({ txn, complete });
      complete((err: unknown) => {
        if (err) return next(err);
        res.end('responded');
      });
    });
  }
  return { server, store, responded };
}

function authzReq(query: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return mockRequest({
    query: { response_type: 'code', client_id: 'c123', redirect_uri: 'https://client.example.com/cb', state: 'st', ...query },
    user: USER,
    ...extra,
  });
}

const okValidate = (clientID: string, redirectURI: string, done: any) => done(null, CLIENT, redirectURI);

describe('middleware/authorization', () => {
  describe('factory', () => {
    it('throws without a server', () => {
      assert.throws(() => (authorization as any)(undefined, okValidate), (err: any) => {
        assert.ok(err instanceof TypeError, 'err instanceof TypeError');
        assert.equal(err.message, 'oauth2orize.authorization middleware requires a server argument');
        return true;
      });
    });

    it('throws without a validate function', () => {
      const { server } = fixture();
      for (const make of [() => (authorization as any)(server), () => (authorization as any)(server, {})]) {
        assert.throws(make, (err: any) => {
          assert.ok(err instanceof TypeError, 'err instanceof TypeError');
          assert.equal(err.message, 'oauth2orize.authorization middleware requires a validate function');
          return true;
        });
      }
    });

    it('returns a 3-argument middleware, with or without options', () => {
      const { server } = fixture();
      assert.equal(authorization(server, okValidate).length, 3);
      assert.equal(authorization(server, {}, okValidate).length, 3);
    });

    it('is available as server.authorize and server.authorization', async () => {
      for (const name of ['authorize', 'authorization'] as const) {
        const { server, store } = fixture();
        const mw = (server as any)[name](okValidate);
        const { err, nextCalled, req } = await run(mw, authzReq());
        assert.equal(nextCalled, true);
        assert.equal(err, undefined);
        assert.equal(req.oauth2.client, CLIENT);
        assert.deepEqual(store.ops(), ['store']);
      }
    });

    it('server.authorize(options, validate, immediate, complete) passes options through', async () => {
      const { server } = fixture();
      const mw = server.authorize({ userProperty: 'account' } as any, okValidate);
      const { req } = await run(mw, authzReq({}, { account: { id: 'acct' } }));
      assert.deepEqual(req.oauth2.user, { id: 'acct' });
    });
  });

  describe('response type', () => {
    it('is read from req.query.response_type', async () => {
      const { server } = fixture();
      const { req, err } = await run(authorization(server, okValidate), authzReq());
      assert.equal(err, undefined);
      assert.equal(req.oauth2.req.type, 'code');
    });

    it('falls back to req.body.response_type', async () => {
      const { server } = fixture();
      const req = authzReq({ response_type: undefined }, { body: { response_type: 'code' } });
      const out = await run(authorization(server, okValidate), req);
      assert.equal(out.err, undefined);
      assert.equal(out.req.oauth2.req.type, 'code');
    });

    it('prefers the query over the body', async () => {
      const { server } = fixture();
      server.grant('token', 'request', simpleParser);
      const req = authzReq({ response_type: 'code' }, { body: { response_type: 'token' } });
      const out = await run(authorization(server, okValidate), req);
      assert.equal(out.req.oauth2.req.type, 'code');
    });

    it('keeps the type string exactly as sent, matched as an unordered list', async () => {
      const server = new Server({ store: new RecordingStore() as any });
      server.grant('code id_token', 'request', simpleParser);
      const out = await run(authorization(server, okValidate), authzReq({ response_type: 'id_token code' }));
      assert.equal(out.err, undefined);
      assert.equal(out.req.oauth2.req.type, 'id_token code');
    });

    it('fails with invalid_request when missing, without calling validate', async () => {
      const { server } = fixture();
      let validated = false;
      const mw = authorization(server, (_a: any, done: any) => { validated = true; done(null, CLIENT); });
      for (const req of [authzReq({ response_type: undefined }), authzReq({ response_type: '' }), mockRequest({ query: {} })]) {
        const { err } = await run(mw, req);
        assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
        assertOAuthError(err, 'Missing required parameter: response_type', 'invalid_request', 400);
      }
      assert.equal(validated, false);
    });

    it('fails with unsupported_response_type (501) when no parser yields a clientID', async () => {
      const { server } = fixture();
      const { err, req } = await run(authorization(server, okValidate), authzReq({ response_type: 'foo' }));
      assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
      assertOAuthError(err, 'Unsupported response type: foo', 'unsupported_response_type', 501);
      assert.equal(req.oauth2, undefined);
    });

    it('passes a parser error on', async () => {
      const server = new Server({ store: new RecordingStore() as any });
      const boom = new AuthorizationError('Missing required parameter: client_id', 'invalid_request');
      server.grant('code', 'request', () => { throw boom; });
      const { err } = await run(authorization(server, okValidate), authzReq());
      assert.equal(err, boom);
    });

    describe('non-string response_type (new in the port)', () => {
      for (const bad of [['code', 'token'], { a: 'code' }]) {
        it(`rejects ${JSON.stringify(bad)} in the query`, async () => {
          const { server } = fixture();
          const { err } = await run(authorization(server, okValidate), authzReq({ response_type: bad }));
          assertOAuthError(err, 'Invalid parameter: response_type must be a string', 'invalid_request', 400);
        });
        it(`rejects ${JSON.stringify(bad)} in the body`, async () => {
          const { server } = fixture();
          const req = authzReq({ response_type: undefined }, { body: { response_type: bad } });
          const { err } = await run(authorization(server, okValidate), req);
          assertOAuthError(err, 'Invalid parameter: response_type must be a string', 'invalid_request', 400);
        });
      }
    });
  });

  describe('validate', () => {
    it('arity 2: (areq, done)', async () => {
      const { server } = fixture();
      let args: any[] = [];
      const mw = authorization(server, function (areq: any, done: any) {
        args = [...arguments];
        done(null, CLIENT, areq.redirectURI);
      });
      const { req } = await run(mw, authzReq({ scope: 'read' }));
      assert.equal(args.length, 2);
      assert.equal(args[0], req.oauth2.req);
      assert.equal(args[0].type, 'code');
      assert.equal(args[0].clientID, 'c123');
      assert.equal(args[0].redirectURI, 'https://client.example.com/cb');
      assert.equal(args[0].scope, 'read');
      assert.equal(args[0].state, 'st');
    });

    it('arity 3: (clientID, redirectURI, done)', async () => {
      const { server } = fixture();
      let args: any[] = [];
      const mw = authorization(server, function (_c: any, _r: any, done: any) { args = [...arguments]; done(null, CLIENT); });
      await run(mw, authzReq());
      assert.equal(args.length, 3);
      assert.deepEqual(args.slice(0, 2), ['c123', 'https://client.example.com/cb']);
    });

    it('arity 4: (clientID, redirectURI, scope, done)', async () => {
      const { server } = fixture();
      let args: any[] = [];
      const mw = authorization(server, function (_c: any, _r: any, _s: any, done: any) { args = [...arguments]; done(null, CLIENT); });
      await run(mw, authzReq({ scope: 'email' }));
      assert.equal(args.length, 4);
      assert.deepEqual(args.slice(0, 3), ['c123', 'https://client.example.com/cb', 'email']);
    });

    it('arity 5: (clientID, redirectURI, scope, type, done)', async () => {
      const { server } = fixture();
      let args: any[] = [];
      const mw = authorization(server, function (_c: any, _r: any, _s: any, _t: any, done: any) { args = [...arguments]; done(null, CLIENT); });
      await run(mw, authzReq({ scope: 'email' }));
      assert.equal(args.length, 5);
      assert.deepEqual(args.slice(0, 4), ['c123', 'https://client.example.com/cb', 'email', 'code']);
    });

    it('dispatches on fn.length', async () => {
      const { server } = fixture();
      const lens: number[] = [];
      const mw = authorization(server, withArity(4, (...a: any[]) => { lens.push(a.length); a[a.length - 1](null, CLIENT); }));
      await run(mw, authzReq());
      assert.deepEqual(lens, [4]);
    });

    it('builds req.oauth2 from done(err, client, redirectURI, webOrigin)', async () => {
      const { server } = fixture();
      const locals = { csrf: 'tok' };
      const mw = authorization(server, (_c: any, _r: any, done: any) => done(null, CLIENT, 'https://registered.example.com/cb', 'https://client.example.com'));
      const { req, err } = await run(mw, authzReq({}, { locals }));
      assert.equal(err, undefined);
      assert.equal(req.oauth2.client, CLIENT);
      assert.equal(req.oauth2.redirectURI, 'https://registered.example.com/cb');
      assert.equal(req.oauth2.webOrigin, 'https://client.example.com');
      assert.equal(req.oauth2.req.clientID, 'c123');
      assert.equal(req.oauth2.req.type, 'code');
      assert.equal(req.oauth2.user, USER);
      assert.equal(req.oauth2.locals, locals);
    });

    it('omits redirectURI, webOrigin and locals when falsy/absent', async () => {
      const { server } = fixture();
      const mw = authorization(server, (_c: any, _r: any, done: any) => done(null, CLIENT, '', null));
      const { req } = await run(mw, authzReq());
      assert.equal('redirectURI' in req.oauth2, false);
      assert.equal('webOrigin' in req.oauth2, false);
      assert.equal('locals' in req.oauth2, false);
    });

    it('reads the user from options.userProperty', async () => {
      const { server } = fixture();
      const mw = authorization(server, { userProperty: 'account' } as any, okValidate);
      const { req } = await run(mw, authzReq({}, { user: { id: 'wrong' }, account: { id: 'acct' } }));
      assert.deepEqual(req.oauth2.user, { id: 'acct' });
    });

    it('builds req.oauth2 before passing a validate error on', async () => {
      const { server, store } = fixture();
      const boom = new AuthorizationError('bad redirect', 'invalid_request');
      const mw = authorization(server, (_c: any, _r: any, done: any) => done(boom, CLIENT, 'https://client.example.com/cb'));
      const { req, err } = await run(mw, authzReq());
      assert.equal(err, boom);
      assert.equal(req.oauth2.client, CLIENT);
      assert.equal(req.oauth2.redirectURI, 'https://client.example.com/cb');
      assert.equal(req.oauth2.req.type, 'code');
      assert.equal(req.oauth2.user, USER);
      assert.equal(req.oauth2.transactionID, undefined);
      assert.deepEqual(store.ops(), []);
    });

    it('passes a validate error on without redirectURI when none was given', async () => {
      const { server } = fixture();
      const boom = new Error('unknown client');
      const { req, err } = await run(authorization(server, (_c: any, _r: any, done: any) => done(boom)), authzReq());
      assert.equal(err, boom);
      assert.equal(req.oauth2.redirectURI, undefined);
      assert.equal(req.oauth2.client, undefined);
    });

    for (const falsy of [false, null, undefined]) {
      it(`fails with unauthorized_client (403) for client ${String(falsy)}, keeping redirectURI`, async () => {
        const { server, store } = fixture();
        const mw = authorization(server, (_c: any, _r: any, done: any) => done(null, falsy, 'https://client.example.com/cb'));
        const { req, err } = await run(mw, authzReq());
        assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
        assertOAuthError(err, 'Unauthorized client', 'unauthorized_client', 403);
        assert.equal(req.oauth2.redirectURI, 'https://client.example.com/cb');
        assert.equal('client' in req.oauth2, false);
        assert.deepEqual(store.ops(), []);
      });
    }

    it('passes a thrown exception on', async () => {
      const { server } = fixture();
      const boom = new Error('thrown in validate');
      const { err } = await run(authorization(server, () => { throw boom; }), authzReq());
      assert.equal(err, boom);
    });
  });

  describe('immediate', () => {
    const immediateArgs = async (arity: number) => {
      const { server } = fixture();
      let args: any[] = [];
      const immediate = withArity(arity, (...a: any[]) => { args = a; a[a.length - 1](null, false); });
      const locals = { l: 1 };
      const out = await run(authorization(server, okValidate, immediate), authzReq({ scope: 'read' }, { locals }));
      return { args, req: out.req, locals };
    };

    it('arity 2: (txn, done) where txn is req.oauth2', async () => {
      const { args, req } = await immediateArgs(2);
      assert.equal(args.length, 2);
      assert.equal(args[0], req.oauth2);
    });

    it('arity 3: (client, user, done)', async () => {
      const { args } = await immediateArgs(3);
      assert.equal(args.length, 3);
      assert.equal(args[0], CLIENT);
      assert.equal(args[1], USER);
    });

    it('arity 4: adds scope', async () => {
      const { args } = await immediateArgs(4);
      assert.equal(args.length, 4);
      assert.deepEqual(args.slice(0, 3), [CLIENT, USER, 'read']);
    });

    it('arity 5: adds type', async () => {
      const { args } = await immediateArgs(5);
      assert.equal(args.length, 5);
      assert.deepEqual(args.slice(0, 4), [CLIENT, USER, 'read', 'code']);
    });

    it('arity 6: adds areq', async () => {
      const { args, req } = await immediateArgs(6);
      assert.equal(args.length, 6);
      assert.deepEqual(args.slice(0, 4), [CLIENT, USER, 'read', 'code']);
      assert.equal(args[4], req.oauth2.req);
    });

    it('arity 7: adds locals', async () => {
      const { args, req, locals } = await immediateArgs(7);
      assert.equal(args.length, 7);
      assert.equal(args[4], req.oauth2.req);
      assert.equal(args[5], req.oauth2.locals);
      assert.deepEqual(args[5], locals);
    });

    it('passes an immediate error on', async () => {
      const { server, store } = fixture();
      const boom = new Error('immediate failed');
      const { err } = await run(authorization(server, okValidate, (_c: any, _u: any, done: any) => done(boom)), authzReq());
      assert.equal(err, boom);
      assert.deepEqual(store.ops(), []);
    });

    describe('allow', () => {
      it('responds at once with res = info plus allow, without storing', async () => {
        const { server, store, responded } = fixture();
        const info = { scope: ['read'] };
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true, info));
        const { res, nextCalled, req } = await run(mw, authzReq());
        assert.equal(nextCalled, false);
        assert.equal(res.body, 'responded');
        assert.equal(responded.length, 1);
        assert.equal(responded[0].txn, req.oauth2);
        assert.equal(req.oauth2.res, info);
        assert.deepEqual(req.oauth2.res, { scope: ['read'], allow: true });
        assert.equal(req.oauth2.transactionID, undefined);
        assert.deepEqual(store.ops(), []);
      });

      it('uses {} when info is absent', async () => {
        const { server } = fixture();
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true));
        const { req } = await run(mw, authzReq());
        assert.deepEqual(req.oauth2.res, { allow: true });
      });

      it('merges immediate locals into req.oauth2.locals', async () => {
        const { server } = fixture();
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true, {}, { b: 2 }));
        const { req } = await run(mw, authzReq({}, { locals: { a: 1 } }));
        assert.deepEqual(req.oauth2.locals, { a: 1, b: 2 });
      });

      it('creates req.oauth2.locals from immediate locals when req.locals is absent', async () => {
        const { server } = fixture();
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true, {}, { b: 2 }));
        const { req } = await run(mw, authzReq());
        assert.deepEqual(req.oauth2.locals, { b: 2 });
      });

      it('offers complete(req, txn, cb) to the response handler as complete(cb)', async () => {
        const { server, responded } = fixture();
        const calls: any[] = [];
        const complete = (req: any, txn: any, cb: any) => { calls.push([req, txn]); cb(); };
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true), complete);
        const { req, res } = await run(mw, authzReq());
        assert.equal(responded.length, 1);
        assert.equal(calls.length, 1);
        assert.equal(calls[0][0], req);
        assert.equal(calls[0][1], req.oauth2);
        assert.equal(res.body, 'responded');
      });

      it('passes a complete error on through the handler', async () => {
        const { server } = fixture();
        const boom = new Error('complete failed');
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true), (_r: any, _t: any, cb: any) => cb(boom));
        const { err } = await run(mw, authzReq());
        assert.equal(err, boom);
      });

      it('calls the handler\'s complete(cb) straight through when no complete was given', async () => {
        const { server } = fixture();
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true));
        const { res } = await run(mw, authzReq());
        assert.equal(res.body, 'responded');
      });

      it('fails with unsupported_response_type when no handler responds', async () => {
        const { server } = fixture({ respond: false });
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true));
        const { err } = await run(mw, authzReq());
        assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
        assertOAuthError(err, 'Unsupported response type: code', 'unsupported_response_type', 501);
      });

      it('passes a response handler error on', async () => {
        const { server } = fixture({ respond: false });
        const boom = new Error('handler failed');
        server.grant('code', 'response', (_t: any, _r: any, next: any) => next(boom));
        const { err } = await run(authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, true)), authzReq());
        assert.equal(err, boom);
      });
    });

    describe('not allowed', () => {
      it('stores the transaction, sets transactionID, info and locals, then next() with no error', async () => {
        const { server, store, responded } = fixture();
        const info = { scope: 'read' };
        const mw = authorization(server, okValidate, (_c: any, _u: any, done: any) => done(null, false, info, { b: 2 }));
        const { req, err, nextCalled } = await run(mw, authzReq({}, { locals: { a: 1 } }));
        assert.equal(nextCalled, true);
        assert.equal(err, undefined);
        assert.equal(responded.length, 0);
        assert.equal(req.oauth2.transactionID, 'custom1');
        assert.equal(req.oauth2.info, info);
        assert.deepEqual(req.oauth2.locals, { a: 1, b: 2 });
        assert.equal(req.oauth2.res, undefined);
      });

      it('calls a custom store as store(req, req.oauth2, cb)', async () => {
        const { server, store } = fixture();
        const { req } = await run(authorization(server, okValidate), authzReq());
        assert.deepEqual(store.ops(), ['store']);
        assert.equal(store.calls[0].args.length, 2);
        assert.equal(store.calls[0].args[0], req);
        assert.equal(store.calls[0].args[1], req.oauth2);
      });

      it('gives a legacy store (server, options, req, {protocol, client, redirectURI, webOrigin, req, info})', async () => {
        const { server, store } = fixture({ legacy: true });
        const info = { note: 'x' };
        const options = { sessionKey: 'mine', idLength: 12 };
        const mw = authorization(server, options as any, (_c: any, _r: any, done: any) => done(null, CLIENT, 'https://r.example/cb', 'https://r.example'),
          (_c: any, _u: any, done: any) => done(null, false, info, { unserializable: () => 1 }));
        const { req, err } = await run(mw, authzReq({}, { locals: { a: 1 } }));
        assert.equal(err, undefined);
        assert.deepEqual(store.ops(), ['store']);
        const [srv, opts, rq, txn] = store.calls[0].args;
        assert.equal(srv, server);
        assert.equal(opts.sessionKey, 'mine');
        assert.equal(opts.idLength, 12);
        assert.equal(rq, req);
        assert.notEqual(txn, req.oauth2);
        assert.equal(txn.protocol, 'oauth2');
        assert.equal(txn.client, CLIENT);
        assert.equal(txn.redirectURI, 'https://r.example/cb');
        assert.equal(txn.webOrigin, 'https://r.example');
        assert.equal(txn.req, req.oauth2.req);
        assert.equal(txn.info, info);
        // only these fields: no user, locals or res go into the session
        for (const k of Object.keys(txn)) {
          assert.ok(['protocol', 'client', 'redirectURI', 'webOrigin', 'req', 'info'].includes(k), `unexpected key ${k}`);
        }
        assert.equal(req.oauth2.transactionID, 'legacy1');
      });

      it('passes a store error on, without a transactionID', async () => {
        const { server, store } = fixture();
        const boom = new Error('store failed');
        (store as RecordingStore).storeError = boom;
        const { req, err } = await run(authorization(server, okValidate), authzReq());
        assert.equal(err, boom);
        assert.equal(req.oauth2.transactionID, undefined);
      });
    });
  });

  describe('with the bundled code grant', () => {
    it('rejects non-string client_id, redirect_uri, state and scope with invalid_request (no crash)', async () => {
      const { code } = await import('../../src/grant/code.js');
      for (const name of ['client_id', 'redirect_uri', 'state', 'scope']) {
        for (const bad of [['a', 'b'], { k: 'v' }]) {
          const server = new Server({ store: new RecordingStore() as any });
          server.grant(code((_c: any, _r: any, _u: any, done: any) => done(null, 'x')));
          const { err } = await run(authorization(server, okValidate), authzReq({ [name]: bad }));
          assertOAuthError(err, `Invalid parameter: ${name} must be a string`, 'invalid_request', 400);
        }
      }
    });
  });
});
