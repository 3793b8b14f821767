import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { transactionLoader } from '../../src/middleware/transactionLoader.js';
import { Server } from '../../src/server.js';
import { mockRequest, run } from '../helpers/mock.js';
import { RecordingStore, RecordingLegacyStore } from '../helpers/authorize.js';

const TXN = { transactionID: 'tx1', client: { id: 'c' }, redirectURI: 'https://client.example.com/cb', req: { type: 'code' } };

describe('middleware/transactionLoader', () => {
  it('throws TypeError without a server', () => {
    assert.throws(() => (transactionLoader as any)(), (err: any) => {
      assert.ok(err instanceof TypeError, 'err instanceof TypeError');
      assert.equal(err.message, 'oauth2orize.transactionLoader middleware requires a server argument');
      return true;
    });
  });

  it('returns a 3-argument middleware', () => {
    assert.equal(transactionLoader(new Server({ store: new RecordingStore() as any })).length, 3);
  });

  it('skips loading when req.oauth2 is already present', async () => {
    const store = new RecordingStore();
    const existing = { ...TXN };
    const req = mockRequest({ oauth2: existing });
    const { err, nextCalled } = await run(transactionLoader(new Server({ store: store as any })), req);
    assert.equal(nextCalled, true);
    assert.equal(err, undefined);
    assert.equal(req.oauth2, existing);
    assert.deepEqual(store.ops(), []);
  });

  it('loads from a custom store as load(req, cb) into req.oauth2', async () => {
    const store = new RecordingStore();
    store.loadResult = { txn: TXN };
    const req = mockRequest({ query: { transaction_id: 'tx1' } });
    const { err } = await run(transactionLoader(new Server({ store: store as any })), req);
    assert.equal(err, undefined);
    assert.equal(req.oauth2, TXN);
    assert.deepEqual(store.ops(), ['load']);
    assert.equal(store.calls[0].args.length, 1);
    assert.equal(store.calls[0].args[0], req);
  });

  it('loads from a legacy store as load(server, options, req, cb)', async () => {
    const store = new RecordingLegacyStore();
    store.loadResult = { txn: TXN };
    const server = new Server({ store: store as any });
    const req = mockRequest();
    const { err } = await run(transactionLoader(server, { transactionField: 'tid', sessionKey: 'k' } as any), req);
    assert.equal(err, undefined);
    assert.equal(req.oauth2, TXN);
    const [srv, opts, rq] = store.calls[0].args;
    assert.equal(srv, server);
    assert.equal(opts.transactionField, 'tid');
    assert.equal(opts.sessionKey, 'k');
    assert.equal(rq, req);
  });

  it('gives a legacy store an options object even when none was passed', async () => {
    const store = new RecordingLegacyStore();
    store.loadResult = { txn: TXN };
    await run(transactionLoader(new Server({ store: store as any })), mockRequest());
    assert.equal(typeof store.calls[0].args[1], 'object');
    assert.notEqual(store.calls[0].args[1], null);
  });

  for (const legacy of [false, true]) {
    it(`passes a load error on (${legacy ? 'legacy' : 'custom'} store)`, async () => {
      const store = legacy ? new RecordingLegacyStore() : new RecordingStore();
      const boom = new Error('load failed');
      store.loadResult = { err: boom };
      const req = mockRequest();
      const { err } = await run(transactionLoader(new Server({ store: store as any })), req);
      assert.equal(err, boom);
      assert.equal(req.oauth2, undefined);
    });
  }
});
