/**
 * fast-check over what a client can send to `authenticateClient`: any Authorization
 * header, any body (strings, arrays, objects, as extended and JSON parsers produce them).
 * The answer is always a clear OAuth error (invalid_client 401 or invalid_request 400) or
 * an authenticated client, never an exception, a hang or a 500; first on mock requests
 * (many runs), then over HTTP through Express and `server.errorHandler()`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authenticateClient, TokenError } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';
import { startClientAuthApp, type Running } from './app.js';

const clients: Record<string, { id: string; secret?: string; token_endpoint_auth_method?: string }> = {
  a: { id: 'a', secret: 'a b+c%' },
  pub: { id: 'pub', token_endpoint_auth_method: 'none' },
};

const words = fc.constantFrom('a', 'pub', 'a b+c%', 'a+b+c%25', '', ':', '%', '%zz', '+', 'é', '\u0000', 'x'.repeat(5000));
const value = fc.oneof(
  { arbitrary: words, weight: 4 },
  fc.string({ maxLength: 30 }),
  fc.array(words, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('$ne', '__proto__', 'x'), words, { maxKeys: 2 }),
  fc.constantFrom(null, 1, true),
);
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIiwiaXNzIjoiYSJ9.c2ln';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Bodies shaped like each method (so that lookups and checks run), and any mix of the four parameters. */
const body = fc.oneof(
  fc.record({ client_id: value, client_secret: value }),
  fc.record({ client_id: value }),
  fc.record({ client_assertion: fc.oneof(value, fc.constant(JWT)), client_assertion_type: fc.oneof(value, fc.constant(ASSERTION_TYPE)) }, { requiredKeys: [] }),
  fc.record({ client_id: value, client_secret: value, client_assertion: fc.oneof(value, fc.constant(JWT)), client_assertion_type: value }, { requiredKeys: [] }),
);
const header = fc.option(fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.tuple(words, words).map(([id, secret]) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64')),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => 'Basic ' + Buffer.from(s).toString('base64')),
  fc.uint8Array({ maxLength: 40 }).map((b) => 'Basic ' + Buffer.from(b).toString('base64')),
  fc.string({ maxLength: 60 }).map((s) => 'Basic ' + s),
), { nil: undefined, freq: 2 });

/** An outcome is fine when it is an authenticated client or one of the two OAuth refusals. */
function acceptable(err: unknown): boolean {
  if (err === undefined) return true;
  if (!(err instanceof TokenError)) return false;
  return (err.code === 'invalid_client' && err.status === 401) || (err.code === 'invalid_request' && err.status === 400);
}

describe('authenticateClient under fast-check', () => {
  it('mock requests: any header and body give an OAuth error or a client, never anything else', async () => {
    const mw = authenticateClient({
      methods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      assertion: { issuer: 'https://as.example', verify: async () => null },
    }, async ({ clientId }) => clients[clientId] ?? null);
    await fc.assert(fc.asyncProperty(header, body, async (authorization, b) => {
      const headers: Record<string, string> = {};
      if (authorization !== undefined) headers.authorization = authorization;
      const { err, nextCalled, req } = await run(mw, mockRequest({ method: 'POST', headers, body: { grant_type: 'client_credentials', ...b } }));
      assert.equal(nextCalled, true);
      assert.ok(acceptable(err), `unexpected outcome ${String(err)} for ${JSON.stringify({ authorization, b })}`);
      if (err === undefined) assert.ok(req.user === clients.a || req.user === clients.pub);
      return true;
    }), { numRuns: 1500 });
  });

  describe('over HTTP', () => {
    let s: Running;
    before(async () => {
      s = await startClientAuthApp();
      s.clients.set('a', { client_id: 'a', client_secret: 'a b+c%' });
      s.clients.set('pub', { client_id: 'pub', token_endpoint_auth_method: 'none' });
    });
    after(async () => { await s.close(); });

    /** Header values Node's client accepts: visible ASCII and spaces, no leading or trailing space. */
    const wireHeader = fc.option(fc.oneof(
      fc.stringMatching(/^[!-~]([ -~]{0,60}[!-~])?$/),
      fc.tuple(words, words).map(([id, secret]) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64')),
      fc.uint8Array({ maxLength: 40 }).map((b) => 'Basic ' + Buffer.from(b).toString('base64')),
    ), { nil: undefined, freq: 2 });
    const form = fc.array(fc.tuple(fc.constantFrom('client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'client_id[]', 'client_secret[x]'), fc.oneof(words, fc.string({ maxLength: 20 }))), { maxLength: 5 });

    it('any header and form body: 200, 401 invalid_client or 400 invalid_request as JSON', async () => {
      await fc.assert(fc.asyncProperty(wireHeader, form, async (authorization, pairs) => {
        const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
        if (authorization !== undefined) headers.authorization = authorization;
        const params = new URLSearchParams([['grant_type', 'client_credentials'], ...pairs]);
        const res = await fetch(s.base + '/token', { method: 'POST', headers, body: params });
        const json = (await res.json()) as { error?: string; access_token?: string };
        if (res.status === 200) assert.ok(json.access_token);
        else if (res.status === 401) assert.equal(json.error, 'invalid_client');
        else assert.deepEqual([res.status, json.error], [400, 'invalid_request'], JSON.stringify({ authorization, pairs, json }));
        return true;
      }), { numRuns: 300 });
    });
  });
});
