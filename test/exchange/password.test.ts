import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { password } from '../../src/exchange/password.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { BODY_PARSING_MESSAGE, assertTokenError, exchangeWith, tokenResponse } from './helpers.js';
import { MockResponse, mockRequest, run } from '../helpers/mock.js';

const client = { id: 'c123', name: 'Example' };
const authInfo = { method: 'basic' };
const body = (extra: Record<string, unknown> = {}) => ({ grant_type: 'password', username: 'bob', password: 'secret', ...extra });

describe('exchange.password', () => {
  it('throws without an issue callback', () => {
    assert.throws(() => (password as any)(), (e: any) => e instanceof TypeError && e.message === 'oauth2orize.password exchange requires an issue callback');
    assert.throws(() => (password as any)({}), TypeError);
  });

  it('returns a middleware named password of arity 3', () => {
    const mw: any = password((_c: any, _u: any, _p: any, _d: any) => {});
    assert.equal(mw.name, 'password');
    assert.equal(mw.length, 3);
  });

  describe('issue arities', () => {
    it('4: (client, username, password, done)', async () => {
      let args: any[] = [];
      const mw = password(function (c: any, u: any, p: any, done: any) { args = [c, u, p]; done(null, 's3cr1t'); } as any);
      const { res, nextCalled } = await exchangeWith(mw as any, body({ scope: 'read' }), { user: client, authInfo });
      assert.equal(nextCalled, false);
      assert.deepEqual(args, [client, 'bob', 'secret']);
      assert.equal(res.body, '{"access_token":"s3cr1t","token_type":"Bearer"}');
      tokenResponse(res);
    });

    it('5: (client, username, password, scope, done)', async () => {
      let args: any[] = [];
      const mw = password(function (c: any, u: any, p: any, s: any, done: any) { args = [c, u, p, s]; done(null, 's3cr1t'); } as any);
      await exchangeWith(mw as any, body({ scope: 'read write' }), { user: client });
      assert.deepEqual(args, [client, 'bob', 'secret', ['read', 'write']]);
    });

    it('6: (client, username, password, scope, body, done)', async () => {
      let args: any[] = [];
      const b = body({ scope: 'read' });
      const mw = password(function (c: any, u: any, p: any, s: any, bdy: any, done: any) { args = [c, u, p, s, bdy]; done(null, 's3cr1t'); } as any);
      await exchangeWith(mw as any, b, { user: client, authInfo });
      assert.equal(args[0], client);
      assert.equal(args[1], 'bob');
      assert.equal(args[2], 'secret');
      assert.deepEqual(args[3], ['read']);
      assert.equal(args[4], b);
    });

    it('7: (client, username, password, scope, body, authInfo, done)', async () => {
      let args: any[] = [];
      const b = body();
      const mw = password(function (c: any, u: any, p: any, s: any, bdy: any, info: any, done: any) { args = [c, u, p, s, bdy, info]; done(null, 's3cr1t'); } as any);
      const { res } = await exchangeWith(mw as any, b, { user: client, authInfo });
      assert.equal(args[0], client);
      assert.equal(args[1], 'bob');
      assert.equal(args[2], 'secret');
      assert.equal(args[3], undefined);
      assert.equal(args[4], b);
      assert.equal(args[5], authInfo);
      tokenResponse(res);
    });
  });

  describe('scope', () => {
    const capture = (options?: any) => {
      const seen: { scope?: any } = {};
      const issue = function (_c: any, _u: any, _p: any, scope: any, done: any) { seen.scope = scope; done(null, 't'); };
      const mw = options ? password(options, issue as any) : password(issue as any);
      return { mw, seen };
    };

    it('is undefined when absent', async () => {
      const { mw, seen } = capture();
      await exchangeWith(mw as any, body(), { user: client });
      assert.ok('scope' in seen);
      assert.equal(seen.scope, undefined);
    });

    it('becomes a one-element array when nothing splits it', async () => {
      const { mw, seen } = capture();
      await exchangeWith(mw as any, body({ scope: 'read' }), { user: client });
      assert.deepEqual(seen.scope, ['read']);
    });

    it('splits on a string scopeSeparator', async () => {
      const { mw, seen } = capture({ scopeSeparator: ',' });
      await exchangeWith(mw as any, body({ scope: 'read,write' }), { user: client });
      assert.deepEqual(seen.scope, ['read', 'write']);
    });

    it("falls back to ' ' for an empty scopeSeparator, as 1.x's `|| ' '` does", async () => {
      const { mw, seen } = capture({ scopeSeparator: '' });
      await exchangeWith(mw as any, body({ scope: 'read write' }), { user: client });
      assert.deepEqual(seen.scope, ['read', 'write']);
    });

    it('uses the first separator in an array that actually splits', async () => {
      const { mw, seen } = capture({ scopeSeparator: [' ', ','] });
      await exchangeWith(mw as any, body({ scope: 'read,write' }), { user: client });
      assert.deepEqual(seen.scope, ['read', 'write']);
      await exchangeWith(mw as any, body({ scope: 'x y,z' }), { user: client });
      assert.deepEqual(seen.scope, ['x', 'y,z']);
    });

    it('rejects a non-string scope', async () => {
      const { mw, seen } = capture();
      const { err } = await exchangeWith(mw as any, body({ scope: ['read', 'write'] }), { user: client });
      assertTokenError(err, 'Invalid parameter: scope must be a string', 'invalid_request', 400);
      assert.equal('scope' in seen, false);
    });
  });

  it('reads the client from options.userProperty', async () => {
    let seen: any;
    const mw = password({ userProperty: 'client' } as any, function (c: any, _u: any, _p: any, done: any) { seen = c; done(null, 't'); } as any);
    await exchangeWith(mw as any, body(), { client, user: { id: 'resource-owner' } });
    assert.equal(seen, client);
  });

  describe('the response', () => {
    const respondWith = (...doneArgs: any[]) =>
      password(function (_c: any, _u: any, _p: any, done: any) { done(null, ...doneArgs); } as any);

    it('includes a refresh token and params', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', 'getANotehr', { expires_in: 3600 }) as any, body(), { user: client });
      assert.equal(res.body, '{"access_token":"s3cr1t","refresh_token":"getANotehr","expires_in":3600,"token_type":"Bearer"}');
      tokenResponse(res);
    });

    it('answers once when issue calls done twice', async () => {
      let ends = 0;
      const mw = password(function (_c: any, _u: any, _p: any, done: any) { done(null, 'first'); done(null, 'second'); done(new Error('late')); } as any);
      const res = new MockResponse();
      res.on('finish', () => { ends++; });
      const { nextCalled } = await run(mw as any, mockRequest({ method: 'POST', body: body(), user: client }), res);
      assert.equal(nextCalled, false);
      assert.equal(ends, 1, 'the response ends once');
      assert.deepEqual(tokenResponse(res), { access_token: 'first', token_type: 'Bearer' });
    });

    it('treats an object in the refresh-token position as params', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', { expires_in: 3600 }) as any, body(), { user: client });
      assert.deepEqual(tokenResponse(res), { access_token: 's3cr1t', expires_in: 3600, token_type: 'Bearer' });
    });

    it('lets a token_type param win over Bearer', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', 'r', { token_type: 'example' }) as any, body(), { user: client });
      assert.deepEqual(tokenResponse(res), { access_token: 's3cr1t', refresh_token: 'r', token_type: 'example' });
    });
  });

  describe('failures', () => {
    it('fails with invalid_grant when issue gives no token', async () => {
      const mw = password(function (_c: any, _u: any, _p: any, done: any) { done(null, false); } as any);
      const { err, res } = await exchangeWith(mw as any, body(), { user: client });
      assertTokenError(err, 'Invalid resource owner credentials', 'invalid_grant', 403);
      assert.ok(err instanceof TokenError);
      assert.equal(res.ended, false);
    });

    it('passes an error given to done on to next', async () => {
      const boom = new Error('db down');
      const mw = password(function (_c: any, _u: any, _p: any, done: any) { done(boom); } as any);
      const { err } = await exchangeWith(mw as any, body(), { user: client });
      assert.equal(err, boom);
    });

    it('passes an exception thrown by issue on to next', async () => {
      const mw = password(function (_c: any, _u: any, _p: any, _done: any) { throw new Error('issue threw'); } as any);
      const { err } = await exchangeWith(mw as any, body(), { user: client });
      assert.equal((err as Error).message, 'issue threw');
    });

    it('requires body parsing', async () => {
      const mw = password(function (_c: any, _u: any, _p: any, done: any) { done(null, 't'); } as any);
      const { err } = await exchangeWith(mw as any, null, { user: client });
      assert.ok(err instanceof Error);
      assert.equal((err as Error).message, BODY_PARSING_MESSAGE);
    });

    it('requires username, then password', async () => {
      let called = false;
      const mw = password(function (_c: any, _u: any, _p: any, done: any) { called = true; done(null, 't'); } as any);
      let out = await exchangeWith(mw as any, { grant_type: 'password' }, { user: client });
      assertTokenError(out.err, 'Missing required parameter: username', 'invalid_request', 400);
      out = await exchangeWith(mw as any, { grant_type: 'password', password: 'secret' }, { user: client });
      assertTokenError(out.err, 'Missing required parameter: username', 'invalid_request', 400);
      out = await exchangeWith(mw as any, { grant_type: 'password', username: 'bob' }, { user: client });
      assertTokenError(out.err, 'Missing required parameter: password', 'invalid_request', 400);
      out = await exchangeWith(mw as any, { grant_type: 'password', username: 'bob', password: '' }, { user: client });
      assertTokenError(out.err, 'Missing required parameter: password', 'invalid_request', 400);
      assert.equal(called, false);
    });

    // New in the port: arrays and objects from extended body parsers are refused.
    for (const [name, value] of [
      ['username', ['bob', 'alice']],
      ['username', { $ne: null }],
      ['password', ['a', 'b']],
      ['password', { $gt: '' }],
    ] as const) {
      it(`rejects a non-string ${name} (${JSON.stringify(value)})`, async () => {
        let called = false;
        const mw = password(function (_c: any, _u: any, _p: any, done: any) { called = true; done(null, 't'); } as any);
        const { err } = await exchangeWith(mw as any, body({ [name]: value }), { user: client });
        assertTokenError(err, `Invalid parameter: ${name} must be a string`, 'invalid_request', 400);
        assert.equal(called, false);
      });
    }
  });
});
