/**
 * src/clientauth/basic.ts: Basic credentials as RFC 6749 §2.3.1 has clients send them
 * (form-urlencoded, then base64), the legacy raw form as a second pair, and every
 * malformed header as a reason, never a throw.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formDecode, isBasic, MAX_BASIC_HEADER, MAX_CREDENTIAL, parseBasic } from '../../src/clientauth/basic.js';

/** What a conforming client sends: each part form-urlencoded (URLSearchParams's encoding), then Basic. */
const encoded = (id: string, secret: string): string => {
  const form = (v: string) => new URLSearchParams({ v }).toString().slice(2);
  return 'Basic ' + Buffer.from(`${form(id)}:${form(secret)}`).toString('base64');
};
const raw = (text: string): string => 'Basic ' + Buffer.from(text).toString('base64');

describe('clientauth/basic', () => {
  it('decodes what a conforming client encodes, whatever the characters', () => {
    for (const [id, secret] of [['demo-app', 'demo-secret'], ['a.b_c~d', 's-_.~%+ &=:/?#é'], ['id with space', 'p+q%2Br']]) {
      const parsed = parseBasic(encoded(id!, secret!), false);
      assert.deepEqual(parsed.pairs, [{ id, secret }]);
    }
  });

  it('decodes + as a space and %XX as UTF-8 bytes (form-urlencoding, not just percent-encoding)', () => {
    assert.equal(formDecode('a+b'), 'a b');
    assert.equal(formDecode('%C3%A9%2B'), 'é+');
    assert.equal(formDecode('%E0%A4%A'), undefined, 'a truncated escape');
    assert.equal(formDecode('%ZZ'), undefined);
    assert.equal(formDecode('plain-_.~'), 'plain-_.~');
  });

  it('adds the raw pair after the decoded one only when legacy is on and they differ', () => {
    const header = raw('client:a+b%2B');
    assert.deepEqual(parseBasic(header, true).pairs, [{ id: 'client', secret: 'a b+' }, { id: 'client', secret: 'a+b%2B' }]);
    assert.deepEqual(parseBasic(header, false).pairs, [{ id: 'client', secret: 'a b+' }]);
    assert.deepEqual(parseBasic(raw('client:plain'), true).pairs, [{ id: 'client', secret: 'plain' }], 'no second pair when equal');
  });

  it('a raw value that does not decode is only tried as sent, and only with legacy on', () => {
    const header = raw('client:50%off');
    assert.deepEqual(parseBasic(header, true).pairs, [{ id: 'client', secret: '50%off' }]);
    assert.equal(parseBasic(header, false).reason, 'Basic credentials are not form-urlencoded');
  });

  it('splits at the first colon: the secret may hold colons (RFC 7617 §2)', () => {
    assert.deepEqual(parseBasic(raw('id:se:cr:et'), false).pairs, [{ id: 'id', secret: 'se:cr:et' }]);
  });

  it('reads the scheme case-insensitively, with any number of spaces', () => {
    const token = Buffer.from('a:b').toString('base64');
    for (const header of [`Basic ${token}`, `basic ${token}`, `BASIC   ${token}`, `Basic ${token}  `]) {
      assert.deepEqual(parseBasic(header, false).pairs, [{ id: 'a', secret: 'b' }], header);
    }
    assert.equal(isBasic('Basic x'), true);
    assert.equal(isBasic('Basic'), true);
    assert.equal(isBasic('Bearer x'), false);
    assert.equal(isBasic('Basically x'), false);
  });

  it('accepts unpadded base64 and refuses wrong padding', () => {
    assert.deepEqual(parseBasic('Basic YTpi', false).pairs, [{ id: 'a', secret: 'b' }]);
    assert.deepEqual(parseBasic('Basic YTpiYw', false).pairs, [{ id: 'a', secret: 'bc' }], 'unpadded');
    assert.deepEqual(parseBasic('Basic YTpiYw==', false).pairs, [{ id: 'a', secret: 'bc' }], 'padded');
    assert.equal(parseBasic('Basic YTpiYw=', false).reason, 'Basic credentials are not base64');
    assert.equal(parseBasic('Basic YTpiY', false).reason, 'Basic credentials are not base64', 'a length of 1 mod 4');
  });

  it('gives a reason for every malformed header', () => {
    const cases: Array<[string, string]> = [
      ['Basic', 'Malformed Basic credentials'],
      ['Basic a b', 'Malformed Basic credentials'],
      ['Basic !!!!', 'Basic credentials are not base64'],
      ['Basic ' + Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64'), 'Basic credentials are not UTF-8 text'],
      [raw('no-colon'), 'Basic credentials have no colon'],
      [raw(':secret'), 'Empty or oversized client credentials'],
      [raw('id:'), 'Empty or oversized client credentials'],
      [raw('id:' + 'x'.repeat(MAX_CREDENTIAL + 1)), 'Empty or oversized client credentials'],
      ['Basic ' + 'A'.repeat(MAX_BASIC_HEADER), 'Authorization header too long'],
    ];
    for (const [header, reason] of cases) assert.equal(parseBasic(header, true).reason, reason, header.slice(0, 40));
  });

  it('never throws, and any pair it gives is non-empty and bounded (fast-check)', () => {
    const header = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((s) => 'Basic ' + s),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => raw(s)),
      fc.uint8Array({ maxLength: 100 }).map((b) => 'Basic ' + Buffer.from(b).toString('base64')),
    );
    fc.assert(fc.property(header, fc.boolean(), (h, legacy) => {
      const parsed = parseBasic(h, legacy);
      if (parsed.reason !== undefined) return typeof parsed.reason === 'string' && parsed.pairs === undefined;
      return parsed.pairs.length >= 1 && parsed.pairs.length <= 2 &&
        parsed.pairs.every((p) => p.id.length > 0 && p.secret.length > 0 && p.id.length <= MAX_CREDENTIAL && p.secret.length <= MAX_CREDENTIAL);
    }), { numRuns: 2000 });
  });

  it('round-trips every id and secret a conforming client encodes (fast-check)', () => {
    const part = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
    fc.assert(fc.property(part, part, (id, secret) => {
      const parsed = parseBasic(encoded(id, secret), true);
      return parsed.pairs !== undefined && parsed.pairs[0]!.id === id && parsed.pairs[0]!.secret === secret;
    }), { numRuns: 1000 });
  });
});
