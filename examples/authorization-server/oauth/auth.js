/**
 * Passport: who is the user (login form, session) and whose access token
 * reaches the API (Bearer). Clients are authenticated by oauth2orize itself
 * (`server.authenticateClient()`, endpoints.js).
 *
 * A separate `Passport` instance per app (instead of the shared default)
 * lets several copies of the example run in one process, as the tests do.
 *
 * @module auth
 */
import passport from 'passport';
import passportLocal from 'passport-local';
import passportHttpBearer from 'passport-http-bearer';
import { bindingsOf } from './dpop.js';
import { now } from '../storage/db.js';
import { hashPasswordSync, verifyPassword } from '../infra/security.js';

/** @typedef {import('../storage/db.js').Store} Store */

/** @type {string | undefined} made on first use, to keep start-up quick */
let dummyHash;

/**
 * Check a user's password. Shared by the login form and the password grant.
 *
 * An unknown username still costs one scrypt run, so the response time does
 * not reveal which usernames exist.
 *
 * @param {Store} db
 * @param {string} username
 * @param {string} password
 * @returns {Promise<import('../storage/db.js').User | undefined>}
 */
export async function checkUserPassword(db, username, password) {
  const login = db.users.findLogin(username);
  dummyHash ??= hashPasswordSync('not-a-real-password');
  const ok = await verifyPassword(password, login?.passwordHash ?? dummyHash);
  return login && ok ? login.user : undefined;
}

/**
 * Configure a Passport instance for the example.
 *
 * Strategies registered:
 * - `local`: the login form (username and password, checked with scrypt);
 * - `bearer`: access tokens at the API.
 *
 * @param {Store} db
 */
export function createPassport(db) {
  const authenticator = new passport.Passport();

  authenticator.use(
    new passportLocal.Strategy((username, password, done) => {
      if (typeof username !== 'string' || typeof password !== 'string') return done(null, false);
      checkUserPassword(db, username, password).then(
        (user) => (user ? done(null, user) : done(null, false, { message: 'Wrong username or password' })),
        done,
      );
    }),
  );

  // The session stores only the user's id.
  authenticator.serializeUser((/** @type {any} */ user, done) => done(null, user.id));
  authenticator.deserializeUser((/** @type {number} */ id, done) => done(null, db.users.findById(id) ?? false));

  // `req.user` becomes the user (or, for a client_credentials token, the
  // client) and `req.authInfo` what the token grants.
  authenticator.use(
    new passportHttpBearer.Strategy((token, done) => {
      const stored = db.accessTokens.find(token);
      // RFC 9449 §7.2: a DPoP-bound token is not a bearer token (oauth/dpop.js).
      if (bindingsOf(db).jktOf(token) !== undefined) return done(null, false);
      if (!stored || stored.revokedAt !== null || stored.expiresAt === null || stored.expiresAt <= now()) {
        return done(null, false);
      }
      const principal = stored.userId === null ? db.clients.findById(stored.clientId) : db.users.findById(stored.userId);
      if (!principal) return done(null, false);
      done(null, principal, /** @type {any} */ ({ scope: stored.scope, clientId: stored.clientId, userId: stored.userId }));
    }),
  );

  return authenticator;
}
