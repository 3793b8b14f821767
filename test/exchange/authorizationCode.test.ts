import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationCode } from '../../src/exchange/authorizationCode.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { BODY_PARSING_MESSAGE, assertTokenError, exchangeWith, tokenResponse } from './helpers.js';

const client = { id: 'c123', name: 'Example' };
const authInfo = { scope: 'read' };
const body = () => ({ grant_type: 'authorization_code', code: 'abc123', redirect_uri: 'https://client.example.com/cb' });

describe('exchange.authorizationCode', () => {
  it('throws without an issue callback', () => {
    assert.throws(() => (authorizationCode as any)(), (e: any) => e instanceof TypeError && e.message === 'oauth2orize.authorizationCode exchange requires an issue callback');
    assert.throws(() => (authorizationCode as any)({}), (e: any) => e instanceof TypeError && e.message === 'oauth2orize.authorizationCode exchange requires an issue callback');
  });

  it('returns a middleware named authorization_code of arity 3', () => {
    const mw: any = authorizationCode((_c: any, _code: any, _r: any, _d: any) => {});
    assert.equal(mw.name, 'authorization_code');
    assert.equal(mw.length, 3);
  });

  describe('issue arities', () => {
    it('4: (client, code, redirectURI, done)', async () => {
      let args: any[] = [];
      const mw = authorizationCode(function (c: any, code: any, redirectURI: any, done: any) {
        args = [c, code, redirectURI];
        done(null, 's3cr1t');
      } as any);
      const { res, nextCalled } = await exchangeWith(mw as any, body(), { user: client, authInfo });
      assert.equal(nextCalled, false);
      assert.deepEqual(args, [client, 'abc123', 'https://client.example.com/cb']);
      assert.equal(res.body, '{"access_token":"s3cr1t","token_type":"Bearer"}');
      tokenResponse(res);
    });

    it('5: (client, code, redirectURI, body, done)', async () => {
      let args: any[] = [];
      const b = body();
      const mw = authorizationCode(function (c: any, code: any, redirectURI: any, bdy: any, done: any) {
        args = [c, code, redirectURI, bdy];
        done(null, 's3cr1t');
      } as any);
      const { res } = await exchangeWith(mw as any, b, { user: client, authInfo });
      assert.equal(args[0], client);
      assert.equal(args[1], 'abc123');
      assert.equal(args[2], 'https://client.example.com/cb');
      assert.equal(args[3], b);
      assert.equal(tokenResponse(res).access_token, 's3cr1t');
    });

    it('6: (client, code, redirectURI, body, authInfo, done)', async () => {
      let args: any[] = [];
      const b = body();
      const mw = authorizationCode(function (c: any, code: any, redirectURI: any, bdy: any, info: any, done: any) {
        args = [c, code, redirectURI, bdy, info];
        done(null, 's3cr1t');
      } as any);
      const { res } = await exchangeWith(mw as any, b, { user: client, authInfo });
      assert.equal(args[0], client);
      assert.equal(args[1], 'abc123');
      assert.equal(args[2], 'https://client.example.com/cb');
      assert.equal(args[3], b);
      assert.equal(args[4], authInfo);
      assert.equal(tokenResponse(res).access_token, 's3cr1t');
    });

    it('passes an absent redirect_uri as undefined', async () => {
      let args: any[] = [];
      const mw = authorizationCode(function (c: any, code: any, redirectURI: any, done: any) {
        args = [c, code, redirectURI];
        done(null, 't');
      } as any);
      await exchangeWith(mw as any, { grant_type: 'authorization_code', code: 'abc123' }, { user: client });
      assert.deepEqual(args, [client, 'abc123', undefined]);
    });
  });

  it('accepts (options, issue) and reads the client from options.userProperty', async () => {
    let seen: any;
    const mw = authorizationCode({ userProperty: 'client' } as any, function (c: any, _code: any, _r: any, done: any) {
      seen = c;
      done(null, 't');
    } as any);
    await exchangeWith(mw as any, body(), { user: { id: 'not-me' }, client });
    assert.equal(seen, client);
  });

  describe('the response', () => {
    const respondWith = (...doneArgs: any[]) =>
      authorizationCode(function (_c: any, _code: any, _r: any, done: any) { done(null, ...doneArgs); } as any);

    it('includes a refresh token', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', 'getANotehr') as any, body(), { user: client });
      assert.equal(res.body, '{"access_token":"s3cr1t","refresh_token":"getANotehr","token_type":"Bearer"}');
      tokenResponse(res);
    });

    it('merges params after the refresh token', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', 'getANotehr', { expires_in: 3600 }) as any, body(), { user: client });
      assert.equal(res.body, '{"access_token":"s3cr1t","refresh_token":"getANotehr","expires_in":3600,"token_type":"Bearer"}');
    });

    it('treats an object in the refresh-token position as params', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', { expires_in: 3600 }) as any, body(), { user: client });
      const json = tokenResponse(res);
      assert.deepEqual(json, { access_token: 's3cr1t', expires_in: 3600, token_type: 'Bearer' });
      assert.equal('refresh_token' in json, false);
    });

    it('lets a token_type param win over Bearer', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', 'r', { token_type: 'DPoP' }) as any, body(), { user: client });
      assert.deepEqual(tokenResponse(res), { access_token: 's3cr1t', refresh_token: 'r', token_type: 'DPoP' });
    });

    it('omits a falsy refresh token', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', null, { expires_in: 60 }) as any, body(), { user: client });
      assert.deepEqual(tokenResponse(res), { access_token: 's3cr1t', expires_in: 60, token_type: 'Bearer' });
    });
  });

  describe('failures', () => {
    it('fails with invalid_grant when issue gives no token', async () => {
      for (const falsy of [false, null, undefined, '']) {
        const mw = authorizationCode(function (_c: any, _code: any, _r: any, done: any) { done(null, falsy); } as any);
        const { err, nextCalled, res } = await exchangeWith(mw as any, body(), { user: client });
        assert.equal(nextCalled, true);
        assert.equal(res.ended, false);
        assertTokenError(err, 'Invalid authorization code', 'invalid_grant', 403);
        assert.ok(err instanceof TokenError);
      }
    });

    it('passes an error given to done on to next', async () => {
      const boom = new Error('store unavailable');
      const mw = authorizationCode(function (_c: any, _code: any, _r: any, done: any) { done(boom); } as any);
      const { err, res } = await exchangeWith(mw as any, body(), { user: client });
      assert.equal(err, boom);
      assert.equal(res.ended, false);
    });

    it('passes a TokenError given to done on to next unchanged', async () => {
      const e = new TokenError('bad client', 'invalid_client');
      const mw = authorizationCode(function (_c: any, _code: any, _r: any, done: any) { done(e); } as any);
      const { err } = await exchangeWith(mw as any, body(), { user: client });
      assert.equal(err, e);
    });

    it('passes an exception thrown by issue on to next', async () => {
      const mw = authorizationCode(function (_c: any, _code: any, _r: any, _done: any) { throw new Error('issue threw'); } as any);
      const { err, nextCalled } = await exchangeWith(mw as any, body(), { user: client });
      assert.equal(nextCalled, true);
      assert.ok(err instanceof Error);
      assert.equal((err as Error).message, 'issue threw');
    });

    it('requires body parsing', async () => {
      let called = false;
      const mw = authorizationCode(function (_c: any, _code: any, _r: any, done: any) { called = true; done(null, 't'); } as any);
      const { err } = await exchangeWith(mw as any, null, { user: client });
      assert.ok(err instanceof Error);
      assert.equal((err as Error).message, BODY_PARSING_MESSAGE);
      assert.equal(called, false);
    });

    it('requires code', async () => {
      let called = false;
      const mw = authorizationCode(function (_c: any, _code: any, _r: any, done: any) { called = true; done(null, 't'); } as any);
      for (const b of [{ grant_type: 'authorization_code' }, { grant_type: 'authorization_code', code: '' }]) {
        const { err } = await exchangeWith(mw as any, b, { user: client });
        assertTokenError(err, 'Missing required parameter: code', 'invalid_request', 400);
      }
      assert.equal(called, false);
    });

    // New in the port: 1.12 handed arrays and objects from extended body parsers to issue.
    for (const [name, value] of [
      ['code', ['a', 'b']],
      ['code', { $ne: 1 }],
      ['redirect_uri', ['https://a.example.com', 'https://b.example.com']],
      ['redirect_uri', { $gt: '' }],
    ] as const) {
      it(`rejects a non-string ${name} (${JSON.stringify(value)})`, async () => {
        let called = false;
        const mw = authorizationCode(function (_c: any, _code: any, _r: any, done: any) { called = true; done(null, 't'); } as any);
        const { err } = await exchangeWith(mw as any, { ...body(), [name]: value }, { user: client });
        assertTokenError(err, `Invalid parameter: ${name} must be a string`, 'invalid_request', 400);
        assert.equal(called, false);
      });
    }
  });
});
