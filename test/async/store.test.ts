/**
 * A custom request-interface transaction store (no `legacy`) whose methods
 * are declared without their callback parameter, and so are called in the
 * Promise form: `load(req)`, `store(req, txn)` → tid, `update(req, tid, txn)`
 * → tid, `remove(req, tid)`. Over HTTP: authorize, resume, decision.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import oauth2orize, { type OAuth2Transaction } from '../../src/index.js';
import {
  CLIENTS,
  USER,
  authorizationApp,
  authorizeQuery,
  ctx,
  redirectParams,
  settleDown,
  trackUnhandledRejections,
  type Client,
  type CodeContext,
  type ImmediateContext,
  type User,
} from './helpers.js';

const rejections = trackUnhandledRejections();
afterEach(() => rejections.assertNone());

type Txn = OAuth2Transaction<Client, User>;

/** Keeps transactions in memory; every method is async and takes no callback. */
class PromiseStore {
  calls: string[] = [];
  txns = new Map<string, Txn>();
  failing = new Set<string>();
  private n = 0;

  private check(op: string): void {
    this.calls.push(op);
    if (this.failing.has(op)) throw new Error(`${op} failed`);
  }

  async load(req: any): Promise<Txn | undefined> {
    await settleDown(2);
    this.check('load');
    const tid = (req.query && req.query.transaction_id) || (req.body && req.body.transaction_id);
    const txn = this.txns.get(tid);
    if (!txn) throw Object.assign(new Error('Unknown transaction ' + tid), { status: 403 });
    return { ...txn, transactionID: tid };
  }

  async store(_req: unknown, txn: Txn): Promise<string> {
    await settleDown(2);
    this.check('store');
    const tid = 'tid-' + ++this.n;
    this.txns.set(tid, { ...txn });
    return tid;
  }

  async update(_req: unknown, tid: string, txn: Txn): Promise<string> {
    await settleDown(2);
    this.check('update');
    this.txns.delete(tid);
    const next = tid + '-updated';
    this.txns.set(next, { ...txn, transactionID: undefined });
    return next;
  }

  async remove(_req: unknown, tid: string): Promise<void> {
    await settleDown(2);
    this.check('remove');
    this.txns.delete(tid);
  }
}

function appWith(store: PromiseStore, options: Parameters<typeof authorizationApp>[1] = {}, issued: CodeContext[] = []) {
  const server = oauth2orize.createServer<Client, User>({ store });
  server.grant(oauth2orize.grant.code(ctx<CodeContext>(async (c) => {
    issued.push(c);
    return 'code-' + issued.length;
  })));
  return authorizationApp(server, options);
}

describe('custom store in the Promise form', () => {
  it('store → load → remove over authorize and decision', async () => {
    const store = new PromiseStore();
    const issued: CodeContext[] = [];
    const { app, log } = appWith(store, {}, issued);
    const agent = request.agent(app);
    const first = await agent.get('/authorize').query(authorizeQuery()).expect(200);
    assert.equal(first.body.transactionID, 'tid-1');
    assert.deepEqual(store.txns.get('tid-1')!.client, CLIENTS.c1);
    const res = await agent.post('/decision').type('form').send({ transaction_id: 'tid-1' }).expect(302);
    assert.deepEqual(redirectParams(res.headers.location), { code: 'code-1', state: 'xyz' });
    assert.deepEqual(issued[0]!.client, CLIENTS.c1);
    assert.deepEqual(issued[0]!.user, USER);
    await settleDown();
    assert.deepEqual(store.calls, ['store', 'load', 'remove']);
    assert.equal(store.txns.size, 0);
    assert.deepEqual(log.ends, ['GET /authorize 200', 'POST /decision 302']);
  });

  it('update resolves the (new) transaction ID after resume', async () => {
    const store = new PromiseStore();
    const { app } = appWith(store, { resumeImmediate: ctx<ImmediateContext>(async (_c) => ({ allow: false, info: { step: 2 } })) });
    const agent = request.agent(app);
    await agent.get('/authorize').query(authorizeQuery()).expect(200);
    const resumed = await agent.get('/resume').query({ transaction_id: 'tid-1' }).expect(200);
    assert.equal(resumed.body.transactionID, 'tid-1-updated');
    assert.deepEqual(resumed.body.info, { step: 2 });
    assert.deepEqual(store.calls, ['store', 'load', 'update']);
    const res = await agent.post('/decision').type('form').send({ transaction_id: 'tid-1-updated' }).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'code-1');
  });

  for (const [op, path] of [['store', 'authorize'], ['load', 'decision'], ['update', 'resume']] as const) {
    it(`a rejection from ${op} reaches next(err): 500 server_error`, async () => {
      const store = new PromiseStore();
      const { app, log } = appWith(store, { resumeImmediate: ctx<ImmediateContext>(async (_c) => false) });
      const agent = request.agent(app);
      store.failing.add(op);
      const first = await agent.get('/authorize').query(authorizeQuery());
      let res = first;
      if (path === 'decision') res = await agent.post('/decision').type('form').send({ transaction_id: 'tid-1' });
      if (path === 'resume') res = await agent.get('/resume').query({ transaction_id: 'tid-1' });
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { error: 'server_error', error_description: `${op} failed` });
      assert.deepEqual(log.errors, [`${op} failed`]);
    });
  }

  it('a rejection from remove (after the response) is ignored, not unhandled', async () => {
    const store = new PromiseStore();
    store.failing.add('remove');
    const { app, log } = appWith(store);
    const agent = request.agent(app);
    await agent.get('/authorize').query(authorizeQuery()).expect(200);
    const res = await agent.post('/decision').type('form').send({ transaction_id: 'tid-1' }).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'code-1');
    await settleDown();
    assert.deepEqual(store.calls, ['store', 'load', 'remove']);
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.ends, ['GET /authorize 200', 'POST /decision 302']);
  });

  it('an unknown transaction: the error load rejects with is rendered', async () => {
    const store = new PromiseStore();
    const { app } = appWith(store);
    const res = await request(app).post('/decision').type('form').send({ transaction_id: 'nope' }).expect(403);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'Unknown transaction nope' });
  });

  it('Promise-form and callback-form methods can be mixed in one store', async () => {
    const store = new PromiseStore();
    const mixed = Object.assign(Object.create(PromiseStore.prototype) as PromiseStore, store, {
      // A 1.x callback-form load next to the async store/remove.
      load(req: any, cb: (err: unknown, txn?: Txn) => void) {
        store.calls.push('load(cb)');
        const tid = req.body.transaction_id;
        cb(null, { ...store.txns.get(tid)!, transactionID: tid });
      },
    });
    const { app } = appWith(mixed);
    const agent = request.agent(app);
    await agent.get('/authorize').query(authorizeQuery()).expect(200);
    const res = await agent.post('/decision').type('form').send({ transaction_id: 'tid-1' }).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'code-1');
    await settleDown();
    assert.deepEqual(mixed.calls, ['store', 'load(cb)', 'remove']);
  });

  it('a synchronous throw from a Promise-form method reaches next(err)', async () => {
    const store = new PromiseStore();
    const throwing = Object.assign(Object.create(PromiseStore.prototype) as PromiseStore, store, {
      store(_req: unknown, _txn: Txn): Promise<string> {
        throw new Error('store threw synchronously');
      },
    });
    const { app } = appWith(throwing);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.equal(res.body.error_description, 'store threw synchronously');
  });
});
