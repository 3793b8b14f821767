/**
 * `resource` (RFC 8707) at PAR and device authorization, and every exchange
 * giving its checked list to `issue`, with mock requests.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { code } from '../../src/grant/code.js';
import oauth2orize, { invalidTarget, isSubsetOf, requestedResources, TokenError } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';
import { resolveProfile } from '../../src/settings/profile.js';
import { attachProfile } from '../../src/settings/settings.js';

/** A request as a server with a profile (here an issuer) hands it to an exchange. */
function profiled<T extends object>(req: T): T {
  attachProfile(req, resolveProfile({ issuer: 'https://as.example' }));
  return req;
}

const API = 'https://api.example/mcp';
const OTHER = 'urn:example:other';
const web = { id: 'web', redirectURI: 'https://web.example/cb' };
const validate = (clientID: string, _redirectURI: string | undefined, done: any) => done(null, clientID === 'web' ? web : false, web.redirectURI);

describe('resource at PAR', () => {
  function par() {
    const s = new Server();
    s.grant(code(() => {}));
    let stored: any;
    const mw = s.pushedAuthorization(validate, (record, done) => { stored = record; done(); });
    return { mw, stored: () => stored };
  }

  it('keeps the checked list on the parsed request', async () => {
    const p = par();
    const r = await run(p.mw, mockRequest({ method: 'POST', body: { response_type: 'code', client_id: 'web', resource: [API, OTHER, API] }, user: web }));
    assert.equal(r.res.statusCode, 201);
    assert.deepEqual(p.stored().areq.resource, [API, OTHER]);
  });

  for (const [what, resource] of [['a fragment', API + '#x'], ['a relative URI', '/mcp'], ['an object', { a: 1 }], ['a list with a number', [API, 3]]] as const) {
    it(`refuses ${what} with invalid_target (400)`, async () => {
      const p = par();
      const r = await run(p.mw, mockRequest({ method: 'POST', body: { response_type: 'code', client_id: 'web', resource }, user: web }));
      assert.equal((r.err as TokenError).code, 'invalid_target');
      assert.equal((r.err as TokenError).status, 400);
      assert.equal(p.stored(), undefined);
    });
  }
});

describe('resource at device authorization', () => {
  it('stores the checked list with the record ([] when none), and refuses a bad one', async () => {
    const server = new Server();
    const stored: any[] = [];
    const mw = server.deviceAuthorization({ verificationURI: 'https://as.example/device' }, (record, done) => { stored.push(record); done(); });
    await run(mw, mockRequest({ method: 'POST', body: { resource: API }, user: { id: 'tv' } }));
    await run(mw, mockRequest({ method: 'POST', body: {}, user: { id: 'tv' } }));
    assert.deepEqual(stored.map((r) => r.resource), [[API], []]);
    const bad = await run(mw, mockRequest({ method: 'POST', body: { resource: 'not a uri' }, user: { id: 'tv' } }));
    assert.equal((bad.err as TokenError).code, 'invalid_target');
    assert.equal(stored.length, 2);
  });
});

describe('resource at every exchange', () => {
  const cases: Array<[string, (issue: any) => any, Record<string, unknown>]> = [
    ['authorization_code', (issue) => oauth2orize.exchange.code(issue), { code: 'c', redirect_uri: 'https://web.example/cb' }],
    ['client_credentials', (issue) => oauth2orize.exchange.clientCredentials(issue), {}],
    ['password', (issue) => oauth2orize.exchange.password(issue), { username: 'u', password: 'p' }],
    ['refresh_token', (issue) => oauth2orize.exchange.refreshToken(issue), { refresh_token: 'r' }],
    ['device_code', (issue) => oauth2orize.exchange.deviceCode(issue), { device_code: 'd' }],
  ];
  for (const [name, make, params] of cases) {
    it(`${name}: the context form gets resource; a bad value never reaches issue`, async () => {
      const seen: unknown[] = [];
      const context = make(async (ctx: any) => { seen.push(ctx.resource); return 'AT'; });
      const r = await run(context, profiled(mockRequest({ method: 'POST', body: { ...params, resource: [API, OTHER] }, user: web })));
      assert.equal(r.res.statusCode, 200, String(r.err));
      assert.deepEqual(seen, [[API, OTHER]]);
      const bad = await run(context, profiled(mockRequest({ method: 'POST', body: { ...params, resource: 'https://x.example/#f' }, user: web })));
      assert.equal((bad.err as TokenError).code, 'invalid_target');
      assert.equal((bad.err as TokenError).status, 400);
      assert.equal(seen.length, 1);
      // A 1.x server (no profile) ignores a bad value, as 1.12 ignored the parameter.
      const lenient = await run(context, mockRequest({ method: 'POST', body: { ...params, resource: 'api' }, user: web }));
      assert.equal(lenient.res.statusCode, 200, String(lenient.err));
      assert.deepEqual(seen, [[API, OTHER], []]);
    });
  }

  it('authorization_code after a PKCE check: the context form gets resource too', async () => {
    const { createHash } = await import('node:crypto');
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    let got: unknown;
    const ex = oauth2orize.exchange.code({ pkce: { required: true, lookup: async () => ({ codeChallenge: challenge, codeChallengeMethod: 'S256' }) } },
      async (ctx: any) => { got = [ctx.resource, ctx.codeVerifier]; return 'AT'; });
    const r = await run(ex, mockRequest({ method: 'POST', body: { code: 'c', code_verifier: verifier, resource: API }, user: web }));
    assert.equal(r.res.statusCode, 200, String(r.err));
    assert.deepEqual(got, [[API], verifier]);
  });

  it('the positional form of refreshToken reads the list with requestedResources(body)', async () => {
    let got: string[] | undefined;
    const ex = oauth2orize.exchange.refreshToken((_client: unknown, _rt: string, _scope: unknown, body: any, done: any) => { got = requestedResources(body); done(null, 'AT'); });
    await run(ex, mockRequest({ method: 'POST', body: { refresh_token: 'r', resource: API }, user: web }));
    assert.deepEqual(got, [API]);
  });

  it('a 1.x positional issue that never reads resource is not called for a bad value', async () => {
    let called = 0;
    const ex = oauth2orize.exchange.clientCredentials((_client: unknown, done: any) => { called++; done(null, 'AT'); });
    const r = await run(ex, profiled(mockRequest({ method: 'POST', body: { resource: 'relative/path' }, user: web })));
    assert.equal((r.err as TokenError).code, 'invalid_target');
    assert.equal(called, 0);
    const ok = await run(ex, mockRequest({ method: 'POST', body: {}, user: web }));
    assert.equal(ok.res.statusCode, 200);
    assert.equal(called, 1);
  });

  it('an issue refusing with invalidTarget() answers invalid_target 400', async () => {
    const ex = oauth2orize.exchange.clientCredentials(async ({ resource }: any) => {
      if (!isSubsetOf(resource, [API])) throw invalidTarget();
      return 'AT';
    });
    const r = await run(ex, mockRequest({ method: 'POST', body: { resource: OTHER }, user: web }));
    assert.equal((r.err as TokenError).code, 'invalid_target');
    assert.equal((r.err as TokenError).status, 400);
  });
});

describe('isSubsetOf', () => {
  it('is true for an empty request and subsets, false otherwise', () => {
    assert.equal(isSubsetOf([], undefined), true);
    assert.equal(isSubsetOf([API], [API, OTHER]), true);
    assert.equal(isSubsetOf([API, OTHER], [API]), false);
    assert.equal(isSubsetOf([API], null), false);
  });
});

describe('resource at authorize (grant.code request parser)', () => {
  const grant = code(() => {});
  const parse = (req: any) => (grant.request as (req: any) => any)(req);

  it('on a server with a profile: kept when good, invalid_target when bad', () => {
    const good = parse(profiled(mockRequest({ query: { response_type: 'code', client_id: 'web', resource: [API, API] } })));
    assert.deepEqual(good.resource, [API]);
    assert.throws(() => parse(profiled(mockRequest({ query: { response_type: 'code', client_id: 'web', resource: 'api' } }))),
      (err: any) => err.code === 'invalid_target' && err.status === 400);
  });

  it('on a 1.x server (no profile): a bad value is ignored and the request object is 1.x-shaped', () => {
    const areq = parse(mockRequest({ query: { response_type: 'code', client_id: 'web', resource: 'api' } }));
    assert.equal('resource' in areq, false);
    assert.equal(areq.clientID, 'web');
  });
});
