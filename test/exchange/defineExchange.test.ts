/**
 * exchange/defineExchange: the skeleton the bundled exchanges share. How a
 * definition's parameters are read (string checks, then missing ones, then
 * computed values), what `issue` receives in each form, the gate and the
 * client hook, and the factory's arguments.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenError } from '../../src/errors/tokenerror.js';
import { defineExchange, optional, required, SCOPE, userPropertyOf } from '../../src/exchange/defineExchange.js';
import { assertTokenError, exchangeWith, tokenResponse } from './helpers.js';

const define = defineExchange({
  factory: 'sample',
  grantType: 'urn:example:sample',
  params: [required('first_thing', 'first'), optional('second'), SCOPE],
  issue: { positional: ['client', 'first'], extras: ['second', 'scope', 'body', 'authInfo'] },
  invalid: 'Invalid sample',
  options: {},
});

describe('defineExchange', () => {
  it('names the exchange function after its grant type', () => {
    assert.equal(define((_c: unknown, _f: unknown, done: () => void) => done()).name, 'urn:example:sample');
  });

  it('checks every string parameter before any missing one, then reads the scope', async () => {
    const issue = () => assert.fail('issue must not run');
    const both = await exchangeWith(define(issue), { second: ['x'], scope: 1 });
    assertTokenError(both.err, 'Invalid parameter: second must be a string', 'invalid_request', 400);
    const missing = await exchangeWith(define(issue), { second: 'x', scope: 1 });
    assertTokenError(missing.err, 'Missing required parameter: first_thing', 'invalid_request', 400);
    const scope = await exchangeWith(define(issue), { first_thing: 'f', scope: 1 });
    assertTokenError(scope.err, 'Invalid parameter: scope must be a string', 'invalid_request', 400);
  });

  it('gives issue the values its arity asks for, or every value by name in the context form', async () => {
    const body = { first_thing: 'f', second: 's', scope: 'a b' };
    const seen: unknown[] = [];
    const positional = define({}, (client: unknown, first: unknown, second: unknown, scope: unknown, done: (e: null, t: string) => void) => {
      seen.push([client, first, second, scope]);
      done(null, 'AT');
    });
    tokenResponse((await exchangeWith(positional, body, { user: 'c1' })).res);
    const context = define(async (ctx: unknown) => {
      seen.push(ctx);
      return { accessToken: 'AT2', params: { extra: 1 } };
    });
    assert.deepEqual(tokenResponse((await exchangeWith(context, body, { user: 'c1', authInfo: 'info' })).res), { access_token: 'AT2', extra: 1, token_type: 'Bearer' });
    assert.deepEqual(seen, [
      ['c1', 'f', 's', ['a', 'b']],
      { client: 'c1', first: 'f', second: 's', scope: ['a', 'b'], body, authInfo: 'info', resource: [], dpop: undefined },
    ]);
  });

  it('a falsy token fails with the definition\'s message', async () => {
    const r = await exchangeWith(define((_c: unknown, _f: unknown, done: (e: null, t: boolean) => void) => done(null, false)), { first_thing: 'f' });
    assertTokenError(r.err, 'Invalid sample', 'invalid_grant', 403);
  });

  it('runs the gate before the body is read, and the client hook before the parameters', async () => {
    const gated = defineExchange({
      factory: 'gated', grantType: 'gated', params: [required('x')], issue: { positional: ['client', 'x'] }, invalid: 'no', options: {},
      gate: (req) => ((req as { refuse?: boolean }).refuse ? new TokenError('Refused', 'unsupported_grant_type') : undefined),
      client: (client) => { if (!client) throw new TokenError('Client authentication failed', 'invalid_client'); return client; },
    });
    const issue = () => assert.fail('issue must not run');
    assertTokenError((await exchangeWith(gated(issue), null, { refuse: true })).err, 'Refused', 'unsupported_grant_type', 501);
    assertTokenError((await exchangeWith(gated(issue), {})).err, 'Client authentication failed', 'invalid_client', 401);
  });

  it("throws the factory's TypeError without issue, and the misuse error when registered uncalled", () => {
    assert.throws(() => define(undefined), (err: Error) => err instanceof TypeError && err.message === 'oauth2orize.sample exchange requires an issue callback');
    const req = { method: 'POST', headers: {} };
    const res = { setHeader() {}, end() {} };
    assert.throws(() => define(req, res), /^TypeError: oauth2orize: oauth2orize\.exchange\.sample is a factory, not a middleware/);
  });

  it('userPropertyOf: the option, or user when it is unset or empty', () => {
    assert.equal(userPropertyOf(undefined), 'user');
    assert.equal(userPropertyOf({}), 'user');
    assert.equal(userPropertyOf({ userProperty: '' }), 'user');
    assert.equal(userPropertyOf({ userProperty: 'client' }), 'client');
  });
});
