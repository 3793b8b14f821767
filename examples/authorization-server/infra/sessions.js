/**
 * An in-memory session store with a bound: express-session's own
 * MemoryStore keeps every session until it expires, so anyone can fill the
 * memory by sending cookie-less requests. This one holds at most `max`
 * sessions and forgets a session when its cookie expires.
 *
 * When it is full, a signed-in user's session is never dropped for an
 * anonymous one: anonymous sessions (no Passport user) go first, the least
 * recently saved first, and a new anonymous session that finds only
 * signed-in ones is not kept. Only a new signed-in session can push out the
 * least recently saved signed-in one. (The app itself saves no session
 * before sign-in: `saveUninitialized: false`, and the login form's CSRF
 * token lives in a cookie, see web/csrf.js.)
 *
 * A real deployment with more than one process needs a shared store (Redis,
 * a database); this one is for a single process.
 *
 * @module sessions
 */
import session from 'express-session';

/** Sessions without a cookie expiry are kept this long (ms). */
const DEFAULT_TTL = 24 * 60 * 60 * 1000;

/**
 * Whether a session belongs to a signed-in user (Passport keeps the user there).
 * @param {any} data
 */
function signedIn(data) {
  return data?.passport?.user !== undefined && data.passport.user !== null;
}

export class BoundedMemoryStore extends session.Store {
  /** @param {{ max?: number }} [options] */
  constructor({ max = 10_000 } = {}) {
    super();
    this.max = max;
    /**
     * Signed-in and anonymous sessions, each in the order they were last
     * saved (re-inserting moves a session to the end).
     * @type {Map<string, { data: string, expiresAt: number }>}
     */
    this.users = new Map();
    /** @type {Map<string, { data: string, expiresAt: number }>} */
    this.anonymous = new Map();
  }

  /** How many sessions are held now. */
  get size() {
    return this.users.size + this.anonymous.size;
  }

  /** How many of them are signed in. */
  get signedIn() {
    return this.users.size;
  }

  /**
   * @override
   * @param {string} sid
   * @param {(err: any, session?: session.SessionData | null) => void} callback
   */
  get(sid, callback) {
    const entry = this.users.get(sid) ?? this.anonymous.get(sid);
    if (!entry || entry.expiresAt <= Date.now()) {
      if (entry) this.destroy(sid);
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
    this.users.delete(sid);
    this.anonymous.delete(sid);
    const user = signedIn(data);
    (user ? this.users : this.anonymous).set(sid, { data: JSON.stringify(data), expiresAt });
    while (this.size > this.max) {
      // Anonymous sessions first (this one too, if only signed-in ones are left);
      // a signed-in session only for another signed-in one.
      const victims = this.anonymous.size > 0 ? this.anonymous : this.users;
      const oldest = victims.keys().next().value;
      if (oldest === undefined) break;
      victims.delete(oldest);
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
    if (this.users.has(sid) || this.anonymous.has(sid)) this.set(sid, data);
    callback?.();
  }

  /**
   * @override
   * @param {string} sid
   * @param {(err?: any) => void} [callback]
   */
  destroy(sid, callback) {
    this.users.delete(sid);
    this.anonymous.delete(sid);
    callback?.();
  }
}
