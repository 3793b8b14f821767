import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientCredentials } from '../../src/exchange/clientCredentials.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { BODY_PARSING_MESSAGE, assertTokenError, exchangeWith, tokenResponse } from './helpers.js';

const client = { id: 'c123', name: 'Example' };
const authInfo = { method: 'basic' };

describe('exchange.clientCredentials', () => {
  it('throws without an issue callback', () => {
    assert.throws(() => (clientCredentials as any)(), (e: any) => e instanceof TypeError && e.message === 'oauth2orize.clientCredentials exchange requires an issue callback');
    assert.throws(() => (clientCredentials as any)({ scopeSeparator: ',' }), TypeError);
  });

  it('returns a middleware named client_credentials of arity 3', () => {
    const mw: any = clientCredentials((_c: any, _d: any) => {});
    assert.equal(mw.name, 'client_credentials');
    assert.equal(mw.length, 3);
  });

  describe('issue arities', () => {
    it('2: (client, done)', async () => {
      let args: any[] = [];
      const mw = clientCredentials(function (c: any, done: any) { args = [c]; done(null, 's3cr1t'); } as any);
      const { res, nextCalled } = await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: 'read' }, { user: client, authInfo });
      assert.equal(nextCalled, false);
      assert.deepEqual(args, [client]);
      assert.equal(res.body, '{"access_token":"s3cr1t","token_type":"Bearer"}');
      tokenResponse(res);
    });

    it('3: (client, scope, done)', async () => {
      let args: any[] = [];
      const mw = clientCredentials(function (c: any, scope: any, done: any) { args = [c, scope]; done(null, 's3cr1t'); } as any);
      const { res } = await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: 'read write' }, { user: client });
      assert.deepEqual(args, [client, ['read', 'write']]);
      tokenResponse(res);
    });

    it('4: (client, scope, body, done)', async () => {
      let args: any[] = [];
      const b = { grant_type: 'client_credentials', scope: 'read', audience: 'api' };
      const mw = clientCredentials(function (c: any, scope: any, bdy: any, done: any) { args = [c, scope, bdy]; done(null, 's3cr1t'); } as any);
      const { res } = await exchangeWith(mw as any, b, { user: client, authInfo });
      assert.equal(args[0], client);
      assert.deepEqual(args[1], ['read']);
      assert.equal(args[2], b);
      tokenResponse(res);
    });

    it('5: (client, scope, body, authInfo, done)', async () => {
      let args: any[] = [];
      const b = { grant_type: 'client_credentials', scope: 'read' };
      const mw = clientCredentials(function (c: any, scope: any, bdy: any, info: any, done: any) { args = [c, scope, bdy, info]; done(null, 's3cr1t'); } as any);
      const { res } = await exchangeWith(mw as any, b, { user: client, authInfo });
      assert.equal(args[0], client);
      assert.deepEqual(args[1], ['read']);
      assert.equal(args[2], b);
      assert.equal(args[3], authInfo);
      tokenResponse(res);
    });
  });

  describe('scope', () => {
    const capture = (options?: any) => {
      const seen: { scope?: any } = {};
      const issue = function (_c: any, scope: any, done: any) { seen.scope = scope; done(null, 't'); };
      const mw = options ? clientCredentials(options, issue as any) : clientCredentials(issue as any);
      return { mw, seen };
    };

    it('is undefined when absent', async () => {
      const { mw, seen } = capture();
      await exchangeWith(mw as any, { grant_type: 'client_credentials' }, { user: client });
      assert.ok('scope' in seen);
      assert.equal(seen.scope, undefined);
    });

    it('becomes a one-element array when nothing splits it', async () => {
      const { mw, seen } = capture();
      await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: 'read' }, { user: client });
      assert.deepEqual(seen.scope, ['read']);
    });

    it('splits on spaces by default, not on commas', async () => {
      const { mw, seen } = capture();
      await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: 'read,write' }, { user: client });
      assert.deepEqual(seen.scope, ['read,write']);
    });

    it('splits on a string scopeSeparator', async () => {
      const { mw, seen } = capture({ scopeSeparator: ',' });
      await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: 'read,write' }, { user: client });
      assert.deepEqual(seen.scope, ['read', 'write']);
    });

    it('uses the first separator in an array that actually splits', async () => {
      const { mw, seen } = capture({ scopeSeparator: [' ', ','] });
      await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: 'read,write' }, { user: client });
      assert.deepEqual(seen.scope, ['read', 'write']);
      await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: 'a,b c' }, { user: client });
      assert.deepEqual(seen.scope, ['a,b', 'c']);
      await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: 'solo' }, { user: client });
      assert.deepEqual(seen.scope, ['solo']);
    });

    for (const bad of [['read', 'write'], { $ne: 1 }]) {
      it(`rejects a non-string scope ${JSON.stringify(bad)}`, async () => {
        const { mw, seen } = capture();
        const { err } = await exchangeWith(mw as any, { grant_type: 'client_credentials', scope: bad }, { user: client });
        assertTokenError(err, 'Invalid parameter: scope must be a string', 'invalid_request', 400);
        assert.equal('scope' in seen, false);
      });
    }
  });

  it('reads the client from options.userProperty', async () => {
    let seen: any;
    const mw = clientCredentials({ userProperty: 'client' } as any, function (c: any, done: any) { seen = c; done(null, 't'); } as any);
    await exchangeWith(mw as any, { grant_type: 'client_credentials' }, { client });
    assert.equal(seen, client);
  });

  describe('the response', () => {
    const respondWith = (...doneArgs: any[]) =>
      clientCredentials(function (_c: any, done: any) { done(null, ...doneArgs); } as any);

    it('includes a refresh token and params', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', 'r3fr3sh', { expires_in: 3600 }) as any, { grant_type: 'client_credentials' }, { user: client });
      assert.equal(res.body, '{"access_token":"s3cr1t","refresh_token":"r3fr3sh","expires_in":3600,"token_type":"Bearer"}');
    });

    it('treats an object in the refresh-token position as params', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', { expires_in: 3600 }) as any, { grant_type: 'client_credentials' }, { user: client });
      assert.deepEqual(tokenResponse(res), { access_token: 's3cr1t', expires_in: 3600, token_type: 'Bearer' });
    });

    it('lets a token_type param win over Bearer', async () => {
      const { res } = await exchangeWith(respondWith('s3cr1t', { token_type: 'mac' }) as any, { grant_type: 'client_credentials' }, { user: client });
      assert.deepEqual(tokenResponse(res), { access_token: 's3cr1t', token_type: 'mac' });
    });
  });

  describe('failures', () => {
    it('fails with invalid_grant when issue gives no token', async () => {
      const mw = clientCredentials(function (_c: any, done: any) { done(null, false); } as any);
      const { err, res } = await exchangeWith(mw as any, { grant_type: 'client_credentials' }, { user: client });
      assertTokenError(err, 'Invalid client credentials', 'invalid_grant', 403);
      assert.ok(err instanceof TokenError);
      assert.equal(res.ended, false);
    });

    it('passes an error given to done on to next', async () => {
      const boom = new Error('db down');
      const mw = clientCredentials(function (_c: any, done: any) { done(boom); } as any);
      const { err } = await exchangeWith(mw as any, { grant_type: 'client_credentials' }, { user: client });
      assert.equal(err, boom);
    });

    it('passes an exception thrown by issue on to next', async () => {
      const mw = clientCredentials(function (_c: any, _done: any) { throw new Error('issue threw'); } as any);
      const { err } = await exchangeWith(mw as any, { grant_type: 'client_credentials' }, { user: client });
      assert.equal((err as Error).message, 'issue threw');
    });

    it('requires body parsing', async () => {
      let called = false;
      const mw = clientCredentials(function (_c: any, done: any) { called = true; done(null, 't'); } as any);
      const { err } = await exchangeWith(mw as any, null, { user: client });
      assert.ok(err instanceof Error);
      assert.equal((err as Error).message, BODY_PARSING_MESSAGE);
      assert.equal(called, false);
    });
  });
});
