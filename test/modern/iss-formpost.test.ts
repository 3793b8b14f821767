/**
 * RFC 9207 `iss` on every authorization response, and the built-in
 * form_post response mode, over HTTP (Express 5), including the grants of
 * oauth2orize-openid.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import oauth2orize from '../../src/index.js';
import { modernApp, login, paramsOf, formInputs, clients, ISSUER, require, type ModernAppOptions } from './app.js';

const CONF = { response_type: 'code', client_id: 'conf', redirect_uri: clients.conf!.redirectURI, state: 'st' };
const APP = { response_type: 'code', client_id: 'app', redirect_uri: clients.app!.redirectURI, state: 'sa' };

async function decide(app: any, query: Record<string, unknown>, body: Record<string, unknown> = {}): Promise<any> {
  const agent = await login(app);
  const page = await agent.get('/authorize').query(query);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return agent.post('/decision').type('form').send({ transaction_id: page.body.transactionID, ...body });
}

const withIss: ModernAppOptions = { server: { issuer: ISSUER }, code: { responseModes: ['query', 'fragment', 'form_post'] }, token: { responseModes: ['fragment', 'form_post'] } };

describe('RFC 9207 iss', () => {
  it('on a code (query), a denial and a token (fragment)', async () => {
    const { app } = modernApp(withIss);
    const ok = await decide(app, CONF);
    assert.deepEqual(Object.keys(paramsOf(ok.headers.location)), ['code', 'state', 'iss']);
    assert.equal(paramsOf(ok.headers.location).iss, ISSUER);
    const denied = await decide(app, CONF, { cancel: 'Deny' });
    assert.deepEqual(paramsOf(denied.headers.location), { error: 'access_denied', state: 'st', iss: ISSUER });
    const implicit = await decide(app, { ...CONF, response_type: 'token' });
    assert.equal(paramsOf(implicit.headers.location, true).iss, ISSUER);
    assert.equal(paramsOf(implicit.headers.location, true).access_token, 'at-implicit-conf');
  });

  for (const errors of ['authorizationErrorHandler', 'indirect'] as const) {
    it(`on error redirects (${errors})`, async () => {
      const { app } = modernApp({ ...withIss, errors });
      const agent = await login(app);
      const busy = await agent.get('/authorize').query({ ...CONF, scope: 'busy' });
      assert.equal(busy.status, 302);
      assert.deepEqual(paramsOf(busy.headers.location), { error: 'temporarily_unavailable', error_description: 'Try later', state: 'st', iss: ISSUER });
      const frag = await agent.get('/authorize').query({ ...CONF, response_type: 'token', scope: 'busy' });
      assert.equal(paramsOf(frag.headers.location, true).iss, ISSUER);
      const form = await agent.get('/authorize').query({ ...CONF, response_mode: 'form_post', scope: 'busy' });
      assert.equal(form.status, 200, form.text);
      assert.deepEqual(formInputs(form.text), { error: 'temporarily_unavailable', error_description: 'Try later', state: 'st', iss: ISSUER });
    });
  }

  it('a server without issuer sends no iss anywhere (1.x)', async () => {
    const { app } = modernApp({ code: { responseModes: ['query', 'form_post'] } });
    const ok = await decide(app, CONF);
    assert.deepEqual(Object.keys(paramsOf(ok.headers.location)), ['code', 'state']);
    const agent = await login(app);
    const busy = await agent.get('/authorize').query({ ...CONF, scope: 'busy' });
    assert.equal(paramsOf(busy.headers.location).iss, undefined);
  });

  it('reaches oauth2orize-openid grants that use this package\'s response modes', async () => {
    const openid = require('oauth2orize-openid');
    const built = modernApp(withIss);
    built.server.grant(openid.grant.idToken({ modes: { fragment: oauth2orize.response.fragment, form_post: oauth2orize.response.formPost } },
      (_client: any, _user: any, _areq: any, done: any) => done(null, 'id.token.jwt')));
    const res = await decide(built.app, { ...CONF, response_type: 'id_token', nonce: 'n' });
    assert.deepEqual(paramsOf(res.headers.location, true), { id_token: 'id.token.jwt', state: 'st', iss: ISSUER });
  });
});

describe('response_mode=form_post (built in)', () => {
  it('code: an auto-submitting form with every value escaped, no-store, and a hash-pinned CSP', async () => {
    const { app } = modernApp(withIss);
    const res = await decide(app, { ...CONF, response_mode: 'form_post', state: '"><script>x</script>' });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const inputs = formInputs(res.text);
    assert.deepEqual(Object.keys(inputs), ['code', 'state', 'iss']);
    assert.equal(inputs.state, '"><script>x</script>');
    assert.ok(!res.text.includes('"><script>x'), 'state is escaped');
    assert.ok(res.text.includes(`action="${clients.conf!.redirectURI}"`));
    const script = /<script>([^<]*)<\/script>/.exec(res.text)![1]!;
    const csp = res.headers['content-security-policy'];
    assert.ok(csp.includes(`'sha256-${createHash('sha256').update(script).digest('base64')}'`), csp);
  });

  it('token and denial post too', async () => {
    const { app } = modernApp(withIss);
    const tok = await decide(app, { ...CONF, response_type: 'token', response_mode: 'form_post' });
    assert.deepEqual(formInputs(tok.text), { access_token: 'at-implicit-conf', expires_in: '60', token_type: 'Bearer', state: 'st', iss: ISSUER });
    const denied = await decide(app, { ...CONF, response_mode: 'form_post' }, { cancel: 'Deny' });
    assert.deepEqual(formInputs(denied.text), { error: 'access_denied', state: 'st', iss: ISSUER });
  });

  it('immediate approval answers in form_post', async () => {
    const { app } = modernApp(withIss);
    const agent = await login(app);
    const res = await agent.get('/authorize').query({ ...APP, response_mode: 'form_post' });
    assert.equal(res.status, 200);
    assert.ok(formInputs(res.text).code);
  });

  it('an unknown, disallowed or malformed response_mode is invalid_request', async () => {
    const { app, issued } = modernApp({ ...withIss, code: { responseModes: ['query', 'form_post'] } });
    const agent = await login(app);
    for (const mode of ['bogus', 'fragment', 'x'.repeat(8000)]) {
      const res = await agent.get('/authorize').query({ ...CONF, response_mode: mode });
      assert.equal(res.status, 400, mode.slice(0, 10));
      assert.equal(res.body.code, 'invalid_request');
      assert.equal(res.body.message, 'Unsupported response_mode');
    }
    for (const qs of ['response_mode[]=form_post', 'response_mode[a]=form_post']) {
      const res = await agent.get('/authorize?' + new URLSearchParams(CONF).toString() + '&' + qs);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'invalid_request');
    }
    assert.equal(issued.length, 0);
  });

  it('without responseModes, response_mode is not read (1.x)', async () => {
    const { app } = modernApp({});
    const res = await decide(app, { ...CONF, response_mode: 'form_post' });
    assert.equal(res.status, 302, 'answered in the default query mode');
  });

  it('interoperates with oauth2orize-openid: its grants post through formPost, and its fragment mode serves ours', async () => {
    const openid = require('oauth2orize-openid');
    const openidFragment = require('oauth2orize-openid/lib/response/fragment');
    const built = modernApp({ server: { issuer: ISSUER }, code: { responseModes: ['query', 'fragment'], modes: { fragment: openidFragment } } });
    built.server.grant(openid.extensions());
    built.server.grant({ name: '*', request: (req: any) => (req.query.response_mode === 'form_post' ? { responseMode: 'form_post' } : {}) });
    built.server.grant(openid.grant.idToken({ modes: { form_post: oauth2orize.response.formPost } },
      (_client: any, _user: any, _areq: any, done: any) => done(null, 'id.token.jwt')));
    const idt = await decide(built.app, { ...CONF, response_type: 'id_token', nonce: 'n', response_mode: 'form_post' });
    assert.equal(idt.status, 200, idt.text);
    assert.deepEqual(formInputs(idt.text), { id_token: 'id.token.jwt', state: 'st', iss: ISSUER });
    const code = await decide(built.app, { ...CONF, response_mode: 'fragment' });
    const params = paramsOf(code.headers.location, true);
    assert.ok(params.code, code.headers.location);
    assert.equal(params.iss, ISSUER, 'iss added by the grant even through a plugin\'s mode');
  });
});
