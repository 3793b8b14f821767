import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompactJws } from '../../src/lib/jws.js';
import { b64, rawJws } from '../helpers/jwt.js';

describe('lib/jws parseCompactJws', () => {
  it('accepts a well-formed JWS and decodes header and claims', () => {
    const r = parseCompactJws(rawJws({ alg: 'RS256', kid: 'a' }, { iss: 'x', n: 1 }));
    assert.ok(typeof r === 'object', 'should parse');
    assert.deepEqual(r.header, { alg: 'RS256', kid: 'a' });
    assert.deepEqual(r.claims, { iss: 'x', n: 1 });
  });

  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['two parts', `${b64({ alg: 'RS256' })}.${b64({})}`],
    ['four parts', rawJws({ alg: 'RS256' }, {}) + '.x'],
    ['empty signature', rawJws({ alg: 'RS256' }, {}, '')],
    ['empty payload', `${b64({ alg: 'RS256' })}..c2ln`],
    ['padding', rawJws({ alg: 'RS256' }, {}) + '='],
    ['standard base64 chars', rawJws({ alg: 'RS256' }, {}, 'a+b/')],
    ['alg none', rawJws({ alg: 'none' }, {})],
    ['alg NONE', rawJws({ alg: 'NONE' }, {})],
    ['alg missing', rawJws({ typ: 'JWT' }, {})],
    ['alg not a string', rawJws({ alg: 1 }, {})],
    ['header an array', rawJws([1], {})],
    ['header not JSON', `${b64('nope')}.${b64({})}.c2ln`],
    ['payload not an object', rawJws({ alg: 'RS256' }, 'text')],
    ['payload null', rawJws({ alg: 'RS256' }, null)],
    ['impossible length', `${b64({ alg: 'RS256' })}a.${b64({})}.c2ln`],
    ['JWE (five parts)', 'a.b.c.d.e'],
  ];
  for (const [name, value] of bad) {
    it(`refuses: ${name}`, () => {
      const r = parseCompactJws(value);
      assert.equal(typeof r, 'string', `expected a reason for ${name}, got ${JSON.stringify(r)}`);
    });
  }

  it('refuses values over maxLength', () => {
    const jws = rawJws({ alg: 'RS256' }, { pad: 'x'.repeat(200) });
    assert.equal(parseCompactJws(jws, 100), 'assertion is too long');
    assert.equal(typeof parseCompactJws(jws, 10_000), 'object');
  });
});
