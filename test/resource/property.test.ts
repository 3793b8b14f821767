/**
 * Property tests of `resource` (RFC 8707) over real HTTP: fast-check sends
 * strings, URIs with and without fragments, huge values, lists, objects,
 * numbers and nulls as `resource` to the token endpoint (JSON and form
 * bodies) and the authorization endpoint (query). Every answer is a success
 * or a 400 `invalid_target`: never a 5xx, never another code.
 *
 * 100 cases per property, or `FUZZ_RUNS`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isResourceIndicator, parseResources } from '../../src/lib/resource.js';
import { TokenError } from '../../src/index.js';
import { startResourceApp, type RunningApp } from './app.js';

const RUNS = Number(process.env.FUZZ_RUNS) > 0 ? Number(process.env.FUZZ_RUNS) : 100;
const BASIC = 'Basic ' + Buffer.from('conf:conf-secret').toString('base64');

const stringArb = fc.oneof(
  fc.constantFrom('https://other.example/api', 'https://other.example/api#frag', '/api', 'api', '', ' ', 'urn:x:y', 'https://x.example/?q=1', 'http://[::1', '__proto__', '😀', 'https://x.example/' + 'a'.repeat(5000)),
  fc.webUrl({ withFragments: true, withQueryParameters: true }),
  fc.string({ maxLength: 20 }),
);
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: stringArb },
  { weight: 2, arbitrary: fc.array(stringArb, { maxLength: 40 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(stringArb, fc.integer(), fc.constant(null), fc.object()), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 2 })) },
);

function expectTargetOrSuccess(status: number, body: string, ok: number): void {
  assert.ok(status < 500, `status ${status}: ${body}`);
  if (status === ok) return;
  assert.equal(status, 400, body);
  assert.equal(JSON.parse(body).error, 'invalid_target', body);
}

describe('resource values, fast-check', () => {
  let s: RunningApp;
  before(async () => { s = await startResourceApp(); });
  after(async () => { await s.close(); });

  it('the parser: a list of checked URIs, or invalid_target with status 400; never anything else', () => {
    fc.assert(fc.property(valueArb, (value) => {
      try {
        const list = parseResources(value, TokenError);
        assert.ok(Array.isArray(list));
        assert.ok(list.every(isResourceIndicator));
        assert.ok(list.every((r) => !r.includes('#')));
      } catch (err) {
        assert.ok(err instanceof TokenError, String(err));
        assert.equal(err.code, 'invalid_target');
        assert.equal(err.status, 400);
      }
    }), { numRuns: RUNS * 10 });
  });

  it('token endpoint, JSON body: 200 or invalid_target', async () => {
    await fc.assert(fc.asyncProperty(valueArb, async (resource) => {
      const res = await fetch(s.base + '/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: BASIC },
        body: JSON.stringify({ grant_type: 'client_credentials', resource }),
      });
      expectTargetOrSuccess(res.status, await res.text(), 200);
    }), { numRuns: RUNS });
  });

  it('token endpoint, form body with repeated values: 200 or invalid_target', async () => {
    await fc.assert(fc.asyncProperty(fc.array(stringArb, { maxLength: 40 }), async (resources) => {
      const body = new URLSearchParams({ grant_type: 'client_credentials' });
      for (const r of resources) body.append('resource', r);
      const res = await fetch(s.base + '/token', { method: 'POST', headers: { authorization: BASIC }, body });
      expectTargetOrSuccess(res.status, await res.text(), 200);
    }), { numRuns: RUNS });
  });

  it('authorization endpoint, query (extended parser): a redirect or invalid_target', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('resource', 'resource[]', 'resource[a]', 'resource[0][b]'), stringArb), { maxLength: 6 }), async (pairs) => {
      const query = new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: 'https://app.example.com/cb', state: 's' });
      for (const [k, v] of pairs) query.append(k, v);
      const res = await fetch(s.base + '/authorize?' + query, { redirect: 'manual' });
      const body = await res.text();
      assert.ok(res.status < 500, `status ${res.status}: ${body}`);
      if (res.status === 302) {
        const location = new URL(res.headers.get('location')!);
        const error = location.searchParams.get('error');
        assert.ok(error === null || error === 'invalid_target', String(location));
        return;
      }
      assert.equal(res.status, 400, body);
      assert.equal(JSON.parse(body).error, 'invalid_target', body);
    }), { numRuns: RUNS });
  });
});
