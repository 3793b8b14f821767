import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from '../../src/errors/badrequesterror.js';

describe('BadRequestError', () => {
  it('has status 400, a name and a message', () => {
    const err = new BadRequestError('Missing required parameter: transaction_id');
    assert.equal(err.status, 400);
    assert.equal(err.name, 'BadRequestError');
    assert.equal(err.constructor.name, 'BadRequestError');
    assert.equal(err.message, 'Missing required parameter: transaction_id');
  });

  it('is an Error with a stack', () => {
    const err = new BadRequestError('x');
    assert.ok(err instanceof Error);
    assert.ok(err instanceof BadRequestError);
    assert.equal(typeof err.stack, 'string');
    assert.equal(String(err), 'BadRequestError: x');
  });

  it('accepts { cause } as the last argument', () => {
    const cause = new Error('root');
    const err = new BadRequestError('x', { cause });
    assert.equal(err.cause, cause);
    assert.equal(err.status, 400);
  });
});
