import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { token } from '../../src/grant/token.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { mockRequest, MockResponse, BareResponse } from '../helpers/mock.js';
import { withArity, callResponse, callError, assertOAuthError, assertRedirect } from '../helpers/authorize.js';

const noopIssue: any = (_c: unknown, _u: unknown, done: (e: unknown, t?: string, p?: unknown) => void) => done(null, 'at-1');

function parse(query: Record<string, unknown>, options?: Record<string, unknown>): any {
  const mod = options ? token(options as any, noopIssue) : token(noopIssue);
  return (mod.request as any)(mockRequest({ query }) as any);
}

function parseError(query: Record<string, unknown>): unknown {
  try {
    parse(query);
  } catch (err) {
    return err;
  }
  assert.fail('request parser should have thrown');
}

function txn(overrides: Record<string, any> = {}): any {
  return {
    transactionID: 't1',
    client: { id: 'c123' },
    redirectURI: 'https://client.example.com/cb',
    req: { type: 'token', clientID: 'c123', redirectURI: 'https://client.example.com/req-cb', state: 'f1o1o1' },
    user: { id: 'u1' },
    res: { allow: true },
    locals: { service: 'svc' },
    ...overrides,
  };
}

describe('grant.token', () => {
  describe('factory', () => {
    it('returns the module {name, request, response, error} with 1.x arities', () => {
      const mod = token(noopIssue);
      assert.equal(mod.name, 'token');
      assert.equal(mod.request!.length, 1);
      assert.equal(mod.response!.length, 4);
      assert.equal(mod.error!.length, 4);
    });

    it('accepts (options, issue)', () => {
      assert.equal(token({ scopeSeparator: ',' }, noopIssue).name, 'token');
    });

    for (const [label, make] of [
      ['no arguments', () => (token as any)()],
      ['only options', () => (token as any)({})],
    ] as const) {
      it(`throws TypeError without an issue callback (${label})`, () => {
        assert.throws(make, (err: any) => {
          assert.ok(err instanceof TypeError, 'err instanceof TypeError');
          assert.equal(err.message, 'oauth2orize.token grant requires an issue callback');
          return true;
        });
      });
    }
  });

  describe('request parser', () => {
    it('reads client_id, redirect_uri, scope and state from the query', () => {
      const areq = parse({ client_id: 'c123', redirect_uri: 'https://client.example.com/cb', scope: 'read write', state: 'st' });
      assert.equal(areq.clientID, 'c123');
      assert.equal(areq.redirectURI, 'https://client.example.com/cb');
      assert.deepEqual(areq.scope, ['read', 'write']);
      assert.equal(areq.state, 'st');
    });

    it('leaves absent optional parameters undefined', () => {
      const areq = parse({ client_id: 'c123' });
      assert.equal(areq.redirectURI, undefined);
      assert.equal(areq.scope, undefined);
      assert.equal(areq.state, undefined);
    });

    it('wraps a single scope in an array', () => {
      assert.deepEqual(parse({ client_id: 'c', scope: 'read' }).scope, ['read']);
    });

    it('uses scopeSeparator, string or array (first separator that splits wins)', () => {
      assert.deepEqual(parse({ client_id: 'c', scope: 'a,b' }, { scopeSeparator: ',' }).scope, ['a', 'b']);
      assert.deepEqual(parse({ client_id: 'c', scope: 'a,b' }, { scopeSeparator: [' ', ','] }).scope, ['a', 'b']);
      assert.deepEqual(parse({ client_id: 'c', scope: 'a b,c' }, { scopeSeparator: [',', ' '] }).scope, ['a b', 'c']);
    });

    it('rejects a missing client_id', () => {
      const err = parseError({ scope: 'read' });
      assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
      assertOAuthError(err, 'Missing required parameter: client_id', 'invalid_request', 400);
    });

    for (const bad of [['a', 'b'], { x: '1' }]) {
      it(`rejects a client_id of ${JSON.stringify(bad)}`, () => {
        assertOAuthError(parseError({ client_id: bad }), 'Invalid parameter: client_id must be a string', 'invalid_request', 400);
      });
      it(`rejects a scope of ${JSON.stringify(bad)}`, () => {
        assertOAuthError(parseError({ client_id: 'c', scope: bad }), 'Invalid parameter: scope must be a string', 'invalid_request', 400);
      });
    }

    describe('non-string redirect_uri and state (new in the port)', () => {
      for (const bad of [['https://a/cb', 'https://b/cb'], { x: '1' }]) {
        it(`rejects a redirect_uri of ${JSON.stringify(bad)}`, () => {
          assertOAuthError(parseError({ client_id: 'c', redirect_uri: bad }), 'Invalid parameter: redirect_uri must be a string', 'invalid_request', 400);
        });
        it(`rejects a state of ${JSON.stringify(bad)}`, () => {
          assertOAuthError(parseError({ client_id: 'c', state: bad }), 'Invalid parameter: state must be a string', 'invalid_request', 400);
        });
      }
    });
  });

  describe('response', () => {
    it('redirects with access_token, token_type Bearer and state in the fragment', async () => {
      const { res, nextCalled } = await callResponse(token(noopIssue).response!, txn());
      assert.equal(nextCalled, false);
      assertRedirect(res, 'https://client.example.com/cb#access_token=at-1&token_type=Bearer&state=f1o1o1');
    });

    it('merges params between access_token and token_type', async () => {
      const mod = token((_c: any, _u: any, done: any) => done(null, 'at-2', { expires_in: 3600, scope: 'read write' }));
      const { res } = await callResponse(mod.response!, txn());
      assertRedirect(res, 'https://client.example.com/cb#access_token=at-2&expires_in=3600&scope=read%20write&token_type=Bearer&state=f1o1o1');
    });

    it('keeps a token_type given in params', async () => {
      const mod = token((_c: any, _u: any, done: any) => done(null, 'at-3', { token_type: 'mac', mac_key: 'k' }));
      const { res } = await callResponse(mod.response!, txn());
      assertRedirect(res, 'https://client.example.com/cb#access_token=at-3&token_type=mac&mac_key=k&state=f1o1o1');
    });

    it('omits state when the request had none', async () => {
      const t = txn();
      delete t.req.state;
      const { res } = await callResponse(token(noopIssue).response!, t);
      assertRedirect(res, 'https://client.example.com/cb#access_token=at-1&token_type=Bearer');
    });

    it('replaces an existing fragment and keeps the query', async () => {
      const { res } = await callResponse(token(noopIssue).response!, txn({ redirectURI: 'https://client.example.com/cb?x=1#old' }));
      assertRedirect(res, 'https://client.example.com/cb?x=1#access_token=at-1&token_type=Bearer&state=f1o1o1');
    });

    describe('issue arity', () => {
      it('3: (client, user, done)', async () => {
        const seen: any[] = [];
        const mod = token(function (client: any, user: any, done: any) {
          assert.equal(arguments.length, 3);
          seen.push(client, user);
          done(null, 't3');
        });
        const t = txn();
        const { res } = await callResponse(mod.response!, t);
        assert.equal(seen[0], t.client);
        assert.equal(seen[1], t.user);
        assertRedirect(res, 'https://client.example.com/cb#access_token=t3&token_type=Bearer&state=f1o1o1');
      });

      it('4: adds ares', async () => {
        const seen: any[] = [];
        const mod = token(function (client: any, user: any, ares: any, done: any) {
          assert.equal(arguments.length, 4);
          seen.push(client, user, ares);
          done(null, 't4');
        });
        const t = txn();
        await callResponse(mod.response!, t);
        assert.deepEqual(seen.map((x, i) => x === [t.client, t.user, t.res][i]), [true, true, true]);
      });

      it('5: adds areq', async () => {
        const seen: any[] = [];
        const mod = token(function (client: any, user: any, ares: any, areq: any, done: any) {
          assert.equal(arguments.length, 5);
          seen.push(client, user, ares, areq);
          done(null, 't5');
        });
        const t = txn();
        await callResponse(mod.response!, t);
        assert.deepEqual(seen.map((x, i) => x === [t.client, t.user, t.res, t.req][i]), [true, true, true, true]);
      });

      it('6: adds locals', async () => {
        const seen: any[] = [];
        const mod = token(function (client: any, user: any, ares: any, areq: any, locals: any, done: any) {
          assert.equal(arguments.length, 6);
          seen.push(client, user, ares, areq, locals);
          done(null, 't6');
        });
        const t = txn();
        const { res } = await callResponse(mod.response!, t);
        assert.deepEqual(seen.map((x, i) => x === [t.client, t.user, t.res, t.req, t.locals][i]), [true, true, true, true, true]);
        assertRedirect(res, 'https://client.example.com/cb#access_token=t6&token_type=Bearer&state=f1o1o1');
      });

      it('dispatches on fn.length', async () => {
        const lens: number[] = [];
        const mod = token(withArity(4, (...args: any[]) => { lens.push(args.length); args[args.length - 1](null, 'x'); }));
        await callResponse(mod.response!, txn());
        assert.deepEqual(lens, [4]);
      });
    });

    it('passes an issue error to next unchanged', async () => {
      const boom = new Error('nope');
      const out = await callResponse(token((_c: any, _u: any, done: any) => done(boom)).response!, txn());
      assert.equal(out.err, boom);
      assert.equal(out.res.ended, false);
    });

    it('passes a thrown issue exception to next', async () => {
      const boom = new Error('thrown');
      const out = await callResponse(token(() => { throw boom; }).response!, txn());
      assert.equal(out.err, boom);
    });

    for (const falsy of [false, null, undefined, '']) {
      it(`turns a falsy token (${JSON.stringify(falsy)}) into access_denied`, async () => {
        const out = await callResponse(token((_c: any, _u: any, done: any) => done(null, falsy)).response!, txn());
        assert.ok(out.err instanceof AuthorizationError, 'out.err instanceof AuthorizationError');
        assertOAuthError(out.err, 'Request denied by authorization server', 'access_denied', 403);
      });
    }

    it('deny redirects with error=access_denied and state, without issuing or completing', async () => {
      let issued = false;
      let completed = false;
      const mod = token((_c: any, _u: any, done: any) => { issued = true; done(null, 'x'); });
      const { res } = await callResponse(mod.response!, txn({ res: { allow: false } }), { complete: (cb) => { completed = true; cb(); } });
      assert.equal(issued, false);
      assert.equal(completed, false);
      assertRedirect(res, 'https://client.example.com/cb#error=access_denied&state=f1o1o1');
    });

    it('calls complete after issue and before the redirect', async () => {
      const order: string[] = [];
      const res = new MockResponse();
      const orig = res.redirect.bind(res);
      res.redirect = (l: string) => { order.push('redirect'); orig(l); };
      const mod = token((_c: any, _u: any, done: any) => { order.push('issue'); done(null, 'x'); });
      await callResponse(mod.response!, txn(), { res, complete: (cb) => { order.push('complete'); cb(); } });
      assert.deepEqual(order, ['issue', 'complete', 'redirect']);
    });

    it('passes a complete error to next', async () => {
      const boom = new Error('complete failed');
      const out = await callResponse(token(noopIssue).response!, txn(), { complete: (cb) => cb(boom) });
      assert.equal(out.err, boom);
      assert.equal(out.res.ended, false);
    });

    it('fails with unsupported_response_mode (501) for query, which token lacks by default', async () => {
      const t = txn();
      t.req.responseMode = 'query';
      const out = await callResponse(token(noopIssue).response!, t);
      assert.ok(out.err instanceof AuthorizationError, 'out.err instanceof AuthorizationError');
      assertOAuthError(out.err, 'Unsupported response mode: query', 'unsupported_response_mode', 501);
    });

    it('uses a mode added through options.modes', async () => {
      let got: any;
      const formPost = Object.assign((_t: any, res: any, params: any) => { got = params; res.end('fp'); }, { validate() {} });
      const mod = token({ modes: { form_post: formPost } }, noopIssue);
      const t = txn();
      t.req.responseMode = 'form_post';
      const { res } = await callResponse(mod.response!, t);
      assert.equal(res.body, 'fp');
      assert.deepEqual(got, { access_token: 'at-1', token_type: 'Bearer', state: 'f1o1o1' });
    });

    it('passes a validate failure (no redirectURI) to next, before issuing', async () => {
      let issued = false;
      const mod = token((_c: any, _u: any, done: any) => { issued = true; done(null, 'x'); });
      const out = await callResponse(mod.response!, txn({ redirectURI: undefined }));
      assertOAuthError(out.err, 'Unable to issue redirect for OAuth 2.0 transaction', 'server_error', 500);
      assert.equal(issued, false);
    });

    it('redirects on a response without res.redirect (302 + Location)', async () => {
      const { res } = await callResponse(token(noopIssue).response!, txn(), { res: new BareResponse() });
      assertRedirect(res, 'https://client.example.com/cb#access_token=at-1&token_type=Bearer&state=f1o1o1');
    });
  });

  describe('error handler', () => {
    it('redirects with error, error_description, error_uri and state in the fragment', async () => {
      const err = new AuthorizationError('Not allowed', 'unauthorized_client', 'https://e.example/uc');
      const out = await callError(token(noopIssue).error!, err, txn());
      assertRedirect(out.res, 'https://client.example.com/cb#error=unauthorized_client&error_description=Not%20allowed&error_uri=https%3A%2F%2Fe.example%2Fuc&state=f1o1o1');
    });

    it('uses server_error for an error without a code', async () => {
      const out = await callError(token(noopIssue).error!, new Error('boom'), txn());
      assertRedirect(out.res, 'https://client.example.com/cb#error=server_error&error_description=boom&state=f1o1o1');
    });

    it('passes the original error on for an unknown response mode', async () => {
      const t = txn();
      t.req.responseMode = 'query';
      const err = new Error('orig');
      const out = await callError(token(noopIssue).error!, err, t);
      assert.equal(out.err, err);
    });

    it('passes the original error on when there is no redirectURI', async () => {
      const err = new Error('orig');
      const out = await callError(token(noopIssue).error!, err, txn({ redirectURI: undefined }));
      assert.equal(out.err, err);
      assert.equal(out.res.ended, false);
    });
  });
});
