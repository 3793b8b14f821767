/**
 * The session store's claims on an injected clock: a held claim refuses for
 * HOLD_MAX_MS, a released one (with a session ID) for RELEASE_GRACE_MS, to
 * the millisecond; and createServer({ clock }) hands its clock to the
 * default session store.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClaimBook, HOLD_MAX_MS, RELEASE_GRACE_MS } from '../../src/txn/claims.js';
import { SessionStore } from '../../src/txn/session.js';
import { Server } from '../../src/server.js';

const T0 = 1_700_000_000_000;

describe('ClaimBook on the clock', () => {
  it('a claim never released is held for HOLD_MAX_MS, not a millisecond more', () => {
    const clock = { t: T0 };
    const book = new ClaimBook(() => clock.t);
    assert.equal(book.claim({}, 'k', 't', 's', false), true);
    const at = (t: number) => { clock.t = t; return book.claim({}, 'k', 't', 's', false); };
    assert.equal(at(T0 + HOLD_MAX_MS - 1000), false, '1 s before');
    assert.equal(at(T0 + HOLD_MAX_MS - 1), false, '1 ms before');
    assert.equal(at(T0 + HOLD_MAX_MS), true, 'exactly HOLD_MAX_MS later');
  });

  it('a released claim with a session ID refuses for RELEASE_GRACE_MS after the release', () => {
    for (const [offset, expected] of [[-1000, false], [-1, false], [0, true], [1, true]] as const) {
      const clock = { t: T0 };
      const book = new ClaimBook(() => clock.t);
      const winner = {};
      assert.equal(book.claim(winner, 'k', 't', 's', true), true);
      clock.t = T0 + 500;
      book.release(winner, 't', 's');
      clock.t = T0 + 500 + RELEASE_GRACE_MS + offset;
      const later = {};
      book.loaded(later);
      assert.equal(book.claim(later, 'k', 't', 's', true), expected, `release + grace ${offset >= 0 ? '+' : ''}${offset} ms`);
    }
  });

  it('createServer({ clock }) gives its clock to the default session store; an app\'s store is left alone', () => {
    let t = T0;
    const server = new Server({ clock: () => t });
    const store = server._txnStore as SessionStore;
    assert.ok(store instanceof SessionStore);
    const req = { session: {}, sessionID: 'S1' } as any;
    assert.equal(store.claim({}, req, 'tid'), true);
    t = T0 + HOLD_MAX_MS - 1;
    assert.equal(store.claim({}, { session: {}, sessionID: 'S1' } as any, 'tid'), false, 'still held on the server clock');
    t = T0 + HOLD_MAX_MS;
    assert.equal(store.claim({}, { session: {}, sessionID: 'S1' } as any, 'tid'), true, 'hold over on the server clock');
    const own = new SessionStore();
    assert.equal(new Server({ store: own, clock: () => 0 })._txnStore, own);
  });
});
