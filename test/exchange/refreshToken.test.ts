import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refreshToken } from '../../src/exchange/refreshToken.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { BODY_PARSING_MESSAGE, assertTokenError, exchangeWith, tokenResponse } from './helpers.js';

const client = { id: 'c123', name: 'Example' };
const authInfo = { method: 'basic' };
const body = (extra: Record<string, unknown> = {}) => ({ grant_type: 'refresh_token', refresh_token: 'r3fr3sh', ...extra });

describe('exchange.refreshToken', () => {
  it('throws without an issue callback', () => {
    assert.throws(() => (refreshToken as any)(), (e: any) => e instanceof TypeError && e.message === 'oauth2orize.refreshToken exchange requires an issue callback');
    assert.throws(() => (refreshToken as any)({}), TypeError);
  });

  it('returns a middleware named refresh_token of arity 3', () => {
    const mw: any = refreshToken((_c: any, _r: any, _d: any) => {});
    assert.equal(mw.name, 'refresh_token');
    assert.equal(mw.length, 3);
  });

  describe('issue arities', () => {
    it('3: (client, refreshToken, done)', async () => {
      let args: any[] = [];
      const mw = refreshToken(function (c: any, r: any, done: any) { args = [c, r]; done(null, 's3cr1t'); } as any);
      const { res, nextCalled } = await exchangeWith(mw as any, body({ scope: 'read' }), { user: client, authInfo });
      assert.equal(nextCalled, false);
      assert.deepEqual(args, [client, 'r3fr3sh']);
      assert.equal(res.body, '{"access_token":"s3cr1t","token_type":"Bearer"}');
      tokenResponse(res);
    });

    it('4: (client, refreshToken, scope, done)', async () => {
      let args: any[] = [];
      const mw = refreshToken(function (c: any, r: any, s: any, done: any) { args = [c, r, s]; done(null, 's3cr1t'); } as any);
      await exchangeWith(mw as any, body({ scope: 'read write' }), { user: client });
      assert.deepEqual(args, [client, 'r3fr3sh', ['read', 'write']]);
    });

    it('5: (client, refreshToken, scope, body, done)', async () => {
      let args: any[] = [];
      const b = body();
      const mw = refreshToken(function (c: any, r: any, s: any, bdy: any, done: any) { args = [c, r, s, bdy]; done(null, 's3cr1t'); } as any);
      await exchangeWith(mw as any, b, { user: client, authInfo });
      assert.equal(args[0], client);
      assert.equal(args[1], 'r3fr3sh');
      assert.equal(args[2], undefined);
      assert.equal(args[3], b);
    });

    it('6: (client, refreshToken, scope, body, authInfo, done)', async () => {
      let args: any[] = [];
      const b = body({ scope: 'read' });
      const mw = refreshToken(function (c: any, r: any, s: any, bdy: any, info: any, done: any) { args = [c, r, s, bdy, info]; done(null, 's3cr1t'); } as any);
      const { res } = await exchangeWith(mw as any, b, { user: client, authInfo });
      assert.equal(args[0], client);
      assert.equal(args[1], 'r3fr3sh');
      assert.deepEqual(args[2], ['read']);
      assert.equal(args[3], b);
      assert.equal(args[4], authInfo);
      tokenResponse(res);
    });
  });

  describe('scope', () => {
    const capture = (options?: any) => {
      const seen: { scope?: any } = {};
      const issue = function (_c: any, _r: any, scope: any, done: any) { seen.scope = scope; done(null, 't'); };
      const mw = options ? refreshToken(options, issue as any) : refreshToken(issue as any);
      return { mw, seen };
    };

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

    it('uses the first separator in an array that actually splits', async () => {
      const { mw, seen } = capture({ scopeSeparator: [' ', ','] });
      await exchangeWith(mw as any, body({ scope: 'read,write' }), { user: client });
      assert.deepEqual(seen.scope, ['read', 'write']);
    });

    it('rejects a non-string scope', async () => {
      const { mw, seen } = capture();
      const { err } = await exchangeWith(mw as any, body({ scope: { $ne: 1 } }), { user: client });
      assertTokenError(err, 'Invalid parameter: scope must be a string', 'invalid_request', 400);
      assert.equal('scope' in seen, false);
    });
  });

  it('reads the client from options.userProperty', async () => {
    let seen: any;
    const mw = refreshToken({ userProperty: 'client' } as any, function (c: any, _r: any, done: any) { seen = c; done(null, 't'); } as any);
    await exchangeWith(mw as any, body(), { client });
    assert.equal(seen, client);
  });

  describe('the response', () => {
    const respondWith = (...doneArgs: any[]) =>
      refreshToken(function (_c: any, _r: any, done: any) { done(null, ...doneArgs); } as any);

    it('includes a new refresh token and params', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', 'n3w', { expires_in: 3600 }) as any, body(), { user: client });
      assert.equal(res.body, '{"access_token":"s3cr1t","refresh_token":"n3w","expires_in":3600,"token_type":"Bearer"}');
      tokenResponse(res);
    });

    it('treats an object in the refresh-token position as params', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', { expires_in: 3600 }) as any, body(), { user: client });
      assert.deepEqual(tokenResponse(res), { access_token: 's3cr1t', expires_in: 3600, token_type: 'Bearer' });
    });

    it('lets a token_type param win over Bearer', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', { token_type: 'example' }) as any, body(), { user: client });
      assert.deepEqual(tokenResponse(res), { access_token: 's3cr1t', token_type: 'example' });
    });
  });

  describe('failures', () => {
    it('fails with invalid_grant when issue gives no token', async () => {
      const mw = refreshToken(function (_c: any, _r: any, done: any) { done(null, false); } as any);
      const { err, res } = await exchangeWith(mw as any, body(), { user: client });
      assertTokenError(err, 'Invalid refresh token', 'invalid_grant', 403);
      assert.ok(err instanceof TokenError);
      assert.equal(res.ended, false);
    });

    it('passes an error given to done on to next', async () => {
      const boom = new Error('db down');
      const mw = refreshToken(function (_c: any, _r: any, done: any) { done(boom); } as any);
      const { err } = await exchangeWith(mw as any, body(), { user: client });
      assert.equal(err, boom);
    });

    it('passes an exception thrown by issue on to next', async () => {
      const mw = refreshToken(function (_c: any, _r: any, _done: any) { throw new Error('issue threw'); } as any);
      const { err } = await exchangeWith(mw as any, body(), { user: client });
      assert.equal((err as Error).message, 'issue threw');
    });

    it('requires body parsing', async () => {
      const mw = refreshToken(function (_c: any, _r: any, done: any) { done(null, 't'); } as any);
      const { err } = await exchangeWith(mw as any, null, { user: client });
      assert.ok(err instanceof Error);
      assert.equal((err as Error).message, BODY_PARSING_MESSAGE);
    });

    it('requires refresh_token', async () => {
      let called = false;
      const mw = refreshToken(function (_c: any, _r: any, done: any) { called = true; done(null, 't'); } as any);
      for (const b of [{ grant_type: 'refresh_token' }, { grant_type: 'refresh_token', refresh_token: '' }]) {
        const { err } = await exchangeWith(mw as any, b, { user: client });
        assertTokenError(err, 'Missing required parameter: refresh_token', 'invalid_request', 400);
      }
      assert.equal(called, false);
    });

    // New in the port: arrays and objects from extended body parsers are refused.
    for (const value of [['a', 'b'], { $ne: 1 }]) {
      it(`rejects a non-string refresh_token (${JSON.stringify(value)})`, async () => {
        let called = false;
        const mw = refreshToken(function (_c: any, _r: any, done: any) { called = true; done(null, 't'); } as any);
        const { err } = await exchangeWith(mw as any, body({ refresh_token: value }), { user: client });
        assertTokenError(err, 'Invalid parameter: refresh_token must be a string', 'invalid_request', 400);
        assert.equal(called, false);
      });
    }
  });
});
