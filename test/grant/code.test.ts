import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { code } from '../../src/grant/code.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { mockRequest, MockResponse, BareResponse } from '../helpers/mock.js';
import { withArity, callResponse, callError, assertOAuthError, assertRedirect } from '../helpers/authorize.js';

const noopIssue: any = (_c: unknown, _r: unknown, _u: unknown, done: (e: unknown, c?: string) => void) => done(null, 'xyz');

function parse(query: Record<string, unknown>, options?: Record<string, unknown>): any {
  const mod = options ? code(options as any, noopIssue) : code(noopIssue);
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

/** A transaction as the authorization/decision middleware would build it. */
function txn(overrides: Record<string, any> = {}): any {
  return {
    transactionID: 't1',
    client: { id: 'c123', name: 'Example' },
    redirectURI: 'https://client.example.com/cb',
    req: { type: 'code', clientID: 'c123', redirectURI: 'https://client.example.com/req-cb', state: 'f1o1o1', scope: ['read'] },
    user: { id: 'u1' },
    res: { allow: true, scope: ['read'] },
    locals: { service: 'svc' },
    ...overrides,
  };
}

describe('grant.code', () => {
  describe('factory', () => {
    it('returns the module {name, request, response, error} with 1.x arities', () => {
      const mod = code(noopIssue);
      assert.equal(mod.name, 'code');
      assert.equal(typeof mod.request, 'function');
      assert.equal(mod.request!.length, 1);
      assert.equal(typeof mod.response, 'function');
      assert.equal(mod.response!.length, 4);
      assert.equal(typeof mod.error, 'function');
      assert.equal(mod.error!.length, 4);
    });

    it('accepts (options, issue)', () => {
      const mod = code({}, noopIssue);
      assert.equal(mod.name, 'code');
    });

    for (const [label, make] of [
      ['no arguments', () => (code as any)()],
      ['only options', () => (code as any)({})],
      ['options and undefined', () => (code as any)({ scopeSeparator: ',' }, undefined)],
    ] as const) {
      it(`throws TypeError without an issue callback (${label})`, () => {
        assert.throws(make, (err: any) => {
          assert.ok(err instanceof TypeError, 'err instanceof TypeError');
          assert.equal(err.message, 'oauth2orize.code grant requires an issue callback');
          return true;
        });
      });
    }
  });

  describe('request parser', () => {
    it('reads client_id, redirect_uri, scope and state from the query', () => {
      const areq = parse({ client_id: 'c123', redirect_uri: 'https://client.example.com/cb', scope: 'read', state: 'f1o1o1' });
      assert.equal(areq.clientID, 'c123');
      assert.equal(areq.redirectURI, 'https://client.example.com/cb');
      assert.deepEqual(areq.scope, ['read']);
      assert.equal(areq.state, 'f1o1o1');
    });

    it('returns no type (the server adds it)', () => {
      const areq = parse({ client_id: 'c123' });
      assert.equal(areq.type, undefined);
    });

    it('leaves absent optional parameters undefined', () => {
      const areq = parse({ client_id: 'c123' });
      assert.equal(areq.clientID, 'c123');
      assert.equal(areq.redirectURI, undefined);
      assert.equal(areq.scope, undefined);
      assert.equal(areq.state, undefined);
    });

    it('does not read parameters from the body', () => {
      const mod = code(noopIssue);
      const areq: any = (mod.request as any)(mockRequest({ query: { client_id: 'c1' }, body: { redirect_uri: 'https://x/cb', state: 's', scope: 'a' } }) as any);
      assert.equal(areq.redirectURI, undefined);
      assert.equal(areq.state, undefined);
      assert.equal(areq.scope, undefined);
    });

    it('splits a space-separated scope into an array', () => {
      assert.deepEqual(parse({ client_id: 'c', scope: 'read write' }).scope, ['read', 'write']);
    });

    it('keeps an empty scope as 1.x does (falsy, not split)', () => {
      assert.equal(parse({ client_id: 'c', scope: '' }).scope, '');
    });

    it('does not split on commas by default', () => {
      assert.deepEqual(parse({ client_id: 'c', scope: 'read,write' }).scope, ['read,write']);
    });

    it('uses a string scopeSeparator', () => {
      assert.deepEqual(parse({ client_id: 'c', scope: 'read,write' }, { scopeSeparator: ',' }).scope, ['read', 'write']);
      assert.deepEqual(parse({ client_id: 'c', scope: 'read write' }, { scopeSeparator: ',' }).scope, ['read write']);
    });

    it("falls back to ' ' for an empty scopeSeparator, as 1.x's `|| ' '` does", () => {
      assert.deepEqual(parse({ client_id: 'c', scope: 'read write' }, { scopeSeparator: '' }).scope, ['read', 'write']);
    });

    it('uses the first separator of an array that actually splits', () => {
      const opts = { scopeSeparator: [' ', ','] };
      assert.deepEqual(parse({ client_id: 'c', scope: 'read write' }, opts).scope, ['read', 'write']);
      assert.deepEqual(parse({ client_id: 'c', scope: 'read,write' }, opts).scope, ['read', 'write']);
      assert.deepEqual(parse({ client_id: 'c', scope: 'a b,c' }, opts).scope, ['a', 'b,c']);
      assert.deepEqual(parse({ client_id: 'c', scope: 'single' }, opts).scope, ['single']);
    });

    it('rejects a missing client_id', () => {
      assertOAuthError(parseError({}), 'Missing required parameter: client_id', 'invalid_request', 400);
      assertOAuthError(parseError({ redirect_uri: 'https://x/cb' }), 'Missing required parameter: client_id', 'invalid_request', 400);
    });

    it('rejects an empty client_id as missing', () => {
      assertOAuthError(parseError({ client_id: '' }), 'Missing required parameter: client_id', 'invalid_request', 400);
    });

    it('throws AuthorizationError instances', () => {
      assert.ok(parseError({}) instanceof AuthorizationError, 'parseError({}) instanceof AuthorizationError');
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
    it('redirects to txn.redirectURI with code and state', async () => {
      const mod = code(noopIssue);
      const { res, nextCalled } = await callResponse(mod.response!, txn());
      assert.equal(nextCalled, false);
      assertRedirect(res, 'https://client.example.com/cb?code=xyz&state=f1o1o1');
    });

    it('omits state when the request had none', async () => {
      const mod = code(noopIssue);
      const t = txn();
      delete t.req.state;
      const { res } = await callResponse(mod.response!, t);
      assertRedirect(res, 'https://client.example.com/cb?code=xyz');
    });

    it('keeps the redirect URI\'s existing query', async () => {
      const mod = code(noopIssue);
      const { res } = await callResponse(mod.response!, txn({ redirectURI: 'https://client.example.com/cb?foo=bar' }));
      assertRedirect(res, 'https://client.example.com/cb?foo=bar&code=xyz&state=f1o1o1');
    });

    it('escapes the code and state with querystring rules', async () => {
      const mod = code((_c: unknown, _r: unknown, _u: unknown, done: any) => done(null, 'a b+c/d'));
      const t = txn();
      t.req.state = 'x y&z';
      const { res } = await callResponse(mod.response!, t);
      assertRedirect(res, 'https://client.example.com/cb?code=a%20b%2Bc%2Fd&state=x%20y%26z');
    });

    describe('issue arity', () => {
      it('4: (client, redirectURI, user, done) with the request\'s redirectURI', async () => {
        const seen: any[] = [];
        const mod = code(function (client: any, redirectURI: any, user: any, done: any) {
          seen.push(client, redirectURI, user);
          assert.equal(arguments.length, 4);
          done(null, 'c4');
        });
        const t = txn();
        const { res } = await callResponse(mod.response!, t);
        assert.equal(seen[0], t.client);
        assert.equal(seen[1], 'https://client.example.com/req-cb');
        assert.equal(seen[2], t.user);
        assertRedirect(res, 'https://client.example.com/cb?code=c4&state=f1o1o1');
      });

      it('4: passes undefined redirectURI when the request had none', async () => {
        let got: unknown = 'unset';
        const mod = code((_c: any, redirectURI: any, _u: any, done: any) => { got = redirectURI; done(null, 'c'); });
        const t = txn();
        delete t.req.redirectURI;
        await callResponse(mod.response!, t);
        assert.equal(got, undefined);
      });

      it('5: adds ares (txn.res)', async () => {
        const seen: any[] = [];
        const mod = code(function (client: any, redirectURI: any, user: any, ares: any, done: any) {
          seen.push(client, redirectURI, user, ares);
          assert.equal(arguments.length, 5);
          done(null, 'c5');
        });
        const t = txn();
        const { res } = await callResponse(mod.response!, t);
        assert.deepEqual(seen.map((x, i) => x === [t.client, t.req.redirectURI, t.user, t.res][i]), [true, true, true, true]);
        assertRedirect(res, 'https://client.example.com/cb?code=c5&state=f1o1o1');
      });

      it('6: adds areq (txn.req)', async () => {
        const seen: any[] = [];
        const mod = code(function (client: any, redirectURI: any, user: any, ares: any, areq: any, done: any) {
          seen.push(client, redirectURI, user, ares, areq);
          assert.equal(arguments.length, 6);
          done(null, 'c6');
        });
        const t = txn();
        const { res } = await callResponse(mod.response!, t);
        assert.deepEqual(seen.map((x, i) => x === [t.client, t.req.redirectURI, t.user, t.res, t.req][i]), [true, true, true, true, true]);
        assertRedirect(res, 'https://client.example.com/cb?code=c6&state=f1o1o1');
      });

      it('7: adds locals (txn.locals)', async () => {
        const seen: any[] = [];
        const mod = code(function (client: any, redirectURI: any, user: any, ares: any, areq: any, locals: any, done: any) {
          seen.push(client, redirectURI, user, ares, areq, locals);
          assert.equal(arguments.length, 7);
          done(null, 'c7');
        });
        const t = txn();
        const { res } = await callResponse(mod.response!, t);
        assert.deepEqual(seen.map((x, i) => x === [t.client, t.req.redirectURI, t.user, t.res, t.req, t.locals][i]), [true, true, true, true, true, true]);
        assertRedirect(res, 'https://client.example.com/cb?code=c7&state=f1o1o1');
      });

      it('dispatches on fn.length, not on how it was declared', async () => {
        const calls: number[] = [];
        const mod = code(withArity(5, (...args: any[]) => { calls.push(args.length); args[args.length - 1](null, 'z'); }));
        await callResponse(mod.response!, txn());
        assert.deepEqual(calls, [5]);
      });
    });

    it('passes an issue error to next unchanged', async () => {
      const boom = new Error('db down');
      const mod = code((_c: any, _r: any, _u: any, done: any) => done(boom));
      const out = await callResponse(mod.response!, txn());
      assert.equal(out.nextCalled, true);
      assert.equal(out.err, boom);
      assert.equal(out.res.ended, false);
    });

    it('passes a thrown issue exception to next', async () => {
      const boom = new Error('thrown');
      const mod = code(() => { throw boom; });
      const out = await callResponse(mod.response!, txn());
      assert.equal(out.err, boom);
    });

    for (const falsy of [false, null, undefined, '']) {
      it(`turns a falsy code (${JSON.stringify(falsy)}) into access_denied`, async () => {
        const mod = code((_c: any, _r: any, _u: any, done: any) => done(null, falsy));
        const out = await callResponse(mod.response!, txn());
        assert.equal(out.nextCalled, true);
        assert.ok(out.err instanceof AuthorizationError, 'out.err instanceof AuthorizationError');
        assertOAuthError(out.err, 'Request denied by authorization server', 'access_denied', 403);
        assert.equal(out.res.ended, false);
      });
    }

    describe('deny', () => {
      it('redirects with error=access_denied and state, without issuing', async () => {
        let issued = false;
        let completed = false;
        const mod = code((_c: any, _r: any, _u: any, done: any) => { issued = true; done(null, 'x'); });
        const { res } = await callResponse(mod.response!, txn({ res: { allow: false } }), {
          complete: (cb) => { completed = true; cb(); },
        });
        assert.equal(issued, false);
        assert.equal(completed, false);
        assertRedirect(res, 'https://client.example.com/cb?error=access_denied&state=f1o1o1');
      });

      it('omits state when there is none', async () => {
        const mod = code(noopIssue);
        const t = txn({ res: { allow: false } });
        delete t.req.state;
        const { res } = await callResponse(mod.response!, t);
        assertRedirect(res, 'https://client.example.com/cb?error=access_denied');
      });
    });

    describe('extend', () => {
      it('merges extra parameters into the redirect (code(issue, extend))', async () => {
        let seenTxn: unknown;
        const t = txn();
        const mod = code(noopIssue, (tx: any, cb: any) => { seenTxn = tx; cb(null, { iss: 'https://server.example.com' }); });
        const { res } = await callResponse(mod.response!, t);
        assert.equal(seenTxn, t);
        assertRedirect(res, 'https://client.example.com/cb?code=xyz&state=f1o1o1&iss=https%3A%2F%2Fserver.example.com');
      });

      it('works with (options, issue, extend)', async () => {
        const mod = code({}, noopIssue, (_t: any, cb: any) => cb(null, { session_state: 'ss' }));
        const { res } = await callResponse(mod.response!, txn());
        assertRedirect(res, 'https://client.example.com/cb?code=xyz&state=f1o1o1&session_state=ss');
      });

      it('accepts cb() with no params', async () => {
        const mod = code(noopIssue, (_t: any, cb: any) => cb());
        const { res } = await callResponse(mod.response!, txn());
        assertRedirect(res, 'https://client.example.com/cb?code=xyz&state=f1o1o1');
      });

      it('passes an extend error to next without completing', async () => {
        const boom = new Error('extend failed');
        let completed = false;
        const mod = code(noopIssue, (_t: any, cb: any) => cb(boom));
        const out = await callResponse(mod.response!, txn(), { complete: (cb) => { completed = true; cb(); } });
        assert.equal(out.err, boom);
        assert.equal(completed, false);
        assert.equal(out.res.ended, false);
      });

      it('is not consulted on deny', async () => {
        let extended = false;
        const mod = code(noopIssue, (_t: any, cb: any) => { extended = true; cb(); });
        await callResponse(mod.response!, txn({ res: { allow: false } }));
        assert.equal(extended, false);
      });
    });

    describe('complete', () => {
      it('is called after issue and extend, before the redirect', async () => {
        const order: string[] = [];
        const res = new MockResponse();
        const origRedirect = res.redirect.bind(res);
        res.redirect = (l: string) => { order.push('redirect'); origRedirect(l); };
        const mod = code(
          (_c: any, _r: any, _u: any, done: any) => { order.push('issue'); done(null, 'c'); },
          (_t: any, cb: any) => { order.push('extend'); cb(); },
        );
        await callResponse(mod.response!, txn(), { res, complete: (cb) => { order.push('complete'); cb(); } });
        assert.deepEqual(order, ['issue', 'extend', 'complete', 'redirect']);
      });

      it('passes a complete error to next instead of redirecting', async () => {
        const boom = new Error('complete failed');
        const mod = code(noopIssue);
        const out = await callResponse(mod.response!, txn(), { complete: (cb) => cb(boom) });
        assert.equal(out.err, boom);
        assert.equal(out.res.ended, false);
      });
    });

    describe('response modes', () => {
      it('fails with unsupported_response_mode (501) for an unknown mode', async () => {
        let issued = false;
        const mod = code((_c: any, _r: any, _u: any, done: any) => { issued = true; done(null, 'x'); });
        const t = txn();
        t.req.responseMode = 'fragment'; // code only knows `query` unless told otherwise
        const out = await callResponse(mod.response!, t);
        assert.ok(out.err instanceof AuthorizationError, 'out.err instanceof AuthorizationError');
        assertOAuthError(out.err, 'Unsupported response mode: fragment', 'unsupported_response_mode', 501);
        assert.ok(!(out.err as any).uri, '!(out.err as any).uri');
        assert.equal(issued, false);
      });

      it('does not take a response mode from Object.prototype (constructor, toString)', async () => {
        for (const name of ['constructor', 'toString', '__proto__']) {
          const mod = code(noopIssue);
          const t = txn();
          t.req.responseMode = name;
          const out = await callResponse(mod.response!, t);
          assertOAuthError(out.err, `Unsupported response mode: ${name}`, 'unsupported_response_mode', 501);
        }
      });

      it('honours txn.req.responseMode = query explicitly', async () => {
        const mod = code(noopIssue);
        const t = txn();
        t.req.responseMode = 'query';
        const { res } = await callResponse(mod.response!, t);
        assertRedirect(res, 'https://client.example.com/cb?code=xyz&state=f1o1o1');
      });

      it('uses a mode added through options.modes, calling validate first', async () => {
        const calls: any[] = [];
        const formPost = Object.assign(
          (tx: any, res: any, params: any) => { calls.push(['respond', tx, params]); res.statusCode = 200; res.end('form'); },
          { validate: (tx: any) => { calls.push(['validate', tx]); } },
        );
        const mod = code({ modes: { form_post: formPost } }, noopIssue);
        const t = txn();
        t.req.responseMode = 'form_post';
        const { res } = await callResponse(mod.response!, t);
        assert.equal(res.body, 'form');
        assert.equal(calls.length, 2);
        assert.equal(calls[0][0], 'validate');
        assert.equal(calls[0][1], t);
        assert.equal(calls[1][0], 'respond');
        assert.equal(calls[1][1], t);
        assert.deepEqual(calls[1][2], { code: 'xyz', state: 'f1o1o1' });
      });

      it('still supports query when options.modes only adds others', async () => {
        const mod = code({ modes: { form_post: () => assert.fail('not this one') } }, noopIssue);
        const { res } = await callResponse(mod.response!, txn());
        assertRedirect(res, 'https://client.example.com/cb?code=xyz&state=f1o1o1');
      });

      it('lets options.modes replace query', async () => {
        let got: any;
        const custom = (_t: any, res: any, params: any) => { got = params; res.end('custom'); };
        const mod = code({ modes: { query: custom } }, noopIssue);
        const { res } = await callResponse(mod.response!, txn());
        assert.equal(res.body, 'custom');
        assert.deepEqual(got, { code: 'xyz', state: 'f1o1o1' });
      });

      it('a mode without validate is used as is', async () => {
        const mode = (_t: any, res: any) => res.end('no-validate');
        const mod = code({ modes: { web_message: mode } }, noopIssue);
        const t = txn({ redirectURI: undefined });
        t.req.responseMode = 'web_message';
        const { res } = await callResponse(mod.response!, t);
        assert.equal(res.body, 'no-validate');
      });

      it('passes a validate failure (no redirectURI) to next, before issuing', async () => {
        let issued = false;
        const mod = code((_c: any, _r: any, _u: any, done: any) => { issued = true; done(null, 'x'); });
        const out = await callResponse(mod.response!, txn({ redirectURI: undefined }));
        assert.ok(out.err instanceof AuthorizationError, 'out.err instanceof AuthorizationError');
        assertOAuthError(out.err, 'Unable to issue redirect for OAuth 2.0 transaction', 'server_error', 500);
        assert.equal(issued, false);
      });

      it('validates before handling a deny', async () => {
        const mod = code(noopIssue);
        const out = await callResponse(mod.response!, txn({ redirectURI: undefined, res: { allow: false } }));
        assertOAuthError(out.err, 'Unable to issue redirect for OAuth 2.0 transaction', 'server_error', 500);
      });
    });

    it('redirects on a response without res.redirect (302 + Location)', async () => {
      const mod = code(noopIssue);
      const { res } = await callResponse(mod.response!, txn(), { res: new BareResponse() });
      assertRedirect(res, 'https://client.example.com/cb?code=xyz&state=f1o1o1');
    });
  });

  describe('error handler', () => {
    it('redirects with error, error_description, error_uri and state', async () => {
      const mod = code(noopIssue);
      const err = new AuthorizationError('Scope not allowed', 'invalid_scope', 'https://server.example.com/errors/scope');
      const out = await callError(mod.error!, err, txn());
      assertRedirect(out.res, 'https://client.example.com/cb?error=invalid_scope&error_description=Scope%20not%20allowed&error_uri=https%3A%2F%2Fserver.example.com%2Ferrors%2Fscope&state=f1o1o1');
    });

    it('uses server_error for an error without a code', async () => {
      const mod = code(noopIssue);
      const out = await callError(mod.error!, new Error('boom'), txn());
      assertRedirect(out.res, 'https://client.example.com/cb?error=server_error&error_description=boom&state=f1o1o1');
    });

    it('omits error_description and state when absent', async () => {
      const mod = code(noopIssue);
      const t = txn();
      delete t.req.state;
      const err: any = new Error();
      err.code = 'temporarily_unavailable';
      const out = await callError(mod.error!, err, t);
      assertRedirect(out.res, 'https://client.example.com/cb?error=temporarily_unavailable');
    });

    it('reads code, message and uri from a plugin error that is not an OAuth2Error', async () => {
      const mod = code(noopIssue);
      const err = { code: 'login_required', message: 'Login required', uri: 'https://e/x' };
      const out = await callError(mod.error!, err, txn());
      assertRedirect(out.res, 'https://client.example.com/cb?error=login_required&error_description=Login%20required&error_uri=https%3A%2F%2Fe%2Fx&state=f1o1o1');
    });

    it('passes the original error on for an unknown response mode', async () => {
      const mod = code(noopIssue);
      const t = txn();
      t.req.responseMode = 'fragment';
      const err = new Error('original');
      const out = await callError(mod.error!, err, t);
      assert.equal(out.nextCalled, true);
      assert.equal(out.err, err);
    });

    it('passes the original error on when the mode cannot redirect (no redirectURI)', async () => {
      const mod = code(noopIssue);
      const err = new AuthorizationError('nope', 'invalid_request');
      const out = await callError(mod.error!, err, txn({ redirectURI: undefined }));
      assert.equal(out.nextCalled, true);
      assert.equal(out.err, err);
      assert.equal(out.res.ended, false);
    });

    it('uses a custom mode from options.modes', async () => {
      let got: any;
      const formPost = Object.assign((_t: any, res: any, params: any) => { got = params; res.end('fp'); }, { validate() {} });
      const mod = code({ modes: { form_post: formPost } }, noopIssue);
      const t = txn();
      t.req.responseMode = 'form_post';
      const out = await callError(mod.error!, new AuthorizationError('denied', 'access_denied'), t);
      assert.equal(out.res.body, 'fp');
      assert.deepEqual(got, { error: 'access_denied', error_description: 'denied', state: 'f1o1o1' });
    });
  });
});
