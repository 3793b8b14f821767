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
 * and cost stay flat however many decisions go through. Both tables are
 * capped; the oldest entries go first.
 */

/** How long a released claim still refuses late requests of the same session. */
export const RELEASE_GRACE_MS = 2000;
/** How long a claim whose response never ended is kept. */
export const HOLD_MAX_MS = 5 * 60 * 1000;
/** Most entries in each table. */
export const MAX_ENTRIES = 10_000;

/** The load number stored on a request by {@link ClaimBook.loaded}. */
const LOADED = Symbol('oauth2orize.loaded');

interface Held {
  /** The request that holds the claim; only it can release it. */
  req: object;
  at: number;
}

interface Released {
  /** Number of the release, compared with the numbers of loads. */
  seq: number;
  at: number;
}

export class ClaimBook {
  private seq = 0;
  private readonly held = new Map<string, Held>();
  private readonly released = new Map<string, Released>();

  /** Note that `req` has just loaded a transaction from its session. */
  loaded(req: object): void {
    (req as Record<symbol, number>)[LOADED] = ++this.seq;
  }

  /**
   * Claim `key` for `req`. `timed` (a server-side session) also refuses
   * during the grace period after a release.
   */
  claim(req: object, key: string, timed: boolean): boolean {
    const now = Date.now();
    this.sweep(now);
    if (this.held.has(key)) return false;
    const done = this.released.get(key);
    if (done !== undefined) {
      // A request whose transaction was set by other means than the store's
      // load counts as loaded now.
      const loadedAt = (req as Record<symbol, number | undefined>)[LOADED];
      if (loadedAt !== undefined && loadedAt < done.seq) return false;
      if (timed && now - done.at < RELEASE_GRACE_MS) return false;
      this.released.delete(key);
    }
    this.held.set(key, { req, at: now });
    return true;
  }

  /** Release `key` if `req` holds it; other requests cannot release it. */
  release(req: object, key: string): void {
    const held = this.held.get(key);
    if (held === undefined || held.req !== req) return;
    this.held.delete(key);
    this.released.set(key, { seq: ++this.seq, at: Date.now() });
  }

  /** How many claims are held and remembered (for tests and monitoring). */
  get size(): { held: number; released: number } {
    return { held: this.held.size, released: this.released.size };
  }

  /**
   * Forget what has expired. Both maps are in time order (a re-inserted key
   * goes to the end), so only their fronts are looked at: amortised constant
   * time per call.
   */
  private sweep(now: number): void {
    for (const [key, h] of this.held) {
      if (now - h.at < HOLD_MAX_MS && this.held.size < MAX_ENTRIES) break;
      this.held.delete(key);
    }
    for (const [key, r] of this.released) {
      if (now - r.at < RELEASE_GRACE_MS && this.released.size < MAX_ENTRIES) break;
      this.released.delete(key);
    }
  }
}
