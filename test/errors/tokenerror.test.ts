import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenError } from '../../src/errors/tokenerror.js';
import { OAuth2Error } from '../../src/errors/oauth2error.js';

describe('TokenError', () => {
  describe('status looked up from the code', () => {
    const table: Array<[string | undefined, number]> = [
      ['invalid_request', 400],
      ['invalid_client', 401],
      ['invalid_grant', 403],
      ['unauthorized_client', 403],
      ['unsupported_grant_type', 501],
      ['invalid_scope', 400],
      ['server_error', 500],
      ['access_denied', 500], // an authorization-endpoint code: not in this table
      ['temporarily_unavailable', 500],
      ['some_extension_error', 500],
      [undefined, 500],
    ];
    for (const [code, status] of table) {
      it(`${code ?? '(no code)'} -> ${status}`, () => {
        const err = new TokenError('msg', code);
        assert.equal(err.status, status);
        assert.equal(err.code, code ?? 'server_error');
        assert.equal(err.message, 'msg');
      });
    }
  });

  it('lets an explicit status win over the table', () => {
    assert.equal(new TokenError('m', 'invalid_grant', undefined, 400).status, 400);
    assert.equal(new TokenError('m', 'invalid_client', undefined, 400).status, 400);
    assert.equal(new TokenError('m', 'unsupported_grant_type', undefined, 400).status, 400);
  });

  it('keeps the uri', () => {
    const err = new TokenError('m', 'invalid_scope', 'https://example.com/scope');
    assert.equal(err.uri, 'https://example.com/scope');
    assert.equal(err.status, 400);
  });

  it('is an OAuth2Error and an Error named TokenError with a stack', () => {
    const err = new TokenError('bad grant', 'invalid_grant');
    assert.ok(err instanceof Error);
    assert.ok(err instanceof OAuth2Error);
    assert.ok(err instanceof TokenError);
    assert.equal(err.name, 'TokenError');
    assert.equal(err.constructor.name, 'TokenError');
    assert.equal(typeof err.stack, 'string');
    assert.equal(String(err), 'TokenError: bad grant');
  });

  it('accepts { cause } as the last argument', () => {
    const cause = new Error('lookup failed');
    const err = new TokenError('m', 'invalid_grant', undefined, undefined, { cause });
    assert.equal(err.cause, cause);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'invalid_grant');
    assert.equal(err.message, 'm');
  });
});
