/**
 * A response-mode plugin in the shape of the published form_post modes: a '*'
 * request parser that reads `response_mode`, and a mode function with
 * `validate`, passed to the grants and error handlers through `modes`.
 * (Written here from the published shape; no package is installed for it.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizationError } from '../../src/index.js';
import { expressVersions, buildPluginApp, login, consentAndDecide, clients, type PluginAppOptions } from './app.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function formPost(txn: any, res: any, params: Record<string, unknown>) {
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(String(v))}">`)
    .join('');
  res.setHeader('Content-Type', 'text/html;charset=UTF-8');
  res.setHeader('Cache-Control', 'no-cache, no-store');
  res.end(`<html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(txn.redirectURI)}">${inputs}</form></body></html>`);
}
formPost.validate = (txn: any) => {
  if (!txn.redirectURI) throw new AuthorizationError('Unable to issue redirect for OAuth 2.0 transaction', 'server_error');
};

const responseModeParser = {
  name: '*',
  request(req: any) {
    return req.query.response_mode ? { responseMode: req.query.response_mode } : {};
  },
};

/** The hidden inputs of a form_post page, in order. */
function formInputs(html: string): Array<[string, string]> {
  return [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]);
}

function app(express: any, extra: Partial<PluginAppOptions> = {}) {
  const modes = { form_post: formPost };
  return buildPluginApp(express, {
    errors: { modes },
    ...extra,
    setup(server, lib) {
      server.grant(responseModeParser);
      server.grant(lib.grant.code({ modes }, (_c: any, _r: any, _u: any, done: any) => done(null, 'the-code')));
      server.grant(lib.grant.token({ modes }, (_c: any, _u: any, done: any) => done(null, 'the-token', { expires_in: 60 })));
    },
  });
}

const BASE = { client_id: 'c1', redirect_uri: clients.c1.redirectURI, state: 's&"<>', response_mode: 'form_post' };

for (const [label, express] of expressVersions) {
  describe(`form_post response mode plugin (${label})`, () => {
    it('code: the decision answers with an auto-submitting form to the redirect URI', async () => {
      const agent = await login(app(express));
      const { page, decision } = await consentAndDecide(agent, { ...BASE, response_type: 'code' });
      assert.equal(page.body.areq.responseMode, 'form_post');
      assert.equal(decision.status, 200);
      assert.match(decision.headers['content-type'], /text\/html/);
      assert.ok(decision.text.includes(`action="${clients.c1.redirectURI}"`), decision.text);
      assert.deepEqual(formInputs(decision.text), [['code', 'the-code'], ['state', escapeHtml('s&"<>')]]);
    });

    it('token: access_token, params, token_type and state are posted', async () => {
      const agent = await login(app(express));
      const { decision } = await consentAndDecide(agent, { ...BASE, response_type: 'token' });
      assert.equal(decision.status, 200);
      assert.deepEqual(formInputs(decision.text).map(([k]) => k), ['access_token', 'expires_in', 'token_type', 'state']);
    });

    it('deny posts error=access_denied and state', async () => {
      const agent = await login(app(express));
      const { decision } = await consentAndDecide(agent, { ...BASE, response_type: 'code' }, { cancel: 'Deny' });
      assert.deepEqual(formInputs(decision.text), [['error', 'access_denied'], ['state', escapeHtml('s&"<>')]]);
    });

    const failing = { immediate: (_c: any, _u: any, done: any) => done(new AuthorizationError('Not today', 'temporarily_unavailable')) };

    it("errorHandler({ mode: 'indirect', modes }) posts the error", async () => {
      const agent = await login(app(express, failing));
      const res = await agent.get('/authorize').query({ ...BASE, response_type: 'code' });
      assert.equal(res.status, 200);
      assert.deepEqual(formInputs(res.text), [
        ['error', 'temporarily_unavailable'], ['error_description', 'Not today'], ['state', escapeHtml('s&"<>')],
      ]);
    });

    it('authorizationErrorHandler() posts the error through the grant\'s own modes', async () => {
      const agent = await login(app(express, { ...failing, errors: 'authorizationErrorHandler' }));
      const res = await agent.get('/authorize').query({ ...BASE, response_type: 'token' });
      assert.equal(res.status, 200);
      assert.deepEqual(formInputs(res.text).map(([k]) => k), ['error', 'error_description', 'state']);
    });

    it('an unknown response_mode fails with unsupported_response_mode (501) and is not redirected', async () => {
      const agent = await login(app(express));
      const { decision } = await consentAndDecide(agent, { ...BASE, response_type: 'code', response_mode: 'bogus' });
      assert.equal(decision.status, 501);
      assert.deepEqual(decision.body, { name: 'AuthorizationError', message: 'Unsupported response mode: bogus', code: 'unsupported_response_mode' });
    });
  });
}
