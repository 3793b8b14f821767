/**
 * The dispatch rule at its edge: only `fn.length === 1` is the context form.
 * A function of arity 0 (`async () => x`, a defaulted or rest parameter) is
 * called in a 1.x form; since it never calls `done`, the value its Promise
 * resolves to is the result (issue 10: no silent hangs).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import oauth2orize from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';

const client = { id: 'c1' };
const body = { grant_type: 'client_credentials' };

describe('arity decides the form', () => {
  for (const [label, issue] of [
    ['async () => token', async () => 'at-0'],
    ['async (ctx = {}) => token', async (_ctx: object = {}) => 'at-default'],
    ['async (...args) => token', async (..._args: unknown[]) => 'at-rest'],
  ] as const) {
    it(`${label} has arity 0, is called in a 1.x form, and its resolved value answers`, async () => {
      assert.equal(issue.length, 0);
      const mw = oauth2orize.exchange.clientCredentials(issue as any);
      const { res, nextCalled } = await run(mw, mockRequest({ method: 'POST', body, user: client }));
      assert.equal(nextCalled, false, 'no error');
      assert.deepEqual(JSON.parse(res.body!), { access_token: await issue(), token_type: 'Bearer' });
    });
  }

  it('the same function with one parameter is the context form and answers', async () => {
    const mw = oauth2orize.exchange.clientCredentials(async (_ctx) => 'at-1');
    const { res, nextCalled } = await run(mw, mockRequest({ method: 'POST', body, user: client }));
    assert.equal(nextCalled, false);
    assert.deepEqual(JSON.parse(res.body!), { access_token: 'at-1', token_type: 'Bearer' });
  });

  it('arity 2 is the 1.x (client, done) form, whose resolved value is ignored', async () => {
    const mw = oauth2orize.exchange.clientCredentials(async (_client, done) => {
      done(null, 'from-done');
      return 'ignored';
    });
    const { res } = await run(mw, mockRequest({ method: 'POST', body, user: client }));
    assert.equal(JSON.parse(res.body!).access_token, 'from-done');
  });
});
