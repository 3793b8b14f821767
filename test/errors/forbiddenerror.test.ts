import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForbiddenError } from '../../src/errors/forbiddenerror.js';

describe('ForbiddenError', () => {
  it('has status 403, a name and a message', () => {
    const err = new ForbiddenError('Unable to load OAuth 2.0 transaction: abc');
    assert.equal(err.status, 403);
    assert.equal(err.name, 'ForbiddenError');
    assert.equal(err.constructor.name, 'ForbiddenError');
    assert.equal(err.message, 'Unable to load OAuth 2.0 transaction: abc');
  });

  it('is an Error with a stack', () => {
    const err = new ForbiddenError('x');
    assert.ok(err instanceof Error);
    assert.ok(err instanceof ForbiddenError);
    assert.equal(typeof err.stack, 'string');
    assert.equal(String(err), 'ForbiddenError: x');
  });

  it('accepts { cause } as the last argument', () => {
    const cause = new Error('root');
    const err = new ForbiddenError('x', { cause });
    assert.equal(err.cause, cause);
    assert.equal(err.status, 403);
  });
});
