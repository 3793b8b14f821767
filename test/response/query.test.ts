import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { query as queryMode } from '../../src/response/query.js';

// Driven with mock objects rather than node:http types.
const query: any = queryMode;
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { MockResponse, BareResponse } from '../helpers/mock.js';
import { legacy, locationOf, commonURIs, quirkURIs, paramSets } from './oracle-cases.js';

describe('response/query', () => {
  it('is a function of (txn, res, params) carrying validate(txn)', () => {
    assert.equal(typeof query, 'function');
    assert.equal(query.length, 3);
    assert.equal(typeof query.validate, 'function');
  });

  describe('Location, exactly as 1.12', () => {
    for (const uri of commonURIs) {
      for (const params of paramSets) {
        it(`${uri} + ${JSON.stringify(params)}`, () => {
          assert.equal(locationOf(query as any, uri, params), locationOf(legacy.query, uri, params));
        });
      }
    }
  });

  describe('Location, 1.12 url.parse/format normalisation quirks', () => {
    for (const uri of quirkURIs) {
      it(uri, () => {
        const params = { code: 'c 1', state: 'st' };
        assert.equal(locationOf(query as any, uri, params), locationOf(legacy.query, uri, params));
      });
    }
  });

  describe('explicit expectations', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['https://client.example.com/cb', { code: 'SplxlOBeZQQYbYS6WxSbIA', state: 'xyz' },
        'https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz'],
      ['https://client.example.com/cb?x=1', { code: 'abc' }, 'https://client.example.com/cb?x=1&code=abc'],
      ['https://client.example.com/cb', { state: 'a b' }, 'https://client.example.com/cb?state=a%20b'],
      ['https://client.example.com/cb#keep', { code: 'abc' }, 'https://client.example.com/cb?code=abc#keep'],
      ['https://client.example.com/cb', { state: '✓' }, 'https://client.example.com/cb?state=%E2%9C%93'],
      ['https://client.example.com/cb', { code: 'a+b&c=d' }, 'https://client.example.com/cb?code=a%2Bb%26c%3Dd'],
      // a parameter named like an existing one replaces it in place
      ['https://client.example.com/cb?state=old&x=1', { state: 'new' }, 'https://client.example.com/cb?state=new&x=1'],
    ];
    for (const [uri, params, expected] of cases) {
      it(`${uri} + ${JSON.stringify(params)} -> ${expected}`, () => {
        assert.equal(locationOf(query as any, uri, params), expected);
      });
    }
  });

  it('calls res.redirect(location) exactly once and nothing else', () => {
    const res = new MockResponse();
    const calls: string[] = [];
    res.redirect = (l: string) => { calls.push(l); };
    query({ redirectURI: 'https://client.example.com/cb' } as any, res, { code: 'abc' });
    assert.deepEqual(calls, ['https://client.example.com/cb?code=abc']);
    assert.equal(res.ended, false);
  });

  it('does not modify the params object', () => {
    const params = { code: 'abc', state: 'xyz' };
    query({ redirectURI: 'https://client.example.com/cb?x=1' } as any, new MockResponse(), params);
    assert.deepEqual(params, { code: 'abc', state: 'xyz' });
  });

  describe('without res.redirect (BareResponse, new in the port)', () => {
    it('answers 302 with a Location header and ends the response', () => {
      const res = new BareResponse();
      query({ redirectURI: 'https://client.example.com/cb?x=1' } as any, res, { code: 'abc', state: 's 1' });
      assert.equal(res.statusCode, 302);
      assert.equal(res.getHeader('Location'), 'https://client.example.com/cb?x=1&code=abc&state=s%201');
      assert.equal(res.ended, true);
      assert.equal(res.getHeader('Content-Length'), '0', 'an empty body, said so');
    });
  });

  describe('validate', () => {
    it('accepts a transaction with a redirectURI', () => {
      assert.doesNotThrow(() => query.validate!({ redirectURI: 'https://client.example.com/cb' }));
    });
    for (const txn of [{}, { redirectURI: '' }, { redirectURI: undefined }, { redirectURI: null }]) {
      it(`throws server_error for ${JSON.stringify(txn)}`, () => {
        assert.throws(() => query.validate!(txn as any), (err: any) => {
          assert.ok(err instanceof AuthorizationError, 'err instanceof AuthorizationError');
          assert.equal(err.message, 'Unable to issue redirect for OAuth 2.0 transaction');
          assert.equal(err.code, 'server_error');
          assert.equal(err.status, 500);
          return true;
        });
      });
    }
  });
});
