import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStore } from '../../src/txn/session.js';
import { Server } from '../../src/server.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { BadRequestError } from '../../src/errors/badrequesterror.js';
import { ForbiddenError } from '../../src/errors/forbiddenerror.js';
import { authorization } from '../../src/middleware/authorization.js';
import { transactionLoader } from '../../src/middleware/transactionLoader.js';
import { mockRequest, run } from '../helpers/mock.js';
import { assertOAuthError, assertHttpError } from '../helpers/authorize.js';

const SESSION_ERROR = 'OAuth2orize requires session support. Did you forget app.use(express.session(...))?';

type Cb = (err: any, result?: any) => void;

function server(opts: { serialize?: (c: any, done: Cb) => void; deserialize?: (id: any, done: Cb) => void } = {}) {
  const s = new Server();
  s.serializeClient(opts.serialize ?? ((client: any, done: Cb) => done(null, client.id)));
  s.deserializeClient(opts.deserialize ?? ((id: any, done: Cb) => done(null, { id, name: 'Client ' + id })));
  return s;
}

function call<T = any>(fn: (cb: Cb) => void): Promise<{ err: any; result: T }> {
  return new Promise((resolve) => fn((err, result) => resolve({ err, result })));
}

function newTxn() {
  return {
    protocol: 'oauth2',
    client: { id: 'c123', secret: 'not-in-session' },
    redirectURI: 'https://client.example.com/cb',
    webOrigin: undefined,
    req: { type: 'code', clientID: 'c123', state: 'st' },
    info: { scope: 'read' },
  };
}

describe('txn/SessionStore', () => {
  it('is a legacy store', () => {
    const store = new SessionStore();
    assert.equal((store as any).legacy, true);
  });

  it('is the default store of a Server', () => {
    assert.ok(new Server()._txnStore instanceof SessionStore, 'new Server()._txnStore instanceof SessionStore');
  });

  describe('store', () => {
    it('requires a session', async () => {
      const { err } = await call((cb) => new SessionStore().store(server(), {}, mockRequest() as any, newTxn(), cb));
      assertHttpError(err, 'Error', SESSION_ERROR);
    });

    it('serializes the client and keeps the transaction under session.authorize[tid]', async () => {
      const req = mockRequest({ session: {} });
      const txn = newTxn();
      const { err, result: tid } = await call((cb) => new SessionStore().store(server(), {}, req as any, txn, cb));
      assert.equal(err ?? null, null);
      assert.equal(typeof tid, 'string');
      const stored = (req.session as any).authorize[tid];
      assert.equal(stored.client, 'c123');
      assert.equal(stored.protocol, 'oauth2');
      assert.equal(stored.redirectURI, 'https://client.example.com/cb');
      assert.deepEqual(stored.req, { type: 'code', clientID: 'c123', state: 'st' });
      assert.deepEqual(stored.info, { scope: 'read' });
    });

    it('generates ids of exactly 8 URL-safe characters by default', async () => {
      const req = mockRequest({ session: {} });
      const ids = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const { result: tid } = await call((cb) => new SessionStore().store(server(), {}, req as any, newTxn(), cb));
        assert.match(tid, /^[A-Za-z0-9_-]{8}$/);
        ids.add(tid);
      }
      assert.equal(ids.size, 200, 'ids are unique');
    });

    for (const n of [4, 16, 32, 33]) {
      it(`honours idLength ${n} (characters)`, async () => {
        const req = mockRequest({ session: {} });
        const { result: tid } = await call((cb) => new SessionStore().store(server(), { idLength: n }, req as any, newTxn(), cb));
        assert.match(tid, new RegExp(`^[A-Za-z0-9_-]{${n}}$`));
      });
    }

    it('honours sessionKey and keeps other transactions', async () => {
      const req = mockRequest({ session: { oauth2: { other: { client: 'x' } } } });
      const { result: tid } = await call((cb) => new SessionStore().store(server(), { sessionKey: 'oauth2' }, req as any, newTxn(), cb));
      const txns = (req.session as any).oauth2;
      assert.ok(txns[tid], 'txns[tid]');
      assert.deepEqual(txns.other, { client: 'x' });
      assert.equal((req.session as any).authorize, undefined);
    });

    it('passes a serialization error on without storing', async () => {
      const boom = new Error('serialize failed');
      const req = mockRequest({ session: {} });
      const { err } = await call((cb) => new SessionStore().store(server({ serialize: (_c, done) => done(boom) }), {}, req as any, newTxn(), cb));
      assert.equal(err, boom);
      const txns = (req.session as any).authorize;
      assert.ok(txns === undefined || Object.keys(txns).length === 0, 'txns === undefined || Object.keys(txns).length === 0');
    });

    it('fails when no serializer is registered', async () => {
      const req = mockRequest({ session: {} });
      const { err } = await call((cb) => new SessionStore().store(new Server(), {}, req as any, newTxn(), cb));
      assertHttpError(err, 'Error', 'Failed to serialize client. Register serialization function using serializeClient().');
    });
  });

  describe('load', () => {
    function sessionWith(txns: Record<string, any> | undefined, key = 'authorize') {
      return txns === undefined ? {} : { [key]: txns };
    }

    it('requires a session', async () => {
      const { err } = await call((cb) => new SessionStore().load(server(), {}, mockRequest({ query: { transaction_id: 'a' } }) as any, cb));
      assertHttpError(err, 'Error', SESSION_ERROR);
    });

    it('fails with ForbiddenError (403) when nothing is under the session key', async () => {
      const req = mockRequest({ session: {}, query: { transaction_id: 'abc' } });
      const { err } = await call((cb) => new SessionStore().load(server(), {}, req as any, cb));
      assert.ok(err instanceof ForbiddenError, 'err instanceof ForbiddenError');
      assertHttpError(err, 'ForbiddenError', 'Unable to load OAuth 2.0 transactions from session', 403);
    });

    it('fails with BadRequestError (400) when the id is missing', async () => {
      const req = mockRequest({ session: sessionWith({}), query: {}, body: {} });
      const { err } = await call((cb) => new SessionStore().load(server(), {}, req as any, cb));
      assert.ok(err instanceof BadRequestError, 'err instanceof BadRequestError');
      assertHttpError(err, 'BadRequestError', 'Missing required parameter: transaction_id', 400);
    });

    it('names a custom transactionField in the missing-id message', async () => {
      const req = mockRequest({ session: sessionWith({}), query: { transaction_id: 'abc' } });
      const { err } = await call((cb) => new SessionStore().load(server(), { transactionField: 'txid' }, req as any, cb));
      assertHttpError(err, 'BadRequestError', 'Missing required parameter: txid', 400);
    });

    it('works without req.query and req.body objects', async () => {
      const req = mockRequest({ session: sessionWith({}) });
      delete req.query;
      const { err } = await call((cb) => new SessionStore().load(server(), {}, req as any, cb));
      assertHttpError(err, 'BadRequestError', 'Missing required parameter: transaction_id', 400);
    });

    it('fails with ForbiddenError (403) for an unknown id', async () => {
      const req = mockRequest({ session: sessionWith({ known: { client: 'c123', req: { type: 'code' } } }), query: { transaction_id: 'unknown1' } });
      const { err } = await call((cb) => new SessionStore().load(server(), {}, req as any, cb));
      assert.ok(err instanceof ForbiddenError, 'err instanceof ForbiddenError');
      assertHttpError(err, 'ForbiddenError', 'Unable to load OAuth 2.0 transaction: unknown1', 403);
    });

    it('loads by the id in the query, deserializing the client and setting transactionID', async () => {
      const stored = { protocol: 'oauth2', client: 'c123', redirectURI: 'https://client.example.com/cb', req: { type: 'code' }, info: { a: 1 } };
      const req = mockRequest({ session: sessionWith({ t1: stored }), query: { transaction_id: 't1' } });
      const seen: any[] = [];
      const srv = server({ deserialize: (id, done) => { seen.push(id); done(null, { id, loaded: true }); } });
      const { err, result } = await call((cb) => new SessionStore().load(srv, {}, req as any, cb));
      assert.equal(err ?? null, null);
      assert.deepEqual(seen, ['c123']);
      assert.equal(result.transactionID, 't1');
      assert.deepEqual(result.client, { id: 'c123', loaded: true });
      assert.equal(result.redirectURI, 'https://client.example.com/cb');
      assert.deepEqual(result.req, { type: 'code' });
      assert.deepEqual(result.info, { a: 1 });
    });

    it('reads the id from the body when the query has none', async () => {
      const req = mockRequest({ session: sessionWith({ b1: { client: 'c123', req: { type: 'code' } } }), query: {}, body: { transaction_id: 'b1' } });
      const { result } = await call((cb) => new SessionStore().load(server(), {}, req as any, cb));
      assert.equal(result.transactionID, 'b1');
    });

    it('prefers the query over the body', async () => {
      const txns = { q1: { client: 'c123', req: { type: 'code' } }, b1: { client: 'c123', req: { type: 'code' } } };
      const req = mockRequest({ session: sessionWith(txns), query: { transaction_id: 'q1' }, body: { transaction_id: 'b1' } });
      const { result } = await call((cb) => new SessionStore().load(server(), {}, req as any, cb));
      assert.equal(result.transactionID, 'q1');
    });

    it('honours sessionKey and transactionField', async () => {
      const req = mockRequest({ session: sessionWith({ k1: { client: 'c123', req: { type: 'code' } } }, 'oauth2'), body: { txid: 'k1' } });
      const { result } = await call((cb) => new SessionStore().load(server(), { sessionKey: 'oauth2', transactionField: 'txid' }, req as any, cb));
      assert.equal(result.transactionID, 'k1');
    });

    for (const gone of [false, null]) {
      it(`removes the transaction and fails with unauthorized_client when the client is gone (${gone})`, async () => {
        const txns: Record<string, any> = { t1: { client: 'c123', req: { type: 'code' } }, t2: { client: 'c9', req: { type: 'code' } } };
        const req = mockRequest({ session: sessionWith(txns), query: { transaction_id: 't1' } });
        const { err } = await call((cb) => new SessionStore().load(server({ deserialize: (_id, done) => done(null, gone) }), {}, req as any, cb));
        assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
        assertOAuthError(err, 'Unauthorized client', 'unauthorized_client', 403);
        assert.equal('t1' in (req.session as any).authorize, false);
        assert.ok((req.session as any).authorize.t2, 'other transactions stay');
      });
    }

    it('passes a deserialization error on', async () => {
      const boom = new Error('db down');
      const req = mockRequest({ session: sessionWith({ t1: { client: 'c123', req: { type: 'code' } } }), query: { transaction_id: 't1' } });
      const { err } = await call((cb) => new SessionStore().load(server({ deserialize: (_id, done) => done(boom) }), {}, req as any, cb));
      assert.equal(err, boom);
    });

    describe('hostile transaction ids (new in the port)', () => {
      for (const bad of [['a', 'b'], { x: 'y' }]) {
        it(`rejects ${JSON.stringify(bad)} with BadRequestError (400)`, async () => {
          const req = mockRequest({ session: sessionWith({ a: { client: 'c', req: { type: 'code' } } }), query: { transaction_id: bad } });
          const { err } = await call((cb) => new SessionStore().load(server(), {}, req as any, cb));
          assert.ok(err instanceof BadRequestError, 'err instanceof BadRequestError');
          assertHttpError(err, 'BadRequestError', 'Invalid parameter: transaction_id must be a string', 400);
        });
        it(`rejects ${JSON.stringify(bad)} in the body too`, async () => {
          const req = mockRequest({ session: sessionWith({ a: { client: 'c', req: { type: 'code' } } }), query: {}, body: { transaction_id: bad } });
          const { err } = await call((cb) => new SessionStore().load(server(), {}, req as any, cb));
          assertHttpError(err, 'BadRequestError', 'Invalid parameter: transaction_id must be a string', 400);
        });
      }

      for (const tid of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
        it(`treats the inherited key ${tid} as unknown (ForbiddenError 403)`, async () => {
          const req = mockRequest({ session: sessionWith({ real: { client: 'c123', req: { type: 'code' } } }), query: { transaction_id: tid } });
          let deserialized = false;
          const srv = server({ deserialize: (id, done) => { deserialized = true; done(null, { id }); } });
          // A store that follows the inherited key writes onto Object.prototype;
          // undo that so one failure here cannot derail the rest of the run.
          const before = new Set(Object.getOwnPropertyNames(Object.prototype));
          let out: { err: any; result: any };
          try {
            out = await call((cb) => new SessionStore().load(srv, {}, req as any, cb));
          } finally {
            const polluted = Object.getOwnPropertyNames(Object.prototype).filter((k) => !before.has(k));
            for (const k of polluted) delete (Object.prototype as any)[k];
            assert.deepEqual(polluted, [], 'Object.prototype was modified');
          }
          const { err, result } = out;
          assert.equal(result, undefined);
          assert.ok(err instanceof ForbiddenError, 'err instanceof ForbiddenError');
          assertHttpError(err, 'ForbiddenError', `Unable to load OAuth 2.0 transaction: ${tid}`, 403);
          assert.equal(deserialized, false);
        });
      }
    });
  });

  describe('update', () => {
    it('serializes the client and replaces the transaction under the same id', async () => {
      const req = mockRequest({ session: { authorize: { t1: { client: 'old', info: { v: 1 } } } } });
      const txn = { ...newTxn(), info: { v: 2 } };
      const { err, result } = await call((cb) => new SessionStore().update(server(), {}, req as any, 't1', txn, cb));
      assert.equal(err ?? null, null);
      assert.equal(result, 't1');
      const stored = (req.session as any).authorize.t1;
      assert.equal(stored.client, 'c123');
      assert.deepEqual(stored.info, { v: 2 });
    });

    it('creates the session key when absent and honours sessionKey', async () => {
      const req = mockRequest({ session: {} });
      await call((cb) => new SessionStore().update(server(), { sessionKey: 'k' }, req as any, 't9', newTxn(), cb));
      assert.equal((req.session as any).k.t9.client, 'c123');
    });

    it('passes a serialization error on', async () => {
      const boom = new Error('nope');
      const req = mockRequest({ session: { authorize: {} } });
      const { err } = await call((cb) => new SessionStore().update(server({ serialize: (_c, d) => d(boom) }), {}, req as any, 't1', newTxn(), cb));
      assert.equal(err, boom);
    });
  });

  describe('remove', () => {
    it('requires a session', async () => {
      const { err } = await call((cb) => new SessionStore().remove({}, mockRequest() as any, 't1', cb));
      assertHttpError(err, 'Error', SESSION_ERROR);
    });

    it('deletes the transaction, keeping others', async () => {
      const req = mockRequest({ session: { authorize: { t1: { client: 'a' }, t2: { client: 'b' } } } });
      const { err } = await call((cb) => new SessionStore().remove({}, req as any, 't1', cb));
      assert.equal(err ?? null, null);
      assert.deepEqual((req.session as any).authorize, { t2: { client: 'b' } });
    });

    it('honours sessionKey', async () => {
      const req = mockRequest({ session: { k: { t1: {} }, authorize: { t1: {} } } });
      await call((cb) => new SessionStore().remove({ sessionKey: 'k' }, req as any, 't1', cb));
      assert.deepEqual((req.session as any).k, {});
      assert.deepEqual((req.session as any).authorize, { t1: {} });
    });

    it('succeeds when nothing is stored', async () => {
      const req = mockRequest({ session: {} });
      const { err } = await call((cb) => new SessionStore().remove({}, req as any, 't1', cb));
      assert.equal(err ?? null, null);
    });
  });

  describe('through the middleware', () => {
    it('authorization stores into the session and transactionLoader loads it back', async () => {
      const srv = server();
      srv.grant('code', 'request', (req: any) => ({ clientID: req.query.client_id, redirectURI: req.query.redirect_uri }));
      const session: Record<string, any> = {};
      const authReq = mockRequest({ session, user: { id: 'u' }, query: { response_type: 'code', client_id: 'c123', redirect_uri: 'https://client.example.com/cb' } });
      const mw = authorization(srv, { idLength: 12 } as any, (_c: any, r: any, done: any) => done(null, { id: 'c123' }, r));
      const first = await run(mw, authReq);
      assert.equal(first.err, undefined);
      const tid = authReq.oauth2.transactionID;
      assert.match(tid, /^[A-Za-z0-9_-]{12}$/);
      assert.equal(session.authorize[tid].client, 'c123');
      assert.equal(session.authorize[tid].protocol, 'oauth2');

      const loadReq = mockRequest({ session, body: { transaction_id: tid } });
      const second = await run(transactionLoader(srv), loadReq);
      assert.equal(second.err, undefined);
      assert.equal(loadReq.oauth2.transactionID, tid);
      assert.deepEqual(loadReq.oauth2.client, { id: 'c123', name: 'Client c123' });
      assert.equal(loadReq.oauth2.redirectURI, 'https://client.example.com/cb');
      assert.equal(loadReq.oauth2.req.type, 'code');
    });
  });
});
