/** Pushed authorization requests (RFC 9126) and authorize's request_uri step, with mock requests. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { code } from '../../src/grant/code.js';
import { advertised } from '../../src/settings/settings.js';
import { createRequire } from 'node:module';
import { mockRequest, run } from '../helpers/mock.js';

const pkce = createRequire(import.meta.url)('oauth2orize-pkce');

const T0 = 1_700_000_000_000;
const web = { id: 'web', redirectURI: 'https://web.example/cb' };

function server() {
  const s = new Server();
  s.grant(code(() => {}));
  return s;
}
const validate = (clientID: string, redirectURI: string | undefined, done: any) =>
  done(null, clientID === 'web' && (!redirectURI || redirectURI === web.redirectURI) ? web : false, web.redirectURI);
const body = { response_type: 'code', client_id: 'web', redirect_uri: web.redirectURI, state: 'xyz' };

describe('server.pushedAuthorization', () => {
  it('checks its arguments at construction', () => {
    const s = server();
    assert.throws(() => s.pushedAuthorization(undefined, undefined as any, () => {}), /requires a validate function/);
    assert.throws(() => s.pushedAuthorization(undefined, validate, undefined as any), /requires a store callback/);
    assert.throws(() => s.pushedAuthorization({ expiresIn: -1 }, validate, () => {}), /expiresIn/);
  });

  it('stores the request and answers 201 (callback-form store, options omitted)', async () => {
    let stored: any;
    const mw = server().pushedAuthorization(validate, (record, done) => { stored = record; done(); });
    const r = await run(mw, mockRequest({ method: 'POST', body: { ...body, client_secret: 's' }, user: web }));
    assert.equal(r.res.statusCode, 201);
    const json = JSON.parse(r.res.body!);
    assert.deepEqual(Object.keys(json), ['request_uri', 'expires_in']);
    assert.equal(json.request_uri, stored.requestURI);
    assert.equal(stored.clientID, 'web');
    assert.deepEqual(stored.params, body, 'credentials left out');
    assert.equal(stored.client, web);
    assert.equal(stored.areq.state, 'xyz');
    assert.equal(r.res.headers['cache-control'], 'no-store');
  });

  it('calls validate by arity, like authorize: context form', async () => {
    const seen: any[] = [];
    const mw = server().pushedAuthorization({ now: () => T0, expiresIn: 30 }, (ctx) => { seen.push(ctx); return { client: web }; }, async (record) => {
      assert.equal(new Date(record.expiresAt).getTime(), T0 + 30_000);
    });
    const r = await run(mw, mockRequest({ method: 'POST', body, user: web }));
    assert.equal(r.res.statusCode, 201, String(r.err));
    assert.equal(seen[0].clientID, 'web');
    assert.equal(seen[0].redirectURI, web.redirectURI);
    assert.equal(seen[0].type, 'code');
  });

  it('compares client_id through options.clientID', async () => {
    const mw = server().pushedAuthorization({ clientID: (c: any) => c.name }, validate, () => {});
    let r = await run(mw, mockRequest({ method: 'POST', body, user: { name: 'web' } }));
    assert.equal(r.res.statusCode, 201, String(r.err));
    r = await run(server().pushedAuthorization(validate, () => {}), mockRequest({ method: 'POST', body, user: { name: 'web' } }));
    assert.match(String((r.err as Error).message), /set options.clientID/);
  });

  it('passes app errors on unchanged, and turns grant errors into JSON-ready TokenErrors', async () => {
    const boom = new Error('db');
    let r = await run(server().pushedAuthorization(validate, async () => { throw boom; }), mockRequest({ method: 'POST', body, user: web }));
    assert.equal(r.err, boom);
    r = await run(server().pushedAuthorization((_a: any, done: any) => done(boom), () => {}), mockRequest({ method: 'POST', body, user: web }));
    assert.equal(r.err, boom);
    r = await run(server().pushedAuthorization(validate, () => {}), mockRequest({ method: 'POST', body: { response_type: 'code', client_id: ['web'] }, user: web }));
    assert.equal((r.err as any).name, 'TokenError');
    assert.equal((r.err as any).code, 'invalid_request');
  });

  it('advertises its endpoint when given', () => {
    const s = server();
    s.pushedAuthorization({ endpoint: 'https://as.example/par' }, validate, () => {});
    assert.equal(advertised(s).pushed_authorization_request_endpoint, 'https://as.example/par');
    assert.equal(advertised(s).require_pushed_authorization_requests, undefined);
  });
});

describe('authorize with request_uri', () => {
  const record = (over: object = {}) => ({ requestURI: 'urn:r', clientID: 'web', params: body, expiresAt: T0 + 1000, ...over });

  function authorize(options: object) {
    const s = server();
    return { s, mw: s.authorize({ now: () => T0, ...options }, validate) };
  }
  const store = { store: (_r: any, _t: any, cb: any) => cb(null, 't'), load() {}, update() {}, remove() {} };

  it('ignores request_uri when not configured (1.x behaviour)', async () => {
    const s = new Server({ store });
    s.grant(code(() => {}));
    const r = await run(s.authorize(validate), mockRequest({ query: { ...body, request_uri: 'urn:r' } }));
    assert.equal(r.err, undefined);
    assert.equal(r.req.oauth2.req.state, 'xyz');
  });

  it('parses the pushed parameters, taken once through a callback-form loader', async () => {
    const taken: string[] = [];
    const s = new Server({ store });
    s.grant(code(() => {}));
    const mw = s.authorize({ now: () => T0, loadPushedRequest: (uri: string, done: any) => { taken.push(uri); done(null, record()); } }, validate);
    const r = await run(mw, mockRequest({ query: { client_id: 'web', request_uri: 'urn:r', state: 'other' } }));
    assert.equal(r.err, undefined);
    assert.deepEqual(taken, ['urn:r']);
    assert.equal(r.req.oauth2.req.state, 'xyz', 'pushed parameters win');
    assert.equal(r.req.oauth2.redirectURI, web.redirectURI);
    assert.deepEqual(r.req.query, { client_id: 'web', request_uri: 'urn:r', state: 'other' }, 'the real request is untouched');
  });

  const refusals: Array<[string, Record<string, unknown>, any]> = [
    ['an unknown request_uri', { client_id: 'web', request_uri: 'urn:r' }, null],
    ['another client\'s request_uri', { client_id: 'tv', request_uri: 'urn:r' }, record()],
    ['an expired request_uri', { client_id: 'web', request_uri: 'urn:r' }, record({ expiresAt: T0 })],
    ['a record without params', { client_id: 'web', request_uri: 'urn:r' }, record({ params: undefined })],
  ];
  for (const [what, query, rec] of refusals) {
    it(`refuses ${what} with invalid_request_uri`, async () => {
      const { mw } = authorize({ loadPushedRequest: async () => rec });
      const r = await run(mw, mockRequest({ query }));
      assert.equal((r.err as any).code, 'invalid_request_uri');
      assert.equal((r.err as any).status, 400);
      assert.equal(r.req.oauth2, undefined, 'nothing to redirect to');
    });
  }

  it('refuses a request without request_uri when PAR is required, and advertises it', async () => {
    const { s, mw } = authorize({ requirePushedRequests: true, loadPushedRequest: async () => null });
    const r = await run(mw, mockRequest({ query: body }));
    assert.equal((r.err as any).code, 'invalid_request');
    assert.match((r.err as Error).message, /request_uri/);
    assert.equal(advertised(s).require_pushed_authorization_requests, true);
  });

  it('needs loadPushedRequest to require PAR', () => {
    assert.throws(() => server().authorize({ requirePushedRequests: true }, validate), /needs loadPushedRequest/);
  });

  it('passes loader errors on', async () => {
    const boom = new Error('db');
    const { mw } = authorize({ loadPushedRequest: async () => { throw boom; } });
    const r = await run(mw, mockRequest({ query: { client_id: 'web', request_uri: 'urn:r' } }));
    assert.equal(r.err, boom);
  });
});

describe('PAR with an extension parser (oauth2orize-pkce)', () => {
  it('the extension sees the pushed parameters at both endpoints', async () => {
    const s = new Server({ store: { store: (_r: any, _t: any, cb: any) => cb(null, 't'), load() {}, update() {}, remove() {} } });
    s.grant(code(() => {}));
    s.grant(pkce.extensions());
    let stored: any;
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    const r = await run(s.pushedAuthorization(validate, (record) => { stored = record; }),
      mockRequest({ method: 'POST', body: { ...body, code_challenge: challenge, code_challenge_method: 'S256' }, user: web }));
    assert.equal(r.res.statusCode, 201, String(r.err));
    assert.equal(stored.areq.codeChallenge, challenge);
    const mw = s.authorize({ loadPushedRequest: () => stored }, validate);
    const a = await run(mw, mockRequest({ query: { client_id: 'web', request_uri: stored.requestURI } }));
    assert.equal(a.err, undefined);
    assert.equal(a.req.oauth2.req.codeChallenge, challenge);
    assert.equal(a.req.oauth2.req.codeChallengeMethod, 'S256');
  });
});
