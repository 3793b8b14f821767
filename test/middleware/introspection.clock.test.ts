/**
 * middleware/introspection: the `exp` and `nbf` checks on the injected
 * clock, exactly at each boundary and one millisecond or second either side,
 * with and without clock tolerance.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { introspection } from '../../src/middleware/introspection.js';
import { Server } from '../../src/server.js';
import { mockRequest, run } from '../helpers/mock.js';
import { tokenResponse } from '../exchange/helpers.js';

/** A whole second, in seconds since the epoch. */
const S = 1_700_000_000;
const client = { id: 'rs1' };

/** Whether the token with `claims` is active when the clock reads `ms`. */
async function activeAt(ms: number, claims: Record<string, unknown>, tolerance?: number): Promise<boolean> {
  const mw = introspection({ now: () => ms, clockTolerance: tolerance }, async () => claims);
  const { res } = await run(mw, mockRequest({ method: 'POST', body: { token: 't' }, user: client }));
  return (tokenResponse(res) as { active: boolean }).active;
}

describe('middleware/introspection on the clock', () => {
  describe('exp', () => {
    it('a token is inactive in the second of its exp, and active the second before', async () => {
      assert.equal(await activeAt(S * 1000, { exp: S }), false, 'exp == now');
      assert.equal(await activeAt(S * 1000, { exp: S + 1 }), true, 'exp == now + 1 s');
      assert.equal(await activeAt(S * 1000, { exp: S - 1 }), false, 'exp == now - 1 s');
    });

    it('one millisecond either side of the exp second', async () => {
      assert.equal(await activeAt(S * 1000 - 1, { exp: S }), true, '1 ms before exp');
      assert.equal(await activeAt(S * 1000, { exp: S }), false, 'at exp');
      assert.equal(await activeAt(S * 1000 + 1, { exp: S }), false, '1 ms after exp');
      assert.equal(await activeAt(S * 1000 + 999, { exp: S + 1 }), true, 'the last millisecond before exp');
    });

    it('tolerance keeps a just-expired token active up to, not including, exp + tolerance', async () => {
      const now = S * 1000;
      assert.equal(await activeAt(now, { exp: S - 30 }, 30), false, 'exp + tolerance == now');
      assert.equal(await activeAt(now, { exp: S - 29 }, 30), true, 'expired 29 s ago, within 30 s');
      assert.equal(await activeAt(now, { exp: S - 31 }, 30), false, 'expired 31 s ago, outside 30 s');
      assert.equal(await activeAt(now, { exp: S + 10 }, 30), true, 'not expired at all');
    });
  });

  describe('nbf', () => {
    it('a token is active from the second of its nbf', async () => {
      assert.equal(await activeAt(S * 1000, { nbf: S }), true, 'nbf == now');
      assert.equal(await activeAt(S * 1000, { nbf: S + 1 }), false, 'nbf == now + 1 s');
      assert.equal(await activeAt(S * 1000, { nbf: S - 1 }), true, 'nbf == now - 1 s');
      assert.equal(await activeAt(S * 1000 - 1, { nbf: S }), false, '1 ms before nbf');
      assert.equal(await activeAt(S * 1000 + 1, { nbf: S }), true, '1 ms after nbf');
    });

    it('tolerance accepts an nbf up to tolerance seconds in the future, not beyond', async () => {
      const now = S * 1000;
      assert.equal(await activeAt(now, { nbf: S + 30 }, 30), true, 'nbf - tolerance == now');
      assert.equal(await activeAt(now, { nbf: S + 29 }, 30), true, 'nbf 29 s ahead, within 30 s');
      assert.equal(await activeAt(now, { nbf: S + 31 }, 30), false, 'nbf 31 s ahead, outside 30 s');
      assert.equal(await activeAt(now, { nbf: S - 31 }, 30), true, 'nbf long past');
    });
  });

  it('exp and nbf together: active only inside [nbf - tolerance, exp + tolerance)', async () => {
    const claims = { nbf: S, exp: S + 60 };
    const at = (s: number) => activeAt(s * 1000, claims, 5);
    assert.deepEqual(
      await Promise.all([S - 6, S - 5, S, S + 64, S + 65].map(at)),
      [false, true, true, true, false],
    );
  });

  it('server.introspection reads the server\'s clock; its own now option wins', async () => {
    let t = S * 1000;
    const server = new Server({ clock: () => t });
    const body = { token: 't' };
    const lookup = async () => ({ exp: S + 1 });
    const mw = server.introspection(lookup);
    const active = async (m = mw) => (tokenResponse((await run(m, mockRequest({ method: 'POST', body, user: client }))).res) as { active: boolean }).active;
    assert.equal(await active(), true);
    t = (S + 1) * 1000;
    assert.equal(await active(), false, 'the server clock moved to exp');
    assert.equal(await active(server.introspection({ now: () => S * 1000 }, lookup)), true, 'the option wins');
    assert.equal(await active(server.introspection({ clockTolerance: 1 }, lookup)), true, 'options without now still get the server clock');
    t = (S + 2) * 1000;
    assert.equal(await active(server.introspection({ clockTolerance: 1 }, lookup)), false);
  });
});
