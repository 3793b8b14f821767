/**
 * The session store's claims: which transactions are being answered right
 * now, in this process, and which were answered a moment ago.
 *
 * A session is read once per request, so two concurrent decisions on one
 * transaction both find it in their own copy of the session. The first to
 * claim it wins; the other must be refused even if it only gets to its claim
 * after the winner's response has finished. Two rules cover that:
 *
 * - every load is numbered, and so is every release: a request that loaded
 *   the transaction before the winner released it saw the stale session and
 *   is refused. A request that loads after the release gets a fresh number
 *   and may claim, which keeps sequential unit tests (one transaction ID
 *   reused on mock requests, as 1.x suites do) behaving as in 1.x;
 * - with a server-side session (a session ID), a request may have read its
 *   session before the winner's write landed and reached the transaction
 *   loader only after the release; a short grace period after the release
 *   refuses those too.
 *
 * Claims are released when the winning response ends (the store's `remove`,
 * which `res.end` triggers), and forgotten after the grace period, so memory
 * and cost stay flat however many decisions go through. The table is
 * capped, and forgets by generations (see {@link ClaimBook}).
 */

import { systemClock, type Clock } from '../settings/clock.js';

/** How long a released claim still refuses late requests of the same session. */
export const RELEASE_GRACE_MS = 2000;
/** How long a claim whose response never ended is kept. */
export const HOLD_MAX_MS = 5 * 60 * 1000;
/** Most claims remembered (two generations of at most half as many each). */
export const MAX_ENTRIES = 20_000;

/** The load number stored on a request by {@link ClaimBook.loaded}. */
const LOADED = Symbol('oauth2orize.loaded');
/** The claim a request holds, stored on it by {@link ClaimBook.claim}. */
const CLAIM = Symbol('oauth2orize.claim');

/** One claim, held or released. */
interface Entry {
  key: string;
  /** The transaction ID and namespace the caller claimed, to match its release. */
  tid: string;
  space: string;
  /** The request that holds the claim (only it can release it); null once released. */
  req: object | null;
  /** Number of the release, compared with the numbers of loads. */
  seq: number;
  /** When it was claimed while held; when it was released after. */
  at: number;
}

/**
 * The claims, in two generations of one map each: new claims go into the
 * young map. Every grace period (or when the young map holds half the cap)
 * the young map becomes the old one, and from the old one only what is
 * still needed is carried over: claims still held, and, on a rotation by
 * time, releases still within their grace period. At most a quarter of the
 * cap is carried, the newest first (a claim held longest is the likeliest
 * to belong to a response that never ends), so after a rotation by count at
 * least a quarter of the cap of new claims go in before the next one: a
 * rotation looks at no more entries than the claims made since the last,
 * twice over, whatever the mix of held and released claims. Nothing is
 * scanned per request. (Deleting from the front of one big Map, used as a
 * queue, is not constant time in V8: iterating has to skip the holes that
 * deletions leave.) A release changes its entry in place, so it costs no
 * map operation.
 */
export class ClaimBook {
  private readonly clock: Clock;
  private readonly max: number;
  private seq = 0;
  private young = new Map<string, Entry>();
  private old = new Map<string, Entry>();
  private since = 0;
  /** Entries looked at by rotations so far (tests count work with it, not time). */
  visited = 0;

  /**
   * @param clock the time source of the grace and hold periods (default: the system clock)
   * @param max the most claims remembered (default {@link MAX_ENTRIES}; tests use small caps)
   */
  constructor(clock?: Clock, max: number = MAX_ENTRIES) {
    this.clock = clock || systemClock;
    this.max = Math.max(4, max);
  }
  /** Note that `req` has just loaded a transaction from its session. */
  loaded(req: object): void {
    (req as Record<symbol, number>)[LOADED] = ++this.seq;
  }

  /**
   * Claim `key` for `req`; `tid` and `space` are what the caller will name
   * when it releases. `timed` (a server-side session) also refuses during
   * the grace period after a release.
   */
  claim(req: object, key: string, tid: string, space: string, timed: boolean): boolean {
    const now = this.clock();
    this.age(now);
    let entry = this.young.get(key);
    if (entry === undefined) entry = this.old.get(key);
    if (entry !== undefined) {
      if (entry.req !== null) {
        if (now - entry.at < HOLD_MAX_MS) return false;
      } else {
        // A request whose transaction was set by other means than the
        // store's load counts as loaded now.
        const loadedAt = (req as Record<symbol, number | undefined>)[LOADED];
        if (loadedAt !== undefined && loadedAt < entry.seq) return false;
        if (timed && now - entry.at < RELEASE_GRACE_MS) return false;
      }
    }
    const claim: Entry = { key, tid, space, req, seq: 0, at: now };
    // Shadows an entry of the same key in the old map.
    this.young.set(key, claim);
    (req as Record<symbol, Entry>)[CLAIM] = claim;
    return true;
  }

  /** Release the claim `req` holds on (`tid`, `space`), if any. */
  release(req: object, tid: string, space: string): void {
    const claim = (req as Record<symbol, Entry | undefined>)[CLAIM];
    if (claim === undefined || claim.tid !== tid || claim.space !== space || claim.req !== req) return;
    (req as Record<symbol, Entry | undefined>)[CLAIM] = undefined;
    claim.req = null;
    claim.seq = ++this.seq;
    claim.at = this.clock();
  }

  /** How many claims are held and remembered (for tests and monitoring). */
  get size(): { held: number; released: number } {
    let held = 0;
    let released = 0;
    for (const map of [this.young, this.old]) {
      for (const [key, e] of map) {
        if (map === this.old && this.young.has(key)) continue;
        if (e.req !== null) held++;
        else released++;
      }
    }
    return { held, released };
  }

  private age(now: number): void {
    const elapsed = now - this.since;
    if (elapsed < RELEASE_GRACE_MS && this.young.size < this.max / 2) return;
    const byTime = elapsed >= RELEASE_GRACE_MS;
    const room = Math.floor(this.max / 4);
    const needed = (e: Entry): boolean => (e.req !== null ? now - e.at < HOLD_MAX_MS : byTime && now - e.at < RELEASE_GRACE_MS);
    // What to carry, oldest first (each map iterates in claim order and the
    // old map's claims are older than the young map's); only the newest
    // `room` are kept.
    const picked: Entry[] = [];
    const pick = (map: Map<string, Entry>, shadow: Map<string, Entry> | null): void => {
      this.visited += map.size;
      for (const [key, e] of map) if ((shadow === null || !shadow.has(key)) && needed(e)) picked.push(e);
    };
    if (elapsed >= 2 * RELEASE_GRACE_MS) {
      // After two quiet periods the young map is as out of date as the old one.
      pick(this.old, this.young);
      pick(this.young, null);
      this.old = new Map();
    } else {
      pick(this.old, this.young);
      this.old = this.young;
    }
    const kept = new Map<string, Entry>();
    for (let i = Math.max(0, picked.length - room); i < picked.length; i++) kept.set(picked[i]!.key, picked[i]!);
    this.young = kept;
    this.since = now;
  }
}
