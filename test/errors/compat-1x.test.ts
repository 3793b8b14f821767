/**
 * The error classes against 1.12's own (the `oauth2orize-1.12` dev dependency):
 * an error built without a message has `message === undefined`, and every
 * enumerable property (what `JSON.stringify` and loggers show) matches.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { OAuth2Error } from '../../src/errors/oauth2error.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { BadRequestError } from '../../src/errors/badrequesterror.js';
import { ForbiddenError } from '../../src/errors/forbiddenerror.js';

const require = createRequire(import.meta.url);
const v1 = require('oauth2orize-1.12');
const pairs: Array<[string, new (...a: any[]) => Error, new (...a: any[]) => Error]> = [
  ['OAuth2Error', OAuth2Error, v1.OAuth2Error],
  ['AuthorizationError', AuthorizationError, v1.AuthorizationError],
  ['TokenError', TokenError, v1.TokenError],
  ['BadRequestError', BadRequestError, require('oauth2orize-1.12/lib/errors/badrequesterror')],
  ['ForbiddenError', ForbiddenError, require('oauth2orize-1.12/lib/errors/forbiddenerror')],
];

/** Own enumerable properties, with `name` left out for OAuth2Error (1.x never named it). */
function shape(err: Error, dropName: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(err).sort()) {
    if (dropName && key === 'name') continue;
    out[key] = (err as unknown as Record<string, unknown>)[key];
  }
  return out;
}

describe('errors keep 1.x properties', () => {
  for (const [name, Ours, Theirs] of pairs) {
    const dropName = name === 'OAuth2Error';
    it(`${name} without a message: message is undefined, own and enumerable`, () => {
      const err = new Ours();
      assert.equal(err.message, undefined, 'message must be undefined, as in 1.x');
      assert.ok(Object.prototype.hasOwnProperty.call(err, 'message'), 'message is an own property');
      assert.deepEqual(shape(err, dropName), shape(new Theirs(), dropName), 'same enumerable properties as 1.12');
      assert.equal(String(err), name, 'toString prints the bare name');
      assert.ok(err instanceof Error, 'an Error');
    });

    it(`${name} with message, code and uri: same properties and JSON as 1.x`, () => {
      const args = ['Bad thing', 'invalid_grant', 'https://example.com/e'];
      const ours = new Ours(...args);
      const theirs = new Theirs(...args);
      assert.deepEqual(shape(ours, dropName), shape(theirs, dropName), 'same enumerable properties as 1.12');
      const json = JSON.parse(JSON.stringify(ours));
      if (dropName) delete json.name;
      assert.deepEqual(json, JSON.parse(JSON.stringify(theirs)), 'JSON.stringify gives the same object');
      assert.equal(String(ours), `${name}: Bad thing`, 'toString');
    });
  }

  it('OAuth2Error is named (an intentional difference: 1.x left name as "Error")', () => {
    assert.equal(new OAuth2Error().name, 'OAuth2Error');
    assert.equal(new v1.OAuth2Error().name, 'Error');
  });
});
