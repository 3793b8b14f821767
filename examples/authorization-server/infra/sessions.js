/**
 * An in-memory session store with a bound: express-session's own
 * MemoryStore keeps every session until it expires, so anyone can fill the
 * memory by sending cookie-less requests. This one holds at most `max`
 * sessions (the least recently saved is dropped first) and forgets a session
 * when its cookie expires.
 *
 * A real deployment with more than one process needs a shared store (Redis,
 * a database); this one is for a single process.
 *
 * @module sessions
 */
import session from 'express-session';

/** Sessions without a cookie expiry are kept this long (ms). */
const DEFAULT_TTL = 24 * 60 * 60 * 1000;

export class BoundedMemoryStore extends session.Store {
  /** @param {{ max?: number }} [options] */
  constructor({ max = 10_000 } = {}) {
    super();
    this.max = max;
    /** @type {Map<string, { data: string, expiresAt: number }>} */
    this.sessions = new Map();
  }

  /** How many sessions are held now. */
  get size() {
    return this.sessions.size;
  }

  /**
   * @override
   * @param {string} sid
   * @param {(err: any, session?: session.SessionData | null) => void} callback
   */
  get(sid, callback) {
    const entry = this.sessions.get(sid);
    if (!entry || entry.expiresAt <= Date.now()) {
      if (entry) this.sessions.delete(sid);
      return callback(null, null);
    }
    callback(null, JSON.parse(entry.data));
  }

  /**
   * @override
   * @param {string} sid
   * @param {session.SessionData} data
   * @param {(err?: any) => void} [callback]
   */
  set(sid, data, callback) {
    const expires = data.cookie?.expires;
    const expiresAt = expires ? new Date(expires).getTime() : Date.now() + DEFAULT_TTL;
    // Re-inserting moves the session to the end: the first key is the least recently saved.
    this.sessions.delete(sid);
    this.sessions.set(sid, { data: JSON.stringify(data), expiresAt });
    while (this.sessions.size > this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    callback?.();
  }

  /**
   * @override
   * @param {string} sid
   * @param {session.SessionData} data
   * @param {() => void} [callback]
   */
  touch(sid, data, callback) {
    if (this.sessions.has(sid)) this.set(sid, data);
    callback?.();
  }

  /**
   * @override
   * @param {string} sid
   * @param {(err?: any) => void} [callback]
   */
  destroy(sid, callback) {
    this.sessions.delete(sid);
    callback?.();
  }
}
