/**
 * server.deviceVerification on the server's clock: the user code's expiry
 * at, before and after the boundary, and the default attempt limit's window
 * across time, measured in seconds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { mockRequest, run } from '../helpers/mock.js';

const T0 = 1_700_000_000_000;
const tv = { id: 'tv' };
const alice = { id: 'alice' };

/** A server on a clock the test moves, and a lookup over `records`. */
function setup(records: Record<string, unknown>) {
  const clock = { t: T0 };
  const server = new Server({ clock: () => clock.t });
  server.serializeClient((c: any, done) => done(null, c.id));
  const lookup = ({ userCode }: { userCode: string }) => records[userCode] ?? null;
  return { server, clock, lookup };
}

const record = (expiresAt: number) => ({ client: tv, scope: ['read'], expiresAt, status: 'pending' as const });

/** Submit `code` on `session` and answer the error's status, or 0 for a transaction. */
async function submit(mw: any, code: string, session: Record<string, unknown> = {}): Promise<number> {
  const r = await run(mw, mockRequest({ query: { user_code: code }, session, user: alice }));
  if (r.err) return (r.err as { status: number }).status;
  assert.ok(r.req.oauth2?.transactionID, 'a transaction was stored');
  return 0;
}

describe('server.deviceVerification on the clock', () => {
  it('a code is usable until, not at, its expiresAt (server clock)', async () => {
    const { server, clock, lookup } = setup({ WDJBMJHT: record(T0 + 60_000) });
    const mw = server.deviceVerification(lookup);
    const at = async (t: number) => { clock.t = t; return submit(mw, 'WDJB-MJHT'); };
    assert.equal(await at(T0 + 60_000 - 1), 0, '1 ms before expiry');
    assert.equal(await at(T0 + 60_000), 400, 'at expiry');
    assert.equal(await at(T0 + 60_000 + 1), 400, '1 ms after expiry');
    assert.equal(await at(T0 + 59_000), 0, '1 s before expiry');
    assert.equal(await at(T0 + 61_000), 400, '1 s after expiry');
  });

  it('the now option overrides the server clock', async () => {
    const { server, lookup } = setup({ WDJBMJHT: record(T0 + 60_000) });
    assert.equal(await submit(server.deviceVerification({ now: () => T0 + 60_000 }, lookup), 'WDJBMJHT'), 400);
    assert.equal(await submit(server.deviceVerification({ now: () => T0 + 59_999 }, lookup), 'WDJBMJHT'), 0);
  });

  it('counts attempts spread over the window, and starts anew exactly attemptWindow seconds later', async () => {
    const { server, clock, lookup } = setup({});
    const mw = server.deviceVerification({ maxAttempts: 3, attemptWindow: 60 }, lookup);
    const session = {};
    const at = async (t: number) => { clock.t = t; return submit(mw, 'BBBB-BBBB', session); };
    // An unknown code is a 400; a refused attempt is a 429.
    assert.equal(await at(T0), 400, 'first attempt opens the window');
    assert.equal(await at(T0 + 20_000), 400, 'second, 20 s later');
    assert.equal(await at(T0 + 40_000), 400, 'third, 40 s later');
    assert.equal(await at(T0 + 50_000), 429, 'fourth, within the 60 s window');
    assert.equal(await at(T0 + 60_000 - 1), 429, '1 ms before the window ends');
    assert.equal(await at(T0 + 60_000), 400, 'at 60 s a new window opens');
    assert.equal(await at(T0 + 60_001), 400);
    assert.equal(await at(T0 + 61_000), 400, 'third of the new window');
    assert.equal(await at(T0 + 119_999), 429, 'the new window runs 60 s from its first attempt');
    assert.equal(await at(T0 + 120_000), 400);
  });

  it('the window is counted in seconds: attempts a second apart stay in one window of 2 s', async () => {
    const { server, clock, lookup } = setup({});
    const mw = server.deviceVerification({ maxAttempts: 1, attemptWindow: 2 }, lookup);
    const session = {};
    const at = async (t: number) => { clock.t = t; return submit(mw, 'BBBB-BBBB', session); };
    assert.equal(await at(T0), 400);
    assert.equal(await at(T0 + 1000), 429, '1 s later, still inside a 2 s window');
    assert.equal(await at(T0 + 1999), 429);
    assert.equal(await at(T0 + 2000), 400, '2 s later, a new window');
  });
});
