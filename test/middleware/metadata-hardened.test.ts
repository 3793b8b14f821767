/** RFC 8414 metadata lists only what a hardened server accepts (no implicit, no password unless allowed). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import oauth2orize, { buildMetadata, createServer } from '../../src/index.js';
import type { ServerOptions } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';

const ISSUER = 'https://as.example';

/** grant code + token, exchange password + code (with a PKCE lookup), as an app moving to the hardened profile would. */
function server(options: ServerOptions) {
  const s = createServer(options);
  s.grant(oauth2orize.grant.code((_c: any, _r: any, _u: any, done: any) => done(null, 'c')));
  s.grant(oauth2orize.grant.token((_c: any, _u: any, done: any) => done(null, 't')));
  s.exchange(oauth2orize.exchange.password((_c: any, _u: any, _p: any, done: any) => done(null, 'a')));
  s.exchange(oauth2orize.exchange.code({ pkce: { lookup: async () => null } }, (_c: any, _code: any, _r: any, done: any) => done(null, 'a')));
  return s;
}

/** What the server's request parsers say of `response_type=type`: the error code, or 'ok'. */
function parse(s: ReturnType<typeof createServer>, type: string): Promise<string> {
  const req = mockRequest({ method: 'GET', query: { response_type: type, client_id: 'c', redirect_uri: 'https://client.example/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' } } as any);
  return new Promise((resolve) => s._parse(type, req as any, (err: any) => resolve(err ? String(err.code) : 'ok')));
}

describe('middleware/metadata under the hardened profile', () => {
  it('leaves out token, implicit and password, which the hardened server refuses', async () => {
    const s = server({ issuer: ISSUER, hardened: true });
    const doc = buildMetadata(s, {});
    assert.deepEqual(doc.response_types_supported, ['code'], 'token is refused (RFC 9700 §2.1.2)');
    assert.deepEqual(doc.grant_types_supported, ['authorization_code'], 'implicit and password are refused');
    // The document agrees with what the server does.
    assert.equal(await parse(s, 'token'), 'unsupported_response_type');
    assert.equal(await parse(s, 'code'), 'ok');
    const token = s.token();
    const out = await run(token, mockRequest({ method: 'POST', body: { grant_type: 'password', username: 'u', password: 'p' }, user: { id: 'c' } } as any));
    assert.equal((out.err as any)?.code, 'unsupported_grant_type', 'the password exchange refuses');
  });

  it('keeps what hardened: { allowImplicit, allowPassword } lets through', () => {
    const both = buildMetadata(server({ issuer: ISSUER, hardened: { allowImplicit: true, allowPassword: true } }), {});
    assert.deepEqual(both.response_types_supported, ['code', 'token']);
    assert.deepEqual(both.grant_types_supported, ['password', 'authorization_code', 'implicit']);
    const implicitOnly = buildMetadata(server({ issuer: ISSUER, hardened: { allowImplicit: true } }), {});
    assert.deepEqual(implicitOnly.response_types_supported, ['code', 'token']);
    assert.deepEqual(implicitOnly.grant_types_supported, ['authorization_code', 'implicit']);
    const passwordOnly = buildMetadata(server({ issuer: ISSUER, hardened: { allowPassword: true } }), {});
    assert.deepEqual(passwordOnly.response_types_supported, ['code']);
    assert.deepEqual(passwordOnly.grant_types_supported, ['password', 'authorization_code']);
  });

  it('servers without the hardened profile list everything, as before', () => {
    for (const options of [{ issuer: ISSUER }, { issuer: ISSUER, pkce: {} }] as ServerOptions[]) {
      const doc = buildMetadata(server(options), {});
      assert.deepEqual(doc.response_types_supported, ['code', 'token'], JSON.stringify(options));
      assert.deepEqual(doc.grant_types_supported, ['password', 'authorization_code', 'implicit'], JSON.stringify(options));
    }
  });

  it('keeps a hybrid response type the profile does not refuse, and implicit with it', async () => {
    const s = server({ issuer: ISSUER, hardened: true });
    s.grant({ name: 'code token', request: (_req: any) => ({}), response: (_t: any, _r: any, next: any) => next() } as any);
    const doc = buildMetadata(s, {});
    assert.deepEqual(doc.response_types_supported, ['code', 'code token']);
    assert.deepEqual(doc.grant_types_supported, ['authorization_code', 'implicit']);
    assert.equal(await parse(s, 'token code'), 'ok', 'the hybrid is accepted, so it is advertised');
  });

  it('drops the fields when nothing accepted is left, and the app\'s own fields still win', () => {
    const s = createServer({ issuer: ISSUER, hardened: true });
    s.grant(oauth2orize.grant.token((_c: any, _u: any, done: any) => done(null, 't')));
    s.exchange(oauth2orize.exchange.password((_c: any, _u: any, _p: any, done: any) => done(null, 'a')));
    const doc = buildMetadata(s, {});
    assert.equal('response_types_supported' in doc, false, JSON.stringify(doc));
    assert.equal('grant_types_supported' in doc, false, JSON.stringify(doc));
    const app = buildMetadata(s, { metadata: { response_types_supported: ['token'] } });
    assert.deepEqual(app.response_types_supported, ['token']);
  });
});
