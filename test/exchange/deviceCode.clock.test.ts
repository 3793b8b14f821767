/**
 * exchange.deviceCode on the clock: device code expiry and the polling
 * interval (`slow_down`) exactly at, before and after each boundary, with
 * the exchange's own `now` option and with the clock of the server it is
 * registered on (read from the request, since exchanges never see the server).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceCode } from '../../src/exchange/deviceCode.js';
import { Server } from '../../src/server.js';
import { mockRequest, run } from '../helpers/mock.js';

const GT = 'urn:ietf:params:oauth:grant-type:device_code';
const client = { id: 'tv' };
const T0 = 1_700_000_000_000;

/** The error code the exchange answers for `record` when the clock reads `t` (`'issued'` for tokens). */
async function answerAt(t: number, record: Record<string, unknown>): Promise<string> {
  const exchange = deviceCode({ now: () => t }, {
    load: () => ({ ...record }),
    update: () => {},
    issue: () => 'at',
  });
  const r = await run(exchange, mockRequest({ method: 'POST', body: { grant_type: GT, device_code: 'dc' }, user: client }));
  return r.err ? (r.err as { code: string }).code : 'issued';
}

describe('exchange.deviceCode on the clock', () => {
  it('a pending code expires at expiresAt, not a millisecond sooner', async () => {
    const pending = { status: 'pending', expiresAt: T0, interval: 5 };
    assert.equal(await answerAt(T0 - 1000, pending), 'authorization_pending', '1 s before');
    assert.equal(await answerAt(T0 - 1, pending), 'authorization_pending', '1 ms before');
    assert.equal(await answerAt(T0, pending), 'expired_token', 'at expiresAt');
    assert.equal(await answerAt(T0 + 1, pending), 'expired_token', '1 ms after');
  });

  it('an approved code issues until expiresAt, not at it', async () => {
    const approved = { status: 'approved', expiresAt: T0 };
    assert.equal(await answerAt(T0 - 1, approved), 'issued');
    assert.equal(await answerAt(T0, approved), 'expired_token');
    assert.equal(await answerAt(T0 + 1, approved), 'expired_token');
  });

  it('slow_down when polled less than interval seconds after the last poll', async () => {
    const last = T0 - 60_000;
    const polled = { status: 'pending', expiresAt: T0 + 600_000, interval: 5, lastPolledAt: last };
    const at = (t: number) => answerAt(t, polled);
    assert.equal(await at(last + 4000), 'slow_down', '1 s early');
    assert.equal(await at(last + 4999), 'slow_down', '1 ms early');
    assert.equal(await at(last + 5000), 'authorization_pending', 'exactly interval seconds later');
    assert.equal(await at(last + 5001), 'authorization_pending', '1 ms late');
    assert.equal(await at(last + 6000), 'authorization_pending', '1 s late');
  });

  it('registered on a server, it reads the server\'s clock from the request', async () => {
    let t = T0;
    const server = new Server({ clock: () => t });
    const record = { status: 'pending', expiresAt: T0 + 10_000, interval: 5, lastPolledAt: T0 - 5000 };
    server.exchange(deviceCode({ load: () => record, update: () => {}, issue: () => 'at' }));
    const token = server.token();
    const poll = async () => {
      const r = await run(token, mockRequest({ method: 'POST', body: { grant_type: GT, device_code: 'dc' }, user: client }));
      return (r.err as { code: string }).code;
    };
    assert.equal(await poll(), 'authorization_pending', 'exactly 5 s after the last poll');
    t = T0 - 1;
    assert.equal(await poll(), 'slow_down', '1 ms early on the server clock');
    t = T0 + 10_000;
    assert.equal(await poll(), 'expired_token', 'at expiresAt on the server clock');
    t = T0 + 9_999;
    assert.equal(await poll(), 'authorization_pending');
  });
});
