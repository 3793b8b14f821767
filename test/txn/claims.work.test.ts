/**
 * The claim book costs O(1) amortized per claim whatever the mix of held and
 * released claims: the work is counted (entries its rotations look at), not
 * timed. Claims held by responses that never end (a mock response whose
 * `redirect` does not end, an app that answers by other means) once made
 * every claim rescan the held ones as soon as they reached the cap.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClaimBook, HOLD_MAX_MS, MAX_ENTRIES, RELEASE_GRACE_MS } from '../../src/txn/claims.js';
import { SessionStore } from '../../src/txn/session.js';
import { Server } from '../../src/server.js';
import { mockRequest } from '../helpers/mock.js';

/** At most this many entries looked at per claim, on average. */
const PER_CLAIM = 4;

describe('ClaimBook: work per claim', () => {
  for (const [name, releaseEvery] of [['all held', 0], ['all released', 1], ['one in three released', 3]] as const) {
    it(`${name}: rotations look at no more than ${PER_CLAIM} entries per claim`, () => {
      const t = { now: 1_000_000 };
      const cap = 400;
      const book = new ClaimBook(() => t.now, cap);
      const n = 50_000;
      for (let i = 0; i < n; i++) {
        const req = {};
        book.loaded(req);
        assert.equal(book.claim(req, 'k' + i, 't', 's', true), true);
        if (releaseEvery && i % releaseEvery === 0) book.release(req, 't', 's');
        // Time moves, but slower than the grace period per cap of claims.
        if (i % 100 === 0) t.now += 1;
      }
      assert.ok(book.visited <= PER_CLAIM * n, `${book.visited} entries looked at for ${n} claims`);
      const size = book.size;
      assert.ok(size.held + size.released <= cap, `at most the cap remembered: ${JSON.stringify(size)}`);
    });
  }

  it('held claims over the cap: the newest are kept, so a fresh claim still refuses a second one', () => {
    const t = { now: 1_000_000 };
    const book = new ClaimBook(() => t.now, 400);
    for (let i = 0; i < 10_000; i++) book.claim({}, 'k' + i, 't', 's', false);
    const size = book.size;
    assert.ok(size.held >= 100 && size.held <= 400, `held claims capped: ${size.held}`);
    assert.equal(book.claim({}, 'k9999', 't', 's', false), false, 'the newest held claim is remembered');
    assert.equal(book.claim({}, 'k0', 't', 's', false), true, 'the oldest was forgotten');
  });

  it('with time passing: at most the cap per grace period on top, and held claims forgotten after the hold period', () => {
    const t0 = 1_000_000;
    const t = { now: t0 };
    const cap = 400;
    const book = new ClaimBook(() => t.now, cap);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      book.claim({}, 'k' + i, 't', 's', false);
      t.now += Math.floor(HOLD_MAX_MS / 1000) + (i % 7 === 0 ? RELEASE_GRACE_MS : 0);
    }
    // A rotation by time looks at most at the cap, at most once per grace period.
    const byTime = Math.ceil((t.now - t0) / RELEASE_GRACE_MS) + 1;
    assert.ok(book.visited <= PER_CLAIM * n + cap * byTime, `${book.visited} entries looked at for ${n} claims and ${byTime} grace periods`);
    t.now += HOLD_MAX_MS;
    book.claim({}, 'last', 't', 's', false);
    assert.deepEqual(book.size, { held: 1, released: 0 }, 'claims held past the hold period forgotten');
  });
});

describe('SessionStore: decisions whose responses never end', () => {
  it('the store\'s claims cost no rescan per decision (the default cap)', () => {
    const store = new SessionStore();
    const server = new Server({ store });
    server.serializeClient((client: any, done: any) => done(null, client.id));
    server.deserializeClient((id: any, done: any) => done(null, { id }));
    // The response answers through `redirect` but never ends, as 1.x-style
    // unit tests' mocks do: no claim is ever released.
    server.grant('code', 'response', (txn: any, res: any) => res.redirect(txn.redirectURI + '?code=x'));
    const [load, decide] = server.decision() as any;
    const n = MAX_ENTRIES + 5000;
    let answered = 0;
    for (let i = 0; i < n; i++) {
      const session = { authorize: { t1: { protocol: 'oauth2', client: 'c1', redirectURI: 'https://c.example/cb', req: { type: 'code' } } } };
      const req: any = mockRequest({ method: 'POST', session, body: { transaction_id: 't1' }, query: {}, user: { id: 'u' } });
      req.sessionID = 'S' + i;
      const res: any = { redirect: () => { answered++; }, setHeader() {}, getHeader() {}, end() {} };
      load(req, res, (err?: unknown) => {
        if (err) throw err;
        decide(req, res, (e?: unknown) => { throw e || new Error('next() called'); });
      });
    }
    assert.equal(answered, n);
    const visited = (store as any).claims.visited as number;
    assert.ok(visited <= PER_CLAIM * n, `${visited} entries looked at for ${n} decisions`);
  });
});
