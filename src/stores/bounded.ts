/**
 * The memory the in-memory stores share: a Map of entries, each with an
 * expiry time on the store's clock, bounded in size. Map order is the order
 * of last write, so the first entries are the least recently written: when
 * the map is full the first is evicted, and each write also drops a few
 * expired entries from the front, so that idle keys do not stay forever.
 */
export interface Expiring {
  /** When the entry expires, in milliseconds on the store's clock. */
  exp: number;
}

/** Entries looked at from the front on each write, to drop expired ones. */
const SWEEP = 2;

export class BoundedMap<E extends Expiring> {
  private readonly map = new Map<string, E>();

  constructor(private readonly max: number) {}

  /** The live entry of `key` at time `now`, or undefined (an expired one is dropped). */
  get(key: string, now: number): E | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.exp <= now) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  /** Write `key` as the most recent entry, evicting the oldest beyond the bound. */
  set(key: string, entry: E, now: number): void {
    this.map.delete(key);
    this.map.set(key, entry);
    let swept = 0;
    for (const [k, e] of this.map) {
      if (swept++ >= SWEEP || e.exp > now) break;
      this.map.delete(k);
    }
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
