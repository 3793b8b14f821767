import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fragment as fragmentMode } from '../../src/response/fragment.js';

// Driven with mock objects rather than node:http types.
const fragment: any = fragmentMode;
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { MockResponse, BareResponse } from '../helpers/mock.js';
import { legacy, locationOf, commonURIs, quirkURIs, paramSets } from './oracle-cases.js';

describe('response/fragment', () => {
  it('is a function of (txn, res, params) carrying validate(txn)', () => {
    assert.equal(typeof fragment, 'function');
    assert.equal(fragment.length, 3);
    assert.equal(typeof fragment.validate, 'function');
  });

  describe('Location, exactly as 1.12', () => {
    for (const uri of commonURIs) {
      for (const params of paramSets) {
        it(`${uri} + ${JSON.stringify(params)}`, () => {
          assert.equal(locationOf(fragment as any, uri, params), locationOf(legacy.fragment, uri, params));
        });
      }
    }
  });

  describe('Location, 1.12 url.parse/format normalisation quirks', () => {
    for (const uri of quirkURIs) {
      it(uri, () => {
        const params = { access_token: 't 1', state: 'st' };
        assert.equal(locationOf(fragment as any, uri, params), locationOf(legacy.fragment, uri, params));
      });
    }
  });

  describe('explicit expectations', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['https://client.example.com/cb', { access_token: '2YotnFZFEjr1zCsicMWpAA', token_type: 'Bearer', state: 'xyz' },
        'https://client.example.com/cb#access_token=2YotnFZFEjr1zCsicMWpAA&token_type=Bearer&state=xyz'],
      // the existing query is left verbatim, not re-encoded
      ['https://client.example.com/cb?x=a+b', { access_token: 't' }, 'https://client.example.com/cb?x=a+b#access_token=t'],
      // an existing fragment is replaced
      ['https://client.example.com/cb#old=1', { access_token: 't' }, 'https://client.example.com/cb#access_token=t'],
      ['https://client.example.com/cb', { state: 'a b' }, 'https://client.example.com/cb#state=a%20b'],
      ['https://client.example.com/cb', { state: '✓' }, 'https://client.example.com/cb#state=%E2%9C%93'],
      ['https://client.example.com/cb', { error: 'access_denied', state: '#&=' },
        'https://client.example.com/cb#error=access_denied&state=%23%26%3D'],
    ];
    for (const [uri, params, expected] of cases) {
      it(`${uri} + ${JSON.stringify(params)} -> ${expected}`, () => {
        assert.equal(locationOf(fragment as any, uri, params), expected);
      });
    }
  });

  it('calls res.redirect(location) exactly once', () => {
    const res = new MockResponse();
    const calls: string[] = [];
    res.redirect = (l: string) => { calls.push(l); };
    fragment({ redirectURI: 'https://client.example.com/cb' } as any, res, { access_token: 'abc' });
    assert.deepEqual(calls, ['https://client.example.com/cb#access_token=abc']);
  });

  describe('without res.redirect (BareResponse, new in the port)', () => {
    it('answers 302 with a Location header and ends the response', () => {
      const res = new BareResponse();
      fragment({ redirectURI: 'https://client.example.com/cb?x=1#old' } as any, res, { access_token: 'abc', state: 's 1' });
      assert.equal(res.statusCode, 302);
      assert.equal(res.getHeader('Location'), 'https://client.example.com/cb?x=1#access_token=abc&state=s%201');
      assert.equal(res.ended, true);
    });
  });

  describe('validate', () => {
    it('accepts a transaction with a redirectURI', () => {
      assert.doesNotThrow(() => fragment.validate!({ redirectURI: 'https://client.example.com/cb' }));
    });
    for (const txn of [{}, { redirectURI: '' }, { redirectURI: null }]) {
      it(`throws server_error for ${JSON.stringify(txn)}`, () => {
        assert.throws(() => fragment.validate!(txn as any), (err: any) => {
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
