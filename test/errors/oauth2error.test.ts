import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Error } from '../../src/errors/oauth2error.js';

describe('OAuth2Error', () => {
  it('defaults code to server_error and status to 500', () => {
    const err = new OAuth2Error('something broke');
    assert.equal(err.message, 'something broke');
    assert.equal(err.code, 'server_error');
    assert.equal(err.uri, undefined);
    assert.equal(err.status, 500);
  });

  it('keeps the code, uri and status it is given', () => {
    const err = new OAuth2Error('bad', 'invalid_request', 'https://example.com/err/1', 400);
    assert.equal(err.message, 'bad');
    assert.equal(err.code, 'invalid_request');
    assert.equal(err.uri, 'https://example.com/err/1');
    assert.equal(err.status, 400);
  });

  it('keeps a status of 500 even for a code that would map elsewhere in a subclass', () => {
    // OAuth2Error itself has no code table: only the explicit status counts.
    const err = new OAuth2Error('x', 'invalid_request');
    assert.equal(err.code, 'invalid_request');
    assert.equal(err.status, 500);
  });

  it('is an Error named OAuth2Error with a stack', () => {
    const err = new OAuth2Error('boom');
    assert.ok(err instanceof Error);
    assert.ok(err instanceof OAuth2Error);
    assert.equal(err.name, 'OAuth2Error');
    assert.equal(err.constructor.name, 'OAuth2Error');
    assert.equal(typeof err.stack, 'string');
    assert.ok(err.stack!.length > 0);
    assert.equal(String(err), 'OAuth2Error: boom');
  });

  it('accepts an options bag with a cause as the last argument', () => {
    const cause = new Error('root');
    const err = new OAuth2Error('wrapped', 'server_error', undefined, undefined, { cause });
    assert.equal(err.cause, cause);
    assert.equal(err.status, 500);
    assert.equal(err.code, 'server_error');
  });

  it('has no cause unless one is given', () => {
    const err = new OAuth2Error('plain');
    assert.equal(err.cause, undefined);
  });
});
