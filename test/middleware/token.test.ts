/** The token endpoint middleware: dispatch on grant_type through Server#_exchange. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { token } from '../../src/middleware/token.js';
import { Server } from '../../src/server.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { MockResponse, mockRequest, run } from '../helpers/mock.js';

const BODY_PARSING_MESSAGE = 'OAuth2orize requires body parsing. Did you forget app.use(express.bodyParser())?';

function post(body?: Record<string, unknown>) {
  const init: any = { method: 'POST', url: '/token' };
  if (body !== undefined) init.body = body;
  return mockRequest(init);
}

function makeServer() {
  const server: any = new Server();
  server.exchange('authorization_code', (req: any, res: any, next: any) => {
    if (req.body.code !== 'abc123') return next(new Error('unexpected code'));
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ access_token: 'at-1', token_type: 'Bearer' }));
  });
  server.exchange('failing', (_req: any, _res: any, next: any) => next(new Error('something went wrong')));
  return server;
}

describe('middleware/token', () => {
  it('is named token and has arity 3', () => {
    const mw = token(makeServer());
    assert.equal(mw.name, 'token');
    assert.equal(mw.length, 3);
  });

  it('throws without a server', () => {
    assert.throws(() => (token as any)(), (e: any) => e instanceof TypeError && e.message === 'oauth2orize.token middleware requires a server argument');
  });

  it('runs the exchange for the grant_type', async () => {
    const { res, nextCalled } = await run(token(makeServer()) as any, post({ grant_type: 'authorization_code', code: 'abc123' }));
    assert.equal(nextCalled, false);
    assert.equal(res.body, '{"access_token":"at-1","token_type":"Bearer"}');
  });

  it('passes an exchange error on to next', async () => {
    const { err } = await run(token(makeServer()) as any, post({ grant_type: 'failing' }));
    assert.ok(err instanceof Error);
    assert.equal((err as Error).message, 'something went wrong');
  });

  it('fails with unsupported_grant_type (501) when no exchange answers', async () => {
    const { err } = await run(token(makeServer()) as any, post({ grant_type: 'foo', code: 'abc123' }));
    assert.ok(err instanceof TokenError);
    assert.equal((err as any).name, 'TokenError');
    assert.equal((err as any).constructor.name, 'TokenError');
    assert.equal((err as any).message, 'Unsupported grant type: foo');
    assert.equal((err as any).code, 'unsupported_grant_type');
    assert.equal((err as any).status, 501);
  });

  it('reports a missing grant_type the way 1.12 does', async () => {
    const { err } = await run(token(makeServer()) as any, post({ code: 'abc123' }));
    assert.ok(err instanceof TokenError);
    assert.equal((err as any).message, 'Unsupported grant type: undefined');
    assert.equal((err as any).code, 'unsupported_grant_type');
  });

  it('fails with unsupported_grant_type when every matching exchange calls next()', async () => {
    const server: any = new Server();
    const seen: string[] = [];
    server.exchange('*', (_q: any, _r: any, next: any) => { seen.push('*'); next(); });
    server.exchange('password', (_q: any, _r: any, next: any) => { seen.push('password'); next(); });
    const { err } = await run(token(server) as any, post({ grant_type: 'password' }));
    assert.deepEqual(seen, ['*', 'password']);
    assert.equal((err as any).message, 'Unsupported grant type: password');
    assert.equal((err as any).code, 'unsupported_grant_type');
  });

  it("runs exchanges in registration order, including '*'", async () => {
    const server: any = new Server();
    const seen: string[] = [];
    server.exchange('*', (req: any, _r: any, next: any) => { seen.push('audit'); req.audited = true; next(); });
    server.exchange('client_credentials', (req: any, res: any) => {
      seen.push('client_credentials');
      res.end(JSON.stringify({ audited: req.audited }));
    });
    server.exchange('*', (_q: any, _r: any, next: any) => { seen.push('late'); next(); });
    const { res } = await run(token(server) as any, post({ grant_type: 'client_credentials' }));
    assert.deepEqual(seen, ['audit', 'client_credentials']);
    assert.equal(res.body, '{"audited":true}');
  });

  it('passes an exception thrown by an exchange on to next', async () => {
    const server: any = new Server();
    server.exchange('password', () => { throw new Error('exchange threw'); });
    const { err } = await run(token(server) as any, post({ grant_type: 'password' }));
    assert.equal((err as Error).message, 'exchange threw');
  });

  it('is what Server#token returns', async () => {
    const server = makeServer();
    const { res } = await run(server.token() as any, post({ grant_type: 'authorization_code', code: 'abc123' }));
    assert.equal(res.body, '{"access_token":"at-1","token_type":"Bearer"}');
  });

  // New in the port: 1.12 crashes with a TypeError reading req.body.grant_type.
  it('fails with the body-parsing error when req.body is missing', async () => {
    const { err, nextCalled } = await run(token(makeServer()) as any, post());
    assert.equal(nextCalled, true);
    assert.ok(err instanceof Error);
    assert.equal((err as Error).message, BODY_PARSING_MESSAGE);
  });

  // New in the port: a grant_type that is not a string is refused.
  for (const bad of [['password', 'client_credentials'], { $ne: 'x' }]) {
    it(`rejects a non-string grant_type (${JSON.stringify(bad)})`, async () => {
      const server: any = new Server();
      let ran = false;
      server.exchange('*', (_q: any, _r: any, next: any) => { ran = true; next(); });
      const { err } = await run(token(server) as any, post({ grant_type: bad }));
      assert.ok(err instanceof TokenError);
      assert.equal((err as any).message, 'Invalid parameter: grant_type must be a string');
      assert.equal((err as any).code, 'invalid_request');
      assert.equal((err as any).status, 400);
      assert.equal(ran, false);
    });
  }

  it('leaves the response untouched when failing', async () => {
    const res = new MockResponse();
    await run(token(makeServer()) as any, post({ grant_type: 'nope' }), res);
    assert.equal(res.ended, false);
    assert.deepEqual(res.headers, {});
  });
});
