/** grant.code: PKCE parsing and policy, response_mode, iss (unit, mock req/res). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { code } from '../../src/grant/code.js';
import { token } from '../../src/grant/token.js';
import { resolveProfile } from '../../src/settings/profile.js';
import { attachProfile } from '../../src/settings/settings.js';
import { mockRequest, MockResponse } from '../helpers/mock.js';
import { callResponse, callError } from '../helpers/authorize.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const issue: any = (_c: unknown, _r: unknown, _u: unknown, done: (e: unknown, c?: string) => void) => done(null, 'xyz');

function parseWith(mod: any, query: Record<string, unknown>, profile?: ReturnType<typeof resolveProfile>): any {
  const req = mockRequest({ query });
  attachProfile(req, profile);
  return mod.request(req);
}

function txn(overrides: Record<string, any> = {}): any {
  return {
    client: { id: 'c1' },
    redirectURI: 'https://client.example.com/cb',
    req: { type: 'code', clientID: 'c1', state: 's1' },
    user: { id: 'u1' },
    res: { allow: true },
    ...overrides,
  };
}

describe('grant.code (issue 11)', () => {
  it('without a policy, code_challenge is not read (1.x)', () => {
    const areq = parseWith(code(issue), { client_id: 'c1', code_challenge: 'junk', code_challenge_method: 'nope' });
    assert.equal(areq.codeChallenge, undefined);
    assert.equal(areq.codeChallengeMethod, undefined);
  });

  it('the grant\'s own policy parses and checks the challenge', () => {
    const mod = code({ pkce: {} }, issue);
    assert.deepEqual(parseWith(mod, { client_id: 'c1', code_challenge: CHALLENGE, code_challenge_method: 'S256' }),
      { clientID: 'c1', redirectURI: undefined, scope: undefined, state: undefined, codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' });
    assert.throws(() => parseWith(mod, { client_id: 'c1', code_challenge: CHALLENGE }), (e: any) => e.code === 'invalid_request');
  });

  it('the server\'s policy applies through the request; pkce: false turns it off', () => {
    const profile = resolveProfile({ pkce: { required: true } });
    assert.throws(() => parseWith(code(issue), { client_id: 'c1' }, profile), (e: any) => e.code === 'invalid_request' && e.status === 400);
    assert.equal(parseWith(code({ pkce: false }, issue), { client_id: 'c1' }, profile).codeChallenge, undefined);
  });

  it('a bad policy throws at construction', () => {
    assert.throws(() => code({ pkce: { required: 'public' } } as any, issue), /isPublic/);
  });

  it('required for public clients: checked at response time, with the client', async () => {
    const mod: any = code({ pkce: { required: 'public', isPublic: (c: any) => !c.secret } }, issue);
    const out = await callResponse(mod.response, txn());
    assert.equal((out.err as any).code, 'invalid_request');
    const conf = await callResponse(mod.response, txn({ client: { id: 'c1', secret: 'x' } }));
    assert.equal(conf.nextCalled, false);
    assert.match(conf.res.location!, /code=xyz/);
    const withChallenge = await callResponse(mod.response, txn({ req: { type: 'code', clientID: 'c1', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' } }));
    assert.match(withChallenge.res.location!, /code=xyz/);
    const denied = await callResponse(mod.response, txn({ res: { allow: false } }));
    assert.match(denied.res.location!, /error=access_denied/, 'a denial is answered whatever PKCE says');
  });

  it('an isPublic that throws reaches next', async () => {
    const mod: any = code({ pkce: { required: 'public', isPublic: () => { throw new Error('db down'); } } }, issue);
    const out = await callResponse(mod.response, txn());
    assert.equal((out.err as Error).message, 'db down');
  });

  it('the context form of issue receives pkce', async () => {
    let seen: any;
    const mod: any = code({ pkce: {} }, async (ctx: any) => { seen = ctx.pkce; return 'abc'; });
    await callResponse(mod.response, txn({ req: { type: 'code', clientID: 'c1', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' } }));
    assert.deepEqual(seen, { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' });
    await callResponse(mod.response, txn());
    assert.equal(seen, undefined);
  });

  it('responseModes: parsed, checked, built-in modes answer', async () => {
    const mod: any = code({ responseModes: ['query', 'form_post'] }, issue);
    assert.equal(parseWith(mod, { client_id: 'c1', response_mode: 'form_post' }).responseMode, 'form_post');
    assert.equal(parseWith(mod, { client_id: 'c1' }).responseMode, undefined);
    assert.throws(() => parseWith(mod, { client_id: 'c1', response_mode: 'fragment' }), (e: any) => e.code === 'invalid_request');
    assert.throws(() => parseWith(mod, { client_id: 'c1', response_mode: ['query'] }), (e: any) => e.code === 'invalid_request');
    const out = await callResponse(mod.response, txn({ req: { type: 'code', clientID: 'c1', responseMode: 'form_post' } }));
    assert.match(out.res.body!, /<input type="hidden" name="code" value="xyz">/);
    assert.throws(() => code({ responseModes: ['jwt'] }, issue), /no implementation/);
    assert.throws(() => code({ responseModes: 'query' as any }, issue), /array/);
  });

  it('iss: added to success, denial and error when the transaction carries an issuer', async () => {
    const profile = resolveProfile({ issuer: 'https://as.example.com' });
    const mod: any = code(issue);
    const t = txn();
    attachProfile(t, profile);
    assert.equal((await callResponse(mod.response, t)).res.location, 'https://client.example.com/cb?code=xyz&state=s1&iss=https%3A%2F%2Fas.example.com');
    const d = txn({ res: { allow: false } });
    attachProfile(d, profile);
    assert.equal((await callResponse(mod.response, d)).res.location, 'https://client.example.com/cb?error=access_denied&state=s1&iss=https%3A%2F%2Fas.example.com');
    const e = txn();
    attachProfile(e, profile);
    const out = await callError(mod.error, Object.assign(new Error('nope'), { code: 'invalid_scope' }), e, new MockResponse());
    assert.equal(out.res.location, 'https://client.example.com/cb?error=invalid_scope&error_description=nope&state=s1&iss=https%3A%2F%2Fas.example.com');
  });

  it('carries metadata for the RFC 8414 endpoint', () => {
    assert.deepEqual((code({ pkce: { allowPlain: true }, responseModes: ['query', 'form_post'] }, issue) as any).metadata, {
      response_types_supported: ['code'], grant_types_supported: ['authorization_code'],
      code_challenge_methods_supported: ['S256', 'plain'], response_modes_supported: ['query', 'form_post'],
    });
  });
});

describe('grant.token (issue 11)', () => {
  const issueToken: any = (_c: unknown, _u: unknown, done: any) => done(null, 'at');
  it('hardened refuses the implicit grant at parse time', () => {
    const mod: any = token(issueToken);
    assert.throws(() => parseWith(mod, { client_id: 'c1' }, resolveProfile({ issuer: 'https://as.example.com', hardened: true })),
      (e: any) => e.code === 'unsupported_response_type');
    assert.equal(parseWith(mod, { client_id: 'c1' }, resolveProfile({ issuer: 'https://as.example.com', hardened: { allowImplicit: true } })).clientID, 'c1');
    assert.equal(parseWith(mod, { client_id: 'c1' }, resolveProfile({ issuer: 'https://as.example.com' })).clientID, 'c1');
  });

  it('iss in the fragment', async () => {
    const mod: any = token(issueToken);
    const t = txn({ req: { type: 'token', clientID: 'c1' } });
    attachProfile(t, resolveProfile({ issuer: 'https://as.example.com' }));
    const out = await callResponse(mod.response, t);
    assert.equal(out.res.location, 'https://client.example.com/cb#access_token=at&token_type=Bearer&iss=https%3A%2F%2Fas.example.com');
  });
});
