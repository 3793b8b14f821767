/**
 * Issue 10's rule for positional (1.x-arity) callbacks that return a Promise:
 * a value resolved before `done` is called is the result, read as the
 * context form reads it; `done` wins when it was called first. Checked for
 * each kind of callback other than the exchanges (over HTTP in
 * test/http/no-hang-suite.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import oauth2orize from '../../src/index.js';
import { callStore } from '../../src/txn/transaction.js';
import { mockRequest, run } from '../helpers/mock.js';

const client = { id: 'c1' };
const user = { id: 'u1' };

function txnFor(type: string) {
  return { client, user, redirectURI: 'https://c.example/cb', req: { type, clientID: 'c1', redirectURI: 'https://c.example/cb', state: 's' }, res: { allow: true } };
}

describe('a positional callback whose Promise resolves a value', () => {
  it('request parser (req, done): the resolved object is merged into areq', async () => {
    const server = oauth2orize.createServer();
    server.grant('*', async (req: any, _done: unknown) => ({ extra: req.query.x }));
    const areq = await new Promise((resolve, reject) =>
      server._parse('code', mockRequest({ query: { x: 'y' } }) as any, (err, out) => (err ? reject(err) : resolve(out))));
    assert.deepEqual(areq, { type: 'code', extra: 'y' }, 'the parser output is used');
  });

  it('serializeClient / deserializeClient (x, done): the resolved value is the result', async () => {
    const server = oauth2orize.createServer();
    server.serializeClient(async (c: { id: string }, _done: unknown) => 'id:' + c.id);
    server.deserializeClient(async (id: string, _done: unknown) => ({ id: id.slice(3) }));
    const id = await new Promise((resolve, reject) => server.serializeClient(client, (err, out) => (err ? reject(err) : resolve(out))));
    assert.equal(id, 'id:c1');
    const back = await new Promise((resolve, reject) => server.deserializeClient('id:c1', (err, out) => (err ? reject(err) : resolve(out))));
    assert.deepEqual(back, { id: 'c1' });
  });

  it('a store method (req, txn, cb): the resolved value is the result', async () => {
    const store = { store: async (_req: unknown, _txn: unknown, _cb: unknown) => 'tid-1' };
    const tid = await new Promise((resolve, reject) => callStore(store, 'store', [{}, {}], (err, out) => (err ? reject(err) : resolve(out))));
    assert.equal(tid, 'tid-1');
  });

  it('grant.code issue and extend: the resolved code and parameters reach the redirect', async () => {
    const mod = oauth2orize.grant.code(
      (async (c: any, _uri: unknown, u: any, _done: unknown) => `code-${c.id}-${u.id}`) as any,
      (async (_txn: unknown, _done: unknown) => ({ iss: 'https://as.example' })) as any,
    );
    const res: any = { redirect(loc: string) { this.location = loc; } };
    await new Promise<void>((resolve, reject) => {
      mod.response!(txnFor('code') as any, res, ((cb: (err?: unknown) => void) => cb()) as any, (err: unknown) => reject(err ?? new Error('next() without error')));
      setTimeout(resolve, 50);
    });
    assert.equal(res.location, 'https://c.example/cb?code=code-c1-u1&state=s&iss=https%3A%2F%2Fas.example');
  });

  it('grant.token issue: a resolved { accessToken, params } is used', async () => {
    const mod = oauth2orize.grant.token((async (_c: unknown, _u: unknown, _done: unknown) => ({ accessToken: 'at', params: { expires_in: 5 } })) as any);
    const res: any = { redirect(loc: string) { this.location = loc; } };
    await new Promise<void>((resolve, reject) => {
      mod.response!(txnFor('token') as any, res, ((cb: (err?: unknown) => void) => cb()) as any, (err: unknown) => reject(err ?? new Error('next() without error')));
      setTimeout(resolve, 50);
    });
    assert.equal(res.location, 'https://c.example/cb#access_token=at&expires_in=5&token_type=Bearer&state=s');
  });

  it('a resolved false from grant.code issue denies, like done(null, false)', async () => {
    const mod = oauth2orize.grant.code((async (_c: unknown, _uri: unknown, _u: unknown, _done: unknown) => false) as any);
    const err = await new Promise<any>((resolve) => {
      mod.response!(txnFor('code') as any, {} as any, ((cb: (err?: unknown) => void) => cb()) as any, resolve);
    });
    assert.equal(err && err.code, 'access_denied');
  });

  it('decision parse (req, done): a resolved { ares } is the answer', async () => {
    const server = oauth2orize.createServer();
    server.grant(oauth2orize.grant.code(async ({ ares }: any) => 'code-' + ares.scope));
    const [, decide] = server.decision(async (_req: unknown, _done: unknown) => ({ ares: { scope: 'read' } })) as any[];
    const req = mockRequest({ method: 'POST', body: {}, user, oauth2: { ...txnFor('code'), res: undefined } });
    const res: any = Object.assign(new (await import('../helpers/mock.js')).MockResponse());
    const out = await run(decide, req, res);
    assert.equal(out.nextCalled, false, `no error: ${String(out.err)}`);
    assert.equal(res.location, 'https://c.example/cb?code=code-read&state=s');
  });

  it('done wins when it was called before the Promise resolved', async () => {
    const server = oauth2orize.createServer();
    server.serializeClient(async (_c: unknown, done: (err: unknown, id?: unknown) => void) => {
      done(null, 'from-done');
      return 'from-return';
    });
    const id = await new Promise((resolve, reject) => server.serializeClient(client, (err, out) => (err ? reject(err) : resolve(out))));
    assert.equal(id, 'from-done');
  });
});
