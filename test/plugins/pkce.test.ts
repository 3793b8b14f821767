/**
 * oauth2orize-pkce (a '*' request parser) mounted on this server: the code
 * challenge travels through the session-stored transaction to the issue
 * callback, and the token exchange checks the verifier.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { require, expressVersions, buildPluginApp, login, consentAndDecide, queryOf, clients } from './app.js';

const pkce = require('oauth2orize-pkce');

const S256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function pkceApp(express: any, immediate?: any) {
  const codes = new Map<string, { clientID: string; challenge?: string; method?: string; redirectURI: string }>();
  const issued: any[] = [];
  const app = buildPluginApp(express, {
    immediate,
    setup(server, lib) {
      server.grant(pkce.extensions());
      server.grant(lib.grant.code((client: any, redirectURI: string, _user: any, _ares: any, areq: any, done: any) => {
        issued.push({ codeChallenge: areq.codeChallenge, codeChallengeMethod: areq.codeChallengeMethod, type: areq.type });
        const code = randomBytes(8).toString('hex');
        codes.set(code, { clientID: client.id, challenge: areq.codeChallenge, method: areq.codeChallengeMethod, redirectURI });
        done(null, code);
      }));
      server.exchange(lib.exchange.code((client: any, code: string, redirectURI: string, body: any, done: any) => {
        const entry = codes.get(code);
        if (!entry || entry.clientID !== client.id || entry.redirectURI !== redirectURI) return done(null, false);
        if (entry.challenge) {
          const verifier = body.code_verifier;
          if (typeof verifier !== 'string') return done(null, false);
          const expected = entry.method === 'S256' ? S256(verifier) : verifier;
          if (expected !== entry.challenge) return done(null, false);
        }
        codes.delete(code);
        done(null, 'at-' + code);
      }));
    },
  });
  return { app, issued, codes };
}

for (const [label, express] of expressVersions) {
  describe(`plugin oauth2orize-pkce (${label})`, () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const challenge = S256(verifier);
    const query = {
      response_type: 'code', client_id: 'c1', redirect_uri: clients.c1.redirectURI, state: 'pk',
      code_challenge: challenge, code_challenge_method: 'S256',
    };

    it('the parser\'s codeChallenge/codeChallengeMethod reach areq, survive the session and reach issue', async () => {
      const { app, issued } = pkceApp(express);
      const agent = await login(app);
      const { page, decision } = await consentAndDecide(agent, query);
      assert.equal(page.body.areq.codeChallenge, challenge);
      assert.equal(page.body.areq.codeChallengeMethod, 'S256');
      assert.equal(page.body.areq.type, 'code');
      assert.equal(page.body.areq.clientID, 'c1');
      assert.equal(decision.status, 302);
      assert.deepEqual(issued, [{ codeChallenge: challenge, codeChallengeMethod: 'S256', type: 'code' }]);
      const q = queryOf(decision.headers.location);
      assert.equal(q.state, 'pk');

      const bad = await request(app).post('/token').auth('c1', 'shh').type('form')
        .send({ grant_type: 'authorization_code', code: q.code, redirect_uri: clients.c1.redirectURI, code_verifier: 'wrong-verifier' });
      assert.equal(bad.status, 403);
      assert.equal(bad.body.error, 'invalid_grant');

      const good = await request(app).post('/token').auth('c1', 'shh').type('form')
        .send({ grant_type: 'authorization_code', code: q.code, redirect_uri: clients.c1.redirectURI, code_verifier: verifier });
      assert.equal(good.status, 200, JSON.stringify(good.body));
      assert.deepEqual(good.body, { access_token: 'at-' + q.code, token_type: 'Bearer' });
    });

    it('the method defaults to plain', async () => {
      const { app, issued } = pkceApp(express);
      const agent = await login(app);
      const { decision } = await consentAndDecide(agent, { ...query, code_challenge: 'plain-challenge-value', code_challenge_method: undefined as any });
      assert.equal(decision.status, 302);
      assert.deepEqual(issued, [{ codeChallenge: 'plain-challenge-value', codeChallengeMethod: 'plain', type: 'code' }]);
      const { code } = queryOf(decision.headers.location);
      const tok = await request(app).post('/token').auth('c1', 'shh').type('form')
        .send({ grant_type: 'authorization_code', code, redirect_uri: clients.c1.redirectURI, code_verifier: 'plain-challenge-value' });
      assert.equal(tok.status, 200);
    });

    it('without a challenge, areq has no PKCE fields', async () => {
      const { app, issued } = pkceApp(express);
      const agent = await login(app);
      const { code_challenge: _a, code_challenge_method: _b, ...plainQuery } = query;
      const { page } = await consentAndDecide(agent, plainQuery);
      assert.equal(page.body.areq.codeChallenge, undefined);
      assert.equal(issued[0].codeChallenge, undefined);
    });

    it('the challenge reaches issue on immediate approval too', async () => {
      const { app, issued } = pkceApp(express, (client: any, _user: any, done: any) => done(null, client.trusted));
      const agent = await login(app);
      const res = await agent.get('/authorize').query({ ...query, client_id: 'trusted', redirect_uri: clients.trusted.redirectURI });
      assert.equal(res.status, 302);
      assert.deepEqual(issued, [{ codeChallenge: challenge, codeChallengeMethod: 'S256', type: 'code' }]);
    });
  });
}
