import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DpopNonces } from '../../src/dpop/nonce.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

describe('DpopNonces', () => {
  it('accepts a nonce during its step and the next, not after', () => {
    let t = 1_000_000_000_000;
    const n = new DpopNonces({ secrets: [A], step: 60, now: () => t });
    const nonce = n.current();
    assert.match(nonce, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(n.check(nonce), true);
    t += 60_000;
    assert.equal(n.check(nonce), true);
    assert.notEqual(n.current(), nonce);
    t += 60_000;
    assert.equal(n.check(nonce), false);
  });

  it('issues with the first secret and accepts every one (rotation)', () => {
    const t = 1_000_000_000_000;
    const old = new DpopNonces({ secrets: [A], now: () => t });
    const rotated = new DpopNonces({ secrets: [B, A], now: () => t });
    assert.equal(rotated.check(old.current()), true);
    assert.equal(old.check(rotated.current()), false);
    assert.equal(new DpopNonces({ secrets: [B], now: () => t }).check(old.current()), false);
  });

  it('refuses values that are not nonces', () => {
    const n = new DpopNonces({ secrets: [A] });
    for (const v of [undefined, null, 42, '', 'x'.repeat(43), 'x'.repeat(44), '!'.repeat(43)]) assert.equal(n.check(v), false);
  });

  it('checks its options at construction', () => {
    assert.throws(() => new DpopNonces(undefined as never), TypeError);
    assert.throws(() => new DpopNonces({ secrets: [] }), /non-empty/);
    assert.throws(() => new DpopNonces({ secrets: ['short'] }), /32 bytes/);
    assert.throws(() => new DpopNonces({ secrets: [A], step: 0 }), /step/);
    assert.throws(() => new DpopNonces({ secrets: [A], now: 5 as never }), /now/);
  });
});
