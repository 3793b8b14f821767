/**
 * oauth2orize-openid mounted on this server: its '*' extension parser, the
 * id_token and `code id_token` grants (4-arity response handlers using
 * `complete`, txn.locals, their own error classes and fragment mode), driven
 * over HTTP.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AuthorizationError } from '../../src/index.js';
import { require, expressVersions, buildPluginApp, login, consentAndDecide, fragmentOf, queryOf, clients, fakeIdToken, claimsOf, type PluginAppOptions } from './app.js';

const openid = require('oauth2orize-openid');

interface Recorded { idToken: any[]; code: any[]; completed: number }

function openidApp(express: any, extra: Partial<PluginAppOptions> = {}) {
  const rec: Recorded = { idToken: [], code: [], completed: 0 };
  const complete = (_req: any, _txn: any, cb: any) => { rec.completed++; cb(); };
  const app = buildPluginApp(express, {
    complete,
    ...extra,
    setup(server, _lib) {
      server.grant(openid.extensions());
      // 7-arity: (client, user, ares, areq, bound, locals, done)
      server.grant(openid.grant.idToken(function (client: any, user: any, ares: any, areq: any, bound: any, locals: any, done: any) {
        rec.idToken.push({ via: 'idToken', client: client.id, user: user.id, ares, nonce: areq.nonce, prompt: areq.prompt, bound, locals });
        done(null, fakeIdToken({ iss: 'https://op.example.com', sub: user.id, aud: client.id, nonce: areq.nonce, auth_time: locals && locals.authTime }));
      }));
      server.grant(openid.grant.codeIdToken(
        (client: any, redirectURI: string, user: any, done: any) => {
          const code = randomBytes(6).toString('hex');
          rec.code.push({ client: client.id, redirectURI, user: user.id, code });
          done(null, code);
        },
        // 6-arity: (client, user, ares, areq, bound, done); bound carries the code
        (client: any, user: any, _ares: any, areq: any, bound: any, done: any) => {
          rec.idToken.push({ via: 'codeIdToken', client: client.id, user: user.id, nonce: areq.nonce, bound });
          done(null, fakeIdToken({ sub: user.id, aud: client.id, nonce: areq.nonce, c_hash_of: bound.authorizationCode }));
        },
      ));
    },
  });
  return { app, rec };
}

const BASE = { client_id: 'c1', redirect_uri: clients.c1.redirectURI, scope: 'openid profile', state: 'af0ifjsldkj', nonce: 'n-0S6_WzA2Mj' };

for (const [label, express] of expressVersions) {
  describe(`plugin oauth2orize-openid (${label})`, () => {
    it('extensions() parses OpenID parameters into areq for every type', async () => {
      const { app } = openidApp(express);
      const agent = await login(app);
      const page = await agent.get('/authorize').query({ ...BASE, response_type: 'id_token', prompt: 'login consent', max_age: '300', display: 'popup', login_hint: 'alice@example.com' });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      const areq = page.body.areq;
      assert.equal(areq.type, 'id_token');
      assert.equal(areq.clientID, 'c1');
      assert.equal(areq.nonce, 'n-0S6_WzA2Mj');
      assert.deepEqual(areq.prompt, ['login', 'consent']);
      assert.equal(areq.maxAge, 300);
      assert.equal(areq.display, 'popup');
      assert.equal(areq.loginHint, 'alice@example.com');
      assert.deepEqual(areq.scope, ['openid', 'profile']);
    });

    it('response_type=id_token: the decision redirects with id_token and state in the fragment', async () => {
      const { app, rec } = openidApp(express);
      const agent = await login(app);
      const { decision } = await consentAndDecide(agent, { ...BASE, response_type: 'id_token' });
      assert.equal(decision.status, 302);
      const location: string = decision.headers.location;
      assert.ok(location.startsWith('https://rp.example.com/cb#id_token='), location);
      const f = fragmentOf(location);
      assert.deepEqual(Object.keys(f), ['id_token', 'state']);
      assert.equal(f.state, 'af0ifjsldkj');
      const claims = claimsOf(f.id_token);
      assert.equal(claims.nonce, 'n-0S6_WzA2Mj');
      assert.equal(claims.sub, 'u1');
      assert.equal(claims.aud, 'c1');
      assert.equal(rec.idToken.length, 1);
      assert.deepEqual(rec.idToken[0].ares, { allow: true });
      assert.equal(rec.idToken[0].bound, undefined);
      assert.equal(rec.completed, 1, 'the decision complete callback ran');
    });

    it('response_type=id_token: deny redirects with error=access_denied in the fragment', async () => {
      const { app, rec } = openidApp(express);
      const agent = await login(app);
      const { decision } = await consentAndDecide(agent, { ...BASE, response_type: 'id_token' }, { cancel: 'Deny' });
      assert.equal(decision.headers.location, 'https://rp.example.com/cb#error=access_denied&state=af0ifjsldkj');
      assert.equal(rec.idToken.length, 0);
    });

    for (const type of ['code id_token', 'id_token code']) {
      it(`response_type=${type}: code and id_token (bound to the code) in the fragment`, async () => {
        const { app, rec } = openidApp(express);
        const agent = await login(app);
        const { page, decision } = await consentAndDecide(agent, { ...BASE, response_type: type });
        assert.equal(page.body.areq.type, type);
        assert.equal(decision.status, 302);
        const f = fragmentOf(decision.headers.location);
        assert.deepEqual(Object.keys(f), ['code', 'id_token', 'state']);
        assert.equal(f.code, rec.code[0].code);
        assert.equal(rec.code[0].redirectURI, clients.c1.redirectURI);
        assert.deepEqual(rec.idToken[0].bound, { authorizationCode: f.code });
        assert.equal(claimsOf(f.id_token).c_hash_of, f.code);
        assert.equal(f.state, 'af0ifjsldkj');
      });
    }

    it('a missing nonce is rejected by the plugin\'s parser and reaches the app', async () => {
      const { app } = openidApp(express);
      const agent = await login(app);
      const { nonce: _n, ...noNonce } = BASE;
      const res = await agent.get('/authorize').query({ ...noNonce, response_type: 'id_token' });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { name: 'AuthorizationError', message: 'Missing required parameter: nonce', code: 'invalid_request' });
    });

    it('immediate locals reach the 7-arity issue callback as txn.locals, and complete runs', async () => {
      const { app, rec } = openidApp(express, {
        immediate: (client: any, _user: any, done: any) => done(null, client.trusted, { scope: ['openid'] }, { authTime: 1700000000 }),
      });
      const agent = await login(app);
      const res = await agent.get('/authorize').query({ ...BASE, client_id: 'trusted', redirect_uri: clients.trusted.redirectURI, response_type: 'id_token' });
      assert.equal(res.status, 302);
      const f = fragmentOf(res.headers.location);
      assert.equal(claimsOf(f.id_token).auth_time, 1700000000);
      assert.deepEqual(rec.idToken[0].locals, { authTime: 1700000000 });
      assert.deepEqual(rec.idToken[0].ares, { scope: ['openid'], allow: true });
      assert.equal(rec.completed, 1);
    });

    describe('prompt=none errors (the plugin\'s own error classes)', () => {
      const immediate = (_c: any, _u: any, _s: any, _t: any, areq: any, done: any) => {
        if (areq.prompt && areq.prompt.includes('none')) return done(new AuthorizationError('Interaction required', 'interaction_required'));
        return done(null, false);
      };

      it('authorizationErrorHandler(): the id_token grant\'s error handler redirects in the fragment', async () => {
        const { app } = openidApp(express, { immediate, errors: 'authorizationErrorHandler' });
        const agent = await login(app);
        const res = await agent.get('/authorize').query({ ...BASE, response_type: 'id_token', prompt: 'none' });
        assert.equal(res.status, 302);
        assert.equal(res.headers.location, 'https://rp.example.com/cb#error=interaction_required&error_description=Interaction%20required&state=af0ifjsldkj');
      });

      it("errorHandler({ mode: 'indirect' }) uses the query: id_token is not in the default fragment list", async () => {
        const { app } = openidApp(express, { immediate });
        const agent = await login(app);
        const res = await agent.get('/authorize').query({ ...BASE, response_type: 'id_token', prompt: 'none' });
        assert.equal(res.status, 302);
        assert.deepEqual(queryOf(res.headers.location), { error: 'interaction_required', error_description: 'Interaction required', state: 'af0ifjsldkj' });
      });

      it("errorHandler({ mode: 'indirect', fragment: ['token', 'id_token'] }) uses the fragment", async () => {
        const { app } = openidApp(express, { immediate, errors: { fragment: ['token', 'id_token'] } });
        const agent = await login(app);
        const res = await agent.get('/authorize').query({ ...BASE, response_type: 'code id_token', prompt: 'none' });
        assert.equal(res.status, 302);
        assert.equal(res.headers.location, 'https://rp.example.com/cb#error=interaction_required&error_description=Interaction%20required&state=af0ifjsldkj');
      });

      it('the plugin\'s own parser error (prompt none with others) reaches the app with its code and status', async () => {
        const { app } = openidApp(express, { immediate });
        const agent = await login(app);
        const res = await agent.get('/authorize').query({ ...BASE, response_type: 'id_token', prompt: 'none login' });
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, { name: 'AuthorizationError', message: 'Prompt includes none with other values', code: 'invalid_request' });
      });
    });
  });
}
