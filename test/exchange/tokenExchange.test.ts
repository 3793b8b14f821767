import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import oauth2orize, { tokenExchange, createServer, TokenError } from '../../src/index.js';
import { assertTokenError, exchangeWith, tokenResponse } from './helpers.js';

const GT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const client = { id: 'c1' };
const base = { grant_type: GT, subject_token: 'sub-tok', subject_token_type: AT };

describe('exchange.tokenExchange', () => {
  it('is named after the grant type and is on the exchange bag', () => {
    const mw = tokenExchange(async (_ctx: any) => null);
    assert.equal(mw.name, GT);
    assert.equal(oauth2orize.exchange.tokenExchange, tokenExchange);
    const server = createServer();
    server.exchange(mw);
    assert.equal(server._exchanges[0]!.type, GT);
  });

  it('context form: parsed request in, issued_token_type out', async () => {
    let seen: any;
    const mw = tokenExchange(async (ctx: any) => {
      seen = ctx;
      return { accessToken: 'new', issuedTokenType: JWT, tokenType: 'N_A', expiresIn: 60, scope: 'read' };
    });
    const body = {
      ...base, actor_token: 'act', actor_token_type: JWT, resource: ['https://rs1.example/api', 'https://rs2.example'],
      audience: 'svc-a', scope: 'read write', requested_token_type: JWT,
    };
    const { res } = await exchangeWith(mw, body, { user: client });
    assert.deepEqual(tokenResponse(res), { access_token: 'new', issued_token_type: JWT, token_type: 'N_A', expires_in: 60, scope: 'read' });
    assert.equal(seen.client, client);
    assert.equal(seen.subjectToken, 'sub-tok');
    assert.equal(seen.subjectTokenType, AT);
    assert.equal(seen.actorToken, 'act');
    assert.equal(seen.actorTokenType, JWT);
    assert.deepEqual(seen.resource, ['https://rs1.example/api', 'https://rs2.example']);
    assert.deepEqual(seen.audience, ['svc-a']);
    assert.deepEqual(seen.scope, ['read', 'write']);
    assert.equal(seen.requestedTokenType, JWT);
  });

  it('positional form (client, request, done) with params.issued_token_type; token_type defaults to Bearer', async () => {
    let seen: any;
    const mw = tokenExchange(function (c: any, request: any, done: any) { seen = [c, request]; done(null, 'tok', { issued_token_type: AT, expires_in: 5 }); } as any);
    const { res } = await exchangeWith(mw, base, { user: client });
    assert.deepEqual(tokenResponse(res), { access_token: 'tok', issued_token_type: AT, expires_in: 5, token_type: 'Bearer' });
    assert.equal(seen[0], client);
    assert.deepEqual(seen[1].resource, []);
    assert.deepEqual(seen[1].audience, []);
    assert.equal(seen[1].actorToken, undefined);
  });

  it('arities 4 and 5 receive body and authInfo', async () => {
    const seen: unknown[] = [];
    const four = tokenExchange(function (_c: any, _r: any, b: any, done: any) { seen.push(b); done(null, 't', null, { issued_token_type: AT }); } as any);
    const five = tokenExchange(function (_c: any, _r: any, _b: any, info: any, done: any) { seen.push(info); done(null, 't', { issued_token_type: AT }); } as any);
    await exchangeWith(four, base, { user: client });
    await exchangeWith(five, base, { user: client, authInfo: { m: 1 } });
    assert.deepEqual(seen, [base, { m: 1 }]);
  });

  it('a falsy token is invalid_request (RFC 8693 §2.2.2)', async () => {
    const mw = tokenExchange(async (_ctx: any) => null);
    const { err } = await exchangeWith(mw, base, { user: client });
    assertTokenError(err, 'Invalid subject or actor token', 'invalid_request', 400);
  });

  it('an app without issued_token_type is a server error', async () => {
    const mw = tokenExchange(function (_c: any, _r: any, done: any) { done(null, 'tok'); } as any);
    const { err } = await exchangeWith(mw, base, { user: client });
    assert.match((err as Error).message, /issued_token_type/);
  });

  it('requires a client unless requireClient is false', async () => {
    const mw = tokenExchange(async (_ctx: any) => ({ accessToken: 't', issuedTokenType: AT }));
    const { err } = await exchangeWith(mw, base);
    assertTokenError(err, 'Client authentication required', 'invalid_client', 401);
    const open = tokenExchange({ requireClient: false }, async (_ctx: any) => ({ accessToken: 't', issuedTokenType: AT }));
    const { res } = await exchangeWith(open, base);
    assert.equal(tokenResponse(res).access_token, 't');
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['missing subject_token', { subject_token: undefined }, 'invalid_request'],
    ['empty subject_token', { subject_token: '' }, 'invalid_request'],
    ['repeated subject_token', { subject_token: ['a', 'b'] }, 'invalid_request'],
    ['object subject_token', { subject_token: { a: 1 } }, 'invalid_request'],
    ['missing subject_token_type', { subject_token_type: undefined }, 'invalid_request'],
    ['subject_token_type not a URI', { subject_token_type: 'access_token' }, 'invalid_request'],
    ['actor_token without type', { actor_token: 'a' }, 'invalid_request'],
    ['actor_token_type without token', { actor_token_type: JWT }, 'invalid_request'],
    ['actor_token_type not a URI', { actor_token: 'a', actor_token_type: 'jwt' }, 'invalid_request'],
    ['requested_token_type not a URI', { requested_token_type: 'jwt' }, 'invalid_request'],
    ['relative resource', { resource: '/api' }, 'invalid_target'],
    ['resource with fragment', { resource: 'https://rs.example/#x' }, 'invalid_target'],
    ['one bad resource among good', { resource: ['https://rs.example', 'nope'] }, 'invalid_target'],
    ['object resource', { resource: { a: 'https://rs.example' } }, 'invalid_request'],
    ['nested array resource', { resource: [['https://rs.example']] }, 'invalid_request'],
    ['empty audience', { audience: '' }, 'invalid_request'],
    ['numeric audience', { audience: [1] }, 'invalid_request'],
    ['array scope', { scope: ['a'] }, 'invalid_request'],
  ];
  for (const [name, patch, code] of bad) {
    it(`${code} for ${name}`, async () => {
      const mw = tokenExchange(async (_ctx: any) => { throw new Error('must not be called'); });
      const body: Record<string, unknown> = { ...base, ...patch };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const { err } = await exchangeWith(mw, body, { user: client });
      assert.ok(err instanceof TokenError, `TokenError expected, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.equal(err.status, 400);
    });
  }
});

describe('exchange.tokenExchange results', () => {
  it('a context form returning a bare string reports the missing issued_token_type', async () => {
    const mw = tokenExchange(async (_ctx: any) => 'just-a-token');
    const { err } = await exchangeWith(mw, base, { user: client });
    assert.match((err as Error).message, /issued_token_type/);
  });

  it('refresh_token and extra params pass through', async () => {
    const mw = tokenExchange(async (_ctx: any) => ({ accessToken: 'a', refreshToken: 'r', issuedTokenType: AT, params: { extra: 1 } }));
    const { res } = await exchangeWith(mw, base, { user: client });
    assert.deepEqual(tokenResponse(res), { access_token: 'a', refresh_token: 'r', extra: 1, issued_token_type: AT, token_type: 'Bearer' });
  });
});
