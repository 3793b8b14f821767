/** User codes and device codes (RFC 8628 §6.1, §5.2). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateUserCode, normalizeUserCode, generateDeviceCode, randomString, USER_CODE_ALPHABET, MAX_USER_CODE_INPUT } from '../../src/device/userCode.js';

describe('user codes', () => {
  it('uses the 20 consonants of RFC 8628 §6.1', () => {
    assert.equal(USER_CODE_ALPHABET.length, 20);
    assert.doesNotMatch(USER_CODE_ALPHABET, /[AEIOUY0-9]/);
    assert.equal(new Set(USER_CODE_ALPHABET).size, 20);
  });

  it('generates XXXX-XXXX codes from the alphabet, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateUserCode();
      assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      seen.add(code);
    }
    assert.ok(seen.size > 1990, `2000 codes should be (almost surely) distinct, got ${seen.size}`);
  });

  it('draws characters uniformly (chi-square over 160 000 characters)', () => {
    const text = randomString(160_000, USER_CODE_ALPHABET);
    const counts = new Map<string, number>();
    for (const c of text) counts.set(c, (counts.get(c) || 0) + 1);
    assert.equal(counts.size, 20);
    const expected = text.length / 20;
    let chi = 0;
    for (const n of counts.values()) chi += (n - expected) ** 2 / expected;
    // 19 degrees of freedom: p = 0.0001 at about 49. A modulo bias over bytes
    // (256 % 20 = 16 characters favoured by 1/12) would give thousands.
    assert.ok(chi < 49, `chi-square ${chi.toFixed(1)}`);
  });

  it('refuses alphabets it cannot draw from without bias', () => {
    assert.throws(() => randomString(4, 'A'), RangeError);
    assert.throws(() => randomString(4, 'x'.repeat(257)), RangeError);
  });

  it('normalizes case, dashes and spaces', () => {
    assert.equal(normalizeUserCode('wdjb-mjht'), 'WDJBMJHT');
    assert.equal(normalizeUserCode(' WDJB MJHT '), 'WDJBMJHT');
    assert.equal(normalizeUserCode('Wdjb—Mjht'), 'WDJBMJHT', 'an em dash too');
    assert.equal(normalizeUserCode('WDJBMJHT'), 'WDJBMJHT');
  });

  it('gives an empty string for non-strings and oversized input', () => {
    for (const bad of [undefined, null, 42, ['WDJB'], { a: 1 }]) assert.equal(normalizeUserCode(bad), '');
    assert.equal(normalizeUserCode('B'.repeat(MAX_USER_CODE_INPUT + 1)), '');
    assert.equal(normalizeUserCode('B'.repeat(MAX_USER_CODE_INPUT)), 'B'.repeat(MAX_USER_CODE_INPUT));
  });
});

describe('device codes', () => {
  it('are 256-bit base64url strings, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const code = generateDeviceCode();
      assert.match(code, /^[A-Za-z0-9_-]{43}$/);
      seen.add(code);
    }
    assert.equal(seen.size, 1000);
  });
});
