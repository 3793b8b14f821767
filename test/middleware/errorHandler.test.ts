/** errorHandler(): direct (JSON) and indirect (redirect) rendering of OAuth 2.0 errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorHandler } from '../../src/middleware/errorHandler.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { OAuth2Error } from '../../src/errors/oauth2error.js';
import { BadRequestError } from '../../src/errors/badrequesterror.js';
import { MockResponse, mockRequest, runError } from '../helpers/mock.js';

const handle = (options: any, err: unknown, reqInit: any = {}) =>
  runError((errorHandler as any)(options) as any, err, mockRequest(reqInit), new MockResponse());

describe('middleware/errorHandler', () => {
  it('is named errorHandler and has arity 4', () => {
    const mw = (errorHandler as any)();
    assert.equal(mw.name, 'errorHandler');
    assert.equal(mw.length, 4);
  });

  describe('direct mode (the default)', () => {
    it('renders a plain Error as server_error 500', async () => {
      const { res, nextCalled } = await handle(undefined, new Error('something went wrong'));
      assert.equal(nextCalled, false);
      assert.equal(res.statusCode, 500);
      assert.equal(res.getHeader('Content-Type'), 'application/json');
      assert.equal(res.getHeader('WWW-Authenticate'), undefined);
      assert.equal(res.body, '{"error":"server_error","error_description":"something went wrong"}');
    });

    it("is selected by mode: 'direct' too", async () => {
      const { res } = await handle({ mode: 'direct' }, new TokenError('bad', 'invalid_request'));
      assert.equal(res.statusCode, 400);
      assert.equal(res.body, '{"error":"invalid_request","error_description":"bad"}');
    });

    it('uses the status and code of an AuthorizationError', async () => {
      const { res } = await handle(undefined, new AuthorizationError('something went wrong', 'invalid_request'));
      assert.equal(res.statusCode, 400);
      assert.equal(res.body, '{"error":"invalid_request","error_description":"something went wrong"}');
    });

    it('includes error_uri', async () => {
      const { res } = await handle(undefined, new AuthorizationError('something went wrong', 'invalid_request', 'http://example.com/errors/1'));
      assert.equal(res.body, '{"error":"invalid_request","error_description":"something went wrong","error_uri":"http://example.com/errors/1"}');
    });

    it('keeps the 1.x token statuses', async () => {
      const cases: Array<[string, number]> = [
        ['invalid_grant', 403],
        ['unauthorized_client', 403],
        ['unsupported_grant_type', 501],
        ['invalid_scope', 400],
      ];
      for (const [code, status] of cases) {
        const { res } = await handle(undefined, new TokenError('m', code));
        assert.equal(res.statusCode, status, code);
        assert.deepEqual(JSON.parse(res.body!), { error: code, error_description: 'm' });
      }
    });

    it('leaves error_description out when there is no message', async () => {
      const { res } = await handle(undefined, new TokenError('', 'invalid_grant'));
      assert.equal(res.body, '{"error":"invalid_grant"}');
    });

    it('turns a status below 400 into 500', async () => {
      const { res } = await handle(undefined, new OAuth2Error('redirect?', 'weird', undefined, 302));
      assert.equal(res.statusCode, 500);
      assert.equal(res.body, '{"error":"weird","error_description":"redirect?"}');
    });

    it('keeps any status of 400 and above', async () => {
      const { res } = await handle(undefined, new OAuth2Error('teapot', 'server_error', undefined, 418));
      assert.equal(res.statusCode, 418);
    });

    describe('with errors from plugins (duck typing, no instanceof)', () => {
      it('renders a plain object with code, status, message and uri', async () => {
        const err = { code: 'invalid_dpop_proof', status: 400, message: 'bad proof', uri: 'https://example.com/dpop' };
        const { res } = await handle(undefined, err);
        assert.equal(res.statusCode, 400);
        assert.equal(res.getHeader('Content-Type'), 'application/json');
        assert.deepEqual(JSON.parse(res.body!), { error: 'invalid_dpop_proof', error_description: 'bad proof', error_uri: 'https://example.com/dpop' });
      });

      it('renders an unrelated Error subclass carrying code and status', async () => {
        class ExpiredTokenError extends Error {
          code = 'expired_token';
          status = 400;
        }
        const { res } = await handle(undefined, new ExpiredTokenError('device code expired'));
        assert.equal(res.statusCode, 400);
        assert.deepEqual(JSON.parse(res.body!), { error: 'expired_token', error_description: 'device code expired' });
      });

      it('renders a plain object without code as server_error 500', async () => {
        const { res } = await handle(undefined, { message: 'odd' });
        assert.equal(res.statusCode, 500);
        assert.deepEqual(JSON.parse(res.body!), { error: 'server_error', error_description: 'odd' });
      });
    });

    // New in the port: RFC 6749 §5.2 asks for a challenge when client authentication fails.
    describe('WWW-Authenticate on invalid_client', () => {
      it('defaults to Basic realm="oauth2" without an Authorization header', async () => {
        const { res } = await handle(undefined, new TokenError('bad client', 'invalid_client'));
        assert.equal(res.statusCode, 401);
        assert.equal(res.getHeader('WWW-Authenticate'), 'Basic realm="oauth2"');
        assert.equal(res.body, '{"error":"invalid_client","error_description":"bad client"}');
      });

      it('uses Basic when the client authenticated with Basic', async () => {
        const { res } = await handle(undefined, new TokenError('bad client', 'invalid_client'), {
          headers: { authorization: 'Basic ' + Buffer.from('c1:secret').toString('base64') },
        });
        assert.equal(res.statusCode, 401);
        assert.equal(res.getHeader('WWW-Authenticate'), 'Basic realm="oauth2"');
      });

      it("uses the scheme of the request's Authorization header", async () => {
        const { res } = await handle(undefined, new TokenError('bad client', 'invalid_client'), {
          headers: { authorization: 'Digest username="c1", nonce="abc"' },
        });
        assert.equal(res.statusCode, 401);
        assert.equal(res.getHeader('WWW-Authenticate'), 'Digest realm="oauth2"');
      });

      it('uses the realm option', async () => {
        const { res } = await handle({ realm: 'Clients' }, new TokenError('bad client', 'invalid_client'), {
          headers: { authorization: 'Basic ' + Buffer.from('c1:x').toString('base64') },
        });
        assert.equal(res.getHeader('WWW-Authenticate'), 'Basic realm="Clients"');
        const { res: res2 } = await handle({ realm: 'Clients' }, new TokenError('bad client', 'invalid_client'));
        assert.equal(res2.getHeader('WWW-Authenticate'), 'Basic realm="Clients"');
      });

      it('works for a duck-typed invalid_client error', async () => {
        const { res } = await handle(undefined, { code: 'invalid_client', status: 401, message: 'unknown client' });
        assert.equal(res.statusCode, 401);
        assert.equal(res.getHeader('WWW-Authenticate'), 'Basic realm="oauth2"');
      });

      it('is not set for a 401 with another code', async () => {
        const { res } = await handle(undefined, new OAuth2Error('who?', 'login_required', undefined, 401));
        assert.equal(res.statusCode, 401);
        assert.equal(res.getHeader('WWW-Authenticate'), undefined);
      });

      it('is not set for invalid_client with a status other than 401', async () => {
        const { res } = await handle(undefined, new TokenError('bad client', 'invalid_client', undefined, 400));
        assert.equal(res.statusCode, 400);
        assert.equal(res.getHeader('WWW-Authenticate'), undefined);
      });

      it('is not set for other statuses', async () => {
        for (const err of [new TokenError('x', 'invalid_grant'), new TokenError('x', 'invalid_request'), new Error('x')]) {
          const { res } = await handle(undefined, err, { headers: { authorization: 'Basic Yzp4' } });
          assert.equal(res.getHeader('WWW-Authenticate'), undefined);
        }
      });
    });

    // New in the port: opt-in RFC 6749 §5.2 statuses.
    describe('rfcStatus: true', () => {
      for (const code of ['invalid_grant', 'unauthorized_client', 'unsupported_grant_type']) {
        it(`renders ${code} as 400`, async () => {
          const { res } = await handle({ rfcStatus: true }, new TokenError('m', code));
          assert.equal(res.statusCode, 400);
          assert.deepEqual(JSON.parse(res.body!), { error: code, error_description: 'm' });
        });
      }

      it('renders unsupported_response_type as 400', async () => {
        const { res } = await handle({ rfcStatus: true }, new AuthorizationError('m', 'unsupported_response_type'));
        assert.equal(res.statusCode, 400);
      });

      it('leaves other statuses alone', async () => {
        const cases: Array<[unknown, number]> = [
          [new TokenError('m', 'invalid_client'), 401],
          [new TokenError('m', 'invalid_request'), 400],
          [new TokenError('m', 'invalid_scope'), 400],
          [new Error('m'), 500],
          [new AuthorizationError('m', 'temporarily_unavailable'), 503],
        ];
        for (const [err, status] of cases) {
          const { res } = await handle({ rfcStatus: true }, err);
          assert.equal(res.statusCode, status);
        }
      });

      it('still sets WWW-Authenticate on invalid_client', async () => {
        const { res } = await handle({ rfcStatus: true }, new TokenError('m', 'invalid_client'));
        assert.equal(res.statusCode, 401);
        assert.equal(res.getHeader('WWW-Authenticate'), 'Basic realm="oauth2"');
      });

      it('is off by default', async () => {
        const { res } = await handle({ rfcStatus: false }, new TokenError('m', 'invalid_grant'));
        assert.equal(res.statusCode, 403);
      });
    });

    // exposeErrors: false hides what an app error says, but a 4xx status means the error was
    // raised about the request on purpose, so its message is for the client.
    describe('exposeErrors: false', () => {
      it('keeps error_description for a 400 BadRequestError, which has no OAuth code', async () => {
        const { res } = await handle({ exposeErrors: false }, new BadRequestError('Missing required parameter: transaction_id'));
        assert.equal(res.statusCode, 400);
        assert.deepEqual(JSON.parse(res.body!), { error: 'server_error', error_description: 'Missing required parameter: transaction_id' });
      });

      it('keeps error_description for a plain { message, status: 403 }', async () => {
        const { res } = await handle({ exposeErrors: false }, { message: 'Not your transaction', status: 403 });
        assert.equal(res.statusCode, 403);
        assert.deepEqual(JSON.parse(res.body!), { error: 'server_error', error_description: 'Not your transaction' });
      });

      it('drops it for the same message with status 500 or none', async () => {
        for (const err of [{ message: 'db password is hunter2', status: 500 }, new Error('db password is hunter2')]) {
          const { res } = await handle({ exposeErrors: false }, err);
          assert.equal(res.statusCode, 500);
          assert.equal(res.body, '{"error":"server_error"}');
        }
      });
    });
  });

  describe('indirect mode', () => {
    const cb = 'http://example.com/auth/callback';

    it('redirects with the error in the query', async () => {
      const { res, nextCalled } = await handle({ mode: 'indirect' }, new Error('something went wrong'), { oauth2: { redirectURI: cb } });
      assert.equal(nextCalled, false);
      assert.equal(res.statusCode, 302);
      assert.equal(res.getHeader('Location'), cb + '?error=server_error&error_description=something%20went%20wrong');
      assert.equal(res.getHeader('Content-Type'), undefined);
      assert.equal(res.getHeader('WWW-Authenticate'), undefined);
      assert.equal(res.body, undefined);
    });

    it('includes the code and uri of an AuthorizationError', async () => {
      const { res } = await handle({ mode: 'indirect' }, new AuthorizationError('not authorized', 'unauthorized_client', 'http://example.com/errors/2'), { oauth2: { redirectURI: cb } });
      assert.equal(res.getHeader('Location'), cb + '?error=unauthorized_client&error_description=not%20authorized&error_uri=http%3A%2F%2Fexample.com%2Ferrors%2F2');
    });

    it('includes state', async () => {
      const { res } = await handle({ mode: 'indirect' }, new Error('something went wrong'), { oauth2: { redirectURI: cb, req: { state: '1234' } } });
      assert.equal(res.getHeader('Location'), cb + '?error=server_error&error_description=something%20went%20wrong&state=1234');
    });

    it("keeps the redirect URI's own query", async () => {
      const { res } = await handle({ mode: 'indirect' }, new AuthorizationError('denied', 'access_denied'), { oauth2: { redirectURI: cb + '?tenant=1', req: { type: 'code' } } });
      assert.equal(res.getHeader('Location'), cb + '?tenant=1&error=access_denied&error_description=denied');
    });

    it('uses the fragment for a token response type', async () => {
      const { res } = await handle({ mode: 'indirect' }, new Error('something went wrong'), { oauth2: { redirectURI: cb, req: { type: 'token', state: '1234' } } });
      assert.equal(res.getHeader('Location'), cb + '#error=server_error&error_description=something%20went%20wrong&state=1234');
    });

    it('uses the query for code id_token by default', async () => {
      const { res } = await handle({ mode: 'indirect' }, new Error('x'), { oauth2: { redirectURI: cb, req: { type: 'code id_token' } } });
      assert.equal(res.getHeader('Location'), cb + '?error=server_error&error_description=x');
    });

    it('uses the fragment when the type contains any value of options.fragment', async () => {
      const { res } = await handle({ mode: 'indirect', fragment: ['token', 'id_token'] }, new Error('something went wrong'), { oauth2: { redirectURI: cb, req: { type: 'code id_token' } } });
      assert.equal(res.getHeader('Location'), cb + '#error=server_error&error_description=something%20went%20wrong');
    });

    it('lets req.oauth2.req.responseMode override the encoding', async () => {
      const { res } = await handle({ mode: 'indirect' }, new Error('x'), { oauth2: { redirectURI: cb, req: { type: 'token', responseMode: 'query' } } });
      assert.equal(res.getHeader('Location'), cb + '?error=server_error&error_description=x');
      const { res: res2 } = await handle({ mode: 'indirect' }, new Error('x'), { oauth2: { redirectURI: cb, req: { type: 'code', responseMode: 'fragment' } } });
      assert.equal(res2.getHeader('Location'), cb + '#error=server_error&error_description=x');
    });

    it('uses a custom mode from options.modes', async () => {
      const calls: any[] = [];
      const formPost = (txn: any, res: any, params: any) => {
        calls.push([txn, params]);
        res.setHeader('Content-Type', 'text/html');
        res.end('<form>');
      };
      const oauth2 = { redirectURI: cb, req: { type: 'code', responseMode: 'form_post', state: 's1' } };
      const { res } = await handle({ mode: 'indirect', modes: { form_post: formPost } }, new AuthorizationError('denied', 'access_denied'), { oauth2 });
      assert.equal(calls.length, 1);
      assert.equal(calls[0][0], oauth2);
      assert.deepEqual(calls[0][1], { error: 'access_denied', error_description: 'denied', state: 's1' });
      assert.equal(res.body, '<form>');
    });

    it('still has the built-in modes when custom modes are given', async () => {
      const { res } = await handle({ mode: 'indirect', modes: { form_post: () => {} } }, new Error('x'), { oauth2: { redirectURI: cb, req: { type: 'code' } } });
      assert.equal(res.getHeader('Location'), cb + '?error=server_error&error_description=x');
    });

    it('passes the error on for an unknown response mode', async () => {
      const original = new Error('x');
      const { err, nextCalled, res } = await handle({ mode: 'indirect' }, original, { oauth2: { redirectURI: cb, req: { type: 'code', responseMode: 'web_message' } } });
      assert.equal(nextCalled, true);
      assert.equal(err, original);
      assert.equal(res.ended, false);
    });

    it('passes the error on without a transaction', async () => {
      const original = new Error('something went wrong');
      const { err, nextCalled } = await handle({ mode: 'indirect' }, original);
      assert.equal(nextCalled, true);
      assert.equal(err, original);
    });

    it('passes the error on without a redirect URI', async () => {
      const original = new AuthorizationError('bad', 'invalid_request');
      const { err, nextCalled } = await handle({ mode: 'indirect' }, original, { oauth2: { req: { type: 'code', state: 'x' } } });
      assert.equal(nextCalled, true);
      assert.equal(err, original);
    });

    it('renders a duck-typed plugin error', async () => {
      const { res } = await handle({ mode: 'indirect' }, { code: 'login_required', message: 'log in first' }, { oauth2: { redirectURI: cb, req: { type: 'code' } } });
      assert.equal(res.getHeader('Location'), cb + '?error=login_required&error_description=log%20in%20first');
    });
  });

  describe('unknown mode', () => {
    it('passes the error on', async () => {
      const original = new Error('something went wrong');
      const { err, nextCalled, res } = await handle({ mode: 'unknown' }, original, { oauth2: { redirectURI: 'http://example.com/cb' } });
      assert.equal(nextCalled, true);
      assert.equal(err, original);
      assert.equal(res.ended, false);
    });
  });
});
