/**
 * Property test: for random redirect URIs (existing query and fragment) and
 * random parameter sets, the port's query and fragment modes produce exactly
 * the Location that oauth2orize 1.12 produces.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { query } from '../../src/response/query.js';
import { fragment } from '../../src/response/fragment.js';
import { legacy, locationOf } from './oracle-cases.js';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 });

const redirectURI = fc.record({
  base: fc.constantFrom(
    'https://client.example.com/cb',
    'https://client.example.com:8443/a/b/c',
    'http://localhost:3000/callback',
    'myapp://callback',
    'com.example.app:/oauth2redirect',
  ),
  query: fc.option(fc.array(fc.tuple(key, text), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  hash: fc.option(fc.stringMatching(/^[A-Za-z0-9=&_-]{1,10}$/), { nil: undefined }),
}).map(({ base, query: q, hash }) => {
  let uri = base;
  if (q) uri += '?' + q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  if (hash) uri += '#' + hash;
  return uri;
});

const params = fc.dictionary(key, fc.oneof(text, fc.integer({ min: 0, max: 1e9 })), { minKeys: 1, maxKeys: 5 })
  .filter((p) => !Object.keys(p).includes('__proto__'));

describe('response modes match 1.12 on random input', () => {
  it('query', () => {
    fc.assert(fc.property(redirectURI, params, (uri, p) => {
      assert.equal(locationOf(query as any, uri, p), locationOf(legacy.query, uri, p));
    }), { numRuns: 500 });
  });

  it('fragment', () => {
    fc.assert(fc.property(redirectURI, params, (uri, p) => {
      assert.equal(locationOf(fragment as any, uri, p), locationOf(legacy.fragment, uri, p));
    }), { numRuns: 500 });
  });
});
