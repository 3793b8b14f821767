import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { OAuth2Error } from '../../src/errors/oauth2error.js';

describe('AuthorizationError', () => {
  describe('status looked up from the code', () => {
    const table: Array<[string | undefined, number]> = [
      ['invalid_request', 400],
      ['unauthorized_client', 403],
      ['access_denied', 403],
      ['unsupported_response_type', 501],
      ['invalid_scope', 400],
      ['temporarily_unavailable', 503],
      ['server_error', 500],
      ['invalid_client', 500], // a token-endpoint code: not in this table
      ['invalid_grant', 500],
      ['some_extension_error', 500],
      [undefined, 500],
    ];
    for (const [code, status] of table) {
      it(`${code ?? '(no code)'} -> ${status}`, () => {
        const err = new AuthorizationError('msg', code);
        assert.equal(err.status, status);
        assert.equal(err.code, code ?? 'server_error');
        assert.equal(err.message, 'msg');
      });
    }
  });

  it('lets an explicit status win over the table', () => {
    const err = new AuthorizationError('msg', 'invalid_request', undefined, 418);
    assert.equal(err.status, 418);
    const err2 = new AuthorizationError('Unsupported response mode: x', 'unsupported_response_mode', null as any, 501);
    assert.equal(err2.status, 501);
    assert.equal(err2.code, 'unsupported_response_mode');
  });

  it('keeps the uri', () => {
    const err = new AuthorizationError('msg', 'access_denied', 'https://example.com/denied');
    assert.equal(err.uri, 'https://example.com/denied');
    assert.equal(err.status, 403);
  });

  it('is an OAuth2Error and an Error named AuthorizationError with a stack', () => {
    const err = new AuthorizationError('nope', 'access_denied');
    assert.ok(err instanceof Error);
    assert.ok(err instanceof OAuth2Error);
    assert.ok(err instanceof AuthorizationError);
    assert.equal(err.name, 'AuthorizationError');
    assert.equal(err.constructor.name, 'AuthorizationError');
    assert.equal(typeof err.stack, 'string');
    assert.equal(String(err), 'AuthorizationError: nope');
  });

  it('accepts { cause } as the last argument', () => {
    const cause = new Error('db down');
    const err = new AuthorizationError('m', 'temporarily_unavailable', undefined, undefined, { cause });
    assert.equal(err.cause, cause);
    assert.equal(err.status, 503);
  });
});
